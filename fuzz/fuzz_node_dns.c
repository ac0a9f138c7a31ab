// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-node's DNS hook on what a network can send it (daemon/ntm-node/
 * dnsmsg.c): an IPv4/UDP packet from port 53 as NFQUEUE hands it over, read
 * as an A answer, rewritten with its IP/UDP lengths and checksums, and the
 * same bytes as the answer to an NTM record query. Whatever comes in, a
 * rewritten packet must again be a packet whose answer says the new address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/ntm-node/dnsmsg.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t to[4] = { 100, 65, 0, 30 };
	const uint8_t *dns;
	struct ntm_record rec;
	char qname[NTM_NAME_MAX + 2];
	uint8_t a[4], *out = NULL;
	size_t dlen, outlen;
	uint16_t dport, id;

	dns = node_dns_udp_payload(data, size, &dlen, &dport);
	if (!dns) {
		/* the DNS socket's answers come without IP/UDP headers */
		(void)node_dns_ntm_answer(data, size, &id, &rec);
		return 0;
	}
	(void)node_dns_ntm_answer(dns, dlen, &id, &rec);
	if (node_dns_answer_a(dns, dlen, qname, sizeof(qname), a) < 0)
		return 0;
	if (node_dns_rewrite_packet(data, size, to, &out, &outlen) == 0) {
		dns = node_dns_udp_payload(out, outlen, &dlen, &dport);
		if (!dns || node_dns_answer_a(dns, dlen, qname, sizeof(qname), a) < 0 ||
		    memcmp(a, to, 4))
			abort();
		free(out);
	}
	return 0;
}
