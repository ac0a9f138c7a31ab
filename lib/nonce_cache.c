// SPDX-License-Identifier: MIT
/*
 * The control-message nonce replay cache (docs/protocol.md: a nonce already
 * accepted in the last 120 s is a replay).
 *
 * A set-associative hash set: buckets of NTM_NONCE_WAYS slots, two candidate
 * buckets per nonce (the emptier one takes it), entries that carry their
 * expiry time. Lookups cost at most 2 x NTM_NONCE_WAYS comparisons, memory is
 * fixed at creation, and expired entries are simply overwritten: no timer, no
 * list, no tombstones. A full pair of buckets refuses the insert instead of
 * evicting a live nonce, which would reopen the replay window.
 */
#include <stdlib.h>
#include <string.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

#define NTM_NONCE_WAYS		8
#define NTM_NONCE_CAPACITY_MAX	((size_t)1 << 28)

struct ntm_nonce_entry {
	uint64_t added_ms;
	uint8_t nonce[NTM_CTL_NONCE_LEN];
	uint8_t used;
};

struct ntm_nonce_cache {
	size_t mask;			/* buckets - 1, buckets a power of 2 */
	uint8_t hash_key[16];
	struct ntm_nonce_entry slot[];
};

struct ntm_nonce_cache *ntm_nonce_cache_new(size_t capacity,
					    const struct ntm_ctl_env *env)
{
	struct ntm_nonce_cache *c;
	size_t buckets = 1, want;

	if (!capacity || capacity > NTM_NONCE_CAPACITY_MAX)
		return NULL;
	/* Twice the slots asked for keeps full bucket pairs improbable. */
	want = (2 * capacity + NTM_NONCE_WAYS - 1) / NTM_NONCE_WAYS;
	while (buckets < want)
		buckets <<= 1;
	c = calloc(1, sizeof(*c) +
		      buckets * NTM_NONCE_WAYS * sizeof(struct ntm_nonce_entry));
	if (!c)
		return NULL;
	c->mask = buckets - 1;
	if (ntm_ctl_random(env, c->hash_key, sizeof(c->hash_key)) != NTM_OK) {
		free(c);
		return NULL;
	}
	return c;
}

void ntm_nonce_cache_free(struct ntm_nonce_cache *c)
{
	if (!c)
		return;
	ntm_wipe(c->hash_key, sizeof(c->hash_key));
	free(c);
}

/*
 * Live for NTM_CTL_NONCE_MS after it was added. Kept as the time added, not
 * an expiry: an expiry would have to saturate near UINT64_MAX and a nonce
 * added there would be dead at once. A clock that went back keeps entries
 * live (fail closed) until it passes them again.
 */
static int ntm_nonce_live(const struct ntm_nonce_entry *e, uint64_t now_ms)
{
	return e->used &&
	       (now_ms < e->added_ms || now_ms - e->added_ms < NTM_CTL_NONCE_MS);
}

static struct ntm_nonce_entry *ntm_nonce_bucket(struct ntm_nonce_cache *c,
						uint64_t h)
{
	return &c->slot[(size_t)(h & c->mask) * NTM_NONCE_WAYS];
}

/* Look through one bucket: 1 if @nonce is live there; count free slots. */
static int ntm_nonce_scan(struct ntm_nonce_entry *b, const uint8_t *nonce,
			  uint64_t now_ms, struct ntm_nonce_entry **free_slot,
			  unsigned int *nfree)
{
	unsigned int i;

	*free_slot = NULL;
	*nfree = 0;
	for (i = 0; i < NTM_NONCE_WAYS; i++) {
		if (ntm_nonce_live(&b[i], now_ms)) {
			if (!memcmp(b[i].nonce, nonce, NTM_CTL_NONCE_LEN))
				return 1;
			continue;
		}
		if (!*free_slot)
			*free_slot = &b[i];
		(*nfree)++;
	}
	return 0;
}

int ntm_nonce_cache_add(struct ntm_nonce_cache *c,
			const uint8_t nonce[NTM_CTL_NONCE_LEN], uint64_t now_ms)
{
	uint64_t h = ntm_siphash24(c->hash_key, nonce, NTM_CTL_NONCE_LEN);
	struct ntm_nonce_entry *b0 = ntm_nonce_bucket(c, h);
	struct ntm_nonce_entry *b1 = ntm_nonce_bucket(c, h >> 32);
	struct ntm_nonce_entry *f0, *f1, *dst;
	unsigned int n0, n1;

	if (ntm_nonce_scan(b0, nonce, now_ms, &f0, &n0))
		return NTM_E_REPLAY;
	if (b1 != b0 && ntm_nonce_scan(b1, nonce, now_ms, &f1, &n1))
		return NTM_E_REPLAY;
	if (b1 == b0)
		n1 = 0, f1 = NULL;
	dst = n1 > n0 ? f1 : f0;
	if (!dst)
		return NTM_E_TABLE_FULL;
	memcpy(dst->nonce, nonce, NTM_CTL_NONCE_LEN);
	dst->added_ms = now_ms;
	dst->used = 1;
	return NTM_OK;
}

size_t ntm_nonce_cache_count(const struct ntm_nonce_cache *c, uint64_t now_ms)
{
	size_t i, n = 0, slots = (c->mask + 1) * NTM_NONCE_WAYS;

	for (i = 0; i < slots; i++)
		n += ntm_nonce_live(&c->slot[i], now_ms);
	return n;
}
