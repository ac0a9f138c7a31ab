// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The conntrack entries of relayed flows. See ntm_ct.h.
 *
 * One dump filtered by the kernel on ct mark (CTA_MARK, CTA_MARK_MASK), all
 * families at once. A flush deletes what that dump found, one entry at a
 * time after the dump: conntrack has no "delete by mark" that says how many
 * it deleted, and the daemon logs the count.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_tcp.h>

#include "ntm_array.h"
#include "ntm_ct.h"

static const char *const tcp_states[] = {
	[TCP_CONNTRACK_NONE] = "NONE",
	[TCP_CONNTRACK_SYN_SENT] = "SYN_SENT",
	[TCP_CONNTRACK_SYN_RECV] = "SYN_RECV",
	[TCP_CONNTRACK_ESTABLISHED] = "ESTABLISHED",
	[TCP_CONNTRACK_FIN_WAIT] = "FIN_WAIT",
	[TCP_CONNTRACK_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CONNTRACK_LAST_ACK] = "LAST_ACK",
	[TCP_CONNTRACK_TIME_WAIT] = "TIME_WAIT",
	[TCP_CONNTRACK_CLOSE] = "CLOSE",
	[TCP_CONNTRACK_SYN_SENT2] = "SYN_SENT2",
};

const char *ntm_ct_tcp_state_name(uint8_t state)
{
	if (state < sizeof(tcp_states) / sizeof(tcp_states[0]) &&
	    tcp_states[state])
		return tcp_states[state];
	return "";
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_UDPLITE || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_DCCP;
}

static void get_addr(const struct nf_conntrack *ct, uint8_t family,
		     enum nf_conntrack_attr a4, enum nf_conntrack_attr a6,
		     struct ntm_vip *v)
{
	memset(v, 0, sizeof(*v));
	if (family == AF_INET && nfct_attr_is_set(ct, a4) > 0) {
		uint32_t a = nfct_get_attr_u32(ct, a4);

		v->family = AF_INET;
		memcpy(v->addr, &a, sizeof(a));
	} else if (family == AF_INET6 && nfct_attr_is_set(ct, a6) > 0) {
		v->family = AF_INET6;
		memcpy(v->addr, nfct_get_attr(ct, a6), 16);
	}
}

static uint64_t get_u64(const struct nf_conntrack *ct, enum nf_conntrack_attr a)
{
	return nfct_attr_is_set(ct, a) > 0 ? nfct_get_attr_u64(ct, a) : 0;
}

static uint32_t get_u32(const struct nf_conntrack *ct, enum nf_conntrack_attr a)
{
	return nfct_attr_is_set(ct, a) > 0 ? nfct_get_attr_u32(ct, a) : 0;
}

static void flow_from_ct(const struct nf_conntrack *ct, struct ntm_ct_flow *f)
{
	uint8_t family = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);

	memset(f, 0, sizeof(*f));
	f->id = get_u32(ct, ATTR_ID);
	f->mark = get_u32(ct, ATTR_MARK);
	f->proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	get_addr(ct, family, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, &f->orig.src);
	get_addr(ct, family, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST, &f->orig.dst);
	get_addr(ct, family, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, &f->reply.src);
	get_addr(ct, family, ATTR_REPL_IPV4_DST, ATTR_REPL_IPV6_DST, &f->reply.dst);
	if (has_ports(f->proto)) {
		f->orig.sport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_SRC));
		f->orig.dport = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
		f->reply.sport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC));
		f->reply.dport = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST));
	} else if (f->proto == IPPROTO_ICMP || f->proto == IPPROTO_ICMPV6) {
		f->icmp_type = nfct_get_attr_u8(ct, ATTR_ICMP_TYPE);
		f->icmp_code = nfct_get_attr_u8(ct, ATTR_ICMP_CODE);
		f->icmp_id = ntohs(nfct_get_attr_u16(ct, ATTR_ICMP_ID));
	}
	if (f->proto == IPPROTO_TCP && nfct_attr_is_set(ct, ATTR_TCP_STATE) > 0) {
		f->has_tcp_state = true;
		f->tcp_state = nfct_get_attr_u8(ct, ATTR_TCP_STATE);
	}
	f->status = get_u32(ct, ATTR_STATUS);
	f->timeout = get_u32(ct, ATTR_TIMEOUT);
	if (nfct_attr_is_set(ct, ATTR_ORIG_COUNTER_PACKETS) > 0) {
		f->has_counters = true;
		f->orig_packets = get_u64(ct, ATTR_ORIG_COUNTER_PACKETS);
		f->orig_bytes = get_u64(ct, ATTR_ORIG_COUNTER_BYTES);
		f->reply_packets = get_u64(ct, ATTR_REPL_COUNTER_PACKETS);
		f->reply_bytes = get_u64(ct, ATTR_REPL_COUNTER_BYTES);
	}
}

struct walk {
	uint32_t mark;
	ntm_ct_flow_cb cb;
	void *arg;
	int n;
	int err;			/* from @cb, or -ENOMEM */
	bool collect;			/* flush: keep a copy of each */
	struct nf_conntrack **keep;
	size_t nkeep, cap;
};

static int dump_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		   void *data)
{
	struct walk *w = data;

	(void)type;
	if (w->err)
		return NFCT_CB_CONTINUE;	/* read the rest, ignore it */
	/* The kernel filters on the mark; an old one may not. */
	if (get_u32(ct, ATTR_MARK) != w->mark)
		return NFCT_CB_CONTINUE;
	w->n++;
	if (w->cb) {
		struct ntm_ct_flow f;

		flow_from_ct(ct, &f);
		w->err = w->cb(&f, w->arg);
	}
	if (w->collect) {
		if (w->nkeep == w->cap) {
			struct nf_conntrack **v = ntm_array_grow(w->keep, &w->cap,
								 sizeof(*v), 64);

			if (!v) {
				w->err = -ENOMEM;
				return NFCT_CB_CONTINUE;
			}
			w->keep = v;
		}
		w->keep[w->nkeep] = nfct_clone(ct);
		if (!w->keep[w->nkeep]) {
			w->err = -ENOMEM;
			return NFCT_CB_CONTINUE;
		}
		w->nkeep++;
	}
	return NFCT_CB_CONTINUE;
}

/* Dump the entries of @w->mark in the caller's network namespace. */
static int dump_mark(struct nfct_handle *h, struct walk *w)
{
	struct nfct_filter_dump_mark mark = { .val = w->mark, .mask = UINT32_MAX };
	struct nfct_filter_dump *fd = nfct_filter_dump_create();
	int ret;

	if (!fd)
		return -ENOMEM;
	nfct_filter_dump_set_attr(fd, NFCT_FILTER_DUMP_MARK, &mark);
	ret = nfct_callback_register(h, NFCT_T_ALL, dump_cb, w);
	if (ret == 0)
		ret = nfct_query(h, NFCT_Q_DUMP_FILTER, fd);
	if (ret < 0)
		ret = errno ? -errno : -EIO;
	nfct_callback_unregister(h);
	nfct_filter_dump_destroy(fd);
	if (ret < 0)
		return ret;
	return w->err;
}

int ntm_ct_flows(uint32_t path_id, ntm_ct_flow_cb cb, void *arg)
{
	struct walk w = { .mark = path_id, .cb = cb, .arg = arg };
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	int ret;

	if (!h)
		return errno ? -errno : -EIO;
	ret = dump_mark(h, &w);
	nfct_close(h);
	return ret < 0 ? ret : w.n;
}

int ntm_ct_flush_path(uint32_t path_id)
{
	struct walk w = { .mark = path_id, .collect = true };
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	size_t i;
	int ret, deleted = 0;

	if (!h)
		return errno ? -errno : -EIO;
	ret = dump_mark(h, &w);
	for (i = 0; i < w.nkeep; i++) {
		if (ret >= 0) {
			if (nfct_query(h, NFCT_Q_DESTROY, w.keep[i]) == 0)
				deleted++;
			else if (errno != ENOENT)	/* ENOENT: gone meanwhile */
				ret = -errno;
		}
		nfct_destroy(w.keep[i]);
	}
	free(w.keep);
	nfct_close(h);
	return ret < 0 ? ret : deleted;
}
