// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-peer's command line (tools/ntm-peer/options.c), the IP/UDP plaintext of
 * "send --vip" (tools/ntm-peer/inner.c), and the value parsers they share
 * with ntmctl (lib/ntm_cli.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>

#include "../../tools/ntm-peer/options.c"
#include "../../tools/ntm-peer/inner.c"

#define KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define COMMON "--path-id", "42", "--path-key", KEY, "--leg"

static int parse_words(struct peer_opts *o, const char *first, ...)
{
	char *argv[80] = { "ntm-peer" };
	const char *w;
	va_list ap;
	int argc = 1;

	va_start(ap, first);
	for (w = first; w; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	return peer_parse(argc, argv, o);
}

#define P(o, ...) parse_words(o, __VA_ARGS__, NULL)

static char *peer_fmt_ep(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	char a[INET_ADDRSTRLEN];

	assert_int_equal(ss->ss_family, AF_INET);
	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	return buf;
}

static void assert_usage(struct peer_opts *o, int ret, const char *needle)
{
	if (ret != PEER_USAGE)
		fail_msg("accepted, expected an error about \"%s\"", needle);
	if (!strstr(o->err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", o->err, needle);
}

static void test_help(void **state)
{
	struct peer_opts o;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(P(&o, "--help"), 0);
	assert_int_equal(o.mode, PEER_HELP);
	assert_int_equal(P(&o, "send", "-h"), 0);
	assert_int_equal(o.mode, PEER_HELP);
	assert_int_equal(P(&o, "help"), 0);
	assert_int_equal(o.mode, PEER_HELP);

	f = open_memstream(&text, &len);
	peer_usage(f);
	fclose(f);
	/* Every option is documented. */
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		char name[40];

		snprintf(name, sizeof(name), "--%s", opts[i].name);
		if (!strstr(text, name))
			fail_msg("--help does not mention %s", name);
	}
	free(text);
}

static void test_run_full(void **state)
{
	struct peer_opts o;
	char s[64];

	assert_int_equal(P(&o, COMMON, "b", "--remote", "192.0.2.1:7701",
			   "--local=192.0.2.2:7702", "--tun", "ntm-b",
			   "--vip", "10.77.0.2", "--peer-vip", "10.77.0.1",
			   "--route", "10.88.0.0/16", "--mtu", "1280",
			   "--keepalive", "25", "--counter-start", "1000", "-v"), 0);
	assert_int_equal(o.mode, PEER_RUN);
	assert_int_equal(o.path_id, 42);
	assert_int_equal(o.path_key[31], 0x1f);
	assert_int_equal(o.leg, NTM_LEG_B);
	assert_string_equal(peer_fmt_ep(&o.remote, s, sizeof(s)), "192.0.2.1:7701");
	assert_string_equal(peer_fmt_ep(&o.local, s, sizeof(s)), "192.0.2.2:7702");
	assert_string_equal(o.tun, "ntm-b");
	assert_int_equal(o.vip.family, AF_INET);
	assert_int_equal(o.vip.addr[3], 2);
	assert_int_equal(o.mtu, 1280);
	assert_int_equal(o.keepalive_sec, 25);
	assert_int_equal(o.counter_start, 1000);
	assert_int_equal(o.log_level, PEER_LOG_DEBUG);
	/* --peer-vip becomes a host route after the others. */
	assert_int_equal(o.nroutes, 2);
	assert_int_equal(o.routes[0].plen, 16);
	assert_int_equal(o.routes[1].plen, 32);
	assert_int_equal(o.routes[1].addr[3], 1);
}

static void test_run_defaults(void **state)
{
	struct peer_opts o;

	assert_int_equal(P(&o, "run", COMMON, "a"), 0);
	assert_int_equal(o.mode, PEER_RUN);
	assert_int_equal(o.leg, NTM_LEG_A);
	assert_int_equal(o.remote.ss_family, AF_UNSPEC);	/* learned */
	assert_int_equal(o.local.ss_family, AF_UNSPEC);
	assert_int_equal(o.mtu, PEER_DEFAULT_MTU);
	assert_int_equal(o.keepalive_sec, 0);
	assert_int_equal(o.counter_start, 0);
	assert_int_equal(o.log_level, PEER_LOG_INFO);
	assert_string_equal(o.tun, "");
	assert_int_equal(P(&o, COMMON, "A", "-q"), 0);
	assert_int_equal(o.log_level, PEER_LOG_ERROR);
	assert_int_equal(P(&o, COMMON, "a", "--log-level", "warn"), 0);
	assert_int_equal(o.log_level, PEER_LOG_WARN);
	assert_int_equal(P(&o, COMMON, "a", "--tun", "t6", "--vip", "fd00::1",
			   "--route", "fd00:1::/64"), 0);
	assert_int_equal(o.vip.family, AF_INET6);
	assert_int_equal(o.routes[0].family, AF_INET6);
	assert_int_equal(o.routes[0].plen, 64);
}

static void test_run_errors(void **state)
{
	struct peer_opts o;

	assert_usage(&o, P(&o, "--path-key", KEY, "--leg", "a"), "missing --path-id ID");
	assert_usage(&o, P(&o, "--path-id", "1", "--leg", "a"), "missing --path-key HEX64");
	assert_usage(&o, P(&o, "--path-id", "1", "--path-key", KEY), "missing --leg a|b");
	assert_usage(&o, P(&o, COMMON, "c"), "--leg: expected a or b, got \"c\"");
	assert_usage(&o, P(&o, "--path-id", "0"), "--path-id: expected a PathID");
	assert_usage(&o, P(&o, "--path-key", "abcd"), "--path-key: expected 64 hex digits");
	assert_usage(&o, P(&o, COMMON, "a", "--tun", "t0"), "--tun needs --vip ADDR");
	assert_usage(&o, P(&o, COMMON, "a", "--vip", "10.0.0.1"), "need --tun NAME");
	assert_usage(&o, P(&o, COMMON, "a", "--tun", "0123456789abcdef"), "--tun: expected an interface name");
	assert_usage(&o, P(&o, COMMON, "a", "--route", "10.0.0.1/8"), "no host bits set");
	assert_usage(&o, P(&o, COMMON, "a", "--route", "10.0.0.0/33"), "--route: expected");
	assert_usage(&o, P(&o, COMMON, "a", "--route", "10.0.0.0/08"), "--route: expected");
	assert_usage(&o, P(&o, COMMON, "a", "--mtu", "100"), "--mtu: expected 576..65535");
	assert_usage(&o, P(&o, COMMON, "a", "--keepalive", "0"), "--keepalive: expected seconds");
	assert_usage(&o, P(&o, COMMON, "a", "--keepalive"), "--keepalive needs a value");
	assert_usage(&o, P(&o, COMMON, "a", "--remote", "10.0.0.1"), "--remote: expected ADDR:PORT");
	assert_usage(&o, P(&o, COMMON, "a", "--remote", "10.0.0.1:1", "--local", "[::1]:2"),
		     "same family");
	assert_usage(&o, P(&o, COMMON, "a", "--count", "5"), "--count is not an option of run mode");
	assert_usage(&o, P(&o, COMMON, "a", "--nope"), "unknown option \"--nope\"");
	assert_usage(&o, P(&o, COMMON, "a", "extra"), "unexpected argument \"extra\"");
	assert_usage(&o, P(&o, "sendx"), "(modes: run, send, recv)");
	assert_usage(&o, P(&o, COMMON, "a", "--leg", "b"), "--leg given twice");
	assert_usage(&o, P(&o, COMMON, "a", "--log-level", "loud"), "--log-level: expected");
	assert_usage(&o, P(&o, COMMON, "a", "--counter-start", "9223372036854775808"),
		     "--counter-start: expected");
	assert_usage(&o, P(&o, COMMON, "a", "--verbose=2"), "--verbose takes no value");
}

/* run --tunnel-request: the RS's control endpoint, with our VIP. */
static void test_run_tunnel_request(void **state)
{
	struct peer_opts o;
	char s[64];

	assert_int_equal(P(&o, COMMON, "a", "--remote", "192.0.2.1:7701",
			   "--tunnel-request", "192.0.2.1:7700", "--vip", "100.64.0.1"), 0);
	assert_string_equal(peer_fmt_ep(&o.tunnel_request, s, sizeof(s)), "192.0.2.1:7700");
	assert_int_equal(o.vip.family, AF_INET);
	assert_string_equal(o.tun, "");
	assert_int_equal(P(&o, COMMON, "b", "--tun", "t0", "--vip", "100.64.0.2",
			   "--tunnel-request=192.0.2.1:7700"), 0);
	assert_int_equal(o.tunnel_request.ss_family, AF_INET);
	assert_int_equal(P(&o, COMMON, "a"), 0);
	assert_int_equal(o.tunnel_request.ss_family, AF_UNSPEC);

	assert_usage(&o, P(&o, COMMON, "a", "--tunnel-request", "192.0.2.1:7700"),
		     "--tunnel-request needs --vip ADDR");
	assert_usage(&o, P(&o, COMMON, "a", "--tunnel-request", "192.0.2.1", "--vip",
			   "100.64.0.1"), "--tunnel-request: expected the RS's control endpoint");
	assert_usage(&o, P(&o, COMMON, "a", "--tunnel-request", "192.0.2.1:7700",
			   "--vip", "100.64.0.1", "--peer-vip", "100.64.0.2"),
		     "need --tun NAME");
	assert_usage(&o, P(&o, COMMON, "a", "--local", "[::1]:5", "--tunnel-request",
			   "192.0.2.1:7700", "--vip", "100.64.0.1"), "same family");
	assert_usage(&o, P(&o, "send", COMMON, "a", "--tunnel-request", "192.0.2.1:7700"),
		     "--tunnel-request is not an option of send mode");
}

static void test_routes_limit(void **state)
{
	struct peer_opts o;
	char *argv[64] = { "ntm-peer", "--path-id", "1", "--path-key", KEY, "--leg",
			   "a", "--tun", "t", "--vip", "10.0.0.1" };
	char nets[PEER_MAX_ROUTES + 1][24];
	int argc = 11, i;

	for (i = 0; i <= PEER_MAX_ROUTES; i++) {
		snprintf(nets[i], sizeof(nets[i]), "10.%d.0.0/16", i + 1);
		argv[argc++] = "--route";
		argv[argc++] = nets[i];
	}
	assert_usage(&o, peer_parse(argc, argv, &o), "--route: at most 16 routes");
	assert_int_equal(peer_parse(argc - 2, argv, &o), 0);
	assert_int_equal(o.nroutes, PEER_MAX_ROUTES);
	argv[argc - 2] = "--peer-vip";
	argv[argc - 1] = "10.0.0.2";
	assert_usage(&o, peer_parse(argc, argv, &o), "at most 15 routes with --peer-vip");
}

static void test_send(void **state)
{
	struct peer_opts o;

	assert_int_equal(P(&o, "send", COMMON, "a", "--remote", "[2001:db8::1]:7701",
			   "--count", "10", "--payload-size", "0", "--forge-tag",
			   "--forge-aead", "--replay", "--bad-path-id", "--truncate", "39",
			   "--xor", "0:0x80", "--xor=23:1", "--interval", "5",
			   "--counter-start", "7"), 0);
	assert_int_equal(o.mode, PEER_SEND);
	assert_int_equal(o.remote.ss_family, AF_INET6);
	assert_int_equal(o.count, 10);
	assert_int_equal(o.payload_size, 0);
	assert_true(o.forge_tag && o.forge_aead && o.replay && o.bad_path_id);
	assert_true(o.has_truncate);
	assert_int_equal(o.truncate, 39);
	assert_int_equal(o.nxor, 2);
	assert_int_equal(o.xors[0].off, 0);
	assert_int_equal(o.xors[0].mask, 0x80);
	assert_int_equal(o.xors[1].off, 23);
	assert_int_equal(o.xors[1].mask, 1);
	assert_int_equal(o.interval_ms, 5);
	assert_int_equal(o.counter_start, 7);

	/* --keepalive is a flag in send mode. */
	assert_int_equal(P(&o, "send", COMMON, "b", "--remote", "10.0.0.1:1",
			   "--count", "1", "--keepalive", "--truncate", "23"), 0);
	assert_true(o.keepalive);
	assert_int_equal(P(&o, "send", COMMON, "b", "--remote", "10.0.0.1:1",
			   "--count", "2", "--vip", "10.0.0.2", "--peer-vip", "10.0.0.1",
			   "--payload-size", "28"), 0);
	assert_int_equal(o.payload_size, 28);
}

static void test_send_errors(void **state)
{
	struct peer_opts o;

#define SEND(...) P(&o, "send", COMMON, "a", "--remote", "10.0.0.1:1", __VA_ARGS__)
	assert_usage(&o, P(&o, "send", COMMON, "a", "--count", "1"), "send: missing --remote");
	assert_usage(&o, SEND("--forge-tag"), "send: missing --count N");
	assert_usage(&o, SEND("--count", "0"), "--count: expected a number of packets");
	assert_usage(&o, SEND("--count", "1", "--keepalive", "5"), "unexpected argument \"5\"");
	assert_usage(&o, SEND("--count", "1", "--keepalive=5"), "--keepalive takes no value");
	assert_usage(&o, SEND("--count", "1", "--keepalive", "--payload-size", "8"),
		     "--keepalive carries no payload");
	assert_usage(&o, SEND("--count", "1", "--keepalive", "--forge-aead"),
		     "a Keepalive has no AEAD tag");
	assert_usage(&o, SEND("--count", "1", "--truncate", "104"),
		     "--truncate 104 is not below the packet's length, 104");
	assert_usage(&o, SEND("--count", "1", "--keepalive", "--truncate", "24"),
		     "not below the packet's length, 24");
	assert_usage(&o, SEND("--count", "1", "--xor", "104:1"), "--xor offset 104 is past");
	assert_usage(&o, SEND("--count", "1", "--xor", "3:0"), "--xor: expected OFFSET:MASK");
	assert_usage(&o, SEND("--count", "1", "--xor", "3"), "--xor: expected OFFSET:MASK");
	assert_usage(&o, SEND("--count", "1", "--xor", "3:256"), "--xor: expected");
	assert_usage(&o, SEND("--count", "1", "--vip", "10.0.0.2"), "--vip and --peer-vip go together");
	assert_usage(&o, SEND("--count", "1", "--vip", "10.0.0.2", "--peer-vip", "fd00::1"),
		     "same family");
	assert_usage(&o, SEND("--count", "1", "--vip", "fd00::2", "--peer-vip", "fd00::1",
			      "--payload-size", "47"),
		     "at least 48 for an IPv6/UDP packet");
	assert_usage(&o, SEND("--count", "1", "--payload-size", "65488"), "--payload-size: expected 0..65487");
	assert_usage(&o, SEND("--count", "2", "--counter-start", "9223372036854775807"),
		     "goes past the largest counter");
	assert_int_equal(SEND("--count", "2", "--replay", "--counter-start", "9223372036854775807"), 0);
	assert_usage(&o, SEND("--count", "1", "--tun", "x"), "--tun is not an option of send mode");
	assert_usage(&o, SEND("--count", "1", "--timeout", "5"), "--timeout is not an option of send mode");
	assert_usage(&o, SEND("--count", "1", "--paths", "0"), "--paths: expected a number of paths, 1..16777216");
	assert_int_equal(SEND("--count", "3", "--paths", "1000"), 0);
	assert_int_equal(o.paths, 1000);
	assert_usage(&o, P(&o, "send", "--path-id", "4294967295", "--path-key", KEY, "--leg", "a",
			   "--remote", "10.0.0.1:1", "--count", "1", "--paths", "2"),
		     "--path-id + --paths goes past PathID 4294967295");
	assert_usage(&o, P(&o, "--paths", "2", COMMON, "a"), "--paths is not an option of run mode");
#undef SEND
}

static void test_recv(void **state)
{
	struct peer_opts o;

	assert_int_equal(P(&o, "recv", COMMON, "b", "--local", "192.0.2.2:7800",
			   "--count", "3"), 0);
	assert_int_equal(o.mode, PEER_RECV);
	assert_int_equal(o.timeout_ms, PEER_DEFAULT_TIMEOUT_MS);
	assert_int_equal(o.linger_ms, 0);
	assert_int_equal(P(&o, "recv", COMMON, "b", "--local", "192.0.2.2:7800",
			   "--count", "3", "--timeout", "100", "--linger", "0",
			   "--remote", "192.0.2.10:7701"), 0);
	assert_int_equal(o.timeout_ms, 100);
	assert_int_equal(o.remote.ss_family, AF_INET);

	assert_usage(&o, P(&o, "recv", COMMON, "b", "--count", "3"), "recv: missing --local");
	assert_usage(&o, P(&o, "recv", COMMON, "b", "--local", "192.0.2.2:1"),
		     "recv: missing --count N");
	assert_usage(&o, P(&o, "recv", COMMON, "b", "--local", "192.0.2.2:1", "--count", "1",
			   "--timeout", "0"), "--timeout: expected milliseconds, 1..3600000");
	assert_usage(&o, P(&o, "recv", COMMON, "b", "--local", "192.0.2.2:1", "--count", "1",
			   "--forge-tag"), "--forge-tag is not an option of recv mode");
	assert_usage(&o, P(&o, "recv", COMMON, "b", "--local", "192.0.2.2:1", "--count", "1",
			   "--counter-start", "5"), "not an option of recv mode");
}

/* RFC 1071: a correct checksum makes the sum over the covered bytes 0xffff. */
static uint16_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	return (uint16_t)~csum_fold(csum_add(sum, p, len));
}

static void test_inner_ipv4(void **state)
{
	struct peer_ip src = { .family = AF_INET }, dst = { .family = AF_INET };
	uint8_t pkt[100];
	uint32_t ph;

	inet_pton(AF_INET, "10.77.0.1", src.addr);
	inet_pton(AF_INET, "10.77.0.2", dst.addr);
	assert_int_equal(peer_build_inner(&src, &dst, 5, pkt, sizeof(pkt)), 0);
	assert_int_equal(pkt[0], 0x45);
	assert_int_equal(ntm_get_be16(pkt + 2), 100);
	assert_int_equal(pkt[9], IPPROTO_UDP);
	assert_memory_equal(pkt + 12, src.addr, 4);
	assert_memory_equal(pkt + 16, dst.addr, 4);
	assert_int_equal(sum16(0, pkt, 20), 0xffff);
	assert_int_equal(ntm_get_be16(pkt + 22), PEER_INNER_PORT);
	assert_int_equal(ntm_get_be16(pkt + 24), 80);
	ph = csum_add(0, src.addr, 4);
	ph = csum_add(ph, dst.addr, 4);
	ph += IPPROTO_UDP + 80;
	assert_int_equal(sum16(ph, pkt + 20, 80), 0xffff);
	assert_int_equal(pkt[28 + 7], 5);	/* the packet's number */

	assert_int_equal(peer_build_inner(&src, &dst, 0, pkt, 27), -1);
	assert_int_equal(peer_build_inner(&src, &dst, 0, pkt, 28), 0);
}

static void test_inner_ipv6(void **state)
{
	struct peer_ip src = { .family = AF_INET6 }, dst = { .family = AF_INET6 };
	uint8_t pkt[48 + 13];
	uint32_t ph;

	inet_pton(AF_INET6, "fd00::1", src.addr);
	inet_pton(AF_INET6, "fd00::2", dst.addr);
	assert_int_equal(peer_build_inner(&src, &dst, 1, pkt, sizeof(pkt)), 0);
	assert_int_equal(pkt[0] >> 4, 6);
	assert_int_equal(ntm_get_be16(pkt + 4), 21);
	assert_int_equal(pkt[6], IPPROTO_UDP);
	ph = csum_add(0, src.addr, 16);
	ph = csum_add(ph, dst.addr, 16);
	ph += IPPROTO_UDP + 21;
	assert_int_equal(sum16(ph, pkt + 40, 21), 0xffff);	/* odd length */
	assert_int_equal(peer_build_inner(&src, &dst, 0, pkt, 47), -1);
	src.family = AF_INET;
	assert_int_equal(peer_build_inner(&src, &dst, 0, pkt, sizeof(pkt)), -1);
}

static void test_cli_parsers(void **state)
{
	struct sockaddr_storage ss;
	uint8_t a[16], b[4];
	sa_family_t fam;
	uint64_t v;
	uint32_t u;
	uint8_t plen;

	assert_int_equal(ntm_cli_parse_u64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ntm_cli_parse_u64("0x1F", 0, 100, &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(ntm_cli_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_int_equal(ntm_cli_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(ntm_cli_parse_u64("11", 0, 10, &v), -ERANGE);
	assert_int_equal(ntm_cli_parse_u64("4", 5, 10, &v), -ERANGE);
	assert_int_equal(ntm_cli_parse_u64("", 0, 10, &v), -EINVAL);
	assert_int_equal(ntm_cli_parse_u64("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(ntm_cli_parse_u64(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(ntm_cli_parse_u64("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(ntm_cli_parse_u64("0x", 0, 10, &v), -EINVAL);
	assert_int_equal(ntm_cli_parse_u64("0x-1", 0, 10, &v), -EINVAL);
	assert_int_equal(ntm_cli_parse_u32("4294967295", 0, UINT32_MAX, &u), 0);
	assert_int_equal(u, UINT32_MAX);

	assert_int_equal(ntm_cli_parse_hex("00fFa0", b, 3), 0);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(ntm_cli_parse_hex("00fFa", b, 3), -EINVAL);
	assert_int_equal(ntm_cli_parse_hex("00fFa0", b, 2), -EINVAL);
	assert_int_equal(ntm_cli_parse_hex("00fga0", b, 3), -EINVAL);

	assert_int_equal(ntm_cli_parse_endpoint("192.0.2.1:7701", &ss), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 7701);
	assert_int_equal(ntm_cli_parse_endpoint("[::1]:65535", &ss), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntm_cli_parse_endpoint("192.0.2.1", &ss), -EINVAL);
	assert_int_equal(ntm_cli_parse_endpoint("192.0.2.1:65536", &ss), -EINVAL);
	assert_int_equal(ntm_cli_parse_endpoint("none", &ss), -EINVAL);
	assert_int_equal(ntm_cli_parse_endpoint("host:80", &ss), -EINVAL);

	assert_int_equal(ntm_cli_parse_ip("10.0.0.1", &fam, a), 0);
	assert_int_equal(fam, AF_INET);
	assert_int_equal(a[3], 1);
	assert_int_equal(a[4] | a[15], 0);
	assert_int_equal(ntm_cli_parse_ip("fd00::1", &fam, a), 0);
	assert_int_equal(fam, AF_INET6);
	assert_int_equal(ntm_cli_parse_ip("10.0.0.1:5", &fam, a), -EINVAL);
	assert_int_equal(ntm_cli_parse_ip("none", &fam, a), -EINVAL);
	assert_int_equal(ntm_cli_parse_ip("[fd00::1]:5", &fam, a), -EINVAL);

	assert_int_equal(ntm_cli_parse_prefix("0.0.0.0/0", &fam, a, &plen), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(ntm_cli_parse_prefix("10.1.0.0/16", &fam, a, &plen), 0);
	assert_int_equal(plen, 16);
	assert_int_equal(ntm_cli_parse_prefix("10.1.0.7", &fam, a, &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(ntm_cli_parse_prefix("fd00::/8", &fam, a, &plen), 0);
	assert_int_equal(plen, 8);
	assert_int_equal(ntm_cli_parse_prefix("fd00::/129", &fam, a, &plen), -ERANGE);
	assert_int_equal(ntm_cli_parse_prefix("10.1.0.1/16", &fam, a, &plen), -EINVAL);
	assert_int_equal(ntm_cli_parse_prefix("10.1.0.0/", &fam, a, &plen), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_run_full),
		cmocka_unit_test(test_run_defaults),
		cmocka_unit_test(test_run_errors),
		cmocka_unit_test(test_run_tunnel_request),
		cmocka_unit_test(test_routes_limit),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_send_errors),
		cmocka_unit_test(test_recv),
		cmocka_unit_test(test_inner_ipv4),
		cmocka_unit_test(test_inner_ipv6),
		cmocka_unit_test(test_cli_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
