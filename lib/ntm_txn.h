/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The answers a responder already gave (ntm-rsd, ntm-dc), by (key
 * namespace, key id, transaction id), for NTM_TXN_MS: a retransmitted
 * request gets the same answer, sealed anew, and changes nothing
 * (protocol.md, "Transactions").
 */
#ifndef _NTM_TXN_H
#define _NTM_TXN_H

#include <stddef.h>
#include <stdint.h>

#include <ntm/msg.h>

/* Answers kept for retransmissions: a requester gives up long before. */
#define NTM_TXN_MS	NTM_CTL_NONCE_MS

/* An answer, kept to be sealed again for a retransmission. */
struct ntm_answer {
	uint8_t type;			/* the answer's message type */
	union {
		struct ntm_direction_response dr;
		struct ntm_tunnel_response tr;
		struct ntm_error_msg err;
		struct ntm_registration_response reg;
		struct ntm_route_direction route;
		struct ntm_path_teardown td;
	} u;
	uint32_t key_id;
	uint8_t key[NTM_CTL_KEY_BYTES];
};

struct ntm_txn_cache;

/* NULL on allocation failure, or a @capacity of 0 or above 2^24. */
struct ntm_txn_cache *ntm_txn_new(size_t capacity);
void ntm_txn_free(struct ntm_txn_cache *c);
/* The answer given to (@ns, @key_id, @txn_id) in the last NTM_TXN_MS. */
const struct ntm_answer *ntm_txn_find(struct ntm_txn_cache *c, int ns,
				      uint32_t key_id, uint64_t txn_id,
				      uint64_t now_ms);
/* Remember it; the oldest entry goes when the cache is full. */
void ntm_txn_add(struct ntm_txn_cache *c, int ns, uint32_t key_id,
		 uint64_t txn_id, const struct ntm_answer *a, uint64_t now_ms);
size_t ntm_txn_count(const struct ntm_txn_cache *c, uint64_t now_ms);

#endif /* _NTM_TXN_H */
