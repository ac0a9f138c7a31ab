// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-dc-stub's command line (tools/ntm-dc-stub/args.c): the Relay Direction
 * or Path Teardown it becomes, keys derived as the nodes derive them, and
 * every wrong command line refused with a message that names the argument.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tools/ntm-dc-stub/args.c"

#define KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define OPTS "--rs", "198.51.100.10:7700", "--key-id", "7", "--key", KEY

static int parse_words(struct stub_opts *o, const char *first, ...)
{
	char *argv[64] = { "ntm-dc-stub" };
	const char *w;
	va_list ap;
	int argc = 1;

	va_start(ap, first);
	for (w = first; w; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	return stub_parse(argc, argv, o);
}

#define P(o, ...) parse_words(o, __VA_ARGS__, NULL)

static void assert_usage(struct stub_opts *o, int ret, const char *needle)
{
	if (ret != STUB_USAGE)
		fail_msg("accepted, expected an error about \"%s\"", needle);
	if (!strstr(o->err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", o->err, needle);
}

static void test_relay(void **state)
{
	struct stub_opts o;
	struct ntm_path_keys k;
	uint8_t pk[32];
	char a[NTM_ADDR_FMT_LEN];
	int i;

	for (i = 0; i < 32; i++)
		pk[i] = (uint8_t)i;
	assert_int_equal(ntm_path_keys_derive(pk, &k), NTM_OK);

	assert_int_equal(P(&o, OPTS, "--txn", "0x10", "relay", "42", "type", "n",
			   "path-key", KEY, "a-vip", "100.64.0.1", "b-vip", "100.65.0.30",
			   "host", "198.51.100.30", "a-endpoint", "198.51.100.1:4000",
			   "refresh", "60"), 0);
	assert_int_equal(o.cmd, STUB_RELAY);
	assert_int_equal(o.key_id, 7);
	assert_true(o.has_txn);
	assert_int_equal(o.txn, 16);
	assert_int_equal(o.rd.path_id, 42);
	assert_int_equal(o.rd.rs_type, NTM_RS_TYPE_N);
	assert_int_equal(o.rd.refresh, 60);
	assert_string_equal(ntm_addr_fmt(&o.rd.leg_a_vip, a, sizeof(a)), "100.64.0.1");
	assert_string_equal(ntm_addr_fmt(&o.rd.leg_b_vip, a, sizeof(a)), "100.65.0.30");
	assert_string_equal(ntm_addr_fmt(&o.rd.host, a, sizeof(a)), "198.51.100.30");
	assert_string_equal(ntm_addr_fmt(&o.rd.leg_a_tunnel, a, sizeof(a)),
			    "198.51.100.1:4000");
	assert_true(ntm_addr_is_none(&o.rd.leg_b_tunnel));
	assert_memory_equal(o.rd.relay_key, k.relay, 16);
	assert_memory_equal(o.rd.data_key, k.data, 32);
	assert_memory_equal(o.rd.tunnel_key, k.tunnel, 32);

	/* RS-S: no data key, ever; default refresh. */
	assert_int_equal(P(&o, OPTS, "relay", "43", "type", "s", "path-key", KEY,
			   "a-vip", "100.64.0.1", "b-vip", "100.64.0.2",
			   "b-endpoint", "198.51.100.2:5000"), 0);
	assert_int_equal(o.rd.rs_type, NTM_RS_TYPE_S);
	assert_int_equal(o.rd.refresh, 300);
	assert_false(o.has_txn);
	assert_memory_equal(o.rd.data_key, (uint8_t[32]){ 0 }, 32);
	assert_int_equal(o.rd.leg_b_tunnel.port, 5000);
	assert_int_equal(o.timeout_ms, STUB_DEFAULT_TIMEOUT_MS);
}

static void test_teardown(void **state)
{
	struct stub_opts o;

	assert_int_equal(P(&o, OPTS, "-q", "--timeout", "500", "teardown", "42"), 0);
	assert_int_equal(o.cmd, STUB_TEARDOWN);
	assert_int_equal(o.td.path_id, 42);
	assert_int_equal(o.td.reason, NTM_TEARDOWN_CLOSED);
	assert_true(o.quiet);
	assert_int_equal(o.timeout_ms, 500);
	assert_int_equal(P(&o, OPTS, "teardown", "42", "reason", "moved"), 0);
	assert_int_equal(o.td.reason, NTM_TEARDOWN_MOVED);
	assert_int_equal(P(&o, "--help"), 0);
	assert_int_equal(o.cmd, STUB_HELP);
}

static void test_errors(void **state)
{
	struct stub_opts o;

	assert_usage(&o, P(&o, "--key-id", "7", "--key", KEY, "teardown", "1"), "missing --rs");
	assert_usage(&o, P(&o, "--rs", "1.2.3.4:5", "--key", KEY, "teardown", "1"),
		     "missing --key-id");
	assert_usage(&o, P(&o, "--rs", "1.2.3.4:5", "--key-id", "1", "teardown", "1"),
		     "missing --key HEX64");
	assert_usage(&o, P(&o, OPTS), "missing a command");
	assert_usage(&o, P(&o, OPTS, "launch"), "unknown command \"launch\"");
	assert_usage(&o, P(&o, "--rs", "1.2.3.4", "--key-id", "1", "--key", KEY, "teardown", "1"),
		     "--rs: expected ADDR:PORT");
	assert_usage(&o, P(&o, OPTS, "--key", "00", "teardown", "1"), "--key: expected 64 hex digits");
	assert_usage(&o, P(&o, OPTS, "--bogus", "teardown", "1"), "unknown option \"--bogus\"");
	assert_usage(&o, P(&o, OPTS, "--timeout", "0", "teardown", "1"), "--timeout: expected");
	assert_usage(&o, P(&o, OPTS, "teardown", "0"), "teardown: expected a PathID");
	assert_usage(&o, P(&o, OPTS, "teardown", "1", "reason", "bored"), "reason: expected");
	assert_usage(&o, P(&o, OPTS, "teardown", "1", "why", "closed"), "expected \"reason");
	assert_usage(&o, P(&o, OPTS, "relay", "x"), "relay: expected a PathID");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "path-key", KEY, "a-vip", "1.1.1.1",
			   "b-vip", "2.2.2.2"), "missing type");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "type", "s", "a-vip", "1.1.1.1",
			   "b-vip", "2.2.2.2"), "missing path-key");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "type", "x"), "type: expected s, n or t");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "type", "s", "path-key", KEY,
			   "a-vip", "1.1.1.1"), "a-vip and b-vip are required");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "type", "n", "path-key", KEY,
			   "a-vip", "1.1.1.1", "b-vip", "2.2.2.2"), "RS-N needs host");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "type", "s", "path-key", KEY,
			   "a-vip", "1.1.1.1", "b-vip", "2.2.2.2", "host", "3.3.3.3"),
		     "host is for RS-N only");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "type", "t", "path-key", KEY,
			   "a-vip", "1.1.1.1", "b-vip", "2.2.2.2", "b-endpoint", "3.3.3.3:3"),
		     "b-endpoint is for RS-S only");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "type", "s", "type", "s"), "type given twice");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "a-vip", "1.1.1.1:5"), "a-vip: expected an IPv4");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "a-endpoint", "1.1.1.1"),
		     "a-endpoint: expected ADDR:PORT");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "refresh", "-1"), "refresh: expected seconds");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "refresh"), "refresh needs a value");
	assert_usage(&o, P(&o, OPTS, "relay", "1", "color", "red"), "unknown argument \"color\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_teardown),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
