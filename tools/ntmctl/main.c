// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntmctl: run a parsed command against nf_ntm (or, for flows and nft,
 * against conntrack and table inet ntmobile) and print the answer, for
 * people (the project's words: path, leg A / leg B, tunnel endpoint, VIP,
 * refresh, idle) or as JSON (-j, like ip -j).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/netfilter/nf_conntrack_common.h>

#include "ntm_array.h"
#include "ntm_ct.h"
#include "ntm_nft.h"
#include "ntmctl.h"

struct out {
	bool json;
	struct ntm_json j;
};

/* What commands run against, each opened when a command first needs it:
 * flows and nft work where nf_ntm cannot be loaded. */
struct ctx {
	struct ntm_nl *nl;
	struct ntm_nft *nft;
};

static const char *leg_name(int leg)
{
	return leg == NTM_LEG_A ? "A" : "B";
}

/* ---- human output ---------------------------------------------------------- */

static void print_refresh_idle(const struct ntm_path *p)
{
	if (p->has & NTM_PATH_HAS_REFRESH) {
		if (p->refresh)
			printf(", refresh %" PRIu32 "s", p->refresh);
		else
			printf(", refresh never");
	}
	if (p->has & NTM_PATH_HAS_IDLE)
		printf(", idle %" PRIu64 ".%03" PRIu64 "s", p->idle_ms / 1000,
		       p->idle_ms % 1000);
}

/* "leg A: tunnel endpoint X, VIP Y" (leg B of RS-N/RS-T: the host side). */
static void print_leg(const struct ntm_path *p, int leg)
{
	const struct ntm_path_leg *l = &p->leg[leg];
	char ep[64], vip[64];
	bool host = leg == NTM_LEG_B && (p->type == NTM_PATH_RS_N ||
					 p->type == NTM_PATH_RS_T);

	ntm_nl_fmt_vip(&l->vip, vip, sizeof(vip));
	if (host && l->endpoint.ss_family == AF_UNSPEC) {
		printf("leg B (host side): VIP %s", vip);
		return;
	}
	printf("leg %s: tunnel endpoint %s, VIP %s", leg_name(leg),
	       ntm_nl_fmt_endpoint(&l->endpoint, ep, sizeof(ep)), vip);
}

static void print_leg_stats(const struct ntm_stats *s, const char *indent)
{
	printf("%srx %" PRIu64 " packets, %" PRIu64 " bytes; tx %" PRIu64
	       " packets, %" PRIu64 " bytes\n", indent, s->rx_packets,
	       s->rx_bytes, s->tx_packets, s->tx_bytes);
	printf("%sdropped: auth %" PRIu64 ", replay %" PRIu64 ", malformed %"
	       PRIu64 ", no route %" PRIu64 "\n", indent, s->drop_auth,
	       s->drop_replay, s->drop_malformed, s->drop_noroute);
}

static void print_path_line(const struct ntm_path *p, const char *prefix)
{
	int leg;

	printf("%spath %" PRIu32 ": %s", prefix, p->id,
	       (p->has & NTM_PATH_HAS_TYPE) ? ntm_path_type_name(p->type) : "?");
	print_refresh_idle(p);
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		if (!(p->has & (leg == NTM_LEG_A ? NTM_PATH_HAS_LEG_A :
						   NTM_PATH_HAS_LEG_B)))
			continue;
		printf("; ");
		print_leg(p, leg);
	}
	printf("\n");
}

static void print_path_detail(const struct ntm_path *p)
{
	int leg;

	printf("path %" PRIu32 ": %s", p->id,
	       (p->has & NTM_PATH_HAS_TYPE) ? ntm_path_type_name(p->type) : "?");
	print_refresh_idle(p);
	printf("\n");
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		printf("  ");
		print_leg(p, leg);
		printf("\n");
		if (p->leg[leg].has_stats)
			print_leg_stats(&p->leg[leg].stats, "    ");
	}
}

/* ---- commands ------------------------------------------------------------- */

static int nl_fail(struct ntm_nl *nl, int err, const char *what)
{
	fprintf(stderr, "ntmctl: %s: %s\n", what, ntm_nl_strerror(nl, err));
	return NTMCTL_FAIL;
}

static int path_fail(struct ntm_nl *nl, int err, uint32_t id)
{
	fprintf(stderr, "ntmctl: path %" PRIu32 ": %s\n", id,
		ntm_nl_strerror(nl, err));
	return NTMCTL_FAIL;
}

static int cmd_tunnel_show(struct ntm_nl *nl, struct out *o)
{
	struct ntm_tunnel_info t;
	const struct ntm_stats *s = &t.stats;
	int ret = ntm_nl_tunnel_get(nl, &t);

	if (ret < 0)
		return nl_fail(nl, ret, "tunnel show");
	if (o->json) {
		struct ntm_json *j = &o->j;

		ntm_json_arr_start(j);
		ntm_json_tunnel(j, &t);
		ntm_json_arr_end(j);
		printf("\n");
		return NTMCTL_OK;
	}
	printf("tunnel: port %u, dev %s", t.port,
	       t.ifname[0] ? t.ifname : "?");
	if (t.has & NTM_TUNNEL_HAS_IFINDEX)
		printf(" (ifindex %" PRIu32 ")", t.ifindex);
	printf(", paths %" PRIu32 " of max %" PRIu32 "\n", t.paths, t.max_paths);
	if (t.has & NTM_TUNNEL_HAS_STATS)
		printf("  dropped, matching no path: unknown PathID %" PRIu64
		       ", malformed %" PRIu64 ", control messages %" PRIu64 "\n",
		       s->drop_nopath, s->drop_malformed, s->rx_control);
	return NTMCTL_OK;
}

/* The whole table, sorted by PathID; a dump the kernel flags as
 * inconsistent (the table changed meanwhile) is done again. */
static int dump_all(struct ntm_nl *nl, struct ntm_path_list *l)
{
	int tries, ret = 0;

	for (tries = 0; tries < 3; tries++) {
		l->n = 0;
		ret = ntm_nl_path_dump(nl, ntm_path_list_add, l);
		if (ret != -EINTR)
			break;
	}
	if (ret >= 0)
		ntm_path_list_sort(l);
	return ret;
}

static int cmd_path_list(struct ntm_nl *nl, struct out *o)
{
	struct ntm_path_list l = { 0 };
	size_t i;
	int ret = dump_all(nl, &l);

	if (ret < 0) {
		ntm_path_list_free(&l);
		return nl_fail(nl, ret, "path list");
	}
	if (o->json) {
		ntm_json_arr_start(&o->j);
		for (i = 0; i < l.n; i++)
			ntm_json_path(&o->j, &l.v[i]);
		ntm_json_arr_end(&o->j);
		printf("\n");
	} else {
		for (i = 0; i < l.n; i++)
			print_path_line(&l.v[i], "");
	}
	ntm_path_list_free(&l);
	return NTMCTL_OK;
}

static int cmd_path_show(struct ntm_nl *nl, struct out *o, uint32_t id)
{
	struct ntm_path p;
	int ret = ntm_nl_path_get(nl, id, &p);

	if (ret < 0)
		return path_fail(nl, ret, id);
	if (o->json) {
		ntm_json_arr_start(&o->j);
		ntm_json_path(&o->j, &p);
		ntm_json_arr_end(&o->j);
		printf("\n");
	} else {
		print_path_detail(&p);
	}
	return NTMCTL_OK;
}

static int cmd_path_set(struct ntm_nl *nl, struct ntmctl_cmd *cmd)
{
	int ret;

	if (cmd->has_path_key) {
		struct ntm_path cur;

		/* RS-S never gets the data key: the type decides. */
		ret = ntm_nl_path_get(nl, cmd->path.id, &cur);
		if (ret < 0)
			return path_fail(nl, ret, cmd->path.id);
		ret = ntmctl_derive_keys(cmd, cur.type);
		if (ret) {
			fprintf(stderr, "ntmctl: path %" PRIu32 ": %s\n",
				cmd->path.id, cmd->err);
			return NTMCTL_FAIL;
		}
	}
	ret = ntm_nl_path_set(nl, &cmd->path);
	if (ret < 0)
		return path_fail(nl, ret, cmd->path.id);
	return NTMCTL_OK;
}

static int sum_cb(const struct ntm_path *p, void *data)
{
	struct ntm_stats *sum = data;
	int leg;

	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++)
		ntm_stats_add(sum, &p->leg[leg].stats);
	return 0;
}

static int cmd_stats(struct ntm_nl *nl, struct out *o)
{
	struct ntm_tunnel_info t;
	struct ntm_stats sum;
	int tries, n = 0, ret;

	ret = ntm_nl_tunnel_get(nl, &t);
	if (ret < 0)
		return nl_fail(nl, ret, "stats");
	for (tries = 0; tries < 3; tries++) {
		memset(&sum, 0, sizeof(sum));
		n = ntm_nl_path_dump(nl, sum_cb, &sum);
		if (n != -EINTR)
			break;
	}
	if (n < 0)
		return nl_fail(nl, n, "stats");

	if (o->json) {
		struct ntm_json *j = &o->j;

		ntm_json_arr_start(j);
		ntm_json_obj_start(j);
		ntm_json_key(j, "tunnel");
		ntm_json_obj_start(j);
		ntm_json_kv_u64(j, "port", t.port);
		ntm_json_kv_u64(j, "paths", t.paths);
		ntm_json_kv_u64(j, "drop_nopath", t.stats.drop_nopath);
		ntm_json_kv_u64(j, "drop_malformed", t.stats.drop_malformed);
		ntm_json_kv_u64(j, "rx_control", t.stats.rx_control);
		ntm_json_obj_end(j);
		ntm_json_key(j, "paths");
		ntm_json_obj_start(j);
		ntm_json_kv_u64(j, "count", (uint64_t)n);
		ntm_json_leg_stats(j, &sum);
		ntm_json_obj_end(j);
		ntm_json_obj_end(j);
		ntm_json_arr_end(j);
		printf("\n");
		return NTMCTL_OK;
	}
	printf("tunnel: port %u, paths %" PRIu32 "\n", t.port, t.paths);
	printf("  dropped, matching no path: unknown PathID %" PRIu64
	       ", malformed %" PRIu64 ", control messages %" PRIu64 "\n",
	       t.stats.drop_nopath, t.stats.drop_malformed, t.stats.rx_control);
	printf("paths: %d, both legs added up\n", n);
	print_leg_stats(&sum, "  ");
	return NTMCTL_OK;
}

static int event_cb(const struct ntm_nl_event *ev, void *data)
{
	struct out *o = data;
	const struct ntm_path *p = &ev->path;
	const char *name = ev->cmd == NTM_CMD_NOTIFY_ENDPOINT ? "endpoint" :
			   "expired";
	int leg;

	if (o->json) {
		ntm_json_init(&o->j, stdout);
		ntm_json_obj_start(&o->j);
		ntm_json_kv_str(&o->j, "event", name);
		ntm_json_key(&o->j, "path");
		ntm_json_path(&o->j, p);
		ntm_json_obj_end(&o->j);
		printf("\n");
		return 0;
	}
	if (ev->cmd == NTM_CMD_NOTIFY_EXPIRED) {
		print_path_line(p, "expired: ");
		return 0;
	}
	printf("endpoint: path %" PRIu32, p->id);
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		char ep[64];

		if (!(p->has & (leg == NTM_LEG_A ? NTM_PATH_HAS_LEG_A :
						   NTM_PATH_HAS_LEG_B)))
			continue;
		printf(", leg %s: tunnel endpoint %s", leg_name(leg),
		       ntm_nl_fmt_endpoint(&p->leg[leg].endpoint, ep, sizeof(ep)));
	}
	printf("\n");
	return 0;
}

static int cmd_monitor(struct ntm_nl *nl, struct out *o)
{
	int ret = ntm_nl_subscribe(nl);

	if (ret == -EOPNOTSUPP) {
		fprintf(stderr, "ntmctl: monitor: nf_ntm has no \"%s\" multicast group\n",
			NTM_GENL_MCGRP);
		return NTMCTL_FAIL;
	}
	if (ret < 0)
		return nl_fail(nl, ret, "monitor");
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		ret = ntm_nl_event_recv(nl, event_cb, o);
		if (ret == -ENOBUFS) {
			fprintf(stderr, "ntmctl: monitor: notifications lost (receive buffer overrun)\n");
			continue;
		}
		if (ret < 0)
			return nl_fail(nl, ret, "monitor");
	}
}

/* ---- flows: conntrack entries of a path ----------------------------------- */

struct flow_list {
	struct ntm_ct_flow *v;
	size_t n, cap;
};

static int flow_collect_cb(const struct ntm_ct_flow *f, void *arg)
{
	struct flow_list *l = arg;

	if (l->n == l->cap) {
		struct ntm_ct_flow *v = ntm_array_grow(l->v, &l->cap,
						       sizeof(*v), 64);

		if (!v)
			return -ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = *f;
	return 0;
}

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_UDPLITE:
		return "udplite";
	case IPPROTO_DCCP:
		return "dccp";
	case IPPROTO_GRE:
		return "gre";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

static bool flow_has_ports(const struct ntm_ct_flow *f)
{
	return f->orig.sport || f->orig.dport;
}

static bool flow_is_icmp(const struct ntm_ct_flow *f)
{
	return f->proto == IPPROTO_ICMP || f->proto == IPPROTO_ICMPV6;
}

/* "100.64.0.1:40000 -> 100.65.0.30:80" */
static void print_tuple(const struct ntm_ct_flow *f,
			const struct ntm_ct_tuple *t)
{
	char src[64], dst[64];

	ntm_nl_fmt_vip(&t->src, src, sizeof(src));
	ntm_nl_fmt_vip(&t->dst, dst, sizeof(dst));
	if (flow_has_ports(f))
		printf(t->src.family == AF_INET6 ? "[%s]:%u -> [%s]:%u" :
		       "%s:%u -> %s:%u", src, t->sport, dst, t->dport);
	else
		printf("%s -> %s", src, dst);
}

/*
 * One flow on two lines:
 *   tcp ESTABLISHED, 431999s left, assured: leg A 100.64.0.1:40000 ->
 *   100.65.0.30:80, host side 198.51.100.30:80 -> 198.51.100.10:40000
 *     to host 5 packets 300 bytes, to leg A 4 packets 250 bytes
 */
static void print_flow(const struct ntm_ct_flow *f)
{
	char pbuf[8];

	printf("  %s", proto_name(f->proto, pbuf, sizeof(pbuf)));
	if (f->has_tcp_state)
		printf(" %s", ntm_ct_tcp_state_name(f->tcp_state));
	printf(", %" PRIu32 "s left", f->timeout);
	if (f->status & IPS_ASSURED)
		printf(", assured");
	if (!(f->status & IPS_SEEN_REPLY))
		printf(", unreplied");
	printf(": leg A ");
	print_tuple(f, &f->orig);
	if (flow_is_icmp(f))
		printf(" type %u code %u id %u", f->icmp_type, f->icmp_code,
		       f->icmp_id);
	printf(", host side ");
	print_tuple(f, &f->reply);
	printf("\n");
	if (f->has_counters)
		printf("    to host %" PRIu64 " packets %" PRIu64 " bytes, to leg A %"
		       PRIu64 " packets %" PRIu64 " bytes\n", f->orig_packets,
		       f->orig_bytes, f->reply_packets, f->reply_bytes);
}

static void json_tuple(struct ntm_json *j, const char *key,
		       const struct ntm_ct_flow *f, const struct ntm_ct_tuple *t)
{
	char buf[64];

	ntm_json_key(j, key);
	ntm_json_obj_start(j);
	ntm_json_kv_str(j, "src", ntm_nl_fmt_vip(&t->src, buf, sizeof(buf)));
	ntm_json_kv_str(j, "dst", ntm_nl_fmt_vip(&t->dst, buf, sizeof(buf)));
	if (flow_has_ports(f)) {
		ntm_json_kv_u64(j, "sport", t->sport);
		ntm_json_kv_u64(j, "dport", t->dport);
	}
	ntm_json_obj_end(j);
}

static void json_counter(struct ntm_json *j, const char *key, uint64_t packets,
			 uint64_t bytes)
{
	ntm_json_key(j, key);
	ntm_json_obj_start(j);
	ntm_json_kv_u64(j, "packets", packets);
	ntm_json_kv_u64(j, "bytes", bytes);
	ntm_json_obj_end(j);
}

static void json_flow(struct ntm_json *j, const struct ntm_ct_flow *f)
{
	char pbuf[8];

	ntm_json_obj_start(j);
	ntm_json_kv_u64(j, "path", f->mark);
	ntm_json_kv_u64(j, "id", f->id);
	ntm_json_kv_str(j, "proto", proto_name(f->proto, pbuf, sizeof(pbuf)));
	if (f->has_tcp_state)
		ntm_json_kv_str(j, "state", ntm_ct_tcp_state_name(f->tcp_state));
	ntm_json_kv_u64(j, "timeout", f->timeout);
	ntm_json_key(j, "assured");
	ntm_json_bool(j, f->status & IPS_ASSURED);
	ntm_json_key(j, "seen_reply");
	ntm_json_bool(j, f->status & IPS_SEEN_REPLY);
	json_tuple(j, "leg_a", f, &f->orig);
	json_tuple(j, "host_side", f, &f->reply);
	if (flow_is_icmp(f)) {
		ntm_json_kv_u64(j, "icmp_type", f->icmp_type);
		ntm_json_kv_u64(j, "icmp_code", f->icmp_code);
		ntm_json_kv_u64(j, "icmp_id", f->icmp_id);
	}
	if (f->has_counters) {
		json_counter(j, "to_host", f->orig_packets, f->orig_bytes);
		json_counter(j, "to_leg_a", f->reply_packets, f->reply_bytes);
	}
	ntm_json_obj_end(j);
}

static int cmd_flows(struct out *o, uint32_t id)
{
	struct flow_list l = { 0 };
	size_t i;
	int ret = ntm_ct_flows(id, flow_collect_cb, &l);

	if (ret < 0) {
		fprintf(stderr, "ntmctl: flows %" PRIu32 ": conntrack: %s\n", id,
			ret == -EPERM ? "need CAP_NET_ADMIN" : strerror(-ret));
		free(l.v);
		return NTMCTL_FAIL;
	}
	if (o->json) {
		ntm_json_arr_start(&o->j);
		for (i = 0; i < l.n; i++)
			json_flow(&o->j, &l.v[i]);
		ntm_json_arr_end(&o->j);
		printf("\n");
	} else {
		printf("path %" PRIu32 ": %zu flow%s\n", id, l.n, l.n == 1 ? "" : "s");
		for (i = 0; i < l.n; i++)
			print_flow(&l.v[i]);
	}
	free(l.v);
	return NTMCTL_OK;
}

/* ---- nft: table inet ntmobile ---------------------------------------------- */

static struct ntm_nft *ctx_nft(struct ctx *c)
{
	int ret;

	if (c->nft)
		return c->nft;
	c->nft = malloc(sizeof(*c->nft));
	if (!c->nft) {
		fprintf(stderr, "ntmctl: out of memory\n");
		return NULL;
	}
	ret = ntm_nft_open(c->nft);
	if (ret < 0) {
		fprintf(stderr, "ntmctl: nft: %s\n", ntm_nft_strerror(c->nft, ret));
		free(c->nft);
		c->nft = NULL;
	}
	return c->nft;
}

struct nft_list {
	struct ntm_nft_path_state *v;
	size_t n, cap;
};

static int nft_collect_cb(const struct ntm_nft_path_state *st, void *arg)
{
	struct nft_list *l = arg;

	if (l->n == l->cap) {
		struct ntm_nft_path_state *v = ntm_array_grow(l->v, &l->cap,
							      sizeof(*v), 256);

		if (!v)
			return -ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = *st;
	return 0;
}

static int nft_by_id(const void *a, const void *b)
{
	const struct ntm_nft_path_state *x = a, *y = b;

	return (x->path.id > y->path.id) - (x->path.id < y->path.id);
}

/* "path 42: RS-N; leg A: VIP ...; leg B (host side): VIP ... -> host ...;
 * 10 packets, 1200 bytes" */
static void print_nft_path(const struct ntm_nft_path_state *st)
{
	const struct ntm_nft_path *p = &st->path;
	char a[64], b[64], host[64];

	printf("path %" PRIu32 ": ", p->id);
	if (!p->type) {
		printf("record unreadable");
	} else {
		printf("%s; leg A: VIP %s", ntm_path_type_name(p->type),
		       ntm_nl_fmt_vip(&p->a_vip, a, sizeof(a)));
		if (p->b_vip.family != AF_UNSPEC)
			printf("; leg B (host side): VIP %s",
			       ntm_nl_fmt_vip(&p->b_vip, b, sizeof(b)));
		if (p->host.family != AF_UNSPEC)
			printf(" -> host %s", ntm_nl_fmt_vip(&p->host, host,
							   sizeof(host)));
	}
	printf("; %" PRIu64 " packets, %" PRIu64 " bytes\n", st->packets,
	       st->bytes);
}

static void json_nft_path(struct ntm_json *j, const struct ntm_nft_path_state *st)
{
	const struct ntm_nft_path *p = &st->path;
	char buf[64];

	ntm_json_obj_start(j);
	ntm_json_kv_u64(j, "id", p->id);
	if (p->type) {
		ntm_json_kv_str(j, "type", ntm_path_type_name(p->type));
		ntm_json_key(j, "leg_a");
		ntm_json_obj_start(j);
		ntm_json_kv_str(j, "vip", ntm_nl_fmt_vip(&p->a_vip, buf, sizeof(buf)));
		ntm_json_obj_end(j);
		ntm_json_key(j, "leg_b");
		ntm_json_obj_start(j);
		if (p->b_vip.family != AF_UNSPEC)
			ntm_json_kv_str(j, "vip", ntm_nl_fmt_vip(&p->b_vip, buf,
								 sizeof(buf)));
		if (p->host.family != AF_UNSPEC)
			ntm_json_kv_str(j, "host", ntm_nl_fmt_vip(&p->host, buf,
								  sizeof(buf)));
		ntm_json_obj_end(j);
	}
	ntm_json_kv_u64(j, "packets", st->packets);
	ntm_json_kv_u64(j, "bytes", st->bytes);
	ntm_json_obj_end(j);
}

static int cmd_nft_show(struct ntm_nft *nft, struct out *o)
{
	struct nft_list l = { 0 };
	size_t i;
	int ret = ntm_nft_paths(nft, nft_collect_cb, &l);

	if (ret < 0) {
		fprintf(stderr, "ntmctl: nft show: %s\n", ntm_nft_strerror(nft, ret));
		free(l.v);
		return NTMCTL_FAIL;
	}
	qsort(l.v, l.n, sizeof(*l.v), nft_by_id);
	if (o->json) {
		ntm_json_arr_start(&o->j);
		for (i = 0; i < l.n; i++)
			json_nft_path(&o->j, &l.v[i]);
		ntm_json_arr_end(&o->j);
		printf("\n");
	} else {
		printf("table inet %s: %zu path%s\n", NTM_NFT_TABLE, l.n,
		       l.n == 1 ? "" : "s");
		for (i = 0; i < l.n; i++)
			print_nft_path(&l.v[i]);
	}
	free(l.v);
	return NTMCTL_OK;
}

static int cmd_nft(struct ctx *c, enum ntmctl_action action, struct out *o)
{
	struct ntm_nft *nft = ctx_nft(c);
	const char *what = action == NTMCTL_NFT_ENSURE ? "nft ensure" :
			   "nft remove";
	int ret;

	if (!nft)
		return NTMCTL_FAIL;
	if (action == NTMCTL_NFT_SHOW)
		return cmd_nft_show(nft, o);
	ret = action == NTMCTL_NFT_ENSURE ? ntm_nft_table_ensure(nft) :
					    ntm_nft_table_remove(nft);
	if (ret < 0) {
		fprintf(stderr, "ntmctl: %s: %s\n", what, ntm_nft_strerror(nft, ret));
		return NTMCTL_FAIL;
	}
	if (action == NTMCTL_NFT_ENSURE && ret > 0 && !o->json)
		printf("table inet %s: %d object%s created or repaired\n",
		       NTM_NFT_TABLE, ret, ret == 1 ? "" : "s");
	return NTMCTL_OK;
}

static int enter_netns(const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ntmctl: network namespace \"%s\": %s\n", name,
			strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "ntmctl: cannot enter network namespace \"%s\": %s\n",
			name, errno == EPERM ? "need CAP_SYS_ADMIN" : strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static const char *topic_word(enum ntmctl_topic t)
{
	switch (t) {
	case NTMCTL_TOPIC_TUNNEL:
		return "tunnel ";
	case NTMCTL_TOPIC_PATH:
		return "path ";
	case NTMCTL_TOPIC_STATS:
		return "stats ";
	case NTMCTL_TOPIC_MONITOR:
		return "monitor ";
	case NTMCTL_TOPIC_FLOWS:
		return "flows ";
	case NTMCTL_TOPIC_NFT:
		return "nft ";
	default:
		return "";
	}
}

static int run(struct ctx *c, struct ntmctl_cmd *cmd, struct out *o);

static struct ntm_nl *ctx_nl(struct ctx *c);

/* Path requests of a batch file queued for one sendmsg(), by line. */
struct batch {
	const char *file;
	unsigned int max;		/* requests per sendmsg() */
	struct ntm_nl_batch *nlb;
	unsigned long line[NTM_NL_BATCH_MAX];
	uint32_t id[NTM_NL_BATCH_MAX];
};

static int batch_fail_cb(unsigned int index, int err, void *data)
{
	struct batch *bt = data;

	fprintf(stderr, "ntmctl: %s:%lu: path %" PRIu32 ": %s\n", bt->file,
		bt->line[index], bt->id[index],
		ntm_nl_strerror(bt->nlb->nl, err));
	return 0;
}

/* Send what is queued; NTMCTL_FAIL if a request failed. */
static int batch_flush(struct batch *bt)
{
	int ret;

	if (!bt->nlb || !bt->nlb->n)
		return NTMCTL_OK;
	ret = ntm_nl_batch_flush(bt->nlb, batch_fail_cb, bt);
	if (ret < 0) {
		fprintf(stderr, "ntmctl: %s: %s\n", bt->file,
			ret == -ENOBUFS ?
			"answers lost (receive buffer overrun): some requests may have failed" :
			ntm_nl_strerror(bt->nlb->nl, ret));
		return NTMCTL_FAIL;
	}
	return ret ? NTMCTL_FAIL : NTMCTL_OK;
}

/* A path add, del, or set that needs nothing read first: it can wait. */
static bool batchable(const struct ntmctl_cmd *cmd)
{
	return cmd->action == NTMCTL_PATH_ADD || cmd->action == NTMCTL_PATH_DEL ||
	       (cmd->action == NTMCTL_PATH_SET && !cmd->has_path_key);
}

static int batch_queue(struct ctx *c, struct batch *bt,
		       const struct ntmctl_cmd *cmd, unsigned long lineno)
{
	uint8_t op = cmd->action == NTMCTL_PATH_ADD ? NTM_CMD_PATH_NEW :
		     cmd->action == NTMCTL_PATH_DEL ? NTM_CMD_PATH_DEL :
		     NTM_CMD_PATH_SET;
	int idx, ret;

	if (!bt->nlb) {
		struct ntm_nl *nl = ctx_nl(c);

		if (!nl)
			return NTMCTL_FAIL;
		bt->nlb = malloc(sizeof(*bt->nlb));
		if (!bt->nlb) {
			fprintf(stderr, "ntmctl: out of memory\n");
			return NTMCTL_FAIL;
		}
		ntm_nl_batch_init(bt->nlb, nl);
	}
	idx = ntm_nl_batch_add(bt->nlb, op, &cmd->path);
	if (idx == -ENOSPC) {
		ret = batch_flush(bt);
		if (ret != NTMCTL_OK)
			return ret;
		idx = ntm_nl_batch_add(bt->nlb, op, &cmd->path);
	}
	if (idx < 0) {
		fprintf(stderr, "ntmctl: %s:%lu: path %" PRIu32 ": %s\n",
			bt->file, lineno, cmd->path.id, strerror(-idx));
		return NTMCTL_FAIL;
	}
	bt->line[idx] = lineno;
	bt->id[idx] = cmd->path.id;
	return (unsigned int)idx + 1 >= bt->max ? batch_flush(bt) : NTMCTL_OK;
}

/* NTMCTL_BATCH_MAX=N: at most N requests per sendmsg() (to compare). */
static unsigned int batch_max(void)
{
	const char *e = getenv("NTMCTL_BATCH_MAX");
	char *end;
	unsigned long v;

	if (!e || !*e)
		return NTM_NL_BATCH_MAX;
	errno = 0;
	v = strtoul(e, &end, 10);
	if (errno || *end || v < 1 || v > NTM_NL_BATCH_MAX) {
		fprintf(stderr, "ntmctl: NTMCTL_BATCH_MAX=%s ignored: not 1..%d\n",
			e, NTM_NL_BATCH_MAX);
		return NTM_NL_BATCH_MAX;
	}
	return (unsigned int)v;
}

/*
 * One netlink socket for every line, and path add/del/set lines sent
 * NTM_NL_BATCH_MAX to a system call: 100,000 "path add" lines cost a few
 * hundred round trips, not 100,000 (nor 100,000 processes). The kernel runs
 * every request of a group it got, so the lines after a failing one in the
 * same group are applied too; the batch stops after that group.
 */
static int cmd_batch(struct ctx *c, const struct ntmctl_cmd *outer, struct out *o)
{
	struct batch bt = { .file = outer->batch, .max = batch_max() };
	FILE *f = stdin;
	char *line = NULL, *argv[64];
	size_t cap = 0;
	unsigned long lineno = 0;
	int ret = NTMCTL_OK, fret;

	if (strcmp(outer->batch, "-")) {
		f = fopen(outer->batch, "re");
		if (!f) {
			fprintf(stderr, "ntmctl: %s: %s\n", outer->batch, strerror(errno));
			return NTMCTL_FAIL;
		}
	}
	while (ret == NTMCTL_OK && getline(&line, &cap, f) >= 0) {
		struct ntmctl_cmd sub;
		char *save = NULL, *tok;
		int argc = 1;

		lineno++;
		argv[0] = "ntmctl";
		for (tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (argc == (int)(sizeof(argv) / sizeof(argv[0]))) {
				fprintf(stderr, "ntmctl: %s:%lu: too many words\n",
					outer->batch, lineno);
				ret = NTMCTL_USAGE;
				break;
			}
			argv[argc++] = tok;
		}
		if (ret != NTMCTL_OK || argc == 1 || argv[1][0] == '#')
			continue;
		if (ntmctl_parse(argc, argv, &sub)) {
			fprintf(stderr, "ntmctl: %s:%lu: %s\n", outer->batch, lineno, sub.err);
			ret = NTMCTL_USAGE;
		} else if (sub.netns || sub.batch || sub.action == NTMCTL_MONITOR) {
			fprintf(stderr, "ntmctl: %s:%lu: -n, -b and monitor cannot be used in a batch\n",
				outer->batch, lineno);
			ret = NTMCTL_USAGE;
		} else if (batchable(&sub)) {
			ret = batch_queue(c, &bt, &sub, lineno);
		} else if (sub.action != NTMCTL_HELP) {
			/* What was queued runs first: lines keep their order. */
			ret = batch_flush(&bt);
			if (ret == NTMCTL_OK) {
				o->json = outer->json || sub.json;
				ret = run(c, &sub, o);
				if (ret != NTMCTL_OK)
					fprintf(stderr, "ntmctl: %s:%lu: command failed\n",
						outer->batch, lineno);
			}
		}
		ntmctl_cmd_wipe(&sub);
	}
	/* Whatever stopped the loop, what was queued goes (or is wiped). */
	fret = batch_flush(&bt);
	if (ret == NTMCTL_OK)
		ret = fret;
	if (ret == NTMCTL_OK && ferror(f)) {
		fprintf(stderr, "ntmctl: %s: read error\n", outer->batch);
		ret = NTMCTL_FAIL;
	}
	free(bt.nlb);
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

static struct ntm_nl *ctx_nl(struct ctx *c)
{
	int ret;

	if (c->nl)
		return c->nl;
	c->nl = malloc(sizeof(*c->nl));
	if (!c->nl) {
		fprintf(stderr, "ntmctl: out of memory\n");
		return NULL;
	}
	ret = ntm_nl_open(c->nl);
	if (ret < 0) {
		fprintf(stderr, "ntmctl: %s\n", ntm_nl_strerror(c->nl, ret));
		free(c->nl);
		c->nl = NULL;
	}
	return c->nl;
}

static void ctx_close(struct ctx *c)
{
	if (c->nl) {
		ntm_nl_close(c->nl);
		free(c->nl);
	}
	if (c->nft) {
		ntm_nft_close(c->nft);
		free(c->nft);
	}
	c->nl = NULL;
	c->nft = NULL;
}

static int run(struct ctx *c, struct ntmctl_cmd *cmd, struct out *o)
{
	uint32_t id = cmd->path.id;
	struct ntm_nl *nl;
	int ret;

	switch (cmd->action) {
	case NTMCTL_FLOWS:
		return cmd_flows(o, id);
	case NTMCTL_NFT_ENSURE:
	case NTMCTL_NFT_SHOW:
	case NTMCTL_NFT_REMOVE:
		return cmd_nft(c, cmd->action, o);
	case NTMCTL_BATCH:
		return cmd_batch(c, cmd, o);
	case NTMCTL_HELP:
		return NTMCTL_OK;
	default:
		break;
	}

	nl = ctx_nl(c);
	if (!nl)
		return NTMCTL_FAIL;
	switch (cmd->action) {
	case NTMCTL_TUNNEL_SET:
		ret = ntm_nl_tunnel_set(nl, &cmd->tunnel);
		return ret < 0 ? nl_fail(nl, ret, "tunnel set") : NTMCTL_OK;
	case NTMCTL_TUNNEL_SHOW:
		return cmd_tunnel_show(nl, o);
	case NTMCTL_TUNNEL_DEL:
		ret = ntm_nl_tunnel_del(nl);
		return ret < 0 ? nl_fail(nl, ret, "tunnel del") : NTMCTL_OK;
	case NTMCTL_PATH_ADD:
		ret = ntm_nl_path_new(nl, &cmd->path);
		return ret < 0 ? path_fail(nl, ret, id) : NTMCTL_OK;
	case NTMCTL_PATH_SET:
		return cmd_path_set(nl, cmd);
	case NTMCTL_PATH_DEL:
		ret = ntm_nl_path_del(nl, id);
		return ret < 0 ? path_fail(nl, ret, id) : NTMCTL_OK;
	case NTMCTL_PATH_SHOW:
		return cmd_path_show(nl, o, id);
	case NTMCTL_PATH_LIST:
		return cmd_path_list(nl, o);
	case NTMCTL_PATH_FLUSH:
		ret = ntm_nl_path_flush(nl);
		return ret < 0 ? nl_fail(nl, ret, "path flush") : NTMCTL_OK;
	case NTMCTL_STATS:
		return cmd_stats(nl, o);
	case NTMCTL_MONITOR:
		return cmd_monitor(nl, o);
	default:
		break;
	}
	return NTMCTL_OK;
}

int main(int argc, char **argv)
{
	struct ntmctl_cmd cmd;
	struct out o = { 0 };
	struct ctx c = { 0 };
	int ret;

	ret = ntmctl_parse(argc, argv, &cmd);
	if (ret) {
		fprintf(stderr, "ntmctl: %s\nTry 'ntmctl %shelp'.\n", cmd.err,
			topic_word(cmd.topic));
		ntmctl_cmd_wipe(&cmd);
		return NTMCTL_USAGE;
	}
	if (cmd.action == NTMCTL_HELP) {
		ntmctl_usage(stdout, cmd.topic);
		return NTMCTL_OK;
	}
	if (cmd.netns && enter_netns(cmd.netns) < 0) {
		ntmctl_cmd_wipe(&cmd);
		return NTMCTL_FAIL;
	}
	o.json = cmd.json;
	ntm_json_init(&o.j, stdout);
	ret = run(&c, &cmd, &o);
	ctx_close(&c);
	ntmctl_cmd_wipe(&cmd);
	if (fflush(stdout) == EOF && ret == NTMCTL_OK) {
		fprintf(stderr, "ntmctl: writing the output: %s\n", strerror(errno));
		ret = NTMCTL_FAIL;
	}
	return ret;
}
