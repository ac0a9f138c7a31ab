/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Anti-replay window for tunnel data counters, shared by nf_ntm.ko and libntm
 * (RFC 6479: a ring of 64-bit blocks, no shifting). A counter is accepted once,
 * and only if it is above, or at most NTM_REPLAY_WINDOW below, the highest
 * counter accepted so far (docs/protocol.md, "Anti-replay"). The caller
 * serialises calls per window.
 *
 * ntm_replay_check() only looks; ntm_replay_update() records. Check before the
 * packet is authenticated, update after: an unauthenticated packet must never
 * move the window.
 *
 * Why two blocks are enough for a window of 64: after an update the ring holds
 * the block of the highest counter h and the one before it, i.e. every
 * counter from (h / 64 - 1) * 64 up to h, which is never less than h - 64.
 * Only shifts and masks: no 64-bit division on 32-bit kernels.
 */
#ifndef _NTM_REPLAY_H
#define _NTM_REPLAY_H

#include "wire.h"

#define NTM_REPLAY_BLOCKS	2		/* a power of 2 */
#define NTM_REPLAY_BLOCK_SHIFT	6
#define NTM_REPLAY_BLOCK_BITS	(1 << NTM_REPLAY_BLOCK_SHIFT)
#define NTM_REPLAY_RING_BITS	(NTM_REPLAY_BLOCKS * NTM_REPLAY_BLOCK_BITS)
#define NTM_REPLAY_WINDOW	((NTM_REPLAY_BLOCKS - 1) * NTM_REPLAY_BLOCK_BITS)

struct ntm_replay {
	ntm_u64 top;		/* highest counter accepted + 1; 0: none yet */
	ntm_u64 bitmap[NTM_REPLAY_BLOCKS];
};

static inline void ntm_replay_init(struct ntm_replay *r)
{
	unsigned int i;

	r->top = 0;
	for (i = 0; i < NTM_REPLAY_BLOCKS; i++)
		r->bitmap[i] = 0;
}

/* The ring block and the bit within it that stand for @counter. */
static inline unsigned int ntm_replay_index(ntm_u64 counter)
{
	return (unsigned int)((counter >> NTM_REPLAY_BLOCK_SHIFT) &
			      (NTM_REPLAY_BLOCKS - 1));
}

static inline ntm_u64 ntm_replay_bit(ntm_u64 counter)
{
	return (ntm_u64)1 << (counter & (NTM_REPLAY_BLOCK_BITS - 1));
}

/* 1 if @counter may be accepted, 0 if it is a replay or too old. */
static inline int ntm_replay_check(const struct ntm_replay *r, ntm_u64 counter)
{
	if (counter > NTM_COUNTER_MAX)
		return 0;
	if (counter >= r->top)
		return 1;
	/* r->top - 1 is the highest accepted; "at most 64 below" it. */
	if (r->top - 1 - counter > NTM_REPLAY_WINDOW)
		return 0;
	return !(r->bitmap[ntm_replay_index(counter)] & ntm_replay_bit(counter));
}

/*
 * Move the top to @counter + 1, zeroing every ring block entered on the way
 * (all of them after a jump of NTM_REPLAY_BLOCKS blocks or more).
 */
static inline void ntm_replay_advance(struct ntm_replay *r, ntm_u64 counter)
{
	ntm_u64 next = counter >> NTM_REPLAY_BLOCK_SHIFT;
	ntm_u64 cur = 0, diff = NTM_REPLAY_BLOCKS, i;

	/* The first counter accepted starts from a clean ring. */
	if (r->top) {
		cur = (r->top - 1) >> NTM_REPLAY_BLOCK_SHIFT;
		diff = next - cur;
		if (diff > NTM_REPLAY_BLOCKS)
			diff = NTM_REPLAY_BLOCKS;
	}
	for (i = 1; i <= diff; i++)
		r->bitmap[(cur + i) & (NTM_REPLAY_BLOCKS - 1)] = 0;
	r->top = counter + 1;
}

/* Record @counter; returns 0 (and records nothing) if the check fails. */
static inline int ntm_replay_update(struct ntm_replay *r, ntm_u64 counter)
{
	if (!ntm_replay_check(r, counter))
		return 0;
	if (counter >= r->top)
		ntm_replay_advance(r, counter);
	r->bitmap[ntm_replay_index(counter)] |= ntm_replay_bit(counter);
	return 1;
}

#endif /* _NTM_REPLAY_H */
