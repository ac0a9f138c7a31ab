// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-node's configuration file (daemon/ntm-node/config.c): defaults, every
 * directive, and a clear "FILE:LINE: what is wrong" for each kind of
 * mistake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../daemon/ntm-node/config.c"

#define HEX64 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define MIN "node-id 11\nkey " HEX64 "\nname mn.ntm.test\ndc 198.51.100.20:7700\n"

static int parse(const char *text, struct node_config *c, char *err,
		 size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	node_config_init(c);
	err[0] = '\0';
	ret = node_config_parse(f, "node.conf", c, err, errlen);
	fclose(f);
	return ret;
}

static void test_minimal_defaults(void **state)
{
	struct node_config c;
	char err[256], a[NTM_ADDR_FMT_LEN];

	assert_int_equal(parse(MIN, &c, err, sizeof(err)), 0);
	assert_int_equal(c.node_id, 11);
	assert_int_equal(c.key[0], 0x00);
	assert_int_equal(c.key[31], 0x1f);
	assert_string_equal(c.name, "mn.ntm.test");
	assert_string_equal(ntm_addr_fmt(&c.dc, a, sizeof(a)), "198.51.100.20:7700");
	/* dns defaults to the DC's address, port 53 */
	assert_string_equal(ntm_addr_fmt(&c.dns, a, sizeof(a)), "198.51.100.20:53");
	assert_int_equal(c.tunnel_port, 7702);
	assert_string_equal(c.tun_dev, "ntmvip0");
	assert_int_equal(c.queue, 0);
	assert_int_equal(c.lifetime, 60);
	assert_int_equal(c.keepalive, 10);
	assert_string_equal(c.state, "/run/ntmobile/node.json");
	assert_int_equal(c.log_level, NTM_LOG_INFO);
	assert_false(c.log_syslog);
}

static void test_every_directive(void **state)
{
	struct node_config c;
	char err[256], a[NTM_ADDR_FMT_LEN];

	assert_int_equal(parse(MIN "dns 198.51.100.21  # comment\ntunnel-port 7800\n"
			       "tun-dev ntm-vip\nqueue 3\nlifetime 120\nkeepalive 5\n"
			       "state /tmp/x/node.json\nlog syslog\nlog-level debug\n",
			       &c, err, sizeof(err)), 0);
	assert_string_equal(ntm_addr_fmt(&c.dns, a, sizeof(a)), "198.51.100.21:53");
	assert_int_equal(c.tunnel_port, 7800);
	assert_string_equal(c.tun_dev, "ntm-vip");
	assert_int_equal(c.queue, 3);
	assert_int_equal(c.lifetime, 120);
	assert_int_equal(c.keepalive, 5);
	assert_string_equal(c.state, "/tmp/x/node.json");
	assert_true(c.log_syslog);
	assert_int_equal(c.log_level, NTM_LOG_DEBUG);
}

static void test_key_file(void **state)
{
	char path[] = "/tmp/test_node_key_XXXXXX", text[512], err[256];
	struct node_config c;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, HEX64 "\n", 65), 65);
	close(fd);
	snprintf(text, sizeof(text),
		 "node-id 12\nkey-file %s\nname cn.ntm.test\ndc 198.51.100.20:7700\n", path);
	assert_int_equal(parse(text, &c, err, sizeof(err)), 0);
	assert_true(c.has_key);
	assert_int_equal(c.key[31], 0x1f);
	snprintf(text, sizeof(text), MIN "key-file %s\n", path);
	assert_int_equal(parse(text, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "node.conf:5: key-file: key is given too; give one of them");
	unlink(path);
	snprintf(text, sizeof(text),
		 "node-id 12\nkey-file %s\nname cn.ntm.test\ndc 198.51.100.20:7700\n", path);
	assert_int_equal(parse(text, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

static void test_errors(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "node-id 11\n", "node.conf: no key: the DC-node key (\"key HEX64\" or \"key-file PATH\")" },
		{ "key " HEX64 "\nname a.b\ndc 1.2.3.4:7700\n", "node.conf: no node-id: the node's id, as the DC knows it (\"node-id ID\")" },
		{ "node-id 1\nkey " HEX64 "\ndc 1.2.3.4:7700\n", "node.conf: no name: the node's FQDN in its DC's zone (\"name mn.ntm.test\")" },
		{ "node-id 1\nkey " HEX64 "\nname a.b\n", "node.conf: no dc: the DC's control endpoint (\"dc 198.51.100.20:7700\")" },
		{ "node-id x\n", "node.conf:1: node-id: expected 0..4294967295, got \"x\"" },
		{ "key abc\n", "node.conf:1: key: expected 64 hex digits (32 bytes), got 3 characters" },
		{ "name bad..name\n", "node.conf:1: name: expected a domain name (letters, digits, '-', labels of 1..63, no trailing dot), got \"bad..name\"" },
		{ "dc 1.2.3.4\n", "node.conf:1: dc: expected the DC's control endpoint ADDR:PORT (IPv4, 198.51.100.20:7700), got \"1.2.3.4\"" },
		{ "tunnel-port 0\n", "node.conf:1: tunnel-port: expected 1..65535, got \"0\"" },
		{ "queue 70000\n", "node.conf:1: queue: expected an NFQUEUE number 0..65535, got \"70000\"" },
		{ "lifetime 5\n", "node.conf:1: lifetime: expected 10..86400 seconds, got \"5\"" },
		{ "tun-dev a/b\n", "node.conf:1: tun-dev: expected an interface name (1..15 characters, no '/', ':' or '%'), got \"a/b\"" },
		{ "state relative\n", "node.conf:1: state: expected an absolute path, got \"relative\"" },
		{ "log file\n", "node.conf:1: log: expected stderr or syslog, got \"file\"" },
		{ "log-level loud\n", "node.conf:1: log-level: expected error, warn, info or debug, got \"loud\"" },
		{ "queue 1\nqueue 2\n", "node.conf:2: queue is given twice" },
		{ "bogus 1\n", "node.conf:1: unknown directive \"bogus\"" },
	};
	struct node_config c;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &c, err, sizeof(err)), -1);
		if (strcmp(err, cases[i].err))
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, err, cases[i].err);
	}
}

static void test_load_missing(void **state)
{
	struct node_config c;
	char err[256];

	assert_int_equal(node_config_load("/nonexistent/node.conf", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/node.conf: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_every_directive),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
