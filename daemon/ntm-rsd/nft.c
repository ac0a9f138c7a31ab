// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-rsd's only door to nftables and conntrack: lib/ntm_nft (the table inet
 * ntmobile) and lib/ntm_ct (flows by ct mark = PathID). The unit tests
 * replace this file with a fake.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ntm_array.h"
#include "ntm_ct.h"
#include "ntm_nft.h"
#include "rsd.h"

struct rsd_nft {
	struct ntm_nft h;
};

int rsd_nft_open(struct rsd *r)
{
	struct rsd_nft *n = calloc(1, sizeof(*n));
	int ret;

	if (!n)
		return -ENOMEM;
	ret = ntm_nft_open(&n->h);
	if (ret < 0) {
		rsd_err("nft: %s", ntm_nft_strerror(&n->h, ret));
		free(n);
		return ret;
	}
	ret = ntm_nft_table_ensure(&n->h);
	if (ret < 0) {
		rsd_err("nft: table inet %s: %s", NTM_NFT_TABLE,
			ntm_nft_strerror(&n->h, ret));
		ntm_nft_close(&n->h);
		free(n);
		return ret;
	}
	if (ret > 0)
		rsd_info("nft: table inet %s: %d objects created or repaired",
			 NTM_NFT_TABLE, ret);
	r->nft = n;
	return 0;
}

void rsd_nft_close(struct rsd *r)
{
	if (!r->nft)
		return;
	ntm_nft_close(&r->nft->h);
	free(r->nft);
	r->nft = NULL;
}

static void addr_to_vip(const struct ntm_addr *a, struct ntm_vip *v)
{
	memset(v, 0, sizeof(*v));
	if (a->family == NTM_AF_INET) {
		v->family = AF_INET;
		memcpy(v->addr, a->addr, 4);
	} else if (a->family == NTM_AF_INET6) {
		v->family = AF_INET6;
		memcpy(v->addr, a->addr, 16);
	}
}

static void rd_to_nft(const struct ntm_relay_direction *rd, struct ntm_nft_path *p)
{
	memset(p, 0, sizeof(*p));
	p->id = rd->path_id;
	p->type = rd->rs_type;
	addr_to_vip(&rd->leg_a_vip, &p->a_vip);
	addr_to_vip(&rd->leg_b_vip, &p->b_vip);
	addr_to_vip(&rd->host, &p->host);
}

int rsd_nft_apply(struct rsd *r, const struct ntm_relay_direction *old,
		  const struct ntm_relay_direction *new)
{
	const struct ntm_relay_direction *any = new ? new : old;
	struct ntm_nft_path o, n;
	int ret;

	/* An RS-S never decrypts: nothing of it is in nft. */
	if (!any || any->rs_type == NTM_RS_TYPE_S)
		return 0;
	if (old)
		rd_to_nft(old, &o);
	if (new)
		rd_to_nft(new, &n);
	ret = ntm_nft_path_apply(&r->nft->h, old ? &o : NULL, new ? &n : NULL);
	if (ret < 0)
		rsd_err("path %" PRIu32 " (%s): nft: %s", any->path_id,
			rsd_type_name(any->rs_type),
			ntm_nft_strerror(&r->nft->h, ret));
	return ret < 0 ? ret : 0;
}

struct orphans {
	int (*keep)(void *arg, uint32_t id);
	void *arg;
	struct ntm_nft_path *v;
	size_t n, cap;
};

static int orphan_cb(const struct ntm_nft_path_state *st, void *arg)
{
	struct orphans *o = arg;

	if (o->keep(o->arg, st->path.id))
		return 0;
	if (o->n == o->cap) {
		struct ntm_nft_path *v = ntm_array_grow(o->v, &o->cap,
							sizeof(*v), 64);

		if (!v)
			return -ENOMEM;
		o->v = v;
	}
	o->v[o->n++] = st->path;
	return 0;
}

int rsd_nft_orphans(struct rsd *r, int (*keep)(void *arg, uint32_t id),
		    void *arg)
{
	struct orphans o = { .keep = keep, .arg = arg };
	int ret, removed = 0;
	size_t i;

	ret = ntm_nft_paths(&r->nft->h, orphan_cb, &o);
	if (ret < 0) {
		rsd_err("nft: %s", ntm_nft_strerror(&r->nft->h, ret));
		goto out;
	}
	/* Removed after the walk: ntm_nft_paths() reads the table whole. */
	for (i = 0; i < o.n; i++) {
		char buf[128];

		ret = ntm_nft_path_apply(&r->nft->h, &o.v[i], NULL);
		if (ret < 0) {
			rsd_err("path %" PRIu32 ": nft: %s", o.v[i].id,
				ntm_nft_strerror(&r->nft->h, ret));
			goto out;
		}
		removed++;
		rsd_warn("path %" PRIu32 ": in nft but not in the store (%s): removed",
			 o.v[i].id, ntm_nft_path_fmt(&o.v[i], buf, sizeof(buf)));
	}
	ret = removed;
out:
	free(o.v);
	return ret;
}

int rsd_ct_flush(struct rsd *r, uint32_t id)
{
	int ret = ntm_ct_flush_path(id);

	if (ret < 0)
		rsd_warn("path %" PRIu32 ": cannot remove its conntrack entries: %s",
			 id, strerror(-ret));
	return ret;
}
