// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/ntm_nl.c without the kernel: requests built by the builders are parsed
 * back by the parsers; kernel-like answers are handcrafted, with unknown
 * attributes (skipped), truncated or malformed ones (refused); acks with
 * extended-ack TLVs, dumps of 10,000 paths split over many reads, and
 * inconsistent dumps go through the same receive path as a live request
 * (nl_process()).
 *
 * The file under test is included, WireGuard-selftest style, to reach its
 * static functions; the linker then never takes ntm_nl.o from libntm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/ntm_nl.c"

#define FAMILY 0x1a2b
#define SEQ 777

static struct ntm_nl *new_nl(void)
{
	struct ntm_nl *nl = calloc(1, sizeof(*nl));

	assert_non_null(nl);
	nl->family_id = FAMILY;
	return nl;
}

static void set_sin(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &sin, sizeof(sin));
}

static void set_sin6(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET6, ip, &sin6.sin6_addr), 1);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &sin6, sizeof(sin6));
}

static void set_vip(struct ntm_vip *v, int family, const char *ip)
{
	memset(v, 0, sizeof(*v));
	v->family = (sa_family_t)family;
	assert_int_equal(inet_pton(family, ip, v->addr), 1);
}

static uint8_t genl_cmd(const struct nlmsghdr *nlh)
{
	return ((const struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd;
}

/* Offset of the first top-level attribute of @type in @nlh, or 0. */
static uint32_t attr_off(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == type)
			return (uint32_t)((const uint8_t *)a - (const uint8_t *)nlh);
	return 0;
}

static uint32_t nested_off(const struct nlmsghdr *nlh, uint16_t nest,
			   uint16_t type)
{
	const struct nlattr *a, *in;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != nest)
			continue;
		mnl_attr_for_each_nested(in, a)
			if (mnl_attr_get_type(in) == type)
				return (uint32_t)((const uint8_t *)in -
						  (const uint8_t *)nlh);
	}
	return 0;
}

static struct ntm_path full_path(void)
{
	struct ntm_path p;
	int i;

	memset(&p, 0, sizeof(p));
	p.id = 42;
	p.type = NTM_PATH_RS_N;
	p.refresh = 60;
	p.has = NTM_PATH_HAS_TYPE | NTM_PATH_HAS_REFRESH |
		NTM_PATH_HAS_RELAY_KEY | NTM_PATH_HAS_DATA_KEY;
	for (i = 0; i < 16; i++)
		p.relay_key[i] = (uint8_t)i;
	for (i = 0; i < 32; i++)
		p.data_key[i] = (uint8_t)(0x80 + i);
	set_sin(&p.leg[NTM_LEG_A].endpoint, "198.51.100.1", 40000);
	set_vip(&p.leg[NTM_LEG_A].vip, AF_INET, "10.1.0.1");
	set_vip(&p.leg[NTM_LEG_B].vip, AF_INET, "10.99.0.7");
	return p;
}

/* ---- builders, parsed back ---------------------------------------------- */

static void test_path_new_roundtrip(void **state)
{
	uint8_t buf[NTM_NL_REQ_SIZE];
	struct ntm_path p = full_path(), q;
	const struct nlattr *tb[NTMA_MAX + 1];
	struct nlmsghdr *nlh;
	char s[64];

	nlh = ntm_nl_path_build(buf, sizeof(buf), FAMILY, NTM_CMD_PATH_NEW, SEQ, &p);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, FAMILY);
	assert_int_equal(nlh->nlmsg_seq, SEQ);
	/* genetlink rejects NLM_F_CREATE/EXCL on strictly checked families. */
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(genl_cmd(nlh), NTM_CMD_PATH_NEW);
	assert_int_equal(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version,
			 NTM_GENL_VERSION);

	/* The keys are in the request, exactly. */
	assert_int_equal(parse_genl(nlh, top_policy, NTMA_MAX, tb), 0);
	assert_non_null(tb[NTMA_PATH_RELAY_KEY]);
	assert_int_equal(mnl_attr_get_payload_len(tb[NTMA_PATH_RELAY_KEY]), 16);
	assert_memory_equal(mnl_attr_get_payload(tb[NTMA_PATH_RELAY_KEY]),
			    p.relay_key, 16);
	assert_int_equal(mnl_attr_get_payload_len(tb[NTMA_PATH_DATA_KEY]), 32);
	assert_memory_equal(mnl_attr_get_payload(tb[NTMA_PATH_DATA_KEY]),
			    p.data_key, 32);
	/* Leg B has a VIP only: no endpoint attribute. */
	assert_int_equal(nested_off(nlh, NTMA_PATH_LEG_B, NTMA_LEG_ENDPOINT), 0);
	assert_int_not_equal(nested_off(nlh, NTMA_PATH_LEG_B, NTMA_LEG_VIP), 0);

	assert_int_equal(ntm_nl_path_parse(nlh, &q), 0);
	assert_int_equal(q.id, 42);
	assert_int_equal(q.type, NTM_PATH_RS_N);
	assert_int_equal(q.refresh, 60);
	assert_true(q.has & NTM_PATH_HAS_LEG_A);
	assert_true(q.has & NTM_PATH_HAS_LEG_B);
	assert_false(q.has & NTM_PATH_HAS_IDLE);
	assert_string_equal(ntm_nl_fmt_endpoint(&q.leg[0].endpoint, s, sizeof(s)),
			    "198.51.100.1:40000");
	assert_string_equal(ntm_nl_fmt_vip(&q.leg[0].vip, s, sizeof(s)), "10.1.0.1");
	assert_string_equal(ntm_nl_fmt_endpoint(&q.leg[1].endpoint, s, sizeof(s)),
			    "unset");
	assert_string_equal(ntm_nl_fmt_vip(&q.leg[1].vip, s, sizeof(s)), "10.99.0.7");
	/* Parsers never report keys. */
	assert_false(q.has & (NTM_PATH_HAS_RELAY_KEY | NTM_PATH_HAS_DATA_KEY));
}

static void test_path_ipv6_roundtrip(void **state)
{
	uint8_t buf[NTM_NL_REQ_SIZE];
	struct ntm_path p, q;
	struct nlmsghdr *nlh;
	char s[64];

	memset(&p, 0, sizeof(p));
	p.id = 0xffffffff;
	p.type = NTM_PATH_RS_S;
	p.has = NTM_PATH_HAS_TYPE | NTM_PATH_HAS_RELAY_KEY;
	set_sin6(&p.leg[0].endpoint, "2001:db8::1", 7701);
	set_sin6(&p.leg[1].endpoint, "2001:db8::2", 65535);
	set_vip(&p.leg[0].vip, AF_INET6, "fd00::1");
	set_vip(&p.leg[1].vip, AF_INET6, "fd00::2");
	nlh = ntm_nl_path_build(buf, sizeof(buf), FAMILY, NTM_CMD_PATH_NEW, 1, &p);
	assert_non_null(nlh);
	assert_int_equal(attr_off(nlh, NTMA_PATH_DATA_KEY), 0);
	assert_int_equal(attr_off(nlh, NTMA_PATH_REFRESH), 0);
	assert_int_equal(ntm_nl_path_parse(nlh, &q), 0);
	assert_int_equal(q.id, 0xffffffff);
	assert_false(q.has & NTM_PATH_HAS_REFRESH);
	assert_string_equal(ntm_nl_fmt_endpoint(&q.leg[0].endpoint, s, sizeof(s)),
			    "[2001:db8::1]:7701");
	assert_string_equal(ntm_nl_fmt_endpoint(&q.leg[1].endpoint, s, sizeof(s)),
			    "[2001:db8::2]:65535");
	assert_string_equal(ntm_nl_fmt_vip(&q.leg[1].vip, s, sizeof(s)), "fd00::2");
}

static void test_path_set_sends_only_changes(void **state)
{
	uint8_t buf[NTM_NL_REQ_SIZE];
	struct ntm_path p;
	struct nlmsghdr *nlh;
	const struct nlattr *a;
	int n = 0;

	memset(&p, 0, sizeof(p));
	p.id = 7;
	p.refresh = 0;
	p.has = NTM_PATH_HAS_REFRESH;
	nlh = ntm_nl_path_build(buf, sizeof(buf), FAMILY, NTM_CMD_PATH_SET, 2, &p);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(genl_cmd(nlh), NTM_CMD_PATH_SET);
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		n++;
	assert_int_equal(n, 2);		/* PathID, refresh 0 */
	assert_int_not_equal(attr_off(nlh, NTMA_PATH_REFRESH), 0);
}

static void test_builders_refuse(void **state)
{
	uint8_t buf[NTM_NL_REQ_SIZE];
	struct ntm_path p = full_path();
	struct ntm_tunnel_cfg t = { .port = 7701 };

	/* Wrong commands, buffers too small, invalid families. */
	assert_null(ntm_nl_path_build(buf, sizeof(buf), FAMILY, NTM_CMD_PATH_DEL, 1, &p));
	assert_null(ntm_nl_path_id_build(buf, sizeof(buf), FAMILY, NTM_CMD_PATH_NEW, 1, 5));
	assert_null(ntm_nl_path_build(buf, 64, FAMILY, NTM_CMD_PATH_NEW, 1, &p));
	assert_null(ntm_nl_msg_start(buf, 8, FAMILY, 1, 0, 1));
	p.leg[0].vip.family = AF_UNIX;
	assert_null(ntm_nl_path_build(buf, sizeof(buf), FAMILY, NTM_CMD_PATH_NEW, 1, &p));
	p = full_path();
	p.leg[1].endpoint.ss_family = AF_UNIX;
	assert_null(ntm_nl_path_build(buf, sizeof(buf), FAMILY, NTM_CMD_PATH_NEW, 1, &p));
	memset(t.ifname, 'x', sizeof(t.ifname));	/* not terminated */
	assert_null(ntm_nl_tunnel_set_build(buf, sizeof(buf), FAMILY, 1, &t));
}

static void test_tunnel_set_build(void **state)
{
	uint8_t buf[NTM_NL_REQ_SIZE];
	struct ntm_tunnel_cfg t = { .port = 7701, .ifname = "ntm1",
				    .max_paths = 10 };
	const struct nlattr *tb[NTMA_MAX + 1];
	struct nlmsghdr *nlh;

	nlh = ntm_nl_tunnel_set_build(buf, sizeof(buf), FAMILY, 3, &t);
	assert_non_null(nlh);
	assert_int_equal(genl_cmd(nlh), NTM_CMD_TUNNEL_SET);
	assert_int_equal(parse_genl(nlh, top_policy, NTMA_MAX, tb), 0);
	assert_int_equal(mnl_attr_get_u16(tb[NTMA_TUNNEL_PORT]), 7701);
	assert_string_equal(mnl_attr_get_str(tb[NTMA_TUNNEL_IFNAME]), "ntm1");
	assert_int_equal(mnl_attr_get_u32(tb[NTMA_TUNNEL_MAX_PATHS]), 10);

	/* Defaults are left to the kernel. */
	memset(&t, 0, sizeof(t));
	t.port = 1;
	nlh = ntm_nl_tunnel_set_build(buf, sizeof(buf), FAMILY, 3, &t);
	assert_int_equal(parse_genl(nlh, top_policy, NTMA_MAX, tb), 0);
	assert_null(tb[NTMA_TUNNEL_IFNAME]);
	assert_null(tb[NTMA_TUNNEL_MAX_PATHS]);
}

static void test_simple_builders(void **state)
{
	uint8_t buf[NTM_NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	nlh = ntm_nl_path_id_build(buf, sizeof(buf), FAMILY, NTM_CMD_PATH_DEL, 9, 99);
	assert_non_null(nlh);
	assert_int_equal(genl_cmd(nlh), NTM_CMD_PATH_DEL);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + GENL_HDRLEN + 8);
	nlh = ntm_nl_path_dump_build(buf, sizeof(buf), FAMILY, 9);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(genl_cmd(nlh), NTM_CMD_PATH_GET);
	nlh = ntm_nl_simple_build(buf, sizeof(buf), FAMILY, NTM_CMD_PATH_FLUSH, 9);
	assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + GENL_HDRLEN);
	nlh = ntm_nl_getfamily_build(buf, sizeof(buf), 9, NTM_GENL_NAME);
	assert_int_equal(nlh->nlmsg_type, GENL_ID_CTRL);
	assert_int_equal(genl_cmd(nlh), CTRL_CMD_GETFAMILY);
}

/* ---- kernel-like answers -------------------------------------------------- */

/* Replies are built one after another in nl->buf; each fits in 512 bytes,
 * and the callers leave at least that much (the builders clear the whole
 * buffer they are given, up to NTM_NL_REQ_SIZE). */
#define REPLY_MAX 512

static struct nlmsghdr *reply_start(void *buf, uint8_t cmd, uint32_t seq)
{
	return ntm_nl_msg_start(buf, REPLY_MAX, FAMILY, cmd, 0, seq);
}

static void put_stats(struct nlmsghdr *nlh, uint16_t type, uint64_t base,
		      bool unknown)
{
	struct nlattr *st = mnl_attr_nest_start(nlh, type);
	uint16_t a;

	for (a = NTMA_STATS_RX_PACKETS; a <= NTMA_STATS_RX_CONTROL; a++) {
		if (unknown && a == NTMA_STATS_TX_PACKETS)
			mnl_attr_put_u32(nlh, NTMA_STATS_PAD, 0);
		mnl_attr_put_u64(nlh, a, base + a);
	}
	if (unknown)
		mnl_attr_put_u64(nlh, 99, 12345);	/* a newer counter */
	mnl_attr_nest_end(nlh, st);
}

/* What nf_ntm answers to PATH_GET for path @id, plus what a newer one adds. */
static struct nlmsghdr *path_reply(void *buf, uint32_t id, uint32_t seq,
				   bool unknown)
{
	struct nlmsghdr *nlh = reply_start(buf, NTM_CMD_PATH_GET, seq);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(5000) };
	uint8_t vip[4] = { 10, 1, 0, 1 };
	struct nlattr *leg;

	sin.sin_addr.s_addr = htonl(0xc6336401);	/* 198.51.100.1 */
	mnl_attr_put_u32(nlh, NTMA_PATH_ID, id);
	mnl_attr_put_u8(nlh, NTMA_PATH_TYPE, NTM_PATH_RS_S);
	if (unknown)
		mnl_attr_put_strz(nlh, 200, "from the future");
	mnl_attr_put_u32(nlh, NTMA_PATH_REFRESH, 300);
	mnl_attr_put_u32(nlh, NTMA_PAD, 0);
	mnl_attr_put_u64(nlh, NTMA_PATH_IDLE_MS, 1500);
	leg = mnl_attr_nest_start(nlh, NTMA_PATH_LEG_A);
	mnl_attr_put(nlh, NTMA_LEG_ENDPOINT, sizeof(sin), &sin);
	mnl_attr_put(nlh, NTMA_LEG_VIP, 4, vip);
	if (unknown)
		mnl_attr_put_u8(nlh, 50, 1);
	put_stats(nlh, NTMA_LEG_STATS, 1000, unknown);
	mnl_attr_nest_end(nlh, leg);
	leg = mnl_attr_nest_start(nlh, NTMA_PATH_LEG_B);
	vip[3] = 2;
	mnl_attr_put(nlh, NTMA_LEG_VIP, 4, vip);
	put_stats(nlh, NTMA_LEG_STATS, 2000, false);
	mnl_attr_nest_end(nlh, leg);
	return nlh;
}

static void check_reply_path(const struct ntm_path *p, uint32_t id)
{
	char s[64];

	assert_int_equal(p->id, id);
	assert_int_equal(p->type, NTM_PATH_RS_S);
	assert_int_equal(p->refresh, 300);
	assert_int_equal(p->idle_ms, 1500);
	assert_string_equal(ntm_nl_fmt_endpoint(&p->leg[0].endpoint, s, sizeof(s)),
			    "198.51.100.1:5000");
	assert_string_equal(ntm_nl_fmt_vip(&p->leg[1].vip, s, sizeof(s)), "10.1.0.2");
	assert_true(p->leg[0].has_stats);
	assert_int_equal(p->leg[0].stats.rx_packets, 1000 + NTMA_STATS_RX_PACKETS);
	assert_int_equal(p->leg[0].stats.drop_replay, 1000 + NTMA_STATS_DROP_REPLAY);
	assert_int_equal(p->leg[1].stats.drop_noroute, 2000 + NTMA_STATS_DROP_NOROUTE);
	assert_int_equal(p->leg[1].stats.tx_bytes, 2000 + NTMA_STATS_TX_BYTES);
}

static void test_parse_skips_unknown(void **state)
{
	static uint8_t buf[NTM_NL_RECV_SIZE];
	struct ntm_path p;

	assert_int_equal(ntm_nl_path_parse(path_reply(buf, 42, 1, true), &p), 0);
	check_reply_path(&p, 42);
	assert_int_equal(ntm_nl_path_parse(path_reply(buf, 43, 1, false), &p), 0);
	check_reply_path(&p, 43);
}

static void test_parse_truncated(void **state)
{
	static uint8_t buf[NTM_NL_RECV_SIZE];
	struct nlmsghdr *nlh;
	struct ntm_path p;
	uint32_t full, cut;

	/*
	 * Every cut: a message cut between two top-level attributes is a
	 * shorter valid message (or lacks the PathID); a cut inside one is
	 * refused.
	 */
	nlh = path_reply(buf, 42, 1, false);
	full = nlh->nlmsg_len;
	for (cut = MNL_NLMSG_HDRLEN + GENL_HDRLEN + 1; cut < full; cut++) {
		const struct nlattr *a;
		bool boundary = false;
		int ret;

		mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
			uint32_t start = (uint32_t)((uint8_t *)a - (uint8_t *)nlh);

			if (cut >= start + a->nla_len &&
			    cut <= start + MNL_ALIGN(a->nla_len))
				boundary = true;
		}
		nlh->nlmsg_len = cut;
		ret = ntm_nl_path_parse(nlh, &p);
		if (boundary)
			assert_true(ret == 0 || ret == -EPROTO);
		else
			assert_int_equal(ret, -EPROTO);
		nlh->nlmsg_len = full;
	}
	assert_int_equal(ntm_nl_path_parse(nlh, &p), 0);
	nlh->nlmsg_len = full - 1;	/* inside leg B's stats */
	assert_int_equal(ntm_nl_path_parse(nlh, &p), -EPROTO);
	nlh->nlmsg_len = full;

	/* Shorter than the genetlink header. */
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	assert_int_equal(ntm_nl_path_parse(nlh, &p), -EPROTO);

	/* Trailing bytes that are no attribute. */
	nlh = path_reply(buf, 42, 1, false);
	memset((uint8_t *)nlh + nlh->nlmsg_len, 0, 4);
	nlh->nlmsg_len += 2;
	assert_int_equal(ntm_nl_path_parse(nlh, &p), -EPROTO);

	/* A nested attribute running past its nest. */
	nlh = path_reply(buf, 42, 1, false);
	{
		struct nlattr *leg = (struct nlattr *)((uint8_t *)nlh +
				     attr_off(nlh, NTMA_PATH_LEG_A));
		struct nlattr *in = mnl_attr_get_payload(leg);

		in->nla_len = (uint16_t)(leg->nla_len + 8);
	}
	assert_int_equal(ntm_nl_path_parse(nlh, &p), -EPROTO);
}

/* A PATH_GET answer with one top-level attribute of @len bytes. */
static int parse_with(uint16_t type, const void *data, uint16_t len)
{
	static uint8_t buf[NTM_NL_RECV_SIZE];
	struct nlmsghdr *nlh = reply_start(buf, NTM_CMD_PATH_GET, 1);
	struct ntm_path p;

	if (type != NTMA_PATH_ID)
		mnl_attr_put_u32(nlh, NTMA_PATH_ID, 1);
	mnl_attr_put(nlh, type, len, data);
	return ntm_nl_path_parse(nlh, &p);
}

/* A leg nest holding one attribute of @len bytes. */
static int parse_leg_with(uint16_t type, const void *data, uint16_t len)
{
	static uint8_t buf[NTM_NL_RECV_SIZE];
	struct nlmsghdr *nlh = reply_start(buf, NTM_CMD_PATH_GET, 1);
	struct ntm_path p;
	struct nlattr *leg;

	mnl_attr_put_u32(nlh, NTMA_PATH_ID, 1);
	leg = mnl_attr_nest_start(nlh, NTMA_PATH_LEG_B);
	mnl_attr_put(nlh, type, len, data);
	mnl_attr_nest_end(nlh, leg);
	return ntm_nl_path_parse(nlh, &p);
}

static void test_parse_bad_lengths(void **state)
{
	uint8_t z[64] = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	uint32_t one = 1;

	assert_int_equal(parse_with(NTMA_PATH_ID, &one, 4), 0);
	assert_int_equal(parse_with(NTMA_PATH_ID, &one, 2), -EPROTO);
	assert_int_equal(parse_with(NTMA_PATH_ID, z, 4), -EPROTO);	/* 0 */
	assert_int_equal(parse_with(NTMA_PATH_TYPE, z, 4), -EPROTO);
	assert_int_equal(parse_with(NTMA_PATH_REFRESH, z, 8), -EPROTO);
	assert_int_equal(parse_with(NTMA_PATH_IDLE_MS, z, 4), -EPROTO);
	assert_int_equal(parse_with(NTMA_PATH_LEG_A, z, 2), -EPROTO);
	assert_int_equal(parse_with(NTMA_TUNNEL_PORT, z, 4), -EPROTO);
	assert_int_equal(parse_with(NTMA_TUNNEL_IFNAME, "ntm0", 4), -EPROTO);
	assert_int_equal(parse_with(NTMA_TUNNEL_IFNAME, "ntm0", 5), 0);

	assert_int_equal(parse_leg_with(NTMA_LEG_VIP, z, 4), 0);
	assert_int_equal(parse_leg_with(NTMA_LEG_VIP, z, 16), 0);
	assert_int_equal(parse_leg_with(NTMA_LEG_VIP, z, 5), -EPROTO);
	assert_int_equal(parse_leg_with(NTMA_LEG_VIP, z, 0), -EPROTO);
	assert_int_equal(parse_leg_with(NTMA_LEG_ENDPOINT, &sin, sizeof(sin)), 0);
	assert_int_equal(parse_leg_with(NTMA_LEG_ENDPOINT, &sin6, sizeof(sin6)), 0);
	assert_int_equal(parse_leg_with(NTMA_LEG_ENDPOINT, &sin, sizeof(sin) - 1),
			 -EPROTO);
	sin.sin_family = AF_INET6;	/* family and length disagree */
	assert_int_equal(parse_leg_with(NTMA_LEG_ENDPOINT, &sin, sizeof(sin)), -EPROTO);
	sin6.sin6_family = AF_UNIX;
	assert_int_equal(parse_leg_with(NTMA_LEG_ENDPOINT, &sin6, sizeof(sin6)), -EPROTO);
	assert_int_equal(parse_leg_with(NTMA_LEG_ENDPOINT, z, 1), -EPROTO);
	assert_int_equal(parse_leg_with(NTMA_LEG_STATS, z, 3), -EPROTO);
	/* Unknown leg attributes of any shape are fine. */
	assert_int_equal(parse_leg_with(77, z, 3), 0);
}

static void test_parse_missing_id(void **state)
{
	static uint8_t buf[NTM_NL_RECV_SIZE];
	struct nlmsghdr *nlh = reply_start(buf, NTM_CMD_PATH_GET, 1);
	struct ntm_path p;

	mnl_attr_put_u8(nlh, NTMA_PATH_TYPE, 1);
	assert_int_equal(ntm_nl_path_parse(nlh, &p), -EPROTO);
}

static void test_stats_bad_u64(void **state)
{
	static uint8_t buf[NTM_NL_RECV_SIZE];
	struct nlmsghdr *nlh = reply_start(buf, NTM_CMD_PATH_GET, 1);
	struct nlattr *leg, *st;
	struct ntm_path p;

	mnl_attr_put_u32(nlh, NTMA_PATH_ID, 1);
	leg = mnl_attr_nest_start(nlh, NTMA_PATH_LEG_A);
	st = mnl_attr_nest_start(nlh, NTMA_LEG_STATS);
	mnl_attr_put_u32(nlh, NTMA_STATS_RX_BYTES, 5);	/* must be a u64 */
	mnl_attr_nest_end(nlh, st);
	mnl_attr_nest_end(nlh, leg);
	assert_int_equal(ntm_nl_path_parse(nlh, &p), -EPROTO);
}

static void test_tunnel_parse(void **state)
{
	static uint8_t buf[NTM_NL_RECV_SIZE];
	struct nlmsghdr *nlh = reply_start(buf, NTM_CMD_TUNNEL_GET, 1);
	struct ntm_tunnel_info t;

	mnl_attr_put_u16(nlh, NTMA_TUNNEL_PORT, 7701);
	mnl_attr_put_strz(nlh, NTMA_TUNNEL_IFNAME, "ntm0");
	mnl_attr_put_u32(nlh, NTMA_TUNNEL_MAX_PATHS, 1048576);
	mnl_attr_put_u32(nlh, NTMA_TUNNEL_IFINDEX, 12);
	mnl_attr_put_u32(nlh, NTMA_TUNNEL_PATHS, 3);
	mnl_attr_put_u64(nlh, 250, 1);
	put_stats(nlh, NTMA_TUNNEL_STATS, 0, true);
	assert_int_equal(ntm_nl_tunnel_parse(nlh, &t), 0);
	assert_int_equal(t.port, 7701);
	assert_string_equal(t.ifname, "ntm0");
	assert_int_equal(t.max_paths, 1048576);
	assert_int_equal(t.ifindex, 12);
	assert_int_equal(t.paths, 3);
	assert_int_equal(t.has, NTM_TUNNEL_HAS_PORT | NTM_TUNNEL_HAS_IFNAME |
			 NTM_TUNNEL_HAS_MAX | NTM_TUNNEL_HAS_IFINDEX |
			 NTM_TUNNEL_HAS_PATHS | NTM_TUNNEL_HAS_STATS);
	assert_int_equal(t.stats.drop_nopath, NTMA_STATS_DROP_NOPATH);
	assert_int_equal(t.stats.rx_control, NTMA_STATS_RX_CONTROL);

	/* An interface name longer than IFNAMSIZ allows. */
	nlh = reply_start(buf, NTM_CMD_TUNNEL_GET, 1);
	mnl_attr_put_strz(nlh, NTMA_TUNNEL_IFNAME, "a-very-long-ifname");
	assert_int_equal(ntm_nl_tunnel_parse(nlh, &t), -EPROTO);
}

static void test_event_parse(void **state)
{
	static uint8_t buf[NTM_NL_RECV_SIZE];
	struct nlmsghdr *nlh = reply_start(buf, NTM_CMD_NOTIFY_ENDPOINT, 0);
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(4500) };
	struct ntm_nl_event ev;
	struct nlattr *leg;
	char s[64];

	inet_pton(AF_INET6, "2001:db8::9", &sin6.sin6_addr);
	mnl_attr_put_u32(nlh, NTMA_PATH_ID, 9);
	leg = mnl_attr_nest_start(nlh, NTMA_PATH_LEG_B);
	mnl_attr_put(nlh, NTMA_LEG_ENDPOINT, sizeof(sin6), &sin6);
	mnl_attr_nest_end(nlh, leg);
	assert_int_equal(ntm_nl_event_parse(nlh, &ev), 0);
	assert_int_equal(ev.cmd, NTM_CMD_NOTIFY_ENDPOINT);
	assert_int_equal(ev.path.id, 9);
	assert_false(ev.path.has & NTM_PATH_HAS_LEG_A);
	assert_true(ev.path.has & NTM_PATH_HAS_LEG_B);
	assert_string_equal(ntm_nl_fmt_endpoint(&ev.path.leg[1].endpoint, s, sizeof(s)),
			    "[2001:db8::9]:4500");

	assert_int_equal(ntm_nl_event_parse(path_reply(buf, 5, 0, true), &ev),
			 -EOPNOTSUPP);	/* a GET answer is no event */
	nlh = path_reply(buf, 5, 0, true);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = NTM_CMD_NOTIFY_EXPIRED;
	assert_int_equal(ntm_nl_event_parse(nlh, &ev), 0);
	assert_int_equal(ev.cmd, NTM_CMD_NOTIFY_EXPIRED);
	check_reply_path(&ev.path, 5);
}

static void put_group(struct nlmsghdr *nlh, uint16_t idx, const char *name,
		      uint32_t id)
{
	struct nlattr *g = mnl_attr_nest_start(nlh, idx);

	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, id);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, name);
	mnl_attr_nest_end(nlh, g);
}

static void test_family_parse(void **state)
{
	static uint8_t buf[NTM_NL_RECV_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *groups;
	uint16_t fam = 0;
	uint32_t grp = 99;

	nlh = ntm_nl_msg_start(buf, sizeof(buf), GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 0, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NTM_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x22);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	put_group(nlh, 1, "other", 5);
	put_group(nlh, 2, "events", 7);
	mnl_attr_nest_end(nlh, groups);
	assert_int_equal(ntm_nl_family_parse(nlh, "events", &fam, &grp), 0);
	assert_int_equal(fam, 0x22);
	assert_int_equal(grp, 7);
	assert_int_equal(ntm_nl_family_parse(nlh, "nothing", &fam, &grp), 0);
	assert_int_equal(grp, 0);

	/* No family id: malformed. */
	nlh = ntm_nl_msg_start(buf, sizeof(buf), GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 0, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NTM_GENL_NAME);
	assert_int_equal(ntm_nl_family_parse(nlh, "events", &fam, &grp), -EPROTO);
}

/* ---- the receive path: acks, errors, dumps -------------------------------- */

/* An NLMSG_ERROR answering @req into nl->buf; TLVs added by the caller. */
static struct nlmsghdr *error_msg(struct ntm_nl *nl, const struct nlmsghdr *req,
				  int err, bool capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	size_t extra = capped ? 0 : req->nlmsg_len - sizeof(*req);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_flags = (capped ? NLM_F_CAPPED : 0) |
			   (err ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) + extra);
	e->error = err;
	memcpy(&e->msg, req, capped ? sizeof(*req) : req->nlmsg_len);
	return nlh;
}

/* Run a request whose whole answer is in nl->buf (@len bytes). */
static int answer(struct ntm_nl *nl, const struct nlmsghdr *req, uint8_t op,
		  mnl_cb_t cb, struct req_ctx *ctx, size_t len)
{
	nl_begin(nl, ctx, req, op, cb);
	return nl_end(nl, ctx, nl_process(nl, ctx, len));
}

static void test_ack(void **state)
{
	struct ntm_nl *nl = new_nl();
	uint8_t req[NTM_NL_REQ_SIZE];
	struct nlmsghdr *r, *e;
	struct req_ctx ctx = { 0 };

	r = ntm_nl_path_id_build(req, sizeof(req), FAMILY, NTM_CMD_PATH_DEL, 5, 42);
	e = error_msg(nl, r, 0, true);
	assert_int_equal(answer(nl, r, NTM_CMD_PATH_DEL, NULL, &ctx, e->nlmsg_len), 0);
	free(nl);
}

static void test_extack_names_attribute(void **state)
{
	struct ntm_nl *nl = new_nl();
	uint8_t req[NTM_NL_REQ_SIZE];
	struct ntm_path p = full_path();
	struct nlmsghdr *r, *e;
	int capped;

	r = ntm_nl_path_build(req, sizeof(req), FAMILY, NTM_CMD_PATH_NEW, 11, &p);
	for (capped = 0; capped <= 1; capped++) {
		struct req_ctx ctx = { 0 };
		int ret;

		e = error_msg(nl, r, -EINVAL, capped);
		mnl_attr_put_strz(e, NLMSGERR_ATTR_MSG, "Attribute failed policy validation");
		mnl_attr_put_u32(e, NLMSGERR_ATTR_OFFS, attr_off(r, NTMA_PATH_DATA_KEY));
		ret = answer(nl, r, NTM_CMD_PATH_NEW, NULL, &ctx, e->nlmsg_len);
		assert_int_equal(ret, -EINVAL);
		assert_string_equal(ntm_nl_strerror(nl, ret),
				    "Invalid argument: Attribute failed policy validation (NTMA_PATH_DATA_KEY)");
	}

	/* Inside a leg. */
	{
		struct req_ctx ctx = { 0 };
		int ret;

		e = error_msg(nl, r, -EINVAL, true);
		mnl_attr_put_u32(e, NLMSGERR_ATTR_OFFS,
				 nested_off(r, NTMA_PATH_LEG_A, NTMA_LEG_VIP));
		ret = answer(nl, r, NTM_CMD_PATH_NEW, NULL, &ctx, e->nlmsg_len);
		assert_string_equal(ntm_nl_strerror(nl, ret),
				    "Invalid argument (NTMA_PATH_LEG_A/NTMA_LEG_VIP)");
	}
	/* Missing attributes, top level and in a nest. */
	{
		struct req_ctx ctx = { 0 };
		int ret;

		e = error_msg(nl, r, -EINVAL, true);
		mnl_attr_put_strz(e, NLMSGERR_ATTR_MSG, "Missing attribute");
		mnl_attr_put_u32(e, NLMSGERR_ATTR_MISS_TYPE, NTMA_LEG_VIP);
		mnl_attr_put_u32(e, NLMSGERR_ATTR_MISS_NEST, attr_off(r, NTMA_PATH_LEG_B));
		ret = answer(nl, r, NTM_CMD_PATH_NEW, NULL, &ctx, e->nlmsg_len);
		assert_string_equal(ntm_nl_strerror(nl, ret),
				    "Invalid argument: Missing attribute (missing NTMA_LEG_VIP)");

		e = error_msg(nl, r, -EINVAL, true);
		mnl_attr_put_u32(e, NLMSGERR_ATTR_MISS_TYPE, NTMA_PATH_TYPE);
		memset(&ctx, 0, sizeof(ctx));
		ret = answer(nl, r, NTM_CMD_PATH_NEW, NULL, &ctx, e->nlmsg_len);
		assert_string_equal(ntm_nl_strerror(nl, ret),
				    "Invalid argument (missing NTMA_PATH_TYPE)");
	}
	/* An offset outside the request names nothing; garbage TLVs are ignored. */
	{
		struct req_ctx ctx = { 0 };
		int ret;

		e = error_msg(nl, r, -ERANGE, true);
		mnl_attr_put_u32(e, NLMSGERR_ATTR_OFFS, 5000);
		ret = answer(nl, r, NTM_CMD_PATH_NEW, NULL, &ctx, e->nlmsg_len);
		assert_string_equal(ntm_nl_strerror(nl, ret), strerror(ERANGE));

		e = error_msg(nl, r, -ERANGE, true);
		mnl_attr_put_u16(e, NLMSGERR_ATTR_MSG, 0x4141);	/* no NUL */
		memset(&ctx, 0, sizeof(ctx));
		ret = answer(nl, r, NTM_CMD_PATH_NEW, NULL, &ctx, e->nlmsg_len);
		assert_int_equal(ret, -ERANGE);
		assert_string_equal(ntm_nl_strerror(nl, ret), strerror(ERANGE));
	}
	free(nl);
}

static void test_error_words(void **state)
{
	struct ntm_nl *nl = new_nl();

	nl->last_op = NTM_NL_OP_FAMILY;
	assert_string_equal(ntm_nl_strerror(nl, -ENOENT),
			    "nf_ntm module not loaded (modprobe nf_ntm)");
	assert_string_equal(ntm_nl_strerror(nl, -EPERM), "need CAP_NET_ADMIN");
	nl->last_op = NTM_CMD_PATH_DEL;
	assert_string_equal(ntm_nl_strerror(nl, -ENOENT), "no such path");
	assert_string_equal(ntm_nl_strerror(nl, -EPERM), "need CAP_NET_ADMIN");
	nl->last_op = NTM_CMD_PATH_SET;
	assert_string_equal(ntm_nl_strerror(nl, -ENOENT), "no such path");
	nl->last_op = NTM_CMD_PATH_NEW;
	assert_string_equal(ntm_nl_strerror(nl, -EEXIST), "path exists");
	assert_string_equal(ntm_nl_strerror(nl, -ENOSPC), "relay table full (max-paths)");
	assert_string_equal(ntm_nl_strerror(nl, -EADDRINUSE),
			    "VIP pair already in use by another path");
	nl->last_op = NTM_CMD_TUNNEL_GET;
	assert_string_equal(ntm_nl_strerror(nl, -ENODEV),
			    "no tunnel in this network namespace");
	nl->last_op = NTM_CMD_TUNNEL_DEL;
	assert_string_equal(ntm_nl_strerror(nl, -ENOENT),
			    "no tunnel in this network namespace");
	nl->last_op = NTM_CMD_TUNNEL_SET;
	assert_string_equal(ntm_nl_strerror(nl, -EADDRINUSE), strerror(EADDRINUSE));
	assert_string_equal(ntm_nl_strerror(nl, -EPROTO), "malformed answer from nf_ntm");
	free(nl);
}

static void test_get_reply_then_ack(void **state)
{
	struct ntm_nl *nl = new_nl();
	uint8_t req[NTM_NL_REQ_SIZE];
	struct nlmsghdr *r, *m;
	struct ntm_path out;
	struct path_get g = { .out = &out };
	struct req_ctx ctx = { .data = &g };
	size_t len;

	r = ntm_nl_path_id_build(req, sizeof(req), FAMILY, NTM_CMD_PATH_GET, 31, 42);
	/* An event (seq 0) first, as on a subscribed socket, then the answer. */
	m = path_reply(nl->buf, 99, 0, false);
	len = m->nlmsg_len;
	m = path_reply(nl->buf + len, 42, 31, true);
	len += m->nlmsg_len;
	{
		struct nlmsghdr *ack = (struct nlmsghdr *)(nl->buf + len);
		struct nlmsgerr *e;

		memset(ack, 0, MNL_NLMSG_HDRLEN + sizeof(*e));
		ack->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(*e);
		ack->nlmsg_type = NLMSG_ERROR;
		ack->nlmsg_seq = 31;
		ack->nlmsg_flags = NLM_F_CAPPED;
		len += ack->nlmsg_len;
	}
	assert_int_equal(answer(nl, r, NTM_CMD_PATH_GET, path_get_cb, &ctx, len), 0);
	assert_true(g.found);
	check_reply_path(&out, 42);
	free(nl);
}

struct count {
	uint32_t n;
	uint32_t next_id;
	int fail_at;		/* callback error at this path, 0: never */
};

static int count_cb(const struct ntm_path *p, void *data)
{
	struct count *c = data;

	assert_int_equal(p->id, c->next_id);
	c->next_id++;
	c->n++;
	if (c->fail_at && (int)c->n == c->fail_at)
		return -ECANCELED;
	return 0;
}

/*
 * Feed a dump of @total paths in reads of at most NTM_NL_RECV_SIZE bytes, as
 * the kernel sends it; @intr_at: flag that message NLM_F_DUMP_INTR.
 */
static int feed_dump(struct ntm_nl *nl, uint32_t total, uint32_t intr_at,
		     struct count *c, int *dumped)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct path_dump d = { .cb = count_cb, .data = c };
	struct req_ctx ctx = { .data = &d };
	struct nlmsghdr *r;
	uint32_t id = 1;
	int ret = MNL_CB_OK, reads = 0;

	r = ntm_nl_path_dump_build(req, sizeof(req), FAMILY, 55);
	nl_begin(nl, &ctx, r, NTM_CMD_PATH_GET, path_dump_cb);
	while (ret > 0) {
		size_t len = 0;

		while (id <= total && len + 512 < sizeof(nl->buf)) {
			struct nlmsghdr *m = path_reply(nl->buf + len, id, 55, id & 1);

			m->nlmsg_flags |= NLM_F_MULTI;
			if (id == intr_at)
				m->nlmsg_flags |= NLM_F_DUMP_INTR;
			len += m->nlmsg_len;
			id++;
		}
		if (id > total) {
			struct nlmsghdr *done = (struct nlmsghdr *)(nl->buf + len);
			int zero = 0;

			memset(done, 0, MNL_NLMSG_HDRLEN + sizeof(int));
			done->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(int);
			done->nlmsg_type = NLMSG_DONE;
			done->nlmsg_flags = NLM_F_MULTI;
			done->nlmsg_seq = 55;
			memcpy(mnl_nlmsg_get_payload(done), &zero, sizeof(zero));
			len += done->nlmsg_len;
		}
		reads++;
		ret = nl_process(nl, &ctx, len);
	}
	assert_true(reads > 1);
	*dumped = d.count;
	return nl_end(nl, &ctx, ret);
}

static void test_dump_10000_paths(void **state)
{
	struct ntm_nl *nl = new_nl();
	struct count c = { .next_id = 1 };
	int dumped;

	assert_int_equal(feed_dump(nl, 10000, 0, &c, &dumped), 0);
	assert_int_equal(c.n, 10000);
	assert_int_equal(dumped, 10000);
	free(nl);
}

static void test_dump_interrupted(void **state)
{
	struct ntm_nl *nl = new_nl();
	struct count c = { .next_id = 1 };
	int dumped, ret;

	/* The whole dump is still read; the result says "retry". */
	ret = feed_dump(nl, 1000, 500, &c, &dumped);
	assert_int_equal(ret, -EINTR);
	assert_int_equal(c.n, 1000);
	assert_string_equal(ntm_nl_strerror(nl, ret),
			    "the relay table changed during the dump; retry");
	free(nl);
}

static void test_dump_callback_stops(void **state)
{
	struct ntm_nl *nl = new_nl();
	struct count c = { .next_id = 1, .fail_at = 300 };
	int dumped;

	assert_int_equal(feed_dump(nl, 2000, 0, &c, &dumped), -ECANCELED);
	assert_int_equal(c.n, 300);	/* never called again */
	free(nl);
}

static void test_dump_done_with_error(void **state)
{
	struct ntm_nl *nl = new_nl();
	uint8_t req[NTM_NL_REQ_SIZE];
	struct path_dump d = { 0 };
	struct req_ctx ctx = { .data = &d };
	struct nlmsghdr *r, *done;
	int err = -ENOBUFS;

	r = ntm_nl_path_dump_build(req, sizeof(req), FAMILY, 56);
	done = mnl_nlmsg_put_header(nl->buf);
	done->nlmsg_type = NLMSG_DONE;
	done->nlmsg_seq = 56;
	done->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	memcpy(mnl_nlmsg_put_extra_header(done, sizeof(err)), &err, sizeof(err));
	mnl_attr_put_strz(done, NLMSGERR_ATTR_MSG, "dump failed");
	assert_int_equal(answer(nl, r, NTM_CMD_PATH_GET, path_dump_cb, &ctx,
				done->nlmsg_len), -ENOBUFS);
	assert_string_equal(ntm_nl_strerror(nl, -ENOBUFS),
			    "No buffer space available: dump failed");
	free(nl);
}

static void test_malformed_answer_keeps_reading(void **state)
{
	struct ntm_nl *nl = new_nl();
	uint8_t req[NTM_NL_REQ_SIZE];
	struct ntm_tunnel_info t;
	struct req_ctx ctx = { .data = &t };
	struct nlmsghdr *r, *m, *ack;
	struct nlmsgerr *e;
	size_t len;

	r = ntm_nl_simple_build(req, sizeof(req), FAMILY, NTM_CMD_TUNNEL_GET, 57);
	m = reply_start(nl->buf, NTM_CMD_TUNNEL_GET, 57);
	mnl_attr_put_u32(m, NTMA_TUNNEL_PORT, 7701);	/* u16 expected */
	len = m->nlmsg_len;
	ack = (struct nlmsghdr *)(nl->buf + len);
	memset(ack, 0, MNL_NLMSG_HDRLEN + sizeof(*e));
	ack->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(*e);
	ack->nlmsg_type = NLMSG_ERROR;
	ack->nlmsg_seq = 57;
	len += ack->nlmsg_len;
	/* The error is reported after the ack: the socket stays in step. */
	assert_int_equal(answer(nl, r, NTM_CMD_TUNNEL_GET, tunnel_cb, &ctx, len),
			 -EPROTO);
	free(nl);
}

/*
 * Regression (fuzz/fuzz_nl.c): a message whose nlmsg_len is 2 GiB or more
 * passed libmnl's signed check and the walk left the buffer. Now the whole
 * answer is malformed, and nothing is read past it.
 */
static void test_huge_nlmsg_len(void **state)
{
	struct ntm_nl *nl = new_nl();
	uint8_t req[NTM_NL_REQ_SIZE];
	struct count c = { 0 };
	struct path_dump d = { .cb = count_cb, .data = &c };
	struct req_ctx ctx = { .data = &d };
	struct nlmsghdr *r, *m, *bad;
	size_t len;

	r = ntm_nl_path_dump_build(req, sizeof(req), FAMILY, 58);
	m = path_reply(nl->buf, 1, 58, false);
	len = MNL_ALIGN(m->nlmsg_len);
	bad = (struct nlmsghdr *)(nl->buf + len);
	memset(bad, 0xf8, 64);
	len += 64;
	assert_int_equal(answer(nl, r, NTM_CMD_PATH_GET, path_dump_cb, &ctx, len),
			 -EPROTO);
	assert_int_equal(c.n, 0);
	/* The same bytes with a sane length are read. */
	bad->nlmsg_len = 64;
	assert_true(nl_buf_ok(nl->buf, len));
	bad->nlmsg_len = 0x80000000u;
	assert_false(nl_buf_ok(nl->buf, len));
	bad->nlmsg_len = 65;
	assert_false(nl_buf_ok(nl->buf, len));
	assert_false(nl_buf_ok(nl->buf, 15));
	free(nl);
}

/* Regression (fuzz/fuzz_nl.c): an error code of INT_MIN was negated. An
 * error outside the kernel's errno range is a malformed answer. */
static void test_error_code_out_of_range(void **state)
{
	static const int codes[] = { INT_MIN, -4096, 4096, INT_MAX };
	struct ntm_nl *nl = new_nl();
	uint8_t req[NTM_NL_REQ_SIZE];
	struct nlmsghdr *r, *e;
	size_t i;

	r = ntm_nl_path_id_build(req, sizeof(req), FAMILY, NTM_CMD_PATH_DEL, 5, 42);
	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		struct req_ctx ctx = { 0 };

		e = error_msg(nl, r, codes[i], true);
		assert_int_equal(answer(nl, r, NTM_CMD_PATH_DEL, NULL, &ctx,
					e->nlmsg_len), -EPROTO);
	}
	{
		struct req_ctx ctx = { 0 };

		e = error_msg(nl, r, 28, true);	/* positive: as -28 */
		assert_int_equal(answer(nl, r, NTM_CMD_PATH_DEL, NULL, &ctx,
					e->nlmsg_len), -ENOSPC);
	}
	assert_string_equal(ntm_nl_strerror(nl, INT_MIN), "malformed answer from nf_ntm");
	free(nl);
}

static void test_fmt_and_names(void **state)
{
	struct sockaddr_storage ss;
	struct ntm_vip v = { 0 };
	struct ntm_stats a = { .rx_packets = 1, .rx_control = 2 };
	struct ntm_stats b = { .rx_packets = 10, .drop_auth = 3 };
	char s[64];

	memset(&ss, 0, sizeof(ss));
	assert_string_equal(ntm_nl_fmt_endpoint(&ss, s, sizeof(s)), "unset");
	assert_string_equal(ntm_nl_fmt_vip(&v, s, sizeof(s)), "unset");
	assert_string_equal(ntm_path_type_name(NTM_PATH_RS_S), "RS-S");
	assert_string_equal(ntm_path_type_name(NTM_PATH_RS_N), "RS-N");
	assert_string_equal(ntm_path_type_name(NTM_PATH_RS_T), "RS-T");
	assert_string_equal(ntm_path_type_name(9), "unknown");
	ntm_stats_add(&a, &b);
	assert_int_equal(a.rx_packets, 11);
	assert_int_equal(a.drop_auth, 3);
	assert_int_equal(a.rx_control, 2);
}

/* The live kernel, without nf_ntm: the family is not found. */
static void test_open_without_module(void **state)
{
	struct ntm_nl *nl = calloc(1, sizeof(*nl));
	int ret;

	assert_non_null(nl);
	ret = ntm_nl_open(nl);
	if (ret == 0) {
		ntm_nl_close(nl);
		free(nl);
		skip();		/* nf_ntm is loaded here */
	}
	if (ret != -ENOENT) {
		free(nl);
		skip();		/* no generic netlink (sandbox) */
	}
	assert_null(nl->sock);
	assert_string_equal(ntm_nl_strerror(nl, ret),
			    "nf_ntm module not loaded (modprobe nf_ntm)");
	free(nl);
}

/* ---- batches ---- */

static struct nlmsghdr *put_err(uint8_t *buf, uint32_t seq, int error,
				const char *msg)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_seq = seq;
	h->nlmsg_flags = NLM_F_CAPPED | (msg ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(h, sizeof(*e));
	e->error = error;
	if (msg)
		mnl_attr_put_strz(h, NLMSGERR_ATTR_MSG, msg);
	return h;
}

struct batch_seen {
	unsigned int n;
	unsigned int idx[4];
	int err[4];
	char text[4][200];
	struct ntm_nl *nl;
};

static int batch_seen_cb(unsigned int index, int err, void *data)
{
	struct batch_seen *b = data;

	b->idx[b->n] = index;
	b->err[b->n] = err;
	snprintf(b->text[b->n], sizeof(b->text[0]), "%s",
		 ntm_nl_strerror(b->nl, err));
	b->n++;
	return 0;
}

static void test_batch_queue_and_answers(void **state)
{
	struct ntm_nl *nl = new_nl();
	struct ntm_nl_batch *b = malloc(sizeof(*b));
	struct ntm_path p = { .id = 1, .type = NTM_PATH_RS_S,
			      .has = NTM_PATH_HAS_TYPE | NTM_PATH_HAS_RELAY_KEY };
	struct batch_seen seen = { .nl = nl };
	struct batch_ctx ctx = { .b = b, .cb = batch_seen_cb, .data = &seen };
	const struct nlmsghdr *h;
	size_t off;
	unsigned int i;

	assert_non_null(b);
	nl->seq = 41;
	ntm_nl_batch_init(b, nl);	/* no socket: the setsockopt just fails */
	for (i = 0; i < 3; i++) {
		p.id = 100 + i;
		assert_int_equal(ntm_nl_batch_add(b, i == 2 ? NTM_CMD_PATH_DEL :
						  NTM_CMD_PATH_NEW, &p), (int)i);
	}
	assert_int_equal(ntm_nl_batch_add(b, NTM_CMD_TUNNEL_GET, &p), -EINVAL);
	assert_int_equal(b->n, 3);
	assert_int_equal(b->seq0, 42);
	assert_int_equal(nl->seq, 44);
	/* Back to back, consecutive seqs, each request whole. */
	for (i = 0, off = 0; i < 3; i++) {
		h = (const struct nlmsghdr *)(b->buf + b->off[i]);
		assert_int_equal(b->off[i], off);
		assert_int_equal(h->nlmsg_seq, 42 + i);
		assert_int_equal(h->nlmsg_type, FAMILY);
		off += MNL_ALIGN(h->nlmsg_len);
	}
	assert_int_equal(b->len, off);

	/* Request 1 fails, request 2 (the last) is acked: one pass, done. */
	off = put_err(nl->buf, 43, -EEXIST, "the PathID exists")->nlmsg_len;
	off += put_err(nl->buf + off, 999, -ENOENT, NULL)->nlmsg_len; /* not ours */
	assert_int_equal(batch_process(&ctx, off), MNL_CB_OK);
	assert_false(ctx.done);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.idx[0], 1);
	assert_int_equal(seen.err[0], -EEXIST);
	assert_string_equal(seen.text[0], "path exists: the PathID exists");
	off = put_err(nl->buf, 44, 0, NULL)->nlmsg_len;
	assert_int_equal(batch_process(&ctx, off), MNL_CB_STOP);
	assert_true(ctx.done);
	assert_int_equal(ctx.failed, 1);
	assert_int_equal(seen.n, 1);

	/* Full at NTM_NL_BATCH_MAX requests. */
	b->n = 0;
	b->len = 0;
	for (i = 0; i < NTM_NL_BATCH_MAX; i++)
		assert_int_equal(ntm_nl_batch_add(b, NTM_CMD_PATH_NEW, &p), (int)i);
	assert_int_equal(ntm_nl_batch_add(b, NTM_CMD_PATH_NEW, &p), -ENOSPC);
	b->n = 0;
	assert_int_equal(ntm_nl_batch_flush(b, NULL, NULL), 0);	/* empty */
	free(b);
	free(nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_new_roundtrip),
		cmocka_unit_test(test_path_ipv6_roundtrip),
		cmocka_unit_test(test_path_set_sends_only_changes),
		cmocka_unit_test(test_builders_refuse),
		cmocka_unit_test(test_tunnel_set_build),
		cmocka_unit_test(test_simple_builders),
		cmocka_unit_test(test_parse_skips_unknown),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_bad_lengths),
		cmocka_unit_test(test_parse_missing_id),
		cmocka_unit_test(test_stats_bad_u64),
		cmocka_unit_test(test_tunnel_parse),
		cmocka_unit_test(test_event_parse),
		cmocka_unit_test(test_family_parse),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_extack_names_attribute),
		cmocka_unit_test(test_error_words),
		cmocka_unit_test(test_get_reply_then_ack),
		cmocka_unit_test(test_dump_10000_paths),
		cmocka_unit_test(test_dump_interrupted),
		cmocka_unit_test(test_dump_callback_stops),
		cmocka_unit_test(test_dump_done_with_error),
		cmocka_unit_test(test_malformed_answer_keeps_reading),
		cmocka_unit_test(test_huge_nlmsg_len),
		cmocka_unit_test(test_error_code_out_of_range),
		cmocka_unit_test(test_fmt_and_names),
		cmocka_unit_test(test_open_without_module),
		cmocka_unit_test(test_batch_queue_and_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
