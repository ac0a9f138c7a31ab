// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-dc's configuration file (daemon/ntm-dc/config.c over lib/ntm_conf.c):
 * a full valid file, defaults, and each kind of error reported as
 * "FILE:LINE: what is wrong" (or "FILE: ..." for what the whole file lacks).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../daemon/ntm-dc/config.c"

#define KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define REQ "zone ntm.test\naddress 198.51.100.20\nvip-pool 100.64.0.0/16\n"

static char err[512];

static int parse(const char *text, struct dc_config *c)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	dc_config_init(c);
	err[0] = '\0';
	ret = dc_config_parse(f, "dc.conf", c, err, sizeof(err));
	fclose(f);
	return ret;
}

/* @text must fail with exactly @want. */
static void bad(const char *text, const char *want)
{
	struct dc_config c;

	if (parse(text, &c) == 0)
		fail_msg("accepted: %s", text);
	assert_string_equal(err, want);
	dc_config_free(&c);
}

static void test_valid(void **state)
{
	struct dc_config c;
	char b[NTM_ADDR_FMT_LEN];

	assert_int_equal(parse(
		"# comment\n"
		"control 0.0.0.0:7800   # trailing comment\n"
		"dns 127.0.0.1:5353\n"
		"zone NTM.Test.\n"
		"address 198.51.100.20\n"
		"vip-pool 100.64.0.0/16\n"
		"host-vip-pool 100.65.0.0/16\n"
		"store /tmp/x/dc.db\n"
		"lifetime 60\n"
		"refresh 0\n"
		"route-optimization no\n"
		"node 11 " KEY " MN.ntm.test\n"
		"node 12 " KEY "\n"
		"rs rs1 198.51.100.10:7700 7 " KEY " rst-pool 203.0.113.0/28 rst-pool 203.0.113.32/28\n"
		"rs rs2 198.51.100.11:7700 8 " KEY "\n"
		"host gh.ntm.test 198.51.100.30\n"
		"host sip.ntm.test 198.51.100.30 rs-t\n"
		"rs-t-port 5060\n"
		"rs-t-port 5061\n"
		"peer-dc other.test 192.0.2.20:7700 100 " KEY "\n"
		"log syslog\n"
		"log-level debug\n"
		"control-rate 50 80\n"
		"dns-rate 0 0\n", &c), 0);
	assert_string_equal(c.zone, "ntm.test");
	assert_int_equal(c.control_rl.rate, 50);
	assert_int_equal(c.control_rl.burst, 80);
	assert_int_equal(c.dns_rl.rate, 0);
	assert_string_equal(ntm_addr_fmt(&c.address, b, sizeof(b)), "198.51.100.20:7800");
	assert_int_equal(c.lifetime, 60);
	assert_int_equal(c.refresh, 0);
	assert_false(c.route_optimization);
	assert_int_equal(c.nnodes, 2);
	assert_string_equal(c.nodes[0].name, "mn.ntm.test");
	assert_string_equal(c.nodes[1].name, "");
	assert_int_equal(c.nrs, 2);
	assert_int_equal(c.rs[0].nrst, 2);
	assert_int_equal(c.rs[0].rst[1].net, 0xcb007120);
	assert_int_equal(c.rs[1].key_id, 8);
	assert_int_equal(c.nhosts, 2);
	assert_true(c.hosts[1].rs_t);
	assert_int_equal(c.nrst_ports, 2);
	assert_int_equal(c.npeers, 1);
	assert_true(c.log_syslog);
	assert_int_equal(c.log_level, NTM_LOG_DEBUG);
	assert_true(c.has_host_vip_pool);
	assert_non_null(dc_config_node(&c, 12));
	assert_null(dc_config_node(&c, 13));
	assert_non_null(dc_config_rs_by_key(&c, 7));
	assert_non_null(dc_config_host_by_name(&c, "SIP.ntm.test"));
	dc_config_free(&c);
}

static void test_defaults(void **state)
{
	struct dc_config c;
	char b[NTM_ADDR_FMT_LEN];
	struct ntm_addr a;

	assert_int_equal(parse(REQ, &c), 0);
	ntm_addr_from_sockaddr(&a, &c.control);
	assert_string_equal(ntm_addr_fmt(&a, b, sizeof(b)), "0.0.0.0:7700");
	ntm_addr_from_sockaddr(&a, &c.dns);
	assert_string_equal(ntm_addr_fmt(&a, b, sizeof(b)), "0.0.0.0:53");
	assert_string_equal(c.store, DC_DEFAULT_STORE);
	assert_int_equal(c.lifetime, 300);
	assert_int_equal(c.refresh, 120);
	assert_true(c.route_optimization);
	assert_false(c.has_host_vip_pool);
	assert_int_equal(c.log_level, NTM_LOG_INFO);
	assert_int_equal(c.control_rl.rate, NTM_RL_DEFAULT_RATE);
	assert_int_equal(c.control_rl.burst, NTM_RL_DEFAULT_BURST);
	assert_int_equal(c.dns_rl.rate, NTM_RL_DEFAULT_RATE);
	assert_int_equal(c.dns_rl.total_rate, NTM_RL_DEFAULT_TOTAL_RATE);
	dc_config_free(&c);
}

static void test_errors(void **state)
{
	bad("", "dc.conf: no zone: the domain the DC is authoritative for (\"zone ntm.test\")");
	bad("zone ntm.test\n", "dc.conf: no address: the DC's public address, which the NTM records and the NS glue carry (\"address 198.51.100.20\")");
	bad("zone ntm.test\naddress 198.51.100.20\n",
	    "dc.conf: no vip-pool: the prefix the nodes' VIPs come from (\"vip-pool 100.64.0.0/16\")");
	bad(REQ "bogus 1\n", "dc.conf:4: unknown directive \"bogus\"");
	bad(REQ "zone x.test\n", "dc.conf:4: zone is given twice");
	bad(REQ "lifetime\n", "dc.conf:4: lifetime: expected \"lifetime SECONDS\"");
	bad(REQ "lifetime 5\n", "dc.conf:4: lifetime: expected seconds, 10..86400, got \"5\"");
	bad(REQ "vip-pool 100.64.0.1/16\n", "dc.conf:4: vip-pool is given twice");
	bad("control-rate 10 0\n",
	    "dc.conf:1: control-rate: BURST: expected 1..4294967295 datagrams, got \"0\"");
	bad("dns-rate 0 5\n",
	    "dc.conf:1: dns-rate: BURST: expected 0 with a rate of 0, got \"5\"");
	bad("vip-pool 100.64.0.1/16\n",
	    "dc.conf:1: vip-pool: expected an IPv4 prefix /8../32 with no host bits set (100.64.0.0/16), got \"100.64.0.1/16\"");
	bad(REQ "node 0 " KEY "\n",
	    "dc.conf:4: node: ID: expected 1..4294967295 (the node id, which is also its key id), got \"0\"");
	bad(REQ "node 11 abcd\n",
	    "dc.conf:4: node: expected 64 hex digits (32 bytes), got 4 characters");
	bad(REQ "node 11 " KEY "\nnode 11 " KEY "\n",
	    "dc.conf:5: node 11: key id 11 is given twice (node, rs and peer-dc key ids are one namespace)");
	bad(REQ "node 11 " KEY "\nrs r 198.51.100.10:7700 11 " KEY "\n",
	    "dc.conf:5: rs r: key id 11 is given twice (node, rs and peer-dc key ids are one namespace)");
	bad(REQ "node 11 " KEY " a.ntm.test\nnode 12 " KEY " A.ntm.test\n",
	    "dc.conf:5: node 12: a.ntm.test is node 11's already");
	bad(REQ "node 11 " KEY " mn.other.test\n", "dc.conf: node 11: mn.other.test is not in the zone ntm.test");
	bad(REQ "node 11 " KEY " ns.ntm.test\n", "dc.conf: node 11: ns.ntm.test is a name the zone has already");
	bad(REQ "node 11 " KEY " bad_name.ntm.test\n",
	    "dc.conf:4: node: FQDN: expected a domain name (letters, digits, '-', labels of 1..63), got \"bad_name.ntm.test\"");
	bad(REQ "rs r 198.51.100.10 7 " KEY "\n",
	    "dc.conf:4: rs: HOST:PORT: expected ADDR:PORT (198.51.100.10:7700), got \"198.51.100.10\"");
	bad(REQ "rs r 198.51.100.10:7700 7 " KEY " rst-pool\n",
	    "dc.conf:4: rs r: expected \"rst-pool PREFIX\", got \"rst-pool\"");
	bad(REQ "rs r 198.51.100.10:7700 7 " KEY " rst-pool 100.64.1.0/24\n",
	    "dc.conf: rs r: its rst-pool overlaps vip-pool");
	bad(REQ "host-vip-pool 100.64.128.0/17\n", "dc.conf: vip-pool and host-vip-pool overlap");
	bad(REQ "host gh.ntm.test 198.51.100.30 rs-n\n",
	    "dc.conf:4: host gh.ntm.test: expected \"rs-t\" or nothing after the address, got \"rs-n\"");
	bad(REQ "host gh.elsewhere 198.51.100.30\n", "dc.conf: host gh.elsewhere is not in the zone ntm.test");
	bad(REQ "rs-t-port 0\n", "dc.conf:4: rs-t-port: expected 1..65535, got \"0\"");
	bad(REQ "route-optimization maybe\n",
	    "dc.conf:4: route-optimization: expected yes or no, got \"maybe\"");
	bad(REQ "store relative.db\n", "dc.conf:4: store: expected an absolute path, got \"relative.db\"");
	bad(REQ "dns nowhere\n", "dc.conf:4: dns: expected ADDR:PORT (0.0.0.0:53) or off, got \"nowhere\"");
	bad(REQ "log-level loud\n",
	    "dc.conf:4: log-level: expected error, warn, info or debug, got \"loud\"");
}

static void test_pools(void **state)
{
	struct dc_pool p = { .net = 0x64400000, .plen = 30 };
	struct dc_pool h = { .net = 0x64400007, .plen = 32 };

	assert_int_equal(dc_pool_size(&p), 2);
	assert_int_equal(dc_pool_addr(&p, 0), 0x64400001);
	assert_int_equal(dc_pool_addr(&p, 1), 0x64400002);
	assert_false(dc_pool_contains(&p, 0x64400000));
	assert_true(dc_pool_contains(&p, 0x64400002));
	assert_false(dc_pool_contains(&p, 0x64400003));
	assert_int_equal(dc_pool_size(&h), 1);
	assert_int_equal(dc_pool_addr(&h, 0), 0x64400007);
	assert_true(dc_name_below_zone("a.ntm.test", "ntm.test"));
	assert_true(dc_name_below_zone("A.B.NTM.TEST", "ntm.test"));
	assert_false(dc_name_below_zone("ntm.test", "ntm.test"));
	assert_false(dc_name_below_zone("xntm.test", "ntm.test"));
	assert_true(dc_name_in_zone("ntm.test", "ntm.test"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pools),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
