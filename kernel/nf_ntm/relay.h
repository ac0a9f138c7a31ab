/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The relay table: the paths this RS relays in one network namespace.
 */
#ifndef _NTM_RELAY_H
#define _NTM_RELAY_H

#include <linux/atomic.h>
#include <linux/rhashtable-types.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <crypto/algapi.h>
#include <ntm/wire.h>
#include <ntm/replay.h>
#include <uapi/nf_ntm.h>

#include "compat.h"

struct ntm_net;
struct netlink_ext_ack;

/*
 * Where a tunnel leg's packets come from, which is where the RS sends to it.
 * Learned only from authenticated packets, or set by netlink.
 */
struct ntm_endpoint {
	__be32 addr;		/* the node (or its NAT) */
	__be32 local;		/* the RS address they arrive at; 0: any */
	__be16 port;
	u8 family;		/* AF_INET; 0 while unknown */
	u8 reserved;
};

/*
 * Per leg, what came in on it and what went out to it. Drops are 32 bits to
 * keep a path small; they wrap.
 */
struct ntm_leg_stats {
	atomic64_t rx_packets;
	atomic64_t rx_bytes;
	atomic64_t tx_packets;
	atomic64_t tx_bytes;
	atomic_t drop_auth;
	atomic_t drop_replay;
	atomic_t drop_malformed;
	atomic_t drop_noroute;
};

/* A node at the far end of a UDP tunnel leg; both members under path->lock. */
struct ntm_tunnel_leg {
	struct ntm_replay replay;
	struct ntm_endpoint ep;
};

/* The inner addresses of an RS-N or RS-T path, the key of the VIP index. */
struct ntm_vip_key {
	__be32 a;		/* leg A VIP: inner source from the node */
	__be32 b;		/* leg B VIP: inner destination */
};

/* RS-N and RS-T: leg B is the RS itself, which seals the replies. */
struct ntm_inner {
	struct rhash_head node;		/* in ntm_relay.vips */
	struct ntm_vip_key vip;
	atomic64_t tx_counter;		/* next leg B counter */
	u8 data_key[NTM_DATA_KEY_BYTES];
};

/*
 * A path. Never changed in place once published, except for what its lock
 * guards and the counters: an update replaces it with a new one. RS-S paths
 * are allocated without the ntm_inner tail, RS-N/RS-T paths without b.
 *
 * Size: every byte counts a million times. An RS-S path is 224 bytes, 18 to
 * a 4 KiB slab page (docs/architecture.md, "Memory per path"); the rcu_head
 * shares its 16 bytes with leg A's replay window, which nothing touches once
 * the path is dead (see ntm_path_release()).
 */
struct ntm_path {
	struct rhash_head node;		/* in ntm_relay.paths */
	u32 id;
	u32 refresh;			/* seconds idle before expiry; 0: never */
	unsigned long last_rx;		/* jiffies, last authenticated packet */
	spinlock_t lock;		/* replay windows, endpoints, dead */
	u8 type;			/* enum ntm_path_type */
	bool dead;			/* replaced: accept nothing more */
	siphash_key_t relay_key;
	struct ntm_leg_stats stats[2];	/* by enum ntm_leg */
	union {
		struct ntm_tunnel_leg a;
		struct rcu_head rcu;	/* dead: a.replay is never read again */
	};
	union {
		struct ntm_tunnel_leg b;	/* RS-S */
		struct ntm_inner inner;		/* RS-N, RS-T */
	};
};

#define NTM_PATH_SIZE_S		offsetofend(struct ntm_path, b)
#define NTM_PATH_SIZE_INNER	offsetofend(struct ntm_path, inner)

/* The rcu_head must lie on leg A's replay window, and on nothing else. */
static_assert(offsetof(struct ntm_path, rcu) ==
	      offsetof(struct ntm_path, a) + offsetof(struct ntm_tunnel_leg, replay));
static_assert(sizeof(struct rcu_head) <= sizeof(struct ntm_replay));
#if BITS_PER_LONG == 64 && !defined(CONFIG_DEBUG_SPINLOCK) && \
	!defined(CONFIG_DEBUG_LOCK_ALLOC)
/* 18 RS-S paths to a 4 KiB page (<= 227 bytes each): keep it so. */
static_assert(NTM_PATH_SIZE_S <= 224);
#endif

struct ntm_relay {
	struct rhashtable paths;	/* every path, by PathID */
	struct rhashtable vips;		/* RS-N and RS-T paths, by VIP pair */
	unsigned int count;		/* writers only */
	u32 max;
	bool walking;			/* expiry_iter entered */
	struct rhashtable_iter expiry_iter;
};

static inline bool ntm_path_has_inner(const struct ntm_path *p)
{
	return p->type != NTM_PATH_RS_S;
}

/* The tunnel state of @leg, or NULL where leg B is the RS itself. */
static inline struct ntm_tunnel_leg *ntm_path_tleg(struct ntm_path *p,
						   enum ntm_leg leg)
{
	if (leg == NTM_LEG_A)
		return &p->a;
	return ntm_path_has_inner(p) ? NULL : &p->b;
}

static inline bool ntm_endpoint_known(const struct ntm_endpoint *ep)
{
	return ep->family == AF_INET;
}

/* The relay tag: SipHash-2-4 of header bytes 0..15, little-endian. */
static inline void ntm_relay_tag_put(const struct ntm_path *p, u8 *hdr)
{
	put_unaligned_le64(siphash(hdr, NTM_DATA_AUTH_LEN, &p->relay_key),
			   hdr + NTM_DATA_AUTH_LEN);
}

static inline bool ntm_relay_tag_ok(const struct ntm_path *p, const u8 *hdr)
{
	__le64 tag = cpu_to_le64(siphash(hdr, NTM_DATA_AUTH_LEN, &p->relay_key));

	return !crypto_memneq(&tag, hdr + NTM_DATA_AUTH_LEN, sizeof(tag));
}

static inline void ntm_relay_key_load(siphash_key_t *key,
				      const u8 raw[NTM_RELAY_KEY_BYTES])
{
	key->key[0] = get_unaligned_le64(raw);
	key->key[1] = get_unaligned_le64(raw + 8);
}

bool ntm_path_endpoint(struct ntm_path *p, enum ntm_leg leg,
		       struct ntm_endpoint *ep);

struct ntm_path *ntm_path_alloc(u8 type);
void ntm_path_free(struct ntm_path *p);
void ntm_path_release(struct ntm_path *p);

struct ntm_path *ntm_relay_lookup(struct ntm_relay *r, u32 id);
struct ntm_path *ntm_relay_lookup_vip(struct ntm_relay *r, __be32 vip_a,
				      __be32 vip_b);
int ntm_relay_insert(struct ntm_relay *r, struct ntm_path *p);
int ntm_relay_replace(struct ntm_relay *r, struct ntm_path *old,
		      struct ntm_path *new, unsigned long keep_ep,
		      bool rekeyed);
void ntm_relay_remove(struct ntm_relay *r, struct ntm_path *p);
void ntm_relay_flush(struct ntm_relay *r);
void ntm_relay_expire(struct ntm_net *nn);

int ntm_relay_init(struct ntm_relay *r);
void ntm_relay_destroy(struct ntm_relay *r);
int ntm_relay_module_init(void);
void ntm_relay_module_exit(void);

#ifdef NTM_SELFTEST
bool ntm_relay_selftest(void);
#endif

#endif /* _NTM_RELAY_H */
