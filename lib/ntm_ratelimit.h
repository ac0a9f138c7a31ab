/* SPDX-License-Identifier: MIT */
/*
 * ntm_ratelimit: how many unauthenticated datagrams a daemon is willing to
 * open, per source and in total, before it spends an AEAD open (or a store
 * lookup) on them. Modelled on WireGuard's ratelimiter.c:
 *
 *  - a token bucket per source address (IPv4 /32, IPv6 /64: one host of a
 *    subnet gets no more than the subnet), tokens counted in nanoseconds,
 *    so a bucket fills at @rate per second up to @burst;
 *  - the sources in a hash table keyed with SipHash under a random key (a
 *    sender cannot aim at one chain), its entries preallocated: at most
 *    @max_sources, beyond that a new source is refused (WireGuard's global
 *    cap: spoofed sources cannot grow the table);
 *  - garbage collection about once a second of every source that has been
 *    quiet long enough for its bucket to be full again (forgetting it
 *    changes nothing);
 *  - optionally a second bucket shared by all sources (@total_rate), so that
 *    a flood from many spoofed sources is bounded too;
 *  - prefixes that are never limited (a DC, a monitoring host).
 *
 * Single-threaded (one daemon loop owns it); no allocation after creation
 * except for exempt prefixes. The clock is the caller's, in nanoseconds,
 * monotonic or not (a clock that goes back refills nothing).
 */
#ifndef _NTM_RATELIMIT_H
#define _NTM_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

/* WireGuard's own numbers would be 20/s, 5, 8192. */
#define NTM_RL_DEFAULT_RATE		100
#define NTM_RL_DEFAULT_BURST		200
#define NTM_RL_DEFAULT_TOTAL_RATE	10000
#define NTM_RL_DEFAULT_TOTAL_BURST	20000
#define NTM_RL_DEFAULT_SOURCES		16384
#define NTM_RL_MAX_SOURCES		(1u << 24)
#define NTM_RL_MAX_RATE			1000000000u	/* one per ns */

struct ntm_ratelimit_config {
	uint32_t rate;			/* per source, per second; 0: none */
	uint32_t burst;			/* per source, >= 1 when rate is set */
	uint32_t total_rate;		/* all sources, per second; 0: none */
	uint32_t total_burst;		/* >= 1 when total_rate is set */
	uint32_t max_sources;		/* >= 1 */
};

/* What ntm_ratelimit_allow() decided. */
enum ntm_rl_verdict {
	NTM_RL_PASS = 0,		/* go on and open it */
	NTM_RL_EXEMPT,			/* an exempt prefix: go on */
	NTM_RL_SOURCE,			/* this source is over its rate */
	NTM_RL_TOTAL,			/* all sources together are */
	NTM_RL_FULL,			/* a new source, and the table is full */
};

struct ntm_ratelimit_stats {
	uint64_t passed;		/* PASS */
	uint64_t exempt;		/* EXEMPT */
	uint64_t limited_source;	/* SOURCE */
	uint64_t limited_total;		/* TOTAL */
	uint64_t limited_full;		/* FULL */
	uint64_t gc_freed;		/* sources forgotten by the GC */
	uint32_t sources;		/* in the table now */
	uint32_t max_sources;
};

struct ntm_ratelimit;

/* The defaults above. */
void ntm_ratelimit_config_default(struct ntm_ratelimit_config *c);
/* NTM_OK or NTM_E_MALFORMED (a zero burst with a rate, a rate above
 * NTM_RL_MAX_RATE, no or too many sources), with a reason in @why. */
int ntm_ratelimit_config_check(const struct ntm_ratelimit_config *c,
			       const char **why);
/*
 * A limiter, its hash key from @env's randomness (NULL: RAND_bytes). NULL on
 * a bad config or out of memory (errno EINVAL or ENOMEM).
 */
struct ntm_ratelimit *ntm_ratelimit_new(const struct ntm_ratelimit_config *c,
					const struct ntm_ctl_env *env);
void ntm_ratelimit_free(struct ntm_ratelimit *rl);
/*
 * Never limit sources in @family (AF_INET, AF_INET6) @addr/@plen. 0, or
 * -EINVAL (bad family or length), -ENOMEM.
 */
int ntm_ratelimit_exempt(struct ntm_ratelimit *rl, sa_family_t family,
			 const uint8_t *addr, uint8_t plen);
/*
 * One datagram from @src (AF_INET or AF_INET6; a v4-mapped IPv6 address
 * counts as its IPv4 address) at @now_ns: PASS or EXEMPT to go on, anything
 * else to drop it unopened. Runs the GC when a second has passed since the
 * last. An unknown family is limited as one source of its own.
 */
enum ntm_rl_verdict ntm_ratelimit_allow(struct ntm_ratelimit *rl,
					const struct sockaddr_storage *src,
					uint64_t now_ns);
/* Forget every source whose bucket is full again at @now_ns. */
void ntm_ratelimit_gc(struct ntm_ratelimit *rl, uint64_t now_ns);
void ntm_ratelimit_get_stats(const struct ntm_ratelimit *rl,
			     struct ntm_ratelimit_stats *st);
/* "passed", "exempt", "over the source's rate", "over the total rate",
 * "source table full". */
const char *ntm_rl_verdict_name(enum ntm_rl_verdict v);

/*
 * Rate-limited logging, for a log line about a flood that must not become
 * a flood itself (the kernel's net_ratelimit()): at most one line every
 * @interval_ms; the events in between are counted and reported with the
 * next line.
 */
struct ntm_log_limit {
	uint64_t interval_ms;
	uint64_t next_ms;		/* 0: the first event logs */
	uint64_t suppressed;		/* events since the last line */
};

/* true: log now, with *@suppressed events that were not logged since the
 * last line (then cleared); false: counted, stay quiet. */
bool ntm_log_limit_ok(struct ntm_log_limit *l, uint64_t now_ms,
		      uint64_t *suppressed);

#endif /* _NTM_RATELIMIT_H */
