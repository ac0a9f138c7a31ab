/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A requester's side of one control transaction (protocol.md,
 * "Transactions"), blocking: seal, send, retransmit after 1, 2, 4, 8, 8... s
 * with the same transaction id and a new nonce and timestamp, until an
 * authenticated answer with that transaction id comes from the peer or the
 * time is up. For tools and tests (ntm-dc-stub, ntm-node-stub); daemons keep
 * their transactions as state in their event loop instead.
 */
#ifndef _NTM_CTL_CLIENT_H
#define _NTM_CTL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ntm/msg.h>

struct ntm_ctl_request {
	int fd;				/* a UDP socket of @to's family */
	struct sockaddr_storage to;
	uint8_t type;
	uint32_t key_id;
	const uint8_t *key;		/* NTM_CTL_KEY_BYTES */
	uint64_t txn_id;
	const union ntm_body *body;
	uint32_t timeout_ms;		/* all tries together */
	/* 1..n: answers of these types only (0: any type). */
	uint8_t answer_types[4];
	const char *who;		/* "ntm-dc-stub": prefix of the messages */
	bool quiet;			/* no retransmission messages on stderr */
};

/*
 * Run the transaction. 0 with the answer in @h and @ans; -ETIMEDOUT
 * (reported on stderr with the number of tries), or another -errno.
 * *@tries: the number of times it was sent.
 */
int ntm_ctl_transact(const struct ntm_ctl_request *rq, struct ntm_ctl_hdr *h,
		     union ntm_body *ans, unsigned int *tries);

/* Wait up to @timeout_ms for one authenticated control message of @type
 * (0: any) from anywhere on @fd, opened with (@key_id, @key). 0 with the
 * message and its source, -ETIMEDOUT, or -errno. */
int ntm_ctl_receive(int fd, uint32_t key_id, const uint8_t *key, uint8_t type,
		    uint32_t timeout_ms, struct ntm_ctl_hdr *h,
		    union ntm_body *ans, struct sockaddr_storage *from);

#endif /* _NTM_CTL_CLIENT_H */
