// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Direction Requests and paths (design contract, "Direction Request").
 *
 *   peer an NTM node of the zone: RS-S if both are behind a NAT (local !=
 *       observed), direct otherwise;
 *   peer a general host: RS-T if the port hint is an rs-t-port or the host
 *       is marked rs-t, RS-N otherwise.
 *
 * Direct: Route Direction to the requester (leg A) at once, and pushed to
 * the peer (leg B), each with the other's observed endpoint.
 *
 * Through an RS: a PathID (persisted counter) and a random path key; the
 * RS with the fewest live paths among those that can (RS-T: it has an
 * rst-pool) and are not down gets the Relay Direction, sent every 250 ms
 * up to 8 times (struct dc_out, with the path pending). Its Direction
 * Response makes the path live (store), then the requester gets its Route
 * Direction (the answer, same transaction id) and, on RS-S, the peer its
 * own one, pushed 3 times 300 ms apart. With route-optimization, both ends
 * of an RS-S path then get a direct candidate: route direct, same PathID
 * and key, the other's observed endpoint. An RS that does not answer is
 * taken as down for 30 s and the next one is tried; an RS that refuses is
 * skipped for this path. None left: Route Direction status UNREACHABLE.
 *
 * Asking again for a peer it has a live path to gives the same path; for a
 * relayed one the RS gets the same Relay Direction again first (which it
 * answers OK, or installs anew if the path expired there).
 *
 * Other domains (peer-dc): a request naming another DC is forwarded to it
 * and its answer relayed; a request a peer DC forwards gets RS-S with the
 * foreign node as leg A (struct dc_path.peer_dc), on an address of our
 * host-vip-pool.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "ntm_array.h"

static int forward(struct dc *d, const struct dc_waiter *w,
		   const struct ntm_direction_request *rq);

struct dc_path *dc_path_get(struct dc *d, uint32_t id)
{
	size_t i;

	for (i = 0; i < d->npaths; i++)
		if (d->paths[i].id == id)
			return &d->paths[i];
	return NULL;
}

static struct dc_pending *pending_get(struct dc *d, uint32_t path_id)
{
	struct dc_pending *p;

	for (p = d->pending; p; p = p->next)
		if (p->path_id == path_id)
			return p;
	return NULL;
}

static void pending_free(struct dc *d, struct dc_pending *pd)
{
	struct dc_pending **pp;

	for (pp = &d->pending; *pp; pp = &(*pp)->next)
		if (*pp == pd) {
			*pp = pd->next;
			break;
		}
	if (pd->out)
		pd->out->done = true;
	free(pd);
}

/* "node 11 - node 12", "node 11 - host 198.51.100.30" */
static char *path_ends(const struct dc_path *p, char *buf, size_t len)
{
	char h[16];

	if (p->peer_dc >= 0)
		snprintf(buf, len, "node %" PRIu32 " of the peer DC - node %" PRIu32,
			 p->node_a, p->node_b);
	else if (p->node_b)
		snprintf(buf, len, "node %" PRIu32 " - node %" PRIu32, p->node_a,
			 p->node_b);
	else
		snprintf(buf, len, "node %" PRIu32 " - host %s", p->node_a,
			 dc_v4_fmt(p->host, h, sizeof(h)));
	return buf;
}

static void path_forget(struct dc *d, uint32_t id)
{
	size_t i;

	for (i = 0; i < d->npaths; i++)
		if (d->paths[i].id == id) {
			d->paths[i] = d->paths[--d->npaths];
			ntm_wipe(&d->paths[d->npaths], sizeof(d->paths[0]));
			return;
		}
}

static struct dc_path *path_add(struct dc *d, const struct dc_path *p)
{
	if (d->npaths == d->cap_paths) {
		struct dc_path *arr = ntm_array_grow(d->paths, &d->cap_paths,
						     sizeof(*arr), 64);

		if (!arr)
			return NULL;
		d->paths = arr;
	}
	d->paths[d->npaths] = *p;
	return &d->paths[d->npaths++];
}

static unsigned int rs_load(const struct dc *d, int rs)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < d->npaths; i++)
		if (d->paths[i].rs == rs)
			n++;
	return n;
}

static bool rs_can(const struct dc *d, int rs, uint8_t route)
{
	return route != NTM_ROUTE_RS_T || d->cfg->rs[rs].nrst > 0;
}

/* The RS for a path of @route not in @tried: the least loaded of those up,
 * else of those down (they may be back). -1 if none. */
static int rs_choose(struct dc *d, uint8_t route, uint64_t tried)
{
	uint64_t now = dc_now(d);
	int best = -1, pass;
	unsigned int best_load = 0;
	size_t i;

	for (pass = 0; pass < 2 && best < 0; pass++)
		for (i = 0; i < d->cfg->nrs; i++) {
			int rs = (int)i;
			bool down = d->rs_down_until[i] > now;
			unsigned int load;

			if ((tried & (1ull << i)) || !rs_can(d, rs, route) ||
			    down != (pass == 1))
				continue;
			load = rs_load(d, rs);
			if (best < 0 || load < best_load) {
				best = rs;
				best_load = load;
			}
		}
	return best;
}

/* An RS-T address of @rs's pools that none of its live RS-T paths uses. */
static uint32_t rst_addr(struct dc *d, int rs)
{
	const struct dc_rs_cfg *r = &d->cfg->rs[rs];
	unsigned int k;
	size_t i;

	for (k = 0; k < r->nrst; k++) {
		uint32_t j, size = dc_pool_size(&r->rst[k]);

		for (j = 0; j < size; j++) {
			uint32_t a = dc_pool_addr(&r->rst[k], j);
			bool used = false;

			for (i = 0; i < d->npaths && !used; i++)
				used = d->paths[i].route == NTM_ROUTE_RS_T &&
				       d->paths[i].rs == rs && d->paths[i].a_vip == a;
			if (!used)
				return a;
		}
	}
	return 0;
}

/* The host VIP of @host (RS-N), stable: the same one every time. */
static uint32_t host_vip(struct dc *d, uint32_t host)
{
	const struct dc_pool *pool = &d->cfg->host_vip_pool;
	uint32_t i, size = dc_pool_size(pool);
	char h[16], v[16];
	size_t k;
	void *arr;

	for (k = 0; k < d->nhost_vips; k++)
		if (d->host_vips[k].host == host)
			return d->host_vips[k].vip;
	for (i = 0; i < size; i++) {
		uint32_t a = dc_pool_addr(pool, i);
		bool used = false;

		for (k = 0; k < d->nhost_vips && !used; k++)
			used = d->host_vips[k].vip == a;
		if (used)
			continue;
		arr = realloc(d->host_vips, (d->nhost_vips + 1) * sizeof(*d->host_vips));
		if (!arr || dc_store_put_host_vip(d->store, host, a) < 0) {
			if (arr)
				d->host_vips = arr;
			return 0;
		}
		d->host_vips = arr;
		d->host_vips[d->nhost_vips].host = host;
		d->host_vips[d->nhost_vips].vip = a;
		d->nhost_vips++;
		dc_info("host %s gets the host VIP %s", dc_v4_fmt(host, h, sizeof(h)),
			dc_v4_fmt(a, v, sizeof(v)));
		return a;
	}
	return 0;
}

/* ---- Route Directions ---------------------------------------------------- */

/* The Route Direction of @p for the node on @leg; @route overrides the
 * path's (a direct candidate). */
static void route_for(struct dc *d, const struct dc_path *p, uint8_t leg,
		      uint8_t route, struct ntm_route_direction *rd)
{
	struct dc_node *a = p->peer_dc < 0 ? dc_node_get(d, p->node_a) : NULL;
	struct dc_node *b = p->node_b ? dc_node_get(d, p->node_b) : NULL;

	memset(rd, 0, sizeof(*rd));
	rd->status = NTM_OK;
	rd->route = route;
	rd->leg = leg;
	rd->path_id = p->id;
	rd->refresh = d->cfg->refresh;
	memcpy(rd->path_key, p->key, sizeof(rd->path_key));
	if (leg == NTM_LEG_A) {
		rd->peer_node_id = p->node_b;
		dc_v4_to_addr(p->a_vip, &rd->local_vip);
		dc_v4_to_addr(p->b_vip, &rd->peer_vip);
	} else {
		rd->peer_node_id = p->node_a;
		dc_v4_to_addr(p->b_vip, &rd->local_vip);
		dc_v4_to_addr(p->a_vip, &rd->peer_vip);
	}
	if (route == NTM_ROUTE_DIRECT) {
		const struct dc_node *other = leg == NTM_LEG_A ? b : a;

		if (other) {
			rd->tunnel = other->observed;
			rd->control = other->observed;
		}
	} else {
		rd->tunnel = p->tunnel;
		rd->control = p->control;
	}
}

static void route_fail(struct ntm_route_direction *rd, uint8_t route, int status)
{
	memset(rd, 0, sizeof(*rd));
	rd->status = (uint8_t)status;
	rd->route = route ? route : NTM_ROUTE_RS_S;
}

/* Push @rd to node @id at its observed endpoint, DC_PUSH_TRIES times,
 * starting in @delay_ms. */
static void push_route(struct dc *d, uint32_t id, const struct ntm_route_direction *rd,
		 uint32_t delay_ms)
{
	const struct dc_node_cfg *nc = dc_config_node(d->cfg, id);
	struct dc_node *n = dc_node_get(d, id);
	union ntm_body b;
	struct dc_out *o;

	if (!nc || !n || ntm_addr_is_none(&n->observed))
		return;
	memset(&b, 0, sizeof(b));
	b.route_direction = *rd;
	o = dc_out_add_at(d, NTM_MSG_ROUTE_DIRECTION, &b, id, nc->key,
			  dc_txn_id(d), &n->observed, DC_PUSH_TRIES,
			  DC_PUSH_RETRY_MS, delay_ms);
	if (o)
		o->path_id = rd->path_id;
	ntm_wipe(&b, sizeof(b));
}

/* The path is live: the answers to the @n requests in @w (those with a
 * transaction; the others were answered by the caller), the Route Direction
 * pushed to an end of an RS-S or direct path that did not ask, and the
 * direct candidates. */
static void path_ready(struct dc *d, struct dc_path *p, const struct dc_waiter *w,
		       unsigned int n)
{
	struct ntm_route_direction rd;
	bool asked[2] = { false, false };
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t leg = w[i].leg;

		asked[leg] = true;
		if (!w[i].txn)
			continue;
		route_for(d, p, leg, p->route, &rd);
		dc_answer_later(d, w[i].key_id, w[i].txn, &rd, &w[i].from);
	}
	if (p->node_b && (p->route == NTM_ROUTE_DIRECT || p->route == NTM_ROUTE_RS_S)) {
		if (!asked[NTM_LEG_B]) {
			route_for(d, p, NTM_LEG_B, p->route, &rd);
			push_route(d, p->node_b, &rd, 0);
		}
		if (!asked[NTM_LEG_A] && p->peer_dc < 0) {
			route_for(d, p, NTM_LEG_A, p->route, &rd);
			push_route(d, p->node_a, &rd, 0);
		}
	}
	/* The candidates after the RS-S Route Directions, so that a node
	 * has the path before it hears of a direct way for it. */
	if (p->route == NTM_ROUTE_RS_S && d->cfg->route_optimization &&
	    p->peer_dc < 0) {
		route_for(d, p, NTM_LEG_A, NTM_ROUTE_DIRECT, &rd);
		push_route(d, p->node_a, &rd, DC_CANDIDATE_DELAY_MS);
		route_for(d, p, NTM_LEG_B, NTM_ROUTE_DIRECT, &rd);
		push_route(d, p->node_b, &rd, DC_CANDIDATE_DELAY_MS);
		dc_dbg("path %" PRIu32 ": direct candidates sent to nodes %" PRIu32 " and %" PRIu32,
		       p->id, p->node_a, p->node_b);
	}
	ntm_wipe(&rd, sizeof(rd));
}

/*
 * Node @id registered again from another observed endpoint (it moved, or its
 * NAT mapping changed). The direct candidates of its RS-S paths named the old
 * endpoint: both ends get new ones. Its direct paths follow by themselves
 * (the peer learns the endpoint from the node's Tunnel Request).
 */
void dc_path_node_moved(struct dc *d, uint32_t id)
{
	struct ntm_route_direction rd;
	size_t i;

	if (!d->cfg->route_optimization)
		return;
	for (i = 0; i < d->npaths; i++) {
		struct dc_path *p = &d->paths[i];

		if (p->route != NTM_ROUTE_RS_S || p->peer_dc >= 0 ||
		    (p->node_a != id && p->node_b != id))
			continue;
		route_for(d, p, NTM_LEG_A, NTM_ROUTE_DIRECT, &rd);
		push_route(d, p->node_a, &rd, DC_CANDIDATE_DELAY_MS);
		route_for(d, p, NTM_LEG_B, NTM_ROUTE_DIRECT, &rd);
		push_route(d, p->node_b, &rd, DC_CANDIDATE_DELAY_MS);
		dc_info("path %" PRIu32 ": node %" PRIu32 " moved: new direct candidates sent to nodes %" PRIu32 " and %" PRIu32,
			p->id, id, p->node_a, p->node_b);
	}
	ntm_wipe(&rd, sizeof(rd));
}

/*
 * Node @id registered again without a VIP hint while its registration was
 * live: the process restarted and lost its paths. Each live path is pushed
 * to it again (its leg's Route Direction: it sends a Tunnel Request, and
 * the RS or the peer learns its endpoint), and an RS-S path's direct
 * candidates go to both ends, since the peer's direct state is stale.
 */
void dc_path_node_restarted(struct dc *d, uint32_t id)
{
	struct ntm_route_direction rd;
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < d->npaths; i++) {
		struct dc_path *p = &d->paths[i];
		uint8_t leg;

		if (p->state != DC_PATH_LIVE || p->peer_dc >= 0 ||
		    (p->node_a != id && p->node_b != id))
			continue;
		leg = p->node_a == id ? NTM_LEG_A : NTM_LEG_B;
		route_for(d, p, leg, p->route, &rd);
		push_route(d, id, &rd, DC_RESTART_PUSH_MS);
		n++;
	}
	ntm_wipe(&rd, sizeof(rd));
	if (n)
		dc_info("node %" PRIu32 " started afresh: its %u live path%s pushed to it again",
			id, n, n == 1 ? "" : "s");
	dc_path_node_moved(d, id);
}

/* The one request a path answers at once (direct). */
static void path_ready_now(struct dc *d, struct dc_path *p, uint32_t node,
			   const struct ntm_addr *from)
{
	struct dc_waiter w = {
		.key_id = node,
		.leg = node == p->node_a ? NTM_LEG_A : NTM_LEG_B,
		.txn = 0,
		.from = *from,
	};

	path_ready(d, p, &w, 1);
}

/* ---- Relay Directions ---------------------------------------------------- */

static int relay_send(struct dc *d, struct dc_pending *pd, struct dc_path *p)
{
	const struct dc_rs_cfg *r = &d->cfg->rs[p->rs];
	struct ntm_relay_direction *rd;
	union ntm_body b;
	char ends[64];

	memset(&b, 0, sizeof(b));
	rd = &b.relay_direction;
	rd->path_id = p->id;
	rd->rs_type = p->route == NTM_ROUTE_RS_S ? NTM_RS_TYPE_S :
		      p->route == NTM_ROUTE_RS_N ? NTM_RS_TYPE_N : NTM_RS_TYPE_T;
	rd->refresh = d->cfg->refresh;
	dc_v4_to_addr(p->a_vip, &rd->leg_a_vip);
	dc_v4_to_addr(p->b_vip, &rd->leg_b_vip);
	if (p->route == NTM_ROUTE_RS_N)
		dc_v4_to_addr(p->host, &rd->host);
	if (ntm_relay_direction_keys(rd, p->key) != NTM_OK) {
		ntm_wipe(&b, sizeof(b));
		return -1;
	}
	pd->out = dc_out_add(d, NTM_MSG_RELAY_DIRECTION, &b, r->key_id, r->key,
			     dc_txn_id(d), &r->control, DC_RELAY_TRIES,
			     DC_RELAY_RETRY_MS);
	ntm_wipe(&b, sizeof(b));
	if (!pd->out)
		return -1;
	pd->out->path_id = p->id;
	pd->out->rs = p->rs;
	d->stats.relay_directions++;
	dc_info("path %" PRIu32 " (%s, %s): Relay Direction to RS %s",
		p->id, ntm_route_name(p->route), path_ends(p, ends, sizeof(ends)),
		r->name);
	return 0;
}

/* The requester gets @status; a path made for it is forgotten, a live one
 * removed. */
static void pending_fail(struct dc *d, struct dc_pending *pd, int status)
{
	struct dc_path *p = dc_path_get(d, pd->path_id);
	uint8_t route = p ? p->route : NTM_ROUTE_RS_S;
	uint32_t id = pd->path_id;
	bool new_path = pd->new_path;
	struct ntm_route_direction rd;
	char ends[64] = "?";
	unsigned int i;

	if (p)
		path_ends(p, ends, sizeof(ends));
	dc_warn("path %" PRIu32 " (%s, %s): no RS took it: Route Direction %s to node %" PRIu32,
		id, ntm_route_name(route), ends, ntm_status_name(status),
		pd->w[0].key_id);
	route_fail(&rd, route, status);
	for (i = 0; i < pd->nw; i++)
		dc_answer_later(d, pd->w[i].key_id, pd->w[i].txn, &rd, &pd->w[i].from);
	/* Gone before the path goes (dc_path_remove() frees a pending). */
	pending_free(d, pd);
	if (p && new_path)
		path_forget(d, id);
	else if (p)
		dc_path_remove(d, id, NTM_TEARDOWN_ERROR,
			       "its RS did not take it again");
}

/* Next RS for the pending path, or the requester gets UNREACHABLE. */
static void relay_next(struct dc *d, struct dc_pending *pd)
{
	struct dc_path *p = dc_path_get(d, pd->path_id);
	int rs;

	if (!p) {
		pending_free(d, pd);
		return;
	}
	for (;;) {
		rs = rs_choose(d, p->route, pd->rs_tried);
		if (rs < 0) {
			pending_fail(d, pd, NTM_E_UNREACHABLE);
			return;
		}
		pd->rs_tried |= 1ull << rs;
		if (p->route == NTM_ROUTE_RS_T) {
			uint32_t a;

			p->rs = -1;	/* its old address is free again */
			a = rst_addr(d, rs);
			if (!a)
				continue;
			p->a_vip = a;
		}
		p->rs = rs;
		if (relay_send(d, pd, p) == 0)
			return;
	}
}

void dc_relay_failed(struct dc *d, struct dc_out *o, const char *why)
{
	struct dc_pending *pd = pending_get(d, o->path_id);

	o->done = true;
	if (!pd || pd->out != o)
		return;
	pd->out = NULL;
	if (!why && o->rs >= 0) {
		d->rs_down_until[o->rs] = dc_now(d) + DC_RS_DOWN_MS;
		dc_warn("RS %s did not answer the Relay Direction for path %" PRIu32 " after %d tries: taken as down for %d s",
			d->cfg->rs[o->rs].name, o->path_id, DC_RELAY_TRIES,
			DC_RS_DOWN_MS / 1000);
	} else if (o->rs >= 0) {
		dc_warn("RS %s refused the Relay Direction for path %" PRIu32 ": %s",
			d->cfg->rs[o->rs].name, o->path_id, why);
	}
	relay_next(d, pd);
}

void dc_direction_response(struct dc *d, int rs, uint64_t txn_id,
			   uint8_t type, const union ntm_body *b)
{
	const struct ntm_direction_response *dr = &b->direction_response;
	struct dc_pending *pd;
	struct dc_path *p;
	struct dc_out *o;
	char t[NTM_ADDR_FMT_LEN], c[NTM_ADDR_FMT_LEN], ends[64];

	for (o = d->outbox; o; o = o->next)
		if (!o->done && o->txn_id == txn_id && o->rs == rs)
			break;
	if (!o) {
		dc_dbg("control: %s from RS %s for no message in flight (a late duplicate)",
		       ntm_msg_type_name(type), d->cfg->rs[rs].name);
		return;
	}
	if (o->type == NTM_MSG_PATH_TEARDOWN) {
		o->done = true;
		dc_dbg("path %" PRIu32 ": RS %s answered the Path Teardown: %s",
		       o->body.path_teardown.path_id, d->cfg->rs[rs].name,
		       type == NTM_MSG_ERROR ? ntm_status_name(b->error.status) :
		       ntm_status_name(dr->status));
		return;
	}
	if (o->type != NTM_MSG_RELAY_DIRECTION)
		return;
	if (type == NTM_MSG_ERROR) {
		dc_relay_failed(d, o, ntm_status_name(b->error.status));
		return;
	}
	if (dr->status != NTM_OK || dr->path_id != o->path_id) {
		dc_relay_failed(d, o, dr->status != NTM_OK ?
				ntm_status_name(dr->status) : "another PathID");
		return;
	}
	o->done = true;
	pd = pending_get(d, o->path_id);
	p = dc_path_get(d, o->path_id);
	if (!pd || !p) {
		if (pd)
			pending_free(d, pd);
		return;
	}
	pd->out = NULL;
	p->tunnel = dr->tunnel;
	p->control = dr->control;
	p->state = DC_PATH_LIVE;
	if (dc_store_put_path(d->store, p) < 0) {
		pending_fail(d, pd, NTM_E_INTERNAL);
		return;
	}
	dc_info("path %" PRIu32 " (%s, %s) is live on RS %s: tunnel %s, control %s",
		p->id, ntm_route_name(p->route), path_ends(p, ends, sizeof(ends)),
		d->cfg->rs[rs].name, ntm_addr_fmt(&p->tunnel, t, sizeof(t)),
		ntm_addr_fmt(&p->control, c, sizeof(c)));
	path_ready(d, p, pd->w, pd->nw);
	pending_free(d, pd);
}

/* ---- Direction Request --------------------------------------------------- */

static bool rst_port(const struct dc_config *c, uint16_t port)
{
	unsigned int i;

	for (i = 0; port && i < c->nrst_ports; i++)
		if (c->rst_ports[i] == port)
			return true;
	return false;
}

static struct dc_path *path_find_node(struct dc *d, uint32_t x, uint32_t y)
{
	size_t i;

	for (i = 0; i < d->npaths; i++) {
		struct dc_path *p = &d->paths[i];

		if (p->node_b && p->peer_dc < 0 &&
		    ((p->node_a == x && p->node_b == y) ||
		     (p->node_a == y && p->node_b == x)))
			return p;
	}
	return NULL;
}

static struct dc_path *path_find_host(struct dc *d, uint32_t x, uint32_t host,
				      uint8_t route)
{
	size_t i;

	for (i = 0; i < d->npaths; i++) {
		struct dc_path *p = &d->paths[i];

		if (!p->node_b && p->peer_dc < 0 && p->node_a == x &&
		    p->host == host && p->route == route)
			return p;
	}
	return NULL;
}

static bool behind_nat(const struct dc_node *n)
{
	return !ntm_addr_equal(&n->local, &n->observed);
}

/* Start the Relay Direction of @p for the requester: 0, or a status. */
static int relay_start(struct dc *d, struct dc_path *p, bool new_path,
		       const struct dc_waiter *w)
{
	struct dc_pending *pd = calloc(1, sizeof(*pd));

	if (!pd)
		return NTM_E_INTERNAL;
	pd->path_id = p->id;
	pd->new_path = new_path;
	pd->w[0] = *w;
	pd->nw = 1;
	pd->next = d->pending;
	d->pending = pd;
	if (!new_path && p->rs >= 0) {
		/* The same RS first: it has the path, or had it. */
		pd->rs_tried |= 1ull << p->rs;
		if (relay_send(d, pd, p) == 0)
			return NTM_OK;
	}
	relay_next(d, pd);	/* answers UNREACHABLE itself if none */
	return NTM_OK;
}

static const char *status_word(int st)
{
	return ntm_status_name(st);
}

void dc_direction(struct dc *d, uint32_t key_id, uint64_t txn_id,
		  const struct ntm_addr *from,
		  const struct ntm_direction_request *rq,
		  struct ntm_route_direction *rd, bool *answered)
{
	const struct dc_config *c = d->cfg;
	struct dc_node *x = dc_node_get(d, key_id), *peer = NULL;
	struct dc_path np, *p = NULL;
	uint8_t route = NTM_ROUTE_RS_S;
	uint32_t host = 0, pv = 0, dcv;
	char fa[NTM_ADDR_FMT_LEN], pa[NTM_ADDR_FMT_LEN], ends[64];
	struct dc_waiter me = {
		.key_id = key_id, .leg = NTM_LEG_A, .txn = txn_id, .from = *from,
	};
	const char *why = NULL;
	int st = NTM_OK;

	*answered = true;
	d->stats.directions++;
	ntm_addr_fmt(from, fa, sizeof(fa));
	if (rq->node_id != key_id) {
		st = NTM_E_REFUSED;
		why = "the body's node id is not the key's";
		goto fail;
	}
	if (!x || !dc_node_live(d, x)) {
		st = NTM_E_REFUSED;
		why = "the node is not registered";
		goto fail;
	}
	if (!ntm_addr_is_none(&rq->peer_dc) &&
	    !(dc_addr_to_v4(&rq->peer_dc, &dcv) &&
	      dc_addr_to_v4(&c->address, &pv) && dcv == pv)) {
		st = forward(d, &me, rq);
		if (st == NTM_OK) {
			*answered = false;
			return;
		}
		why = "the peer is in another domain, and no peer-dc line names its DC";
		goto fail;
	}
	if (rq->peer_kind == NTM_PEER_NODE) {
		if (rq->peer_node_id)
			peer = dc_node_get(d, rq->peer_node_id);
		else if (dc_addr_to_v4(&rq->peer_vip, &pv))
			peer = dc_node_by_vip(d, pv);
		if (!peer || !dc_node_live(d, peer)) {
			st = NTM_E_UNREACHABLE;
			why = "the peer node is not registered";
			goto fail;
		}
		if (peer == x) {
			st = NTM_E_REFUSED;
			why = "the peer is the node itself";
			goto fail;
		}
		route = behind_nat(x) && behind_nat(peer) ? NTM_ROUTE_RS_S :
							    NTM_ROUTE_DIRECT;
		p = path_find_node(d, x->id, peer->id);
	} else {
		if (!dc_addr_to_v4(&rq->peer_addr, &host) || !host) {
			st = NTM_E_REFUSED;
			why = "the host's address is not an IPv4 address";
			goto fail;
		}
		if (rst_port(c, rq->port) ||
		    (dc_config_host_by_addr(c, host) &&
		     dc_config_host_by_addr(c, host)->rs_t))
			route = NTM_ROUTE_RS_T;
		else
			route = NTM_ROUTE_RS_N;
		if (route == NTM_ROUTE_RS_N && !c->has_host_vip_pool) {
			st = NTM_E_UNREACHABLE;
			why = "RS-N needs a host-vip-pool";
			goto fail;
		}
		p = path_find_host(d, x->id, host, route);
	}

	if (p && p->state == DC_PATH_PENDING) {
		/* Another request made it a moment ago (the peer asking at
		 * the same time): this one is answered with it. */
		struct dc_pending *pd = pending_get(d, p->id);

		if (!pd || pd->nw == DC_PENDING_WAITERS) {
			st = NTM_E_INTERNAL;
			why = "the path is being set up (retry)";
			goto fail;
		}
		pd->w[pd->nw].key_id = key_id;
		pd->w[pd->nw].leg = key_id == p->node_a ? NTM_LEG_A : NTM_LEG_B;
		pd->w[pd->nw].txn = txn_id;
		pd->w[pd->nw].from = *from;
		pd->nw++;
		dc_dbg("path %" PRIu32 ": node %" PRIu32 " waits for its Relay Direction too",
		       p->id, key_id);
		*answered = false;
		return;
	}
	if (p) {
		dc_info("path %" PRIu32 " (%s, %s): asked again by node %" PRIu32 ": the same path",
			p->id, ntm_route_name(p->route), path_ends(p, ends, sizeof(ends)),
			key_id);
		if (p->route == NTM_ROUTE_DIRECT) {
			route_for(d, p, key_id == p->node_a ? NTM_LEG_A : NTM_LEG_B,
				  p->route, rd);
			path_ready_now(d, p, key_id, from);
			return;
		}
		me.leg = key_id == p->node_a ? NTM_LEG_A : NTM_LEG_B;
		st = relay_start(d, p, false, &me);
		if (st != NTM_OK)
			goto fail;
		*answered = false;
		return;
	}

	memset(&np, 0, sizeof(np));
	np.route = route;
	np.rs = -1;
	np.peer_dc = -1;
	np.node_a = x->id;
	np.a_vip = x->vip;
	np.created_ms = dc_now(d);
	if (peer) {
		np.node_b = peer->id;
		np.b_vip = peer->vip;
	} else {
		np.host = host;
		np.b_vip = route == NTM_ROUTE_RS_N ? host_vip(d, host) : host;
		if (!np.b_vip) {
			st = NTM_E_POOL_EXHAUSTED;
			why = "host-vip-pool has no free address";
			goto fail;
		}
	}
	if (route != NTM_ROUTE_DIRECT && !c->nrs) {
		st = NTM_E_UNREACHABLE;
		why = "no rs is configured";
		goto fail;
	}
	if (ntm_ctl_random(d->env, np.key, sizeof(np.key)) != NTM_OK) {
		st = NTM_E_INTERNAL;
		why = "no randomness";
		goto fail;
	}
	np.id = dc_store_next_path_id(d->store);
	if (!np.id) {
		st = NTM_E_INTERNAL;
		why = "the store has no PathID";
		goto fail;
	}
	if (route == NTM_ROUTE_DIRECT) {
		np.state = DC_PATH_LIVE;
		if (dc_store_put_path(d->store, &np) < 0) {
			st = NTM_E_INTERNAL;
			why = "the store failed";
			goto fail;
		}
		p = path_add(d, &np);
		ntm_wipe(&np, sizeof(np));
		if (!p) {
			dc_store_del_path(d->store, np.id);
			st = NTM_E_INTERNAL;
			why = "out of memory";
			goto fail;
		}
		dc_info("path %" PRIu32 " (direct, %s): not both behind a NAT",
			p->id, path_ends(p, ends, sizeof(ends)));
		route_for(d, p, NTM_LEG_A, NTM_ROUTE_DIRECT, rd);
		path_ready_now(d, p, key_id, from);
		return;
	}
	np.state = DC_PATH_PENDING;
	p = path_add(d, &np);
	ntm_wipe(&np, sizeof(np));
	if (!p) {
		st = NTM_E_INTERNAL;
		why = "out of memory";
		goto fail;
	}
	st = relay_start(d, p, true, &me);
	if (st != NTM_OK) {
		path_forget(d, p->id);
		why = "out of memory";
		goto fail;
	}
	*answered = false;
	return;

fail:
	dc_warn("Direction Request from node %" PRIu32 " (%s) for %s %s: %s: %s",
		key_id, fa, rq->peer_kind == NTM_PEER_NODE ? "node" : "host",
		rq->peer_kind == NTM_PEER_NODE ?
		(snprintf(pa, sizeof(pa), "%" PRIu32, rq->peer_node_id), pa) :
		ntm_addr_fmt(&rq->peer_addr, pa, sizeof(pa)),
		status_word(st), why);
	route_fail(rd, route, st);
}

/* ---- other domains (peer-dc) -------------------------------------------- */

/*
 * A node of ours asks for a node of another domain (peer_dc set): the
 * Direction Request goes, sealed with that DC's key, to the peer DC named
 * by a peer-dc line with that control endpoint; its Route Direction (leg A)
 * comes back and is relayed to the node. The peer DC decides the path and
 * directs its own RS; this DC keeps nothing of it.
 */
static int peer_by_endpoint(const struct dc *d, const struct ntm_addr *a)
{
	size_t i;

	for (i = 0; i < d->cfg->npeers; i++) {
		struct ntm_addr p = d->cfg->peers[i].control;

		if (!a->port)
			p.port = 0;
		if (ntm_addr_equal(&p, a))
			return (int)i;
	}
	return -1;
}

static int forward(struct dc *d, const struct dc_waiter *w,
		   const struct ntm_direction_request *rq)
{
	int peer = peer_by_endpoint(d, &rq->peer_dc);
	const struct dc_peer_cfg *pc;
	struct dc_forward *f;
	union ntm_body b;

	if (peer < 0)
		return NTM_E_UNREACHABLE;
	pc = &d->cfg->peers[peer];
	f = calloc(1, sizeof(*f));
	if (!f)
		return NTM_E_INTERNAL;
	memset(&b, 0, sizeof(b));
	b.direction_request = *rq;
	f->w = *w;
	f->peer = peer;
	f->out = dc_out_add(d, NTM_MSG_DIRECTION_REQUEST, &b, pc->key_id, pc->key,
			    dc_txn_id(d), &pc->control, DC_RELAY_TRIES,
			    DC_RELAY_RETRY_MS);
	if (!f->out) {
		free(f);
		return NTM_E_INTERNAL;
	}
	f->out->peer = peer;
	f->next = d->forwards;
	d->forwards = f;
	dc_info("Direction Request of node %" PRIu32 " for node %" PRIu32 " of %s forwarded to its DC",
		rq->node_id, rq->peer_node_id, pc->zone);
	return NTM_OK;
}

void dc_forward_answer(struct dc *d, int peer, uint64_t txn_id, uint8_t type,
		       const union ntm_body *b)
{
	struct ntm_route_direction rd;
	struct dc_forward *f, **pp;

	for (pp = &d->forwards; (f = *pp); pp = &f->next)
		if (f->peer == peer && f->out && f->out->txn_id == txn_id)
			break;
	if (!f) {
		dc_dbg("control: %s from the DC of %s for no forwarded request",
		       type ? ntm_msg_type_name(type) : "timeout",
		       d->cfg->peers[peer].zone);
		return;
	}
	*pp = f->next;
	f->out->done = true;
	if (type == NTM_MSG_ROUTE_DIRECTION) {
		rd = b->route_direction;
		dc_info("path %" PRIu32 " (%s) from the DC of %s for node %" PRIu32 ": %s",
			rd.path_id, ntm_route_name(rd.route), d->cfg->peers[peer].zone,
			f->w.key_id, ntm_status_name(rd.status));
	} else {
		dc_warn("the DC of %s %s the forwarded Direction Request of node %" PRIu32 ": UNREACHABLE",
			d->cfg->peers[peer].zone,
			type ? "refused" : "did not answer", f->w.key_id);
		route_fail(&rd, NTM_ROUTE_RS_S, NTM_E_UNREACHABLE);
	}
	dc_answer_later(d, f->w.key_id, f->w.txn, &rd, &f->w.from);
	ntm_wipe(&rd, sizeof(rd));
	free(f);
}

/* The address a node of another domain uses on a path to one of ours:
 * from host-vip-pool, free among host VIPs and the other such paths. */
static uint32_t foreign_vip(struct dc *d)
{
	const struct dc_pool *pool = &d->cfg->host_vip_pool;
	uint32_t i, size = dc_pool_size(pool);
	size_t k;

	for (i = 0; i < size; i++) {
		uint32_t a = dc_pool_addr(pool, i);
		bool used = false;

		for (k = 0; k < d->nhost_vips && !used; k++)
			used = d->host_vips[k].vip == a;
		for (k = 0; k < d->npaths && !used; k++)
			used = d->paths[k].peer_dc >= 0 && d->paths[k].a_vip == a;
		if (!used)
			return a;
	}
	return 0;
}

void dc_direction_foreign(struct dc *d, int peer, uint64_t txn_id,
			  const struct ntm_addr *from,
			  const struct ntm_direction_request *rq,
			  struct ntm_route_direction *rd, bool *answered)
{
	const struct dc_peer_cfg *pc = &d->cfg->peers[peer];
	struct dc_waiter me = {
		.key_id = pc->key_id, .leg = NTM_LEG_A, .txn = txn_id, .from = *from,
	};
	struct dc_node *y = NULL;
	struct dc_path np, *p = NULL;
	const char *why;
	uint32_t pv;
	size_t i;
	int st;

	*answered = true;
	d->stats.directions++;
	if (rq->peer_kind != NTM_PEER_NODE) {
		st = NTM_E_REFUSED;
		why = "only nodes of this zone are served to other domains";
		goto fail;
	}
	if (rq->peer_node_id)
		y = dc_node_get(d, rq->peer_node_id);
	else if (dc_addr_to_v4(&rq->peer_vip, &pv))
		y = dc_node_by_vip(d, pv);
	if (!y || !dc_node_live(d, y)) {
		st = NTM_E_UNREACHABLE;
		why = "the peer node is not registered";
		goto fail;
	}
	for (i = 0; i < d->npaths; i++)
		if (d->paths[i].peer_dc == peer && d->paths[i].node_a == rq->node_id &&
		    d->paths[i].node_b == y->id)
			p = &d->paths[i];
	if (p && p->state == DC_PATH_PENDING) {
		st = NTM_E_INTERNAL;
		why = "the path is being set up (retry)";
		goto fail;
	}
	if (p) {
		st = relay_start(d, p, false, &me);
		if (st != NTM_OK) {
			why = "out of memory";
			goto fail;
		}
		*answered = false;
		return;
	}
	if (!d->cfg->has_host_vip_pool || !d->cfg->nrs) {
		st = NTM_E_UNREACHABLE;
		why = "other domains' nodes need a host-vip-pool and an rs";
		goto fail;
	}
	memset(&np, 0, sizeof(np));
	np.route = NTM_ROUTE_RS_S;
	np.rs = -1;
	np.peer_dc = peer;
	np.node_a = rq->node_id;
	np.node_b = y->id;
	np.b_vip = y->vip;
	np.a_vip = foreign_vip(d);
	np.created_ms = dc_now(d);
	if (!np.a_vip) {
		st = NTM_E_POOL_EXHAUSTED;
		why = "host-vip-pool has no free address";
		goto fail;
	}
	if (ntm_ctl_random(d->env, np.key, sizeof(np.key)) != NTM_OK ||
	    !(np.id = dc_store_next_path_id(d->store))) {
		st = NTM_E_INTERNAL;
		why = "no PathID or no randomness";
		goto fail;
	}
	np.state = DC_PATH_PENDING;
	p = path_add(d, &np);
	ntm_wipe(&np, sizeof(np));
	if (!p || relay_start(d, p, true, &me) != NTM_OK) {
		if (p)
			path_forget(d, p->id);
		st = NTM_E_INTERNAL;
		why = "out of memory";
		goto fail;
	}
	*answered = false;
	return;
fail:
	dc_warn("Direction Request from the DC of %s (node %" PRIu32 ") for node %" PRIu32 ": %s: %s",
		pc->zone, rq->node_id, rq->peer_node_id, ntm_status_name(st), why);
	route_fail(rd, NTM_ROUTE_RS_S, st);
}

int dc_teardown_foreign(struct dc *d, int peer, uint32_t path_id, uint8_t reason)
{
	struct dc_path *p = dc_path_get(d, path_id);

	if (!p)
		return NTM_OK;
	if (p->peer_dc != peer)
		return NTM_E_REFUSED;
	dc_path_remove(d, path_id, reason, "Path Teardown from a peer DC");
	return NTM_OK;
}

/* ---- teardown ------------------------------------------------------------ */

void dc_path_remove(struct dc *d, uint32_t path_id, uint8_t reason,
		    const char *why)
{
	struct dc_path *p = dc_path_get(d, path_id);
	struct dc_pending *pd = pending_get(d, path_id);
	char ends[64];

	if (!p)
		return;
	if (pd)
		pending_free(d, pd);
	if (p->rs >= 0 && p->route != NTM_ROUTE_DIRECT) {
		const struct dc_rs_cfg *r = &d->cfg->rs[p->rs];
		union ntm_body b;
		struct dc_out *o;

		memset(&b, 0, sizeof(b));
		b.path_teardown.path_id = p->id;
		b.path_teardown.reason = reason;
		o = dc_out_add(d, NTM_MSG_PATH_TEARDOWN, &b, r->key_id, r->key,
			       dc_txn_id(d), &r->control, DC_RELAY_TRIES,
			       2 * DC_RELAY_RETRY_MS);
		if (o) {
			o->rs = p->rs;
			o->path_id = p->id;
		}
	}
	dc_store_del_path(d->store, p->id);
	dc_info("path %" PRIu32 " (%s, %s) removed: %s%s%s", p->id,
		ntm_route_name(p->route), path_ends(p, ends, sizeof(ends)), why,
		p->rs >= 0 ? ", Path Teardown to RS " : "",
		p->rs >= 0 ? d->cfg->rs[p->rs].name : "");
	path_forget(d, path_id);
}

int dc_teardown(struct dc *d, uint32_t key_id, uint32_t path_id, uint8_t reason)
{
	struct dc_path *p = dc_path_get(d, path_id);
	char why[64];

	if (!p) {
		dc_dbg("Path Teardown of path %" PRIu32 " from node %" PRIu32 ": no such path (answered as done)",
		       path_id, key_id);
		return NTM_OK;
	}
	if ((p->peer_dc >= 0 || p->node_a != key_id) && p->node_b != key_id) {
		dc_warn("Path Teardown of path %" PRIu32 " from node %" PRIu32 ": not one of its ends: refused",
			path_id, key_id);
		return NTM_E_REFUSED;
	}
	snprintf(why, sizeof(why), "Path Teardown from node %" PRIu32, key_id);
	dc_path_remove(d, path_id, reason, why);
	return NTM_OK;
}
