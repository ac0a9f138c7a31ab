// SPDX-License-Identifier: GPL-2.0-or-later
/* One control transaction, blocking, for tools. See ntm_ctl_client.h. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ntm_ctl_client.h"

struct keyring {
	uint32_t id;
	const uint8_t *key;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static socklen_t ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

static bool same_endpoint(const struct sockaddr_storage *a,
			  const struct sockaddr_storage *b)
{
	struct ntm_addr x, y;

	return ntm_addr_from_sockaddr(&x, a) == NTM_OK &&
	       ntm_addr_from_sockaddr(&y, b) == NTM_OK && ntm_addr_equal(&x, &y);
}

static int lookup(void *arg, uint8_t type, uint32_t key_id,
		  uint8_t key[NTM_CTL_KEY_BYTES])
{
	const struct keyring *k = arg;

	if (key_id != k->id)
		return NTM_E_UNKNOWN_KEY;
	memcpy(key, k->key, NTM_CTL_KEY_BYTES);
	return NTM_OK;
}

static bool type_wanted(const uint8_t *types, size_t n, uint8_t type)
{
	size_t i;

	if (!types[0])
		return true;
	for (i = 0; i < n && types[i]; i++)
		if (types[i] == type)
			return true;
	return false;
}

int ntm_ctl_transact(const struct ntm_ctl_request *rq, struct ntm_ctl_hdr *h,
		     union ntm_body *ans, unsigned int *tries_out)
{
	uint8_t msg[NTM_CTL_MAX_LEN], in[NTM_CTL_MAX_LEN + 1];
	struct ntm_nonce_cache *nonces = ntm_nonce_cache_new(64, NULL);
	struct keyring kr = { .id = rq->key_id, .key = rq->key };
	uint64_t start = mono_ms(), deadline = start + rq->timeout_ms;
	uint64_t next_send = start;
	unsigned int tries = 0;
	int ret = -ETIMEDOUT;

	if (!nonces)
		return -ENOMEM;
	for (;;) {
		uint64_t now = mono_ms(), until;
		struct pollfd pfd = { .fd = rq->fd, .events = POLLIN };
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		ssize_t n;
		int st;

		if (now >= deadline)
			break;
		if (now >= next_send) {
			/* Same transaction, new nonce and timestamp. */
			n = ntm_ctl_seal(NULL, rq->type, rq->key_id, rq->txn_id,
					 rq->key, rq->body, msg, sizeof(msg));
			if (n < 0) {
				fprintf(stderr, "%s: cannot seal: %s\n", rq->who,
					ntm_strstatus((int)n));
				ret = -EINVAL;
				goto out;
			}
			if (sendto(rq->fd, msg, (size_t)n, 0,
				   (const struct sockaddr *)&rq->to,
				   ss_len(&rq->to)) < 0 && !rq->quiet)
				fprintf(stderr, "%s: sendto: %s\n", rq->who,
					strerror(errno));
			if (tries && !rq->quiet)
				fprintf(stderr, "%s: retransmission %u\n", rq->who,
					tries);
			next_send = now + (tries < 3 ? 1000u << tries : 8000u);
			tries++;
		}
		until = next_send < deadline ? next_send : deadline;
		if (poll(&pfd, 1, (int)(until - now)) <= 0)
			continue;
		n = recvfrom(rq->fd, in, sizeof(in), MSG_TRUNC,
			     (struct sockaddr *)&src, &slen);
		if (n < 0 || (size_t)n > sizeof(in) || !same_endpoint(&src, &rq->to))
			continue;
		st = ntm_ctl_open(in, (size_t)n, lookup, &kr, nonces,
				  ntm_ctl_now_ms(NULL), h, ans);
		if (st != NTM_OK) {
			if (!rq->quiet)
				fprintf(stderr, "%s: dropped an answer: %s\n",
					rq->who, ntm_strstatus(st));
			continue;
		}
		if (h->txn_id != rq->txn_id ||
		    !type_wanted(rq->answer_types, sizeof(rq->answer_types), h->type))
			continue;
		ret = 0;
		break;
	}
out:
	if (tries_out)
		*tries_out = tries;
	ntm_nonce_cache_free(nonces);
	return ret;
}

int ntm_ctl_receive(int fd, uint32_t key_id, const uint8_t *key, uint8_t type,
		    uint32_t timeout_ms, struct ntm_ctl_hdr *h,
		    union ntm_body *ans, struct sockaddr_storage *from)
{
	uint8_t in[NTM_CTL_MAX_LEN + 1];
	struct keyring kr = { .id = key_id, .key = key };
	uint64_t deadline = mono_ms() + timeout_ms;

	for (;;) {
		uint64_t now = mono_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		socklen_t slen = sizeof(*from);
		ssize_t n;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		n = recvfrom(fd, in, sizeof(in), MSG_TRUNC,
			     (struct sockaddr *)from, &slen);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if ((size_t)n > sizeof(in))
			continue;
		if (ntm_ctl_open(in, (size_t)n, lookup, &kr, NULL,
				 ntm_ctl_now_ms(NULL), h, ans) != NTM_OK)
			continue;
		if (!type || h->type == type)
			return 0;
	}
}
