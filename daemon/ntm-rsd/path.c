// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A path's life in the daemon: installed or updated by a Relay Direction,
 * removed by a Path Teardown, expired by the datapath.
 *
 * Every change runs in the same order, so that a crash at any point leaves a
 * store row that tells reconcile.c what to finish:
 *
 *   1. store: the row, state installing (or removing)     "after-store"
 *   2. datapath: path_put (or path_del)                    "after-datapath"
 *   3. nft: ntm_nft_path_apply                             "after-nft"
 *   4. store: state installed (or the row deleted)
 *   5. the answer to the DC
 *
 * A failure at 2 or 3 is undone (store and datapath as before) and answered
 * with its status; the DC may retry.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rsd.h"

static const char *const crash_points[] = {
	"after-store", "after-datapath", "after-nft",
};

int rsd_crash_point_valid(const char *where)
{
	size_t i;

	for (i = 0; i < sizeof(crash_points) / sizeof(crash_points[0]); i++)
		if (!strcmp(where, crash_points[i]))
			return 1;
	return 0;
}

void rsd_crash_point(const struct rsd *r, const char *where)
{
	if (r->crash_at && !strcmp(r->crash_at, where)) {
		rsd_err("%s=%s: aborting here, as the test asked", RSD_CRASH_ENV,
			where);
		abort();
	}
}

const char *rsd_type_name(uint8_t rs_type)
{
	/* enum ntm_rs_type and enum ntm_path_type have the same values. */
	return ntm_path_type_name(rs_type);
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

static void addr_to_ep(const struct ntm_addr *a, struct sockaddr_storage *ss)
{
	socklen_t len;

	memset(ss, 0, sizeof(*ss));
	if (!ntm_addr_is_none(a) && ntm_addr_to_sockaddr(a, ss, &len) != NTM_OK)
		memset(ss, 0, sizeof(*ss));
}

static const struct ntm_addr *rd_tunnel(const struct ntm_relay_direction *rd,
					int leg)
{
	return leg == NTM_LEG_A ? &rd->leg_a_tunnel : &rd->leg_b_tunnel;
}

/* Leg B of RS-N and RS-T is the RS itself: no tunnel endpoint. */
static bool tunnel_leg(uint8_t rs_type, int leg)
{
	return leg == NTM_LEG_A || rs_type == NTM_RS_TYPE_S;
}

void rsd_rd_to_dp(const struct ntm_relay_direction *rd, struct ntm_path *p)
{
	memset(p, 0, sizeof(*p));
	p->id = rd->path_id;
	p->type = rd->rs_type;
	p->refresh = rd->refresh;
	p->has = NTM_PATH_HAS_TYPE | NTM_PATH_HAS_REFRESH |
		 NTM_PATH_HAS_RELAY_KEY | NTM_PATH_HAS_LEG_A | NTM_PATH_HAS_LEG_B;
	memcpy(p->relay_key, rd->relay_key, sizeof(p->relay_key));
	if (rd->rs_type != NTM_RS_TYPE_S) {
		p->has |= NTM_PATH_HAS_DATA_KEY;
		memcpy(p->data_key, rd->data_key, sizeof(p->data_key));
	}
	addr_to_vip(&rd->leg_a_vip, &p->leg[NTM_LEG_A].vip);
	addr_to_vip(&rd->leg_b_vip, &p->leg[NTM_LEG_B].vip);
	addr_to_ep(&rd->leg_a_tunnel, &p->leg[NTM_LEG_A].endpoint);
	if (tunnel_leg(rd->rs_type, NTM_LEG_B))
		addr_to_ep(&rd->leg_b_tunnel, &p->leg[NTM_LEG_B].endpoint);
}

int rsd_rd_equal(const struct ntm_relay_direction *a,
		 const struct ntm_relay_direction *b)
{
	uint8_t x[NTM_RELAY_DIRECTION_LEN], y[NTM_RELAY_DIRECTION_LEN];
	union ntm_body u;
	int eq;

	memset(&u, 0, sizeof(u));
	u.relay_direction = *a;
	eq = ntm_body_encode(NTM_MSG_RELAY_DIRECTION, &u, x, sizeof(x)) ==
	     (ssize_t)sizeof(x);
	u.relay_direction = *b;
	eq = eq && ntm_body_encode(NTM_MSG_RELAY_DIRECTION, &u, y, sizeof(y)) ==
		   (ssize_t)sizeof(y);
	eq = eq && !memcmp(x, y, sizeof(x));
	ntm_wipe(&u, sizeof(u));
	ntm_wipe(x, sizeof(x));
	ntm_wipe(y, sizeof(y));
	return eq;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	while (len--)
		acc |= *p++;
	return !acc;
}

int rsd_rd_check(const struct ntm_relay_direction *rd)
{
	int leg;

	/* A VIP or host field is an address only. */
	if (ntm_addr_is_none(&rd->leg_a_vip) || ntm_addr_is_none(&rd->leg_b_vip) ||
	    rd->leg_a_vip.port || rd->leg_b_vip.port || rd->host.port)
		return NTM_E_MALFORMED;
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		const struct ntm_addr *ep = rd_tunnel(rd, leg);

		if (ntm_addr_is_none(ep))
			continue;
		if (!tunnel_leg(rd->rs_type, leg) || !ep->port)
			return NTM_E_MALFORMED;
	}
	if (rd->rs_type == NTM_RS_TYPE_N && ntm_addr_is_none(&rd->host))
		return NTM_E_MALFORMED;
	if (rd->rs_type != NTM_RS_TYPE_S &&
	    all_zero(rd->data_key, sizeof(rd->data_key)))
		return NTM_E_MALFORMED;
	if (all_zero(rd->relay_key, sizeof(rd->relay_key)) ||
	    all_zero(rd->tunnel_key, sizeof(rd->tunnel_key)))
		return NTM_E_MALFORMED;
	return NTM_OK;
}

int rsd_status_from_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return NTM_OK;
	case EEXIST:
	case EADDRINUSE:
		return NTM_E_CONFLICT;
	case ENOSPC:
		return NTM_E_TABLE_FULL;
	case EAFNOSUPPORT:
	case EOPNOTSUPP:
		return NTM_E_REFUSED;
	case EINVAL:
		return NTM_E_MALFORMED;
	default:
		return NTM_E_INTERNAL;
	}
}

char *rsd_rd_fmt(const struct ntm_relay_direction *rd, char *buf, size_t len)
{
	char a[NTM_ADDR_FMT_LEN], b[NTM_ADDR_FMT_LEN], x[NTM_ADDR_FMT_LEN];
	char y[NTM_ADDR_FMT_LEN], h[NTM_ADDR_FMT_LEN], refresh[32];
	size_t n;

	ntm_addr_fmt(&rd->leg_a_vip, a, sizeof(a));
	ntm_addr_fmt(&rd->leg_b_vip, b, sizeof(b));
	snprintf(buf, len, "leg A %s", a);
	n = strlen(buf);
	if (!ntm_addr_is_none(&rd->leg_a_tunnel))
		snprintf(buf + n, len - n, " at %s",
			 ntm_addr_fmt(&rd->leg_a_tunnel, x, sizeof(x)));
	n = strlen(buf);
	snprintf(buf + n, len - n, ", leg B %s", b);
	n = strlen(buf);
	if (!ntm_addr_is_none(&rd->leg_b_tunnel))
		snprintf(buf + n, len - n, " at %s",
			 ntm_addr_fmt(&rd->leg_b_tunnel, y, sizeof(y)));
	n = strlen(buf);
	if (!ntm_addr_is_none(&rd->host))
		snprintf(buf + n, len - n, ", host %s",
			 ntm_addr_fmt(&rd->host, h, sizeof(h)));
	if (rd->refresh)
		snprintf(refresh, sizeof(refresh), "%" PRIu32 " s", rd->refresh);
	else
		snprintf(refresh, sizeof(refresh), "never");
	n = strlen(buf);
	snprintf(buf + n, len - n, ", refresh %s", refresh);
	return buf;
}

/* ---- the datapath side ------------------------------------------------- */

/*
 * Make the datapath hold @row->rd. A new path gets the endpoints the
 * datapath learned before (after a module reload), else the Relay
 * Direction's. A path the datapath has already is changed in place (SET),
 * where only the endpoints the update changes are sent: what it learned
 * from authenticated packets stays. A path of another type is replaced.
 */
static int dp_put(struct rsd *r, const struct rsd_row *row)
{
	const struct ntm_relay_direction *rd = &row->rd;
	struct ntm_path p, cur;
	int leg, ret;

	rsd_rd_to_dp(rd, &p);
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++)
		if (tunnel_leg(rd->rs_type, leg) && !ntm_addr_is_none(&row->learned[leg]))
			addr_to_ep(&row->learned[leg], &p.leg[leg].endpoint);
	ret = r->dp_ops->path_put(r->dp, &p, true);
	if (ret != -EEXIST)
		goto out;

	ret = r->dp_ops->path_get(r->dp, rd->path_id, &cur);
	if (ret == 0 && cur.type != rd->rs_type) {
		rsd_warn("path %" PRIu32 ": the datapath holds it as %s, replacing it with %s",
			 rd->path_id, rsd_type_name(cur.type), rsd_type_name(rd->rs_type));
		ret = r->dp_ops->path_del(r->dp, rd->path_id);
		if (ret == 0 || ret == -ENOENT)
			ret = r->dp_ops->path_put(r->dp, &p, true);
		goto out;
	}
	rsd_rd_to_dp(rd, &p);
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		if (row->has_prev &&
		    !ntm_addr_equal(rd_tunnel(rd, leg), rd_tunnel(&row->prev, leg)))
			continue;
		memset(&p.leg[leg].endpoint, 0, sizeof(p.leg[leg].endpoint));
	}
	ret = r->dp_ops->path_put(r->dp, &p, false);
	if (ret == -ENOENT) {		/* it expired meanwhile */
		rsd_rd_to_dp(rd, &p);
		ret = r->dp_ops->path_put(r->dp, &p, true);
	}
out:
	ntm_wipe(&p, sizeof(p));
	return ret;
}

/* Undo an update: the datapath back to @old (its endpoints as they were). */
static void dp_restore(struct rsd *r, const struct rsd_row *old,
		       const struct ntm_relay_direction *failed)
{
	struct rsd_row back = *old;
	int ret;

	back.has_prev = true;
	back.prev = *failed;
	ret = dp_put(r, &back);
	if (ret < 0)
		rsd_err("path %" PRIu32 ": cannot restore the datapath after a failed update: %s",
			old->rd.path_id, strerror(-ret));
	ntm_wipe(&back, sizeof(back));
}

/* ---- Relay Direction ---------------------------------------------------- */

static int install_new(struct rsd *r, const struct ntm_relay_direction *rd)
{
	struct rsd_row row;
	int ret, status;

	memset(&row, 0, sizeof(row));
	row.state = RSD_INSTALLING;
	row.rd = *rd;
	ret = rsd_store_put(r->store, &row);
	if (ret < 0) {
		status = NTM_E_INTERNAL;
		goto out;
	}
	rsd_crash_point(r, "after-store");

	ret = dp_put(r, &row);
	if (ret < 0) {
		rsd_warn("path %" PRIu32 " (%s): the datapath refused it: %s",
			 rd->path_id, rsd_type_name(rd->rs_type), strerror(-ret));
		status = rsd_status_from_errno(ret);
		goto undo_store;
	}
	rsd_crash_point(r, "after-datapath");

	ret = rsd_nft_apply(r, NULL, rd);
	if (ret < 0) {
		status = rsd_status_from_errno(ret);
		ret = r->dp_ops->path_del(r->dp, rd->path_id);
		if (ret < 0 && ret != -ENOENT)
			rsd_err("path %" PRIu32 ": cannot remove it from the datapath after nft failed: %s",
				rd->path_id, strerror(-ret));
		goto undo_store;
	}
	rsd_crash_point(r, "after-nft");

	ret = rsd_store_set_state(r->store, rd->path_id, RSD_INSTALLED);
	/* Installed but not noted so: the next start or a retry finishes. */
	status = ret < 0 ? NTM_E_INTERNAL : NTM_OK;
	goto out;

undo_store:
	if (rsd_store_del(r->store, rd->path_id) < 0)
		rsd_err("path %" PRIu32 ": cannot drop its row after a failed install; the next start removes it",
			rd->path_id);
out:
	ntm_wipe(&row, sizeof(row));
	return status;
}

static int update(struct rsd *r, const struct rsd_row *old,
		  const struct ntm_relay_direction *rd)
{
	struct rsd_row row;
	int ret, status, leg;

	memset(&row, 0, sizeof(row));
	row.state = RSD_INSTALLING;
	row.rd = *rd;
	/* A row left half-done before has no trustworthy prev: none. */
	row.has_prev = old->state == RSD_INSTALLED;
	row.prev = old->rd;
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++)
		if (ntm_addr_equal(rd_tunnel(rd, leg), rd_tunnel(&old->rd, leg)))
			row.learned[leg] = old->learned[leg];
	ret = rsd_store_put(r->store, &row);
	if (ret < 0) {
		status = NTM_E_INTERNAL;
		goto out;
	}
	rsd_crash_point(r, "after-store");

	ret = dp_put(r, &row);
	if (ret < 0) {
		rsd_warn("path %" PRIu32 " (%s): the datapath refused the update: %s",
			 rd->path_id, rsd_type_name(rd->rs_type), strerror(-ret));
		status = rsd_status_from_errno(ret);
		goto undo_store;
	}
	rsd_crash_point(r, "after-datapath");

	ret = rsd_nft_apply(r, row.has_prev ? &old->rd : NULL, rd);
	if (ret < 0) {
		status = rsd_status_from_errno(ret);
		dp_restore(r, old, rd);
		goto undo_store;
	}
	rsd_crash_point(r, "after-nft");

	ret = rsd_store_set_state(r->store, rd->path_id, RSD_INSTALLED);
	status = ret < 0 ? NTM_E_INTERNAL : NTM_OK;
	goto out;

undo_store:
	if (rsd_store_put(r->store, old) < 0)
		rsd_err("path %" PRIu32 ": cannot restore its row after a failed update",
			rd->path_id);
out:
	ntm_wipe(&row, sizeof(row));
	return status;
}

int rsd_path_direct(struct rsd *r, const struct ntm_relay_direction *rd,
		    const char **what)
{
	struct rsd_row old;
	char buf[256];
	int ret, status;

	*what = "refused";
	status = rsd_rd_check(rd);
	if (status != NTM_OK)
		return status;
	ret = rsd_store_get(r->store, rd->path_id, &old);
	if (ret == -ENOENT) {
		status = install_new(r, rd);
		if (status == NTM_OK) {
			*what = "installed";
			r->stats.installed++;
		}
	} else if (ret < 0) {
		return NTM_E_INTERNAL;
	} else if (old.state == RSD_INSTALLED && rsd_rd_equal(&old.rd, rd)) {
		*what = "unchanged";
		status = NTM_OK;
	} else if (old.rd.rs_type != rd->rs_type) {
		rsd_warn("path %" PRIu32 " is %s, the DC asks for %s: a path's type is fixed",
			 rd->path_id, rsd_type_name(old.rd.rs_type),
			 rsd_type_name(rd->rs_type));
		status = NTM_E_CONFLICT;
	} else {
		status = update(r, &old, rd);
		if (status == NTM_OK) {
			*what = "updated";
			r->stats.updated++;
		}
	}
	if (ret == 0)
		ntm_wipe(&old, sizeof(old));
	if (status == NTM_OK && strcmp(*what, "unchanged"))
		rsd_info("path %" PRIu32 " (%s): %s, %s", rd->path_id,
			 rsd_type_name(rd->rs_type), *what,
			 rsd_rd_fmt(rd, buf, sizeof(buf)));
	return status;
}

/* ---- removal ------------------------------------------------------------ */

/* Steps 2..4 of a removal whose row says removing. The crash points are
 * those of the DC's requests (@crashable), not of recovery or expiry. */
static int remove_row(struct rsd *r, const struct rsd_row *row, bool crashable)
{
	uint32_t id = row->rd.path_id;
	int ret;

	ret = r->dp_ops->path_del(r->dp, id);
	if (ret < 0 && ret != -ENOENT) {
		rsd_err("path %" PRIu32 ": cannot remove it from the datapath: %s",
			id, strerror(-ret));
		return NTM_E_INTERNAL;
	}
	if (crashable)
		rsd_crash_point(r, "after-datapath");
	ret = rsd_nft_apply(r, &row->rd, NULL);
	if (ret < 0)
		return NTM_E_INTERNAL;
	if (crashable)
		rsd_crash_point(r, "after-nft");
	if (row->rd.rs_type != NTM_RS_TYPE_S) {
		ret = rsd_ct_flush(r, id);
		if (ret > 0)
			rsd_dbg("path %" PRIu32 ": %d conntrack entries removed", id, ret);
	}
	ret = rsd_store_del(r->store, id);
	return ret < 0 && ret != -ENOENT ? NTM_E_INTERNAL : NTM_OK;
}

int rsd_path_remove(struct rsd *r, uint32_t id, const char *why)
{
	struct rsd_row row;
	char buf[256];
	int ret, status;

	ret = rsd_store_get(r->store, id, &row);
	if (ret == -ENOENT)
		return NTM_E_UNKNOWN_PATH;
	if (ret < 0)
		return NTM_E_INTERNAL;
	if (rsd_store_set_state(r->store, id, RSD_REMOVING) < 0) {
		status = NTM_E_INTERNAL;
		goto out;
	}
	rsd_crash_point(r, "after-store");
	status = remove_row(r, &row, true);
	if (status == NTM_OK) {
		r->stats.removed++;
		rsd_info("path %" PRIu32 " (%s): removed (%s), %s", id,
			 rsd_type_name(row.rd.rs_type), why,
			 rsd_rd_fmt(&row.rd, buf, sizeof(buf)));
	} else {
		rsd_err("path %" PRIu32 " (%s): removal failed; it stays marked removing and is finished by a retry or the next start",
			id, rsd_type_name(row.rd.rs_type));
	}
out:
	ntm_wipe(&row, sizeof(row));
	return status;
}

int rsd_path_finish_removal(struct rsd *r, const struct rsd_row *row)
{
	return remove_row(r, row, false);
}

int rsd_path_finish_install(struct rsd *r, const struct rsd_row *row)
{
	int ret = dp_put(r, row);

	if (ret < 0) {
		rsd_warn("path %" PRIu32 " (%s): the datapath refused it: %s",
			 row->rd.path_id, rsd_type_name(row->rd.rs_type),
			 strerror(-ret));
		return rsd_status_from_errno(ret);
	}
	ret = rsd_nft_apply(r, NULL, &row->rd);
	if (ret < 0)
		return rsd_status_from_errno(ret);
	if (row->state != RSD_INSTALLED &&
	    rsd_store_set_state(r->store, row->rd.path_id, RSD_INSTALLED) < 0)
		return NTM_E_INTERNAL;
	return NTM_OK;
}

/* ---- datapath notifications -------------------------------------------- */

static void on_endpoint(struct rsd *r, const struct ntm_path *p)
{
	struct rsd_row row;
	int leg;

	if (rsd_store_get(r->store, p->id, &row) < 0) {
		rsd_dbg("path %" PRIu32 ": endpoint notification for a path not in the store",
			p->id);
		return;
	}
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		char was[NTM_ADDR_FMT_LEN], now[NTM_ADDR_FMT_LEN];
		struct ntm_addr ep;

		if (!(p->has & (leg == NTM_LEG_A ? NTM_PATH_HAS_LEG_A :
						   NTM_PATH_HAS_LEG_B)) ||
		    p->leg[leg].endpoint.ss_family == AF_UNSPEC ||
		    ntm_addr_from_sockaddr(&ep, &p->leg[leg].endpoint) != NTM_OK)
			continue;
		if (ntm_addr_equal(&ep, &row.learned[leg]))
			continue;
		if (ntm_addr_is_none(&row.learned[leg]))
			rsd_info("path %" PRIu32 " (%s): leg %c endpoint %s learned",
				 p->id, rsd_type_name(row.rd.rs_type),
				 leg == NTM_LEG_A ? 'A' : 'B',
				 ntm_addr_fmt(&ep, now, sizeof(now)));
		else
			rsd_info("path %" PRIu32 " (%s): leg %c endpoint moved from %s to %s",
				 p->id, rsd_type_name(row.rd.rs_type),
				 leg == NTM_LEG_A ? 'A' : 'B',
				 ntm_addr_fmt(&row.learned[leg], was, sizeof(was)),
				 ntm_addr_fmt(&ep, now, sizeof(now)));
		rsd_store_set_learned(r->store, p->id, leg, &ep);
	}
	ntm_wipe(&row, sizeof(row));
}

void rsd_path_expired(struct rsd *r, uint32_t id, const char *why)
{
	struct rsd_row row;
	struct ntm_path cur;
	char buf[256];

	if (rsd_store_get(r->store, id, &row) < 0) {
		rsd_dbg("path %" PRIu32 ": expired, and not in the store", id);
		return;
	}
	/* Installed again since (a Relay Direction raced the expiry)? */
	if (row.state != RSD_INSTALLED ||
	    r->dp_ops->path_get(r->dp, id, &cur) == 0) {
		rsd_dbg("path %" PRIu32 ": expiry notification for a path the datapath holds again",
			id);
		goto out;
	}
	if (rsd_store_set_state(r->store, id, RSD_REMOVING) < 0)
		goto out;
	if (remove_row(r, &row, false) == NTM_OK) {
		r->stats.expired++;
		rsd_info("path %" PRIu32 " (%s): %s, removed, %s", id,
			 rsd_type_name(row.rd.rs_type), why,
			 rsd_rd_fmt(&row.rd, buf, sizeof(buf)));
	}
out:
	ntm_wipe(&row, sizeof(row));
}

void rsd_dp_event(void *arg, const struct ntm_nl_event *ev)
{
	struct rsd *r = arg;
	char why[64];

	switch (ev->cmd) {
	case NTM_CMD_NOTIFY_ENDPOINT:
		on_endpoint(r, &ev->path);
		break;
	case NTM_CMD_NOTIFY_EXPIRED:
		if (ev->path.has & NTM_PATH_HAS_REFRESH)
			snprintf(why, sizeof(why), "expired after %" PRIu32 " s idle",
				 ev->path.refresh);
		else
			snprintf(why, sizeof(why), "expired");
		rsd_path_expired(r, ev->path.id, why);
		break;
	default:
		rsd_dbg("datapath notification %u ignored", ev->cmd);
	}
}
