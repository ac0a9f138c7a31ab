// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/ntm_nft.c and lib/ntm_ct.c against the running kernel's nf_tables and
 * conntrack, each test in a network namespace of its own (unshare), so the
 * host's ruleset is never touched. Needs root (CAP_NET_ADMIN and
 * CAP_SYS_ADMIN for unshare); without it every test is skipped and says why.
 *
 * What the table holds is read back with nft(8), the operator's view:
 * elements of rsn_hosts, rsn_vips, rst_addrs and path_counters after every
 * install, re-install, update and removal; element references shared by
 * paths; a second handle (a restarted daemon) that rebuilds them from the
 * records; a handle whose view went stale; the admin's tables, byte for byte,
 * after every operation. Conntrack entries are created with ct marks through
 * ctnetlink, then listed and deleted by PathID.
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
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <unistd.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "ntm_ct.h"
#include "ntm_nft.h"

/* ---- helpers ------------------------------------------------------------- */

static const char *why_skip;

/* A fresh network namespace for each test, or a reason to skip. */
static int setup_netns(void **state)
{
	(void)state;
	why_skip = NULL;
	if (geteuid() != 0)
		why_skip = "needs root (CAP_NET_ADMIN in a new network namespace)";
	else if (unshare(CLONE_NEWNET) < 0)
		why_skip = "unshare(CLONE_NEWNET) failed: no network namespaces here";
	else if (system("nft --version >/dev/null 2>&1") != 0)
		why_skip = "nft(8) not installed";
	return 0;
}

#define NEED_NETNS()							\
	do {								\
		if (why_skip) {						\
			print_message("skipped: %s\n", why_skip);	\
			skip();						\
		}							\
	} while (0)

/* The output of a shell command, or NULL if it failed. */
__attribute__((format(printf, 1, 2)))
static char *run(const char *fmt, ...)
{
	char cmd[512], *out = NULL;
	size_t len = 0;
	FILE *p, *o;
	va_list ap;
	int c, rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	o = open_memstream(&out, &len);
	assert_non_null(o);
	while ((c = fgetc(p)) != EOF)
		fputc(c, o);
	fclose(o);
	rc = pclose(p);
	if (rc != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* "{ a, b }" of a set's or map's elements line, "" when it has none. */
static char *elements(const char *set)
{
	bool map = !strcmp(set, "rsn_hosts") || !strcmp(set, "path_counters") ||
		   !strcmp(set, "path_vips");
	char *out = run("nft list %s inet ntmobile %s", map ? "map" : "set", set);
	char *e, *end, *r;

	assert_non_null(out);
	e = strstr(out, "elements = ");
	if (!e) {
		free(out);
		return strdup("");
	}
	e += strlen("elements = ");
	end = strchr(e, '}');
	assert_non_null(end);
	r = strndup(e, (size_t)(end - e + 1));
	free(out);
	assert_non_null(r);
	/* nft wraps long lists: "a,\n\t\t\t     b" reads "a, b" */
	for (e = end = r; *e; e++) {
		if (isspace((unsigned char)*e) && end > r && end[-1] == ' ')
			continue;
		*end++ = isspace((unsigned char)*e) ? ' ' : *e;
	}
	*end = '\0';
	return r;
}

#define assert_elements(set, want)					\
	do {								\
		char *got_ = elements(set);				\
		if (strcmp(got_, (want)))				\
			fail_msg("set %s: \"%s\", expected \"%s\"", set, \
				 got_, (want));				\
		free(got_);						\
	} while (0)

static void vip(struct ntm_vip *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	if (!s)
		return;
	v->family = strchr(s, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(v->family, s, v->addr), 1);
}

static struct ntm_nft_path rsn(uint32_t id, const char *a, const char *b,
			       const char *host)
{
	struct ntm_nft_path p = { .id = id, .type = NTM_PATH_RS_N };

	vip(&p.a_vip, a);
	vip(&p.b_vip, b);
	vip(&p.host, host);
	return p;
}

static struct ntm_nft_path rst(uint32_t id, const char *a, const char *host)
{
	struct ntm_nft_path p = { .id = id, .type = NTM_PATH_RS_T };

	vip(&p.a_vip, a);
	vip(&p.b_vip, host);
	return p;
}

static struct ntm_nft *open_ensured(void)
{
	struct ntm_nft *h = malloc(sizeof(*h));
	int ret;

	assert_non_null(h);
	assert_int_equal(ntm_nft_open(h), 0);
	ret = ntm_nft_table_ensure(h);
	if (ret < 0)
		fail_msg("ensure: %s", ntm_nft_strerror(h, ret));
	return h;
}

static void close_free(struct ntm_nft *h)
{
	ntm_nft_close(h);
	free(h);
}

static void apply_ok(struct ntm_nft *h, const struct ntm_nft_path *old,
		     const struct ntm_nft_path *new)
{
	int ret = ntm_nft_path_apply(h, old, new);

	if (ret != 0)
		fail_msg("path apply: %d %s", ret, ntm_nft_strerror(h, ret));
}

static void assert_err(struct ntm_nft *h, int ret, int err, const char *needle)
{
	const char *msg = ntm_nft_strerror(h, ret);

	if (ret != err)
		fail_msg("got %d (%s), expected %d", ret, msg, err);
	if (!strstr(msg, needle))
		fail_msg("message \"%s\" does not mention \"%s\"", msg, needle);
}

struct seen {
	struct ntm_nft_path_state v[16];
	int n;
};

static int seen_cb(const struct ntm_nft_path_state *st, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16)
		s->v[s->n] = *st;
	s->n++;
	return 0;
}

static const struct ntm_nft_path_state *seen_find(const struct seen *s,
						  uint32_t id)
{
	int i;

	for (i = 0; i < s->n && i < 16; i++)
		if (s->v[i].path.id == id)
			return &s->v[i];
	return NULL;
}

/* ---- the table ------------------------------------------------------------- */

static void test_ensure_remove(void **state)
{
	struct ntm_nft h;
	char *out;

	NEED_NETNS();
	assert_int_equal(ntm_nft_open(&h), 0);
	assert_int_equal(ntm_nft_table_ensure(&h), 11);
	assert_int_equal(ntm_nft_table_ensure(&h), 0);
	out = run("nft list chain inet ntmobile pathcount");
	assert_non_null(out);
	assert_non_null(strstr(out, "ct mark != 0x00000000 counter name ct mark map @path_counters"));
	free(out);
	assert_int_equal(ntm_nft_table_remove(&h), 1);
	assert_int_equal(ntm_nft_table_remove(&h), 0);
	out = run("nft list tables");
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(ntm_nft_paths(&h, NULL, NULL), -ENOENT);
	assert_non_null(strstr(ntm_nft_strerror(&h, -ENOENT), "ntmctl nft ensure"));
	ntm_nft_close(&h);
}

/* The node's table: installed (twice: replaced, not doubled), the RS's table
 * untouched, removed. On a kernel without nft_queue the rule carries the
 * xt NFQUEUE target instead, which nft(8) lists without its verdict. */
static void test_node_table(void **state)
{
	struct ntm_nft h;
	char *out;

	NEED_NETNS();
	assert_int_equal(ntm_nft_open(&h), 0);
	assert_int_equal(ntm_nft_table_ensure(&h), 11);
	assert_int_equal(ntm_nft_node_install(&h, 3), 0);
	assert_int_equal(ntm_nft_node_install(&h, 3), 0);
	out = run("nft list chain inet ntm_node input 2>/dev/null");
	assert_non_null(out);
	assert_non_null(strstr(out, "type filter hook input priority filter; policy accept;"));
	assert_non_null(strstr(out, "udp sport 53"));
	/* one rule, not two */
	assert_null(strstr(strstr(out, "udp sport 53") + 1, "udp sport 53"));
	if (strstr(out, "queue"))
		assert_non_null(strstr(out, "bypass"));
	free(out);
	assert_int_equal(ntm_nft_node_remove(&h), 1);
	assert_int_equal(ntm_nft_node_remove(&h), 0);
	out = run("nft list tables");
	assert_string_equal(out, "table inet ntmobile\n");
	free(out);
	assert_int_equal(ntm_nft_table_remove(&h), 1);
	ntm_nft_close(&h);
}

static void test_ensure_refuses_other_types(void **state)
{
	struct ntm_nft h;

	NEED_NETNS();
	assert_int_equal(system("nft 'add table inet ntmobile; add set inet ntmobile rsn_vips { type ipv4_addr; }'"), 0);
	assert_int_equal(ntm_nft_open(&h), 0);
	assert_err(&h, ntm_nft_table_ensure(&h), -EEXIST, "set rsn_vips has another type");
	ntm_nft_close(&h);
}

/* ---- paths ------------------------------------------------------------------ */

static void test_rsn_install_update_remove(void **state)
{
	struct ntm_nft_path p = rsn(42, "100.64.0.1", "100.65.0.30", "198.51.100.30");
	struct ntm_nft_path q = rsn(42, "100.64.0.1", "100.65.0.30", "198.51.100.31");
	struct ntm_nft *h;
	uint64_t pk = 1, by = 1;
	char *out;

	NEED_NETNS();
	h = open_ensured();
	apply_ok(h, NULL, &p);
	assert_elements("rsn_vips", "{ 100.64.0.1 }");
	assert_elements("rsn_hosts", "{ 100.65.0.30 : 198.51.100.30 }");
	assert_elements("rst_addrs", "");
	assert_elements("path_vips", "{ 100.64.0.1 . 100.65.0.30 : 0x0000002a }");
	assert_elements("path_counters",
			"{ 0x0000002a comment \"RS-N a 100.64.0.1 b 100.65.0.30 host 198.51.100.30\" : \"path_42\" }");
	assert_int_equal(ntm_nft_path_counter(h, 42, &pk, &by), 0);
	assert_true(pk == 0 && by == 0);

	/* A retransmitted Relay Direction, a restart's re-install. */
	apply_ok(h, NULL, &p);
	apply_ok(h, &p, &p);
	assert_elements("rsn_vips", "{ 100.64.0.1 }");
	assert_elements("rsn_hosts", "{ 100.65.0.30 : 198.51.100.30 }");
	assert_elements("path_vips", "{ 100.64.0.1 . 100.65.0.30 : 0x0000002a }");
	/* An admin removed the pair: a re-apply puts it back. */
	assert_int_equal(system("nft delete element inet ntmobile path_vips '{ 100.64.0.1 . 100.65.0.30 }'"), 0);
	assert_elements("path_vips", "");
	apply_ok(h, NULL, &p);
	assert_elements("path_vips", "{ 100.64.0.1 . 100.65.0.30 : 0x0000002a }");

	/* The host moved. */
	apply_ok(h, &p, &q);
	assert_elements("rsn_hosts", "{ 100.65.0.30 : 198.51.100.31 }");
	assert_elements("path_counters",
			"{ 0x0000002a comment \"RS-N a 100.64.0.1 b 100.65.0.30 host 198.51.100.31\" : \"path_42\" }");

	assert_elements("path_vips", "{ 100.64.0.1 . 100.65.0.30 : 0x0000002a }");

	apply_ok(h, &q, NULL);
	assert_elements("rsn_vips", "");
	assert_elements("rsn_hosts", "");
	assert_elements("path_vips", "");
	assert_elements("path_counters", "");
	out = run("nft list table inet ntmobile | grep -c 'counter path_' || true");
	assert_string_equal(out, "0\n");
	free(out);
	assert_int_equal(ntm_nft_path_counter(h, 42, &pk, &by), -ENOENT);
	/* Removing again, or with a stale description, is no error. */
	apply_ok(h, &q, NULL);
	apply_ok(h, &p, NULL);
	close_free(h);
}

static void test_rst(void **state)
{
	struct ntm_nft_path t = rst(7, "203.0.113.5", "198.51.100.30");
	struct ntm_nft_path t2 = rst(7, "203.0.113.6", NULL);
	struct ntm_nft *h;

	NEED_NETNS();
	h = open_ensured();
	apply_ok(h, NULL, &t);
	assert_elements("rst_addrs", "{ 203.0.113.5 }");
	assert_elements("rsn_vips", "");
	assert_elements("path_vips", "{ 203.0.113.5 . 198.51.100.30 : 0x00000007 }");
	assert_elements("path_counters",
			"{ 0x00000007 comment \"RS-T a 203.0.113.5 b 198.51.100.30\" : \"path_7\" }");
	apply_ok(h, NULL, &t);
	apply_ok(h, &t, &t2);
	assert_elements("rst_addrs", "{ 203.0.113.6 }");
	/* No leg B address recorded: no pair. */
	assert_elements("path_vips", "");
	assert_elements("path_counters",
			"{ 0x00000007 comment \"RS-T a 203.0.113.6\" : \"path_7\" }");
	apply_ok(h, &t2, NULL);
	assert_elements("rst_addrs", "");
	assert_elements("path_counters", "");
	close_free(h);
}

/* A VIP pair is one path's: another PathID cannot take it. */
static void test_path_vips_conflict(void **state)
{
	struct ntm_nft_path a = rsn(1, "100.64.0.1", "100.65.0.30", "198.51.100.30");
	struct ntm_nft_path b = rsn(2, "100.64.0.1", "100.65.0.30", "198.51.100.30");
	struct ntm_nft_path t = rst(3, "203.0.113.5", "198.51.100.30");
	struct ntm_nft *h;

	NEED_NETNS();
	h = open_ensured();
	apply_ok(h, NULL, &a);
	apply_ok(h, NULL, &t);
	assert_elements("path_vips",
			"{ 100.64.0.1 . 100.65.0.30 : 0x00000001, 203.0.113.5 . 198.51.100.30 : 0x00000003 }");
	assert_err(h, ntm_nft_path_apply(h, NULL, &b), -EEXIST,
		   "the VIP pair 100.64.0.1 . 100.65.0.30 is path 1's");
	/* Nothing of 2 went in. */
	assert_elements("path_vips",
			"{ 100.64.0.1 . 100.65.0.30 : 0x00000001, 203.0.113.5 . 198.51.100.30 : 0x00000003 }");
	/* Once 1 is gone, 2 may have it. */
	apply_ok(h, &a, NULL);
	apply_ok(h, NULL, &b);
	assert_elements("path_vips",
			"{ 100.64.0.1 . 100.65.0.30 : 0x00000002, 203.0.113.5 . 198.51.100.30 : 0x00000003 }");
	apply_ok(h, &b, NULL);
	apply_ok(h, &t, NULL);
	assert_elements("path_vips", "");
	close_free(h);
}

/* The paths of one node share its VIP; two nodes may share a host's VIP. */
static void test_shared_elements(void **state)
{
	struct ntm_nft_path a = rsn(1, "100.64.0.1", "100.65.0.30", "198.51.100.30");
	struct ntm_nft_path b = rsn(2, "100.64.0.1", "100.65.0.31", "198.51.100.31");
	struct ntm_nft_path c = rsn(3, "100.64.0.2", "100.65.0.30", "198.51.100.30");
	struct ntm_nft_path d = rsn(4, "100.64.0.3", "100.65.0.30", "198.51.100.99");
	struct ntm_nft_path c2 = rsn(3, "100.64.0.2", "100.65.0.30", "198.51.100.77");
	struct ntm_nft *h;

	NEED_NETNS();
	h = open_ensured();
	apply_ok(h, NULL, &a);
	apply_ok(h, NULL, &b);
	apply_ok(h, NULL, &c);
	/* Adjacent addresses in an interval set stay two elements. */
	assert_elements("rsn_vips", "{ 100.64.0.1, 100.64.0.2 }");
	assert_elements("rsn_hosts",
			"{ 100.65.0.30 : 198.51.100.30, 100.65.0.31 : 198.51.100.31 }");

	/* Leg B's VIP 100.65.0.30 is another host's for paths 1 and 3. */
	assert_err(h, ntm_nft_path_apply(h, NULL, &d), -EEXIST,
		   "100.65.0.30 already maps to host 198.51.100.30 for another path");
	assert_err(h, ntm_nft_path_apply(h, &c, &c2), -EEXIST, "for another path");

	apply_ok(h, &a, NULL);
	assert_elements("rsn_vips", "{ 100.64.0.1, 100.64.0.2 }");
	assert_elements("rsn_hosts",
			"{ 100.65.0.30 : 198.51.100.30, 100.65.0.31 : 198.51.100.31 }");
	apply_ok(h, &b, NULL);
	assert_elements("rsn_vips", "{ 100.64.0.2 }");
	assert_elements("rsn_hosts", "{ 100.65.0.30 : 198.51.100.30 }");
	/* The last path of 100.65.0.30 may move it to another host. */
	apply_ok(h, &c, &c2);
	assert_elements("rsn_hosts", "{ 100.65.0.30 : 198.51.100.77 }");
	assert_err(h, ntm_nft_path_apply(h, NULL, &d), -EEXIST,
		   "already maps to host 198.51.100.77");
	close_free(h);
}

static void test_rss_and_type_change(void **state)
{
	struct ntm_nft_path s = { .id = 9, .type = NTM_PATH_RS_S };
	struct ntm_nft_path n = rsn(9, "100.64.0.9", "100.65.0.9", "198.51.100.9");
	struct seen seen = { 0 };
	struct ntm_nft *h;

	NEED_NETNS();
	h = open_ensured();
	apply_ok(h, NULL, &s);
	assert_int_equal(ntm_nft_paths(h, seen_cb, &seen), 0);
	apply_ok(h, NULL, &n);
	apply_ok(h, &n, &s);		/* nothing of an RS-S path in nft */
	assert_elements("rsn_vips", "");
	assert_elements("path_counters", "");
	apply_ok(h, &s, NULL);
	close_free(h);
}

static void test_invalid(void **state)
{
	struct ntm_nft_path p = rsn(5, "100.64.0.5", "100.65.0.5", "198.51.100.5");
	struct ntm_nft_path v6 = rsn(5, "fd00::5", "fd00::6", "2001:db8::5");
	struct ntm_nft_path nohost = rsn(5, "100.64.0.5", "100.65.0.5", NULL);
	struct ntm_nft_path zero = rsn(0, "100.64.0.5", "100.65.0.5", "198.51.100.5");
	struct ntm_nft_path other = rsn(6, "100.64.0.5", "100.65.0.5", "198.51.100.5");
	struct ntm_nft_path badtype = p;
	struct ntm_nft h;

	NEED_NETNS();
	badtype.type = 9;
	assert_int_equal(ntm_nft_open(&h), 0);
	assert_err(&h, ntm_nft_path_apply(&h, NULL, &p), -ENOENT, "ntmctl nft ensure");
	assert_int_equal(ntm_nft_table_ensure(&h), 11);
	assert_err(&h, ntm_nft_path_apply(&h, NULL, &v6), -EAFNOSUPPORT, "IPv6");
	assert_err(&h, ntm_nft_path_apply(&h, NULL, &nohost), -EINVAL,
		   "the host's address missing");
	assert_err(&h, ntm_nft_path_apply(&h, NULL, &zero), -EINVAL, "PathID is never 0");
	assert_err(&h, ntm_nft_path_apply(&h, &p, &other), -EINVAL, "differ");
	assert_err(&h, ntm_nft_path_apply(&h, NULL, &badtype), -EINVAL, "unknown type");
	assert_err(&h, ntm_nft_path_apply(&h, NULL, NULL), -EINVAL, "neither");
	assert_elements("path_counters", "");
	ntm_nft_close(&h);
}

/* A daemon restarted: a new handle finds every path and what they share. */
static void test_restart(void **state)
{
	struct ntm_nft_path a = rsn(1, "100.64.0.1", "100.65.0.30", "198.51.100.30");
	struct ntm_nft_path b = rsn(2, "100.64.0.1", "100.65.0.31", "198.51.100.31");
	struct ntm_nft_path t = rst(3, "203.0.113.5", NULL);
	const struct ntm_nft_path_state *st;
	struct seen seen = { 0 };
	uint64_t pk, by;
	struct ntm_nft *h;
	char fmt[128];

	NEED_NETNS();
	/* A counter with packets already, as after a restart. */
	if (system("nft -f nft/ntmobile.nft 2>/dev/null") != 0) {
		print_message("skipped: run from the repository root (nft/ntmobile.nft)\n");
		skip();
	}
	assert_int_equal(system("nft add counter inet ntmobile path_1 '{ packets 10 bytes 1000 }'"), 0);
	h = open_ensured();
	apply_ok(h, NULL, &a);
	apply_ok(h, NULL, &b);
	apply_ok(h, NULL, &t);
	close_free(h);

	h = open_ensured();
	assert_int_equal(ntm_nft_paths(h, seen_cb, &seen), 3);
	st = seen_find(&seen, 1);
	assert_non_null(st);
	assert_string_equal(ntm_nft_path_fmt(&st->path, fmt, sizeof(fmt)),
			    "RS-N a 100.64.0.1 b 100.65.0.30 host 198.51.100.30");
	assert_true(st->packets == 10 && st->bytes == 1000);
	st = seen_find(&seen, 3);
	assert_non_null(st);
	assert_int_equal(st->path.type, NTM_PATH_RS_T);
	assert_string_equal(ntm_nft_path_fmt(&st->path, fmt, sizeof(fmt)),
			    "RS-T a 203.0.113.5");
	/* Re-installing keeps the counter; removing path 1 keeps the VIP
	 * path 2 still needs, even knowing nothing but the table. */
	apply_ok(h, NULL, &a);
	assert_int_equal(ntm_nft_path_counter(h, 1, &pk, &by), 0);
	assert_true(pk == 10 && by == 1000);
	close_free(h);
	h = open_ensured();
	apply_ok(h, &a, NULL);
	assert_elements("rsn_vips", "{ 100.64.0.1 }");
	apply_ok(h, &b, NULL);
	assert_elements("rsn_vips", "");
	close_free(h);
}

/* Someone else changed the table behind a handle's back. */
static void test_stale_view(void **state)
{
	struct ntm_nft_path a = rsn(1, "100.64.0.1", "100.65.0.30", "198.51.100.30");
	struct ntm_nft_path t = rst(2, "203.0.113.5", NULL);
	struct ntm_nft *h, *other;

	NEED_NETNS();
	h = open_ensured();
	apply_ok(h, NULL, &a);
	other = open_ensured();
	apply_ok(other, &a, NULL);
	assert_elements("rsn_vips", "");
	apply_ok(h, NULL, &a);		/* h still thinks it is there */
	assert_elements("rsn_vips", "{ 100.64.0.1 }");
	assert_elements("rsn_hosts", "{ 100.65.0.30 : 198.51.100.30 }");

	/* An element deleted by hand: a re-install puts it back, a removal
	 * does not trip over it. */
	assert_int_equal(system("nft delete element inet ntmobile rsn_hosts '{ 100.65.0.30 }'"), 0);
	apply_ok(h, NULL, &a);
	assert_elements("rsn_hosts", "{ 100.65.0.30 : 198.51.100.30 }");
	assert_int_equal(system("nft delete element inet ntmobile rsn_vips '{ 100.64.0.1 }'"), 0);
	apply_ok(h, &a, NULL);
	assert_elements("rsn_hosts", "");
	assert_elements("path_counters", "");

	/* The whole table flushed and ensured again. */
	apply_ok(h, NULL, &a);
	assert_int_equal(system("nft flush ruleset"), 0);
	assert_int_equal(ntm_nft_table_ensure(other), 11);
	apply_ok(h, &a, NULL);
	apply_ok(h, NULL, &a);
	assert_elements("rsn_vips", "{ 100.64.0.1 }");

	/* A prefix added by hand overlaps a path's VIP: a clear refusal. */
	assert_int_equal(system("nft add element inet ntmobile rst_addrs '{ 203.0.113.0/28 }'"), 0);
	assert_err(h, ntm_nft_path_apply(h, NULL, &t), -EEXIST,
		   "overlaps an element that no path put there");
	close_free(other);
	close_free(h);
}

/* The admin's tables are byte-identical after every operation. */
static void test_admin_untouched(void **state)
{
	struct ntm_nft_path a = rsn(1, "100.64.0.1", "100.65.0.30", "198.51.100.30");
	struct ntm_nft_path t = rst(2, "203.0.113.5", NULL);
	const char *admin = "nft list table inet filter; nft list table ip nat";
	struct ntm_nft *h;
	char *before, *now;

	NEED_NETNS();
	if (system("nft -f nft/gateway.nft 2>/dev/null") != 0) {
		print_message("skipped: run from the repository root (nft/gateway.nft)\n");
		skip();
	}
	before = run("%s", admin);
	assert_non_null(before);

#define ADMIN_SAME()							\
	do {								\
		now = run("%s", admin);					\
		assert_non_null(now);					\
		assert_string_equal(before, now);			\
		free(now);						\
	} while (0)

	h = open_ensured();
	ADMIN_SAME();
	apply_ok(h, NULL, &a);
	ADMIN_SAME();
	apply_ok(h, NULL, &t);
	ADMIN_SAME();
	apply_ok(h, &a, NULL);
	ADMIN_SAME();
	assert_true(ntm_nft_paths(h, NULL, NULL) == 1);
	ADMIN_SAME();
	assert_int_equal(system("nft delete chain inet ntmobile pathcount"), 0);
	assert_int_equal(ntm_nft_table_ensure(h), 1);
	ADMIN_SAME();
	assert_int_equal(ntm_nft_table_remove(h), 1);
	ADMIN_SAME();
	now = run("nft list tables");
	assert_string_equal(now, "table inet filter\ntable ip nat\n");
	free(now);
#undef ADMIN_SAME
	free(before);
	close_free(h);
}

static void test_record_format(void **state)
{
	struct ntm_nft_path p = rsn(4, "100.64.0.1", "100.65.0.30", "198.51.100.30");
	struct ntm_nft_path q = { .id = 77 };
	char buf[128];

	(void)state;
	assert_string_equal(ntm_nft_path_fmt(&p, buf, sizeof(buf)),
			    "RS-N a 100.64.0.1 b 100.65.0.30 host 198.51.100.30");
	assert_int_equal(ntm_nft_path_parse(buf, &q), 0);
	assert_int_equal(q.id, 77);
	q.id = p.id;
	assert_memory_equal(&p, &q, sizeof(p));
	assert_int_equal(ntm_nft_path_parse("RS-T a 203.0.113.5", &q), 0);
	assert_int_equal(q.type, NTM_PATH_RS_T);
	assert_int_equal(q.b_vip.family, AF_UNSPEC);
	assert_int_equal(ntm_nft_path_parse("RS-N a 100.64.0.1", &q), -EINVAL);
	assert_int_equal(ntm_nft_path_parse("RS-S", &q), -EINVAL);
	assert_int_equal(ntm_nft_path_parse("RS-T a 203.0.113.5 a 1.2.3.4", &q), -EINVAL);
	assert_int_equal(ntm_nft_path_parse("RS-T a 999.0.0.1", &q), -EINVAL);
	assert_int_equal(ntm_nft_path_parse("RS-T host 1.2.3.4", &q), -EINVAL);
	assert_int_equal(ntm_nft_path_parse("", &q), -EINVAL);
}

/* ---- conntrack ---------------------------------------------------------------- */

/* A UDP entry 100.64.0.1:sport -> 100.65.0.30:53, reply from the host's real
 * address to the RS's, ct mark @mark. */
static void ct_create(struct nfct_handle *cth, uint16_t sport, uint32_t mark)
{
	struct nf_conntrack *ct = nfct_new();

	assert_non_null(ct);
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u32(ct, ATTR_IPV4_SRC, inet_addr("100.64.0.1"));
	nfct_set_attr_u32(ct, ATTR_IPV4_DST, inet_addr("100.65.0.30"));
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_UDP);
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(sport));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(53));
	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET);
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, inet_addr("198.51.100.30"));
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, inet_addr("198.51.100.10"));
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, IPPROTO_UDP);
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(53));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(sport));
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 120);
	nfct_set_attr_u32(ct, ATTR_MARK, mark);
	if (nfct_query(cth, NFCT_Q_CREATE, ct) < 0)
		fail_msg("creating a conntrack entry: %s", strerror(errno));
	nfct_destroy(ct);
}

struct flows {
	int n;
	uint32_t ports_mask;		/* bit (sport - 40000) */
	bool wrong;
};

static int flow_cb(const struct ntm_ct_flow *f, void *arg)
{
	struct flows *fl = arg;
	char a[64], b[64], c[64], d[64];

	fl->n++;
	ntm_nl_fmt_vip(&f->orig.src, a, sizeof(a));
	ntm_nl_fmt_vip(&f->orig.dst, b, sizeof(b));
	ntm_nl_fmt_vip(&f->reply.src, c, sizeof(c));
	ntm_nl_fmt_vip(&f->reply.dst, d, sizeof(d));
	if (f->mark != 42 || f->proto != IPPROTO_UDP || strcmp(a, "100.64.0.1") ||
	    strcmp(b, "100.65.0.30") || strcmp(c, "198.51.100.30") ||
	    strcmp(d, "198.51.100.10") || f->orig.dport != 53 ||
	    f->reply.sport != 53 || f->reply.dport != f->orig.sport ||
	    f->orig.sport < 40000 || f->orig.sport >= 40032 ||
	    f->timeout == 0 || f->timeout > 120 || f->has_tcp_state)
		fl->wrong = true;
	else
		fl->ports_mask |= 1u << (f->orig.sport - 40000);
	return 0;
}

static int stop_cb(const struct ntm_ct_flow *f, void *arg)
{
	(void)f;
	(void)arg;
	return -ECANCELED;
}

static void test_ct_flows_flush(void **state)
{
	struct nfct_handle *cth;
	struct flows fl = { 0 };
	int i;

	NEED_NETNS();
	cth = nfct_open(CONNTRACK, 0);
	assert_non_null(cth);
	for (i = 0; i < 5; i++)
		ct_create(cth, (uint16_t)(40000 + i), 42);
	for (i = 5; i < 8; i++)
		ct_create(cth, (uint16_t)(40000 + i), 43);
	ct_create(cth, 40008, 0);
	ct_create(cth, 40009, 42 | 0x100);	/* differs in one bit */

	assert_int_equal(ntm_ct_flows(42, flow_cb, &fl), 5);
	assert_int_equal(fl.n, 5);
	assert_false(fl.wrong);
	assert_int_equal(fl.ports_mask, 0x1f);
	assert_int_equal(ntm_ct_flows(43, NULL, NULL), 3);
	assert_int_equal(ntm_ct_flows(44, NULL, NULL), 0);
	assert_int_equal(ntm_ct_flows(42, stop_cb, NULL), -ECANCELED);

	assert_int_equal(ntm_ct_flush_path(42), 5);
	assert_int_equal(ntm_ct_flows(42, NULL, NULL), 0);
	assert_int_equal(ntm_ct_flows(43, NULL, NULL), 3);
	assert_int_equal(ntm_ct_flows(0, NULL, NULL), 1);
	assert_int_equal(ntm_ct_flows(42 | 0x100, NULL, NULL), 1);
	assert_int_equal(ntm_ct_flush_path(42), 0);
	assert_int_equal(ntm_ct_flush_path(43), 3);
	assert_int_equal(ntm_ct_flows(43, NULL, NULL), 0);
	nfct_close(cth);

	assert_string_equal(ntm_ct_tcp_state_name(3), "ESTABLISHED");
	assert_string_equal(ntm_ct_tcp_state_name(7), "TIME_WAIT");
	assert_string_equal(ntm_ct_tcp_state_name(200), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_format),
		cmocka_unit_test_setup(test_ensure_remove, setup_netns),
		cmocka_unit_test_setup(test_ensure_refuses_other_types, setup_netns),
		cmocka_unit_test_setup(test_rsn_install_update_remove, setup_netns),
		cmocka_unit_test_setup(test_rst, setup_netns),
		cmocka_unit_test_setup(test_path_vips_conflict, setup_netns),
		cmocka_unit_test_setup(test_shared_elements, setup_netns),
		cmocka_unit_test_setup(test_rss_and_type_change, setup_netns),
		cmocka_unit_test_setup(test_invalid, setup_netns),
		cmocka_unit_test_setup(test_restart, setup_netns),
		cmocka_unit_test_setup(test_stale_view, setup_netns),
		cmocka_unit_test_setup(test_admin_untouched, setup_netns),
		cmocka_unit_test_setup(test_ct_flows_flush, setup_netns),
		cmocka_unit_test_setup(test_node_table, setup_netns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
