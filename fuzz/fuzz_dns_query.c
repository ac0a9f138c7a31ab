// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DC's DNS query handler (daemon/ntm-dc/dns.c) on hostile input: any
 * datagram is answered with at most one well-formed DNS message that fits
 * the buffer (or nothing), its id copied, QR set, and never answers a
 * response. The zone has a node with an NTM record and a host.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/ntm-dc/config.c"
#include "../daemon/ntm-dc/dns.c"

static int lookup(void *arg, const char *name, struct dc_dns_name *out)
{
	memset(out, 0, sizeof(*out));
	if (!strcmp(name, "mn.ntm.test")) {
		out->has_a = true;
		out->a = 0x64400001;
		out->has_ntm = true;
		memset(out->ntm, 0, sizeof(out->ntm));
		out->ntm[0] = 1;
		return 1;
	}
	if (!strcmp(name, "gh.ntm.test")) {
		out->has_a = true;
		out->a = 0xc633641e;
		return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct dc_dns_zone z = {
		.zone = "ntm.test",
		.ns_addr = 0xc6336414,
		.serial = 1,
		.ttl = 10,
		.lookup = lookup,
	};
	uint8_t out[512];
	ldns_pkt *p = NULL;
	size_t n;

	n = dc_dns_answer(&z, data, size, out, sizeof(out));
	if (!n)
		return 0;
	if (n < 12 || n > sizeof(out) || size < 12 || (data[2] & 0x80))
		abort();
	if (out[0] != data[0] || out[1] != data[1] || !(out[2] & 0x80))
		abort();
	/* What we send parses. */
	if (ldns_wire2pkt(&p, out, n) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(p);
	return 0;
}
