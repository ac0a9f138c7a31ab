/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The arrays that grow one element at a time: full, their room doubles. */
#ifndef _NTM_ARRAY_H
#define _NTM_ARRAY_H

#include <stddef.h>

/*
 * The full array @v (room for *@cap elements of @size bytes) moved to twice
 * the room, or to @first elements if it has none; *@cap is the new room.
 * NULL if out of memory, or if the new room would not fit a size_t: @v and
 * *@cap are as they were.
 */
void *ntm_array_grow(void *v, size_t *cap, size_t size, size_t first);

#endif /* _NTM_ARRAY_H */
