// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control port (protocol.md, "Control message header"): every datagram
 * is opened with libntm (key, tag, freshness, nonce replay), and only then
 * looked at.
 *
 *   Relay Direction  (DC-RS key)      -> path.c, Direction Response
 *   Path Teardown    (DC-RS key)      -> path.c, Direction Response
 *   Tunnel Request   (the path's tunnel key, key id = PathID)
 *                                     -> checked here, Tunnel Response
 *
 * Unauthenticated, stale and replayed input is dropped without an answer.
 * A status that describes bad input (MALFORMED, ...) is answered with an
 * Error, one that describes the outcome (CONFLICT, UNKNOWN_PATH, ...) in the
 * status field of the response. Responses and Errors sent to us are never
 * answered. A retransmission (same key id and transaction id) gets the
 * answer it got before, sealed anew, and changes nothing.
 *
 * Each request costs one AEAD open and, for a Tunnel Request, one lookup by
 * primary key in the store (before the AEAD: the key is the path's). So
 * every datagram first passes the rate limiter (lib/ntm_ratelimit.c, as
 * WireGuard's handshake ratelimiter): a token bucket per source address, one
 * for all sources, a bounded table of sources. What it refuses is dropped
 * unopened and unanswered, counted, and summed up in the log at most every
 * RSD_RL_LOG_MS. The DC's address may be exempt (control-rate-exempt).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "rsd.h"

static bool tunnel_keyed(uint8_t type)
{
	return type == NTM_MSG_TUNNEL_REQUEST || type == NTM_MSG_TUNNEL_RESPONSE;
}

int rsd_key_lookup(void *arg, uint8_t type, uint32_t key_id,
		   uint8_t key[NTM_CTL_KEY_BYTES])
{
	struct rsd *r = arg;
	const struct rsd_key *k;

	if (tunnel_keyed(type)) {
		if (!key_id || rsd_store_tunnel_key(r->store, key_id, key) < 0)
			return NTM_E_UNKNOWN_KEY;
		return NTM_OK;
	}
	k = rsd_config_key(r->cfg, key_id);
	if (!k)
		return NTM_E_UNKNOWN_KEY;
	memcpy(key, k->key, NTM_CTL_KEY_BYTES);
	return NTM_OK;
}

void rsd_control_endpoints(struct rsd *r)
{
	const struct rsd_config *c = r->cfg;
	struct ntm_addr ctl;

	r->tunnel_ep = c->tunnel_addr;
	r->tunnel_ep.port = c->tunnel_port;
	memset(&ctl, 0, sizeof(ctl));
	ntm_addr_from_sockaddr(&ctl, &c->control);
	/* Bound to any address: the nodes reach us where they send Data. */
	if (!memcmp(ctl.addr, (uint8_t[16]){ 0 }, sizeof(ctl.addr))) {
		uint16_t port = ctl.port;

		ctl = c->tunnel_addr;
		ctl.port = port;
	}
	r->control_ep = ctl;
}

static const char *leg_name(uint8_t leg)
{
	return leg == NTM_LEG_B ? "B" : "A";
}

static const char *reason_name(uint8_t reason)
{
	switch (reason) {
	case NTM_TEARDOWN_CLOSED:
		return "closed";
	case NTM_TEARDOWN_EXPIRED:
		return "expired";
	case NTM_TEARDOWN_MOVED:
		return "moved";
	default:
		return "error";
	}
}

/* Statuses 1..9 describe the input: they travel only in an Error. */
static bool input_status(int status)
{
	return status >= NTM_E_TRUNCATED && status <= NTM_E_UNKNOWN_KEY;
}

static void answer_error(struct rsd_answer *a, int status, uint8_t type,
			 uint32_t path_id)
{
	a->type = NTM_MSG_ERROR;
	a->u.err.status = (uint8_t)status;
	a->u.err.type = type;
	a->u.err.path_id = path_id;
}

static void answer_direction(struct rsd *r, struct rsd_answer *a, int status,
			     uint32_t path_id)
{
	a->type = NTM_MSG_DIRECTION_RESPONSE;
	a->u.dr.status = (uint8_t)status;
	a->u.dr.path_id = path_id;
	a->u.dr.tunnel = r->tunnel_ep;
	a->u.dr.control = r->control_ep;
}

static void relay_direction(struct rsd *r, const struct ntm_relay_direction *rd,
			    struct rsd_answer *a)
{
	const char *what;
	int status = rsd_path_direct(r, rd, &what);

	if (status == NTM_OK && !strcmp(what, "unchanged"))
		rsd_dbg("path %" PRIu32 " (%s): Relay Direction with the same content: nothing to change",
			rd->path_id, rsd_type_name(rd->rs_type));
	else if (status != NTM_OK)
		rsd_warn("path %" PRIu32 " (%s): Relay Direction refused: %s",
			 rd->path_id, rsd_type_name(rd->rs_type),
			 ntm_status_name(status));
	if (input_status(status))
		answer_error(a, status, NTM_MSG_RELAY_DIRECTION, rd->path_id);
	else
		answer_direction(r, a, status, rd->path_id);
}

static void path_teardown(struct rsd *r, const struct ntm_path_teardown *td,
			  struct rsd_answer *a)
{
	char why[64];
	int status;

	snprintf(why, sizeof(why), "Path Teardown from the DC: %s",
		 reason_name(td->reason));
	status = rsd_path_remove(r, td->path_id, why);
	/* Idempotent (protocol.md, Path Teardown): the path is gone either
	 * way, whoever removed it (an earlier teardown the daemon answered
	 * before a restart, an expiry, reconcile). */
	if (status == NTM_E_UNKNOWN_PATH) {
		rsd_info("path %" PRIu32 ": Path Teardown for a path the RS does not have: answered OK",
			 td->path_id);
		status = NTM_OK;
	}
	answer_direction(r, a, status, td->path_id);
}

static void tunnel_request(struct rsd *r, const struct ntm_tunnel_request *tr,
			   const struct sockaddr_storage *src,
			   struct rsd_answer *a)
{
	const struct ntm_addr *vip;
	char from[NTM_ADDR_FMT_LEN], v[NTM_ADDR_FMT_LEN], want[NTM_ADDR_FMT_LEN];
	char local[NTM_ADDR_FMT_LEN];
	struct ntm_addr observed;
	struct rsd_row row;
	const char *type;

	r->stats.tunnel_requests++;
	memset(&observed, 0, sizeof(observed));
	ntm_addr_from_sockaddr(&observed, src);
	ntm_addr_fmt(&observed, from, sizeof(from));
	/* The key lookup found it installed a moment ago. */
	if (rsd_store_get(r->store, tr->path_id, &row) < 0 ||
	    row.state != RSD_INSTALLED) {
		answer_error(a, NTM_E_UNKNOWN_PATH, NTM_MSG_TUNNEL_REQUEST,
			     tr->path_id);
		return;
	}
	type = rsd_type_name(row.rd.rs_type);
	if (tr->leg == NTM_LEG_B && row.rd.rs_type != NTM_RS_TYPE_S) {
		/* Leg B of RS-N and RS-T is the RS itself. */
		rsd_warn("path %" PRIu32 " (%s): Tunnel Request from %s for leg B: only leg A is a node on this path",
			 tr->path_id, type, from);
		answer_error(a, NTM_E_MALFORMED, NTM_MSG_TUNNEL_REQUEST,
			     tr->path_id);
		goto out;
	}
	vip = tr->leg == NTM_LEG_A ? &row.rd.leg_a_vip : &row.rd.leg_b_vip;
	a->type = NTM_MSG_TUNNEL_RESPONSE;
	a->u.tr.leg = tr->leg;
	a->u.tr.path_id = tr->path_id;
	a->u.tr.observed = observed;
	if (!ntm_addr_equal(&tr->vip, vip)) {
		rsd_warn("path %" PRIu32 " (%s): Tunnel Request from %s for leg %s with VIP %s, the path's is %s: refused",
			 tr->path_id, type, from, leg_name(tr->leg),
			 ntm_addr_fmt(&tr->vip, v, sizeof(v)),
			 ntm_addr_fmt(vip, want, sizeof(want)));
		a->u.tr.status = NTM_E_REFUSED;
		goto out;
	}
	a->u.tr.status = NTM_OK;
	rsd_info("path %" PRIu32 " (%s): Tunnel Request from leg %s, VIP %s, observed %s (local %s)",
		 tr->path_id, type, leg_name(tr->leg),
		 ntm_addr_fmt(&tr->vip, v, sizeof(v)), from,
		 ntm_addr_fmt(&tr->local, local, sizeof(local)));
out:
	ntm_wipe(&row, sizeof(row));
}

static size_t seal(struct rsd *r, const struct rsd_answer *a, uint64_t txn_id,
		   uint8_t *out, size_t cap)
{
	union ntm_body b;
	ssize_t n;

	memset(&b, 0, sizeof(b));
	switch (a->type) {
	case NTM_MSG_DIRECTION_RESPONSE:
		b.direction_response = a->u.dr;
		break;
	case NTM_MSG_TUNNEL_RESPONSE:
		b.tunnel_response = a->u.tr;
		break;
	default:
		b.error = a->u.err;
	}
	n = ntm_ctl_seal(r->env, a->type, a->key_id, txn_id, a->key, &b, out, cap);
	if (n < 0) {
		rsd_err("cannot seal a %s: %s", ntm_msg_type_name(a->type),
			ntm_strstatus((int)n));
		return 0;
	}
	if (a->type == NTM_MSG_ERROR)
		r->stats.errors++;
	return (size_t)n;
}

int rsd_control_ratelimit(struct rsd *r)
{
	const struct rsd_config *c = r->cfg;
	struct ntm_ratelimit *rl;
	const char *why;
	unsigned int i;

	if (ntm_ratelimit_config_check(&c->rl, &why) != NTM_OK) {
		rsd_err("control rate limit: %s", why);
		return -1;
	}
	rl = NULL;
	if (c->rl.rate || c->rl.total_rate) {
		rl = ntm_ratelimit_new(&c->rl, r->env);
		if (!rl) {
			rsd_err("control rate limit: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < c->nrl_exempt; i++) {
			const struct rsd_route *e = &c->rl_exempt[i];

			if (ntm_ratelimit_exempt(rl, e->family, e->addr, e->plen) < 0) {
				rsd_err("control rate limit: out of memory");
				ntm_ratelimit_free(rl);
				return -1;
			}
		}
	}
	ntm_ratelimit_free(r->rl);
	r->rl = rl;
	memset(&r->rl_logged, 0, sizeof(r->rl_logged));
	r->rl_log = (struct ntm_log_limit){ .interval_ms = RSD_RL_LOG_MS };
	if (!rl)
		rsd_warn("control: no rate limit (control-rate 0 0, control-rate-total 0 0): a flood costs an AEAD open per datagram");
	else
		rsd_info("control: rate limit %" PRIu32 "/s burst %" PRIu32 " per source, %" PRIu32 "/s burst %" PRIu32 " in total, %" PRIu32 " sources, %u exempt prefixes",
			 c->rl.rate, c->rl.burst, c->rl.total_rate,
			 c->rl.total_burst, c->rl.max_sources, c->nrl_exempt);
	return 0;
}

/* The limiter's clock: the test clock if there is one, else monotonic. */
static uint64_t rl_now_ns(const struct rsd *r)
{
	struct timespec ts;

	if (r->env && r->env->now_ms)
		return ntm_ctl_now_ms(r->env) * 1000000ULL;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* One line: what was dropped since the last one. */
static void rl_summary(struct rsd *r, uint64_t dropped)
{
	struct ntm_ratelimit_stats st, *o = &r->rl_logged;

	ntm_ratelimit_get_stats(r->rl, &st);
	rsd_warn("control: rate limit: %" PRIu64 " datagrams dropped unopened since the last line (%" PRIu64 " over a source's rate, %" PRIu64 " over the total rate, %" PRIu64 " with the source table full, %" PRIu32 " sources); the last from %s",
		 dropped, st.limited_source - o->limited_source,
		 st.limited_total - o->limited_total,
		 st.limited_full - o->limited_full, st.sources, r->rl_last_src);
	*o = st;
}

static void rl_dropped(struct rsd *r, enum ntm_rl_verdict v,
		       const struct sockaddr_storage *src)
{
	struct ntm_addr fa;
	uint64_t suppressed;

	r->stats.rx++;
	r->stats.rate_limited++;
	memset(&fa, 0, sizeof(fa));
	ntm_addr_from_sockaddr(&fa, src);
	ntm_addr_fmt(&fa, r->rl_last_src, sizeof(r->rl_last_src));
	if (!ntm_log_limit_ok(&r->rl_log, rl_now_ns(r) / 1000000, &suppressed))
		return;
	if (!r->rl_logged.limited_source && !r->rl_logged.limited_total &&
	    !r->rl_logged.limited_full) {
		/* The first: say who and why, and that the rest is summed up. */
		ntm_ratelimit_get_stats(r->rl, &r->rl_logged);
		rsd_warn("control: rate limit: datagram from %s dropped unopened (%s); further drops are summed up at most every %d s",
			 r->rl_last_src, ntm_rl_verdict_name(v), RSD_RL_LOG_MS / 1000);
		return;
	}
	/* The ones held back, and this one. */
	rl_summary(r, suppressed + 1);
}

void rsd_control_tick(struct rsd *r)
{
	uint64_t suppressed;

	if (!r->rl || !r->rl_log.suppressed)
		return;
	/* A flood that stopped: what it left unreported, once due. */
	if (r->rl_log.next_ms > rl_now_ns(r) / 1000000)
		return;
	suppressed = r->rl_log.suppressed;
	r->rl_log.suppressed = 0;
	r->rl_log.next_ms = rl_now_ns(r) / 1000000 + r->rl_log.interval_ms;
	rl_summary(r, suppressed);
}

size_t rsd_control_input(struct rsd *r, const uint8_t *in, size_t len,
			 const struct sockaddr_storage *src, uint8_t *out,
			 size_t cap)
{
	uint64_t now = ntm_ctl_now_ms(r->env);
	const struct rsd_answer *cached;
	struct rsd_answer a;
	struct ntm_ctl_hdr h;
	union ntm_body b;
	char from[NTM_ADDR_FMT_LEN];
	struct ntm_addr fa;
	size_t n = 0;
	int ns, ret;

	if (r->rl) {
		enum ntm_rl_verdict v = ntm_ratelimit_allow(r->rl, src, rl_now_ns(r));

		if (v != NTM_RL_PASS && v != NTM_RL_EXEMPT) {
			rl_dropped(r, v, src);
			return 0;
		}
	}
	r->stats.rx++;
	memset(&fa, 0, sizeof(fa));
	ntm_addr_from_sockaddr(&fa, src);
	ntm_addr_fmt(&fa, from, sizeof(from));
	ret = ntm_ctl_open(in, len, rsd_key_lookup, r, r->nonces, now, &h, &b);
	ns = tunnel_keyed(h.type) ? RSD_NS_TUNNEL : RSD_NS_TRUST;
	if (ret != NTM_OK && (!h.authenticated || ret == NTM_E_STALE ||
			      ret == NTM_E_REPLAY || ret == NTM_E_TABLE_FULL)) {
		r->stats.dropped++;
		if (ret == NTM_E_TABLE_FULL)
			rsd_warn("control: the nonce cache is full: %s from %s dropped",
				 ntm_msg_type_name(h.type), from);
		else
			rsd_dbg("control: %zu bytes from %s dropped: %s", len,
				from, ntm_status_name(ret));
		return 0;
	}
	/* Authenticated from here on. */
	memset(&a, 0, sizeof(a));
	a.key_id = h.key_id;
	if (rsd_key_lookup(r, h.type, h.key_id, a.key) != NTM_OK)
		goto out;
	if (ret != NTM_OK) {
		if (h.type == NTM_MSG_ERROR || h.type == NTM_MSG_DIRECTION_RESPONSE ||
		    h.type == NTM_MSG_TUNNEL_RESPONSE ||
		    h.type == NTM_MSG_REGISTRATION_RESPONSE)
			goto out;
		rsd_warn("control: %s from %s (key id %" PRIu32 "): %s",
			 ntm_msg_type_name(h.type), from, h.key_id,
			 ntm_status_name(ret));
		answer_error(&a, ret, h.type, 0);
		n = seal(r, &a, h.txn_id, out, cap);
		goto out;
	}
	cached = rsd_txn_find(r->txns, ns, h.key_id, h.txn_id, now);
	if (cached) {
		r->stats.retransmissions++;
		rsd_dbg("control: %s from %s is a retransmission (transaction %016" PRIx64 "): answered as before",
			ntm_msg_type_name(h.type), from, h.txn_id);
		n = seal(r, cached, h.txn_id, out, cap);
		goto out;
	}

	switch (h.type) {
	case NTM_MSG_RELAY_DIRECTION:
		rsd_dbg("control: Relay Direction for path %" PRIu32 " from %s (key id %" PRIu32 ")",
			b.relay_direction.path_id, from, h.key_id);
		relay_direction(r, &b.relay_direction, &a);
		break;
	case NTM_MSG_PATH_TEARDOWN:
		rsd_dbg("control: Path Teardown for path %" PRIu32 " from %s (key id %" PRIu32 ")",
			b.path_teardown.path_id, from, h.key_id);
		path_teardown(r, &b.path_teardown, &a);
		break;
	case NTM_MSG_TUNNEL_REQUEST:
		tunnel_request(r, &b.tunnel_request, src, &a);
		break;
	case NTM_MSG_REGISTRATION_REQUEST:
	case NTM_MSG_DIRECTION_REQUEST:
	case NTM_MSG_ROUTE_DIRECTION:
		rsd_warn("control: %s from %s: not a message for an RS",
			 ntm_msg_type_name(h.type), from);
		answer_error(&a, NTM_E_TYPE, h.type, 0);
		break;
	default:
		/* Responses and Errors are never answered. */
		rsd_dbg("control: %s from %s ignored", ntm_msg_type_name(h.type),
			from);
		goto out;
	}
	rsd_txn_add(r->txns, ns, h.key_id, h.txn_id, &a, now);
	n = seal(r, &a, h.txn_id, out, cap);
out:
	ntm_wipe(&a, sizeof(a));
	ntm_wipe(&b, sizeof(b));
	return n;
}

void rsd_control_read(struct rsd *r)
{
	uint8_t in[NTM_CTL_MAX_LEN + 1], out[NTM_CTL_MAX_LEN];
	int i;

	/* A bounded batch: the datapath's events get their turn. */
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		ssize_t len;
		size_t n;

		len = recvfrom(r->ctl_fd, in, sizeof(in), MSG_TRUNC,
			       (struct sockaddr *)&src, &slen);
		if (len < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				rsd_warn("control: recvfrom: %s", strerror(errno));
			return;
		}
		if ((size_t)len > sizeof(in)) {
			r->stats.rx++;
			r->stats.dropped++;
			continue;
		}
		n = rsd_control_input(r, in, (size_t)len, &src, out, sizeof(out));
		if (n && sendto(r->ctl_fd, out, n, 0, (struct sockaddr *)&src,
				slen) < 0)
			rsd_warn("control: sendto: %s", strerror(errno));
		ntm_wipe(in, (size_t)len);
	}
}
