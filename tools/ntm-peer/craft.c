// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * send and recv modes: exactly the packets a hostile-input test asks for, and
 * a receiver that says what arrived, so that a test can assert byte-exact
 * counters on the RS.
 *
 * Every packet of send is sealed honestly first (ntm_data_seal() or
 * ntm_keepalive_build()); the requested damage is applied afterwards, in this
 * order: --bad-path-id, --forge-tag, --forge-aead, --xor, --truncate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int peer_send(const struct peer_opts *o)
{
	static uint8_t pkt[NTM_DATA_HDR_LEN + NTM_DATA_MAX_INNER + NTM_AEAD_TAG_LEN];
	struct ntm_path_keys keys;
	struct peer_stats st = { 0 };
	uint64_t i, first = o->counter_start, last = o->counter_start;
	int fd, ret = PEER_FAIL;
	char a[64];

	if (ntm_path_keys_derive(o->path_key, &keys) != NTM_OK) {
		peer_log(PEER_LOG_ERROR, "cannot derive the path's keys");
		return PEER_FAIL;
	}
	fd = peer_socket(o);
	if (fd < 0)
		goto out;

	for (i = 0; i < o->count; i++) {
		uint32_t paths = o->paths ? o->paths : 1;
		uint32_t id = o->path_id + (uint32_t)(i % paths);
		uint64_t c = o->replay ? o->counter_start :
					 o->counter_start + i / paths;
		uint8_t *inner = pkt + NTM_DATA_HDR_LEN;
		unsigned int x;
		ssize_t len, n;

		if (o->keepalive) {
			len = ntm_keepalive_build(&keys, o->leg, id, c,
						  pkt, sizeof(pkt));
		} else {
			if (o->vip.family) {
				peer_build_inner(&o->vip, &o->peer_vip, i, inner,
						 o->payload_size);
			} else {
				uint32_t j;

				for (j = 0; j < o->payload_size; j++)
					inner[j] = (uint8_t)(i + j);
			}
			len = ntm_data_seal(&keys, o->leg, id, c, inner,
					    o->payload_size, pkt, sizeof(pkt));
		}
		if (len < 0) {
			peer_log(PEER_LOG_ERROR, "packet %" PRIu64 ": %s", i + 1,
				 ntm_strstatus((int)len));
			goto out;
		}
		if (o->bad_path_id)
			ntm_put_be32(pkt + 4, id == UINT32_MAX ? 1 : id + 1);
		if (o->forge_tag)
			pkt[NTM_DATA_HDR_LEN - 1] ^= 0x01;
		if (o->forge_aead)
			pkt[len - 1] ^= 0x01;
		for (x = 0; x < o->nxor; x++)
			pkt[o->xors[x].off] ^= o->xors[x].mask;
		if (o->has_truncate)
			len = o->truncate;

		n = sendto(fd, pkt, (size_t)len, 0,
			   (const struct sockaddr *)&o->remote,
			   peer_sockaddr_len(&o->remote));
		if (n != len) {
			peer_log(PEER_LOG_ERROR, "packet %" PRIu64 " to %s: %s",
				 i + 1, peer_fmt_sockaddr(&o->remote, a, sizeof(a)),
				 n < 0 ? strerror(errno) : "short write");
			goto out;
		}
		st.tx_packets++;
		st.tx_bytes += (uint64_t)len;
		last = c;
		peer_log(PEER_LOG_DEBUG, "packet %" PRIu64 ": %s counter %" PRIu64
			 ", %zd bytes", i + 1, o->keepalive ? "keepalive" : "data",
			 c, len);
		if (o->interval_ms && i + 1 < o->count)
			sleep_ms(o->interval_ms);
	}
	printf("sent packets=%" PRIu64 " bytes=%" PRIu64 " first_counter=%"
	       PRIu64 " last_counter=%" PRIu64 "\n", st.tx_packets, st.tx_bytes,
	       first, last);
	ret = PEER_OK;
out:
	if (fd >= 0)
		close(fd);
	ntm_path_keys_wipe(&keys);
	ntm_wipe(pkt, sizeof(pkt));
	return ret;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "inner IPv4 10.0.0.1 -> 10.0.0.2 proto 17" when it looks like IP. */
static void describe_inner(const uint8_t *p, size_t len, char *out, size_t olen)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (len >= 20 && (p[0] >> 4) == 4) {
		inet_ntop(AF_INET, p + 12, s, sizeof(s));
		inet_ntop(AF_INET, p + 16, d, sizeof(d));
		snprintf(out, olen, ", inner IPv4 %s -> %s proto %u", s, d, p[9]);
	} else if (len >= 40 && (p[0] >> 4) == 6) {
		inet_ntop(AF_INET6, p + 8, s, sizeof(s));
		inet_ntop(AF_INET6, p + 24, d, sizeof(d));
		snprintf(out, olen, ", inner IPv6 %s -> %s next header %u", s, d,
			 p[6]);
	}
}

/*
 * Wait for one datagram until @deadline; print and classify it. Returns 1 if
 * one arrived, 0 on timeout, -1 on error.
 */
static int recv_one(const struct peer_opts *o, int fd,
		    const struct ntm_path_keys *k, struct ntm_replay *win,
		    uint8_t *buf, size_t cap, int64_t deadline, const char *what,
		    uint64_t index, struct peer_stats *st, bool *authentic)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_storage src;
	socklen_t slen = sizeof(src);
	struct ntm_data_hdr hdr;
	size_t plain_len;
	char a[64], inner[160];
	ssize_t n;
	int64_t left;
	int ret;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		ret = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (ret < 0 && errno != EINTR) {
			peer_log(PEER_LOG_ERROR, "poll: %s", strerror(errno));
			return -1;
		}
		if (ret > 0)
			break;
	}
	n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&src, &slen);
	if (n < 0) {
		peer_log(PEER_LOG_ERROR, "recvfrom: %s", strerror(errno));
		return -1;
	}
	peer_fmt_sockaddr(&src, a, sizeof(a));
	if ((size_t)n > cap) {
		st->drop_malformed++;
		*authentic = false;
		printf("%s %" PRIu64 ": %zd bytes from %s: dropped (too long)\n",
		       what, index, n, a);
		return 1;
	}
	ret = peer_open(o, k, win, buf, (size_t)n, &hdr, &plain_len, st);
	*authentic = ret == NTM_OK;
	if (ret != NTM_OK) {
		printf("%s %" PRIu64 ": %zd bytes from %s: dropped (%s)\n", what,
		       index, n, a, ntm_status_name(ret));
		return 1;
	}
	describe_inner(buf + NTM_DATA_HDR_LEN, plain_len, inner, sizeof(inner));
	printf("%s %" PRIu64 ": %zd bytes from %s: %s path %" PRIu32
	       " leg %c counter %" PRIu64 ", %zu bytes of plaintext%s: authentic\n",
	       what, index, n, a,
	       hdr.type == NTM_MSG_KEEPALIVE ? "keepalive" : "data", hdr.path_id,
	       ntm_data_hdr_leg(&hdr) == NTM_LEG_A ? 'A' : 'B', hdr.counter,
	       plain_len, inner);
	return 1;
}

int peer_recv(const struct peer_opts *o)
{
	static uint8_t buf[NTM_UDP_PAYLOAD_MAX];
	struct ntm_path_keys keys;
	struct ntm_replay win;
	struct peer_stats st = { 0 };
	uint64_t received = 0, authentic = 0, extra = 0;
	int64_t deadline;
	int fd, ret = PEER_FAIL, r;
	bool ok;
	char a[64];

	if (ntm_path_keys_derive(o->path_key, &keys) != NTM_OK) {
		peer_log(PEER_LOG_ERROR, "cannot derive the path's keys");
		return PEER_FAIL;
	}
	ntm_replay_init(&win);
	fd = peer_socket(o);
	if (fd < 0)
		goto out;
	if (o->remote.ss_family &&
	    connect(fd, (const struct sockaddr *)&o->remote,
		    peer_sockaddr_len(&o->remote)) < 0) {
		peer_log(PEER_LOG_ERROR, "connect %s: %s",
			 peer_fmt_sockaddr(&o->remote, a, sizeof(a)),
			 strerror(errno));
		goto out;
	}
	peer_log(PEER_LOG_INFO, "listening on %s for %" PRIu64 " datagrams",
		 peer_fmt_sockaddr(&o->local, a, sizeof(a)), o->count);

	deadline = now_ms() + o->timeout_ms;
	while (received < o->count) {
		r = recv_one(o, fd, &keys, &win, buf, sizeof(buf), deadline,
			     "packet", received + 1, &st, &ok);
		if (r < 0)
			goto out;
		if (r == 0) {
			printf("timeout after %" PRIu32 " ms: %" PRIu64 " of %"
			       PRIu64 " datagrams\n", o->timeout_ms, received,
			       o->count);
			break;
		}
		received++;
		authentic += ok;
	}
	if (received == o->count && o->linger_ms) {
		deadline = now_ms() + o->linger_ms;
		for (;;) {
			r = recv_one(o, fd, &keys, &win, buf, sizeof(buf),
				     deadline, "extra packet", extra + 1, &st, &ok);
			if (r < 0)
				goto out;
			if (r == 0)
				break;
			extra++;
		}
	}
	printf("received packets=%" PRIu64 " authentic=%" PRIu64
	       " keepalives=%" PRIu64 " bytes=%" PRIu64 " drop_auth=%" PRIu64
	       " drop_replay=%" PRIu64 " drop_malformed=%" PRIu64
	       " drop_path=%" PRIu64 " drop_leg=%" PRIu64 " extra=%" PRIu64 "\n",
	       received, authentic, st.rx_keepalives, st.rx_bytes, st.drop_auth,
	       st.drop_replay, st.drop_malformed, st.drop_path, st.drop_leg,
	       extra);
	if (received == o->count && authentic == o->count && !extra)
		ret = PEER_OK;
out:
	if (fd >= 0)
		close(fd);
	ntm_path_keys_wipe(&keys);
	return ret;
}
