// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntmctl's command line (tools/ntmctl/args.c) and JSON writer
 * (lib/ntm_json.c): what each command becomes, and that every wrong
 * command line is refused with a message that names the argument.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tools/ntmctl/args.c"

#define HEX32 "000102030405060708090a0b0c0d0e0f"
#define HEX64 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX64B "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeffe0e1e2e3e4e5e6e7e8e9eaebecedeeef"

/* Parse a NULL-terminated word list (argv[0] added). */
static int parse_words(struct ntmctl_cmd *cmd, const char *first, ...)
{
	char *argv[64] = { "ntmctl" };
	const char *w;
	va_list ap;
	int argc = 1;

	va_start(ap, first);
	for (w = first; w; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	return ntmctl_parse(argc, argv, cmd);
}

#define P(cmd, ...) parse_words(cmd, __VA_ARGS__, NULL)

static void assert_usage(struct ntmctl_cmd *cmd, int ret, const char *needle)
{
	if (ret != NTMCTL_USAGE)
		fail_msg("accepted, expected an error about \"%s\"", needle);
	if (!strstr(cmd->err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", cmd->err, needle);
}

static void test_help(void **state)
{
	struct ntmctl_cmd c;

	assert_int_equal(P(&c, "help"), 0);
	assert_int_equal(c.action, NTMCTL_HELP);
	assert_int_equal(c.topic, NTMCTL_TOPIC_ALL);
	assert_int_equal(P(&c, "--help"), 0);
	assert_int_equal(c.action, NTMCTL_HELP);
	assert_int_equal(P(&c, "-j", "-h"), 0);
	assert_int_equal(c.action, NTMCTL_HELP);
	assert_int_equal(P(&c, "help", "path"), 0);
	assert_int_equal(c.topic, NTMCTL_TOPIC_PATH);
	assert_int_equal(P(&c, "path", "help"), 0);
	assert_int_equal(c.action, NTMCTL_HELP);
	assert_int_equal(c.topic, NTMCTL_TOPIC_PATH);
	assert_int_equal(P(&c, "tunnel", "help"), 0);
	assert_int_equal(c.topic, NTMCTL_TOPIC_TUNNEL);
	assert_int_equal(P(&c, "monitor", "help"), 0);
	assert_int_equal(c.topic, NTMCTL_TOPIC_MONITOR);
	assert_int_equal(P(&c, "stats", "--help"), 0);
	assert_int_equal(c.topic, NTMCTL_TOPIC_STATS);
	assert_int_equal(P(&c, "help", "flows"), 0);
	assert_int_equal(c.topic, NTMCTL_TOPIC_FLOWS);
	assert_int_equal(P(&c, "flows", "help"), 0);
	assert_int_equal(c.action, NTMCTL_HELP);
	assert_int_equal(c.topic, NTMCTL_TOPIC_FLOWS);
	assert_int_equal(P(&c, "help", "nft"), 0);
	assert_int_equal(c.topic, NTMCTL_TOPIC_NFT);
	assert_int_equal(P(&c, "nft", "-h"), 0);
	assert_int_equal(c.action, NTMCTL_HELP);
	assert_int_equal(c.topic, NTMCTL_TOPIC_NFT);
	assert_usage(&c, P(&c, "help", "conntrack"), "unknown topic \"conntrack\"");
}

static void test_usage_texts(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int t;

	assert_non_null(f);
	for (t = NTMCTL_TOPIC_ALL; t <= NTMCTL_TOPIC_NFT; t++)
		ntmctl_usage(f, (enum ntmctl_topic)t);
	fclose(f);
	/* Every command and every keyword is documented. */
	assert_non_null(strstr(text, "tunnel set port PORT [dev NAME] [max-paths N]"));
	assert_non_null(strstr(text, "path add ID type"));
	assert_non_null(strstr(text, "path-key HEX64"));
	assert_non_null(strstr(text, "a-endpoint ADDR:PORT"));
	assert_non_null(strstr(text, "b-vip ADDR"));
	assert_non_null(strstr(text, "refresh SEC"));
	assert_non_null(strstr(text, "Exit status: 0"));
	assert_non_null(strstr(text, "Usage: ntmctl monitor"));
	assert_non_null(strstr(text, "flows ID"));
	assert_non_null(strstr(text, "Usage: ntmctl flows ID"));
	assert_non_null(strstr(text, "nft ensure"));
	assert_non_null(strstr(text, "nft show"));
	assert_non_null(strstr(text, "nft remove"));
	assert_non_null(strstr(text, "Usage: ntmctl nft ensure"));
	assert_non_null(strstr(text, "help [tunnel|path|stats|monitor|flows|nft]"));
	free(text);
}

static void test_global_options(void **state)
{
	struct ntmctl_cmd c;

	assert_int_equal(P(&c, "-j", "-n", "rs1", "path", "list"), 0);
	assert_true(c.json);
	assert_string_equal(c.netns, "rs1");
	assert_int_equal(c.action, NTMCTL_PATH_LIST);
	assert_int_equal(P(&c, "--json", "--netns", "x", "stats"), 0);
	assert_true(c.json);
	assert_int_equal(c.action, NTMCTL_STATS);
	assert_usage(&c, P(&c, "-n"), "-n needs a network namespace name");
	assert_usage(&c, P(&c, "-n", "../etc", "stats"), "bad network namespace name");
	assert_usage(&c, P(&c, "-x", "stats"), "unknown option \"-x\"");
	assert_usage(&c, P(&c, "-j"), "missing OBJECT");
	assert_int_equal(parse_words(&c, NULL), NTMCTL_USAGE);
	assert_usage(&c, P(&c, "conntrack", "42"), "unknown object \"conntrack\" (tunnel, path, stats, monitor, flows, nft, help)");
	assert_usage(&c, P(&c, "stats", "now"), "stats: unexpected argument \"now\"");
	assert_int_equal(P(&c, "monitor"), 0);
	assert_int_equal(c.action, NTMCTL_MONITOR);
}

static void test_tunnel(void **state)
{
	struct ntmctl_cmd c;

	assert_int_equal(P(&c, "tunnel", "set", "port", "7701", "dev", "ntm1",
			   "max-paths", "100000"), 0);
	assert_int_equal(c.action, NTMCTL_TUNNEL_SET);
	assert_int_equal(c.tunnel.port, 7701);
	assert_string_equal(c.tunnel.ifname, "ntm1");
	assert_int_equal(c.tunnel.max_paths, 100000);

	assert_int_equal(P(&c, "tunnel", "set", "port", "1"), 0);
	assert_string_equal(c.tunnel.ifname, "");
	assert_int_equal(c.tunnel.max_paths, 0);

	assert_int_equal(P(&c, "tunnel"), 0);
	assert_int_equal(c.action, NTMCTL_TUNNEL_SHOW);
	assert_int_equal(P(&c, "tunnel", "show"), 0);
	assert_int_equal(c.action, NTMCTL_TUNNEL_SHOW);
	assert_int_equal(P(&c, "tunnel", "del"), 0);
	assert_int_equal(c.action, NTMCTL_TUNNEL_DEL);

	assert_usage(&c, P(&c, "tunnel", "set"), "missing port PORT");
	assert_usage(&c, P(&c, "tunnel", "set", "port", "0"), "port: expected a UDP port, 1..65535, got \"0\"");
	assert_usage(&c, P(&c, "tunnel", "set", "port", "65536"), "got \"65536\"");
	assert_usage(&c, P(&c, "tunnel", "set", "port", "-1"), "port: expected");
	assert_usage(&c, P(&c, "tunnel", "set", "port", " 7"), "port: expected");
	assert_usage(&c, P(&c, "tunnel", "set", "port"), "got nothing");
	assert_usage(&c, P(&c, "tunnel", "set", "port", "1", "port", "2"), "port given twice");
	assert_usage(&c, P(&c, "tunnel", "set", "port", "1", "dev", "0123456789abcdef"),
		     "dev: expected an interface name");
	assert_usage(&c, P(&c, "tunnel", "set", "port", "1", "dev", "a/b"), "dev: expected");
	assert_usage(&c, P(&c, "tunnel", "set", "port", "1", "max-paths", "0"),
		     "max-paths: expected a number of paths");
	assert_usage(&c, P(&c, "tunnel", "set", "port", "1", "mtu", "9"),
		     "unknown argument \"mtu\"");
	assert_usage(&c, P(&c, "tunnel", "up"), "tunnel: unknown command \"up\"");
	assert_usage(&c, P(&c, "tunnel", "del", "now"), "unexpected argument \"now\"");
	assert_int_equal(c.topic, NTMCTL_TOPIC_TUNNEL);
}

static void test_path_add_rs_s(void **state)
{
	struct ntmctl_cmd c;
	char s[64];

	assert_int_equal(P(&c, "path", "add", "42", "type", "s", "relay-key", HEX32,
			   "refresh", "0", "a-endpoint", "198.51.100.1:40000",
			   "a-vip", "10.1.0.1", "b-endpoint", "[2001:db8::2]:7701",
			   "b-vip", "10.2.0.1"), 0);
	assert_int_equal(c.action, NTMCTL_PATH_ADD);
	assert_int_equal(c.path.id, 42);
	assert_int_equal(c.path.type, NTM_PATH_RS_S);
	assert_int_equal(c.path.refresh, 0);
	assert_int_equal(c.path.has, NTM_PATH_HAS_TYPE | NTM_PATH_HAS_REFRESH |
			 NTM_PATH_HAS_RELAY_KEY);
	assert_int_equal(c.path.relay_key[15], 0x0f);
	assert_string_equal(ntm_nl_fmt_endpoint(&c.path.leg[0].endpoint, s, sizeof(s)),
			    "198.51.100.1:40000");
	assert_string_equal(ntm_nl_fmt_endpoint(&c.path.leg[1].endpoint, s, sizeof(s)),
			    "[2001:db8::2]:7701");
	assert_string_equal(ntm_nl_fmt_vip(&c.path.leg[1].vip, s, sizeof(s)), "10.2.0.1");

	/* The type may be spelled as in the documents. */
	assert_int_equal(P(&c, "path", "add", "1", "type", "RS-S", "relay-key", HEX32), 0);
	assert_int_equal(c.path.type, NTM_PATH_RS_S);
	assert_int_equal(P(&c, "path", "add", "0x10", "type", "rs-s", "relay-key", HEX32), 0);
	assert_int_equal(c.path.id, 16);

	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", HEX32,
			   "data-key", HEX64), "never holds the data key");
}

static void test_path_add_path_key(void **state)
{
	struct ntmctl_cmd c;
	struct ntm_path_keys k;
	uint8_t pk[32];
	int i;

	for (i = 0; i < 32; i++)
		pk[i] = (uint8_t)i;
	assert_int_equal(ntm_path_keys_derive(pk, &k), NTM_OK);

	/* RS-N: relay and data keys, as the nodes derive them. */
	assert_int_equal(P(&c, "path", "add", "7", "type", "n", "path-key", HEX64,
			   "a-vip", "10.1.0.1", "b-vip", "10.99.0.1"), 0);
	assert_false(c.has_path_key);
	assert_true(c.path.has & NTM_PATH_HAS_RELAY_KEY);
	assert_true(c.path.has & NTM_PATH_HAS_DATA_KEY);
	assert_memory_equal(c.path.relay_key, k.relay, 16);
	assert_memory_equal(c.path.data_key, k.data, 32);

	/* RS-S: the relay key only. */
	assert_int_equal(P(&c, "path", "add", "7", "type", "s", "path-key", HEX64), 0);
	assert_true(c.path.has & NTM_PATH_HAS_RELAY_KEY);
	assert_false(c.path.has & NTM_PATH_HAS_DATA_KEY);
	assert_memory_equal(c.path.relay_key, k.relay, 16);
	ntmctl_cmd_wipe(&c);
	assert_int_equal(c.path.relay_key[0] | c.path.relay_key[15], 0);

	assert_usage(&c, P(&c, "path", "add", "7", "type", "s", "path-key", HEX64,
			   "relay-key", HEX32), "path-key replaces relay-key and data-key");
	assert_usage(&c, P(&c, "path", "add", "7", "type", "s", "path-key", HEX32),
		     "path-key: expected 64 hex digits (32 bytes), got 32 characters");
}

static void test_path_add_rs_n_t_rules(void **state)
{
	struct ntmctl_cmd c;

	assert_int_equal(P(&c, "path", "add", "9", "type", "t", "relay-key", HEX32,
			   "data-key", HEX64B, "a-vip", "fd00::1", "b-vip", "2001:db8::80",
			   "a-endpoint", "[2001:db8::5]:1024"), 0);
	assert_int_equal(c.path.type, NTM_PATH_RS_T);
	assert_int_equal(c.path.data_key[0], 0xf0);
	assert_int_equal(c.path.data_key[31], 0xef);

	assert_usage(&c, P(&c, "path", "add", "9", "type", "n", "relay-key", HEX32,
			   "a-vip", "10.0.0.1", "b-vip", "10.0.0.2"),
		     "an RS-N path needs data-key HEX64 (or path-key)");
	assert_usage(&c, P(&c, "path", "add", "9", "type", "t", "path-key", HEX64,
			   "a-vip", "10.0.0.1"), "an RS-T path needs a-vip and b-vip");
	assert_usage(&c, P(&c, "path", "add", "9", "type", "n", "path-key", HEX64,
			   "a-vip", "10.0.0.1", "b-vip", "10.0.0.2",
			   "b-endpoint", "192.0.2.1:5"), "it has no b-endpoint");
	assert_usage(&c, P(&c, "path", "add", "9", "type", "n", "path-key", HEX64,
			   "a-vip", "10.0.0.1", "b-vip", "fd00::2"), "same family");
	assert_usage(&c, P(&c, "path", "add", "9", "type", "n", "data-key", HEX64,
			   "a-vip", "10.0.0.1", "b-vip", "10.0.0.2"), "data-key needs relay-key");
}

static void test_path_add_errors(void **state)
{
	struct ntmctl_cmd c;

	assert_usage(&c, P(&c, "path", "add"), "path add: missing PathID");
	assert_usage(&c, P(&c, "path", "add", "0", "type", "s"),
		     "PathID: expected 1..4294967295, got \"0\"");
	assert_usage(&c, P(&c, "path", "add", "4294967296"), "got \"4294967296\"");
	assert_usage(&c, P(&c, "path", "add", "12x"), "got \"12x\"");
	assert_usage(&c, P(&c, "path", "add", "1", "relay-key", HEX32), "missing type");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s"), "missing keys");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "x"),
		     "type: expected s, n or t");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "type", "s"),
		     "type given twice");
	assert_usage(&c, P(&c, "path", "add", "1", "type"), "type needs a value (s, n or t)");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", "0011"),
		     "relay-key: expected 32 hex digits (16 bytes), got 4 characters");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key",
			   "zz0102030405060708090a0b0c0d0e0f"), "relay-key: expected 32 hex digits");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", HEX32,
			   "refresh", "-5"), "refresh: expected seconds");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", HEX32,
			   "refresh", "4294967296"), "refresh: expected seconds");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", HEX32,
			   "a-endpoint", "10.0.0.1"), "a-endpoint: expected ADDR:PORT");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", HEX32,
			   "a-endpoint", "10.0.0.1:0"), "got \"10.0.0.1:0\"");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", HEX32,
			   "b-endpoint", "2001:db8::1:80"), "b-endpoint: expected ADDR:PORT");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", HEX32,
			   "a-vip", "10.0.0.1:80"), "a-vip: expected an IPv4 or IPv6 address");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", HEX32,
			   "b-vip", "[fd00::1]"), "b-vip: expected");
	assert_usage(&c, P(&c, "path", "add", "1", "type", "s", "relay-key", HEX32,
			   "c-vip", "10.0.0.1"), "unknown argument \"c-vip\"");
	assert_int_equal(c.topic, NTMCTL_TOPIC_PATH);
}

static void test_path_set(void **state)
{
	struct ntmctl_cmd c;

	assert_int_equal(P(&c, "path", "set", "42", "refresh", "30"), 0);
	assert_int_equal(c.action, NTMCTL_PATH_SET);
	assert_int_equal(c.path.has, NTM_PATH_HAS_REFRESH);
	assert_int_equal(c.path.refresh, 30);

	/* The type decides which keys: derived later, after a GET. */
	assert_int_equal(P(&c, "path", "change", "42", "path-key", HEX64), 0);
	assert_true(c.has_path_key);
	assert_false(c.path.has & NTM_PATH_HAS_RELAY_KEY);
	assert_int_equal(ntmctl_derive_keys(&c, NTM_PATH_RS_S), 0);
	assert_true(c.path.has & NTM_PATH_HAS_RELAY_KEY);
	assert_false(c.path.has & NTM_PATH_HAS_DATA_KEY);
	assert_false(c.has_path_key);

	/* A data key alone may be changed on an existing path. */
	assert_int_equal(P(&c, "path", "set", "42", "data-key", HEX64), 0);
	assert_int_equal(c.path.has, NTM_PATH_HAS_DATA_KEY);

	assert_int_equal(P(&c, "path", "set", "42", "b-endpoint", "192.0.2.9:9"), 0);
	assert_int_equal(c.path.leg[1].endpoint.ss_family, AF_INET);

	assert_usage(&c, P(&c, "path", "set", "42"), "nothing to change");
	assert_usage(&c, P(&c, "path", "set", "42", "type", "n"), "the type of a path is fixed");
	assert_usage(&c, P(&c, "path", "set"), "path set: missing PathID");
}

static void test_path_other_commands(void **state)
{
	struct ntmctl_cmd c;

	assert_int_equal(P(&c, "path", "del", "5"), 0);
	assert_int_equal(c.action, NTMCTL_PATH_DEL);
	assert_int_equal(c.path.id, 5);
	assert_int_equal(P(&c, "path", "delete", "6"), 0);
	assert_int_equal(c.action, NTMCTL_PATH_DEL);
	assert_int_equal(P(&c, "path", "show", "7"), 0);
	assert_int_equal(c.action, NTMCTL_PATH_SHOW);
	assert_int_equal(c.path.id, 7);
	assert_int_equal(P(&c, "path", "show"), 0);
	assert_int_equal(c.action, NTMCTL_PATH_LIST);
	assert_int_equal(P(&c, "path"), 0);
	assert_int_equal(c.action, NTMCTL_PATH_LIST);
	assert_int_equal(P(&c, "path", "ls"), 0);
	assert_int_equal(c.action, NTMCTL_PATH_LIST);
	assert_int_equal(P(&c, "path", "flush"), 0);
	assert_int_equal(c.action, NTMCTL_PATH_FLUSH);

	assert_usage(&c, P(&c, "path", "del"), "path del: missing PathID");
	assert_usage(&c, P(&c, "path", "del", "5", "6"), "unexpected argument \"6\"");
	assert_usage(&c, P(&c, "path", "show", "x"), "path show: PathID: expected");
	assert_usage(&c, P(&c, "path", "list", "all"), "unexpected argument \"all\"");
	assert_usage(&c, P(&c, "path", "flush", "now"), "unexpected argument");
	assert_usage(&c, P(&c, "path", "flows", "1"), "path: unknown command \"flows\"");
}

static void test_flows(void **state)
{
	struct ntmctl_cmd c;

	assert_int_equal(P(&c, "flows", "42"), 0);
	assert_int_equal(c.action, NTMCTL_FLOWS);
	assert_int_equal(c.topic, NTMCTL_TOPIC_FLOWS);
	assert_int_equal(c.path.id, 42);
	assert_int_equal(P(&c, "-j", "-n", "rs", "flows", "4294967295"), 0);
	assert_int_equal(c.action, NTMCTL_FLOWS);
	assert_true(c.json);
	assert_int_equal(c.path.id, UINT32_MAX);
	assert_usage(&c, P(&c, "flows"), "flows: missing PathID");
	assert_usage(&c, P(&c, "flows", "0"), "flows: PathID: expected 1..4294967295, got \"0\"");
	assert_usage(&c, P(&c, "flows", "x"), "flows: PathID: expected");
	assert_usage(&c, P(&c, "flows", "42", "flush"), "flows: unexpected argument \"flush\"");
}

static void test_nft(void **state)
{
	struct ntmctl_cmd c;

	assert_int_equal(P(&c, "nft"), 0);
	assert_int_equal(c.action, NTMCTL_NFT_SHOW);
	assert_int_equal(c.topic, NTMCTL_TOPIC_NFT);
	assert_int_equal(P(&c, "nft", "show"), 0);
	assert_int_equal(c.action, NTMCTL_NFT_SHOW);
	assert_int_equal(P(&c, "-j", "nft", "list"), 0);
	assert_int_equal(c.action, NTMCTL_NFT_SHOW);
	assert_true(c.json);
	assert_int_equal(P(&c, "nft", "ensure"), 0);
	assert_int_equal(c.action, NTMCTL_NFT_ENSURE);
	assert_int_equal(P(&c, "nft", "remove"), 0);
	assert_int_equal(c.action, NTMCTL_NFT_REMOVE);
	assert_int_equal(P(&c, "nft", "del"), 0);
	assert_int_equal(c.action, NTMCTL_NFT_REMOVE);
	assert_usage(&c, P(&c, "nft", "flush"), "nft: unknown command \"flush\" (ensure, show, remove)");
	assert_usage(&c, P(&c, "nft", "ensure", "now"), "nft ensure: unexpected argument \"now\"");
	assert_usage(&c, P(&c, "nft", "show", "42"), "nft show: unexpected argument \"42\"");
}

static char *json_of(void (*emit)(struct ntm_json *j))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct ntm_json j;

	assert_non_null(f);
	ntm_json_init(&j, f);
	emit(&j);
	fclose(f);
	return text;
}

static void emit_nested(struct ntm_json *j)
{
	ntm_json_arr_start(j);
	ntm_json_obj_start(j);
	ntm_json_kv_u64(j, "id", 42);
	ntm_json_kv_str(j, "type", "RS-S");
	ntm_json_key(j, "leg_a");
	ntm_json_obj_start(j);
	ntm_json_kv_u64(j, "max", UINT64_MAX);
	ntm_json_obj_end(j);
	ntm_json_key(j, "ok");
	ntm_json_bool(j, true);
	ntm_json_key(j, "list");
	ntm_json_arr_start(j);
	ntm_json_u64(j, 1);
	ntm_json_u64(j, 2);
	ntm_json_arr_end(j);
	ntm_json_obj_end(j);
	ntm_json_obj_start(j);
	ntm_json_obj_end(j);
	ntm_json_arr_end(j);
}

static void emit_strings(struct ntm_json *j)
{
	ntm_json_arr_start(j);
	ntm_json_str(j, "quote\" backslash\\ slash/");
	ntm_json_str(j, "\n\r\t\b\f");
	ntm_json_str(j, "\x01\x1f\x7f");
	ntm_json_str(j, "caf\xc3\xa9");
	ntm_json_str(j, "");
	ntm_json_arr_end(j);
}

static void emit_empty(struct ntm_json *j)
{
	ntm_json_arr_start(j);
	ntm_json_arr_end(j);
}

static void test_json(void **state)
{
	char *t;

	t = json_of(emit_nested);
	assert_string_equal(t, "[{\"id\":42,\"type\":\"RS-S\",\"leg_a\":{\"max\":"
			    "18446744073709551615},\"ok\":true,\"list\":[1,2]},{}]");
	free(t);
	t = json_of(emit_strings);
	assert_string_equal(t, "[\"quote\\\" backslash\\\\ slash/\","
			    "\"\\n\\r\\t\\b\\f\",\"\\u0001\\u001f\\u007f\","
			    "\"caf\xc3\xa9\",\"\"]");
	free(t);
	t = json_of(emit_empty);
	assert_string_equal(t, "[]");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_texts),
		cmocka_unit_test(test_global_options),
		cmocka_unit_test(test_tunnel),
		cmocka_unit_test(test_path_add_rs_s),
		cmocka_unit_test(test_path_add_path_key),
		cmocka_unit_test(test_path_add_rs_n_t_rules),
		cmocka_unit_test(test_path_add_errors),
		cmocka_unit_test(test_path_set),
		cmocka_unit_test(test_path_other_commands),
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_nft),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
