// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-rsd's logic (daemon/ntm-rsd): the configuration parser, the control
 * port (Relay Direction, Tunnel Request, Path Teardown, retransmissions,
 * what is never answered), the SQLite store, the transaction cache, the
 * datapath's notifications and the start-up reconciliation after a crash at
 * each crash point.
 *
 * The daemon's files are compiled into this test; the datapath
 * (struct ntm_dp_ops) and nft.c (nftables, conntrack) are fakes whose state
 * lives in a shared mapping, so that a forked child can abort() at a crash
 * point and the parent see exactly what it left behind: the store file, the
 * fake relay table and the fake nft table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "../../daemon/ntm-rsd/config.c"
#include "../../daemon/ntm-rsd/control.c"
#include "../../daemon/ntm-rsd/path.c"
#include "../../daemon/ntm-rsd/reconcile.c"
#include "../../daemon/ntm-rsd/store.c"

#define HEX64 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define DC_KEY_ID	7u
#define T_NOW		1700000000000ULL
#define MAXP		64

/* ---- the fake world: relay table, nft table, conntrack flushes --------- */

struct fake_world {
	struct ntm_path dp[MAXP];
	bool dp_used[MAXP];
	int dp_puts, dp_sets, dp_dels;
	int dp_fail_put;		/* next path_put returns this */
	bool dp_no_tunnel;
	struct ntm_relay_direction nft[MAXP];
	bool nft_used[MAXP];
	int nft_applies;
	int nft_fail;			/* next apply returns this */
	int ct_flushes[MAXP];
};

static struct fake_world *w;

struct ntm_dp {
	int unused;
};

static struct ntm_dp fake_dp_handle;

static int fslot(uint32_t id)
{
	int i;

	for (i = 0; i < MAXP; i++)
		if (w->dp_used[i] && w->dp[i].id == id)
			return i;
	return -1;
}

static int f_open(struct ntm_dp **dp, const struct ntm_dp_config *cfg)
{
	*dp = &fake_dp_handle;
	return 0;
}

static void f_close(struct ntm_dp *dp)
{
}

/* As nf_ntm does: NEW refuses an existing id, SET keeps what is absent. */
static int f_path_put(struct ntm_dp *dp, const struct ntm_path *p, bool create)
{
	int i = fslot(p->id), leg, ret;

	if (w->dp_fail_put) {
		ret = w->dp_fail_put;
		w->dp_fail_put = 0;
		return ret;
	}
	if (create) {
		if (i >= 0)
			return -EEXIST;
		for (i = 0; i < MAXP && w->dp_used[i]; i++)
			;
		assert_true(i < MAXP);
		w->dp[i] = *p;
		w->dp_used[i] = true;
		w->dp_puts++;
		return 0;
	}
	if (i < 0)
		return -ENOENT;
	if ((p->has & NTM_PATH_HAS_TYPE) && p->type != w->dp[i].type)
		return -EINVAL;
	if (p->has & NTM_PATH_HAS_REFRESH)
		w->dp[i].refresh = p->refresh;
	if (p->has & NTM_PATH_HAS_RELAY_KEY)
		memcpy(w->dp[i].relay_key, p->relay_key, sizeof(p->relay_key));
	if (p->has & NTM_PATH_HAS_DATA_KEY)
		memcpy(w->dp[i].data_key, p->data_key, sizeof(p->data_key));
	for (leg = 0; leg < 2; leg++) {
		if (p->leg[leg].endpoint.ss_family != AF_UNSPEC)
			w->dp[i].leg[leg].endpoint = p->leg[leg].endpoint;
		if (p->leg[leg].vip.family != AF_UNSPEC)
			w->dp[i].leg[leg].vip = p->leg[leg].vip;
	}
	w->dp_sets++;
	return 0;
}

static int f_path_del(struct ntm_dp *dp, uint32_t id)
{
	int i = fslot(id);

	if (i < 0)
		return -ENOENT;
	w->dp_used[i] = false;
	w->dp_dels++;
	return 0;
}

static int f_path_get(struct ntm_dp *dp, uint32_t id, struct ntm_path *out)
{
	int i = fslot(id);

	if (i < 0)
		return -ENOENT;
	*out = w->dp[i];
	return 0;
}

static int f_path_dump(struct ntm_dp *dp, ntm_nl_path_cb cb, void *arg)
{
	int i, n = 0, ret;

	for (i = 0; i < MAXP; i++) {
		if (!w->dp_used[i])
			continue;
		ret = cb(&w->dp[i], arg);
		if (ret < 0)
			return ret;
		n++;
	}
	return n;
}

static int f_flush(struct ntm_dp *dp)
{
	memset(w->dp_used, 0, sizeof(w->dp_used));
	return 0;
}

static int f_tunnel_get(struct ntm_dp *dp, struct ntm_tunnel_info *info)
{
	memset(info, 0, sizeof(*info));
	return w->dp_no_tunnel ? -ENOENT : 0;
}

static int f_fds(struct ntm_dp *dp, int *fds, int max)
{
	return 0;
}

static int f_handle(struct ntm_dp *dp, int fd)
{
	return 0;
}

static void f_tick(struct ntm_dp *dp, uint64_t now_ms)
{
}

static const struct ntm_dp_ops fake_dp_ops = {
	.name = "fake",
	.open = f_open,
	.close = f_close,
	.path_put = f_path_put,
	.path_del = f_path_del,
	.path_get = f_path_get,
	.path_dump = f_path_dump,
	.flush = f_flush,
	.tunnel_get = f_tunnel_get,
	.fds = f_fds,
	.handle = f_handle,
	.tick = f_tick,
};

/* nft.c's functions, faked: one record per PathID (RS-N, RS-T only). */
int rsd_nft_open(struct rsd *r)
{
	return 0;
}

void rsd_nft_close(struct rsd *r)
{
}

static int nslot(uint32_t id)
{
	int i;

	for (i = 0; i < MAXP; i++)
		if (w->nft_used[i] && w->nft[i].path_id == id)
			return i;
	return -1;
}

int rsd_nft_apply(struct rsd *r, const struct ntm_relay_direction *old,
		  const struct ntm_relay_direction *new)
{
	const struct ntm_relay_direction *any = new ? new : old;
	int i, ret;

	if (!any || any->rs_type == NTM_RS_TYPE_S)
		return 0;
	if (w->nft_fail) {
		ret = w->nft_fail;
		w->nft_fail = 0;
		return ret;
	}
	w->nft_applies++;
	i = nslot(any->path_id);
	if (!new) {
		if (i >= 0)
			w->nft_used[i] = false;
		return 0;
	}
	if (i < 0)
		for (i = 0; i < MAXP && w->nft_used[i]; i++)
			;
	assert_true(i < MAXP);
	w->nft[i] = *new;
	w->nft_used[i] = true;
	return 0;
}

int rsd_nft_orphans(struct rsd *r, int (*keep)(void *arg, uint32_t id),
		    void *arg)
{
	int i, n = 0;

	for (i = 0; i < MAXP; i++) {
		if (w->nft_used[i] && !keep(arg, w->nft[i].path_id)) {
			w->nft_used[i] = false;
			n++;
		}
	}
	return n;
}

int rsd_ct_flush(struct rsd *r, uint32_t id)
{
	if (id < MAXP)
		w->ct_flushes[id]++;
	return 0;
}

/* ---- clock and randomness ------------------------------------------------ */

static uint64_t t_now = T_NOW;
static uint64_t t_rand_ctr;

static uint64_t t_now_fn(void *arg)
{
	return t_now;
}

static int t_random_fn(void *arg, uint8_t *buf, size_t len)
{
	size_t i;

	/* Distinct every call (and in a forked child, from another range). */
	t_rand_ctr++;
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)((t_rand_ctr * 2654435761u) >> ((i % 4) * 8)) ^ (uint8_t)i;
	if (len >= 8)
		ntm_put_be64(buf, t_rand_ctr + ((uint64_t)getpid() << 32));
	return NTM_OK;
}

static const struct ntm_ctl_env t_env = {
	.now_ms = t_now_fn, .random = t_random_fn,
};

/* ---- the daemon under test -------------------------------------------------- */

static uint8_t dc_key[32];
static char store_path[256];
static struct rsd_config cfg;
static struct rsd rr;
static struct rsd *r = &rr;

static void rsd_up(void)
{
	char err[256];

	memset(r, 0, sizeof(*r));
	r->cfg = &cfg;
	r->env = &t_env;
	r->dp_ops = &fake_dp_ops;
	r->dp = &fake_dp_handle;
	r->ctl_fd = -1;
	r->dp_fresh = true;
	rsd_control_endpoints(r);
	r->nonces = ntm_nonce_cache_new(1024, &t_env);
	r->txns = rsd_txn_new(64);
	assert_non_null(r->nonces);
	assert_non_null(r->txns);
	if (rsd_store_open(&r->store, store_path, err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

static void rsd_down(void)
{
	ntm_ratelimit_free(r->rl);
	r->rl = NULL;
	rsd_store_close(r->store);
	rsd_txn_free(r->txns);
	ntm_nonce_cache_free(r->nonces);
	r->store = NULL;
	r->txns = NULL;
	r->nonces = NULL;
}

static int setup(void **state)
{
	static const char conf[] =
		"control 0.0.0.0:7700\n"
		"tunnel-address 198.51.100.10\n"
		"dc-key 7 " HEX64 "\n";
	char dir[] = "/tmp/test_rsd.XXXXXX", err[256];
	FILE *f;

	w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(w != MAP_FAILED);
	memset(w, 0, sizeof(*w));
	assert_non_null(mkdtemp(dir));
	snprintf(store_path, sizeof(store_path), "%s/rsd.db", dir);
	rsd_config_init(&cfg);
	f = fmemopen((void *)conf, strlen(conf), "r");
	assert_non_null(f);
	if (rsd_config_parse(f, "test.conf", &cfg, err, sizeof(err)))
		fail_msg("%s", err);
	fclose(f);
	memcpy(dc_key, cfg.keys[0].key, sizeof(dc_key));
	rsd_log_open(getenv("TEST_RSD_DEBUG") ? RSD_LOG_DEBUG : RSD_LOG_ERROR, false);
	t_now = T_NOW;
	rsd_up();
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	rsd_down();
	rsd_config_free(&cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf \"$(dirname %s)\"", store_path);
	if (system(cmd) != 0)
		return -1;
	munmap(w, sizeof(*w));
	return 0;
}

/* ---- building and opening messages ------------------------------------------ */

static struct ntm_addr ip4(const char *s, uint16_t port)
{
	struct ntm_addr a;

	memset(&a, 0, sizeof(a));
	a.family = NTM_AF_INET;
	a.port = port;
	assert_int_equal(inet_pton(AF_INET, s, a.addr), 1);
	return a;
}

static void t_keys(uint32_t id, struct ntm_path_keys *k)
{
	uint8_t pk[32];
	int i;

	for (i = 0; i < 32; i++)
		pk[i] = (uint8_t)(i + id);
	assert_int_equal(ntm_path_keys_derive(pk, k), NTM_OK);
}

static struct ntm_relay_direction rd_s(uint32_t id)
{
	struct ntm_relay_direction rd;
	struct ntm_path_keys k;

	memset(&rd, 0, sizeof(rd));
	t_keys(id, &k);
	rd.path_id = id;
	rd.rs_type = NTM_RS_TYPE_S;
	rd.refresh = 60;
	rd.leg_a_vip = ip4("100.64.0.1", 0);
	rd.leg_b_vip = ip4("100.64.0.2", 0);
	memcpy(rd.relay_key, k.relay, 16);
	memcpy(rd.tunnel_key, k.tunnel, 32);
	return rd;
}

static struct ntm_relay_direction rd_n(uint32_t id)
{
	struct ntm_relay_direction rd;
	struct ntm_path_keys k;

	memset(&rd, 0, sizeof(rd));
	t_keys(id, &k);
	rd.path_id = id;
	rd.rs_type = NTM_RS_TYPE_N;
	rd.refresh = 300;
	rd.leg_a_vip = ip4("100.64.0.1", 0);
	rd.leg_b_vip = ip4("100.65.0.30", 0);
	rd.host = ip4("198.51.100.30", 0);
	memcpy(rd.relay_key, k.relay, 16);
	memcpy(rd.data_key, k.data, 32);
	memcpy(rd.tunnel_key, k.tunnel, 32);
	return rd;
}

static struct sockaddr_storage src_of(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
	return ss;
}

/* What the daemon answered, opened. */
struct reply {
	size_t len;
	struct ntm_ctl_hdr h;
	union ntm_body b;
};

static uint8_t reply_key[32];

static int reply_lookup(void *arg, uint8_t type, uint32_t key_id, uint8_t *key)
{
	memcpy(key, reply_key, 32);
	return NTM_OK;
}

static uint8_t last_msg[NTM_CTL_MAX_LEN];
static size_t last_len;

/* Seal @b as @type under @key, hand it to the daemon from @src, open the
 * answer (if any) with the same key. */
static struct reply t_send_from(uint8_t type, uint32_t key_id, uint64_t txn,
				const uint8_t key[32], const union ntm_body *b,
				const struct sockaddr_storage *src)
{
	uint8_t out[NTM_CTL_MAX_LEN];
	struct reply rp;
	ssize_t n;

	memset(&rp, 0, sizeof(rp));
	n = ntm_ctl_seal(&t_env, type, key_id, txn, key, b, last_msg,
			 sizeof(last_msg));
	assert_true(n > 0);
	last_len = (size_t)n;
	rp.len = rsd_control_input(r, last_msg, last_len, src, out, sizeof(out));
	if (rp.len) {
		memcpy(reply_key, key, 32);
		assert_int_equal(ntm_ctl_open(out, rp.len, reply_lookup, NULL, NULL,
					      t_now, &rp.h, &rp.b), NTM_OK);
		assert_int_equal(rp.h.txn_id, txn);
		assert_int_equal(rp.h.key_id, key_id);
	}
	return rp;
}

static struct reply t_send(uint8_t type, uint32_t key_id, uint64_t txn,
			   const uint8_t key[32], const union ntm_body *b)
{
	struct sockaddr_storage src = src_of("192.0.2.1", 7700);

	return t_send_from(type, key_id, txn, key, b, &src);
}

static struct reply t_direct(const struct ntm_relay_direction *rd, uint64_t txn)
{
	union ntm_body b;

	memset(&b, 0, sizeof(b));
	b.relay_direction = *rd;
	return t_send(NTM_MSG_RELAY_DIRECTION, DC_KEY_ID, txn, dc_key, &b);
}

static struct reply t_teardown(uint32_t id, uint64_t txn)
{
	union ntm_body b;

	memset(&b, 0, sizeof(b));
	b.path_teardown.path_id = id;
	b.path_teardown.reason = NTM_TEARDOWN_CLOSED;
	return t_send(NTM_MSG_PATH_TEARDOWN, DC_KEY_ID, txn, dc_key, &b);
}

static void assert_dr(const struct reply *rp, int status, uint32_t id)
{
	char a[NTM_ADDR_FMT_LEN];

	assert_true(rp->len > 0);
	assert_int_equal(rp->h.type, NTM_MSG_DIRECTION_RESPONSE);
	assert_int_equal(rp->b.direction_response.status, status);
	assert_int_equal(rp->b.direction_response.path_id, id);
	assert_string_equal(ntm_addr_fmt(&rp->b.direction_response.tunnel, a, sizeof(a)),
			    "198.51.100.10:7701");
	assert_string_equal(ntm_addr_fmt(&rp->b.direction_response.control, a, sizeof(a)),
			    "198.51.100.10:7700");
}

static void assert_error(const struct reply *rp, int status, uint8_t type)
{
	assert_true(rp->len > 0);
	assert_int_equal(rp->h.type, NTM_MSG_ERROR);
	assert_int_equal(rp->b.error.status, status);
	assert_int_equal(rp->b.error.type, type);
}

static int row_state(uint32_t id)
{
	struct rsd_row row;
	int ret = rsd_store_get(r->store, id, &row);

	return ret < 0 ? ret : (int)row.state;
}

/* The whole path, as installed: store row, datapath (keys), nft. */
static void assert_installed(const struct ntm_relay_direction *rd)
{
	struct rsd_row row;
	int i = fslot(rd->path_id);

	assert_int_equal(rsd_store_get(r->store, rd->path_id, &row), 0);
	assert_int_equal(row.state, RSD_INSTALLED);
	assert_true(rsd_rd_equal(&row.rd, rd));
	assert_true(i >= 0);
	assert_int_equal(w->dp[i].type, rd->rs_type);
	assert_int_equal(w->dp[i].refresh, rd->refresh);
	assert_memory_equal(w->dp[i].relay_key, rd->relay_key, 16);
	if (rd->rs_type != NTM_RS_TYPE_S) {
		assert_true(w->dp[i].has & NTM_PATH_HAS_DATA_KEY);
		assert_memory_equal(w->dp[i].data_key, rd->data_key, 32);
		assert_true(nslot(rd->path_id) >= 0);
		assert_true(rsd_rd_equal(&w->nft[nslot(rd->path_id)], rd));
	} else {
		assert_false(w->dp[i].has & NTM_PATH_HAS_DATA_KEY);
		assert_true(nslot(rd->path_id) < 0);
	}
}

static void assert_absent(uint32_t id)
{
	assert_int_equal(row_state(id), -ENOENT);
	assert_true(fslot(id) < 0);
	assert_true(nslot(id) < 0);
}

/* ---- configuration ------------------------------------------------------------ */

static int t_parse(const char *text, struct rsd_config *c, char *err, size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	rsd_config_init(c);
	ret = rsd_config_parse(f, "rsd.conf", c, err, len);
	fclose(f);
	return ret;
}

static void config_rejects(const char *text, const char *needle)
{
	struct rsd_config c;
	char err[512];

	if (t_parse(text, &c, err, sizeof(err)) == 0)
		fail_msg("accepted, expected an error about \"%s\":\n%s", needle, text);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
	rsd_config_free(&c);
}

static void test_config_valid(void **state)
{
	static const char text[] =
		"# an RS\n"
		"\n"
		"control [::]:7710   # dual stack\n"
		"tunnel-address 198.51.100.10\n"
		"tunnel-port 7711\n"
		"tunnel-dev ntm1\n"
		"max-paths 1000\n"
		"store /var/lib/x/rsd.db\n"
		"datapath kernel\n"
		"log syslog\n"
		"log-level debug\n"
		"route 100.64.0.0/16\n"
		"route 203.0.113.0/28\n"
		"\tdc-key 1 " HEX64 "\n"
		"dc-key 4294967295 " HEX64 "\n";
	struct rsd_config c;
	char err[512], a[64];

	if (t_parse(text, &c, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(ntm_nl_fmt_endpoint(&c.control, a, sizeof(a)), "[::]:7710");
	assert_string_equal(ntm_addr_fmt(&c.tunnel_addr, a, sizeof(a)),
			    "198.51.100.10:7711");
	assert_int_equal(c.tunnel_port, 7711);
	assert_string_equal(c.tunnel_dev, "ntm1");
	assert_int_equal(c.max_paths, 1000);
	assert_string_equal(c.store, "/var/lib/x/rsd.db");
	assert_int_equal(c.datapath, RSD_DP_KERNEL);
	assert_true(c.log_syslog);
	assert_int_equal(c.log_level, RSD_LOG_DEBUG);
	assert_int_equal(c.nroutes, 2);
	assert_int_equal(c.routes[1].plen, 28);
	assert_int_equal(c.nkeys, 2);
	assert_non_null(rsd_config_key(&c, 4294967295u));
	assert_null(rsd_config_key(&c, 2));
	assert_int_equal(c.keys[0].key[31], 0x1f);
	rsd_config_free(&c);

	/* Defaults. */
	if (t_parse("tunnel-address 192.0.2.1\ndc-key 9 " HEX64 "\n", &c, err,
		    sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(ntm_nl_fmt_endpoint(&c.control, a, sizeof(a)),
			    "0.0.0.0:7700");
	assert_int_equal(c.tunnel_port, 7701);
	assert_string_equal(c.tunnel_dev, "ntm0");
	assert_string_equal(c.store, RSD_DEFAULT_STORE);
	assert_int_equal(c.datapath, RSD_DP_AUTO);
	assert_false(c.log_syslog);
	assert_int_equal(c.log_level, RSD_LOG_INFO);
	rsd_config_free(&c);
}

static void test_config_errors(void **state)
{
	const char *base = "tunnel-address 192.0.2.1\ndc-key 9 " HEX64 "\n";
	char text[1024];

	config_rejects("tunnel-address 192.0.2.1\nfoo bar\n",
		       "rsd.conf:2: unknown directive \"foo\"");
	config_rejects("dc-key 1 0011\n", "rsd.conf:1: dc-key 1: expected 64 hex digits");
	config_rejects("dc-key x " HEX64 "\n", "rsd.conf:1: dc-key: KEYID");
	snprintf(text, sizeof(text), "%sdc-key 9 " HEX64 "\n", base);
	config_rejects(text, "rsd.conf:3: dc-key: key id 9 is given twice");
	config_rejects("dc-key 9 " HEX64 "\n", "rsd.conf: no tunnel-address");
	config_rejects("tunnel-address 192.0.2.1\n", "rsd.conf: no dc-key");
	snprintf(text, sizeof(text), "%scontrol 1.2.3.4\n", base);
	config_rejects(text, "rsd.conf:3: control: expected ADDR:PORT");
	snprintf(text, sizeof(text), "%stunnel-address 192.0.2.2\n", base);
	config_rejects(text, "rsd.conf:3: tunnel-address is given twice");
	config_rejects("tunnel-address 0.0.0.0\n", "rsd.conf:1: tunnel-address: 0.0.0.0");
	config_rejects("tunnel-address 192.0.2.1:7701\n", "rsd.conf:1: tunnel-address: expected");
	snprintf(text, sizeof(text), "%sdatapath fast\n", base);
	config_rejects(text, "rsd.conf:3: datapath: expected auto, kernel or user");
	snprintf(text, sizeof(text), "%stunnel-port 0\n", base);
	config_rejects(text, "rsd.conf:3: tunnel-port: expected 1..65535");
	snprintf(text, sizeof(text), "%sstore relative.db\n", base);
	config_rejects(text, "rsd.conf:3: store: expected an absolute path");
	snprintf(text, sizeof(text), "%slog-level loud\n", base);
	config_rejects(text, "rsd.conf:3: log-level: expected");
	snprintf(text, sizeof(text), "%slog journal\n", base);
	config_rejects(text, "rsd.conf:3: log: expected stderr or syslog");
	snprintf(text, sizeof(text), "%sroute 100.64.0.1/16\n", base);
	config_rejects(text, "rsd.conf:3: route: expected a prefix");
	snprintf(text, sizeof(text), "%stunnel-dev a/b\n", base);
	config_rejects(text, "rsd.conf:3: tunnel-dev: expected an interface name");
	snprintf(text, sizeof(text), "%smax-paths 0\n", base);
	config_rejects(text, "rsd.conf:3: max-paths: expected 1..4294967295");
	config_rejects("tunnel-address\n", "rsd.conf:1: tunnel-address: expected \"tunnel-address ADDR\"");
	config_rejects("tunnel-address 1.2.3.4 5.6.7.8\n", "rsd.conf:1: tunnel-address: expected");
	config_rejects("control 0.0.0.0:1 x x x x x x x x\n", "rsd.conf:1: control: expected");
}

static void test_config_rate(void **state)
{
	const char *base = "tunnel-address 192.0.2.1\ndc-key 9 " HEX64 "\n";
	struct rsd_config c;
	char text[1024], err[512];

	/* Defaults: limited out of the box. */
	if (t_parse(base, &c, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(c.rl.rate, NTM_RL_DEFAULT_RATE);
	assert_int_equal(c.rl.burst, NTM_RL_DEFAULT_BURST);
	assert_int_equal(c.rl.total_rate, NTM_RL_DEFAULT_TOTAL_RATE);
	assert_int_equal(c.rl.max_sources, NTM_RL_DEFAULT_SOURCES);
	assert_int_equal(c.nrl_exempt, 0);
	rsd_config_free(&c);
	snprintf(text, sizeof(text),
		 "%scontrol-rate 50 100\ncontrol-rate-total 0 0\n"
		 "control-rate-sources 128\ncontrol-rate-exempt 198.51.100.20\n"
		 "control-rate-exempt 2001:db8::/32\n", base);
	if (t_parse(text, &c, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(c.rl.rate, 50);
	assert_int_equal(c.rl.burst, 100);
	assert_int_equal(c.rl.total_rate, 0);
	assert_int_equal(c.rl.max_sources, 128);
	assert_int_equal(c.nrl_exempt, 2);
	assert_int_equal(c.rl_exempt[0].plen, 32);
	assert_int_equal(c.rl_exempt[1].family, AF_INET6);
	rsd_config_free(&c);

	snprintf(text, sizeof(text), "%scontrol-rate 10 0\n", base);
	config_rejects(text, "rsd.conf:3: control-rate: BURST: expected 1..4294967295");
	snprintf(text, sizeof(text), "%scontrol-rate 0 5\n", base);
	config_rejects(text, "rsd.conf:3: control-rate: BURST: expected 0 with a rate of 0");
	snprintf(text, sizeof(text), "%scontrol-rate-total fast 1\n", base);
	config_rejects(text, "rsd.conf:3: control-rate-total: PKTS/S: expected 0 (no limit)");
	snprintf(text, sizeof(text), "%scontrol-rate 10\n", base);
	config_rejects(text, "rsd.conf:3: control-rate: expected \"control-rate PKTS/S BURST\"");
	snprintf(text, sizeof(text), "%scontrol-rate-sources 0\n", base);
	config_rejects(text, "rsd.conf:3: control-rate-sources: expected 1..16777216");
	snprintf(text, sizeof(text), "%scontrol-rate-exempt 198.51.100.20/24\n", base);
	config_rejects(text, "rsd.conf:3: control-rate-exempt: expected a prefix");
}

static void test_config_load_missing(void **state)
{
	struct rsd_config c;
	char err[512];

	assert_int_equal(rsd_config_load("/nonexistent/rsd.conf", &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/rsd.conf: No such file"));
}

/* ---- Relay Direction ---------------------------------------------------------- */

static void test_direct_install(void **state)
{
	struct ntm_relay_direction rd = rd_n(42), s = rd_s(43);
	struct reply rp;

	rp = t_direct(&rd, 1001);
	assert_dr(&rp, NTM_OK, 42);
	assert_installed(&rd);
	assert_int_equal(w->dp_puts, 1);

	rp = t_direct(&s, 1002);
	assert_dr(&rp, NTM_OK, 43);
	assert_installed(&s);
	assert_int_equal(r->stats.installed, 2);
}

static void test_direct_retransmission(void **state)
{
	struct ntm_relay_direction rd = rd_n(42), other = rd_n(42);
	struct sockaddr_storage src = src_of("192.0.2.1", 7700);
	uint8_t out[NTM_CTL_MAX_LEN];
	struct reply rp;
	int puts;

	rp = t_direct(&rd, 1001);
	assert_dr(&rp, NTM_OK, 42);
	puts = w->dp_puts + w->dp_sets;

	/* The same datagram again: a replay within the nonce window. */
	assert_int_equal(rsd_control_input(r, last_msg, last_len, &src, out,
					   sizeof(out)), 0);

	/* A retransmission: same transaction, new nonce. Even with other
	 * content it changes nothing and is answered as before. */
	other.refresh = 5;
	rp = t_direct(&other, 1001);
	assert_dr(&rp, NTM_OK, 42);
	assert_int_equal(w->dp_puts + w->dp_sets, puts);
	assert_installed(&rd);
	assert_int_equal(r->stats.retransmissions, 1);

	/* Same content under a new transaction (a restarted DC): OK, no
	 * change. */
	rp = t_direct(&rd, 1002);
	assert_dr(&rp, NTM_OK, 42);
	assert_int_equal(w->dp_puts + w->dp_sets, puts);

	/* A failure is cached as well. */
	rd = rd_n(42);
	rd.rs_type = NTM_RS_TYPE_T;
	rd.host = ip4("0.0.0.0", 0);
	memset(&rd.host, 0, sizeof(rd.host));
	rp = t_direct(&rd, 1003);
	assert_dr(&rp, NTM_E_CONFLICT, 42);
	rp = t_direct(&rd, 1003);
	assert_dr(&rp, NTM_E_CONFLICT, 42);
	assert_int_equal(r->stats.retransmissions, 2);

	/* After NTM_TXN_MS the transaction is forgotten (and the sender's
	 * timestamp would be stale anyway). */
	t_now += NTM_TXN_MS + 1;
	rp = t_direct(&other, 1001);
	assert_dr(&rp, NTM_OK, 42);
	assert_int_equal(fslot(42) >= 0 ? w->dp[fslot(42)].refresh : 0, 5);
}

static void test_direct_update(void **state)
{
	struct ntm_relay_direction rd = rd_n(42), up;
	struct sockaddr_in *sin;
	struct ntm_nl_event ev;
	struct rsd_row row;
	struct reply rp;
	int i;

	rp = t_direct(&rd, 1);
	assert_dr(&rp, NTM_OK, 42);
	/* The datapath learns leg A's endpoint. */
	memset(&ev, 0, sizeof(ev));
	ev.cmd = NTM_CMD_NOTIFY_ENDPOINT;
	ev.path.id = 42;
	ev.path.has = NTM_PATH_HAS_LEG_A;
	sin = (struct sockaddr_in *)&ev.path.leg[NTM_LEG_A].endpoint;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40000);
	inet_pton(AF_INET, "198.51.100.1", &sin->sin_addr);
	i = fslot(42);
	w->dp[i].leg[NTM_LEG_A].endpoint = ev.path.leg[NTM_LEG_A].endpoint;
	rsd_dp_event(r, &ev);
	assert_int_equal(rsd_store_get(r->store, 42, &row), 0);
	assert_true(ntm_addr_equal(&row.learned[NTM_LEG_A], &(struct ntm_addr){
		.family = NTM_AF_INET, .port = 40000, .addr = { 198, 51, 100, 1 } }));

	/* New refresh, new host, rekeyed. */
	up = rd;
	up.refresh = 30;
	up.host = ip4("198.51.100.31", 0);
	up.relay_key[0] ^= 1;
	rp = t_direct(&up, 2);
	assert_dr(&rp, NTM_OK, 42);
	assert_installed(&up);
	assert_int_equal(w->dp_sets, 1);
	assert_int_equal(r->stats.updated, 1);
	/* What the datapath learned was kept. */
	assert_int_equal(((struct sockaddr_in *)&w->dp[i].leg[NTM_LEG_A].endpoint)->sin_port,
			 htons(40000));
	assert_int_equal(rsd_store_get(r->store, 42, &row), 0);
	assert_false(row.has_prev);
	assert_int_equal(row.learned[NTM_LEG_A].port, 40000);

	/* An explicit new endpoint replaces it. */
	up.leg_a_tunnel = ip4("198.51.100.7", 5555);
	rp = t_direct(&up, 3);
	assert_dr(&rp, NTM_OK, 42);
	assert_int_equal(((struct sockaddr_in *)&w->dp[i].leg[NTM_LEG_A].endpoint)->sin_port,
			 htons(5555));
	assert_int_equal(rsd_store_get(r->store, 42, &row), 0);
	assert_true(ntm_addr_is_none(&row.learned[NTM_LEG_A]));

	/* A path's type is fixed. */
	rd = rd_s(42);
	rp = t_direct(&rd, 4);
	assert_dr(&rp, NTM_E_CONFLICT, 42);
	assert_installed(&up);
}

static void test_direct_refused(void **state)
{
	struct ntm_relay_direction rd = rd_n(42);
	struct reply rp;

	/* RS-N without a host: bad input, answered with an Error. */
	memset(&rd.host, 0, sizeof(rd.host));
	rp = t_direct(&rd, 1);
	assert_error(&rp, NTM_E_MALFORMED, NTM_MSG_RELAY_DIRECTION);
	assert_int_equal(rp.b.error.path_id, 42);
	assert_absent(42);

	/* An endpoint for leg B of RS-N (the RS itself). */
	rd = rd_n(42);
	rd.leg_b_tunnel = ip4("192.0.2.9", 7701);
	rp = t_direct(&rd, 2);
	assert_error(&rp, NTM_E_MALFORMED, NTM_MSG_RELAY_DIRECTION);

	/* The datapath refuses: a VIP pair in use. Nothing is left. */
	rd = rd_n(42);
	w->dp_fail_put = -EADDRINUSE;
	rp = t_direct(&rd, 3);
	assert_dr(&rp, NTM_E_CONFLICT, 42);
	assert_absent(42);

	/* The table is full. */
	w->dp_fail_put = -ENOSPC;
	rp = t_direct(&rd, 4);
	assert_dr(&rp, NTM_E_TABLE_FULL, 42);
	assert_absent(42);

	/* nft refuses (leg B's VIP maps to another host): the datapath is
	 * undone too. */
	w->nft_fail = -EEXIST;
	rp = t_direct(&rd, 5);
	assert_dr(&rp, NTM_E_CONFLICT, 42);
	assert_absent(42);

	/* A failed update leaves the path as it was. */
	rp = t_direct(&rd, 6);
	assert_dr(&rp, NTM_OK, 42);
	{
		struct ntm_relay_direction up = rd;

		up.host = ip4("198.51.100.99", 0);
		up.refresh = 1;
		w->nft_fail = -EEXIST;
		rp = t_direct(&up, 7);
		assert_dr(&rp, NTM_E_CONFLICT, 42);
		assert_installed(&rd);
	}
}

/*
 * A flood from one source: the burst is opened, the rest dropped unopened
 * and counted; the DC's exempt address and other sources are not affected;
 * a second later the source gets its tokens back.
 */
static void test_rate_limit(void **state)
{
	struct ntm_relay_direction rd = rd_s(42);
	struct sockaddr_storage flood = src_of("203.0.113.66", 4000);
	struct sockaddr_storage dc = src_of("198.51.100.20", 7700);
	struct sockaddr_storage other = src_of("192.0.2.1", 7700);
	uint8_t junk[100], out[NTM_CTL_MAX_LEN];
	union ntm_body b;
	struct reply rp;
	int i, answered = 0;

	cfg.rl = (struct ntm_ratelimit_config){ .rate = 10, .burst = 5,
		.total_rate = 0, .max_sources = 16 };
	cfg.nrl_exempt = 1;
	cfg.rl_exempt[0] = (struct rsd_route){ .family = AF_INET, .plen = 32,
		.addr = { 198, 51, 100, 20 } };
	assert_int_equal(rsd_control_ratelimit(r), 0);
	assert_non_null(r->rl);

	/* Unauthenticated junk: 5 opened (and dropped), 95 never opened. */
	memset(junk, 0xa5, sizeof(junk));
	for (i = 0; i < 100; i++)
		assert_int_equal(rsd_control_input(r, junk, sizeof(junk), &flood,
						   out, sizeof(out)), 0);
	assert_int_equal(r->stats.dropped, 5);
	assert_int_equal(r->stats.rate_limited, 95);
	assert_int_equal(r->stats.rx, 100);

	/* The DC, exempt: all 50 authentic Relay Directions answered. */
	memset(&b, 0, sizeof(b));
	b.relay_direction = rd;
	for (i = 0; i < 50; i++) {
		rp = t_send_from(NTM_MSG_RELAY_DIRECTION, DC_KEY_ID, 100 + (uint64_t)i,
				 dc_key, &b, &dc);
		answered += rp.len > 0;
	}
	assert_int_equal(answered, 50);
	assert_installed(&rd);
	/* Another source has its own bucket. */
	rp = t_send_from(NTM_MSG_RELAY_DIRECTION, DC_KEY_ID, 200, dc_key, &b, &other);
	assert_true(rp.len > 0);
	/* The flooding source, authentic now, is still out of tokens... */
	rp = t_send_from(NTM_MSG_RELAY_DIRECTION, DC_KEY_ID, 201, dc_key, &b, &flood);
	assert_int_equal(rp.len, 0);
	assert_int_equal(r->stats.rate_limited, 96);
	/* ...until 100 ms later. */
	t_now += 100;
	rp = t_send_from(NTM_MSG_RELAY_DIRECTION, DC_KEY_ID, 202, dc_key, &b, &flood);
	assert_true(rp.len > 0);
	/* One line for the first drop; the other 95 wait for the summary,
	 * which goes out once due, and only then. */
	rsd_control_tick(r);
	assert_int_equal(r->rl_log.suppressed, 95);
	t_now += RSD_RL_LOG_MS;
	rsd_control_tick(r);
	assert_int_equal(r->rl_log.suppressed, 0);

	/* control-rate 0 0 and control-rate-total 0 0: no limiter at all. */
	cfg.rl.rate = 0;
	cfg.rl.burst = 0;
	assert_int_equal(rsd_control_ratelimit(r), 0);
	assert_null(r->rl);
	cfg.nrl_exempt = 0;
	ntm_ratelimit_config_default(&cfg.rl);
}

static void test_never_answered(void **state)
{
	struct ntm_relay_direction rd = rd_n(42);
	struct sockaddr_storage src = src_of("192.0.2.1", 7700);
	uint8_t bad_key[32], out[NTM_CTL_MAX_LEN];
	union ntm_body b;
	struct reply rp;

	memset(&b, 0, sizeof(b));
	b.relay_direction = rd;
	/* Wrong key, unknown key id. */
	memcpy(bad_key, dc_key, 32);
	bad_key[0] ^= 1;
	rp = t_send(NTM_MSG_RELAY_DIRECTION, DC_KEY_ID, 1, bad_key, &b);
	assert_int_equal(rp.len, 0);
	rp = t_send(NTM_MSG_RELAY_DIRECTION, 8, 1, dc_key, &b);
	assert_int_equal(rp.len, 0);
	/* Stale: 61 s old. */
	t_now -= 61000;
	memset(out, 0, sizeof(out));
	assert_true(ntm_ctl_seal(&t_env, NTM_MSG_RELAY_DIRECTION, DC_KEY_ID, 1,
				 dc_key, &b, last_msg, sizeof(last_msg)) > 0);
	t_now += 61000;
	assert_int_equal(rsd_control_input(r, last_msg, NTM_CTL_OVERHEAD +
					   NTM_RELAY_DIRECTION_LEN, &src, out,
					   sizeof(out)), 0);
	/* Garbage, truncated. */
	assert_int_equal(rsd_control_input(r, out, 10, &src, out, sizeof(out)), 0);
	assert_absent(42);
	assert_int_equal(r->stats.dropped, 4);

	/* A response sent to us is not answered either. */
	memset(&b, 0, sizeof(b));
	b.direction_response.status = NTM_OK;
	b.direction_response.path_id = 42;
	rp = t_send(NTM_MSG_DIRECTION_RESPONSE, DC_KEY_ID, 2, dc_key, &b);
	assert_int_equal(rp.len, 0);
	/* A request meant for a DC: TYPE. */
	memset(&b, 0, sizeof(b));
	b.direction_request.node_id = 1;
	b.direction_request.peer_kind = NTM_PEER_HOST;
	b.direction_request.peer_addr = ip4("192.0.2.7", 0);
	rp = t_send(NTM_MSG_DIRECTION_REQUEST, DC_KEY_ID, 3, dc_key, &b);
	assert_error(&rp, NTM_E_TYPE, NTM_MSG_DIRECTION_REQUEST);
}

/* ---- Tunnel Request ------------------------------------------------------------ */

static struct reply t_tunnel_request(uint32_t id, uint8_t leg, const char *vip,
				     const uint8_t key[32], uint64_t txn,
				     const struct sockaddr_storage *src)
{
	union ntm_body b;

	memset(&b, 0, sizeof(b));
	b.tunnel_request.path_id = id;
	b.tunnel_request.leg = leg;
	b.tunnel_request.vip = ip4(vip, 0);
	b.tunnel_request.local = ip4("10.1.0.2", 4444);
	return t_send_from(NTM_MSG_TUNNEL_REQUEST, id, txn, key, &b, src);
}

static void test_tunnel_request(void **state)
{
	struct ntm_relay_direction n = rd_n(42), s = rd_s(43);
	struct sockaddr_storage src = src_of("198.51.100.1", 40001);
	struct ntm_path_keys k42, k43;
	char a[NTM_ADDR_FMT_LEN];
	struct reply rp;
	uint8_t wrong[32];

	t_keys(42, &k42);
	t_keys(43, &k43);
	assert_dr((rp = t_direct(&n, 1), &rp), NTM_OK, 42);
	assert_dr((rp = t_direct(&s, 2), &rp), NTM_OK, 43);

	/* Leg A of RS-N: observed is where it came from. */
	rp = t_tunnel_request(42, NTM_LEG_A, "100.64.0.1", k42.tunnel, 10, &src);
	assert_int_equal(rp.h.type, NTM_MSG_TUNNEL_RESPONSE);
	assert_int_equal(rp.b.tunnel_response.status, NTM_OK);
	assert_int_equal(rp.b.tunnel_response.leg, NTM_LEG_A);
	assert_int_equal(rp.b.tunnel_response.path_id, 42);
	assert_string_equal(ntm_addr_fmt(&rp.b.tunnel_response.observed, a, sizeof(a)),
			    "198.51.100.1:40001");
	/* Both legs of RS-S. */
	rp = t_tunnel_request(43, NTM_LEG_B, "100.64.0.2", k43.tunnel, 11, &src);
	assert_int_equal(rp.b.tunnel_response.status, NTM_OK);
	assert_int_equal(rp.b.tunnel_response.leg, NTM_LEG_B);
	/* The wrong VIP for the leg: refused. */
	rp = t_tunnel_request(43, NTM_LEG_A, "100.64.0.2", k43.tunnel, 12, &src);
	assert_int_equal(rp.h.type, NTM_MSG_TUNNEL_RESPONSE);
	assert_int_equal(rp.b.tunnel_response.status, NTM_E_REFUSED);
	/* Leg B of RS-N is the RS: an Error. */
	rp = t_tunnel_request(42, NTM_LEG_B, "100.65.0.30", k42.tunnel, 13, &src);
	assert_error(&rp, NTM_E_MALFORMED, NTM_MSG_TUNNEL_REQUEST);
	/* Another path's key, an unknown PathID: not authenticated, no answer. */
	rp = t_tunnel_request(42, NTM_LEG_A, "100.64.0.1", k43.tunnel, 14, &src);
	assert_int_equal(rp.len, 0);
	rp = t_tunnel_request(44, NTM_LEG_A, "100.64.0.1", k42.tunnel, 15, &src);
	assert_int_equal(rp.len, 0);
	/* The DC's key does not open a Tunnel Request. */
	memcpy(wrong, dc_key, 32);
	rp = t_tunnel_request(DC_KEY_ID, NTM_LEG_A, "100.64.0.1", wrong, 16, &src);
	assert_int_equal(rp.len, 0);
	assert_int_equal(r->stats.tunnel_requests, 4);
	/* A Tunnel Request changes nothing in the datapath. */
	assert_int_equal(w->dp_sets, 0);
}

/* ---- Path Teardown --------------------------------------------------------------- */

static void test_teardown(void **state)
{
	struct ntm_relay_direction n = rd_n(42), s = rd_s(43);
	struct ntm_path_keys k42;
	struct sockaddr_storage src = src_of("198.51.100.1", 40001);
	struct reply rp;

	t_keys(42, &k42);
	assert_dr((rp = t_direct(&n, 1), &rp), NTM_OK, 42);
	assert_dr((rp = t_direct(&s, 2), &rp), NTM_OK, 43);

	rp = t_teardown(42, 20);
	assert_dr(&rp, NTM_OK, 42);
	assert_absent(42);
	assert_int_equal(w->ct_flushes[42], 1);
	/* Its tunnel key went with it. */
	rp = t_tunnel_request(42, NTM_LEG_A, "100.64.0.1", k42.tunnel, 21, &src);
	assert_int_equal(rp.len, 0);
	/* Retransmitted: the same answer. Again, new transaction: the path
	 * is gone, OK again (idempotent), and nothing else happens. */
	rp = t_teardown(42, 20);
	assert_dr(&rp, NTM_OK, 42);
	rp = t_teardown(42, 22);
	assert_dr(&rp, NTM_OK, 42);
	assert_absent(42);
	assert_int_equal(w->ct_flushes[42], 1);
	assert_int_equal(r->stats.removed, 1);
	/* RS-S has no flows to flush. */
	rp = t_teardown(43, 23);
	assert_dr(&rp, NTM_OK, 43);
	assert_absent(43);
	assert_int_equal(w->ct_flushes[43], 0);
	assert_int_equal(r->stats.removed, 2);
}

/* ---- datapath notifications --------------------------------------------------- */

static void test_expiry(void **state)
{
	struct ntm_relay_direction n = rd_n(42);
	struct ntm_nl_event ev;
	struct reply rp;

	assert_dr((rp = t_direct(&n, 1), &rp), NTM_OK, 42);
	memset(&ev, 0, sizeof(ev));
	ev.cmd = NTM_CMD_NOTIFY_EXPIRED;
	ev.path.id = 42;
	ev.path.has = NTM_PATH_HAS_REFRESH;
	ev.path.refresh = 300;

	/* Raced by a new Relay Direction: the datapath has it: kept. */
	rsd_dp_event(r, &ev);
	assert_installed(&n);

	/* The kernel removed it: store and nft follow. */
	f_path_del(NULL, 42);
	rsd_dp_event(r, &ev);
	assert_absent(42);
	assert_int_equal(w->ct_flushes[42], 1);
	assert_int_equal(r->stats.expired, 1);
	/* A Relay Direction installs it again. */
	assert_dr((rp = t_direct(&n, 2), &rp), NTM_OK, 42);
	assert_installed(&n);

	/* Notifications lost: whatever the datapath dropped meanwhile is
	 * expired; with no tunnel at all (module gone), nothing is. */
	f_path_del(NULL, 42);
	w->dp_no_tunnel = true;
	rsd_resync(r);
	assert_int_equal(row_state(42), RSD_INSTALLED);
	w->dp_no_tunnel = false;
	rsd_resync(r);
	assert_absent(42);
}

/* ---- reconciliation ------------------------------------------------------------- */

static void put_row(const struct ntm_relay_direction *rd, enum rsd_state st)
{
	struct rsd_row row;

	memset(&row, 0, sizeof(row));
	row.state = st;
	row.rd = *rd;
	assert_int_equal(rsd_store_put(r->store, &row), 0);
}

static void dp_put_rd(const struct ntm_relay_direction *rd)
{
	struct ntm_path p;

	rsd_rd_to_dp(rd, &p);
	assert_int_equal(f_path_put(NULL, &p, true), 0);
}

static void nft_put_rd(const struct ntm_relay_direction *rd)
{
	w->nft_fail = 0;
	assert_int_equal(rsd_nft_apply(r, NULL, rd), 0);
}

static void test_reconcile_states(void **state)
{
	struct ntm_relay_direction a = rd_n(1), b = rd_n(2), c = rd_s(3);
	struct ntm_relay_direction d = rd_n(4), e = rd_n(5), f = rd_n(6);
	struct ntm_relay_direction g = rd_s(7), h = rd_n(8), orphan = rd_n(9);
	struct ntm_relay_direction nft_orphan = rd_n(10), bad = rd_n(11);
	struct rsd_reconcile_stats st;
	struct sockaddr_in *sin;
	int puts;

	/* Distinct VIP pairs: they are separate paths. */
	b.leg_a_vip = ip4("100.64.0.2", 0);
	d.leg_a_vip = ip4("100.64.0.4", 0);
	e.leg_a_vip = ip4("100.64.0.5", 0);
	f.leg_a_vip = ip4("100.64.0.6", 0);
	h.leg_a_vip = ip4("100.64.0.8", 0);

	/* 1: installing, nothing done yet (crash after-store). */
	put_row(&a, RSD_INSTALLING);
	/* 2: installing, datapath done (after-datapath). */
	put_row(&b, RSD_INSTALLING);
	dp_put_rd(&b);
	/* 3: installing, all done but the mark (after-nft). */
	put_row(&c, RSD_INSTALLING);
	dp_put_rd(&c);
	/* 4: removing, nothing done (after-store of a removal). */
	put_row(&d, RSD_REMOVING);
	dp_put_rd(&d);
	nft_put_rd(&d);
	/* 5: removing, datapath done. */
	put_row(&e, RSD_REMOVING);
	nft_put_rd(&e);
	/* 6: installed, the datapath kept it with a learned endpoint. */
	put_row(&f, RSD_INSTALLED);
	dp_put_rd(&f);
	nft_put_rd(&f);
	sin = (struct sockaddr_in *)&w->dp[fslot(6)].leg[NTM_LEG_A].endpoint;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40006);
	/* 7: installed, the datapath lost it (module reloaded). */
	put_row(&g, RSD_INSTALLED);
	/* 8: installed, the datapath has another refresh. */
	put_row(&h, RSD_INSTALLED);
	h.refresh = 1;
	dp_put_rd(&h);
	h.refresh = 300;
	nft_put_rd(&h);
	/* 9: only in the datapath; 10: only in nft. */
	dp_put_rd(&orphan);
	nft_put_rd(&nft_orphan);
	/* 11: installing, nothing done, the last row. */
	bad.leg_a_vip = ip4("100.64.0.11", 0);
	put_row(&bad, RSD_INSTALLING);

	puts = w->dp_puts + w->dp_sets;
	assert_int_equal(rsd_reconcile(r, &st), 0);

	assert_int_equal(st.rolled_forward, 4);	/* 1, 2, 3, 11 */
	assert_int_equal(st.finished_removal, 2);
	assert_int_equal(st.kept, 1);
	assert_int_equal(st.reinstalled, 1);
	assert_int_equal(st.repaired, 1);
	assert_int_equal(st.dp_orphans, 1);
	assert_int_equal(st.nft_orphans, 1);
	assert_int_equal(st.failed, 0);

	assert_installed(&a);
	assert_installed(&b);
	assert_installed(&c);
	assert_absent(4);
	assert_absent(5);
	assert_int_equal(w->ct_flushes[4], 1);
	assert_int_equal(w->ct_flushes[5], 1);
	assert_installed(&f);
	/* Kept as it was: the learned endpoint is still there. */
	assert_int_equal(((struct sockaddr_in *)&w->dp[fslot(6)].leg[NTM_LEG_A].endpoint)->sin_port,
			 htons(40006));
	assert_installed(&g);
	assert_installed(&h);
	assert_true(fslot(9) < 0);
	assert_int_equal(w->ct_flushes[9], 1);
	assert_true(nslot(10) < 0);
	/* 1 and 11 new, 2 and 3 set, 7 new, 8 set; 6 untouched. */
	assert_int_equal(w->dp_puts + w->dp_sets - puts, 6);

	/* A second run finds nothing to do. */
	puts = w->dp_puts + w->dp_sets;
	assert_int_equal(rsd_reconcile(r, &st), 0);
	assert_int_equal(st.kept, 7);
	assert_int_equal(st.rolled_forward + st.reinstalled + st.repaired +
			 st.finished_removal + st.dp_orphans + st.nft_orphans, 0);
	assert_int_equal(w->dp_puts + w->dp_sets, puts);
}

static void test_reconcile_refused(void **state)
{
	struct ntm_relay_direction a = rd_n(1);
	struct rsd_reconcile_stats st;

	/* Installing, and the datapath refuses it now: the row goes. */
	put_row(&a, RSD_INSTALLING);
	w->dp_fail_put = -EADDRINUSE;
	assert_int_equal(rsd_reconcile(r, &st), 0);
	assert_int_equal(st.failed, 1);
	assert_absent(1);
}

/*
 * RS-N and RS-T: the datapath starts leg B's counter of a new path at the
 * clock, so a path it lost (module reload, reboot, user datapath restarted)
 * is installed again from the store like RS-S: data key, VIPs, nft state
 * and the learned endpoint of leg A; an update under way rolls forward.
 */
static void test_reconcile_lost(void **state)
{
	struct ntm_relay_direction n = rd_n(1), t = rd_n(2), u = rd_n(3), k = rd_n(4);
	struct rsd_reconcile_stats st;
	struct sockaddr_in *sin;
	struct rsd_row row;
	struct ntm_addr ep;

	t.rs_type = NTM_RS_TYPE_T;
	memset(&t.host, 0, sizeof(t.host));
	t.leg_a_vip = ip4("203.0.113.5", 0);
	u.leg_a_vip = ip4("100.64.0.3", 0);
	k.leg_a_vip = ip4("100.64.0.4", 0);
	/* 1, 2: installed, lost with the datapath; 1 had learned leg A. */
	put_row(&n, RSD_INSTALLED);
	nft_put_rd(&n);
	ep = ip4("198.51.100.1", 40001);
	assert_int_equal(rsd_store_set_learned(r->store, 1, NTM_LEG_A, &ep), 0);
	put_row(&t, RSD_INSTALLED);
	/* 3: an update with the same data key, under way when all was lost. */
	memset(&row, 0, sizeof(row));
	row.state = RSD_INSTALLING;
	row.rd = u;
	row.rd.refresh = 7;
	row.has_prev = true;
	row.prev = u;
	assert_int_equal(rsd_store_put(r->store, &row), 0);
	u = row.rd;
	/* 4: the same, with a new data key. */
	row.rd = k;
	row.rd.data_key[0] ^= 0xff;
	row.prev = k;
	assert_int_equal(rsd_store_put(r->store, &row), 0);
	k = row.rd;

	assert_int_equal(rsd_reconcile(r, &st), 0);
	assert_int_equal(st.reinstalled, 2);
	assert_int_equal(st.rolled_forward, 2);
	assert_int_equal(st.failed + st.gone + st.finished_removal + st.kept +
			 st.repaired + st.dp_orphans + st.nft_orphans, 0);
	assert_installed(&n);
	assert_installed(&t);
	assert_installed(&u);
	assert_installed(&k);
	assert_int_equal(w->ct_flushes[1], 0);
	assert_int_equal(w->ct_flushes[2], 0);
	sin = (struct sockaddr_in *)&w->dp[fslot(1)].leg[NTM_LEG_A].endpoint;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(sin->sin_port, htons(40001));
	assert_int_equal(sin->sin_addr.s_addr, htonl(0xc6336401));

	/* A second run keeps them all. */
	assert_int_equal(rsd_reconcile(r, &st), 0);
	assert_int_equal(st.kept, 4);
	assert_int_equal(st.reinstalled + st.rolled_forward, 0);
}

/* The datapath kept its tunnel: a path it lacks expired meanwhile. */
static void test_reconcile_gone(void **state)
{
	struct ntm_relay_direction s = rd_s(1), n = rd_n(2);
	struct rsd_reconcile_stats st;

	put_row(&s, RSD_INSTALLED);
	put_row(&n, RSD_INSTALLED);
	nft_put_rd(&n);
	r->dp_fresh = false;
	assert_int_equal(rsd_reconcile(r, &st), 0);
	assert_int_equal(st.gone, 2);
	assert_int_equal(st.reinstalled, 0);
	assert_absent(1);
	assert_absent(2);
}

/* After a module reload: the learned endpoint comes back with the path. */
static void test_reconcile_learned(void **state)
{
	struct ntm_relay_direction s = rd_s(5);
	struct rsd_reconcile_stats st;
	struct ntm_nl_event ev;
	struct sockaddr_in *sin;
	struct reply rp;

	assert_dr((rp = t_direct(&s, 1), &rp), NTM_OK, 5);
	memset(&ev, 0, sizeof(ev));
	ev.cmd = NTM_CMD_NOTIFY_ENDPOINT;
	ev.path.id = 5;
	ev.path.has = NTM_PATH_HAS_LEG_B;
	sin = (struct sockaddr_in *)&ev.path.leg[NTM_LEG_B].endpoint;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(50000);
	inet_pton(AF_INET, "198.51.100.2", &sin->sin_addr);
	rsd_dp_event(r, &ev);

	f_flush(NULL);
	rsd_down();
	rsd_up();
	assert_int_equal(rsd_reconcile(r, &st), 0);
	assert_int_equal(st.reinstalled, 1);
	assert_installed(&s);
	sin = (struct sockaddr_in *)&w->dp[fslot(5)].leg[NTM_LEG_B].endpoint;
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(sin->sin_port, htons(50000));
}

/*
 * The real thing: a child handles a Relay Direction (or a Path Teardown)
 * with NTM_RSD_CRASH_AT set and aborts there; the parent starts over on the
 * same store and fake world, reconciles, and the DC's retransmission (same
 * transaction, new nonce) completes it.
 */
static void crash_install(const char *where)
{
	struct ntm_relay_direction rd = rd_n(42);
	struct rsd_reconcile_stats st;
	struct reply rp;
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		r->crash_at = where;
		t_direct(&rd, 77);
		_exit(0);	/* not reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_int_equal(row_state(42), RSD_INSTALLING);

	rsd_down();
	rsd_up();
	assert_int_equal(rsd_reconcile(r, &st), 0);
	assert_int_equal(st.rolled_forward, 1);
	assert_installed(&rd);
	rp = t_direct(&rd, 77);
	assert_dr(&rp, NTM_OK, 42);
	assert_installed(&rd);
}

static void test_crash_install_after_store(void **state)
{
	crash_install("after-store");
	assert_int_equal(w->dp_puts, 1);
}

static void test_crash_install_after_datapath(void **state)
{
	crash_install("after-datapath");
}

static void test_crash_install_after_nft(void **state)
{
	crash_install("after-nft");
}

static void crash_remove(const char *where)
{
	struct ntm_relay_direction rd = rd_n(42);
	struct rsd_reconcile_stats st;
	struct reply rp;
	pid_t pid;
	int status;

	rp = t_direct(&rd, 1);
	assert_dr(&rp, NTM_OK, 42);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		r->crash_at = where;
		t_teardown(42, 78);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(row_state(42), RSD_REMOVING);

	rsd_down();
	rsd_up();
	assert_int_equal(rsd_reconcile(r, &st), 0);
	assert_int_equal(st.finished_removal, 1);
	assert_absent(42);
	assert_int_equal(w->ct_flushes[42], 1);
	/* The retransmitted teardown after the restart (the answered
	 * transaction was forgotten): the path is gone, answered OK. */
	rp = t_teardown(42, 78);
	assert_dr(&rp, NTM_OK, 42);
	assert_absent(42);
}

static void test_crash_remove_after_store(void **state)
{
	crash_remove("after-store");
}

static void test_crash_remove_after_datapath(void **state)
{
	crash_remove("after-datapath");
}

static void test_crash_remove_after_nft(void **state)
{
	crash_remove("after-nft");
}

/* ---- store and transaction cache ------------------------------------------------ */

static int count_cb(void *arg, const struct rsd_row *row)
{
	int *n = arg;

	/* The walk may change the store as it goes. */
	if (row->rd.path_id % 2)
		assert_int_equal(rsd_store_del(r->store, row->rd.path_id), 0);
	(*n)++;
	return 0;
}

static void test_store(void **state)
{
	struct ntm_relay_direction rd;
	struct rsd_store *second;
	struct stat sb;
	char err[256];
	uint8_t key[32];
	uint32_t id;
	int n = 0;

	assert_int_equal(stat(store_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* One daemon per store. */
	assert_int_equal(rsd_store_open(&second, store_path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in use by another ntm-rsd"));

	for (id = 1; id <= 600; id++) {
		rd = rd_s(id);
		put_row(&rd, id == 5 ? RSD_INSTALLING : RSD_INSTALLED);
	}
	assert_int_equal(rsd_store_count(r->store), 600);
	assert_int_equal(rsd_store_tunnel_key(r->store, 600, key), 0);
	assert_memory_equal(key, rd.tunnel_key, 32);
	/* Only an installed path's tunnel key opens a Tunnel Request. */
	assert_int_equal(rsd_store_tunnel_key(r->store, 5, key), -ENOENT);
	assert_int_equal(rsd_store_tunnel_key(r->store, 601, key), -ENOENT);
	assert_int_equal(rsd_store_foreach(r->store, count_cb, &n), 600);
	assert_int_equal(n, 600);
	assert_int_equal(rsd_store_count(r->store), 300);
	assert_int_equal(rsd_store_set_state(r->store, 1, RSD_INSTALLED), -ENOENT);
	assert_int_equal(rsd_store_del(r->store, 1), -ENOENT);
}

static void test_txn_cache(void **state)
{
	struct rsd_txn_cache *c = rsd_txn_new(4);
	struct rsd_answer a;
	uint64_t i;

	assert_non_null(c);
	memset(&a, 0, sizeof(a));
	a.type = NTM_MSG_ERROR;
	for (i = 1; i <= 4; i++) {
		a.u.err.path_id = (uint32_t)i;
		rsd_txn_add(c, RSD_NS_TRUST, 7, i, &a, 1000);
	}
	assert_int_equal(rsd_txn_find(c, RSD_NS_TRUST, 7, 3, 1000)->u.err.path_id, 3);
	/* Namespaces and key ids are part of the key. */
	assert_null(rsd_txn_find(c, RSD_NS_TUNNEL, 7, 3, 1000));
	assert_null(rsd_txn_find(c, RSD_NS_TRUST, 8, 3, 1000));
	/* Full: the oldest goes. */
	a.u.err.path_id = 5;
	rsd_txn_add(c, RSD_NS_TRUST, 7, 5, &a, 1000);
	assert_null(rsd_txn_find(c, RSD_NS_TRUST, 7, 1, 1000));
	assert_non_null(rsd_txn_find(c, RSD_NS_TRUST, 7, 2, 1000));
	assert_int_equal(rsd_txn_count(c, 1000), 4);
	/* Expired. */
	assert_null(rsd_txn_find(c, RSD_NS_TRUST, 7, 5, 1000 + NTM_TXN_MS));
	assert_int_equal(rsd_txn_count(c, 1000 + NTM_TXN_MS), 0);
	rsd_txn_free(c);
	assert_null(rsd_txn_new(0));
}

static void test_rd_helpers(void **state)
{
	struct ntm_relay_direction rd = rd_n(42);
	struct ntm_path p;
	char buf[256];

	rsd_rd_to_dp(&rd, &p);
	assert_int_equal(p.type, NTM_PATH_RS_N);
	assert_true(p.has & NTM_PATH_HAS_DATA_KEY);
	assert_int_equal(p.leg[NTM_LEG_B].endpoint.ss_family, AF_UNSPEC);
	assert_int_equal(p.leg[NTM_LEG_A].vip.family, AF_INET);
	assert_string_equal(rsd_rd_fmt(&rd, buf, sizeof(buf)),
			    "leg A 100.64.0.1, leg B 100.65.0.30, host 198.51.100.30, refresh 300 s");
	rd = rd_s(1);
	rd.leg_a_tunnel = ip4("198.51.100.1", 4000);
	rd.refresh = 0;
	assert_string_equal(rsd_rd_fmt(&rd, buf, sizeof(buf)),
			    "leg A 100.64.0.1 at 198.51.100.1:4000, leg B 100.64.0.2, refresh never");
	rsd_rd_to_dp(&rd, &p);
	assert_false(p.has & NTM_PATH_HAS_DATA_KEY);
	assert_int_equal(p.leg[NTM_LEG_A].endpoint.ss_family, AF_INET);
	assert_int_equal(rsd_status_from_errno(-EADDRINUSE), NTM_E_CONFLICT);
	assert_int_equal(rsd_status_from_errno(-ENOSPC), NTM_E_TABLE_FULL);
	assert_int_equal(rsd_status_from_errno(-EAFNOSUPPORT), NTM_E_REFUSED);
	assert_int_equal(rsd_status_from_errno(-EIO), NTM_E_INTERNAL);
	assert_true(rsd_crash_point_valid("after-nft"));
	assert_false(rsd_crash_point_valid("after-lunch"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_valid),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_load_missing),
		cmocka_unit_test(test_config_rate),
		T(test_direct_install),
		T(test_direct_retransmission),
		T(test_direct_update),
		T(test_direct_refused),
		T(test_never_answered),
		T(test_rate_limit),
		T(test_tunnel_request),
		T(test_teardown),
		T(test_expiry),
		T(test_reconcile_states),
		T(test_reconcile_refused),
		T(test_reconcile_learned),
		T(test_reconcile_lost),
		T(test_reconcile_gone),
		T(test_crash_install_after_store),
		T(test_crash_install_after_datapath),
		T(test_crash_install_after_nft),
		T(test_crash_remove_after_store),
		T(test_crash_remove_after_datapath),
		T(test_crash_remove_after_nft),
		T(test_store),
		T(test_txn_cache),
		cmocka_unit_test(test_rd_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
