// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run mode: one poll loop over the UDP socket, the TUN device, a signalfd
 * (SIGUSR1: print the counters; SIGINT, SIGTERM: stop) and a timerfd for
 * keepalives.
 *
 *   TUN  --read-->  ntm_data_seal(our leg, counter++)  --UDP-->  remote
 *   UDP  --recv-->  peer_open(other leg, replay window)  --write-->  TUN
 *
 * Without --remote, the remote is the source of the last authenticated
 * packet (a node behind a NAT): nothing is learned from any other packet.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "peer.h"

struct peer {
	const struct peer_opts *o;
	struct ntm_path_keys keys;
	struct ntm_replay win;
	struct sockaddr_storage remote;	/* AF_UNSPEC until known */
	uint64_t counter;
	bool counter_spent;		/* past NTM_COUNTER_MAX: stop sending */
	int udp, tun;
	struct peer_stats st;
	uint8_t buf[NTM_DATA_HDR_LEN + NTM_DATA_MAX_INNER + NTM_AEAD_TAG_LEN];
};

static bool next_counter(struct peer *p, uint64_t *c)
{
	if (p->counter_spent)
		return false;
	*c = p->counter;
	if (p->counter == NTM_COUNTER_MAX) {
		p->counter_spent = true;
		peer_log(PEER_LOG_ERROR, "counter exhausted: this path needs a new key");
	} else {
		p->counter++;
	}
	return true;
}

static void send_pkt(struct peer *p, const uint8_t *pkt, size_t len, bool ka)
{
	ssize_t n = sendto(p->udp, pkt, len, 0,
			   (const struct sockaddr *)&p->remote,
			   peer_sockaddr_len(&p->remote));

	if (n != (ssize_t)len) {
		p->st.drop_send++;
		peer_log(PEER_LOG_DEBUG, "sendto: %s",
			 n < 0 ? strerror(errno) : "short write");
		return;
	}
	p->st.tx_packets++;
	p->st.tx_bytes += len;
	if (ka)
		p->st.tx_keepalives++;
}

static void send_keepalive(struct peer *p)
{
	uint8_t pkt[NTM_KEEPALIVE_LEN];
	uint64_t c;
	ssize_t len;

	if (!p->remote.ss_family || !next_counter(p, &c))
		return;
	len = ntm_keepalive_build(&p->keys, p->o->leg, p->o->path_id, c, pkt,
				  sizeof(pkt));
	if (len < 0) {
		peer_log(PEER_LOG_ERROR, "keepalive: %s", ntm_strstatus((int)len));
		return;
	}
	send_pkt(p, pkt, (size_t)len, true);
}

static void from_tun(struct peer *p)
{
	uint8_t *inner = p->buf + NTM_DATA_HDR_LEN;
	ssize_t n, len;
	uint64_t c;

	n = read(p->tun, inner, NTM_DATA_MAX_INNER);
	if (n <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			peer_log(PEER_LOG_WARN, "reading the TUN: %s", strerror(errno));
		return;
	}
	if (!p->remote.ss_family) {
		p->st.drop_noendpoint++;
		peer_log(PEER_LOG_DEBUG, "no remote yet: dropped %zd bytes", n);
		return;
	}
	if (!next_counter(p, &c))
		return;
	len = ntm_data_seal(&p->keys, p->o->leg, p->o->path_id, c, inner,
			    (size_t)n, p->buf, sizeof(p->buf));
	if (len < 0) {
		peer_log(PEER_LOG_ERROR, "seal: %s", ntm_strstatus((int)len));
		return;
	}
	send_pkt(p, p->buf, (size_t)len, false);
}

static void from_udp(struct peer *p)
{
	struct sockaddr_storage src;
	socklen_t slen = sizeof(src);
	struct ntm_data_hdr hdr;
	size_t plain_len;
	char a[64];
	ssize_t n;
	int ret;

	n = recvfrom(p->udp, p->buf, sizeof(p->buf), MSG_TRUNC,
		     (struct sockaddr *)&src, &slen);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			peer_log(PEER_LOG_WARN, "recvfrom: %s", strerror(errno));
		return;
	}
	if ((size_t)n > sizeof(p->buf)) {
		p->st.drop_malformed++;
		return;
	}
	ret = peer_open(p->o, &p->keys, &p->win, p->buf, (size_t)n, &hdr,
			&plain_len, &p->st);
	if (ret != NTM_OK) {
		peer_log(PEER_LOG_DEBUG, "dropped %zd bytes from %s: %s", n,
			 peer_fmt_sockaddr(&src, a, sizeof(a)),
			 ntm_strstatus(ret));
		return;
	}
	/* Authentic: the only packets that may move the remote. */
	if (!p->o->remote.ss_family &&
	    (src.ss_family != p->remote.ss_family ||
	     memcmp(&src, &p->remote, peer_sockaddr_len(&src)))) {
		p->remote = src;
		peer_log(PEER_LOG_INFO, "remote is now %s",
			 peer_fmt_sockaddr(&src, a, sizeof(a)));
	}
	if (!plain_len || p->tun < 0)
		return;
	if (write(p->tun, p->buf + NTM_DATA_HDR_LEN, plain_len) !=
	    (ssize_t)plain_len) {
		p->st.drop_tun++;
		peer_log(PEER_LOG_DEBUG, "TUN refused %zu bytes: %s", plain_len,
			 strerror(errno));
	}
}

/* SIGUSR1 prints; 1 when asked to stop. */
static int on_signal(struct peer *p, int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGUSR1) {
		peer_stats_print(&p->st);
		return 0;
	}
	peer_log(PEER_LOG_INFO, "signal %u: stopping", si.ssi_signo);
	return 1;
}

int peer_run(const struct peer_opts *o)
{
	struct pollfd pfd[4];
	struct peer *p;
	sigset_t mask;
	int sfd = -1, tfd = -1, ret = PEER_FAIL, n;
	char a[64];

	p = calloc(1, sizeof(*p));
	if (!p) {
		peer_log(PEER_LOG_ERROR, "out of memory");
		return PEER_FAIL;
	}
	p->o = o;
	p->udp = p->tun = -1;
	p->remote = o->remote;
	p->counter = o->counter_start;
	ntm_replay_init(&p->win);
	if (ntm_path_keys_derive(o->path_key, &p->keys) != NTM_OK) {
		peer_log(PEER_LOG_ERROR, "cannot derive the path's keys");
		goto out;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		peer_log(PEER_LOG_ERROR, "signalfd: %s", strerror(errno));
		goto out;
	}
	/* The socket first: once the TUN is up, a test may start sending. */
	p->udp = peer_socket(o);
	if (p->udp < 0)
		goto out;
	/* Before the TUN: a TUN that is up means the RS accepted us. */
	if (o->tunnel_request.ss_family &&
	    peer_tunnel_request(o, &p->keys, p->udp) != PEER_OK)
		goto out;
	if (o->tun[0]) {
		p->tun = peer_tun_open(o);
		if (p->tun < 0)
			goto out;
	}
	if (o->keepalive_sec) {
		struct itimerspec its = {
			.it_interval = { .tv_sec = o->keepalive_sec },
			.it_value = { .tv_sec = o->keepalive_sec },
		};

		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
			peer_log(PEER_LOG_ERROR, "timerfd: %s", strerror(errno));
			goto out;
		}
		send_keepalive(p);
	}
	peer_log(PEER_LOG_INFO, "path %" PRIu32 " leg %c, remote %s%s%s",
		 o->path_id, o->leg == NTM_LEG_A ? 'A' : 'B',
		 peer_fmt_sockaddr(&p->remote, a, sizeof(a)),
		 o->tun[0] ? ", TUN " : "", o->tun);

	for (;;) {
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = p->udp, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = p->tun, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			peer_log(PEER_LOG_ERROR, "poll: %s", strerror(errno));
			break;
		}
		if ((pfd[0].revents & POLLIN) && on_signal(p, sfd)) {
			ret = PEER_OK;
			break;
		}
		if (pfd[1].revents & POLLIN)
			from_udp(p);
		if (pfd[2].revents & POLLIN)
			from_tun(p);
		if (pfd[3].revents & POLLIN) {
			uint64_t ticks;

			if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
				send_keepalive(p);
		}
	}
out:
	peer_stats_print(&p->st);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	if (p->tun >= 0)
		close(p->tun);
	if (p->udp >= 0)
		close(p->udp);
	ntm_path_keys_wipe(&p->keys);
	free(p);
	return ret;
}
