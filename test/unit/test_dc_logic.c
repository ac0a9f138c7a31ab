// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-dc's logic (daemon/ntm-dc) without sockets: control messages go in
 * through dc_control_input() sealed as a node or an RS seals them, what the
 * DC sends comes out of a fake send function and is opened with the
 * receiver's key. The clock is the test's. The store is a real SQLite file
 * in a temporary directory, so that a "restart" (dc_fini, close, open,
 * dc_init) sees what a restarted daemon sees.
 *
 *   VIPs: from the pool, sticky, never another node's, kept across a
 *   restart, the hint, pool exhaustion and taking back; registration
 *   refusals; no answer to unauthenticated input; retransmissions;
 *   expiry; route decisions (direct, RS-S, RS-N, RS-T), Relay Direction and
 *   Direction Response, pushes, RS fail-over, teardown, PathIDs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../daemon/ntm-dc/config.c"
#include "../../daemon/ntm-dc/control.c"
#include "../../daemon/ntm-dc/dns.c"
#include "../../daemon/ntm-dc/node.c"
#include "../../daemon/ntm-dc/path.c"
#include "../../daemon/ntm-dc/store.c"

#define T_START		1700000000000ULL
#define MAXSENT		64
#define K11 "1111111111111111111111111111111111111111111111111111111111111111"
#define K12 "1212121212121212121212121212121212121212121212121212121212121212"
#define K13 "1313131313131313131313131313131313131313131313131313131313131313"
#define K14 "1414141414141414141414141414141414141414141414141414141414141414"
#define KRS "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define KRS2 "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"

static uint64_t t_now = T_START;
static uint64_t t_rand = 1;
static uint64_t t_txn = 1000000;	/* a new transaction each reg() */

static uint64_t fake_now(void *arg)
{
	return t_now;
}

static int fake_random(void *arg, uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		t_rand = t_rand * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = (uint8_t)(t_rand >> 56);
	}
	return NTM_OK;
}

static const struct ntm_ctl_env env = { fake_now, fake_random, NULL };

struct sent {
	struct ntm_addr to;
	uint8_t buf[NTM_CTL_MAX_LEN];
	size_t len;
};

struct world {
	char dir[64];
	char conf[2048];
	struct dc_config cfg;
	struct dc_store *store;
	struct dc d;
	struct sent sent[MAXSENT];
	int nsent;
};

static int fake_send(void *arg, const struct ntm_addr *to, const uint8_t *buf,
		     size_t len)
{
	struct world *w = arg;

	if (w->nsent == MAXSENT)
		return -ENOBUFS;
	w->sent[w->nsent].to = *to;
	memcpy(w->sent[w->nsent].buf, buf, len);
	w->sent[w->nsent].len = len;
	w->nsent++;
	return 0;
}

static void ep(struct ntm_addr *a, const char *s)
{
	assert_int_equal(ntm_addr_parse(a, s), NTM_OK);
}

static void hexkey(const char *hex, uint8_t *key)
{
	assert_int_equal(ntm_cli_parse_hex(hex, key, NTM_CTL_KEY_BYTES), 0);
}

static void start(struct world *w)
{
	char err[256], db[128];
	FILE *f;

	snprintf(db, sizeof(db), "%s/dc.db", w->dir);
	f = fmemopen(w->conf, strlen(w->conf), "r");
	assert_non_null(f);
	dc_config_init(&w->cfg);
	if (dc_config_parse(f, "test.conf", &w->cfg, err, sizeof(err)))
		fail_msg("config: %s", err);
	fclose(f);
	snprintf(w->cfg.store, sizeof(w->cfg.store), "%s", db);
	if (dc_store_open(&w->store, db, err, sizeof(err)))
		fail_msg("store: %s", err);
	memset(&w->d, 0, sizeof(w->d));
	w->d.env = &env;
	w->d.send = fake_send;
	w->d.send_arg = w;
	assert_int_equal(dc_init(&w->d, &w->cfg, w->store), 0);
	w->nsent = 0;
}

static void stop(struct world *w)
{
	dc_fini(&w->d);
	dc_store_close(w->store);
	w->store = NULL;
	dc_config_free(&w->cfg);
}

static const char base_conf[] =
	"zone ntm.test\n"
	"address 198.51.100.20\n"
	"vip-pool 100.64.0.0/29\n"
	"host-vip-pool 100.65.0.0/16\n"
	"lifetime 300\n"
	"refresh 120\n"
	"node 11 " K11 " mn.ntm.test\n"
	"node 12 " K12 "\n"
	"node 13 " K13 "\n"
	"node 14 " K14 "\n"
	"host gh.ntm.test 198.51.100.30\n"
	"host sip.ntm.test 198.51.100.31 rs-t\n"
	"rs-t-port 5060\n";

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	snprintf(w->dir, sizeof(w->dir), "/tmp/test_dc.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->conf, sizeof(w->conf), "%s"
		 "rs rs1 198.51.100.10:7700 7 " KRS " rst-pool 203.0.113.0/30\n"
		 "rs rs2 198.51.100.11:7700 8 " KRS2 "\n", base_conf);
	t_now = T_START;
	ntm_log_open("ntm-dc", NTM_LOG_WARN, false);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	char cmd[160];

	if (w->store)
		stop(w);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", w->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", w->dir);
	free(w);
	return 0;
}

/* ---- messages ------------------------------------------------------------- */

static void input(struct world *w, uint8_t type, uint32_t key_id,
		  const char *hex, uint64_t txn, const union ntm_body *b,
		  const char *from)
{
	uint8_t key[32], buf[NTM_CTL_MAX_LEN];
	struct ntm_addr src;
	ssize_t n;

	hexkey(hex, key);
	n = ntm_ctl_seal(&env, type, key_id, txn, key, b, buf, sizeof(buf));
	assert_true(n > 0);
	ep(&src, from);
	dc_control_input(&w->d, buf, (size_t)n, &src);
}

struct one_key {
	uint32_t id;
	uint8_t key[32];
};

static int lookup_one(void *arg, uint8_t type, uint32_t key_id, uint8_t key[32])
{
	const struct one_key *k = arg;

	if (key_id != k->id)
		return NTM_E_UNKNOWN_KEY;
	memcpy(key, k->key, 32);
	return NTM_OK;
}

/* Open the sent message @i with key (@id, @hex); asserts it opens. */
static void open_sent(struct world *w, int i, uint32_t id, const char *hex,
		      struct ntm_ctl_hdr *h, union ntm_body *b)
{
	struct one_key k = { .id = id };

	assert_true(i < w->nsent);
	hexkey(hex, k.key);
	if (w->sent[i].len >= 8 && ((uint32_t)w->sent[i].buf[4] << 24 |
				    (uint32_t)w->sent[i].buf[5] << 16 |
				    (uint32_t)w->sent[i].buf[6] << 8 |
				    w->sent[i].buf[7]) != id)
		fail_msg("sent message %d (type %u) is not sealed with key id %u but %u",
			 i, w->sent[i].buf[1], id, (uint32_t)w->sent[i].buf[7]);
	assert_int_equal(ntm_ctl_open(w->sent[i].buf, w->sent[i].len, lookup_one,
				      &k, NULL, t_now, h, b), NTM_OK);
}

static struct ntm_registration_response reg(struct world *w, uint32_t key_id,
					    const char *hex, uint32_t body_id,
					    const char *name, const char *hint,
					    uint32_t lifetime, const char *from)
{
	union ntm_body b, a;
	struct ntm_ctl_hdr h;
	int before = w->nsent;

	memset(&b, 0, sizeof(b));
	b.registration_request.node_id = body_id;
	ep(&b.registration_request.local, "10.1.0.2:7702");
	if (hint)
		ep(&b.registration_request.vip_hint, hint);
	b.registration_request.lifetime = lifetime;
	snprintf(b.registration_request.name, sizeof(b.registration_request.name),
		 "%s", name);
	t_txn++;
	input(w, NTM_MSG_REGISTRATION_REQUEST, key_id, hex, t_txn, &b, from);
	assert_int_equal(w->nsent, before + 1);
	open_sent(w, before, key_id, hex, &h, &a);
	assert_int_equal(h.type, NTM_MSG_REGISTRATION_RESPONSE);
	assert_int_equal(h.txn_id, t_txn);
	return a.registration_response;
}

static char *vipstr(const struct ntm_addr *a, char *buf)
{
	return ntm_addr_fmt(a, buf, NTM_ADDR_FMT_LEN);
}

/* ---- VIPs ------------------------------------------------------------------ */

static void test_vip_sticky_and_unique(void **state)
{
	struct world *w = *state;
	struct ntm_registration_response r;
	char v[NTM_ADDR_FMT_LEN];

	start(w);
	r = reg(w, 11, K11, 11, "mn.ntm.test", NULL, 60, "198.51.100.1:7702");
	assert_int_equal(r.status, NTM_OK);
	assert_string_equal(vipstr(&r.vip, v), "100.64.0.1");
	assert_int_equal(r.lifetime, 60);
	assert_string_equal(vipstr(&r.observed, v), "198.51.100.1:7702");
	r = reg(w, 12, K12, 12, "cn.ntm.test", NULL, 0, "198.51.100.2:7702");
	assert_int_equal(r.status, NTM_OK);
	assert_string_equal(vipstr(&r.vip, v), "100.64.0.2");
	assert_int_equal(r.lifetime, 300);	/* 0: the DC's maximum */
	/* Again, with another hint, from elsewhere: the same VIP. */
	t_now += 1000;
	r = reg(w, 11, K11, 11, "mn.ntm.test", "100.64.0.5", 9999, "198.51.100.9:4000");
	assert_string_equal(vipstr(&r.vip, v), "100.64.0.1");
	assert_int_equal(r.lifetime, 300);
	assert_string_equal(vipstr(&dc_node_get(&w->d, 11)->observed, v),
			    "198.51.100.9:4000");
	/* A new node's hint: honoured if free, never another node's. */
	r = reg(w, 13, K13, 13, "x.ntm.test", "100.64.0.1", 60, "198.51.100.3:7702");
	assert_string_equal(vipstr(&r.vip, v), "100.64.0.3");
	r = reg(w, 14, K14, 14, "y.ntm.test", "100.64.0.6", 60, "198.51.100.4:7702");
	assert_string_equal(vipstr(&r.vip, v), "100.64.0.6");

	/* A restart keeps every VIP and registration. */
	stop(w);
	start(w);
	assert_true(dc_node_live(&w->d, dc_node_get(&w->d, 12)));
	assert_int_equal(dc_node_get(&w->d, 14)->vip, 0x64400006);
	r = reg(w, 12, K12, 12, "cn.ntm.test", NULL, 60, "198.51.100.2:7702");
	assert_string_equal(vipstr(&r.vip, v), "100.64.0.2");
	stop(w);
}

static void test_vip_pool_exhausted_and_taken_back(void **state)
{
	struct world *w = *state;
	struct ntm_registration_response r;
	char v[NTM_ADDR_FMT_LEN];

	/* A /30: two usable addresses. */
	snprintf(w->conf, sizeof(w->conf), "zone ntm.test\naddress 198.51.100.20\n"
		 "vip-pool 100.64.0.0/30\nlifetime 60\n"
		 "node 11 " K11 "\nnode 12 " K12 "\nnode 13 " K13 "\n");
	start(w);
	r = reg(w, 11, K11, 11, "a.ntm.test", NULL, 30, "198.51.100.1:1");
	assert_string_equal(vipstr(&r.vip, v), "100.64.0.1");
	t_now += 10000;
	r = reg(w, 12, K12, 12, "b.ntm.test", NULL, 30, "198.51.100.2:1");
	assert_string_equal(vipstr(&r.vip, v), "100.64.0.2");
	r = reg(w, 13, K13, 13, "c.ntm.test", NULL, 30, "198.51.100.3:1");
	assert_int_equal(r.status, NTM_E_POOL_EXHAUSTED);
	assert_true(ntm_addr_is_none(&r.vip));
	/* Node 11's registration ends; it is the oldest: its VIP goes to 13. */
	t_now += 25000;
	dc_expire(&w->d);
	assert_false(dc_node_live(&w->d, dc_node_get(&w->d, 11)));
	assert_true(dc_node_live(&w->d, dc_node_get(&w->d, 12)));
	r = reg(w, 13, K13, 13, "c.ntm.test", NULL, 30, "198.51.100.3:1");
	assert_int_equal(r.status, NTM_OK);
	assert_string_equal(vipstr(&r.vip, v), "100.64.0.1");
	/* ... and it survives a restart: UNIQUE held in the store. */
	stop(w);
	start(w);
	assert_int_equal(dc_node_get(&w->d, 13)->vip, 0x64400001);
	assert_int_equal(dc_node_get(&w->d, 11)->vip, 0);
	stop(w);
}

static void test_registration_refusals(void **state)
{
	struct world *w = *state;
	struct ntm_registration_response r;
	union ntm_body b;

	start(w);
	/* Body node id differs from the key's. */
	r = reg(w, 12, K12, 11, "cn.ntm.test", NULL, 60, "198.51.100.2:1");
	assert_int_equal(r.status, NTM_E_REFUSED);
	/* Outside the zone, the zone itself, ns, a host's name. */
	r = reg(w, 12, K12, 12, "cn.other.test", NULL, 60, "198.51.100.2:1");
	assert_int_equal(r.status, NTM_E_REFUSED);
	r = reg(w, 12, K12, 12, "ns.ntm.test", NULL, 60, "198.51.100.2:1");
	assert_int_equal(r.status, NTM_E_REFUSED);
	r = reg(w, 12, K12, 12, "gh.ntm.test", NULL, 60, "198.51.100.2:1");
	assert_int_equal(r.status, NTM_E_REFUSED);
	/* Pinned: node 11 is mn.ntm.test, only it. */
	r = reg(w, 12, K12, 12, "mn.ntm.test", NULL, 60, "198.51.100.2:1");
	assert_int_equal(r.status, NTM_E_REFUSED);
	r = reg(w, 11, K11, 11, "other.ntm.test", NULL, 60, "198.51.100.1:1");
	assert_int_equal(r.status, NTM_E_REFUSED);
	/* A live node's name: CONFLICT; once it expired: free. */
	r = reg(w, 12, K12, 12, "cn.ntm.test", NULL, 30, "198.51.100.2:1");
	assert_int_equal(r.status, NTM_OK);
	r = reg(w, 13, K13, 13, "CN.ntm.test", NULL, 60, "198.51.100.3:1");
	assert_int_equal(r.status, NTM_E_CONFLICT);
	t_now += 31000;
	dc_expire(&w->d);
	r = reg(w, 13, K13, 13, "cn.ntm.test", NULL, 60, "198.51.100.3:1");
	assert_int_equal(r.status, NTM_OK);
	assert_int_equal(dc_node_get(&w->d, 12)->name[0], '\0');
	assert_non_null(dc_node_by_name(&w->d, "cn.ntm.test"));
	assert_int_equal(dc_node_by_name(&w->d, "cn.ntm.test")->id, 13);
	assert_int_equal(w->d.stats.refused, 7);

	/* Unknown key id, wrong key: never answered. */
	w->nsent = 0;
	memset(&b, 0, sizeof(b));
	b.registration_request.node_id = 99;
	ep(&b.registration_request.local, "10.0.0.1:1");
	b.registration_request.lifetime = 60;
	snprintf(b.registration_request.name, sizeof(b.registration_request.name), "z.ntm.test");
	input(w, NTM_MSG_REGISTRATION_REQUEST, 99, K11, 5, &b, "198.51.100.9:1");
	b.registration_request.node_id = 11;
	input(w, NTM_MSG_REGISTRATION_REQUEST, 11, K12, 6, &b, "198.51.100.9:1");
	/* An RS's key does not register a node. */
	b.registration_request.node_id = 7;
	input(w, NTM_MSG_REGISTRATION_REQUEST, 7, KRS, 7, &b, "198.51.100.9:1");
	assert_int_equal(w->nsent, 0);
	assert_int_equal(w->d.stats.dropped, 2);
	/* Garbage. */
	dc_control_input(&w->d, (const uint8_t *)"\x01\x01\x00", 3, &dc_node_get(&w->d, 11)->observed);
	assert_int_equal(w->nsent, 0);
	stop(w);
}

static void test_retransmission_same_answer(void **state)
{
	struct world *w = *state;
	struct ntm_ctl_hdr h1, h2;
	union ntm_body b, a1, a2;

	start(w);
	memset(&b, 0, sizeof(b));
	b.registration_request.node_id = 12;
	ep(&b.registration_request.local, "10.2.0.2:7702");
	b.registration_request.lifetime = 60;
	snprintf(b.registration_request.name, sizeof(b.registration_request.name), "cn.ntm.test");
	input(w, NTM_MSG_REGISTRATION_REQUEST, 12, K12, 77, &b, "198.51.100.2:7702");
	t_now += 1000;
	/* Same transaction, other content: the answer given before. */
	snprintf(b.registration_request.name, sizeof(b.registration_request.name), "zz.ntm.test");
	input(w, NTM_MSG_REGISTRATION_REQUEST, 12, K12, 77, &b, "198.51.100.2:7702");
	assert_int_equal(w->nsent, 2);
	open_sent(w, 0, 12, K12, &h1, &a1);
	open_sent(w, 1, 12, K12, &h2, &a2);
	assert_int_equal(h1.txn_id, 77);
	assert_int_equal(h2.txn_id, 77);
	assert_memory_equal(&a1.registration_response, &a2.registration_response,
			    sizeof(a1.registration_response));
	assert_string_equal(dc_node_get(&w->d, 12)->name, "cn.ntm.test");
	assert_int_equal(w->d.stats.retransmissions, 1);
	stop(w);
}

static void test_expiry_and_dns_lookup(void **state)
{
	struct world *w = *state;
	struct dc_dns_name n;
	struct ntm_record rec;

	start(w);
	reg(w, 12, K12, 12, "cn.ntm.test", NULL, 20, "198.51.100.2:40000");
	assert_int_equal(dc_dns_lookup(&w->d, "cn.ntm.test", &n), 1);
	assert_true(n.has_a && n.has_ntm);
	assert_int_equal(n.a, 0x64400001);
	assert_int_equal(ntm_record_decode(n.ntm, sizeof(n.ntm), &rec), NTM_OK);
	assert_int_equal(rec.node_id, 12);
	assert_int_equal(rec.flags, NTM_RECORD_F_NAT);
	assert_int_equal(rec.dc.port, 7700);
	assert_int_equal(dc_dns_lookup(&w->d, "gh.ntm.test", &n), 1);
	assert_false(n.has_ntm);
	assert_int_equal(n.a, 0xc633641e);
	t_now += 20001;
	dc_expire(&w->d);
	assert_int_equal(dc_dns_lookup(&w->d, "cn.ntm.test", &n), 0);
	assert_int_equal(dc_node_get(&w->d, 12)->vip, 0x64400001);
	/* Expired while the DC was down: still expired after a restart. */
	stop(w);
	start(w);
	assert_false(dc_node_live(&w->d, dc_node_get(&w->d, 12)));
	stop(w);
}

/* The number of rows of @table in the store, as text. */
static const char *dc_db_count(struct world *w, const char *table)
{
	static char buf[32];
	char sql[64];
	sqlite3_stmt *st;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(sqlite3_prepare_v2(w->store->db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, sizeof(buf), "%d", sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	return buf;
}

/* ---- directions ------------------------------------------------------------ */

static struct ntm_route_direction answer_of(struct world *w, int i, uint32_t id,
					    const char *hex, uint64_t txn)
{
	struct ntm_ctl_hdr h;
	union ntm_body a;

	open_sent(w, i, id, hex, &h, &a);
	assert_int_equal(h.type, NTM_MSG_ROUTE_DIRECTION);
	if (txn)
		assert_int_equal(h.txn_id, txn);
	return a.route_direction;
}

static void direction(struct world *w, uint32_t id, const char *hex,
		      uint64_t txn, uint8_t kind, uint32_t peer,
		      const char *host, uint16_t port)
{
	union ntm_body b;
	char from[32];

	memset(&b, 0, sizeof(b));
	b.direction_request.node_id = id;
	b.direction_request.peer_kind = kind;
	b.direction_request.peer_node_id = peer;
	b.direction_request.port = port;
	if (host)
		ep(&b.direction_request.peer_addr, host);
	snprintf(from, sizeof(from), "198.51.100.%u:7702", id - 10);
	input(w, NTM_MSG_DIRECTION_REQUEST, id, hex, txn, &b, from);
}

/* The RS answers the Relay Direction that is sent message @i. */
static struct ntm_relay_direction rs_answers(struct world *w, int i, uint32_t key_id,
					     const char *hex, const char *rs_ip,
					     uint8_t status)
{
	struct ntm_ctl_hdr h;
	union ntm_body rq, b;
	char t[40], c[40], from[40];

	open_sent(w, i, key_id, hex, &h, &rq);
	assert_int_equal(h.type, NTM_MSG_RELAY_DIRECTION);
	memset(&b, 0, sizeof(b));
	b.direction_response.status = status;
	b.direction_response.path_id = rq.relay_direction.path_id;
	snprintf(t, sizeof(t), "%s:7701", rs_ip);
	snprintf(c, sizeof(c), "%s:7700", rs_ip);
	snprintf(from, sizeof(from), "%s:7700", rs_ip);
	ep(&b.direction_response.tunnel, t);
	ep(&b.direction_response.control, c);
	input(w, NTM_MSG_DIRECTION_RESPONSE, key_id, hex, h.txn_id, &b, from);
	return rq.relay_direction;
}

static void register_two(struct world *w, bool cn_nat)
{
	union ntm_body b;

	reg(w, 11, K11, 11, "mn.ntm.test", NULL, 300, "198.51.100.1:7702");
	memset(&b, 0, sizeof(b));
	b.registration_request.node_id = 12;
	ep(&b.registration_request.local, cn_nat ? "10.2.0.2:7702" : "198.51.100.2:7702");
	b.registration_request.lifetime = 300;
	snprintf(b.registration_request.name, sizeof(b.registration_request.name), "cn.ntm.test");
	input(w, NTM_MSG_REGISTRATION_REQUEST, 12, K12, 1212, &b, "198.51.100.2:7702");
	w->nsent = 0;
}

static void test_route_direct(void **state)
{
	struct world *w = *state;
	struct ntm_route_direction rd;
	char s[NTM_ADDR_FMT_LEN];

	start(w);
	register_two(w, false);
	direction(w, 11, K11, 500, NTM_PEER_NODE, 12, NULL, 0);
	/* The push to CN, and the answer. */
	assert_int_equal(w->nsent, 2);
	rd = answer_of(w, 1, 11, K11, 500);
	assert_int_equal(rd.status, NTM_OK);
	assert_int_equal(rd.route, NTM_ROUTE_DIRECT);
	assert_int_equal(rd.leg, NTM_LEG_A);
	assert_string_equal(ntm_addr_fmt(&rd.tunnel, s, sizeof(s)), "198.51.100.2:7702");
	assert_string_equal(ntm_addr_fmt(&rd.local_vip, s, sizeof(s)), "100.64.0.1");
	assert_string_equal(ntm_addr_fmt(&rd.peer_vip, s, sizeof(s)), "100.64.0.2");
	{
		struct ntm_route_direction pb = answer_of(w, 0, 12, K12, 0);

		assert_int_equal(pb.leg, NTM_LEG_B);
		assert_int_equal(pb.path_id, rd.path_id);
		assert_memory_equal(pb.path_key, rd.path_key, 32);
		assert_string_equal(ntm_addr_fmt(&pb.tunnel, s, sizeof(s)), "198.51.100.1:7702");
		assert_string_equal(ntm_addr_fmt(&w->sent[0].to, s, sizeof(s)), "198.51.100.2:7702");
	}
	/* The push goes 3 times in all. */
	t_now += DC_PUSH_RETRY_MS;
	dc_out_run(&w->d);
	t_now += DC_PUSH_RETRY_MS;
	dc_out_run(&w->d);
	t_now += DC_PUSH_RETRY_MS;
	dc_out_run(&w->d);
	assert_int_equal(w->nsent, 4);
	assert_null(w->d.outbox);
	stop(w);
}

static void test_route_rs_s_with_failover(void **state)
{
	struct world *w = *state;
	struct ntm_route_direction rd, pb;
	struct ntm_relay_direction rl;
	struct ntm_path_keys k;
	char s[NTM_ADDR_FMT_LEN];
	uint8_t key[32];
	int i, n;

	/* rs2 first in the list: tried first (both have no path). */
	snprintf(w->conf, sizeof(w->conf), "%s"
		 "rs rs2 198.51.100.11:7700 8 " KRS2 "\n"
		 "rs rs1 198.51.100.10:7700 7 " KRS " rst-pool 203.0.113.0/30\n",
		 base_conf);
	start(w);
	register_two(w, true);
	direction(w, 11, K11, 600, NTM_PEER_NODE, 12, NULL, 0);
	/* Only the Relay Direction to rs2, nothing to MN yet. */
	assert_int_equal(w->nsent, 1);
	assert_string_equal(ntm_addr_fmt(&w->sent[0].to, s, sizeof(s)), "198.51.100.11:7700");
	/* MN retransmits: ignored while the Relay Direction is in flight. */
	direction(w, 11, K11, 600, NTM_PEER_NODE, 12, NULL, 0);
	assert_int_equal(w->nsent, 1);
	/* rs2 never answers: 8 tries, then rs1. */
	for (i = 0; i < DC_RELAY_TRIES; i++) {
		t_now += DC_RELAY_RETRY_MS;
		dc_out_run(&w->d);
	}
	assert_int_equal(w->nsent, DC_RELAY_TRIES + 1);
	assert_string_equal(ntm_addr_fmt(&w->sent[DC_RELAY_TRIES].to, s, sizeof(s)),
			    "198.51.100.10:7700");
	assert_true(w->d.rs_down_until[0] > t_now);
	rl = rs_answers(w, DC_RELAY_TRIES, 7, KRS, "198.51.100.10", NTM_OK);
	assert_int_equal(rl.rs_type, NTM_RS_TYPE_S);
	assert_int_equal(rl.refresh, 120);
	assert_true(ntm_addr_is_none(&rl.host));
	assert_true(ntm_addr_is_none(&rl.leg_a_tunnel));
	assert_string_equal(ntm_addr_fmt(&rl.leg_a_vip, s, sizeof(s)), "100.64.0.1");
	assert_string_equal(ntm_addr_fmt(&rl.leg_b_vip, s, sizeof(s)), "100.64.0.2");
	n = DC_RELAY_TRIES + 1;
	/* Answer to MN, push to CN. */
	assert_int_equal(w->nsent, n + 2);
	rd = answer_of(w, n, 11, K11, 600);
	assert_int_equal(rd.status, NTM_OK);
	assert_int_equal(rd.route, NTM_ROUTE_RS_S);
	assert_int_equal(rd.path_id, rl.path_id);
	assert_string_equal(ntm_addr_fmt(&rd.tunnel, s, sizeof(s)), "198.51.100.10:7701");
	assert_string_equal(ntm_addr_fmt(&rd.control, s, sizeof(s)), "198.51.100.10:7700");
	/* The RS's keys are the path key's, and no data key for RS-S. */
	memcpy(key, rd.path_key, 32);
	assert_int_equal(ntm_path_keys_derive(key, &k), NTM_OK);
	assert_memory_equal(rl.relay_key, k.relay, sizeof(rl.relay_key));
	assert_memory_equal(rl.tunnel_key, k.tunnel, sizeof(rl.tunnel_key));
	assert_true(memcmp(rl.data_key, (uint8_t[32]){ 0 }, 32) == 0);
	pb = answer_of(w, n + 1, 12, K12, 0);
	assert_int_equal(pb.route, NTM_ROUTE_RS_S);
	assert_int_equal(pb.leg, NTM_LEG_B);
	assert_memory_equal(pb.path_key, rd.path_key, 32);
	/* MN's retransmission now gets the same answer. */
	direction(w, 11, K11, 600, NTM_PEER_NODE, 12, NULL, 0);
	rd = answer_of(w, n + 2, 11, K11, 600);
	assert_int_equal(rd.path_id, rl.path_id);
	/* After the pushes, the direct candidates to both. */
	w->nsent = 0;
	for (i = 0; i < 8; i++) {
		t_now += DC_PUSH_RETRY_MS;
		dc_out_run(&w->d);
	}
	{
		int cand_a = 0, cand_b = 0;

		for (i = 0; i < w->nsent; i++) {
			struct ntm_ctl_hdr h;
			union ntm_body b;
			uint32_t id = w->sent[i].to.addr[3] == 1 ? 11 : 12;

			open_sent(w, i, id, id == 11 ? K11 : K12, &h, &b);
			if (b.route_direction.route != NTM_ROUTE_DIRECT)
				continue;
			assert_int_equal(b.route_direction.path_id, rl.path_id);
			if (id == 11) {
				cand_a++;
				assert_string_equal(ntm_addr_fmt(&b.route_direction.tunnel, s, sizeof(s)),
						    "198.51.100.2:7702");
			} else {
				cand_b++;
				assert_string_equal(ntm_addr_fmt(&b.route_direction.tunnel, s, sizeof(s)),
						    "198.51.100.1:7702");
			}
		}
		assert_int_equal(cand_a, DC_PUSH_TRIES);
		assert_int_equal(cand_b, DC_PUSH_TRIES);
	}
	/* Asking again: the same path, after the RS confirmed it again. */
	w->nsent = 0;
	direction(w, 12, K12, 601, NTM_PEER_NODE, 11, NULL, 0);
	assert_int_equal(w->nsent, 1);
	rs_answers(w, 0, 7, KRS, "198.51.100.10", NTM_OK);
	rd = answer_of(w, 1, 12, K12, 601);
	assert_int_equal(rd.path_id, rl.path_id);
	assert_int_equal(rd.leg, NTM_LEG_B);

	/* PathIDs are never reused, also after a restart. */
	stop(w);
	start(w);
	assert_non_null(dc_path_get(&w->d, rl.path_id));
	direction(w, 11, K11, 700, NTM_PEER_NODE, 13, NULL, 0);
	rd = answer_of(w, 0, 11, K11, 700);
	assert_int_equal(rd.status, NTM_E_UNREACHABLE);	/* 13 not registered */
	/* rs2 is up again for a new DC (and has fewer paths). */
	direction(w, 11, K11, 701, NTM_PEER_HOST, 0, "198.51.100.30", 80);
	rl = rs_answers(w, 1, 8, KRS2, "198.51.100.11", NTM_OK);
	assert_true(rl.path_id > rd.path_id);
	assert_int_equal(rl.path_id, 2);
	stop(w);
}

static void test_route_both_ask_at_once(void **state)
{
	struct world *w = *state;
	struct ntm_route_direction a, b;
	struct ntm_relay_direction rl;
	int i, pushes = 0;

	start(w);
	register_two(w, true);
	direction(w, 11, K11, 10, NTM_PEER_NODE, 12, NULL, 0);
	/* CN asks for MN before the RS answered: it waits for the same path. */
	direction(w, 12, K12, 20, NTM_PEER_NODE, 11, NULL, 0);
	assert_int_equal(w->nsent, 1);
	rl = rs_answers(w, 0, 7, KRS, "198.51.100.10", NTM_OK);
	/* Two answers, no push: both asked. */
	assert_int_equal(w->nsent, 3);
	a = answer_of(w, 1, 11, K11, 10);
	b = answer_of(w, 2, 12, K12, 20);
	assert_int_equal(a.path_id, rl.path_id);
	assert_int_equal(b.path_id, rl.path_id);
	assert_int_equal(a.leg, NTM_LEG_A);
	assert_int_equal(b.leg, NTM_LEG_B);
	assert_memory_equal(a.path_key, b.path_key, 32);
	/* Only the direct candidates follow. */
	w->nsent = 0;
	for (i = 0; i < 8; i++) {
		t_now += DC_PUSH_RETRY_MS;
		dc_out_run(&w->d);
	}
	for (i = 0; i < w->nsent; i++) {
		struct ntm_ctl_hdr h;
		union ntm_body m;
		uint32_t id = w->sent[i].to.addr[3] == 1 ? 11 : 12;

		open_sent(w, i, id, id == 11 ? K11 : K12, &h, &m);
		assert_int_equal(m.route_direction.route, NTM_ROUTE_DIRECT);
		pushes++;
	}
	assert_int_equal(pushes, 2 * DC_PUSH_TRIES);
	stop(w);
}

static void test_live_path_rs_gone(void **state)
{
	struct world *w = *state;
	struct ntm_route_direction rd;
	struct ntm_relay_direction rl;
	int i;

	snprintf(w->conf, sizeof(w->conf), "%s"
		 "rs rs1 198.51.100.10:7700 7 " KRS "\n", base_conf);
	start(w);
	register_two(w, true);
	direction(w, 11, K11, 30, NTM_PEER_NODE, 12, NULL, 0);
	rl = rs_answers(w, 0, 7, KRS, "198.51.100.10", NTM_OK);
	/* Asked again; the RS is gone: UNREACHABLE, and the path with it. */
	direction(w, 11, K11, 31, NTM_PEER_NODE, 12, NULL, 0);
	for (i = 0; i < DC_RELAY_TRIES + 1; i++) {
		t_now += DC_RELAY_RETRY_MS;
		dc_out_run(&w->d);
	}
	assert_null(dc_path_get(&w->d, rl.path_id));
	assert_null(w->d.pending);
	for (i = w->nsent - 1; i >= 0; i--) {
		struct ntm_ctl_hdr h;
		union ntm_body m;
		uint32_t kid = (uint32_t)w->sent[i].buf[7];

		if (kid != 11)
			continue;
		open_sent(w, i, 11, K11, &h, &m);
		if (h.txn_id == 31)
			break;
	}
	assert_true(i >= 0);
	rd = answer_of(w, i, 11, K11, 31);
	assert_int_equal(rd.status, NTM_E_UNREACHABLE);
	assert_string_equal(dc_db_count(w, "path"), "0");
	stop(w);
}

#define KP  "7070707070707070707070707070707070707070707070707070707070707070"
#define K21 "2121212121212121212121212121212121212121212121212121212121212121"

/* Message @i that @x sent goes to @y, from @from. */
static void deliver(struct world *x, int i, struct world *y, const char *from)
{
	struct ntm_addr src;

	ep(&src, from);
	dc_control_input(&y->d, x->sent[i].buf, x->sent[i].len, &src);
}

static void test_peer_dc(void **state)
{
	struct world *a = *state, *b = calloc(1, sizeof(*b));
	struct ntm_route_direction rd, pb;
	struct ntm_ctl_hdr h;
	union ntm_body m;
	char s[NTM_ADDR_FMT_LEN], cmd[160];
	int i;

	assert_non_null(b);
	snprintf(b->dir, sizeof(b->dir), "/tmp/test_dc.XXXXXX");
	assert_non_null(mkdtemp(b->dir));
	snprintf(a->conf, sizeof(a->conf), "%s"
		 "rs rs1 198.51.100.10:7700 7 " KRS "\n"
		 "peer-dc other.test 198.51.100.21:7700 100 " KP "\n", base_conf);
	snprintf(b->conf, sizeof(b->conf),
		 "zone other.test\naddress 198.51.100.21\nvip-pool 100.64.0.0/24\n"
		 "host-vip-pool 100.66.0.0/24\nnode 21 " K21 "\nnode 11 " K11 "\n"
		 "rs rs1 198.51.100.10:7700 9 " KRS "\n"
		 "peer-dc ntm.test 198.51.100.20:7700 100 " KP "\n");
	start(a);
	start(b);
	reg(a, 11, K11, 11, "mn.ntm.test", NULL, 300, "198.51.100.1:7702");
	reg(b, 21, K21, 21, "cn.other.test", NULL, 300, "198.51.100.2:7702");
	a->nsent = b->nsent = 0;

	/* Node 11 asks for node 21 of other.test, whose DC it names. */
	{
		union ntm_body q;

		memset(&q, 0, sizeof(q));
		q.direction_request.node_id = 11;
		q.direction_request.peer_kind = NTM_PEER_NODE;
		q.direction_request.peer_node_id = 21;
		ep(&q.direction_request.peer_dc, "198.51.100.21:7700");
		input(a, NTM_MSG_DIRECTION_REQUEST, 11, K11, 4000, &q, "198.51.100.1:7702");
	}
	assert_int_equal(a->nsent, 1);
	assert_string_equal(ntm_addr_fmt(&a->sent[0].to, s, sizeof(s)), "198.51.100.21:7700");
	open_sent(a, 0, 100, KP, &h, &m);
	assert_int_equal(h.type, NTM_MSG_DIRECTION_REQUEST);
	/* The peer DC directs its RS, then answers. */
	deliver(a, 0, b, "198.51.100.20:7700");
	assert_int_equal(b->nsent, 1);
	rs_answers(b, 0, 9, KRS, "198.51.100.10", NTM_OK);
	/* The answer to DC A, the push to node 21. */
	assert_int_equal(b->nsent, 3);
	open_sent(b, 1, 100, KP, &h, &m);
	assert_string_equal(ntm_addr_fmt(&b->sent[1].to, s, sizeof(s)), "198.51.100.20:7700");
	pb = answer_of(b, 2, 21, K21, 0);
	assert_int_equal(pb.leg, NTM_LEG_B);
	assert_string_equal(ntm_addr_fmt(&pb.peer_vip, s, sizeof(s)), "100.66.0.1");
	deliver(b, 1, a, "198.51.100.21:7700");
	/* Node 11 gets leg A of the peer DC's path. */
	assert_int_equal(a->nsent, 2);
	rd = answer_of(a, 1, 11, K11, 4000);
	assert_int_equal(rd.status, NTM_OK);
	assert_int_equal(rd.route, NTM_ROUTE_RS_S);
	assert_int_equal(rd.leg, NTM_LEG_A);
	assert_int_equal(rd.path_id, pb.path_id);
	assert_memory_equal(rd.path_key, pb.path_key, 32);
	assert_string_equal(ntm_addr_fmt(&rd.local_vip, s, sizeof(s)), "100.66.0.1");
	assert_string_equal(ntm_addr_fmt(&rd.peer_vip, s, sizeof(s)), "100.64.0.1");
	assert_string_equal(ntm_addr_fmt(&rd.tunnel, s, sizeof(s)), "198.51.100.10:7701");
	/* No direct candidate to a node the peer DC cannot reach. */
	b->nsent = 0;
	for (i = 0; i < 8; i++) {
		t_now += DC_PUSH_RETRY_MS;
		dc_out_run(&b->d);
	}
	for (i = 0; i < b->nsent; i++)
		assert_string_not_equal(ntm_addr_fmt(&b->sent[i].to, s, sizeof(s)),
					"198.51.100.20:7700");
	/* The foreign path survives B's restart, with its peer DC. */
	stop(b);
	start(b);
	assert_int_equal(dc_path_get(&b->d, pb.path_id)->peer_dc, 0);
	/* A node of B with the same id as the foreign one: its expiry does
	 * not take the foreign path down. */
	reg(b, 11, K11, 11, "eleven.other.test", NULL, 10, "198.51.100.9:7702");
	t_now += 11000;
	dc_expire(&b->d);
	assert_false(dc_node_live(&b->d, dc_node_get(&b->d, 11)));
	assert_non_null(dc_path_get(&b->d, pb.path_id));

	/* A peer DC that does not answer: UNREACHABLE to the node. */
	a->nsent = 0;
	{
		union ntm_body q;

		memset(&q, 0, sizeof(q));
		q.direction_request.node_id = 11;
		q.direction_request.peer_kind = NTM_PEER_NODE;
		q.direction_request.peer_node_id = 22;
		ep(&q.direction_request.peer_dc, "198.51.100.21:7700");
		input(a, NTM_MSG_DIRECTION_REQUEST, 11, K11, 4001, &q, "198.51.100.1:7702");
		/* A DC no peer-dc line names. */
		ep(&q.direction_request.peer_dc, "192.0.2.99:7700");
		input(a, NTM_MSG_DIRECTION_REQUEST, 11, K11, 4002, &q, "198.51.100.1:7702");
	}
	rd = answer_of(a, 1, 11, K11, 4002);
	assert_int_equal(rd.status, NTM_E_UNREACHABLE);
	for (i = 0; i < DC_RELAY_TRIES + 1; i++) {
		t_now += DC_RELAY_RETRY_MS;
		dc_out_run(&a->d);
	}
	rd = answer_of(a, a->nsent - 1, 11, K11, 4001);
	assert_int_equal(rd.status, NTM_E_UNREACHABLE);
	assert_null(a->d.forwards);

	stop(b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", b->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", b->dir);
	free(b);
	stop(a);
}

static void test_route_hosts(void **state)
{
	struct world *w = *state;
	struct ntm_route_direction rd;
	struct ntm_relay_direction rl;
	char s[NTM_ADDR_FMT_LEN];
	uint32_t n_id;

	start(w);
	register_two(w, true);
	/* RS-N: a host VIP, the data key for the RS. */
	direction(w, 11, K11, 800, NTM_PEER_HOST, 0, "198.51.100.30", 80);
	rl = rs_answers(w, 0, 7, KRS, "198.51.100.10", NTM_OK);
	assert_int_equal(rl.rs_type, NTM_RS_TYPE_N);
	assert_string_equal(ntm_addr_fmt(&rl.host, s, sizeof(s)), "198.51.100.30");
	assert_string_equal(ntm_addr_fmt(&rl.leg_b_vip, s, sizeof(s)), "100.65.0.1");
	assert_false(memcmp(rl.data_key, (uint8_t[32]){ 0 }, 32) == 0);
	rd = answer_of(w, 1, 11, K11, 800);
	assert_int_equal(rd.route, NTM_ROUTE_RS_N);
	assert_string_equal(ntm_addr_fmt(&rd.peer_vip, s, sizeof(s)), "100.65.0.1");
	assert_string_equal(ntm_addr_fmt(&rd.local_vip, s, sizeof(s)), "100.64.0.1");
	n_id = rd.path_id;
	/* Another node, same host: the same host VIP (stable per host), on
	 * rs2, which has fewer paths. */
	w->nsent = 0;
	direction(w, 12, K12, 801, NTM_PEER_HOST, 0, "198.51.100.30", 80);
	rl = rs_answers(w, 0, 8, KRS2, "198.51.100.11", NTM_OK);
	assert_string_equal(ntm_addr_fmt(&rl.leg_b_vip, s, sizeof(s)), "100.65.0.1");
	/* RS-T by port: an rst-pool address (a /30 of rs1: two), host real. */
	w->nsent = 0;
	direction(w, 11, K11, 802, NTM_PEER_HOST, 0, "198.51.100.40", 5060);
	assert_int_equal(w->nsent, 1);
	assert_string_equal(ntm_addr_fmt(&w->sent[0].to, s, sizeof(s)), "198.51.100.10:7700");
	rl = rs_answers(w, 0, 7, KRS, "198.51.100.10", NTM_OK);
	assert_int_equal(rl.rs_type, NTM_RS_TYPE_T);
	assert_string_equal(ntm_addr_fmt(&rl.leg_a_vip, s, sizeof(s)), "203.0.113.1");
	assert_string_equal(ntm_addr_fmt(&rl.leg_b_vip, s, sizeof(s)), "198.51.100.40");
	rd = answer_of(w, 1, 11, K11, 802);
	assert_int_equal(rd.route, NTM_ROUTE_RS_T);
	assert_string_equal(ntm_addr_fmt(&rd.local_vip, s, sizeof(s)), "203.0.113.1");
	/* RS-T by host: sip is marked rs-t; the next free address. */
	w->nsent = 0;
	direction(w, 11, K11, 803, NTM_PEER_HOST, 0, "198.51.100.31", 0);
	rl = rs_answers(w, 0, 7, KRS, "198.51.100.10", NTM_OK);
	assert_int_equal(rl.rs_type, NTM_RS_TYPE_T);
	assert_string_equal(ntm_addr_fmt(&rl.leg_a_vip, s, sizeof(s)), "203.0.113.2");
	/* The pool is used up: POOL_EXHAUSTED is not an answer here, no RS
	 * can take it: UNREACHABLE. */
	w->nsent = 0;
	direction(w, 11, K11, 804, NTM_PEER_HOST, 0, "198.51.100.41", 5060);
	rd = answer_of(w, 0, 11, K11, 804);
	assert_int_equal(rd.status, NTM_E_UNREACHABLE);
	/* Teardown of the RS-N path by MN: Path Teardown to rs1, gone. */
	w->nsent = 0;
	{
		union ntm_body b;
		struct ntm_ctl_hdr h;
		union ntm_body a;

		memset(&b, 0, sizeof(b));
		b.path_teardown.path_id = n_id;
		/* Not CN's path. */
		input(w, NTM_MSG_PATH_TEARDOWN, 12, K12, 900, &b, "198.51.100.2:7702");
		open_sent(w, 0, 12, K12, &h, &a);
		assert_int_equal(h.type, NTM_MSG_ERROR);
		assert_int_equal(a.error.status, NTM_E_REFUSED);
		input(w, NTM_MSG_PATH_TEARDOWN, 11, K11, 901, &b, "198.51.100.1:7702");
		assert_int_equal(w->nsent, 3);
		open_sent(w, 1, 7, KRS, &h, &a);
		assert_int_equal(h.type, NTM_MSG_PATH_TEARDOWN);
		assert_int_equal(a.path_teardown.path_id, n_id);
		open_sent(w, 2, 11, K11, &h, &a);
		assert_int_equal(h.type, NTM_MSG_PATH_TEARDOWN);
		assert_null(dc_path_get(&w->d, n_id));
		/* Again: idempotent. */
		input(w, NTM_MSG_PATH_TEARDOWN, 11, K11, 902, &b, "198.51.100.1:7702");
		open_sent(w, 3, 11, K11, &h, &a);
		assert_int_equal(h.type, NTM_MSG_PATH_TEARDOWN);
	}
	stop(w);
}

static void test_route_refusals(void **state)
{
	struct world *w = *state;
	struct ntm_route_direction rd;

	snprintf(w->conf, sizeof(w->conf), "zone ntm.test\naddress 198.51.100.20\n"
		 "vip-pool 100.64.0.0/24\nnode 11 " K11 "\nnode 12 " K12 "\n"
		 "node 13 " K13 "\n");
	start(w);
	/* Not registered. */
	direction(w, 11, K11, 1, NTM_PEER_NODE, 12, NULL, 0);
	rd = answer_of(w, 0, 11, K11, 1);
	assert_int_equal(rd.status, NTM_E_REFUSED);
	register_two(w, true);
	/* Both behind NATs, but no RS at all. */
	direction(w, 11, K11, 2, NTM_PEER_NODE, 12, NULL, 0);
	rd = answer_of(w, 0, 11, K11, 2);
	assert_int_equal(rd.status, NTM_E_UNREACHABLE);
	assert_int_equal(rd.path_id, 0);
	/* RS-N without a host-vip-pool. */
	direction(w, 11, K11, 3, NTM_PEER_HOST, 0, "198.51.100.30", 0);
	rd = answer_of(w, 1, 11, K11, 3);
	assert_int_equal(rd.status, NTM_E_UNREACHABLE);
	/* Itself. */
	direction(w, 11, K11, 4, NTM_PEER_NODE, 11, NULL, 0);
	rd = answer_of(w, 2, 11, K11, 4);
	assert_int_equal(rd.status, NTM_E_REFUSED);
	stop(w);
}

static void test_expiry_tears_down(void **state)
{
	struct world *w = *state;
	struct ntm_ctl_hdr h;
	union ntm_body a;
	struct ntm_relay_direction rl;
	int i;

	start(w);
	register_two(w, true);
	direction(w, 11, K11, 5, NTM_PEER_NODE, 12, NULL, 0);
	rl = rs_answers(w, 0, 7, KRS, "198.51.100.10", NTM_OK);
	assert_non_null(dc_path_get(&w->d, rl.path_id));
	/* Let the pushes go. */
	for (i = 0; i < 8; i++) {
		t_now += DC_PUSH_RETRY_MS;
		dc_out_run(&w->d);
	}
	w->nsent = 0;
	/* CN re-registers in time (with its VIP, as a refresh), MN does not. */
	t_now += 200000;
	reg(w, 12, K12, 12, "cn.ntm.test", "100.64.0.2", 300, "198.51.100.2:7702");
	t_now += 100000;
	dc_expire(&w->d);
	assert_null(dc_path_get(&w->d, rl.path_id));
	assert_int_equal(w->nsent, 2);
	open_sent(w, 1, 7, KRS, &h, &a);
	assert_int_equal(h.type, NTM_MSG_PATH_TEARDOWN);
	assert_int_equal(a.path_teardown.path_id, rl.path_id);
	assert_int_equal(a.path_teardown.reason, NTM_TEARDOWN_EXPIRED);
	/* The RS answers; nothing more is sent. */
	{
		union ntm_body b;

		memset(&b, 0, sizeof(b));
		b.direction_response.status = NTM_OK;
		b.direction_response.path_id = rl.path_id;
		input(w, NTM_MSG_DIRECTION_RESPONSE, 7, KRS, h.txn_id, &b, "198.51.100.10:7700");
		dc_out_run(&w->d);
		assert_null(w->d.outbox);
	}
	stop(w);
}

/* A node registering from a new endpoint (with its VIP as hint) moved: both
 * ends of its RS-S path get direct candidates naming the new endpoint. A
 * live node registering without a hint restarted: its path is pushed to it
 * again, after the Registration Response. */
static void test_node_moved_and_restarted(void **state)
{
	struct world *w = *state;
	struct ntm_relay_direction rl;
	struct ntm_registration_response rr;
	char s[NTM_ADDR_FMT_LEN];
	int i, cand_a = 0, cand_b = 0, pushed = 0;

	start(w);
	register_two(w, true);
	direction(w, 11, K11, 800, NTM_PEER_NODE, 12, NULL, 0);
	rl = rs_answers(w, 0, 7, KRS, "198.51.100.10", NTM_OK);
	for (i = 0; i < 8; i++) {
		t_now += DC_PUSH_RETRY_MS;
		dc_out_run(&w->d);
	}
	assert_null(w->d.outbox);

	w->nsent = 0;
	rr = reg(w, 11, K11, 11, "mn.ntm.test", "100.64.0.1", 300, "198.51.100.3:7702");
	assert_int_equal(rr.status, NTM_OK);
	assert_string_equal(ntm_addr_fmt(&rr.vip, s, sizeof(s)), "100.64.0.1");
	for (i = 0; i < 8; i++) {
		t_now += DC_PUSH_RETRY_MS;
		dc_out_run(&w->d);
	}
	for (i = 1; i < w->nsent; i++) {
		struct ntm_ctl_hdr h;
		union ntm_body b;
		uint32_t id = w->sent[i].to.addr[3] == 2 ? 12 : 11;

		open_sent(w, i, id, id == 11 ? K11 : K12, &h, &b);
		assert_int_equal(b.route_direction.route, NTM_ROUTE_DIRECT);
		assert_int_equal(b.route_direction.path_id, rl.path_id);
		ntm_addr_fmt(&b.route_direction.tunnel, s, sizeof(s));
		if (id == 11) {
			cand_a++;
			assert_string_equal(s, "198.51.100.2:7702");
			assert_string_equal(ntm_addr_fmt(&w->sent[i].to, s, sizeof(s)),
					    "198.51.100.3:7702");
		} else {
			cand_b++;
			assert_string_equal(s, "198.51.100.3:7702");
		}
	}
	assert_int_equal(cand_a, DC_PUSH_TRIES);
	assert_int_equal(cand_b, DC_PUSH_TRIES);

	/* CN restarts: no hint. The answer first, then its leg of the path. */
	w->nsent = 0;
	rr = reg(w, 12, K12, 12, "cn.ntm.test", NULL, 300, "198.51.100.2:7702");
	assert_int_equal(rr.status, NTM_OK);
	assert_string_equal(ntm_addr_fmt(&rr.vip, s, sizeof(s)), "100.64.0.2");
	assert_int_equal(w->nsent, 1);
	t_now += DC_RESTART_PUSH_MS;
	dc_out_run(&w->d);
	for (i = 1; i < w->nsent; i++) {
		struct ntm_route_direction rd = answer_of(w, i, 12, K12, 0);

		if (rd.route != NTM_ROUTE_RS_S)
			continue;
		pushed++;
		assert_int_equal(rd.path_id, rl.path_id);
		assert_int_equal(rd.leg, NTM_LEG_B);
		assert_string_equal(ntm_addr_fmt(&rd.tunnel, s, sizeof(s)), "198.51.100.10:7701");
	}
	assert_int_equal(pushed, 1);
	stop(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_vip_sticky_and_unique),
		T(test_vip_pool_exhausted_and_taken_back),
		T(test_registration_refusals),
		T(test_retransmission_same_answer),
		T(test_expiry_and_dns_lookup),
		T(test_route_direct),
		T(test_route_rs_s_with_failover),
		T(test_route_both_ask_at_once),
		T(test_live_path_rs_gone),
		T(test_peer_dc),
		T(test_route_hosts),
		T(test_route_refusals),
		T(test_expiry_tears_down),
		T(test_node_moved_and_restarted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
