// SPDX-License-Identifier: GPL-2.0-or-later
/* The growing arrays (lib/ntm_array.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "ntm_array.h"

/* Empty: @first elements; full: twice the room, the elements kept. */
static void test_grow(void **state)
{
	uint32_t *v = NULL, *nv;
	size_t n = 0, cap = 0;

	for (n = 0; n < 100; n++) {
		if (n == cap) {
			nv = ntm_array_grow(v, &cap, sizeof(*v), 8);
			assert_non_null(nv);
			v = nv;
			assert_int_equal(cap, n ? 2 * n : 8);
		}
		v[n] = (uint32_t)n * 7;
	}
	assert_int_equal(cap, 128);
	for (n = 0; n < 100; n++)
		assert_int_equal(v[n], n * 7);
	free(v);
}

/* A room that would overflow size_t is refused, and nothing changes. */
static void test_grow_overflow(void **state)
{
	char buf[1];
	size_t cap = SIZE_MAX / 16 + 1;

	(void)state;
	assert_null(ntm_array_grow(buf, &cap, 8, 8));
	assert_int_equal(cap, SIZE_MAX / 16 + 1);
	cap = 0;
	assert_null(ntm_array_grow(NULL, &cap, SIZE_MAX / 2, 4));
	assert_int_equal(cap, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_grow_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
