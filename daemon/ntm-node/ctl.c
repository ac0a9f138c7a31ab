// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control side of the one UDP socket: sealing and sending, opening what
 * arrives and handing it on, and the registration with the DC (at start,
 * every lifetime/2, after a move; retransmitted after 1, 2, 4, 8 s).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "ntm_tun.h"
#include "node.h"

uint64_t node_random64(void)
{
	uint64_t v = 0;

	if (ntm_ctl_random(NULL, (uint8_t *)&v, sizeof(v)) != NTM_OK)
		v = node_now_ms() * 6364136223846793005ULL + 1442695040888963407ULL;
	return v;
}

int node_ctl_send(struct node *n, uint8_t type, uint32_t key_id,
		  uint64_t txn, const uint8_t *key, const union ntm_body *b,
		  const struct ntm_addr *to)
{
	uint8_t msg[NTM_CTL_MAX_LEN];
	struct sockaddr_storage ss;
	socklen_t sl;
	char a[NTM_ADDR_FMT_LEN];
	ssize_t len;

	len = ntm_ctl_seal(NULL, type, key_id, txn, key, b, msg, sizeof(msg));
	if (len < 0) {
		node_err("cannot seal a %s: %s", ntm_msg_type_name(type),
			 ntm_strstatus((int)len));
		return -1;
	}
	if (ntm_addr_to_sockaddr(to, &ss, &sl) != NTM_OK)
		return -1;
	if (sendto(n->udp, msg, (size_t)len, 0, (struct sockaddr *)&ss, sl) < 0) {
		node_dbg("sending a %s to %s: %s", ntm_msg_type_name(type),
			 node_fmt(to, a), strerror(errno));
		return -1;
	}
	node_dbg("sent %s to %s (key id %" PRIu32 ", txn %016" PRIx64 ")",
		 ntm_msg_type_name(type), node_fmt(to, a), key_id, txn);
	return 0;
}

/* ---- registration -------------------------------------------------------- */

void node_reg_start(struct node *n)
{
	struct ntm_addr local;

	if (node_local_addr(n, &local) == 0)
		n->local = local;
	n->reg_txn = node_random64();
	n->reg_tries = 0;
	n->reg_next = node_now_ms();
	n->reg_pending = true;
	node_reg_tick(n, n->reg_next);	/* the first one now */
}

static void reg_send(struct node *n)
{
	union ntm_body b;

	memset(&b, 0, sizeof(b));
	b.registration_request.node_id = n->cfg.node_id;
	b.registration_request.local = n->local;
	if (b.registration_request.local.family == NTM_AF_NONE) {
		/* No route to the DC yet: say so in the address we give. */
		b.registration_request.local.family = NTM_AF_INET;
		b.registration_request.local.port = n->cfg.tunnel_port;
	}
	b.registration_request.vip_hint = n->vip;
	b.registration_request.lifetime = n->cfg.lifetime;
	snprintf(b.registration_request.name, sizeof(b.registration_request.name),
		 "%s", n->cfg.name);
	node_ctl_send(n, NTM_MSG_REGISTRATION_REQUEST, n->cfg.node_id,
		      n->reg_txn, n->cfg.key, &b, &n->cfg.dc);
}

void node_reg_tick(struct node *n, uint64_t now)
{
	char a[NTM_ADDR_FMT_LEN];

	if (!n->reg_pending) {
		if (n->registered && now >= n->reg_due) {
			node_dbg("re-registering (lifetime %" PRIu32 " s)", n->granted);
			node_reg_start(n);
		}
		return;
	}
	if (now < n->reg_next)
		return;
	if (n->reg_tries == NODE_REG_TRIES) {
		node_err("no Registration Response from DC %s after %u tries: is node-id %" PRIu32 " and its key configured on the DC?",
			 node_fmt(&n->cfg.dc, a), NODE_REG_TRIES, n->cfg.node_id);
		if (n->once) {
			n->exit_code = 1;
			return;
		}
		n->reg_tries = 0;
		n->reg_txn = node_random64();
		n->reg_next = now + NODE_RETRY_MS;
		return;
	}
	if (n->reg_tries == 0) {
		struct ntm_addr local;

		if (node_local_addr(n, &local) == 0)
			n->local = local;
	}
	reg_send(n);
	n->reg_next = now + (1000u << (n->reg_tries < 3 ? n->reg_tries : 3));
	n->reg_tries++;
}

static void vip_to_tun(struct node *n)
{
	int err;

	if (n->tun < 0 || n->vip_on_tun)
		return;
	err = ntm_rtnl_addr_add(n->rtnl, n->tun_ifindex, AF_INET, n->vip.addr);
	if (err < 0) {
		node_err("adding the VIP to %s: %s", n->tun_name, strerror(-err));
		return;
	}
	n->vip_on_tun = true;
}

static void reg_response(struct node *n, const struct ntm_ctl_hdr *h,
			 const struct ntm_registration_response *r)
{
	char v[NTM_ADDR_FMT_LEN], o[NTM_ADDR_FMT_LEN], l[NTM_ADDR_FMT_LEN];
	uint64_t now = node_now_ms();

	if (!n->reg_pending || h->txn_id != n->reg_txn) {
		node_dbg("Registration Response of another transaction: ignored");
		return;
	}
	n->reg_pending = false;
	if (r->status != NTM_OK) {
		node_err("registration refused by the DC: %s (%s)%s",
			 ntm_status_name(r->status), ntm_strstatus(r->status),
			 n->once ? "" : "; trying again in 30 s");
		if (n->once) {
			n->exit_code = 1;
			return;
		}
		n->reg_pending = true;
		n->reg_tries = 0;
		n->reg_txn = node_random64();
		n->reg_next = now + NODE_RETRY_MS;
		return;
	}
	if (n->vip.family != NTM_AF_NONE && !ntm_addr_equal(&n->vip, &r->vip)) {
		node_warn("the DC gave another VIP: %s (was %s)",
			  node_fmt(&r->vip, v), node_fmt(&n->vip, o));
		n->vip_on_tun = false;
	}
	if (!n->registered || !ntm_addr_equal(&n->vip, &r->vip) ||
	    !ntm_addr_equal(&n->observed, &r->observed))
		node_info("registered: VIP %s, local %s, observed %s, lifetime %" PRIu32 " s",
			  node_fmt(&r->vip, v), node_fmt(&n->local, l),
			  node_fmt(&r->observed, o), r->lifetime);
	else
		node_dbg("registration refreshed, lifetime %" PRIu32 " s", r->lifetime);
	if (n->registered && !n->move_start &&
	    !ntm_addr_equal(&n->observed, &r->observed) && n->paths) {
		/* Moved behind another NAT with the same local address. */
		node_info("observed endpoint changed: %s (was %s): Tunnel Request on every path",
			  node_fmt(&r->observed, o), node_fmt(&n->observed, v));
		n->move_from = n->local;
		n->move_start = now;
		n->observed = r->observed;
		node_path_moved(n);
	}
	n->registered = true;
	n->vip = r->vip;
	n->observed = r->observed;
	n->granted = r->lifetime ? r->lifetime : n->cfg.lifetime;
	n->reg_due = now + (uint64_t)n->granted * 500;
	vip_to_tun(n);
	node_state_dirty(n);
	node_path_moved_check(n, now);
	if (n->once) {
		printf("vip %s observed %s lifetime %" PRIu32 "\n",
		       node_fmt(&r->vip, v), node_fmt(&r->observed, o), r->lifetime);
		fflush(stdout);
		n->exit_code = 0;
	}
}

/* ---- receiving ----------------------------------------------------------- */

static int key_lookup(void *arg, uint8_t type, uint32_t key_id,
		      uint8_t key[NTM_CTL_KEY_BYTES])
{
	struct node *n = arg;
	struct node_path *p;

	if (type != NTM_MSG_TUNNEL_REQUEST && type != NTM_MSG_TUNNEL_RESPONSE &&
	    key_id == n->cfg.node_id) {
		memcpy(key, n->cfg.key, NTM_CTL_KEY_BYTES);
		return NTM_OK;
	}
	if (type == NTM_MSG_TUNNEL_REQUEST || type == NTM_MSG_TUNNEL_RESPONSE ||
	    type == NTM_MSG_ERROR) {
		p = node_path_find(n, key_id);
		if (p) {
			memcpy(key, p->keys.tunnel, NTM_CTL_KEY_BYTES);
			return NTM_OK;
		}
	}
	return NTM_E_UNKNOWN_KEY;
}

static void route_direction(struct node *n, const struct ntm_ctl_hdr *h,
			    const struct ntm_route_direction *rd)
{
	if (node_dns_route_direction(n, h->txn_id, rd))
		return;
	if (rd->status != NTM_OK) {
		node_info("Route Direction for no request of ours: %s",
			  ntm_status_name(rd->status));
		return;
	}
	node_path_direction(n, rd, NULL);
}

void node_ctl_rx(struct node *n, uint8_t *buf, size_t len,
		 const struct ntm_addr *src)
{
	struct ntm_ctl_hdr h;
	union ntm_body b;
	char a[NTM_ADDR_FMT_LEN];
	struct node_path *p;
	int st;

	st = ntm_ctl_open(buf, len, key_lookup, n, n->nonces,
			  ntm_ctl_now_ms(NULL), &h, &b);
	if (st != NTM_OK) {
		node_dbg("dropped %zu bytes from %s: %s", len, node_fmt(src, a),
			 ntm_strstatus(st));
		return;
	}
	node_dbg("%s from %s (key id %" PRIu32 ", txn %016" PRIx64 ")",
		 ntm_msg_type_name(h.type), node_fmt(src, a), h.key_id, h.txn_id);
	switch (h.type) {
	case NTM_MSG_REGISTRATION_RESPONSE:
		reg_response(n, &h, &b.registration_response);
		break;
	case NTM_MSG_ROUTE_DIRECTION:
		route_direction(n, &h, &b.route_direction);
		break;
	case NTM_MSG_TUNNEL_REQUEST:
	case NTM_MSG_TUNNEL_RESPONSE:
		p = node_path_find(n, h.key_id);
		if (!p)
			break;
		if ((h.type == NTM_MSG_TUNNEL_REQUEST ?
		     b.tunnel_request.path_id : b.tunnel_response.path_id) != h.key_id) {
			node_info("%s from %s: PathID %" PRIu32 " in a message sealed for %" PRIu32 ": dropped",
				  ntm_msg_type_name(h.type), node_fmt(src, a),
				  h.type == NTM_MSG_TUNNEL_REQUEST ?
				  b.tunnel_request.path_id : b.tunnel_response.path_id,
				  h.key_id);
			break;
		}
		node_path_tunnel_rx(n, p, h.type, h.txn_id, &b, src);
		break;
	case NTM_MSG_PATH_TEARDOWN:
		if (h.key_id != n->cfg.node_id)
			break;
		node_path_remove(n, b.path_teardown.path_id, "torn down by the DC");
		break;
	case NTM_MSG_ERROR:
		node_warn("Error %s from %s about a %s (path %" PRIu32 ")",
			  ntm_status_name(b.error.status), node_fmt(src, a),
			  ntm_msg_type_name(b.error.type), b.error.path_id);
		if (b.error.type == NTM_MSG_REGISTRATION_REQUEST && n->once)
			n->exit_code = 1;
		if (b.error.type == NTM_MSG_DIRECTION_REQUEST)
			node_dns_error(n, h.txn_id, b.error.status);
		break;
	default:
		node_dbg("unexpected %s from %s", ntm_msg_type_name(h.type),
			 node_fmt(src, a));
	}
}
