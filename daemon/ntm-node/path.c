// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The path table of the node: one entry per PathID the DC directed, with
 * its keys, its replay window, its route on the TUN and where its Data goes.
 *
 *   TUN  -> path by destination (peer VIP) -> ntm_data_seal(our leg)
 *        -> the relay's tunnel endpoint, or the peer when active = direct
 *   UDP  -> path by PathID -> ntm_data_open_leg(the other leg, replay) -> TUN
 *
 * Route optimization: a Route Direction with route DIRECT for a PathID we
 * have on RS-S is a direct candidate. Data keeps going through the RS while
 * Tunnel Requests go to the candidate (every 1 s, 10 tries, then every
 * 30 s); an authenticated Tunnel Request or Response from it switches the
 * Data to direct, with a Keepalive there every 2 s; 6 s without anything
 * authenticated from it and the Data goes back to the relay. Data is
 * accepted from both at any time (one replay window: the same sender).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "ntm_tun.h"
#include "node.h"

struct node_path *node_path_find(struct node *n, uint32_t id)
{
	struct node_path *p;

	for (p = n->paths; p; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

struct node_path *node_path_by_peer_vip(struct node *n, const uint8_t ip[4])
{
	struct node_path *p;

	for (p = n->paths; p; p = p->next)
		if (p->peer_vip.family == NTM_AF_INET &&
		    !memcmp(p->peer_vip.addr, ip, 4))
			return p;
	return NULL;
}

struct node_path *node_path_by_name(struct node *n, const char *name)
{
	struct node_path *p;

	for (p = n->paths; p; p = p->next)
		if (p->peer[0] && !strcasecmp(p->peer, name))
			return p;
	return NULL;
}

/* A counter above any this path's keys carried before a restart of ours:
 * the microseconds of the clock. */
static uint64_t counter_start(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int node_path_route(struct node *n, struct node_path *p)
{
	char a[NTM_ADDR_FMT_LEN];
	int err;

	if (n->tun < 0 || p->routed)
		return 0;
	if (p->peer_vip.family != NTM_AF_INET ||
	    p->local_vip.family != NTM_AF_INET) {
		node_warn("path %" PRIu32 ": not an IPv4 path: not routed", p->id);
		return -1;
	}
	if (!ntm_addr_equal(&p->local_vip, &n->vip) && !p->local_addr_added) {
		err = ntm_rtnl_addr_add(n->rtnl, n->tun_ifindex, AF_INET,
					p->local_vip.addr);
		if (err < 0) {
			node_err("path %" PRIu32 ": adding %s to %s: %s", p->id,
				 node_fmt(&p->local_vip, a), n->tun_name,
				 strerror(-err));
			return -1;
		}
		p->local_addr_added = true;
	}
	err = ntm_rtnl_route_add_src(n->rtnl, n->tun_ifindex, AF_INET,
				     p->peer_vip.addr, 32, p->local_vip.addr);
	if (err < 0) {
		node_err("path %" PRIu32 ": route to %s via %s: %s", p->id,
			 node_fmt(&p->peer_vip, a), n->tun_name, strerror(-err));
		return -1;
	}
	p->routed = true;
	return 0;
}

static void path_unroute(struct node *n, struct node_path *p)
{
	struct node_path *q;
	int err;

	if (n->tun < 0)
		return;
	if (p->routed) {
		/* Another path to the same peer VIP keeps the route. */
		for (q = n->paths; q; q = q->next)
			if (q != p && q->routed &&
			    ntm_addr_equal(&q->peer_vip, &p->peer_vip))
				break;
		if (!q) {
			err = ntm_rtnl_route_del(n->rtnl, n->tun_ifindex, AF_INET,
						 p->peer_vip.addr, 32);
			if (err < 0 && err != -ESRCH)
				node_warn("path %" PRIu32 ": removing its route: %s",
					  p->id, strerror(-err));
		}
		p->routed = false;
	}
	if (p->local_addr_added) {
		/* An RS-T address: another path of ours may still use it. */
		for (q = n->paths; q; q = q->next)
			if (q != p && q->local_addr_added &&
			    ntm_addr_equal(&q->local_vip, &p->local_vip))
				break;
		if (!q) {
			err = ntm_rtnl_addr_del(n->rtnl, n->tun_ifindex, AF_INET,
						p->local_vip.addr);
			if (err < 0 && err != -EADDRNOTAVAIL)
				node_warn("path %" PRIu32 ": removing its address: %s",
					  p->id, strerror(-err));
		}
		p->local_addr_added = false;
	}
}

static void path_free(struct node_path *p)
{
	ntm_path_keys_wipe(&p->keys);
	free(p);
}

void node_path_remove(struct node *n, uint32_t id, const char *why)
{
	struct node_path **pp, *p;

	for (pp = &n->paths; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id)
			break;
	p = *pp;
	if (!p)
		return;
	*pp = p->next;
	path_unroute(n, p);
	node_info("path %" PRIu32 " (%s, %s): removed, %s", p->id,
		  ntm_route_name(p->route), p->peer[0] ? p->peer : "peer", why);
	node_dns_path_up(n, p->id);
	path_free(p);
	node_state_dirty(n);
}

void node_path_free_all(struct node *n)
{
	while (n->paths) {
		struct node_path *p = n->paths;

		n->paths = p->next;
		path_free(p);
	}
}

static void tunnel_request_to(struct node *n, struct node_path *p,
			      uint64_t txn, const struct ntm_addr *to)
{
	union ntm_body b;

	memset(&b, 0, sizeof(b));
	b.tunnel_request.path_id = p->id;
	b.tunnel_request.leg = p->leg;
	b.tunnel_request.vip = p->local_vip;
	b.tunnel_request.local = n->local;
	if (b.tunnel_request.local.family == NTM_AF_NONE) {
		b.tunnel_request.local.family = NTM_AF_INET;
		b.tunnel_request.local.port = n->cfg.tunnel_port;
	}
	node_ctl_send(n, NTM_MSG_TUNNEL_REQUEST, p->id, txn, p->keys.tunnel,
		      &b, to);
}

void node_path_tunnel_request(struct node *n, struct node_path *p)
{
	uint64_t now = node_now_ms();

	p->tr_txn = node_random64();
	p->tr_start = now;
	/* The first one now; retransmissions at the tick. */
	tunnel_request_to(n, p, p->tr_txn, &p->control);
	p->tr_tries = 1;
	p->tr_next = now + 1000;
}

static void start_candidate(struct node *n, struct node_path *p,
			    const struct ntm_addr *to)
{
	char a[NTM_ADDR_FMT_LEN];

	/* The same candidate again (the DC sends new ones when an end
	 * moved): probe it again at once unless it already carries Data. */
	if (ntm_addr_equal(&p->direct, to)) {
		if (p->active_direct)
			return;
		node_info("path %" PRIu32 ": direct candidate %s again", p->id,
			  node_fmt(to, a));
	} else {
		node_info("path %" PRIu32 ": direct candidate %s", p->id,
			  node_fmt(to, a));
	}
	p->direct = *to;
	p->cand_txn = node_random64();
	if (!p->active_direct) {
		tunnel_request_to(n, p, p->cand_txn, &p->direct);
		p->cand_tries = 1;
		p->cand_next = node_now_ms() + 1000;
	}
	node_state_dirty(n);
}

struct node_path *node_path_direction(struct node *n,
				      const struct ntm_route_direction *rd,
				      const char *peer)
{
	char t[NTM_ADDR_FMT_LEN], l[NTM_ADDR_FMT_LEN], v[NTM_ADDR_FMT_LEN];
	struct node_path *p = node_path_find(n, rd->path_id);

	if (p) {
		if (rd->route == NTM_ROUTE_DIRECT && p->route == NTM_ROUTE_RS_S)
			start_candidate(n, p, &rd->tunnel);
		else
			node_dbg("path %" PRIu32 ": Route Direction again: nothing to do",
				 p->id);
		if (peer && !p->peer[0])
			snprintf(p->peer, sizeof(p->peer), "%s", peer);
		return p;
	}
	if (rd->leg > NTM_LEG_B || rd->tunnel.family == NTM_AF_NONE ||
	    rd->control.family == NTM_AF_NONE) {
		node_warn("path %" PRIu32 ": Route Direction without endpoints: ignored",
			  rd->path_id);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		node_err("out of memory");
		return NULL;
	}
	p->id = rd->path_id;
	p->route = rd->route;
	p->leg = rd->leg;
	p->peer_node_id = rd->peer_node_id;
	p->refresh = rd->refresh;
	if (peer)
		snprintf(p->peer, sizeof(p->peer), "%s", peer);
	p->tunnel = rd->tunnel;
	p->control = rd->control;
	p->local_vip = rd->local_vip;
	p->peer_vip = rd->peer_vip;
	if (ntm_path_keys_derive(rd->path_key, &p->keys) != NTM_OK) {
		node_err("path %" PRIu32 ": cannot derive its keys", p->id);
		free(p);
		return NULL;
	}
	ntm_replay_init(&p->win);
	p->counter = counter_start();
	if (p->route == NTM_ROUTE_DIRECT)
		p->direct = rd->tunnel;
	p->next = n->paths;
	n->paths = p;
	node_info("path %" PRIu32 " (%s, leg %c%s%s): tunnel %s, local %s, peer %s",
		  p->id, ntm_route_name(p->route), p->leg ? 'B' : 'A',
		  p->peer[0] ? ", " : "", p->peer, node_fmt(&p->tunnel, t),
		  node_fmt(&p->local_vip, l), node_fmt(&p->peer_vip, v));
	node_path_route(n, p);
	node_path_tunnel_request(n, p);
	node_state_dirty(n);
	return p;
}

static void go_direct(struct node *n, struct node_path *p,
		      const struct ntm_addr *src, uint64_t now)
{
	char a[NTM_ADDR_FMT_LEN];

	p->direct_rx_ms = now;
	if (!ntm_addr_equal(&p->direct, src))
		p->direct = *src;
	if (p->active_direct)
		return;
	p->active_direct = true;
	p->direct_tx_ms = 0;
	if (p->route == NTM_ROUTE_RS_S)
		node_info("path %" PRIu32 ": direct to %s", p->id, node_fmt(src, a));
	node_state_dirty(n);
}

static void path_up(struct node *n, struct node_path *p,
		    const struct ntm_addr *observed)
{
	char a[NTM_ADDR_FMT_LEN], o[NTM_ADDR_FMT_LEN];

	p->tr_next = 0;
	if (p->up)
		return;
	p->up = true;
	node_info("path %" PRIu32 " (%s): up, Tunnel Response from %s, observed %s",
		  p->id, ntm_route_name(p->route), node_fmt(&p->control, a),
		  observed ? node_fmt(observed, o) : "-");
	node_dns_path_up(n, p->id);
	node_state_dirty(n);
}

void node_path_tunnel_rx(struct node *n, struct node_path *p, uint8_t type,
			 uint64_t txn, const union ntm_body *b,
			 const struct ntm_addr *src)
{
	uint64_t now = node_now_ms();
	char a[NTM_ADDR_FMT_LEN];

	if (type == NTM_MSG_TUNNEL_REQUEST) {
		union ntm_body r;

		/* Only the peer node sends us Tunnel Requests (direct). */
		if (b->tunnel_request.leg == p->leg) {
			node_dbg("path %" PRIu32 ": a Tunnel Request of our own leg from %s: dropped",
				 p->id, node_fmt(src, a));
			return;
		}
		memset(&r, 0, sizeof(r));
		r.tunnel_response.status = NTM_OK;
		r.tunnel_response.leg = b->tunnel_request.leg;
		r.tunnel_response.path_id = p->id;
		r.tunnel_response.observed = *src;
		node_ctl_send(n, NTM_MSG_TUNNEL_RESPONSE, p->id, txn,
			      p->keys.tunnel, &r, src);
		if (p->route == NTM_ROUTE_DIRECT) {
			p->tunnel = *src;
			go_direct(n, p, src, now);
			path_up(n, p, NULL);
		} else if (p->route == NTM_ROUTE_RS_S &&
			   p->direct.family != NTM_AF_NONE) {
			go_direct(n, p, src, now);
		}
		return;
	}
	/* Tunnel Response */
	if (b->tunnel_response.status != NTM_OK) {
		node_warn("path %" PRIu32 ": Tunnel Request refused by %s: %s",
			  p->id, node_fmt(src, a),
			  ntm_status_name(b->tunnel_response.status));
		return;
	}
	if (txn == p->tr_txn) {
		if (p->route == NTM_ROUTE_DIRECT)
			go_direct(n, p, src, now);
		path_up(n, p, &b->tunnel_response.observed);
		node_path_moved_check(n, now);
	} else if (txn == p->cand_txn && p->route == NTM_ROUTE_RS_S) {
		go_direct(n, p, src, now);
	}
}

static void send_pkt(struct node *n, struct node_path *p, const uint8_t *pkt,
		     size_t len, bool direct, uint64_t now)
{
	const struct ntm_addr *to = direct ? &p->direct : &p->tunnel;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (ntm_addr_to_sockaddr(to, &ss, &sl) != NTM_OK)
		return;
	if (sendto(n->udp, pkt, len, 0, (struct sockaddr *)&ss, sl) < 0) {
		node_dbg("path %" PRIu32 ": sendto: %s", p->id, strerror(errno));
		return;
	}
	p->tx_packets++;
	if (direct)
		p->direct_tx_ms = now;
	else
		p->relay_tx_ms = now;
}

static void keepalive(struct node *n, struct node_path *p, bool direct,
		      uint64_t now)
{
	uint8_t pkt[NTM_KEEPALIVE_LEN];
	ssize_t len;

	if (p->counter >= NTM_COUNTER_MAX)
		return;
	len = ntm_keepalive_build(&p->keys, p->leg, p->id, p->counter++, pkt,
				  sizeof(pkt));
	if (len > 0)
		send_pkt(n, p, pkt, (size_t)len, direct, now);
}

void node_path_tun_rx(struct node *n, uint8_t *buf, size_t len)
{
	uint8_t *inner = buf + NTM_DATA_HDR_LEN;
	struct node_path *p;
	ssize_t out;
	bool direct;

	if (len < 20 || (inner[0] >> 4) != 4)
		return;
	p = node_path_by_peer_vip(n, inner + 16);
	if (!p || p->counter >= NTM_COUNTER_MAX)
		return;
	out = ntm_data_seal(&p->keys, p->leg, p->id, p->counter++, inner, len,
			    buf, NTM_DATA_HDR_LEN + NTM_DATA_MAX_INNER +
			    NTM_AEAD_TAG_LEN);
	if (out < 0) {
		node_dbg("path %" PRIu32 ": seal: %s", p->id,
			 ntm_strstatus((int)out));
		return;
	}
	direct = p->active_direct && p->direct.family != NTM_AF_NONE;
	send_pkt(n, p, buf, (size_t)out, direct, node_now_ms());
}

void node_path_data_rx(struct node *n, uint8_t *pkt, size_t len,
		       const struct ntm_addr *src)
{
	struct ntm_data_hdr hdr;
	struct node_path *p;
	size_t plain_len = 0;
	char a[NTM_ADDR_FMT_LEN];
	int st;

	if (len < NTM_DATA_HDR_LEN || !ntm_is_dataplane(pkt, (ntm_u32)len))
		return;
	p = node_path_find(n, ntm_get_be32(pkt + 4));
	if (!p)
		return;
	st = ntm_data_open_leg(&p->keys, p->leg == NTM_LEG_A ? NTM_LEG_B : NTM_LEG_A,
			       &p->win, pkt, len, &hdr, pkt + NTM_DATA_HDR_LEN,
			       len - NTM_DATA_HDR_LEN, &plain_len);
	if (st != NTM_OK) {
		node_dbg("path %" PRIu32 ": dropped %zu bytes from %s: %s", p->id,
			 len, node_fmt(src, a), ntm_strstatus(st));
		return;
	}
	p->rx_packets++;
	if (p->direct.family != NTM_AF_NONE && ntm_addr_equal(src, &p->direct))
		p->direct_rx_ms = node_now_ms();
	if (p->route == NTM_ROUTE_DIRECT && !ntm_addr_equal(src, &p->tunnel)) {
		/* The peer moved: authenticated, so follow it. */
		p->tunnel = p->direct = *src;
		p->direct_rx_ms = node_now_ms();
		node_info("path %" PRIu32 ": peer now at %s", p->id,
			  node_fmt(src, a));
	}
	if (!plain_len || n->tun < 0)
		return;
	if (write(n->tun, pkt + NTM_DATA_HDR_LEN, plain_len) != (ssize_t)plain_len)
		node_dbg("path %" PRIu32 ": the TUN refused %zu bytes: %s", p->id,
			 plain_len, strerror(errno));
}

void node_path_moved(struct node *n)
{
	struct node_path *p;

	for (p = n->paths; p; p = p->next) {
		if (p->route == NTM_ROUTE_RS_S && p->active_direct) {
			/* Our mapping changed: the peer must hear from us again. */
			p->active_direct = false;
			node_info("path %" PRIu32 ": back to the relay (moved)", p->id);
			p->cand_tries = 0;
			p->cand_next = node_now_ms();
		}
		node_path_tunnel_request(n, p);
	}
	node_state_dirty(n);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* After a move: once the registration and every path's Tunnel Request are
 * answered, say how long it took. */
void node_path_moved_check(struct node *n, uint64_t now)
{
	char l[NTM_ADDR_FMT_LEN], o[NTM_ADDR_FMT_LEN], ids[256] = "";
	uint32_t id[32];
	struct node_path *p;
	size_t k = 0, m = 0, i;

	if (!n->move_start || n->reg_pending)
		return;
	for (p = n->paths; p; p = p->next)
		if (p->tr_next)
			return;
	for (p = n->paths; p && m < 32; p = p->next)
		id[m++] = p->id;
	qsort(id, m, sizeof(id[0]), cmp_u32);
	for (i = 0; i < m && k < sizeof(ids) - 12; i++)
		k += (size_t)snprintf(ids + k, sizeof(ids) - k, " %" PRIu32, id[i]);
	node_info("moved: local %s (was %s), paths%s re-established in %" PRIu64 " ms",
		  node_fmt(&n->local, l), node_fmt(&n->move_from, o),
		  k ? ids : " (none)", now - n->move_start);
	n->move_start = 0;
}

void node_path_tick(struct node *n, uint64_t now)
{
	char a[NTM_ADDR_FMT_LEN];
	struct node_path *p;

	for (p = n->paths; p; p = p->next) {
		if (p->tr_next && now >= p->tr_next) {
			if (p->tr_tries == NODE_REQ_TRIES) {
				node_warn("path %" PRIu32 ": no Tunnel Response from %s after %u tries; trying again in 30 s",
					  p->id, node_fmt(&p->control, a),
					  NODE_REQ_TRIES);
				p->tr_tries = 0;
				p->tr_txn = node_random64();
				p->tr_next = now + NODE_RETRY_MS;
			} else {
				tunnel_request_to(n, p, p->tr_txn, &p->control);
				p->tr_next = now + (1000u << (p->tr_tries < 3 ? p->tr_tries : 3));
				p->tr_tries++;
			}
		}
		if (p->route == NTM_ROUTE_RS_S && p->direct.family != NTM_AF_NONE) {
			if (!p->active_direct && now >= p->cand_next) {
				tunnel_request_to(n, p, p->cand_txn, &p->direct);
				p->cand_tries++;
				p->cand_next = now + (p->cand_tries < NODE_CAND_FAST_TRIES ?
						      1000 : NODE_CAND_SLOW_MS);
			}
			if (p->active_direct &&
			    now - p->direct_rx_ms > NODE_DIRECT_DEAD_MS) {
				p->active_direct = false;
				p->cand_tries = 0;
				p->cand_txn = node_random64();
				p->cand_next = now + 1000;
				node_info("path %" PRIu32 ": back to the relay", p->id);
				node_state_dirty(n);
			}
			if (p->active_direct &&
			    now - p->direct_tx_ms >= NODE_DIRECT_KA_MS)
				keepalive(n, p, true, now);
		}
		if (p->up && now - p->relay_tx_ms >= (uint64_t)n->cfg.keepalive * 1000 &&
		    !(p->route == NTM_ROUTE_DIRECT && p->active_direct &&
		      now - p->direct_tx_ms < (uint64_t)n->cfg.keepalive * 1000))
			keepalive(n, p, false, now);
	}
	node_path_moved_check(n, now);
}
