// SPDX-License-Identifier: MIT
/*
 * include/ntm/replay.h against a reference model of the rule in
 * docs/protocol.md (accept once; above the highest, or at most 64 below it
 * and not seen). Aborts on the first disagreement.
 *
 * Input: a program of (opcode, operand) pairs; opcode % 6:
 *   0: highest + operand byte      1: highest - operand byte
 *   2: 8-byte little-endian value  3: NTM_COUNTER_MAX - operand byte
 *   4: the previous counter again  5: check only, highest - operand byte
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ntm/replay.h>

#define W NTM_REPLAY_WINDOW

struct model {
	int any;
	uint64_t max;
	uint64_t seen[W + 1];	/* accepted counters within W of max */
	unsigned int nseen;
};

static int model_check(const struct model *m, uint64_t c)
{
	unsigned int i;

	if (c > NTM_COUNTER_MAX)
		return 0;
	if (!m->any || c > m->max)
		return 1;
	if (m->max - c > W)
		return 0;
	for (i = 0; i < m->nseen; i++)
		if (m->seen[i] == c)
			return 0;
	return 1;
}

static void model_record(struct model *m, uint64_t c)
{
	unsigned int i, j;

	if (!m->any || c > m->max) {
		m->any = 1;
		m->max = c;
		for (i = j = 0; i < m->nseen; i++)
			if (m->max - m->seen[i] <= W)
				m->seen[j++] = m->seen[i];
		m->nseen = j;
	}
	if (m->nseen > W)
		abort();	/* the model itself is wrong */
	m->seen[m->nseen++] = c;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntm_replay r;
	struct model m;
	uint64_t c = 0, top;
	size_t i = 0;

	ntm_replay_init(&r);
	memset(&m, 0, sizeof(m));
	while (i + 2 <= size) {
		unsigned int op = data[i] % 6;
		uint8_t arg = data[i + 1];
		int want, got;

		top = m.any ? m.max : 0;
		i += 2;
		switch (op) {
		case 0:
			c = top + arg;
			break;
		case 1:
		case 5:
			c = top >= arg ? top - arg : 0;
			break;
		case 2:
			if (i - 1 + 8 > size)
				return 0;
			c = le64(data + i - 1);
			i += 7;
			break;
		case 3:
			c = NTM_COUNTER_MAX - arg;
			break;
		case 4:
			break;
		}
		want = model_check(&m, c);
		if (ntm_replay_check(&r, c) != want)
			abort();
		if (op == 5)
			continue;
		got = ntm_replay_update(&r, c);
		if (got != want)
			abort();
		if (got)
			model_record(&m, c);
		if (m.any && r.top != m.max + 1)
			abort();
	}
	return 0;
}
