// SPDX-License-Identifier: GPL-2.0
/*
 * The relay table. Every path of a namespace is in one rhashtable keyed by
 * PathID; RS-N and RS-T paths are also in a second one keyed by their VIP
 * pair, so that a reply routed to the ntm device finds its path. Readers run
 * in softirq under RCU and take no table lock. Writers (netlink, the expiry
 * work) are serialised by ntm_net.lock.
 *
 * A published path is not rewritten: an update builds a new path, moves the
 * replay windows, endpoints, counters and statistics over while the old one is
 * marked dead, and swaps it in. Readers see either path whole, and a nonce is
 * never issued twice.
 */

#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "relay.h"
#include "tunnel.h"
#include "netlink.h"

/* Entries visited between two reschedule points of a table walk. */
#define NTM_WALK_BATCH		1024
/* Entries the expiry work looks at per run (once a second). */
#define NTM_EXPIRY_BATCH	65536

static struct kmem_cache *ntm_path_cache_s __ro_after_init;
static struct kmem_cache *ntm_path_cache_inner __ro_after_init;

static const struct rhashtable_params ntm_path_params = {
	.key_len = sizeof_field(struct ntm_path, id),
	.key_offset = offsetof(struct ntm_path, id),
	.head_offset = offsetof(struct ntm_path, node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params ntm_vip_params = {
	.key_len = sizeof(struct ntm_vip_key),
	.key_offset = offsetof(struct ntm_path, inner.vip),
	.head_offset = offsetof(struct ntm_path, inner.node),
	.automatic_shrinking = true,
};

static struct kmem_cache *ntm_path_cache(u8 type)
{
	return type == NTM_PATH_RS_S ? ntm_path_cache_s : ntm_path_cache_inner;
}

struct ntm_path *ntm_path_alloc(u8 type)
{
	struct ntm_path *p;

	p = kmem_cache_zalloc(ntm_path_cache(type), GFP_KERNEL);
	if (!p)
		return NULL;
	spin_lock_init(&p->lock);
	p->type = type;
	p->last_rx = jiffies;
	ntm_replay_init(&p->a.replay);
	if (!ntm_path_has_inner(p))
		ntm_replay_init(&p->b.replay);
	else
		/*
		 * The RS seals as leg B. A path installed again with the same
		 * data key (daemon restart, module reload) must not reuse a
		 * nonce, so leg B's counter starts at the clock, in ns: above
		 * any counter an earlier instance can have reached.
		 */
		atomic64_set(&p->inner.tx_counter,
			     ktime_get_real_ns() & NTM_COUNTER_MAX);
	return p;
}

/* Free a path that readers cannot reach any more. */
void ntm_path_free(struct ntm_path *p)
{
	if (!p)
		return;
	memzero_explicit(&p->relay_key, sizeof(p->relay_key));
	if (ntm_path_has_inner(p))
		memzero_explicit(p->inner.data_key, sizeof(p->inner.data_key));
	kmem_cache_free(ntm_path_cache(p->type), p);
}

static void ntm_path_free_rcu(struct rcu_head *rcu)
{
	ntm_path_free(container_of(rcu, struct ntm_path, rcu));
}

/*
 * Free a path that was (or may have been) published. Readers that still find
 * it see it dead; every access to a replay window is under the path's lock
 * and after a look at dead, so from here on nothing but call_rcu() touches
 * leg A's window, which holds the rcu_head.
 */
void ntm_path_release(struct ntm_path *p)
{
	spin_lock_bh(&p->lock);
	p->dead = true;
	spin_unlock_bh(&p->lock);
	call_rcu(&p->rcu, ntm_path_free_rcu);
}

bool ntm_path_endpoint(struct ntm_path *p, enum ntm_leg leg,
		       struct ntm_endpoint *ep)
{
	struct ntm_tunnel_leg *tl = ntm_path_tleg(p, leg);

	if (!tl)
		return false;
	spin_lock_bh(&p->lock);
	*ep = tl->ep;
	spin_unlock_bh(&p->lock);
	return ntm_endpoint_known(ep);
}

struct ntm_path *ntm_relay_lookup(struct ntm_relay *r, u32 id)
{
	return rhashtable_lookup_fast(&r->paths, &id, ntm_path_params);
}

struct ntm_path *ntm_relay_lookup_vip(struct ntm_relay *r, __be32 vip_a,
				      __be32 vip_b)
{
	struct ntm_vip_key key = { .a = vip_a, .b = vip_b };

	return rhashtable_lookup_fast(&r->vips, &key, ntm_vip_params);
}

/*
 * Publish a new path. On error the path may have been visible for a moment:
 * free it with ntm_path_release().
 */
int ntm_relay_insert(struct ntm_relay *r, struct ntm_path *p)
{
	int err;

	if (r->count >= r->max)
		return -ENOSPC;
	if (ntm_path_has_inner(p)) {
		err = rhashtable_lookup_insert_fast(&r->vips, &p->inner.node,
						    ntm_vip_params);
		if (err)
			return err == -EEXIST ? -EADDRINUSE : err;
	}
	err = rhashtable_lookup_insert_fast(&r->paths, &p->node,
					    ntm_path_params);
	if (err) {
		if (ntm_path_has_inner(p))
			rhashtable_remove_fast(&r->vips, &p->inner.node,
					       ntm_vip_params);
		return err;
	}
	r->count++;
	return 0;
}

static void ntm_leg_stats_copy(struct ntm_leg_stats *to,
			       const struct ntm_leg_stats *from)
{
	atomic64_set(&to->rx_packets, atomic64_read(&from->rx_packets));
	atomic64_set(&to->rx_bytes, atomic64_read(&from->rx_bytes));
	atomic64_set(&to->tx_packets, atomic64_read(&from->tx_packets));
	atomic64_set(&to->tx_bytes, atomic64_read(&from->tx_bytes));
	atomic_set(&to->drop_auth, atomic_read(&from->drop_auth));
	atomic_set(&to->drop_replay, atomic_read(&from->drop_replay));
	atomic_set(&to->drop_malformed, atomic_read(&from->drop_malformed));
	atomic_set(&to->drop_noroute, atomic_read(&from->drop_noroute));
}

/*
 * Stop @old from accepting or sealing anything and hand its running state to
 * @new, which nothing can reach yet. Packets that meet @old from now until the
 * swap are dropped. The leg B counter always carries over, even across a new
 * data key, so that no (key, nonce) pair can come back.
 */
static void ntm_path_retire(struct ntm_path *old, struct ntm_path *new,
			    unsigned long keep_ep, bool rekeyed)
{
	int leg;

	spin_lock_bh(&old->lock);
	old->dead = true;
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		struct ntm_tunnel_leg *o = ntm_path_tleg(old, leg);
		struct ntm_tunnel_leg *n = ntm_path_tleg(new, leg);

		if (!o || !n)
			continue;
		if (test_bit(leg, &keep_ep))
			n->ep = o->ep;
		if (!rekeyed)
			n->replay = o->replay;
	}
	new->last_rx = old->last_rx;
	spin_unlock_bh(&old->lock);

	if (ntm_path_has_inner(old))
		atomic64_set(&new->inner.tx_counter,
			     atomic64_xchg(&old->inner.tx_counter,
					   NTM_COUNTER_MAX + 1));
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++)
		ntm_leg_stats_copy(&new->stats[leg], &old->stats[leg]);
}

/* Undo ntm_path_retire() while no reader can reach @new (any more). */
static void ntm_path_unretire(struct ntm_path *old, struct ntm_path *new)
{
	if (ntm_path_has_inner(old))
		atomic64_set(&old->inner.tx_counter,
			     atomic64_read(&new->inner.tx_counter));
	spin_lock_bh(&old->lock);
	old->dead = false;
	spin_unlock_bh(&old->lock);
}

/*
 * Replace @old (published) by @new (same PathID and type, not published).
 * @keep_ep: legs (BIT(enum ntm_leg)) whose current endpoint @new inherits.
 * @rekeyed: a key changed, so the replay windows start again.
 *
 * @new takes over @old's counter before any reader can find it, so a reply
 * routed to it is never sealed with a counter @old has used.
 */
int ntm_relay_replace(struct ntm_relay *r, struct ntm_path *old,
		      struct ntm_path *new, unsigned long keep_ep, bool rekeyed)
{
	bool inner = ntm_path_has_inner(new);
	bool vip_moved = false;
	int err;

	if (inner) {
		vip_moved = memcmp(&old->inner.vip, &new->inner.vip,
				   sizeof(new->inner.vip));
		if (vip_moved &&
		    rhashtable_lookup_fast(&r->vips, &new->inner.vip,
					   ntm_vip_params))
			return -EADDRINUSE;
	}

	ntm_path_retire(old, new, keep_ep, rekeyed);

	if (vip_moved) {
		err = rhashtable_lookup_insert_fast(&r->vips, &new->inner.node,
						    ntm_vip_params);
		if (err) {
			ntm_path_unretire(old, new);
			return err == -EEXIST ? -EADDRINUSE : err;
		}
	} else if (inner) {
		/* @old is in both tables (the caller found it, under the
		 * mutex), so neither replacement can fail; if one does all
		 * the same, @old stays as it was.
		 */
		err = rhashtable_replace_fast(&r->vips, &old->inner.node,
					      &new->inner.node, ntm_vip_params);
		if (WARN_ON_ONCE(err)) {
			ntm_path_unretire(old, new);
			return err;
		}
	}
	err = rhashtable_replace_fast(&r->paths, &old->node, &new->node,
				      ntm_path_params);
	if (WARN_ON_ONCE(err)) {
		if (vip_moved)
			rhashtable_remove_fast(&r->vips, &new->inner.node,
					       ntm_vip_params);
		else if (inner)
			rhashtable_replace_fast(&r->vips, &new->inner.node,
						&old->inner.node,
						ntm_vip_params);
		/* A reply may have found @new by its VIPs: wait until no
		 * reader holds it before @old takes its counter back.
		 */
		synchronize_rcu();
		ntm_path_unretire(old, new);
		return err;
	}
	if (vip_moved)
		rhashtable_remove_fast(&r->vips, &old->inner.node,
				       ntm_vip_params);
	ntm_path_release(old);
	return 0;
}

void ntm_relay_remove(struct ntm_relay *r, struct ntm_path *p)
{
	rhashtable_remove_fast(&r->paths, &p->node, ntm_path_params);
	if (ntm_path_has_inner(p))
		rhashtable_remove_fast(&r->vips, &p->inner.node,
				       ntm_vip_params);
	r->count--;
	ntm_path_release(p);
}

void ntm_relay_flush(struct ntm_relay *r)
{
	struct rhashtable_iter iter;
	struct ntm_path *p;
	unsigned int removed;

	do {
		removed = 0;
		rhashtable_walk_enter(&r->paths, &iter);
		rhashtable_walk_start(&iter);
		while ((p = rhashtable_walk_next(&iter))) {
			if (IS_ERR(p))
				continue;	/* -EAGAIN: resized, rewound */
			ntm_relay_remove(r, p);
			if (!(++removed % NTM_WALK_BATCH)) {
				rhashtable_walk_stop(&iter);
				cond_resched();
				rhashtable_walk_start(&iter);
			}
		}
		rhashtable_walk_stop(&iter);
		rhashtable_walk_exit(&iter);
	} while (removed && r->count);
	WARN_ON_ONCE(r->count);
}

static bool ntm_path_expired(const struct ntm_path *p)
{
	unsigned long idle = jiffies - READ_ONCE(p->last_rx);

	return p->refresh && idle / HZ >= p->refresh;
}

/*
 * One run of the expiry work: look at up to NTM_EXPIRY_BATCH paths, going on
 * from where the last run stopped, and remove those idle past their refresh
 * time. A sweep of a large table takes several runs.
 */
void ntm_relay_expire(struct ntm_net *nn)
{
	struct ntm_relay *r = &nn->relay;
	struct ntm_path *p;
	unsigned int n;

	lockdep_assert_held(&nn->lock);
	if (!r->walking) {
		rhashtable_walk_enter(&r->paths, &r->expiry_iter);
		r->walking = true;
	}
	rhashtable_walk_start(&r->expiry_iter);
	for (n = 1; n <= NTM_EXPIRY_BATCH; n++) {
		p = rhashtable_walk_next(&r->expiry_iter);
		if (IS_ERR(p))
			continue;
		if (!p) {
			rhashtable_walk_stop(&r->expiry_iter);
			rhashtable_walk_exit(&r->expiry_iter);
			r->walking = false;
			return;
		}
		if (ntm_path_expired(p)) {
			ntm_nl_notify_expired(nn, p);
			ntm_relay_remove(r, p);
		}
		if (!(n % NTM_WALK_BATCH)) {
			rhashtable_walk_stop(&r->expiry_iter);
			cond_resched();
			rhashtable_walk_start(&r->expiry_iter);
		}
	}
	rhashtable_walk_stop(&r->expiry_iter);
}

int ntm_relay_init(struct ntm_relay *r)
{
	int err;

	r->max = NTM_DEFAULT_MAX_PATHS;
	err = rhashtable_init(&r->paths, &ntm_path_params);
	if (err)
		return err;
	err = rhashtable_init(&r->vips, &ntm_vip_params);
	if (err)
		goto err_paths;
	return 0;

err_paths:
	rhashtable_destroy(&r->paths);
	return err;
}

/* The table must be empty and unreachable by readers. */
void ntm_relay_destroy(struct ntm_relay *r)
{
	if (r->walking) {
		rhashtable_walk_exit(&r->expiry_iter);
		r->walking = false;
	}
	WARN_ON_ONCE(r->count);
	rhashtable_destroy(&r->vips);
	rhashtable_destroy(&r->paths);
}

int __init ntm_relay_module_init(void)
{
	ntm_path_cache_s = kmem_cache_create("ntm_path_s", NTM_PATH_SIZE_S,
					     0, 0, NULL);
	if (!ntm_path_cache_s)
		return -ENOMEM;
	ntm_path_cache_inner = kmem_cache_create("ntm_path_inner",
						 NTM_PATH_SIZE_INNER, 0, 0,
						 NULL);
	if (!ntm_path_cache_inner)
		goto err_s;
	return 0;

err_s:
	kmem_cache_destroy(ntm_path_cache_s);
	return -ENOMEM;
}

void ntm_relay_module_exit(void)
{
	rcu_barrier();	/* every ntm_path_free_rcu() has run */
	kmem_cache_destroy(ntm_path_cache_inner);
	kmem_cache_destroy(ntm_path_cache_s);
}

#ifdef NTM_SELFTEST
#include "selftest/relay.c"
#endif
