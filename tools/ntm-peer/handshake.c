// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run --tunnel-request: the node's side of Tunnel Request / Tunnel Response
 * (docs/protocol.md) with the RS's control port, from the tunnel socket
 * itself, so that the observed endpoint the RS answers with is the one our
 * Data will come from. Sealed with the path's tunnel key, key id = PathID;
 * retransmitted as a requester does (same transaction id, new nonce) after
 * 1, 2 and 4 s. Only an authentic answer from the address we asked counts.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ntm/msg.h>

#include "peer.h"

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct tunnel_key {
	uint32_t path_id;
	const uint8_t *key;
};

static int lookup(void *arg, uint8_t type, uint32_t key_id,
		  uint8_t key[NTM_CTL_KEY_BYTES])
{
	const struct tunnel_key *tk = arg;

	if (key_id != tk->path_id || (type != NTM_MSG_TUNNEL_RESPONSE &&
				      type != NTM_MSG_ERROR))
		return NTM_E_UNKNOWN_KEY;
	memcpy(key, tk->key, NTM_CTL_KEY_BYTES);
	return NTM_OK;
}

/* Our address toward @to (the route's source) and the socket's port. */
static void local_endpoint(int udp, const struct sockaddr_storage *to,
			   struct ntm_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ntm_addr dst;
	uint16_t port = 0;

	memset(out, 0, sizeof(*out));
	if (getsockname(udp, (struct sockaddr *)&ss, &len) == 0 &&
	    ntm_addr_from_sockaddr(out, &ss) == NTM_OK)
		port = out->port;
	if (ntm_addr_from_sockaddr(&dst, to) == NTM_OK)
		ntm_addr_source_for(&dst, port, out);
	out->port = port;
}

/* An unbound socket gets its port now: the request carries it. */
static int bind_any(int udp, sa_family_t family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(udp, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == family &&
	    ((family == AF_INET && ((struct sockaddr_in *)&ss)->sin_port) ||
	     (family == AF_INET6 && ((struct sockaddr_in6 *)&ss)->sin6_port)))
		return 0;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = family;
	return bind(udp, (struct sockaddr *)&ss, family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
}

static bool same_endpoint(const struct sockaddr_storage *a,
			  const struct sockaddr_storage *b)
{
	struct ntm_addr x, y;

	return ntm_addr_from_sockaddr(&x, a) == NTM_OK &&
	       ntm_addr_from_sockaddr(&y, b) == NTM_OK && ntm_addr_equal(&x, &y);
}

int peer_tunnel_request(const struct peer_opts *o,
			const struct ntm_path_keys *k, int udp)
{
	const struct sockaddr_storage *rs = &o->tunnel_request;
	struct tunnel_key tk = { .path_id = o->path_id, .key = k->tunnel };
	uint8_t msg[NTM_CTL_MAX_LEN], in[NTM_CTL_MAX_LEN + 1];
	struct ntm_nonce_cache *nonces;
	union ntm_body body;
	uint64_t txn, start, next_send;
	unsigned int tries = 0;
	char a[64], b[NTM_ADDR_FMT_LEN], c[NTM_ADDR_FMT_LEN];
	int ret = PEER_FAIL;

	peer_fmt_sockaddr(rs, a, sizeof(a));
	if (bind_any(udp, rs->ss_family) < 0) {
		peer_log(PEER_LOG_ERROR, "tunnel request: bind: %s", strerror(errno));
		return PEER_FAIL;
	}
	memset(&body, 0, sizeof(body));
	body.tunnel_request.path_id = o->path_id;
	body.tunnel_request.leg = (uint8_t)o->leg;
	body.tunnel_request.vip.family = o->vip.family == AF_INET6 ? NTM_AF_INET6 :
					 NTM_AF_INET;
	memcpy(body.tunnel_request.vip.addr, o->vip.addr,
	       o->vip.family == AF_INET6 ? 16 : 4);
	local_endpoint(udp, rs, &body.tunnel_request.local);
	nonces = ntm_nonce_cache_new(16, NULL);
	if (!nonces || ntm_ctl_random(NULL, (uint8_t *)&txn, sizeof(txn)) != NTM_OK) {
		peer_log(PEER_LOG_ERROR, "tunnel request: out of memory or randomness");
		ntm_nonce_cache_free(nonces);
		return PEER_FAIL;
	}

	start = next_send = mono_ms();
	for (;;) {
		uint64_t now = mono_ms(), until;
		struct pollfd pfd = { .fd = udp, .events = POLLIN };
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		struct ntm_ctl_hdr h;
		union ntm_body ans;
		ssize_t n;
		int st;

		if (now >= start + PEER_TUNNEL_REQUEST_TIMEOUT_MS) {
			peer_log(PEER_LOG_ERROR, "tunnel request: no Tunnel Response from %s after %u tries in %d s",
				 a, tries, PEER_TUNNEL_REQUEST_TIMEOUT_MS / 1000);
			break;
		}
		if (now >= next_send) {
			n = ntm_ctl_seal(NULL, NTM_MSG_TUNNEL_REQUEST, o->path_id,
					 txn, k->tunnel, &body, msg, sizeof(msg));
			if (n < 0) {
				peer_log(PEER_LOG_ERROR, "tunnel request: cannot seal: %s",
					 ntm_strstatus((int)n));
				break;
			}
			if (sendto(udp, msg, (size_t)n, 0, (const struct sockaddr *)rs,
				   peer_sockaddr_len(rs)) < 0)
				peer_log(PEER_LOG_WARN, "tunnel request: sendto %s: %s",
					 a, strerror(errno));
			peer_log(tries ? PEER_LOG_INFO : PEER_LOG_DEBUG,
				 "tunnel request: %s to %s (path %" PRIu32 ", leg %c, VIP %s, local %s)",
				 tries ? "retransmitted" : "sent", a, o->path_id,
				 o->leg == NTM_LEG_A ? 'A' : 'B',
				 ntm_addr_fmt(&body.tunnel_request.vip, b, sizeof(b)),
				 ntm_addr_fmt(&body.tunnel_request.local, c, sizeof(c)));
			next_send = now + (1000u << (tries < 3 ? tries : 3));
			tries++;
		}
		until = next_send < start + PEER_TUNNEL_REQUEST_TIMEOUT_MS ?
			next_send : start + PEER_TUNNEL_REQUEST_TIMEOUT_MS;
		if (poll(&pfd, 1, (int)(until - now)) <= 0)
			continue;
		n = recvfrom(udp, in, sizeof(in), MSG_TRUNC, (struct sockaddr *)&src,
			     &slen);
		/* Data from the other leg before we are done: not ours yet. */
		if (n < 0 || (size_t)n > sizeof(in) || !same_endpoint(&src, rs))
			continue;
		st = ntm_ctl_open(in, (size_t)n, lookup, &tk, nonces,
				  ntm_ctl_now_ms(NULL), &h, &ans);
		if (st != NTM_OK || h.txn_id != txn) {
			peer_log(PEER_LOG_DEBUG, "tunnel request: dropped %zd bytes from %s: %s",
				 n, a, st != NTM_OK ? ntm_strstatus(st) : "another transaction");
			continue;
		}
		if (h.type == NTM_MSG_ERROR) {
			peer_log(PEER_LOG_ERROR, "tunnel request refused by %s: Error %s",
				 a, ntm_status_name(ans.error.status));
			break;
		}
		if (ans.tunnel_response.status != NTM_OK) {
			peer_log(PEER_LOG_ERROR, "tunnel request refused by %s: %s",
				 a, ntm_status_name(ans.tunnel_response.status));
			break;
		}
		peer_log(PEER_LOG_INFO, "tunnel request: accepted by %s, path %" PRIu32 " leg %c, observed %s",
			 a, o->path_id, o->leg == NTM_LEG_A ? 'A' : 'B',
			 ntm_addr_fmt(&ans.tunnel_response.observed, b, sizeof(b)));
		ret = PEER_OK;
		break;
	}
	ntm_nonce_cache_free(nonces);
	ntm_wipe(&body, sizeof(body));
	return ret;
}
