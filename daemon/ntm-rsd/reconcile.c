// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Start-up: the store says which paths the RS has; the datapath and nft are
 * made to hold exactly those, whatever happened before (a crash in the
 * middle of a change, a module reload, a reboot, a plain restart).
 *
 *   store row     datapath   what is done
 *   removing      any        finish the removal (datapath, nft, conntrack, row)
 *   installing    any        roll forward: datapath and nft, then installed
 *   installed     has it     keep it as it is (learned endpoints and counters
 *                            stay); repair a type, refresh or VIP that differs
 *   installed     lacks it   the datapath kept its tunnel: the path expired
 *                            (or was removed by hand) while the daemon was
 *                            away: remove it. The datapath is new (module
 *                            loaded, reboot, user datapath): install it
 *                            again, learned endpoints reused (all types)
 *   (none)        has it     remove it from the datapath (and its flows)
 *   (none)        nft only   remove its nft state
 *
 * A row that cannot be installed (the datapath refuses it) is removed: the
 * DC's next Relay Direction for it gets an answer that says why.
 *
 * On RS-N and RS-T paths the RS is an end of the encryption: it seals with
 * leg B's counter under the data key and keeps leg A's replay window. A
 * datapath that lost such a path lost both. Installing it again is safe for
 * leg B: both datapaths start leg B's counter of every new RS-N/RS-T path at
 * the time of day in ns (nf_ntm ntm_path_alloc(), ntm_relay_user.c
 * ru_counter_start()), above any counter an earlier install reached, so no
 * (data key, nonce) pair comes back and the node accepts the replies. Leg
 * A's replay window restarts empty: a packet of the node captured before
 * the loss can be replayed into the RS once (the node's own window protects
 * the node); docs/operations.md says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ntm_array.h"
#include "rsd.h"

/* What the datapath holds of a path, enough to compare. */
struct dp_entry {
	uint32_t id;
	uint8_t type;
	bool seen;			/* the store has it */
	uint32_t refresh;
	struct ntm_vip vip[2];
};

struct dp_set {
	struct dp_entry *v;
	size_t n, cap;
};

static int collect_cb(const struct ntm_path *p, void *arg)
{
	struct dp_set *s = arg;
	struct dp_entry *e;

	if (s->n == s->cap) {
		struct dp_entry *v = ntm_array_grow(s->v, &s->cap,
						    sizeof(*v), 256);

		if (!v)
			return -ENOMEM;
		s->v = v;
	}
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->id = p->id;
	e->type = p->type;
	e->refresh = p->refresh;
	e->vip[NTM_LEG_A] = p->leg[NTM_LEG_A].vip;
	e->vip[NTM_LEG_B] = p->leg[NTM_LEG_B].vip;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct dp_entry *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The whole relay table, sorted; a dump the table changed under is
 * taken again. */
static int dp_collect(struct rsd *r, struct dp_set *s)
{
	int tries, ret = 0;

	for (tries = 0; tries < 5; tries++) {
		s->n = 0;
		ret = r->dp_ops->path_dump(r->dp, collect_cb, s);
		if (ret != -EINTR)
			break;
	}
	if (ret < 0)
		return ret;
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), by_id);
	return 0;
}

static struct dp_entry *dp_find(struct dp_set *s, uint32_t id)
{
	struct dp_entry key = { .id = id };

	if (!s->n)
		return NULL;
	return bsearch(&key, s->v, s->n, sizeof(*s->v), by_id);
}

static bool vip_equal(const struct ntm_vip *v, const struct ntm_addr *a)
{
	size_t len = v->family == AF_INET ? 4 : 16;

	if (a->family == NTM_AF_NONE)
		return v->family == AF_UNSPEC;
	if ((a->family == NTM_AF_INET) != (v->family == AF_INET) ||
	    (a->family == NTM_AF_INET6) != (v->family == AF_INET6))
		return false;
	return !memcmp(v->addr, a->addr, len);
}

/* Does the datapath's path differ from the store's? Keys aside (never
 * reported), and the VIPs of RS-S, which the datapaths do not keep. */
static bool dp_differs(const struct dp_entry *e, const struct ntm_relay_direction *rd)
{
	if (e->type != rd->rs_type || e->refresh != rd->refresh)
		return true;
	if (rd->rs_type == NTM_RS_TYPE_S)
		return false;
	return !vip_equal(&e->vip[NTM_LEG_A], &rd->leg_a_vip) ||
	       !vip_equal(&e->vip[NTM_LEG_B], &rd->leg_b_vip);
}

struct walk {
	struct rsd *r;
	struct dp_set *dp;
	struct rsd_reconcile_stats *st;
};

/* A row that cannot be installed leaves the store (and whatever it left
 * in the datapath and nft). */
static void drop_row(struct rsd *r, const struct rsd_row *row, int status)
{
	uint32_t id = row->rd.path_id;
	struct rsd_row gone = *row;

	rsd_err("path %" PRIu32 " (%s): cannot be installed (%s): removed from the store",
		id, rsd_type_name(row->rd.rs_type), ntm_strstatus(status));
	gone.state = RSD_REMOVING;
	if (rsd_store_set_state(r->store, id, RSD_REMOVING) < 0 ||
	    rsd_path_finish_removal(r, &gone) != NTM_OK)
		rsd_err("path %" PRIu32 ": removal failed too; retried at the next start", id);
	ntm_wipe(&gone, sizeof(gone));
}

static int row_cb(void *arg, const struct rsd_row *row)
{
	struct walk *w = arg;
	struct rsd *r = w->r;
	uint32_t id = row->rd.path_id;
	const char *type = rsd_type_name(row->rd.rs_type);
	struct dp_entry *e = dp_find(w->dp, id);
	char buf[256];
	int status;

	if (e)
		e->seen = true;
	switch (row->state) {
	case RSD_REMOVING:
		status = rsd_path_finish_removal(r, row);
		if (status == NTM_OK) {
			w->st->finished_removal++;
			rsd_info("path %" PRIu32 " (%s): removed (a removal was under way when ntm-rsd stopped)",
				 id, type);
		} else {
			rsd_err("path %" PRIu32 " (%s): cannot finish its removal: %s",
				id, type, ntm_strstatus(status));
		}
		return 0;
	case RSD_INSTALLING:
		status = rsd_path_finish_install(r, row);
		if (status == NTM_OK) {
			w->st->rolled_forward++;
			rsd_info("path %" PRIu32 " (%s): installed (rolled forward: it was being installed when ntm-rsd stopped), %s",
				 id, type, rsd_rd_fmt(&row->rd, buf, sizeof(buf)));
		} else {
			w->st->failed++;
			drop_row(r, row, status);
		}
		return 0;
	case RSD_INSTALLED:
		break;
	}

	if (e && !dp_differs(e, &row->rd)) {
		/* The datapath kept it (a plain restart): leave it alone, only
		 * make sure nft has it too. */
		if (rsd_nft_apply(r, NULL, &row->rd) < 0) {
			w->st->failed++;
			drop_row(r, row, NTM_E_INTERNAL);
			return 0;
		}
		w->st->kept++;
		rsd_dbg("path %" PRIu32 " (%s): kept, %s", id, type,
			rsd_rd_fmt(&row->rd, buf, sizeof(buf)));
		return 0;
	}
	if (!e && !r->dp_fresh) {
		struct rsd_row gone = *row;

		w->st->gone++;
		rsd_info("path %" PRIu32 " (%s): gone from the datapath while ntm-rsd was not running (expired, or removed by hand): removed, %s",
			 id, type, rsd_rd_fmt(&row->rd, buf, sizeof(buf)));
		gone.state = RSD_REMOVING;
		if (rsd_store_set_state(r->store, id, RSD_REMOVING) < 0 ||
		    rsd_path_finish_removal(r, &gone) != NTM_OK)
			rsd_err("path %" PRIu32 ": removal failed; retried at the next start", id);
		ntm_wipe(&gone, sizeof(gone));
		return 0;
	}
	status = rsd_path_finish_install(r, row);
	if (status != NTM_OK) {
		w->st->failed++;
		drop_row(r, row, status);
		return 0;
	}
	if (e) {
		w->st->repaired++;
		rsd_warn("path %" PRIu32 " (%s): the datapath held it differently: set back to the DC's Relay Direction",
			 id, type);
	} else {
		w->st->reinstalled++;
		rsd_info("path %" PRIu32 " (%s): installed again (the datapath had lost it)%s, %s",
			 id, type,
			 row->rd.rs_type == NTM_RS_TYPE_S ? "" :
			 "; leg B's counter restarts at the clock, leg A's replay window empty",
			 rsd_rd_fmt(&row->rd, buf, sizeof(buf)));
	}
	return 0;
}

static int keep_cb(void *arg, uint32_t id)
{
	struct rsd *r = arg;
	struct rsd_row row;
	int ret = rsd_store_get(r->store, id, &row);

	if (ret == 0)
		ntm_wipe(&row, sizeof(row));
	/* When in doubt (the store failed), keep. */
	return ret != -ENOENT;
}

int rsd_reconcile(struct rsd *r, struct rsd_reconcile_stats *st)
{
	struct dp_set dp = { 0 };
	struct walk w = { .r = r, .dp = &dp, .st = st };
	size_t i;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = dp_collect(r, &dp);
	if (ret < 0) {
		rsd_err("reconcile: cannot read the %s datapath's relay table: %s",
			r->dp_ops->name, strerror(-ret));
		goto out;
	}
	ret = rsd_store_foreach(r->store, row_cb, &w);
	if (ret < 0) {
		rsd_err("reconcile: cannot read the store");
		goto out;
	}
	for (i = 0; i < dp.n; i++) {
		const struct dp_entry *e = &dp.v[i];
		int err;

		if (e->seen)
			continue;
		err = r->dp_ops->path_del(r->dp, e->id);
		if (err < 0 && err != -ENOENT) {
			rsd_err("path %" PRIu32 " (%s): in the datapath but not in the store, and cannot be removed: %s",
				e->id, rsd_type_name(e->type), strerror(-err));
			continue;
		}
		if (e->type != NTM_RS_TYPE_S)
			rsd_ct_flush(r, e->id);
		st->dp_orphans++;
		rsd_warn("path %" PRIu32 " (%s): in the datapath but not in the store: removed",
			 e->id, rsd_type_name(e->type));
	}
	ret = rsd_nft_orphans(r, keep_cb, r);
	if (ret < 0) {
		rsd_err("reconcile: cannot clean the nft table: %s", strerror(-ret));
		goto out;
	}
	st->nft_orphans = (unsigned int)ret;
	ret = 0;
out:
	free(dp.v);
	return ret;
}

struct lost {
	struct dp_set *dp;
	uint32_t *ids;
	size_t n, cap;
};

static int lost_cb(void *arg, const struct rsd_row *row)
{
	struct lost *l = arg;

	if (row->state != RSD_INSTALLED || dp_find(l->dp, row->rd.path_id))
		return 0;
	if (l->n == l->cap) {
		uint32_t *v = ntm_array_grow(l->ids, &l->cap, sizeof(*v), 64);

		if (!v)
			return -ENOMEM;
		l->ids = v;
	}
	l->ids[l->n++] = row->rd.path_id;
	return 0;
}

void rsd_resync(struct rsd *r)
{
	struct dp_set dp = { 0 };
	struct lost l = { .dp = &dp };
	struct ntm_tunnel_info ti;
	size_t i;
	int ret;

	r->resync = false;
	/* No tunnel: the datapath itself went away (module removed); that is
	 * not an expiry of every path. */
	ret = r->dp_ops->tunnel_get(r->dp, &ti);
	if (ret < 0) {
		rsd_err("the %s datapath has no tunnel (%s): its paths are installed again at the next start of ntm-rsd",
			r->dp_ops->name, strerror(-ret));
		return;
	}
	ret = dp_collect(r, &dp);
	if (ret < 0) {
		rsd_err("cannot read the %s datapath's relay table: %s",
			r->dp_ops->name, strerror(-ret));
		goto out;
	}
	/* Collected first: rsd_path_expired() changes the store. */
	ret = rsd_store_foreach(r->store, lost_cb, &l);
	if (ret < 0)
		goto out;
	for (i = 0; i < l.n; i++)
		rsd_path_expired(r, l.ids[i],
				 "gone from the datapath (notifications were lost)");
out:
	free(l.ids);
	free(dp.v);
}
