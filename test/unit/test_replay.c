// SPDX-License-Identifier: MIT
/*
 * The RFC 6479 anti-replay window of include/ntm/replay.h, against the rule
 * of docs/protocol.md: accept a counter once, and only when it is above every
 * counter accepted so far or at most 64 below the highest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <ntm/replay.h>

#define W NTM_REPLAY_WINDOW

/* Check and update must agree; update returns what check predicted. */
static int accept(struct ntm_replay *r, uint64_t c)
{
	int chk = ntm_replay_check(r, c);
	int upd = ntm_replay_update(r, c);

	assert_int_equal(chk, upd);
	return upd;
}

static void test_window_is_64(void **state)
{
	assert_int_equal(NTM_REPLAY_WINDOW, 64);
	assert_int_equal(NTM_REPLAY_BLOCKS, 2);
}

static void test_first_counter_zero(void **state)
{
	struct ntm_replay r;

	ntm_replay_init(&r);
	assert_true(accept(&r, 0));
	assert_false(accept(&r, 0));
	assert_true(accept(&r, 1));
	assert_false(accept(&r, 0));
	assert_false(accept(&r, 1));
}

static void test_first_counter_large(void **state)
{
	struct ntm_replay r;

	ntm_replay_init(&r);
	assert_true(accept(&r, 1000));
	/* The window below a first counter is open: nothing was seen there. */
	assert_true(accept(&r, 1000 - W));
	assert_false(accept(&r, 1000 - W - 1));
	assert_true(accept(&r, 999));
	assert_false(accept(&r, 1000));
}

static void test_in_order(void **state)
{
	struct ntm_replay r;
	uint64_t c;

	ntm_replay_init(&r);
	for (c = 0; c < 10000; c++) {
		assert_true(accept(&r, c));
		assert_false(accept(&r, c));
		if (c)
			assert_false(ntm_replay_check(&r, c - 1));
	}
}

static void test_out_of_order_within_window(void **state)
{
	struct ntm_replay r;
	uint64_t c;

	ntm_replay_init(&r);
	assert_true(accept(&r, 200));
	/* Every counter from 199 down to 136 (64 below) once, backwards. */
	for (c = 199; c >= 200 - W; c--)
		assert_true(accept(&r, c));
	for (c = 200 - W; c <= 200; c++)
		assert_false(accept(&r, c));
	/* Interleaved: odd first, then even. */
	ntm_replay_init(&r);
	for (c = 1; c < 300; c += 2)
		assert_true(accept(&r, c));
	for (c = 299 - W + 1; c < 300; c += 2)
		assert_true(accept(&r, c));
	for (c = 2; c < 299 - W; c += 2)
		assert_false(accept(&r, c));
}

static void test_window_edge(void **state)
{
	struct ntm_replay r;
	uint64_t h;

	/* Every alignment of the highest counter within a block. */
	for (h = W; h < 4 * NTM_REPLAY_BLOCK_BITS; h++) {
		ntm_replay_init(&r);
		assert_true(accept(&r, h));
		assert_true(ntm_replay_check(&r, h - W));	/* exactly 64 below */
		assert_false(ntm_replay_check(&r, h - W - 1));	/* 65 below */
		assert_true(accept(&r, h - W));
		assert_false(accept(&r, h - W));
		assert_false(accept(&r, h - W - 1));
	}
}

static void test_too_old(void **state)
{
	struct ntm_replay r;

	ntm_replay_init(&r);
	assert_true(accept(&r, 10));
	assert_true(accept(&r, 500));
	assert_false(accept(&r, 10));	/* accepted before, and too old */
	assert_false(accept(&r, 11));	/* never seen, but too old */
	assert_false(accept(&r, 0));
	assert_false(accept(&r, 500 - W - 1));
}

static void test_duplicates(void **state)
{
	struct ntm_replay r;
	uint64_t c;
	int i;

	ntm_replay_init(&r);
	for (c = 0; c < 1000; c += 3) {
		assert_true(accept(&r, c));
		for (i = 0; i < 3; i++)
			assert_false(accept(&r, c));
	}
}

static void test_jumps_clear_stale_bits(void **state)
{
	struct ntm_replay r;
	uint64_t c, base, jump;

	/* Fill both ring blocks, then jump by 1, 2 and 3 blocks (and by one
	 * counter past each): the counters newly inside the window were never
	 * seen and must be accepted, whatever bits the ring held before. */
	for (jump = 1; jump <= 3 * NTM_REPLAY_BLOCK_BITS + 1; jump++) {
		ntm_replay_init(&r);
		for (c = 0; c < 2 * NTM_REPLAY_BLOCK_BITS; c++)
			assert_true(accept(&r, c));
		base = 2 * NTM_REPLAY_BLOCK_BITS - 1 + jump;
		assert_true(accept(&r, base));
		for (c = base - 1; c >= base - W; c--) {
			if (c < 2 * NTM_REPLAY_BLOCK_BITS)
				assert_false(accept(&r, c));
			else
				assert_true(accept(&r, c));
		}
	}
}

static void test_big_jump(void **state)
{
	struct ntm_replay r;
	uint64_t c;

	ntm_replay_init(&r);
	assert_true(accept(&r, 5));
	assert_true(accept(&r, 1ULL << 40));
	assert_false(accept(&r, 5));
	assert_false(accept(&r, 6));
	for (c = (1ULL << 40) - W; c < (1ULL << 40); c++)
		assert_true(accept(&r, c));
	assert_false(accept(&r, (1ULL << 40) - W - 1));
	assert_true(accept(&r, NTM_COUNTER_MAX));
	assert_false(accept(&r, 1ULL << 40));
}

static void test_counter_max(void **state)
{
	struct ntm_replay r;
	uint64_t c;

	ntm_replay_init(&r);
	assert_false(accept(&r, NTM_COUNTER_MAX + 1));
	assert_false(accept(&r, UINT64_MAX));
	assert_int_equal(r.top, 0);	/* a refused counter changes nothing */
	assert_true(accept(&r, NTM_COUNTER_MAX - 1));
	assert_true(accept(&r, NTM_COUNTER_MAX));
	assert_int_equal(r.top, NTM_COUNTER_MAX + 1);	/* 2^63: no wrap */
	assert_false(accept(&r, NTM_COUNTER_MAX));
	assert_false(accept(&r, NTM_COUNTER_MAX - 1));
	assert_false(accept(&r, NTM_COUNTER_MAX + 1));
	assert_false(accept(&r, UINT64_MAX));
	for (c = NTM_COUNTER_MAX - 2; c >= NTM_COUNTER_MAX - W; c--)
		assert_true(accept(&r, c));
	assert_false(accept(&r, NTM_COUNTER_MAX - W - 1));
	assert_false(accept(&r, 0));
}

static void test_check_does_not_record(void **state)
{
	struct ntm_replay r, before;

	ntm_replay_init(&r);
	assert_true(accept(&r, 100));
	before = r;
	assert_true(ntm_replay_check(&r, 101));
	assert_true(ntm_replay_check(&r, 99));
	assert_false(ntm_replay_check(&r, 100));
	assert_memory_equal(&r, &before, sizeof(r));
	/* A refused update records nothing either. */
	assert_false(ntm_replay_update(&r, 100));
	assert_false(ntm_replay_update(&r, 1));
	assert_memory_equal(&r, &before, sizeof(r));
}

/*
 * Reference model: the literal rule, with no ring. It remembers every
 * accepted counter in the window below the highest (anything older is
 * refused by the rule anyway, so forgetting it changes no answer).
 */
struct model {
	int any;
	uint64_t max;
	uint64_t seen[W + 1];
	unsigned int nseen;
};

static int model_accept(struct model *m, uint64_t c)
{
	unsigned int i, j;

	if (c > NTM_COUNTER_MAX)
		return 0;
	if (m->any && c <= m->max) {
		if (m->max - c > W)
			return 0;
		for (i = 0; i < m->nseen; i++)
			if (m->seen[i] == c)
				return 0;
	}
	if (!m->any || c > m->max) {
		m->max = c;
		m->any = 1;
		for (i = j = 0; i < m->nseen; i++)
			if (m->max - m->seen[i] <= W)
				m->seen[j++] = m->seen[i];
		m->nseen = j;
	}
	m->seen[m->nseen++] = c;
	return 1;
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Counters that stress the ring: near the top, the edge, repeats, jumps. */
static uint64_t next_counter(uint64_t *rng, const struct model *m, uint64_t last)
{
	uint64_t r = splitmix64(rng), top = m->any ? m->max : 0;

	switch (r % 10) {
	case 0: case 1: case 2:
		return top + 1 + (r >> 8) % 3;
	case 3:
		return top - (top < 70 ? top : 60 + (r >> 8) % 10);	/* edge */
	case 4: case 5:
		return top - (top < 64 ? top : (r >> 8) % 65);
	case 6:
		return last;
	case 7:
		return top + (r >> 8) % (3 * NTM_REPLAY_BLOCK_BITS);
	case 8:
		return (r >> 8) % 2 ? NTM_COUNTER_MAX - (r >> 16) % 200 :
				      top + ((r >> 16) % 2 ? 1ULL << 33 : 129);
	default:
		return (r >> 8) % 4 ? top : NTM_COUNTER_MAX + 1 + (r >> 16) % 5;
	}
}

static void test_random_against_model(void **state)
{
	uint64_t rng = 0x6e746d6f62696c65ULL;	/* "ntmobile" */
	unsigned int seq, step;

	for (seq = 0; seq < 3000; seq++) {
		struct ntm_replay r;
		struct model m = { 0 };
		uint64_t c = 0;

		ntm_replay_init(&r);
		for (step = 0; step < 600; step++) {
			int got, want;

			c = next_counter(&rng, &m, c);
			want = model_accept(&m, c);
			got = accept(&r, c);
			if (got != want)
				fail_msg("sequence %u step %u counter %llu: window %d, model %d",
					 seq, step, (unsigned long long)c, got, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_is_64),
		cmocka_unit_test(test_first_counter_zero),
		cmocka_unit_test(test_first_counter_large),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order_within_window),
		cmocka_unit_test(test_window_edge),
		cmocka_unit_test(test_too_old),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_jumps_clear_stale_bits),
		cmocka_unit_test(test_big_jump),
		cmocka_unit_test(test_counter_max),
		cmocka_unit_test(test_check_does_not_record),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
