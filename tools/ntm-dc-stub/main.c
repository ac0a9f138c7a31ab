// SPDX-License-Identifier: GPL-2.0-or-later
/* ntm-dc-stub: seal, send, retransmit, open the answer, print it. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stub.h"

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

struct keyring {
	uint32_t id;
	const uint8_t *key;
};

static int lookup(void *arg, uint8_t type, uint32_t key_id,
		  uint8_t key[NTM_CTL_KEY_BYTES])
{
	const struct keyring *k = arg;

	if (key_id != k->id)
		return NTM_E_UNKNOWN_KEY;
	memcpy(key, k->key, NTM_CTL_KEY_BYTES);
	return NTM_OK;
}

/* Prints the answer; STUB_OK if its status is OK. */
static int print_answer(const struct ntm_ctl_hdr *h, const union ntm_body *b)
{
	char t[NTM_ADDR_FMT_LEN], c[NTM_ADDR_FMT_LEN];

	if (h->type == NTM_MSG_DIRECTION_RESPONSE) {
		const struct ntm_direction_response *dr = &b->direction_response;

		printf("path %" PRIu32 ": %s, tunnel endpoint %s, control endpoint %s\n",
		       dr->path_id, ntm_status_name(dr->status),
		       ntm_addr_fmt(&dr->tunnel, t, sizeof(t)),
		       ntm_addr_fmt(&dr->control, c, sizeof(c)));
		return dr->status == NTM_OK ? STUB_OK : STUB_FAIL;
	}
	printf("path %" PRIu32 ": error %s (%s)\n", b->error.path_id,
	       ntm_status_name(b->error.status), ntm_msg_type_name(b->error.type));
	return STUB_FAIL;
}

int main(int argc, char **argv)
{
	uint8_t msg[NTM_CTL_MAX_LEN], in[NTM_CTL_MAX_LEN + 1];
	struct ntm_nonce_cache *nonces = NULL;
	struct stub_opts o;
	struct keyring kr;
	union ntm_body body;
	uint8_t type;
	uint64_t start, deadline, next_send;
	unsigned int tries = 0;
	char rs[NTM_ADDR_FMT_LEN];
	struct ntm_addr rsa;
	int fd = -1, ret = STUB_FAIL;

	if (stub_parse(argc, argv, &o)) {
		fprintf(stderr, "ntm-dc-stub: %s\nTry 'ntm-dc-stub --help'.\n", o.err);
		ntm_wipe(&o, sizeof(o));
		return STUB_USAGE;
	}
	if (o.cmd == STUB_HELP) {
		stub_usage(stdout);
		return STUB_OK;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&body, 0, sizeof(body));
	if (o.cmd == STUB_RELAY) {
		type = NTM_MSG_RELAY_DIRECTION;
		body.relay_direction = o.rd;
	} else {
		type = NTM_MSG_PATH_TEARDOWN;
		body.path_teardown = o.td;
	}
	if (!o.has_txn && ntm_ctl_random(NULL, (uint8_t *)&o.txn, sizeof(o.txn)) != NTM_OK) {
		fprintf(stderr, "ntm-dc-stub: no randomness\n");
		goto out;
	}
	nonces = ntm_nonce_cache_new(64, NULL);
	fd = socket(o.rs.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!nonces || fd < 0) {
		fprintf(stderr, "ntm-dc-stub: socket: %s\n", strerror(errno));
		goto out;
	}
	if (o.local.ss_family &&
	    bind(fd, (struct sockaddr *)&o.local, ss_len(&o.local)) < 0) {
		fprintf(stderr, "ntm-dc-stub: bind: %s\n", strerror(errno));
		goto out;
	}
	ntm_addr_from_sockaddr(&rsa, &o.rs);
	ntm_addr_fmt(&rsa, rs, sizeof(rs));
	if (!o.quiet)
		fprintf(stderr, "ntm-dc-stub: %s for path %" PRIu32 " to %s, key id %" PRIu32 ", transaction 0x%016" PRIx64 "\n",
			ntm_msg_type_name(type), body.relay_direction.path_id, rs,
			o.key_id, o.txn);
	kr.id = o.key_id;
	kr.key = o.key;

	start = mono_ms();
	deadline = start + o.timeout_ms;
	next_send = start;
	for (;;) {
		uint64_t now = mono_ms(), until;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		struct ntm_ctl_hdr h;
		union ntm_body ans;
		ssize_t n;
		int st;

		if (now >= deadline) {
			fprintf(stderr, "ntm-dc-stub: no answer from %s after %u tries in %" PRIu32 " ms\n",
				rs, tries, o.timeout_ms);
			goto out;
		}
		if (now >= next_send) {
			/* Same transaction, new nonce and timestamp. */
			n = ntm_ctl_seal(NULL, type, o.key_id, o.txn, o.key, &body,
					 msg, sizeof(msg));
			if (n < 0) {
				fprintf(stderr, "ntm-dc-stub: cannot seal: %s\n",
					ntm_strstatus((int)n));
				goto out;
			}
			if (sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&o.rs,
				   ss_len(&o.rs)) < 0 && !o.quiet)
				fprintf(stderr, "ntm-dc-stub: sendto %s: %s\n", rs,
					strerror(errno));
			if (tries && !o.quiet)
				fprintf(stderr, "ntm-dc-stub: retransmission %u\n", tries);
			next_send = now + (tries < 3 ? 1000u << tries : 8000u);
			tries++;
		}
		until = next_send < deadline ? next_send : deadline;
		if (poll(&pfd, 1, (int)(until - now)) <= 0)
			continue;
		n = recvfrom(fd, in, sizeof(in), MSG_TRUNC, (struct sockaddr *)&src, &slen);
		if (n < 0 || (size_t)n > sizeof(in) || !same_endpoint(&src, &o.rs))
			continue;
		st = ntm_ctl_open(in, (size_t)n, lookup, &kr, nonces,
				  ntm_ctl_now_ms(NULL), &h, &ans);
		if (st != NTM_OK) {
			if (!o.quiet)
				fprintf(stderr, "ntm-dc-stub: dropped an answer: %s\n",
					ntm_strstatus(st));
			continue;
		}
		if (h.txn_id != o.txn || (h.type != NTM_MSG_DIRECTION_RESPONSE &&
					  h.type != NTM_MSG_ERROR))
			continue;
		ret = print_answer(&h, &ans);
		break;
	}
out:
	if (fd >= 0)
		close(fd);
	ntm_nonce_cache_free(nonces);
	ntm_wipe(&body, sizeof(body));
	ntm_wipe(&o, sizeof(o));
	return ret;
}
