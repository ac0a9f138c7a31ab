// SPDX-License-Identifier: MIT
/*
 * The NTM DNS record and the ntm_addr helpers: a record that decodes
 * encodes back to the same 88 bytes, and every address survives
 * format -> parse and ntm_addr -> sockaddr -> ntm_addr.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ntm/msg.h>

static void check_addr(const struct ntm_addr *a)
{
	char s[NTM_ADDR_FMT_LEN];
	struct sockaddr_storage ss;
	struct ntm_addr back;
	socklen_t len;

	ntm_addr_fmt(a, s, sizeof(s));
	if (ntm_addr_parse(&back, s) != NTM_OK || !ntm_addr_equal(a, &back))
		abort();
	if (a->family == NTM_AF_NONE) {
		if (ntm_addr_to_sockaddr(a, &ss, &len) == NTM_OK)
			abort();
		return;
	}
	if (ntm_addr_to_sockaddr(a, &ss, &len) != NTM_OK ||
	    ntm_addr_from_sockaddr(&back, &ss) != NTM_OK)
		abort();
	/* A v4-mapped IPv6 address comes back as IPv4, by design. */
	if (!IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a->addr) &&
	    !ntm_addr_equal(a, &back))
		abort();
	if (ntm_addr_to_sockaddr6(a, &ss, &len) != NTM_OK ||
	    ntm_addr_from_sockaddr(&back, &ss) != NTM_OK ||
	    back.port != a->port)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[NTM_RECORD_LEN];
	struct ntm_record r;
	struct ntm_addr a;

	if (size >= NTM_ADDR_LEN && ntm_addr_decode(data, &a) == NTM_OK)
		check_addr(&a);
	if (ntm_record_decode(data, size, &r) != NTM_OK)
		return 0;
	if (size != NTM_RECORD_LEN || ntm_record_encode(&r, out) != NTM_OK ||
	    memcmp(out, data, NTM_RECORD_LEN))
		abort();
	check_addr(&r.vip);
	check_addr(&r.local);
	check_addr(&r.observed);
	check_addr(&r.dc);
	return 0;
}
