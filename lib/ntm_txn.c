// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The answers already given, by (key namespace, key id, transaction id), for
 * NTM_TXN_MS: a requester that did not get our answer retransmits with the
 * same transaction id, and gets the same answer again, sealed anew, with
 * nothing changed (protocol.md, "Transactions").
 *
 * Every entry lives equally long, so the oldest is the first to expire: a
 * ring of entries in the order they were added, with a hash index (SipHash,
 * random key) over it. When the ring is full the oldest entry is
 * overwritten, expired or not.
 */
#include <stdlib.h>
#include <string.h>

#include <ntm/ntm.h>
#include <ntm/wire.h>

#include "ntm_log.h"
#include "ntm_txn.h"

struct txn_entry {
	uint64_t txn_id;
	uint64_t expires_ms;
	uint32_t key_id;
	uint8_t ns;
	bool used;
	int32_t next;			/* hash chain, -1 ends it */
	struct ntm_answer a;
};

struct ntm_txn_cache {
	struct txn_entry *e;
	size_t cap;
	size_t head;			/* the slot written next (the oldest) */
	int32_t *bucket;
	size_t nbuckets;		/* a power of two */
	uint8_t seed[16];
};

struct ntm_txn_cache *ntm_txn_new(size_t capacity)
{
	struct ntm_txn_cache *c;
	size_t i;

	if (!capacity || capacity > (1u << 24))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cap = capacity;
	for (c->nbuckets = 1; c->nbuckets < capacity; c->nbuckets <<= 1)
		;
	c->e = calloc(capacity, sizeof(*c->e));
	c->bucket = malloc(c->nbuckets * sizeof(*c->bucket));
	if (!c->e || !c->bucket ||
	    ntm_ctl_random(NULL, c->seed, sizeof(c->seed)) != NTM_OK) {
		ntm_txn_free(c);
		return NULL;
	}
	for (i = 0; i < c->nbuckets; i++)
		c->bucket[i] = -1;
	return c;
}

void ntm_txn_free(struct ntm_txn_cache *c)
{
	if (!c)
		return;
	if (c->e) {
		ntm_wipe(c->e, c->cap * sizeof(*c->e));
		free(c->e);
	}
	free(c->bucket);
	free(c);
}

static size_t txn_hash(const struct ntm_txn_cache *c, int ns, uint32_t key_id,
		       uint64_t txn_id)
{
	uint8_t in[13];

	in[0] = (uint8_t)ns;
	ntm_put_be32(in + 1, key_id);
	ntm_put_be64(in + 5, txn_id);
	return (size_t)ntm_siphash24(c->seed, in, sizeof(in)) & (c->nbuckets - 1);
}

const struct ntm_answer *ntm_txn_find(struct ntm_txn_cache *c, int ns,
				      uint32_t key_id, uint64_t txn_id,
				      uint64_t now_ms)
{
	int32_t i = c->bucket[txn_hash(c, ns, key_id, txn_id)];

	for (; i >= 0; i = c->e[i].next) {
		const struct txn_entry *e = &c->e[i];

		if (e->txn_id == txn_id && e->key_id == key_id && e->ns == ns)
			return e->expires_ms > now_ms ? &e->a : NULL;
	}
	return NULL;
}

static void unlink_entry(struct ntm_txn_cache *c, int32_t idx)
{
	struct txn_entry *e = &c->e[idx];
	int32_t *p = &c->bucket[txn_hash(c, e->ns, e->key_id, e->txn_id)];

	while (*p >= 0 && *p != idx)
		p = &c->e[*p].next;
	if (*p == idx)
		*p = e->next;
}

void ntm_txn_add(struct ntm_txn_cache *c, int ns, uint32_t key_id,
		 uint64_t txn_id, const struct ntm_answer *a, uint64_t now_ms)
{
	int32_t idx = (int32_t)c->head;
	struct txn_entry *e = &c->e[idx];
	size_t b;

	if (e->used) {
		if (e->expires_ms > now_ms)
			ntm_dbg("transaction cache full: forgetting an answer %llu ms early",
				(unsigned long long)(e->expires_ms - now_ms));
		unlink_entry(c, idx);
		ntm_wipe(e, sizeof(*e));
	}
	e->used = true;
	e->ns = (uint8_t)ns;
	e->key_id = key_id;
	e->txn_id = txn_id;
	e->expires_ms = now_ms + NTM_TXN_MS;
	e->a = *a;
	b = txn_hash(c, ns, key_id, txn_id);
	e->next = c->bucket[b];
	c->bucket[b] = idx;
	c->head = (c->head + 1) % c->cap;
}

size_t ntm_txn_count(const struct ntm_txn_cache *c, uint64_t now_ms)
{
	size_t i, n = 0;

	for (i = 0; i < c->cap; i++)
		if (c->e[i].used && c->e[i].expires_ms > now_ms)
			n++;
	return n;
}
