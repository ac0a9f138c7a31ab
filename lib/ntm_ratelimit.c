// SPDX-License-Identifier: MIT
/*
 * Per-source and total token buckets in front of the control port
 * (ntm_ratelimit.h). The table is a chained hash whose entries come from a
 * pool allocated at creation: a flood of new sources finds the pool empty and
 * is refused, it never allocates.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ntm_ratelimit.h"

#define NS_PER_SEC	1000000000ULL
#define RL_NONE		UINT32_MAX
/* A key: family byte, then 4 (IPv4) or 8 (IPv6 /64) address bytes. */
#define RL_KEY_LEN	9

struct rl_entry {
	uint64_t last_ns;		/* when tokens was computed */
	uint64_t tokens;		/* in nanoseconds of rate */
	uint32_t next;			/* chain, or free list */
	uint8_t key[RL_KEY_LEN];
};

struct rl_exempt {
	sa_family_t family;
	uint8_t addr[16];
	uint8_t plen;
};

struct ntm_ratelimit {
	struct ntm_ratelimit_config cfg;
	uint64_t cost, max_tokens;	/* per source, ns */
	uint64_t total_cost, total_max;
	uint64_t total_tokens, total_last_ns;
	uint64_t next_gc_ns;
	uint8_t hash_key[16];
	uint32_t mask;			/* buckets - 1 */
	uint32_t *bucket;		/* head index per bucket */
	struct rl_entry *entry;		/* cfg.max_sources of them */
	uint32_t free_head;
	struct rl_exempt *exempt;
	size_t nexempt;
	struct ntm_ratelimit_stats st;
};

void ntm_ratelimit_config_default(struct ntm_ratelimit_config *c)
{
	c->rate = NTM_RL_DEFAULT_RATE;
	c->burst = NTM_RL_DEFAULT_BURST;
	c->total_rate = NTM_RL_DEFAULT_TOTAL_RATE;
	c->total_burst = NTM_RL_DEFAULT_TOTAL_BURST;
	c->max_sources = NTM_RL_DEFAULT_SOURCES;
}

int ntm_ratelimit_config_check(const struct ntm_ratelimit_config *c,
			       const char **why)
{
	const char *w = NULL;

	if (c->rate > NTM_RL_MAX_RATE || c->total_rate > NTM_RL_MAX_RATE)
		w = "a rate above 1000000000 per second";
	else if (c->rate && !c->burst)
		w = "a per-source rate with a burst of 0";
	else if (c->total_rate && !c->total_burst)
		w = "a total rate with a burst of 0";
	else if (!c->max_sources || c->max_sources > NTM_RL_MAX_SOURCES)
		w = "the source table must hold 1..16777216 sources";
	if (why)
		*why = w;
	return w ? NTM_E_MALFORMED : NTM_OK;
}

/* cost * burst, saturated: a burst of 4e9 at 1/s must not wrap. */
static uint64_t bucket_max(uint64_t cost, uint32_t burst)
{
	if (burst && cost > UINT64_MAX / burst)
		return UINT64_MAX;
	return cost * burst;
}

struct ntm_ratelimit *ntm_ratelimit_new(const struct ntm_ratelimit_config *c,
					const struct ntm_ctl_env *env)
{
	struct ntm_ratelimit *rl;
	uint32_t buckets = 1, i;

	if (ntm_ratelimit_config_check(c, NULL) != NTM_OK) {
		errno = EINVAL;
		return NULL;
	}
	rl = calloc(1, sizeof(*rl));
	if (!rl) {
		errno = ENOMEM;
		return NULL;
	}
	rl->cfg = *c;
	/* About two entries per chain when the table is full. */
	while (buckets < c->max_sources / 2)
		buckets <<= 1;
	rl->mask = buckets - 1;
	rl->bucket = malloc((size_t)buckets * sizeof(*rl->bucket));
	rl->entry = calloc(c->max_sources, sizeof(*rl->entry));
	if (!rl->bucket || !rl->entry) {
		errno = ENOMEM;
		goto err;
	}
	if (ntm_ctl_random(env, rl->hash_key, sizeof(rl->hash_key)) != NTM_OK) {
		errno = EIO;
		goto err;
	}
	for (i = 0; i < buckets; i++)
		rl->bucket[i] = RL_NONE;
	for (i = 0; i < c->max_sources; i++)
		rl->entry[i].next = i + 1 < c->max_sources ? i + 1 : RL_NONE;
	rl->free_head = 0;
	if (c->rate) {
		rl->cost = NS_PER_SEC / c->rate;
		rl->max_tokens = bucket_max(rl->cost, c->burst);
	}
	if (c->total_rate) {
		rl->total_cost = NS_PER_SEC / c->total_rate;
		rl->total_max = bucket_max(rl->total_cost, c->total_burst);
		rl->total_tokens = rl->total_max;
	}
	rl->st.max_sources = c->max_sources;
	return rl;
err:
	ntm_ratelimit_free(rl);
	return NULL;
}

void ntm_ratelimit_free(struct ntm_ratelimit *rl)
{
	if (!rl)
		return;
	ntm_wipe(rl->hash_key, sizeof(rl->hash_key));
	free(rl->bucket);
	free(rl->entry);
	free(rl->exempt);
	free(rl);
}

int ntm_ratelimit_exempt(struct ntm_ratelimit *rl, sa_family_t family,
			 const uint8_t *addr, uint8_t plen)
{
	struct rl_exempt *e;
	size_t alen = family == AF_INET ? 4 : 16;

	if ((family != AF_INET && family != AF_INET6) || plen > alen * 8)
		return -EINVAL;
	e = realloc(rl->exempt, (rl->nexempt + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	rl->exempt = e;
	e = &rl->exempt[rl->nexempt++];
	memset(e, 0, sizeof(*e));
	e->family = family;
	memcpy(e->addr, addr, alen);
	e->plen = plen;
	return 0;
}

static bool prefix_match(const uint8_t *a, const uint8_t *p, uint8_t plen)
{
	uint8_t full = plen / 8, rest = plen % 8;

	if (memcmp(a, p, full))
		return false;
	if (!rest)
		return true;
	return !((a[full] ^ p[full]) & (uint8_t)(0xff << (8 - rest)));
}

/* The source as (family, address): v4-mapped IPv6 becomes IPv4. */
static sa_family_t source_addr(const struct sockaddr_storage *src, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (src->ss_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)src)->sin_addr, 4);
		return AF_INET;
	}
	if (src->ss_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)src)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			memcpy(addr, a6->s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(addr, a6->s6_addr, 16);
		return AF_INET6;
	}
	return src->ss_family;
}

static bool exempt(const struct ntm_ratelimit *rl, sa_family_t family,
		   const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < rl->nexempt; i++)
		if (rl->exempt[i].family == family &&
		    prefix_match(addr, rl->exempt[i].addr, rl->exempt[i].plen))
			return true;
	return false;
}

/* Tokens after refilling from @last to @now, capped at @max. */
static uint64_t refill(uint64_t tokens, uint64_t last, uint64_t now, uint64_t max)
{
	uint64_t dt = now > last ? now - last : 0;

	if (tokens >= max || dt >= max - tokens)
		return max;
	return tokens + dt;
}

static uint32_t *chain_of(struct ntm_ratelimit *rl, const uint8_t *key)
{
	return &rl->bucket[ntm_siphash24(rl->hash_key, key, RL_KEY_LEN) & rl->mask];
}

void ntm_ratelimit_gc(struct ntm_ratelimit *rl, uint64_t now_ns)
{
	uint32_t b, *link, i;

	for (b = 0; b <= rl->mask; b++) {
		link = &rl->bucket[b];
		while ((i = *link) != RL_NONE) {
			struct rl_entry *e = &rl->entry[i];

			if (refill(e->tokens, e->last_ns, now_ns, rl->max_tokens) <
			    rl->max_tokens) {
				link = &e->next;
				continue;
			}
			*link = e->next;
			e->next = rl->free_head;
			rl->free_head = i;
			rl->st.sources--;
			rl->st.gc_freed++;
		}
	}
	rl->next_gc_ns = now_ns + NS_PER_SEC;
}

/* The source's entry, created full if new; NULL when the pool is empty. */
static struct rl_entry *source_entry(struct ntm_ratelimit *rl,
				     const uint8_t *key, uint64_t now_ns)
{
	uint32_t *head = chain_of(rl, key), i;
	struct rl_entry *e;

	for (i = *head; i != RL_NONE; i = rl->entry[i].next)
		if (!memcmp(rl->entry[i].key, key, RL_KEY_LEN))
			return &rl->entry[i];
	if (rl->free_head == RL_NONE)
		return NULL;
	i = rl->free_head;
	e = &rl->entry[i];
	rl->free_head = e->next;
	memcpy(e->key, key, RL_KEY_LEN);
	e->tokens = rl->max_tokens;
	e->last_ns = now_ns;
	e->next = *head;
	*head = i;
	rl->st.sources++;
	return e;
}

enum ntm_rl_verdict ntm_ratelimit_allow(struct ntm_ratelimit *rl,
					const struct sockaddr_storage *src,
					uint64_t now_ns)
{
	uint8_t addr[16], key[RL_KEY_LEN];
	struct rl_entry *e = NULL;
	uint64_t tokens = 0, total = 0;
	sa_family_t family;

	if (now_ns >= rl->next_gc_ns)
		ntm_ratelimit_gc(rl, now_ns);
	family = source_addr(src, addr);
	if (exempt(rl, family, addr)) {
		rl->st.exempt++;
		return NTM_RL_EXEMPT;
	}
	if (rl->cfg.rate) {
		memset(key, 0, sizeof(key));
		key[0] = (uint8_t)family;
		memcpy(key + 1, addr, family == AF_INET ? 4 : 8);
		e = source_entry(rl, key, now_ns);
		if (!e) {
			rl->st.limited_full++;
			return NTM_RL_FULL;
		}
		tokens = refill(e->tokens, e->last_ns, now_ns, rl->max_tokens);
		e->tokens = tokens;
		e->last_ns = now_ns > e->last_ns ? now_ns : e->last_ns;
		if (tokens < rl->cost) {
			rl->st.limited_source++;
			return NTM_RL_SOURCE;
		}
	}
	if (rl->cfg.total_rate) {
		total = refill(rl->total_tokens, rl->total_last_ns, now_ns,
			       rl->total_max);
		rl->total_tokens = total;
		rl->total_last_ns = now_ns > rl->total_last_ns ? now_ns :
								 rl->total_last_ns;
		if (total < rl->total_cost) {
			rl->st.limited_total++;
			return NTM_RL_TOTAL;
		}
		rl->total_tokens -= rl->total_cost;
	}
	if (e)
		e->tokens -= rl->cost;
	rl->st.passed++;
	return NTM_RL_PASS;
}

void ntm_ratelimit_get_stats(const struct ntm_ratelimit *rl,
			     struct ntm_ratelimit_stats *st)
{
	*st = rl->st;
}

const char *ntm_rl_verdict_name(enum ntm_rl_verdict v)
{
	switch (v) {
	case NTM_RL_PASS:
		return "passed";
	case NTM_RL_EXEMPT:
		return "exempt";
	case NTM_RL_SOURCE:
		return "over the source's rate";
	case NTM_RL_TOTAL:
		return "over the total rate";
	case NTM_RL_FULL:
		return "source table full";
	}
	return "?";
}

bool ntm_log_limit_ok(struct ntm_log_limit *l, uint64_t now_ms,
		      uint64_t *suppressed)
{
	if (l->next_ms && now_ms < l->next_ms) {
		l->suppressed++;
		return false;
	}
	*suppressed = l->suppressed;
	l->suppressed = 0;
	l->next_ms = now_ms + (l->interval_ms ? l->interval_ms : 1);
	return true;
}
