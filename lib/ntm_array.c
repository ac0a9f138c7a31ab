// SPDX-License-Identifier: GPL-2.0-or-later
/* Arrays that grow. See ntm_array.h. */
#include <stdint.h>
#include <stdlib.h>

#include "ntm_array.h"

void *ntm_array_grow(void *v, size_t *cap, size_t size, size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	void *nv;

	if (!size || want < *cap || want > SIZE_MAX / size)
		return NULL;
	nv = realloc(v, want * size);
	if (nv)
		*cap = want;
	return nv;
}
