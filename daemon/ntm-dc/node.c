// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nodes: Registration Requests, their VIPs and the end of their
 * registrations; the daemon's state loaded from the store at start.
 *
 * VIP rules (design contract): a node's VIP comes from vip-pool and is its
 * own for good once given (sticky per node id, with or without vip_hint,
 * across restarts: the store's UNIQUE constraint and the write before the
 * answer). A hint is honoured for a node that has no VIP yet if the address
 * is free. Only when the pool has no free address left is the VIP of the
 * node whose registration ended longest ago taken back.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "ntm_array.h"

uint64_t dc_now(const struct dc *d)
{
	return ntm_ctl_now_ms(d->env);
}

struct dc_node *dc_node_get(struct dc *d, uint32_t id)
{
	size_t i;

	for (i = 0; i < d->nnodes; i++)
		if (d->nodes[i].id == id)
			return &d->nodes[i];
	return NULL;
}

bool dc_node_live(const struct dc *d, const struct dc_node *n)
{
	return n && n->expires_ms && n->expires_ms > dc_now(d);
}

struct dc_node *dc_node_by_vip(struct dc *d, uint32_t vip)
{
	size_t i;

	for (i = 0; vip && i < d->nnodes; i++)
		if (d->nodes[i].vip == vip)
			return &d->nodes[i];
	return NULL;
}

struct dc_node *dc_node_by_name(struct dc *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nnodes; i++)
		if (d->nodes[i].name[0] && !strcasecmp(d->nodes[i].name, name))
			return &d->nodes[i];
	return NULL;
}

static const char *node_label(const struct dc_node *n)
{
	return n->name[0] ? n->name : "no name";
}

/* ---- VIPs ---------------------------------------------------------------- */

/* The VIP of the node whose registration ended longest ago, taken back:
 * store first, then memory. 0 if there is none. */
static uint32_t vip_reclaim(struct dc *d, uint32_t for_id)
{
	struct dc_node *old = NULL;
	char v[16];
	uint32_t vip;
	size_t i;

	for (i = 0; i < d->nnodes; i++) {
		struct dc_node *n = &d->nodes[i];

		if (n->id == for_id || !n->vip || dc_node_live(d, n))
			continue;
		if (!old || n->expires_ms < old->expires_ms)
			old = n;
	}
	if (!old || dc_store_del_node(d->store, old->id) < 0)
		return 0;
	vip = old->vip;
	dc_warn("vip-pool is full: VIP %s taken back from node %" PRIu32 " (%s), not registered",
		dc_v4_fmt(vip, v, sizeof(v)), old->id, node_label(old));
	old->vip = 0;
	old->name[0] = '\0';
	memset(&old->local, 0, sizeof(old->local));
	memset(&old->observed, 0, sizeof(old->observed));
	return vip;
}

static uint32_t vip_alloc(struct dc *d, uint32_t id, const struct ntm_addr *hint)
{
	const struct dc_pool *pool = &d->cfg->vip_pool;
	uint32_t h, i, size = dc_pool_size(pool);

	if (dc_addr_to_v4(hint, &h) && dc_pool_contains(pool, h) &&
	    !dc_node_by_vip(d, h))
		return h;
	for (i = 0; i < size; i++) {
		uint32_t a = dc_pool_addr(pool, i);

		if (!dc_node_by_vip(d, a))
			return a;
	}
	return vip_reclaim(d, id);
}

/* ---- Registration Request ------------------------------------------------ */

static uint8_t refuse(struct dc *d, const char *from, uint32_t id,
		      const char *name, uint8_t status, const char *why)
{
	d->stats.refused++;
	dc_warn("Registration Request from %s (node %" PRIu32 ", %s): %s: %s",
		from, id, name, ntm_status_name(status), why);
	return status;
}

static uint8_t registration(struct dc *d, uint32_t key_id,
			    const struct ntm_registration_request *rq,
			    const struct ntm_addr *observed, uint32_t *vip_out,
			    uint32_t *lifetime_out)
{
	const struct dc_config *c = d->cfg;
	const struct dc_node_cfg *nc = dc_config_node(c, key_id);
	struct dc_node *n = dc_node_get(d, key_id), *other, tmp;
	char from[NTM_ADDR_FMT_LEN], name[NTM_NAME_MAX + 1], ns[NTM_NAME_MAX + 8];
	char why[600], v[16], l[NTM_ADDR_FMT_LEN], o[NTM_ADDR_FMT_LEN];
	char ol[NTM_ADDR_FMT_LEN], oo[NTM_ADDR_FMT_LEN];
	bool was_live, moved;
	size_t i;
	int ret;

	ntm_addr_fmt(observed, from, sizeof(from));
	for (i = 0; rq->name[i] && i < NTM_NAME_MAX; i++)
		name[i] = (char)tolower((unsigned char)rq->name[i]);
	name[i] = '\0';
	if (!nc || !n)
		return refuse(d, from, key_id, name, NTM_E_REFUSED, "no such node");
	if (rq->node_id != key_id) {
		snprintf(why, sizeof(why), "node id %" PRIu32 " in the body, sealed with node %" PRIu32 "'s key",
			 rq->node_id, key_id);
		return refuse(d, from, key_id, name, NTM_E_REFUSED, why);
	}
	if (!dc_name_below_zone(name, c->zone)) {
		snprintf(why, sizeof(why), "%s is not in the zone %s", name, c->zone);
		return refuse(d, from, key_id, name, NTM_E_REFUSED, why);
	}
	snprintf(ns, sizeof(ns), "ns.%s", c->zone);
	if (!strcmp(name, ns) || dc_config_host_by_name(c, name)) {
		snprintf(why, sizeof(why), "%s is a name of the zone's own", name);
		return refuse(d, from, key_id, name, NTM_E_REFUSED, why);
	}
	if (nc->name[0] && strcmp(nc->name, name)) {
		snprintf(why, sizeof(why), "node %" PRIu32 "'s name is %s", key_id, nc->name);
		return refuse(d, from, key_id, name, NTM_E_REFUSED, why);
	}
	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].id != key_id && !strcmp(c->nodes[i].name, name)) {
			snprintf(why, sizeof(why), "%s is node %" PRIu32 "'s name",
				 name, c->nodes[i].id);
			return refuse(d, from, key_id, name, NTM_E_REFUSED, why);
		}
	other = dc_node_by_name(d, name);
	if (other && other->id != key_id) {
		if (dc_node_live(d, other)) {
			snprintf(why, sizeof(why), "%s is registered by node %" PRIu32,
				 name, other->id);
			return refuse(d, from, key_id, name, NTM_E_CONFLICT, why);
		}
		/* Its registration ended: the name is free. */
		tmp = *other;
		tmp.name[0] = '\0';
		if (dc_store_put_node(d->store, &tmp) < 0)
			return NTM_E_INTERNAL;
		other->name[0] = '\0';
	}

	tmp = *n;
	if (!tmp.vip) {
		tmp.vip = vip_alloc(d, key_id, &rq->vip_hint);
		if (!tmp.vip)
			return refuse(d, from, key_id, name, NTM_E_POOL_EXHAUSTED,
				      "vip-pool has no free address");
	}
	snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	tmp.local = rq->local;
	tmp.observed = *observed;
	tmp.lifetime = rq->lifetime && rq->lifetime < c->lifetime ?
		       rq->lifetime : c->lifetime;
	tmp.expires_ms = dc_now(d) + (uint64_t)tmp.lifetime * 1000;
	/* On disk before the answer. */
	ret = dc_store_put_node(d->store, &tmp);
	if (ret < 0) {
		dc_err("node %" PRIu32 ": cannot store its registration (%s): answered INTERNAL",
		       key_id, ret == -EEXIST ? "its VIP or name is another node's in the store" :
		       "store error");
		return NTM_E_INTERNAL;
	}
	was_live = dc_node_live(d, n);
	if (!was_live) {
		tmp.registered_ms = dc_now(d);
		dc_info("node %" PRIu32 " (%s) registered: VIP %s, local %s, observed %s, lifetime %" PRIu32 " s",
			key_id, name, dc_v4_fmt(tmp.vip, v, sizeof(v)),
			ntm_addr_fmt(&tmp.local, l, sizeof(l)),
			ntm_addr_fmt(&tmp.observed, o, sizeof(o)), tmp.lifetime);
		d->dns_serial++;
	} else if (!ntm_addr_equal(&n->local, &tmp.local) ||
		   !ntm_addr_equal(&n->observed, &tmp.observed) ||
		   strcmp(n->name, tmp.name)) {
		dc_info("node %" PRIu32 " (%s) moved: local %s (was %s), observed %s (was %s)",
			key_id, name, ntm_addr_fmt(&tmp.local, l, sizeof(l)),
			ntm_addr_fmt(&n->local, ol, sizeof(ol)),
			ntm_addr_fmt(&tmp.observed, o, sizeof(o)),
			ntm_addr_fmt(&n->observed, oo, sizeof(oo)));
		d->dns_serial++;
	} else {
		dc_dbg("node %" PRIu32 " (%s) refreshed its registration for %" PRIu32 " s",
		       key_id, name, tmp.lifetime);
	}
	moved = was_live && !ntm_addr_equal(&n->observed, &tmp.observed);
	*n = tmp;
	*vip_out = n->vip;
	*lifetime_out = n->lifetime;
	/* A live node that no longer knows its VIP started afresh: it lost
	 * its paths, which the peers and the RS still hold. */
	if (was_live && ntm_addr_is_none(&rq->vip_hint))
		dc_path_node_restarted(d, key_id);
	else if (moved)
		dc_path_node_moved(d, key_id);
	return NTM_OK;
}

void dc_registration(struct dc *d, uint32_t key_id,
		     const struct ntm_registration_request *rq,
		     const struct ntm_addr *observed,
		     struct ntm_registration_response *rs)
{
	uint32_t vip = 0, lifetime = 0;

	memset(rs, 0, sizeof(*rs));
	d->stats.registrations++;
	rs->node_id = rq->node_id;
	rs->observed = *observed;
	rs->status = registration(d, key_id, rq, observed, &vip, &lifetime);
	if (rs->status == NTM_OK) {
		dc_v4_to_addr(vip, &rs->vip);
		rs->lifetime = lifetime;
	}
}

void dc_expire(struct dc *d)
{
	uint64_t now = dc_now(d);
	size_t i, j;

	for (i = 0; i < d->nnodes; i++) {
		struct dc_node *n = &d->nodes[i], tmp;

		if (!n->expires_ms || n->expires_ms > now)
			continue;
		tmp = *n;
		tmp.expires_ms = 0;
		if (dc_store_put_node(d->store, &tmp) < 0)
			continue;	/* logged; tried again next second */
		n->expires_ms = 0;
		d->dns_serial++;
		dc_info("registration of node %" PRIu32 " (%s) expired", n->id,
			node_label(n));
		for (j = d->npaths; j-- > 0;) {
			struct dc_path *p = &d->paths[j];

			if ((p->peer_dc < 0 && p->node_a == n->id) ||
			    p->node_b == n->id)
				dc_path_remove(d, p->id, NTM_TEARDOWN_EXPIRED,
					       "a node's registration expired");
		}
	}
}

void dc_node_record(const struct dc *d, const struct dc_node *n,
		    struct ntm_record *r)
{
	memset(r, 0, sizeof(*r));
	r->node_id = n->id;
	dc_v4_to_addr(n->vip, &r->vip);
	r->local = n->local;
	r->observed = n->observed;
	r->dc = d->cfg->address;
	if (!ntm_addr_equal(&n->local, &n->observed))
		r->flags |= NTM_RECORD_F_NAT;
}

int dc_dns_lookup(void *arg, const char *name, struct dc_dns_name *out)
{
	struct dc *d = arg;
	const struct dc_host_cfg *h;
	struct dc_node *n;
	struct ntm_record r;

	memset(out, 0, sizeof(*out));
	n = dc_node_by_name(d, name);
	if (n && dc_node_live(d, n)) {
		out->has_a = true;
		out->a = n->vip;
		dc_node_record(d, n, &r);
		out->has_ntm = ntm_record_encode(&r, out->ntm) == NTM_OK;
		return 1;
	}
	h = dc_config_host_by_name(d->cfg, name);
	if (h) {
		out->has_a = true;
		out->a = h->addr;
		return 1;
	}
	return 0;
}

/* ---- start and end ------------------------------------------------------- */

static int load_node(void *arg, const struct dc_node *row)
{
	struct dc *d = arg;
	struct dc_node *n = dc_node_get(d, row->id), *arr;

	if (!n) {
		/* Known to the store only: its VIP stays reserved. */
		arr = realloc(d->nodes, (d->nnodes + 1) * sizeof(*arr));
		if (!arr)
			return -ENOMEM;
		d->nodes = arr;
		n = &d->nodes[d->nnodes++];
		*n = *row;
		n->expires_ms = 0;
		return 0;
	}
	*n = *row;
	return 0;
}

static int load_host_vip(void *arg, uint32_t host, uint32_t vip)
{
	struct dc *d = arg;
	void *arr = realloc(d->host_vips, (d->nhost_vips + 1) * sizeof(*d->host_vips));

	if (!arr)
		return -ENOMEM;
	d->host_vips = arr;
	d->host_vips[d->nhost_vips].host = host;
	d->host_vips[d->nhost_vips].vip = vip;
	d->nhost_vips++;
	return 0;
}

static int load_path(void *arg, const struct dc_path *p)
{
	struct dc *d = arg;

	if (d->npaths == d->cap_paths) {
		struct dc_path *arr = ntm_array_grow(d->paths, &d->cap_paths,
						     sizeof(*arr), 64);

		if (!arr)
			return -ENOMEM;
		d->paths = arr;
	}
	d->paths[d->npaths++] = *p;
	return 0;
}

int dc_init(struct dc *d, struct dc_config *cfg, struct dc_store *store)
{
	size_t i;
	int n;

	d->cfg = cfg;
	d->store = store;
	dc_store_set_config(store, cfg);
	d->nodes = calloc(cfg->nnodes ? cfg->nnodes : 1, sizeof(*d->nodes));
	d->rs_down_until = calloc(cfg->nrs ? cfg->nrs : 1, sizeof(*d->rs_down_until));
	d->nonces = ntm_nonce_cache_new(DC_NONCE_CACHE, d->env);
	d->txns = ntm_txn_new(DC_TXN_CACHE);
	if (!d->nodes || !d->rs_down_until || !d->nonces || !d->txns) {
		dc_err("out of memory");
		return -1;
	}
	d->nnodes = cfg->nnodes;
	for (i = 0; i < cfg->nnodes; i++)
		d->nodes[i].id = cfg->nodes[i].id;
	n = dc_store_load_nodes(store, load_node, d);
	if (n < 0 || dc_store_load_host_vips(store, load_host_vip, d) < 0 ||
	    dc_store_load_paths(store, load_path, d) < 0) {
		dc_err("cannot load the store");
		return -1;
	}
	d->dns_serial = (uint32_t)(dc_now(d) / 1000);
	return 0;
}

void dc_fini(struct dc *d)
{
	struct dc_out *o, *on;
	struct dc_pending *p, *pn;

	for (o = d->outbox; o; o = on) {
		on = o->next;
		ntm_wipe(o, sizeof(*o));
		free(o);
	}
	for (p = d->pending; p; p = pn) {
		pn = p->next;
		free(p);
	}
	while (d->forwards) {
		struct dc_forward *f = d->forwards;

		d->forwards = f->next;
		free(f);
	}
	if (d->paths)
		ntm_wipe(d->paths, d->cap_paths * sizeof(*d->paths));
	free(d->paths);
	free(d->nodes);
	free(d->host_vips);
	free(d->rs_down_until);
	ntm_nonce_cache_free(d->nonces);
	ntm_txn_free(d->txns);
	d->outbox = NULL;
	d->pending = NULL;
	d->paths = NULL;
	d->nodes = NULL;
	d->host_vips = NULL;
	d->rs_down_until = NULL;
	d->nonces = NULL;
	d->txns = NULL;
	d->npaths = d->cap_paths = d->nnodes = d->nhost_vips = 0;
}
