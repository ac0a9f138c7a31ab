// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control port (protocol.md, "Control message header"). Every datagram
 * is opened with libntm (key, tag, freshness, nonce replay) before anything
 * else looks at it. Key ids are one namespace: a node's key id is its node
 * id; the RSs' and peer DCs' are configured (config.c refuses a clash).
 *
 *   Registration Request (node)  -> node.c, Registration Response
 *   Direction Request (node)     -> path.c, Route Direction now or after
 *                                   the RS answered the Relay Direction
 *   Path Teardown (node)         -> path.c, the Path Teardown echoed
 *   Direction Response, Error (RS) -> path.c (the Relay Direction or Path
 *                                   Teardown in flight)
 *
 * Unauthenticated, stale and replayed input is dropped without an answer; a
 * Registration Request that fails so is logged at info, since that is what
 * a node with a wrong key or id sees as silence. A retransmitted request
 * (same key id and transaction id) gets the answer it got before, sealed
 * anew; one whose answer is still being worked out (a Relay Direction in
 * flight) is ignored: the answer goes out when it is known.
 *
 * The outbox holds what the DC sends on its own and again until answered
 * or tried enough: Relay Directions, Path Teardowns to an RS, Route
 * Directions pushed to a node.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dc.h"

#define NS_TRUST	0

int dc_peer_index(const struct dc *d, uint32_t key_id)
{
	size_t i;

	for (i = 0; i < d->cfg->npeers; i++)
		if (d->cfg->peers[i].key_id == key_id)
			return (int)i;
	return -1;
}

int dc_key(const struct dc *d, uint32_t key_id, uint8_t key[NTM_CTL_KEY_BYTES])
{
	const struct dc_config *c = d->cfg;
	const struct dc_node_cfg *n;
	const struct dc_rs_cfg *r;
	size_t i;

	n = dc_config_node(c, key_id);
	if (n) {
		memcpy(key, n->key, NTM_CTL_KEY_BYTES);
		return NTM_OK;
	}
	r = dc_config_rs_by_key(c, key_id);
	if (r) {
		memcpy(key, r->key, NTM_CTL_KEY_BYTES);
		return NTM_OK;
	}
	for (i = 0; i < c->npeers; i++)
		if (c->peers[i].key_id == key_id) {
			memcpy(key, c->peers[i].key, NTM_CTL_KEY_BYTES);
			return NTM_OK;
		}
	return NTM_E_UNKNOWN_KEY;
}

static int key_lookup(void *arg, uint8_t type, uint32_t key_id,
		      uint8_t key[NTM_CTL_KEY_BYTES])
{
	if (type == NTM_MSG_TUNNEL_REQUEST || type == NTM_MSG_TUNNEL_RESPONSE)
		return NTM_E_UNKNOWN_KEY;	/* a DC has no path keys to open */
	return dc_key(arg, key_id, key);
}

uint64_t dc_txn_id(struct dc *d)
{
	uint64_t t = 0;

	if (ntm_ctl_random(d->env, (uint8_t *)&t, sizeof(t)) != NTM_OK)
		t = dc_now(d) ^ (uint64_t)(uintptr_t)&t;
	return t;
}

int dc_send_msg(struct dc *d, uint8_t type, const union ntm_body *body,
		uint32_t key_id, const uint8_t *key, uint64_t txn_id,
		const struct ntm_addr *to)
{
	uint8_t buf[NTM_CTL_MAX_LEN];
	char t[NTM_ADDR_FMT_LEN];
	ssize_t n;
	int ret;

	n = ntm_ctl_seal(d->env, type, key_id, txn_id, key, body, buf, sizeof(buf));
	if (n < 0) {
		dc_err("cannot seal a %s: %s", ntm_msg_type_name(type),
		       ntm_strstatus((int)n));
		return -1;
	}
	if (type == NTM_MSG_ERROR)
		d->stats.errors++;
	ret = d->send(d->send_arg, to, buf, (size_t)n);
	if (ret < 0) {
		dc_warn("control: sending a %s to %s: %s", ntm_msg_type_name(type),
			ntm_addr_fmt(to, t, sizeof(t)), strerror(-ret));
		return -1;
	}
	return 0;
}

struct dc_out *dc_out_add(struct dc *d, uint8_t type, const union ntm_body *body,
			  uint32_t key_id, const uint8_t *key, uint64_t txn_id,
			  const struct ntm_addr *to, unsigned int tries,
			  uint32_t interval_ms)
{
	return dc_out_add_at(d, type, body, key_id, key, txn_id, to, tries,
			     interval_ms, 0);
}

struct dc_out *dc_out_add_at(struct dc *d, uint8_t type,
			     const union ntm_body *body, uint32_t key_id,
			     const uint8_t *key, uint64_t txn_id,
			     const struct ntm_addr *to, unsigned int tries,
			     uint32_t interval_ms, uint32_t delay_ms)
{
	struct dc_out *o = calloc(1, sizeof(*o));

	if (!o) {
		dc_err("out of memory: a %s is not sent", ntm_msg_type_name(type));
		return NULL;
	}
	o->type = type;
	o->body = *body;
	o->key_id = key_id;
	memcpy(o->key, key, NTM_CTL_KEY_BYTES);
	o->txn_id = txn_id;
	o->to = *to;
	o->tries_left = tries ? tries : 1;
	o->interval_ms = interval_ms;
	o->next_ms = dc_now(d) + delay_ms;
	o->rs = -1;
	o->peer = -1;
	o->next = d->outbox;
	d->outbox = o;
	if (delay_ms)
		return o;	/* dc_out_run() sends it when due */
	dc_send_msg(d, o->type, &o->body, o->key_id, o->key, o->txn_id, &o->to);
	o->tries_left--;
	o->next_ms += interval_ms;
	return o;
}

uint64_t dc_out_run(struct dc *d)
{
	uint64_t now = dc_now(d), next = UINT64_MAX;
	struct dc_out *o, **pp;

	for (o = d->outbox; o; o = o->next) {
		if (o->done || o->next_ms > now)
			continue;
		if (!o->tries_left) {
			o->done = true;
			if (o->type == NTM_MSG_RELAY_DIRECTION)
				dc_relay_failed(d, o, NULL);
			else if (o->type == NTM_MSG_DIRECTION_REQUEST && o->peer >= 0)
				dc_forward_answer(d, o->peer, o->txn_id, 0, NULL);
			else if (o->type == NTM_MSG_PATH_TEARDOWN)
				dc_warn("path %" PRIu32 ": RS %s did not answer the Path Teardown",
					o->body.path_teardown.path_id,
					o->rs >= 0 ? d->cfg->rs[o->rs].name : "?");
			continue;
		}
		dc_dbg("%s for path %" PRIu32 " sent again (%u more)",
		       ntm_msg_type_name(o->type), o->path_id, o->tries_left - 1);
		dc_send_msg(d, o->type, &o->body, o->key_id, o->key, o->txn_id, &o->to);
		o->tries_left--;
		o->next_ms = now + o->interval_ms;
	}
	/* dc_relay_failed() may have added to the list's head: sweep after. */
	for (pp = &d->outbox; (o = *pp);) {
		if (o->done) {
			*pp = o->next;
			ntm_wipe(o, sizeof(*o));
			free(o);
			continue;
		}
		if (o->next_ms < next)
			next = o->next_ms;
		pp = &o->next;
	}
	return next;
}

/* ---- input --------------------------------------------------------------- */

static void answer(struct dc *d, const struct ntm_ctl_hdr *h,
		   const struct ntm_answer *a, const struct ntm_addr *to)
{
	union ntm_body b;

	memset(&b, 0, sizeof(b));
	switch (a->type) {
	case NTM_MSG_REGISTRATION_RESPONSE:
		b.registration_response = a->u.reg;
		break;
	case NTM_MSG_ROUTE_DIRECTION:
		b.route_direction = a->u.route;
		break;
	case NTM_MSG_PATH_TEARDOWN:
		b.path_teardown = a->u.td;
		break;
	default:
		b.error = a->u.err;
	}
	dc_send_msg(d, a->type, &b, a->key_id, a->key, h->txn_id, to);
	ntm_wipe(&b, sizeof(b));
}

static bool is_response(uint8_t type)
{
	return type == NTM_MSG_REGISTRATION_RESPONSE ||
	       type == NTM_MSG_ROUTE_DIRECTION ||
	       type == NTM_MSG_DIRECTION_RESPONSE ||
	       type == NTM_MSG_TUNNEL_RESPONSE || type == NTM_MSG_ERROR;
}

static bool pending_txn(const struct dc *d, uint32_t key_id, uint64_t txn_id)
{
	const struct dc_pending *p;
	const struct dc_forward *f;
	unsigned int i;

	for (p = d->pending; p; p = p->next)
		for (i = 0; i < p->nw; i++)
			if (p->w[i].key_id == key_id && p->w[i].txn == txn_id)
				return true;
	for (f = d->forwards; f; f = f->next)
		if (f->w.key_id == key_id && f->w.txn == txn_id)
			return true;
	return false;
}

static int rs_index(const struct dc *d, uint32_t key_id)
{
	size_t i;

	for (i = 0; i < d->cfg->nrs; i++)
		if (d->cfg->rs[i].key_id == key_id)
			return (int)i;
	return -1;
}

void dc_control_input(struct dc *d, const uint8_t *in, size_t len,
		      const struct ntm_addr *src)
{
	uint64_t now = dc_now(d);
	const struct ntm_answer *cached;
	struct ntm_answer a;
	struct ntm_ctl_hdr h;
	union ntm_body b;
	char from[NTM_ADDR_FMT_LEN];
	bool answered;
	int ret, rs, peer;

	d->stats.rx++;
	ntm_addr_fmt(src, from, sizeof(from));
	memset(&h, 0, sizeof(h));
	ret = ntm_ctl_open(in, len, key_lookup, d, d->nonces, now, &h, &b);
	if (ret != NTM_OK && (!h.authenticated || ret == NTM_E_STALE ||
			      ret == NTM_E_REPLAY || ret == NTM_E_TABLE_FULL)) {
		d->stats.dropped++;
		if (ret == NTM_E_TABLE_FULL)
			dc_warn("control: the nonce cache is full: %s from %s dropped",
				ntm_msg_type_name(h.type), from);
		else if (h.type == NTM_MSG_REGISTRATION_REQUEST &&
			 (ret == NTM_E_UNKNOWN_KEY || ret == NTM_E_AUTH))
			dc_info("dropped Registration Request from %s: %s %" PRIu32,
				from, ret == NTM_E_AUTH ? "bad tag, key id" :
				"unknown key id", h.key_id);
		else if (h.type == NTM_MSG_REGISTRATION_REQUEST)
			dc_info("dropped Registration Request from %s (key id %" PRIu32 "): %s",
				from, h.key_id, ntm_status_name(ret));
		else
			dc_dbg("control: %zu bytes from %s dropped: %s", len, from,
			       ntm_status_name(ret));
		return;
	}
	/* Authenticated from here on. */
	memset(&a, 0, sizeof(a));
	a.key_id = h.key_id;
	if (key_lookup(d, h.type, h.key_id, a.key) != NTM_OK)
		goto out;
	rs = rs_index(d, h.key_id);
	if (ret != NTM_OK) {
		if (is_response(h.type))
			goto out;
		dc_warn("control: %s from %s (key id %" PRIu32 "): %s",
			ntm_msg_type_name(h.type), from, h.key_id,
			ntm_status_name(ret));
		a.type = NTM_MSG_ERROR;
		a.u.err.status = (uint8_t)ret;
		a.u.err.type = h.type;
		answer(d, &h, &a, src);
		goto out;
	}
	if (rs >= 0) {
		if (h.type == NTM_MSG_DIRECTION_RESPONSE || h.type == NTM_MSG_ERROR)
			dc_direction_response(d, rs, h.txn_id, h.type, &b);
		else
			dc_warn("control: %s from RS %s (%s): not a message for a DC",
				ntm_msg_type_name(h.type), d->cfg->rs[rs].name, from);
		goto out;
	}
	peer = dc_peer_index(d, h.key_id);
	if (peer >= 0 && (h.type == NTM_MSG_ROUTE_DIRECTION || h.type == NTM_MSG_ERROR)) {
		dc_forward_answer(d, peer, h.txn_id, h.type, &b);
		goto out;
	}
	if (is_response(h.type)) {
		dc_dbg("control: %s from node %" PRIu32 " ignored",
		       ntm_msg_type_name(h.type), h.key_id);
		goto out;
	}
	cached = ntm_txn_find(d->txns, NS_TRUST, h.key_id, h.txn_id, now);
	if (cached) {
		d->stats.retransmissions++;
		dc_dbg("control: %s from %s is a retransmission (transaction %016" PRIx64 "): answered as before",
		       ntm_msg_type_name(h.type), from, h.txn_id);
		answer(d, &h, cached, src);
		goto out;
	}
	if (pending_txn(d, h.key_id, h.txn_id)) {
		dc_dbg("control: %s from %s is a retransmission: its Relay Direction is in flight",
		       ntm_msg_type_name(h.type), from);
		goto out;
	}

	switch (h.type) {
	case NTM_MSG_DIRECTION_REQUEST:
		a.type = NTM_MSG_ROUTE_DIRECTION;
		if (peer >= 0)
			dc_direction_foreign(d, peer, h.txn_id, src,
					     &b.direction_request, &a.u.route,
					     &answered);
		else
			dc_direction(d, h.key_id, h.txn_id, src,
				     &b.direction_request, &a.u.route, &answered);
		if (!answered)
			goto out;	/* path.c answers */
		break;
	case NTM_MSG_PATH_TEARDOWN:
		if (peer >= 0)
			ret = dc_teardown_foreign(d, peer, b.path_teardown.path_id,
						  b.path_teardown.reason);
		else
			ret = dc_teardown(d, h.key_id, b.path_teardown.path_id,
					  b.path_teardown.reason);
		if (ret == NTM_OK) {
			a.type = NTM_MSG_PATH_TEARDOWN;
			a.u.td = b.path_teardown;
		} else {
			a.type = NTM_MSG_ERROR;
			a.u.err.status = (uint8_t)ret;
			a.u.err.type = h.type;
			a.u.err.path_id = b.path_teardown.path_id;
		}
		break;
	case NTM_MSG_REGISTRATION_REQUEST:
		if (peer < 0) {
			a.type = NTM_MSG_REGISTRATION_RESPONSE;
			dc_registration(d, h.key_id, &b.registration_request,
					src, &a.u.reg);
			break;
		}
		__attribute__((fallthrough));	/* a peer DC does not register */
	default:
		dc_warn("control: %s from %s %" PRIu32 " (%s): not a message for a DC",
			ntm_msg_type_name(h.type), peer >= 0 ? "peer DC key" : "node",
			h.key_id, from);
		a.type = NTM_MSG_ERROR;
		a.u.err.status = NTM_E_TYPE;
		a.u.err.type = h.type;
		break;
	}
	ntm_txn_add(d->txns, NS_TRUST, h.key_id, h.txn_id, &a, now);
	answer(d, &h, &a, src);
out:
	ntm_wipe(&a, sizeof(a));
	ntm_wipe(&b, sizeof(b));
}

/* For path.c: an answer worked out later, remembered for retransmissions
 * and sent. */
void dc_answer_later(struct dc *d, uint32_t key_id, uint64_t txn_id,
		     const struct ntm_route_direction *rd,
		     const struct ntm_addr *to)
{
	struct ntm_answer a;
	struct ntm_ctl_hdr h;

	memset(&a, 0, sizeof(a));
	memset(&h, 0, sizeof(h));
	if (dc_key(d, key_id, a.key) != NTM_OK)
		return;
	a.type = NTM_MSG_ROUTE_DIRECTION;
	a.u.route = *rd;
	a.key_id = key_id;
	h.txn_id = txn_id;
	ntm_txn_add(d->txns, NS_TRUST, key_id, txn_id, &a, dc_now(d));
	answer(d, &h, &a, to);
	ntm_wipe(&a, sizeof(a));
}
