// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nftables objects of an RS: table inet ntmobile. See ntm_nft.h, and
 * nft/ntmobile.nft, which this file builds object for object: what nft
 * writes for that file (nft --debug=netlink,mnl) is what is written here,
 * set user data included, so that both list the same.
 *
 * The shape of libnftnl's examples: one small function per expression, a
 * builder per message, one batch per change with NLM_F_ACK on every message.
 * The kernel handles a batch inside sendmsg(), so every answer is queued when
 * it returns and is read without waiting.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "ntm_array.h"
#include "ntm_nft.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* nft's own numbers (src/datatype.h, include/datatype.h of nftables). */
#define NFT_TYPE_IPADDR		7	/* ipv4_addr */
#define NFT_TYPE_MARK		19	/* mark */
/* A concatenation's type: the types of its parts, 6 bits each. */
#define NFT_TYPE_BITS		6
#define NFT_TYPE_IPADDR_IPADDR	((NFT_TYPE_IPADDR << NFT_TYPE_BITS) | NFT_TYPE_IPADDR)
/* nft's EXPR_CONCAT, in the typeof user data of a concatenated key */
#define NFT_EXPR_CONCAT		13
#define NFT_BYTEORDER_HOST	1
#define NFT_BYTEORDER_BIG	2

/* ct state new: the conntrack state bit of IP_CT_NEW (ctinfo 2). */
#define CT_STATE_NEW_BIT	(1u << 3)

/* The answers to one batch of a few dozen messages fit in this. */
#define NFT_RCVBUF		(1 << 20)
#define BATCH_PAGE		16384
#define BATCH_OVERRUN		16384

#define COUNTER_PREFIX		"path_"
/* "path_4294967295" */
#define COUNTER_NAME_LEN	sizeof(COUNTER_PREFIX "4294967295")

/* ---- the table: nft/ntmobile.nft -------------------------------------------- */

enum set_id {
	SET_RSN_HOSTS,
	SET_RSN_VIPS,
	SET_RST_ADDRS,
	SET_PATH_COUNTERS,
	SET_PATH_VIPS,
	SET__N,
};

struct set_spec {
	const char *name;
	uint32_t flags;			/* NFT_SET_* */
	uint32_t key_type, key_len;
	uint32_t data_type, data_len;	/* maps of values */
	uint32_t obj_type;		/* maps of objects */
	/* user data, as nft writes it */
	uint32_t key_byteorder;
	uint32_t data_byteorder;	/* 0: not written */
	bool data_interval;		/* NFTNL_UDATA_SET_DATA_INTERVAL 0 */
	bool key_concat;		/* NFTNL_UDATA_SET_KEY_TYPEOF: a concat */
};

static const struct set_spec sets[SET__N] = {
	[SET_RSN_HOSTS] = { .name = "rsn_hosts", .flags = NFT_SET_MAP,
			    .key_type = NFT_TYPE_IPADDR, .key_len = 4,
			    .data_type = NFT_TYPE_IPADDR, .data_len = 4,
			    .key_byteorder = NFT_BYTEORDER_BIG,
			    .data_byteorder = NFT_BYTEORDER_BIG,
			    .data_interval = true },
	[SET_RSN_VIPS] = { .name = "rsn_vips", .flags = NFT_SET_INTERVAL,
			   .key_type = NFT_TYPE_IPADDR, .key_len = 4,
			   .key_byteorder = NFT_BYTEORDER_BIG },
	[SET_RST_ADDRS] = { .name = "rst_addrs", .flags = NFT_SET_INTERVAL,
			    .key_type = NFT_TYPE_IPADDR, .key_len = 4,
			    .key_byteorder = NFT_BYTEORDER_BIG },
	[SET_PATH_COUNTERS] = { .name = "path_counters", .flags = NFT_SET_OBJECT,
				.key_type = NFT_TYPE_MARK, .key_len = 4,
				.obj_type = NFT_OBJECT_COUNTER,
				.key_byteorder = NFT_BYTEORDER_HOST,
				.data_interval = true },
	/* a concatenation: nft writes key byte order 0 (none) */
	[SET_PATH_VIPS] = { .name = "path_vips", .flags = NFT_SET_MAP,
			    .key_type = NFT_TYPE_IPADDR_IPADDR, .key_len = 8,
			    .data_type = NFT_TYPE_MARK, .data_len = 4,
			    .data_byteorder = NFT_BYTEORDER_HOST,
			    .data_interval = true, .key_concat = true },
};

/* The set flags that make a set what it is; the kernel may report others. */
#define SET_KIND_FLAGS (NFT_SET_MAP | NFT_SET_INTERVAL | NFT_SET_OBJECT | \
			NFT_SET_CONCAT | NFT_SET_TIMEOUT | NFT_SET_EVAL)

typedef bool (*rule_fn)(struct nftnl_rule *r);

struct chain_spec {
	const char *name;
	const char *type;
	uint32_t hook;
	int32_t prio;
	rule_fn rules[3];		/* NULL-terminated */
};

/* ---- expressions: one function each ---------------------------------------- */

static bool add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return false;
	nftnl_rule_add_expr(r, e);
	return true;
}

static bool add_meta_load(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	}
	return add_expr(r, e);
}

static bool add_meta_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
	}
	return add_expr(r, e);
}

static bool add_cmp(struct nftnl_rule *r, uint32_t sreg, uint32_t op,
		    const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return add_expr(r, e);
}

static bool add_ct_load(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
	}
	return add_expr(r, e);
}

static bool add_ct_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, sreg);
	}
	return add_expr(r, e);
}

static bool add_bitwise_and(struct nftnl_rule *r, uint32_t reg, uint32_t mask)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint32_t xor = 0;

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, sizeof(xor));
	}
	return add_expr(r, e);
}

static bool add_payload_load(struct nftnl_rule *r, uint32_t base,
			     uint32_t offset, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	}
	return add_expr(r, e);
}

/* @dreg 0: a set lookup; else a map lookup into @dreg. */
static bool add_lookup(struct nftnl_rule *r, uint32_t sreg, uint32_t dreg,
		       enum set_id set)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
		if (dreg)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, dreg);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, sets[set].name);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, 0);
	}
	return add_expr(r, e);
}

/* Written as the kernel keeps it (and dumps it): max = min, flags map-ips. */
static bool add_nat(struct nftnl_rule *r, uint32_t type, uint32_t addr_reg)
{
	struct nftnl_expr *e = nftnl_expr_alloc("nat");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, type);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, addr_reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, addr_reg);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS);
	}
	return add_expr(r, e);
}

static bool add_masq(struct nftnl_rule *r)
{
	return add_expr(r, nftnl_expr_alloc("masq"));
}

/* counter name <sreg> map @set */
static bool add_objref_map(struct nftnl_rule *r, uint32_t sreg,
			   enum set_id set)
{
	struct nftnl_expr *e = nftnl_expr_alloc("objref");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, sreg);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, sets[set].name);
	}
	return add_expr(r, e);
}

/* iifname "ntm*" */
static bool add_iifname_ntm(struct nftnl_rule *r)
{
	return add_meta_load(r, NFT_META_IIFNAME, NFT_REG_1) &&
	       add_cmp(r, NFT_REG_1, NFT_CMP_EQ, "ntm", 3);
}

/* the implicit "meta nfproto ipv4" of an ip match in an inet table */
static bool add_nfproto_ipv4(struct nftnl_rule *r)
{
	uint8_t proto = NFPROTO_IPV4;

	return add_meta_load(r, NFT_META_NFPROTO, NFT_REG_1) &&
	       add_cmp(r, NFT_REG_1, NFT_CMP_EQ, &proto, sizeof(proto));
}

static bool add_ip_saddr(struct nftnl_rule *r)
{
	return add_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
}

static bool add_ip_daddr(struct nftnl_rule *r)
{
	return add_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG_1);
}

/* ---- rules, as nft/ntmobile.nft writes them ------------------------------------ */

/*
 * iifname "ntm*" meta mark 0 meta mark set ip saddr . ip daddr map @path_vips
 *
 * The user-space datapath's TUN cannot stamp a decapsulated packet with its
 * PathID as nf_ntm does: this stamps it from the (leg A VIP . leg B VIP)
 * pair, before conntrack (raw), so that chain pathid gives the new flow its
 * ct mark either way. A packet nf_ntm marked is left alone.
 */
static bool rule_pathmark(struct nftnl_rule *r)
{
	uint32_t zero = 0;

	return add_iifname_ntm(r) &&
	       add_meta_load(r, NFT_META_MARK, NFT_REG_1) &&
	       add_cmp(r, NFT_REG_1, NFT_CMP_EQ, &zero, sizeof(zero)) &&
	       add_nfproto_ipv4(r) &&
	       add_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1) &&
	       add_payload_load(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4, NFT_REG32_01) &&
	       add_lookup(r, NFT_REG_1, NFT_REG_1, SET_PATH_VIPS) &&
	       add_meta_set(r, NFT_META_MARK, NFT_REG_1);
}

/* iifname "ntm*" ct state new ct mark set meta mark */
static bool rule_pathid(struct nftnl_rule *r)
{
	uint32_t zero = 0;

	return add_iifname_ntm(r) &&
	       add_ct_load(r, NFT_CT_STATE, NFT_REG_1) &&
	       add_bitwise_and(r, NFT_REG_1, CT_STATE_NEW_BIT) &&
	       add_cmp(r, NFT_REG_1, NFT_CMP_NEQ, &zero, sizeof(zero)) &&
	       add_meta_load(r, NFT_META_MARK, NFT_REG_1) &&
	       add_ct_set(r, NFT_CT_MARK, NFT_REG_1);
}

/* iifname "ntm*" dnat ip to ip daddr map @rsn_hosts */
static bool rule_dstnat(struct nftnl_rule *r)
{
	return add_iifname_ntm(r) && add_nfproto_ipv4(r) && add_ip_daddr(r) &&
	       add_lookup(r, NFT_REG_1, NFT_REG_1, SET_RSN_HOSTS) &&
	       add_nat(r, NFT_NAT_DNAT, NFT_REG_1);
}

/* ip saddr @rst_addrs snat ip to ip saddr */
static bool rule_srcnat_rst(struct nftnl_rule *r)
{
	return add_nfproto_ipv4(r) && add_ip_saddr(r) &&
	       add_lookup(r, NFT_REG_1, 0, SET_RST_ADDRS) &&
	       add_ip_saddr(r) && add_nat(r, NFT_NAT_SNAT, NFT_REG_1);
}

/* ip saddr @rsn_vips masquerade */
static bool rule_srcnat_rsn(struct nftnl_rule *r)
{
	return add_nfproto_ipv4(r) && add_ip_saddr(r) &&
	       add_lookup(r, NFT_REG_1, 0, SET_RSN_VIPS) && add_masq(r);
}

/* ct mark != 0 counter name ct mark map @path_counters */
static bool rule_pathcount(struct nftnl_rule *r)
{
	uint32_t zero = 0;

	return add_ct_load(r, NFT_CT_MARK, NFT_REG_1) &&
	       add_cmp(r, NFT_REG_1, NFT_CMP_NEQ, &zero, sizeof(zero)) &&
	       add_ct_load(r, NFT_CT_MARK, NFT_REG_1) &&
	       add_objref_map(r, NFT_REG_1, SET_PATH_COUNTERS);
}

static const struct chain_spec chains[] = {
	{ "pathmark", "filter", NF_INET_PRE_ROUTING, -300, { rule_pathmark } },
	{ "pathid", "filter", NF_INET_PRE_ROUTING, -150, { rule_pathid } },
	{ "dstnat", "nat", NF_INET_PRE_ROUTING, -110, { rule_dstnat } },
	{ "srcnat", "nat", NF_INET_POST_ROUTING, 90,
	  { rule_srcnat_rst, rule_srcnat_rsn } },
	{ "pathcount", "filter", NF_INET_FORWARD, 10, { rule_pathcount } },
};

/* ---- errors ---------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fail(struct ntm_nft *h, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(h->errbuf, sizeof(h->errbuf), fmt, ap);
	va_end(ap);
	n = strlen(h->errbuf);
	if (n < sizeof(h->errbuf) - 2)
		snprintf(h->errbuf + n, sizeof(h->errbuf) - n, ": %s",
			 err == -EPERM || err == -EACCES ?
			 "need CAP_NET_ADMIN" : strerror(-err));
	return err;
}

const char *ntm_nft_strerror(struct ntm_nft *h, int err)
{
	if (h->errbuf[0])
		return h->errbuf;
	snprintf(h->errbuf, sizeof(h->errbuf), "%s", strerror(err < 0 ? -err : err));
	return h->errbuf;
}

/* ---- the path index ----------------------------------------------------------- */

/* A path's record, as its path_counters element says. */
struct rec {
	struct rec *next;
	struct ntm_nft_path p;
};

/* An element of rsn_hosts, rsn_vips, rst_addrs or path_vips and how many
 * paths need it. */
struct ref {
	struct ref *next;
	uint8_t set;			/* enum set_id */
	uint32_t key;			/* address, network order */
	uint32_t key2;			/* path_vips: leg B's VIP; else 0 */
	uint32_t data;			/* rsn_hosts: the host's address;
					 * path_vips: the PathID */
	uint32_t count;
};

struct ntm_nft_index {
	struct rec **recs;
	size_t nrec_buckets, nrecs;
	struct ref **refs;
	size_t nref_buckets, nrefs;
};

static size_t hash32(uint32_t v, size_t buckets)
{
	return (size_t)((v * 0x9e3779b1u) >> 7) & (buckets - 1);
}

static size_t ref_hash(uint8_t set, uint32_t key, uint32_t key2,
		       size_t buckets)
{
	return hash32(key ^ (key2 * 0x85ebca6bu) ^ ((uint32_t)set << 29) ^ set,
		      buckets);
}

static void index_free(struct ntm_nft *h)
{
	struct ntm_nft_index *x = h->index;
	size_t i;

	if (!x)
		return;
	for (i = 0; i < x->nrec_buckets; i++) {
		while (x->recs[i]) {
			struct rec *r = x->recs[i];

			x->recs[i] = r->next;
			free(r);
		}
	}
	for (i = 0; i < x->nref_buckets; i++) {
		while (x->refs[i]) {
			struct ref *r = x->refs[i];

			x->refs[i] = r->next;
			free(r);
		}
	}
	free(x->recs);
	free(x->refs);
	free(x);
	h->index = NULL;
}

static struct ntm_nft_index *index_alloc(void)
{
	struct ntm_nft_index *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->nrec_buckets = x->nref_buckets = 64;
	x->recs = calloc(x->nrec_buckets, sizeof(*x->recs));
	x->refs = calloc(x->nref_buckets, sizeof(*x->refs));
	if (!x->recs || !x->refs) {
		free(x->recs);
		free(x->refs);
		free(x);
		return NULL;
	}
	return x;
}

static struct rec *rec_find(const struct ntm_nft_index *x, uint32_t id)
{
	struct rec *r;

	for (r = x->recs[hash32(id, x->nrec_buckets)]; r; r = r->next)
		if (r->p.id == id)
			return r;
	return NULL;
}

static struct ref *ref_find(const struct ntm_nft_index *x, uint8_t set,
			    uint32_t key, uint32_t key2)
{
	struct ref *r;

	for (r = x->refs[ref_hash(set, key, key2, x->nref_buckets)]; r; r = r->next)
		if (r->set == set && r->key == key && r->key2 == key2)
			return r;
	return NULL;
}

/* Double the buckets when there are more entries than buckets. */
static int rec_grow(struct ntm_nft_index *x)
{
	size_t n = x->nrec_buckets * 2, i;
	struct rec **v;

	if (x->nrecs < x->nrec_buckets)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < x->nrec_buckets; i++) {
		while (x->recs[i]) {
			struct rec *r = x->recs[i];
			size_t b = hash32(r->p.id, n);

			x->recs[i] = r->next;
			r->next = v[b];
			v[b] = r;
		}
	}
	free(x->recs);
	x->recs = v;
	x->nrec_buckets = n;
	return 0;
}

static int ref_grow(struct ntm_nft_index *x)
{
	size_t n = x->nref_buckets * 2, i;
	struct ref **v;

	if (x->nrefs < x->nref_buckets)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < x->nref_buckets; i++) {
		while (x->refs[i]) {
			struct ref *r = x->refs[i];
			size_t b = ref_hash(r->set, r->key, r->key2, n);

			x->refs[i] = r->next;
			r->next = v[b];
			v[b] = r;
		}
	}
	free(x->refs);
	x->refs = v;
	x->nref_buckets = n;
	return 0;
}

/* ---- the elements of a path ----------------------------------------------------- */

struct elem {
	uint8_t set;			/* enum set_id */
	uint32_t key;			/* network order */
	uint32_t key2;			/* path_vips: leg B's VIP; else 0 */
	uint32_t data;			/* rsn_hosts: address, network order;
					 * path_vips: PathID, host order */
};

/* The most elements one path puts in the sets and maps. */
#define PATH_ELEMS_MAX		3

static uint32_t vip4(const struct ntm_vip *v)
{
	uint32_t a;

	memcpy(&a, v->addr, sizeof(a));
	return a;
}

/*
 * What @p puts in rsn_hosts, rsn_vips, rst_addrs and path_vips (NULL or
 * RS-S: nothing). path_vips: (leg A VIP . leg B VIP) : PathID, for RS-N, and
 * for RS-T when its record has leg B's address (the DC always gives it).
 */
static int path_elems(const struct ntm_nft_path *p, struct elem e[PATH_ELEMS_MAX])
{
	int n = 0;

	if (!p)
		return 0;
	switch (p->type) {
	case NTM_PATH_RS_N:
		e[n++] = (struct elem){ SET_RSN_VIPS, vip4(&p->a_vip), 0, 0 };
		e[n++] = (struct elem){ SET_RSN_HOSTS, vip4(&p->b_vip), 0,
					vip4(&p->host) };
		break;
	case NTM_PATH_RS_T:
		e[n++] = (struct elem){ SET_RST_ADDRS, vip4(&p->a_vip), 0, 0 };
		break;
	default:
		return 0;
	}
	if (p->b_vip.family == AF_INET)
		e[n++] = (struct elem){ SET_PATH_VIPS, vip4(&p->a_vip),
					vip4(&p->b_vip), p->id };
	return n;
}

static bool elem_in(const struct elem *e, const struct elem *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].set == e->set && v[i].key == e->key &&
		    v[i].key2 == e->key2 && v[i].data == e->data)
			return true;
	return false;
}

static void ref_del(struct ntm_nft_index *x, struct ref *r)
{
	struct ref **pp = &x->refs[ref_hash(r->set, r->key, r->key2,
					     x->nref_buckets)];

	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	free(r);
	x->nrefs--;
}

static int refs_change(struct ntm_nft_index *x, const struct ntm_nft_path *p,
		       int delta)
{
	struct elem e[PATH_ELEMS_MAX];
	int i, n = path_elems(p, e);

	for (i = 0; i < n; i++) {
		struct ref *r = ref_find(x, e[i].set, e[i].key, e[i].key2);

		if (delta < 0) {
			if (r && !--r->count)
				ref_del(x, r);
			continue;
		}
		if (!r) {
			size_t b;

			if (ref_grow(x) < 0)
				return -ENOMEM;
			r = calloc(1, sizeof(*r));
			if (!r)
				return -ENOMEM;
			r->set = e[i].set;
			r->key = e[i].key;
			r->key2 = e[i].key2;
			b = ref_hash(r->set, r->key, r->key2, x->nref_buckets);
			r->next = x->refs[b];
			x->refs[b] = r;
			x->nrefs++;
		}
		r->data = e[i].data;
		r->count++;
	}
	return 0;
}

/* Record @p (replacing the record of its PathID), or forget @id (p NULL). */
static int index_put(struct ntm_nft_index *x, uint32_t id,
		     const struct ntm_nft_path *p)
{
	struct rec *r = rec_find(x, id);

	if (r) {
		refs_change(x, &r->p, -1);
		if (!p) {
			struct rec **pp = &x->recs[hash32(id, x->nrec_buckets)];

			while (*pp != r)
				pp = &(*pp)->next;
			*pp = r->next;
			free(r);
			x->nrecs--;
			return 0;
		}
	} else {
		size_t b;

		if (!p)
			return 0;
		if (rec_grow(x) < 0)
			return -ENOMEM;
		r = calloc(1, sizeof(*r));
		if (!r)
			return -ENOMEM;
		b = hash32(id, x->nrec_buckets);
		r->next = x->recs[b];
		x->recs[b] = r;
		x->nrecs++;
	}
	r->p = *p;
	r->p.id = id;
	return refs_change(x, &r->p, +1);
}

/* ---- the record: the comment of a path's path_counters element ------------------ */

static const char *fmt4(const struct ntm_vip *v, char *buf)
{
	return inet_ntop(AF_INET, v->addr, buf, INET_ADDRSTRLEN) ? buf : "?";
}

char *ntm_nft_path_fmt(const struct ntm_nft_path *p, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], host[INET_ADDRSTRLEN];
	const char *type = ntm_path_type_name(p->type);

	if (p->type == NTM_PATH_RS_N)
		snprintf(buf, len, "%s a %s b %s host %s", type, fmt4(&p->a_vip, a),
			 fmt4(&p->b_vip, b), fmt4(&p->host, host));
	else if (p->type == NTM_PATH_RS_T && p->b_vip.family == AF_INET)
		snprintf(buf, len, "%s a %s b %s", type, fmt4(&p->a_vip, a),
			 fmt4(&p->b_vip, b));
	else if (p->type == NTM_PATH_RS_T)
		snprintf(buf, len, "%s a %s", type, fmt4(&p->a_vip, a));
	else
		snprintf(buf, len, "%s", type);
	return buf;
}

int ntm_nft_path_parse(const char *s, struct ntm_nft_path *p)
{
	char copy[NFTNL_UDATA_COMMENT_MAXLEN + 1], *save = NULL, *tok;
	uint32_t id = p->id;

	if (strlen(s) >= sizeof(copy))
		return -EINVAL;
	strcpy(copy, s);
	memset(p, 0, sizeof(*p));
	p->id = id;
	tok = strtok_r(copy, " ", &save);
	if (!tok)
		return -EINVAL;
	if (!strcmp(tok, "RS-N"))
		p->type = NTM_PATH_RS_N;
	else if (!strcmp(tok, "RS-T"))
		p->type = NTM_PATH_RS_T;
	else
		return -EINVAL;
	while ((tok = strtok_r(NULL, " ", &save))) {
		const char *arg = strtok_r(NULL, " ", &save);
		struct ntm_vip *v;

		if (!strcmp(tok, "a"))
			v = &p->a_vip;
		else if (!strcmp(tok, "b"))
			v = &p->b_vip;
		else if (!strcmp(tok, "host") && p->type == NTM_PATH_RS_N)
			v = &p->host;
		else
			return -EINVAL;
		if (!arg || v->family != AF_UNSPEC ||
		    inet_pton(AF_INET, arg, v->addr) != 1)
			return -EINVAL;
		v->family = AF_INET;
	}
	if (p->a_vip.family != AF_INET)
		return -EINVAL;
	if (p->type == NTM_PATH_RS_N &&
	    (p->b_vip.family != AF_INET || p->host.family != AF_INET))
		return -EINVAL;
	return 0;
}

static bool path_same(const struct ntm_nft_path *a, const struct ntm_nft_path *b)
{
	char x[128], y[128];

	return a->type == b->type &&
	       !strcmp(ntm_nft_path_fmt(a, x, sizeof(x)),
		       ntm_nft_path_fmt(b, y, sizeof(y)));
}

/* ---- socket -------------------------------------------------------------------- */

int ntm_nft_open(struct ntm_nft *h)
{
	int on = 1, size = NFT_RCVBUF;

	memset(h, 0, sizeof(*h));
	h->sock = mnl_socket_open(NETLINK_NETFILTER);
	if (!h->sock)
		return fail(h, -errno, "netfilter netlink socket");
	if (mnl_socket_bind(h->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(h->sock);
		h->sock = NULL;
		return fail(h, err, "netfilter netlink socket");
	}
	h->portid = mnl_socket_get_portid(h->sock);
	h->seq = (uint32_t)time(NULL);
	mnl_socket_setsockopt(h->sock, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(h->sock, NETLINK_CAP_ACK, &on, sizeof(on));
	if (setsockopt(mnl_socket_get_fd(h->sock), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(h->sock), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));
	return 0;
}

void ntm_nft_close(struct ntm_nft *h)
{
	index_free(h);
	if (h->sock)
		mnl_socket_close(h->sock);
	h->sock = NULL;
}

/* The kernel's extended ack text of an error message, or "". */
static void ext_ack_msg(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *attr;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(buf, len, " (%s)", mnl_attr_get_str(attr));
	}
}

/* ---- requests: one message, its answers up to the ack or the end of a dump ---- */

struct query {
	int (*cb)(struct ntm_nft *h, const struct nlmsghdr *nlh, void *arg);
	void *arg;
	struct ntm_nft *h;
	int err;
};

static int query_cb(const struct nlmsghdr *nlh, void *data)
{
	struct query *q = data;
	int ret;

	if (q->err)
		return MNL_CB_OK;	/* read the rest, ignore it */
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
		q->err = -EINTR;
		return MNL_CB_OK;
	}
	ret = q->cb(q->h, nlh, q->arg);
	if (ret < 0)
		q->err = ret;
	return MNL_CB_OK;
}

/*
 * The header of a request in @req (@size bytes), zeroed first: libmnl
 * (1.0.4) leaves an attribute's alignment padding as it finds it, and the
 * kernel would be sent whatever the stack or heap held there (valgrind,
 * test/host/valgrind.sh).
 */
static struct nlmsghdr *req_hdr(struct ntm_nft *h, void *req, size_t size,
				uint16_t type, uint16_t flags)
{
	memset(req, 0, size);
	return nftnl_nlmsg_build_hdr(req, type, NFPROTO_INET, flags, h->seq++);
}

/*
 * Send @nlh and read its answers. A dump the kernel flags as interrupted
 * (the ruleset changed meanwhile) is -EINTR: the caller runs it again.
 */
static int query(struct ntm_nft *h, struct nlmsghdr *nlh,
		 int (*cb)(struct ntm_nft *, const struct nlmsghdr *, void *),
		 void *arg)
{
	struct query q = { cb, arg, h, 0 };
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(h->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(h->sock, h->buf, sizeof(h->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ret = mnl_cb_run(h->buf, (size_t)n, seq, h->portid, query_cb, &q);
		if (ret < 0)
			return -errno;
	} while (ret > MNL_CB_STOP);
	return q.err;
}

/* A dump, run again (up to 5 times) while the kernel says it was interrupted,
 * with @reset called before each run; without @reset, run once. */
static int dump(struct ntm_nft *h, uint16_t type,
		void (*build)(struct nlmsghdr *nlh, const void *arg),
		const void *barg,
		int (*cb)(struct ntm_nft *, const struct nlmsghdr *, void *),
		void (*reset)(void *arg), void *arg)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	int tries, ret = -EINTR;

	for (tries = 0; tries < (reset ? 5 : 1) && ret == -EINTR; tries++) {
		struct nlmsghdr *nlh;

		if (reset)
			reset(arg);
		nlh = req_hdr(h, req, sizeof(req), type, NLM_F_DUMP);
		if (build)
			build(nlh, barg);
		ret = query(h, nlh, cb, arg);
	}
	return ret;
}

/* ---- batches -------------------------------------------------------------------- */

/* What a message of a batch does, to word its error. */
struct batch_note {
	char what[96];
	const char *eexist;		/* what EEXIST means for it, or NULL */
};

struct batch {
	struct nftnl_batch *b;
	uint32_t seq0;			/* the BEGIN message */
	uint32_t n;			/* messages between BEGIN and END */
	struct batch_note *note;	/* note[i]: message seq0 + 1 + i */
	uint32_t cap;
	bool nomem;
};

/*
 * Where the next message of @b goes, zeroed to the end of its page (libnftnl
 * mallocs its pages; see req_hdr() for why).
 */
static void *batch_buf(struct nftnl_batch *b)
{
	void *p = nftnl_batch_buffer(b);

	memset(p, 0, BATCH_PAGE + BATCH_OVERRUN - nftnl_batch_buffer_len(b));
	return p;
}

static int batch_start(struct ntm_nft *h, struct batch *bt)
{
	memset(bt, 0, sizeof(*bt));
	bt->b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
	if (!bt->b)
		return -ENOMEM;
	bt->seq0 = h->seq;
	nftnl_batch_begin(batch_buf(bt->b), bt->seq0);
	nftnl_batch_update(bt->b);
	return 0;
}

static void batch_free(struct batch *bt)
{
	if (bt->b)
		nftnl_batch_free(bt->b);
	free(bt->note);
	memset(bt, 0, sizeof(*bt));
}

/* The header of the next message; @fmt says what it does, for errors. */
__attribute__((format(printf, 4, 5)))
static struct nlmsghdr *batch_msg(struct batch *bt, uint16_t type,
				  uint16_t flags, const char *fmt, ...)
{
	va_list ap;

	if (bt->n == bt->cap) {
		uint32_t cap = bt->cap ? bt->cap * 2 : 16;
		struct batch_note *v = realloc(bt->note, cap * sizeof(*v));

		if (!v) {
			bt->nomem = true;
			cap = bt->cap;
		} else {
			bt->note = v;
			bt->cap = cap;
		}
	}
	if (bt->n < bt->cap) {
		va_start(ap, fmt);
		vsnprintf(bt->note[bt->n].what, sizeof(bt->note[0].what), fmt, ap);
		va_end(ap);
		bt->note[bt->n].eexist = NULL;
	}
	bt->n++;
	return nftnl_nlmsg_build_hdr(batch_buf(bt->b), type,
				     NFPROTO_INET, flags | NLM_F_ACK,
				     bt->seq0 + bt->n);
}

/* Say what EEXIST means for the message just started. */
static void batch_note_eexist(struct batch *bt, const char *meaning)
{
	if (bt->n && bt->n <= bt->cap)
		bt->note[bt->n - 1].eexist = meaning;
}

static void batch_next(struct batch *bt)
{
	if (nftnl_batch_update(bt->b) < 0)
		bt->nomem = true;
}

/*
 * End, send, and read every answer. The first error (the kernel reports
 * each failing message, then aborts the whole batch) is returned and
 * worded with what that message did.
 */
static int batch_send(struct ntm_nft *h, struct batch *bt)
{
	uint32_t seq_end = bt->seq0 + bt->n + 1, acked = 0;
	struct msghdr msg = { 0 };
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct iovec *iov;
	int niov, err = 0;
	char ext[200] = "";
	uint32_t err_seq = 0;
	bool err_seen = false;

	if (bt->nomem)
		return fail(h, -ENOMEM, "building an nftables batch");
	nftnl_batch_end(batch_buf(bt->b), seq_end);
	nftnl_batch_update(bt->b);
	if (h->seq <= seq_end)
		h->seq = seq_end + 1;

	niov = nftnl_batch_iovec_len(bt->b);
	iov = calloc((size_t)niov, sizeof(*iov));
	if (!iov)
		return fail(h, -ENOMEM, "sending an nftables batch");
	nftnl_batch_iovec(bt->b, iov, (uint32_t)niov);
	msg.msg_name = &snl;
	msg.msg_namelen = sizeof(snl);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)niov;
	if (sendmsg(mnl_socket_get_fd(h->sock), &msg, 0) < 0) {
		err = -errno;
		free(iov);
		return fail(h, err, "sending an nftables batch");
	}
	free(iov);

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(h->sock), h->buf,
				 sizeof(h->buf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (!err)
				err = fail(h, -errno, "reading the answer to an nftables batch");
			break;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)h->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;

			/* seq0 .. seq_end, even across a wrap */
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq - bt->seq0 > bt->n + 1)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			acked++;
			if (e->error && !err) {
				err = e->error;
				err_seq = nlh->nlmsg_seq;
				err_seen = true;
				ext_ack_msg(nlh, ext, sizeof(ext));
			}
		}
	}
	if (err_seen) {
		uint32_t i = err_seq - bt->seq0 - 1;	/* BEGIN: UINT32_MAX */

		if (i < bt->n && i < bt->cap) {
			const struct batch_note *note = &bt->note[i];

			if (err == -EEXIST && note->eexist)
				return fail(h, err, "%s: %s%s", note->what,
					    note->eexist, ext);
			return fail(h, err, "%s%s", note->what, ext);
		}
		return fail(h, err, "nftables batch%s", ext);
	}
	if (err)
		return err;
	if (acked < bt->n)
		return fail(h, -EIO, "nftables batch: %" PRIu32 " of %" PRIu32
			    " messages answered", acked, bt->n);
	return 0;
}

/* ---- messages ------------------------------------------------------------------ */

/* Add or delete the table inet @name (ntmobile, or the node's ntm_node). */
static void msg_table(struct batch *bt, const char *name, uint16_t type,
		      uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		bt->nomem = true;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	nlh = batch_msg(bt, type, flags, "%s table inet %s",
			type == NFT_MSG_NEWTABLE ? "add" : "delete", name);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	batch_next(bt);
}

static void msg_set_add(struct batch *bt, enum set_id id)
{
	const struct set_spec *s = &sets[id];
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	struct nftnl_set *set = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!set || !ud) {
		bt->nomem = true;
		goto out;
	}
	nftnl_set_set_str(set, NFTNL_SET_TABLE, NTM_NFT_TABLE);
	nftnl_set_set_str(set, NFTNL_SET_NAME, s->name);
	nftnl_set_set_u32(set, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(set, NFTNL_SET_FLAGS, s->flags);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE, s->key_type);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN, s->key_len);
	if (s->data_type) {
		nftnl_set_set_u32(set, NFTNL_SET_DATA_TYPE, s->data_type);
		nftnl_set_set_u32(set, NFTNL_SET_DATA_LEN, s->data_len);
	}
	if (s->obj_type)
		nftnl_set_set_u32(set, NFTNL_SET_OBJ_TYPE, s->obj_type);
	nftnl_set_set_u32(set, NFTNL_SET_ID, (uint32_t)id + 1);
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, s->key_byteorder);
	if (s->data_byteorder)
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATABYTEORDER,
				    s->data_byteorder);
	if (s->key_concat) {
		/* what nft 1.0 writes for "type A . B": a concat, no parts */
		struct nftnl_udata *nest = nftnl_udata_nest_start(ud,
						NFTNL_UDATA_SET_KEY_TYPEOF);

		nftnl_udata_put_u32(ud, 0, NFT_EXPR_CONCAT);
		nftnl_udata_put(ud, 1, 0, NULL);
		nftnl_udata_nest_end(ud, nest);
	}
	if (s->data_interval)
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
	nftnl_set_set_data(set, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nlh = batch_msg(bt, NFT_MSG_NEWSET, NLM_F_CREATE, "add %s %s",
			s->flags & NFT_SET_MAP || s->flags & NFT_SET_OBJECT ?
			"map" : "set", s->name);
	nftnl_set_nlmsg_build_payload(nlh, set);
	batch_next(bt);
out:
	if (set)
		nftnl_set_free(set);
	if (ud)
		nftnl_udata_buf_free(ud);
}

static struct nftnl_chain *chain_alloc(const struct chain_spec *c)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();

	if (!ch)
		return NULL;
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, NTM_NFT_TABLE);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, c->name);
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	return ch;
}

static void msg_chain(struct batch *bt,
		      const struct chain_spec *c, uint16_t type)
{
	struct nftnl_chain *ch = chain_alloc(c);
	struct nlmsghdr *nlh;

	if (!ch) {
		bt->nomem = true;
		return;
	}
	if (type == NFT_MSG_NEWCHAIN) {
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, c->type);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, c->hook);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, c->prio);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = batch_msg(bt, type, type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0,
			"%s chain %s", type == NFT_MSG_NEWCHAIN ? "add" : "delete",
			c->name);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	nftnl_chain_free(ch);
	batch_next(bt);
}

static struct nftnl_rule *rule_alloc(const struct chain_spec *c, rule_fn fn)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return NULL;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NTM_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (!fn(r)) {
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

/* The chain's rules, appended in order. */
static void msg_rules(struct batch *bt,
		      const struct chain_spec *c)
{
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(c->rules) && c->rules[i]; i++) {
		struct nftnl_rule *r = rule_alloc(c, c->rules[i]);
		struct nlmsghdr *nlh;

		if (!r) {
			bt->nomem = true;
			return;
		}
		nlh = batch_msg(bt, NFT_MSG_NEWRULE,
				NLM_F_CREATE | NLM_F_APPEND,
				"add rule %d of chain %s", i + 1, c->name);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		batch_next(bt);
	}
}

/* Delete every rule of the chain. */
static void msg_flush_chain(struct batch *bt,
			    const struct chain_spec *c)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r) {
		bt->nomem = true;
		return;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NTM_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, c->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nlh = batch_msg(bt, NFT_MSG_DELRULE, 0, "flush chain %s", c->name);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	batch_next(bt);
}

static struct nftnl_set *set_ref(enum set_id id)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NTM_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, sets[id].name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	return s;
}

static struct nftnl_set_elem *elem_key(struct nftnl_set *s, const void *key,
				       uint32_t len, uint32_t flags)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return NULL;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
	if (flags)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, flags);
	nftnl_set_elem_add(s, e);
	return e;
}

/*
 * Add (NLM_F_CREATE without NLM_F_EXCL: an identical element is no error)
 * or delete one element of rsn_hosts, rsn_vips, rst_addrs or path_vips. An
 * interval set holds an address as [a, a + 1): a start and an end element.
 */
static void msg_elem(struct batch *bt, uint16_t type,
		     const struct elem *el)
{
	struct nftnl_set *s = set_ref(el->set);
	char k[INET_ADDRSTRLEN] = "?", d[INET_ADDRSTRLEN] = "?";
	char k2[INET_ADDRSTRLEN] = "?";
	struct nftnl_set_elem *e;
	struct nlmsghdr *nlh;

	if (!s) {
		bt->nomem = true;
		return;
	}
	inet_ntop(AF_INET, &el->key, k, sizeof(k));
	if (el->set == SET_PATH_VIPS) {
		uint32_t pair[2] = { el->key, el->key2 };

		inet_ntop(AF_INET, &el->key2, k2, sizeof(k2));
		e = elem_key(s, pair, sizeof(pair), 0);
		if (e)		/* the PathID as a mark: host order */
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, &el->data,
					   sizeof(el->data));
		if (!e) {
			bt->nomem = true;
			nftnl_set_free(s);
			return;
		}
		nlh = batch_msg(bt, type, type == NFT_MSG_NEWSETELEM ?
				NLM_F_CREATE : 0,
				"%s element %s . %s : %" PRIu32 " of map %s",
				type == NFT_MSG_NEWSETELEM ? "add" : "delete",
				k, k2, el->data, sets[el->set].name);
		if (type == NFT_MSG_NEWSETELEM)
			batch_note_eexist(bt, "the map has the pair for another PathID, not by a path's doing");
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		batch_next(bt);
		return;
	}
	e = elem_key(s, &el->key, sizeof(el->key), 0);
	if (e && el->set == SET_RSN_HOSTS) {
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, &el->data,
				   sizeof(el->data));
		inet_ntop(AF_INET, &el->data, d, sizeof(d));
	}
	if (e && sets[el->set].flags & NFT_SET_INTERVAL &&
	    el->key != 0xffffffffu) {
		uint32_t end = htonl(ntohl(el->key) + 1);

		e = elem_key(s, &end, sizeof(end), NFT_SET_ELEM_INTERVAL_END);
	}
	if (!e) {
		bt->nomem = true;
		nftnl_set_free(s);
		return;
	}
	if (el->set == SET_RSN_HOSTS)
		nlh = batch_msg(bt, type, type == NFT_MSG_NEWSETELEM ?
				NLM_F_CREATE : 0, "%s element %s : %s of map %s",
				type == NFT_MSG_NEWSETELEM ? "add" : "delete",
				k, d, sets[el->set].name);
	else
		nlh = batch_msg(bt, type, type == NFT_MSG_NEWSETELEM ?
				NLM_F_CREATE : 0, "%s element %s of set %s",
				type == NFT_MSG_NEWSETELEM ? "add" : "delete",
				k, sets[el->set].name);
	if (type == NFT_MSG_NEWSETELEM)
		batch_note_eexist(bt, el->set == SET_RSN_HOSTS ?
				  "the map has it for another host, not by a path's doing" :
				  "it overlaps an element that no path put there (a prefix added by hand?)");
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	batch_next(bt);
}

static void counter_name(uint32_t id, char *buf)
{
	snprintf(buf, COUNTER_NAME_LEN, COUNTER_PREFIX "%" PRIu32, id);
}

/* The counter object of a path: add (kept if it exists) or delete. */
static void msg_counter(struct batch *bt, uint16_t type,
			uint32_t id)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	char name[COUNTER_NAME_LEN];
	struct nlmsghdr *nlh;

	if (!o) {
		bt->nomem = true;
		return;
	}
	counter_name(id, name);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NTM_NFT_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	if (type == NFT_MSG_NEWOBJ) {
		/* the kernel wants the data; an existing counter keeps its
		 * own (counters have no update) */
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, 0);
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, 0);
	}
	nlh = batch_msg(bt, type, type == NFT_MSG_NEWOBJ ? NLM_F_CREATE : 0,
			"%s counter %s", type == NFT_MSG_NEWOBJ ? "add" : "delete",
			name);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	batch_next(bt);
}

/* The path's path_counters element: PathID : "path_<PathID>", with the
 * record as its comment. */
static void msg_record(struct batch *bt, uint16_t type,
		       const struct ntm_nft_path *p)
{
	struct nftnl_set *s = set_ref(SET_PATH_COUNTERS);
	char name[COUNTER_NAME_LEN], comment[128];
	struct nftnl_udata_buf *ud = NULL;
	struct nftnl_set_elem *e;
	struct nlmsghdr *nlh;
	uint32_t key = p->id;	/* ct mark: host byte order */

	if (!s) {
		bt->nomem = true;
		return;
	}
	counter_name(p->id, name);
	e = elem_key(s, &key, sizeof(key), 0);
	if (e && type == NFT_MSG_NEWSETELEM) {
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_OBJREF, name);
		ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
		if (ud && nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT,
					       ntm_nft_path_fmt(p, comment,
								sizeof(comment))))
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA,
					   nftnl_udata_buf_data(ud),
					   nftnl_udata_buf_len(ud));
		else
			e = NULL;
	}
	if (!e) {
		bt->nomem = true;
	} else {
		nlh = batch_msg(bt, type, type == NFT_MSG_NEWSETELEM ?
				NLM_F_CREATE : 0, "%s element %" PRIu32 " of map %s",
				type == NFT_MSG_NEWSETELEM ? "add" : "delete",
				p->id, sets[SET_PATH_COUNTERS].name);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		batch_next(bt);
	}
	if (ud)
		nftnl_udata_buf_free(ud);
	nftnl_set_free(s);
}

/* ---- reading the table ------------------------------------------------------------ */

static void build_table_get(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_table *t = nftnl_table_alloc();

	(void)arg;
	if (!t)
		return;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NTM_NFT_TABLE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
}

static int table_cb(struct ntm_nft *h, const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_table *t = nftnl_table_alloc();
	uint32_t *flags = arg;

	(void)h;
	if (!t)
		return -ENOMEM;
	if (nftnl_table_nlmsg_parse(nlh, t) < 0) {
		nftnl_table_free(t);
		return -EPROTO;
	}
	*flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
	nftnl_table_free(t);
	return 0;
}

/* 0 and the table's flags, or -ENOENT. */
static int table_get(struct ntm_nft *h, uint32_t *flags)
{
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = req_hdr(h, req, sizeof(req), NFT_MSG_GETTABLE, NLM_F_ACK);
	build_table_get(nlh, NULL);
	return query(h, nlh, table_cb, flags);
}

/* What ensure found of our sets and chains. */
struct found {
	bool set[SET__N];
	bool set_bad[SET__N];
	bool chain[ARRAY_SIZE(chains)];
	bool chain_bad[ARRAY_SIZE(chains)];	/* hook, type, priority, policy */
	int rules[ARRAY_SIZE(chains)];		/* rules seen */
	bool rules_bad[ARRAY_SIZE(chains)];
};

static void build_in_table_set(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_set *s = nftnl_set_alloc();

	(void)arg;
	if (!s)
		return;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NTM_NFT_TABLE);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

static int set_cb(struct ntm_nft *h, const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct found *f = arg;
	const char *table, *name;
	int i;

	(void)h;
	if (!s)
		return -ENOMEM;
	if (nftnl_set_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return -EPROTO;
	}
	table = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	for (i = 0; i < SET__N && table && name; i++) {
		const struct set_spec *sp = &sets[i];

		if (strcmp(table, NTM_NFT_TABLE) || strcmp(name, sp->name))
			continue;
		f->set[i] = true;
		f->set_bad[i] =
			(nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & SET_KIND_FLAGS) != sp->flags ||
			nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE) != sp->key_type ||
			nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN) != sp->key_len ||
			(sp->data_type &&
			 (nftnl_set_get_u32(s, NFTNL_SET_DATA_TYPE) != sp->data_type ||
			  nftnl_set_get_u32(s, NFTNL_SET_DATA_LEN) != sp->data_len)) ||
			(sp->obj_type &&
			 nftnl_set_get_u32(s, NFTNL_SET_OBJ_TYPE) != sp->obj_type);
	}
	nftnl_set_free(s);
	return 0;
}

static int chain_cb(struct ntm_nft *h, const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct found *f = arg;
	const char *table, *name, *type;
	size_t i;

	(void)h;
	if (!ch)
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(nlh, ch) < 0) {
		nftnl_chain_free(ch);
		return -EPROTO;
	}
	table = nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE);
	name = nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME);
	type = nftnl_chain_get_str(ch, NFTNL_CHAIN_TYPE);
	for (i = 0; i < ARRAY_SIZE(chains) && table && name; i++) {
		const struct chain_spec *c = &chains[i];

		if (strcmp(table, NTM_NFT_TABLE) || strcmp(name, c->name))
			continue;
		f->chain[i] = true;
		f->chain_bad[i] =
			!nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM) ||
			!type || strcmp(type, c->type) ||
			nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM) != c->hook ||
			nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO) != c->prio ||
			nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY) != NF_ACCEPT;
	}
	nftnl_chain_free(ch);
	return 0;
}

/* A rule's expressions as libnftnl prints them, to compare two rules. */
static void rule_text(const struct nftnl_rule *r, char *buf, size_t len)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	size_t n = 0;

	buf[0] = '\0';
	if (!it)
		return;
	while ((e = nftnl_expr_iter_next(it)) && n + 1 < len) {
		int w = snprintf(buf + n, len - n, "[%s ",
				 nftnl_expr_get_str(e, NFTNL_EXPR_NAME));

		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
		w = nftnl_expr_snprintf(buf + n, len - n, e, NFTNL_OUTPUT_DEFAULT, 0);
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
		w = snprintf(buf + n, len - n, "]");
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	nftnl_expr_iter_destroy(it);
}

static int rule_cb(struct ntm_nft *h, const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct found *f = arg;
	const char *table, *chain;
	size_t i;

	(void)h;
	if (!r)
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return -EPROTO;
	}
	table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	for (i = 0; i < ARRAY_SIZE(chains) && table && chain; i++) {
		const struct chain_spec *c = &chains[i];
		struct nftnl_rule *want;
		char got_s[1024], want_s[1024];
		int k = f->rules[i];

		if (strcmp(table, NTM_NFT_TABLE) || strcmp(chain, c->name))
			continue;
		f->rules[i]++;
		if (k >= (int)ARRAY_SIZE(c->rules) || !c->rules[k]) {
			f->rules_bad[i] = true;		/* one rule too many */
			break;
		}
		want = rule_alloc(c, c->rules[k]);
		if (!want) {
			nftnl_rule_free(r);
			return -ENOMEM;
		}
		rule_text(r, got_s, sizeof(got_s));
		rule_text(want, want_s, sizeof(want_s));
		if (strcmp(got_s, want_s) ||
		    nftnl_rule_is_set(r, NFTNL_RULE_USERDATA))
			f->rules_bad[i] = true;
		nftnl_rule_free(want);
	}
	nftnl_rule_free(r);
	return 0;
}

static void build_in_table_rule(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	(void)arg;
	if (!r)
		return;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NTM_NFT_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
}

static void found_reset_sets(void *arg)
{
	struct found *f = arg;

	memset(f->set, 0, sizeof(f->set));
	memset(f->set_bad, 0, sizeof(f->set_bad));
}

static void found_reset_chains(void *arg)
{
	struct found *f = arg;

	memset(f->chain, 0, sizeof(f->chain));
	memset(f->chain_bad, 0, sizeof(f->chain_bad));
}

static void found_reset_rules(void *arg)
{
	struct found *f = arg;

	memset(f->rules, 0, sizeof(f->rules));
	memset(f->rules_bad, 0, sizeof(f->rules_bad));
}

/* ---- the table ------------------------------------------------------------------ */

static void build_all(struct batch *bt)
{
	size_t i;

	msg_table(bt, NTM_NFT_TABLE, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	for (i = 0; i < SET__N; i++)
		msg_set_add(bt, (enum set_id)i);
	for (i = 0; i < ARRAY_SIZE(chains); i++) {
		msg_chain(bt, &chains[i], NFT_MSG_NEWCHAIN);
		msg_rules(bt, &chains[i]);
	}
}

static int read_table(struct ntm_nft *h, struct found *f)
{
	int ret;

	ret = dump(h, NFT_MSG_GETSET, build_in_table_set, NULL, set_cb,
		   found_reset_sets, f);
	if (ret < 0)
		return fail(h, ret, "reading the sets of table inet %s", NTM_NFT_TABLE);
	ret = dump(h, NFT_MSG_GETCHAIN, NULL, NULL, chain_cb,
		   found_reset_chains, f);
	if (ret < 0)
		return fail(h, ret, "reading the chains of table inet %s", NTM_NFT_TABLE);
	ret = dump(h, NFT_MSG_GETRULE, build_in_table_rule, NULL, rule_cb,
		   found_reset_rules, f);
	if (ret < 0)
		return fail(h, ret, "reading the rules of table inet %s", NTM_NFT_TABLE);
	return 0;
}

int ntm_nft_table_ensure(struct ntm_nft *h)
{
	struct found f = { 0 };
	struct batch bt;
	uint32_t flags = 0;
	int ret, fixed = 0;
	size_t i;

	h->errbuf[0] = '\0';
	index_free(h);		/* whatever happened, read the records again */
	ret = table_get(h, &flags);
	if (ret < 0 && ret != -ENOENT)
		return fail(h, ret, "reading table inet %s", NTM_NFT_TABLE);
	if (batch_start(h, &bt) < 0)
		return fail(h, -ENOMEM, "table inet %s", NTM_NFT_TABLE);

	if (ret == -ENOENT) {
		build_all(&bt);
		fixed = 1 + SET__N + (int)ARRAY_SIZE(chains);
	} else {
		ret = read_table(h, &f);
		if (ret < 0)
			goto out;
		for (i = 0; i < SET__N; i++) {
			if (f.set_bad[i]) {
				ret = fail(h, -EEXIST, "table inet %s: %s %s has another type than nft/ntmobile.nft says; remove the table (ntmctl nft remove) and ensure it again",
					   NTM_NFT_TABLE, sets[i].flags & (NFT_SET_MAP | NFT_SET_OBJECT) ? "map" : "set",
					   sets[i].name);
				goto out;
			}
		}
		if (flags & NFT_TABLE_F_DORMANT) {
			msg_table(&bt, NTM_NFT_TABLE, NFT_MSG_NEWTABLE, 0);
			fixed++;
		}
		for (i = 0; i < SET__N; i++) {
			if (!f.set[i]) {
				msg_set_add(&bt, (enum set_id)i);
				fixed++;
			}
		}
		for (i = 0; i < ARRAY_SIZE(chains); i++) {
			const struct chain_spec *c = &chains[i];
			int nrules = 0;

			while (nrules < (int)ARRAY_SIZE(c->rules) && c->rules[nrules])
				nrules++;
			if (!f.chain[i]) {
				msg_chain(&bt, c, NFT_MSG_NEWCHAIN);
				msg_rules(&bt, c);
				fixed++;
			} else if (f.chain_bad[i]) {
				msg_flush_chain(&bt, c);
				msg_chain(&bt, c, NFT_MSG_DELCHAIN);
				msg_chain(&bt, c, NFT_MSG_NEWCHAIN);
				msg_rules(&bt, c);
				fixed++;
			} else if (f.rules_bad[i] || f.rules[i] != nrules) {
				msg_flush_chain(&bt, c);
				msg_rules(&bt, c);
				fixed++;
			}
		}
	}
	ret = fixed ? batch_send(h, &bt) : 0;
	if (ret == 0)
		ret = fixed;
out:
	batch_free(&bt);
	return ret;
}

int ntm_nft_table_remove(struct ntm_nft *h)
{
	struct batch bt;
	int ret;

	h->errbuf[0] = '\0';
	index_free(h);
	if (batch_start(h, &bt) < 0)
		return fail(h, -ENOMEM, "table inet %s", NTM_NFT_TABLE);
	msg_table(&bt, NTM_NFT_TABLE, NFT_MSG_DELTABLE, 0);
	ret = batch_send(h, &bt);
	batch_free(&bt);
	if (ret == -ENOENT) {
		h->errbuf[0] = '\0';
		return 0;
	}
	return ret < 0 ? ret : 1;
}

/* ---- records: the elements of path_counters --------------------------------------- */

static void build_elems_get(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_set *s = set_ref(*(const enum set_id *)arg);

	if (!s)
		return;
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **comment = data;
	const char *value = nftnl_udata_get(attr);
	uint8_t len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT && len > 0 &&
	    value[len - 1] == '\0')
		*comment = value;
	return 0;
}

static int record_elem_cb(struct nftnl_set_elem *e, void *arg)
{
	struct ntm_nft_index *x = arg;
	struct ntm_nft_path p = { 0 };
	const char *comment = NULL;
	const void *key, *ud;
	uint32_t len = 0, id;

	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (!key || len != sizeof(id))
		return 0;
	memcpy(&id, key, sizeof(id));
	ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
	if (ud)
		nftnl_udata_parse(ud, len, comment_cb, &comment);
	p.id = id;
	if (!comment || ntm_nft_path_parse(comment, &p) < 0) {
		memset(&p, 0, sizeof(p));	/* unreadable: the id only */
		p.id = id;
	}
	return index_put(x, id, &p);
}

static int record_cb(struct ntm_nft *h, const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_set *s = nftnl_set_alloc();
	int ret;

	(void)h;
	if (!s)
		return -ENOMEM;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
		nftnl_set_free(s);
		return -EPROTO;
	}
	ret = nftnl_set_elem_foreach(s, record_elem_cb, arg);
	nftnl_set_free(s);
	return ret;
}

static void index_reset(void *arg)
{
	struct ntm_nft *h = arg;

	index_free(h);
	h->index = index_alloc();
}

static int index_cb(struct ntm_nft *h, const struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	if (!h->index)
		return -ENOMEM;
	return record_cb(h, nlh, h->index);
}

/* Read every record of path_counters into a fresh index. */
static int index_load(struct ntm_nft *h)
{
	enum set_id id = SET_PATH_COUNTERS;
	int ret;

	ret = dump(h, NFT_MSG_GETSETELEM, build_elems_get, &id, index_cb,
		   index_reset, h);
	if (ret < 0) {
		index_free(h);
		if (ret == -ENOENT)
			return fail(h, ret, "table inet %s or its map %s is absent (ntmctl nft ensure)",
				    NTM_NFT_TABLE, sets[SET_PATH_COUNTERS].name);
		return fail(h, ret, "reading map %s", sets[SET_PATH_COUNTERS].name);
	}
	if (!h->index)
		return fail(h, -ENOMEM, "reading map %s", sets[SET_PATH_COUNTERS].name);
	return 0;
}

/* ---- paths ------------------------------------------------------------------------ */

static int vip_check(struct ntm_nft *h, uint32_t id, const char *what,
		     const struct ntm_vip *v, bool required)
{
	if (v->family == AF_INET6)
		return fail(h, -EAFNOSUPPORT, "path %" PRIu32 ": %s is IPv6; the ntmobile table holds IPv4 only",
			    id, what);
	if (v->family == AF_INET)
		return 0;
	if (v->family != AF_UNSPEC || required)
		return fail(h, -EINVAL, "path %" PRIu32 ": %s %s", id, what,
			    v->family == AF_UNSPEC ? "missing" : "has an unknown family");
	return 0;
}

static int path_check(struct ntm_nft *h, const struct ntm_nft_path *p)
{
	bool n = p->type == NTM_PATH_RS_N, t = p->type == NTM_PATH_RS_T;
	int ret;

	if (!p->id)
		return fail(h, -EINVAL, "path 0: a PathID is never 0 (ct mark 0 is no path)");
	if (!n && !t && p->type != NTM_PATH_RS_S)
		return fail(h, -EINVAL, "path %" PRIu32 ": unknown type %u",
			    p->id, p->type);
	if (p->type == NTM_PATH_RS_S)
		return 0;
	ret = vip_check(h, p->id, "leg A's VIP", &p->a_vip, true);
	if (!ret)
		ret = vip_check(h, p->id, "leg B's VIP", &p->b_vip, n);
	if (!ret)
		ret = vip_check(h, p->id, "the host's address", &p->host, n);
	return ret;
}

static bool has_key(const struct elem *v, int n, uint8_t set, uint32_t key,
		    uint32_t key2)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i].set == set && v[i].key == key && v[i].key2 == key2)
			return true;
	return false;
}

/*
 * The batch taking the table from @cur (the record of the PathID, or NULL)
 * to @want (NULL: no nft state). -EEXIST when @want needs an rsn_hosts key
 * that another path maps to another host, or a path_vips pair that another
 * path holds.
 */
static int build_apply(struct ntm_nft *h, struct batch *bt, uint32_t id,
		       const struct ntm_nft_path *cur,
		       const struct ntm_nft_path *want)
{
	struct ntm_nft_index *x = h->index;
	struct elem ce[PATH_ELEMS_MAX], we[PATH_ELEMS_MAX];
	int nc = path_elems(cur, ce), nw = path_elems(want, we), i;

	for (i = 0; i < nw; i++) {
		const struct ref *r = ref_find(x, we[i].set, we[i].key, we[i].key2);
		char k[INET_ADDRSTRLEN], k2[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
		uint32_t others;

		if (!r || r->data == we[i].data)
			continue;
		others = r->count - (has_key(ce, nc, r->set, r->key, r->key2) ? 1 : 0);
		if (!others)
			continue;
		inet_ntop(AF_INET, &we[i].key, k, sizeof(k));
		if (r->set == SET_PATH_VIPS) {
			inet_ntop(AF_INET, &we[i].key2, k2, sizeof(k2));
			return fail(h, -EEXIST, "path %" PRIu32 ": the VIP pair %s . %s is path %" PRIu32 "'s",
				    id, k, k2, r->data);
		}
		inet_ntop(AF_INET, &r->data, d, sizeof(d));
		return fail(h, -EEXIST, "path %" PRIu32 ": leg B's VIP %s already maps to host %s for another path",
			    id, k, d);
	}

	/* Elements no longer needed go with the last path that needed them.
	 * Each is added before it is deleted, so that one an admin already
	 * removed is no error. */
	for (i = 0; i < nc; i++) {
		const struct ref *r = ref_find(x, ce[i].set, ce[i].key, ce[i].key2);

		if (elem_in(&ce[i], we, nw) || (r && r->count > 1))
			continue;
		msg_elem(bt, NFT_MSG_NEWSETELEM, &ce[i]);
		msg_elem(bt, NFT_MSG_DELSETELEM, &ce[i]);
	}
	/* Added even if present: a re-apply repairs what is missing. */
	for (i = 0; i < nw; i++)
		msg_elem(bt, NFT_MSG_NEWSETELEM, &we[i]);

	if (want) {
		msg_counter(bt, NFT_MSG_NEWOBJ, id);
		if (cur && !path_same(cur, want))
			msg_record(bt, NFT_MSG_DELSETELEM, cur);
		msg_record(bt, NFT_MSG_NEWSETELEM, want);
	} else if (cur) {
		msg_record(bt, NFT_MSG_DELSETELEM, cur);
		msg_counter(bt, NFT_MSG_DELOBJ, id);
	}
	return 0;
}

int ntm_nft_path_apply(struct ntm_nft *h, const struct ntm_nft_path *old,
		       const struct ntm_nft_path *new)
{
	const struct ntm_nft_path *want = NULL;
	uint32_t id;
	int ret, tries;

	h->errbuf[0] = '\0';
	if (!old && !new)
		return fail(h, -EINVAL, "path apply: neither old nor new path");
	if (old && new && old->id != new->id)
		return fail(h, -EINVAL, "path apply: old PathID %" PRIu32 " and new PathID %" PRIu32 " differ",
			    old->id, new->id);
	id = new ? new->id : old->id;
	if (!id)
		return fail(h, -EINVAL, "path 0: a PathID is never 0 (ct mark 0 is no path)");
	if (new) {
		ret = path_check(h, new);
		if (ret < 0)
			return ret;
		if (new->type != NTM_PATH_RS_S)
			want = new;
	}

	/*
	 * The handle's view of the table may be stale (someone else changed
	 * it): a failure with a view read earlier is retried once with a
	 * view read now.
	 */
	for (tries = 0;; tries++) {
		struct ntm_nft_path cur;
		const struct rec *r;
		struct batch bt;
		bool fresh = false;

		if (!h->index) {
			ret = index_load(h);
			if (ret < 0)
				return ret;
			fresh = true;
		}
		r = rec_find(h->index, id);
		if (!r && !want)
			return 0;	/* nothing there, nothing wanted */
		if (r)
			cur = r->p;
		if (batch_start(h, &bt) < 0)
			return fail(h, -ENOMEM, "path %" PRIu32, id);
		ret = build_apply(h, &bt, id, r ? &cur : NULL, want);
		if (ret == 0)
			ret = batch_send(h, &bt);
		batch_free(&bt);
		if (ret == 0) {
			if (index_put(h->index, id, want) < 0)
				index_free(h);	/* read it again next time */
			return 0;
		}
		index_free(h);
		if (fresh || tries)
			return ret;
		h->errbuf[0] = '\0';
	}
}

/* ---- counters ------------------------------------------------------------------- */

struct counter {
	bool found;
	uint64_t packets, bytes;
};

static int counter_cb(struct ntm_nft *h, const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct counter *c = arg;

	(void)h;
	if (!o)
		return -ENOMEM;
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0) {
		nftnl_obj_free(o);
		return -EPROTO;
	}
	c->found = true;
	c->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	nftnl_obj_free(o);
	return 0;
}

int ntm_nft_path_counter(struct ntm_nft *h, uint32_t id, uint64_t *packets,
			 uint64_t *bytes)
{
	char req[MNL_SOCKET_BUFFER_SIZE], name[COUNTER_NAME_LEN];
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct counter c = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	h->errbuf[0] = '\0';
	if (!o)
		return fail(h, -ENOMEM, "path %" PRIu32 ": counter", id);
	counter_name(id, name);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NTM_NFT_TABLE);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = req_hdr(h, req, sizeof(req), NFT_MSG_GETOBJ, NLM_F_ACK);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	ret = query(h, nlh, counter_cb, &c);
	if (ret == 0 && !c.found)
		ret = -EPROTO;
	if (ret < 0)
		return fail(h, ret, "path %" PRIu32 ": counter %s", id, name);
	*packets = c.packets;
	*bytes = c.bytes;
	return 0;
}

struct paths_walk {
	struct ntm_nft_path_state *v;
	size_t n, cap;
};

static void build_counters_get(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_obj *o = nftnl_obj_alloc();

	(void)arg;
	if (!o)
		return;
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NTM_NFT_TABLE);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
}

/* PathID of a counter named path_<PathID>, or 0. */
static uint32_t counter_id(const char *name)
{
	size_t plen = strlen(COUNTER_PREFIX);
	unsigned long id;
	char *end;

	if (strncmp(name, COUNTER_PREFIX, plen) || name[plen] < '1' ||
	    name[plen] > '9')
		return 0;
	errno = 0;
	id = strtoul(name + plen, &end, 10);
	if (errno || *end || id > UINT32_MAX)
		return 0;
	return (uint32_t)id;
}

static int path_obj_cb(struct ntm_nft *h, const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct paths_walk *w = arg;
	struct ntm_nft_path_state *st;
	const char *table, *name;
	const struct rec *r;
	uint32_t id;
	int ret = 0;

	if (!o)
		return -ENOMEM;
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0) {
		nftnl_obj_free(o);
		return -EPROTO;
	}
	table = nftnl_obj_get_str(o, NFTNL_OBJ_TABLE);
	name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
	if (!table || !name || strcmp(table, NTM_NFT_TABLE) ||
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER ||
	    !(id = counter_id(name)))
		goto out;
	if (w->n == w->cap) {
		struct ntm_nft_path_state *v = ntm_array_grow(w->v, &w->cap,
							      sizeof(*v), 64);

		if (!v) {
			ret = -ENOMEM;
			goto out;
		}
		w->v = v;
	}
	st = &w->v[w->n++];
	memset(st, 0, sizeof(*st));
	r = rec_find(h->index, id);
	if (r)
		st->path = r->p;
	st->path.id = id;
	st->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	st->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
out:
	nftnl_obj_free(o);
	return ret;
}

static void paths_reset(void *arg)
{
	((struct paths_walk *)arg)->n = 0;
}

int ntm_nft_paths(struct ntm_nft *h, ntm_nft_path_cb cb, void *arg)
{
	struct paths_walk w = { 0 };
	size_t i;
	int ret;

	h->errbuf[0] = '\0';
	for (i = 0; i < 5; i++) {
		ret = index_load(h);
		if (ret < 0)
			return ret;
		ret = dump(h, NFT_MSG_GETOBJ, build_counters_get, NULL,
			   path_obj_cb, paths_reset, &w);
		if (ret != -EINTR)
			break;
	}
	if (ret < 0) {
		free(w.v);
		return fail(h, ret, "reading the counters of table inet %s",
			    NTM_NFT_TABLE);
	}
	/* Called after the dump, so that @cb may use @h (to remove a stale
	 * path, say). */
	for (i = 0; i < w.n && ret == 0; i++)
		ret = cb ? cb(&w.v[i], arg) : 0;
	free(w.v);
	if (ret < 0)
		return ret;
	return w.n > INT32_MAX ? INT32_MAX : (int)w.n;
}

/* ---- the node's table: inet ntm_node ------------------------------------------------ */

/*
 * The queue verdict: nft's own "queue" expression (nft_queue), or, on a
 * kernel built without it, the same through nft_compat and xt_NFQUEUE
 * (revision 3: queue number, one queue, bypass), as iptables-nft writes it.
 */
static bool add_queue(struct nftnl_rule *r, uint16_t queue, bool compat)
{
	struct nftnl_expr *e;
	uint16_t *info;

	if (!compat) {
		e = nftnl_expr_alloc("queue");
		if (e) {
			nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, queue);
			nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
			nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
					   NFT_QUEUE_FLAG_BYPASS);
		}
		return add_expr(r, e);
	}
	e = nftnl_expr_alloc("target");
	/* struct xt_NFQ_info_v3, padded to XT_ALIGN; libnftnl owns it */
	info = calloc(4, sizeof(*info));
	if (!e || !info) {
		free(info);
		if (e)
			nftnl_expr_free(e);
		return false;
	}
	info[0] = queue;
	info[1] = 1;
	info[2] = 0x01;		/* NFQ_FLAG_BYPASS */
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, 4 * sizeof(*info));
	return add_expr(r, e);
}

/* udp sport 53 queue num @queue bypass */
static struct nftnl_rule *node_rule(uint16_t queue, bool compat)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint8_t udp = IPPROTO_UDP;
	uint16_t port = htons(53);

	if (!r)
		return NULL;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NTM_NFT_NODE_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, NTM_NFT_NODE_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (!add_meta_load(r, NFT_META_L4PROTO, NFT_REG_1) ||
	    !add_cmp(r, NFT_REG_1, NFT_CMP_EQ, &udp, sizeof(udp)) ||
	    !add_payload_load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2, NFT_REG_1) ||
	    !add_cmp(r, NFT_REG_1, NFT_CMP_EQ, &port, sizeof(port)))
		goto err;
	if (!add_queue(r, queue, compat))
		goto err;
	return r;
err:
	nftnl_rule_free(r);
	return NULL;
}

static int node_install(struct ntm_nft *h, uint16_t queue, bool compat)
{
	struct nftnl_chain *ch;
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	struct batch bt;
	int ret;

	h->errbuf[0] = '\0';
	if (batch_start(h, &bt) < 0)
		return fail(h, -ENOMEM, "table inet %s", NTM_NFT_NODE_TABLE);
	/* add + delete + add: whatever an earlier run left is replaced. */
	msg_table(&bt, NTM_NFT_NODE_TABLE, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	msg_table(&bt, NTM_NFT_NODE_TABLE, NFT_MSG_DELTABLE, 0);
	msg_table(&bt, NTM_NFT_NODE_TABLE, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	ch = nftnl_chain_alloc();
	if (!ch) {
		bt.nomem = true;
	} else {
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, NTM_NFT_NODE_TABLE);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, NTM_NFT_NODE_CHAIN);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		nlh = batch_msg(&bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE,
				"add chain %s", NTM_NFT_NODE_CHAIN);
		nftnl_chain_nlmsg_build_payload(nlh, ch);
		nftnl_chain_free(ch);
		batch_next(&bt);
	}
	r = node_rule(queue, compat);
	if (!r) {
		bt.nomem = true;
	} else {
		nlh = batch_msg(&bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND,
				"add rule udp sport 53 queue num %u bypass%s",
				(unsigned int)queue, compat ? " (xt NFQUEUE)" : "");
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		batch_next(&bt);
	}
	ret = batch_send(h, &bt);
	batch_free(&bt);
	return ret;
}

int ntm_nft_node_install(struct ntm_nft *h, uint16_t queue)
{
	int ret = node_install(h, queue, false);

	/* ENOENT: no nft_queue in this kernel (the whole batch was undone). */
	if (ret == -ENOENT || ret == -EOPNOTSUPP)
		ret = node_install(h, queue, true);
	return ret;
}

int ntm_nft_node_remove(struct ntm_nft *h)
{
	struct batch bt;
	int ret;

	h->errbuf[0] = '\0';
	if (batch_start(h, &bt) < 0)
		return fail(h, -ENOMEM, "table inet %s", NTM_NFT_NODE_TABLE);
	msg_table(&bt, NTM_NFT_NODE_TABLE, NFT_MSG_DELTABLE, 0);
	ret = batch_send(h, &bt);
	batch_free(&bt);
	if (ret == -ENOENT) {
		h->errbuf[0] = '\0';
		return 0;
	}
	return ret < 0 ? ret : 1;
}
