// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The path record ntm-rsd keeps in the comment of a path_counters element of
 * table inet ntmobile (lib/ntm_nft.c). Anyone with CAP_NET_ADMIN can write
 * that comment, and the daemon reads it back at every start (reconcile): a
 * record that parses formats back to a string that parses to the same record.
 *
 * Input: the comment's bytes (NUL-terminated here, as nftnl_udata gives it
 * after its own length check).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntm_nft.h"

static bool vip_equal(const struct ntm_vip *a, const struct ntm_vip *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family &&
	       (a->family == AF_UNSPEC || !memcmp(a->addr, b->addr, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntm_nft_path p, q;
	char s[512], out[256];

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&p, 0, sizeof(p));
	p.id = 7;
	if (ntm_nft_path_parse(s, &p) < 0)
		return 0;
	if (p.id != 7 || !ntm_nft_path_fmt(&p, out, sizeof(out)) ||
	    strnlen(out, sizeof(out)) >= sizeof(out))
		abort();
	memset(&q, 0, sizeof(q));
	q.id = 7;
	if (ntm_nft_path_parse(out, &q) < 0 || q.type != p.type ||
	    !vip_equal(&p.a_vip, &q.a_vip) || !vip_equal(&p.b_vip, &q.b_vip) ||
	    !vip_equal(&p.host, &q.host))
		abort();
	return 0;
}
