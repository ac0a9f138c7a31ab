// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-dc's DNS answers (daemon/ntm-dc/dns.c): queries built with ldns, the
 * answers parsed with ldns. A, the NTM record (type 65300, 88 bytes of
 * RDATA that decode to the record given), SOA, NS with glue, NODATA,
 * NXDOMAIN, REFUSED, NOTIMP, FORMERR, and no answer to responses or runts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../daemon/ntm-dc/config.c"
#include "../../daemon/ntm-dc/dns.c"

static uint8_t rec88[NTM_RECORD_LEN];

static int lookup(void *arg, const char *name, struct dc_dns_name *out)
{
	memset(out, 0, sizeof(*out));
	if (!strcmp(name, "mn.ntm.test")) {
		out->has_a = true;
		out->a = 0x64400001;
		out->has_ntm = true;
		memcpy(out->ntm, rec88, sizeof(rec88));
		return 1;
	}
	if (!strcmp(name, "gh.ntm.test")) {
		out->has_a = true;
		out->a = 0xc633641e;
		return 1;
	}
	return 0;
}

static const struct dc_dns_zone zone = {
	.zone = "ntm.test",
	.ns_addr = 0xc6336414,
	.serial = 42,
	.ttl = 10,
	.lookup = lookup,
};

/* Ask @name/@type; the answer parsed, or NULL if none was sent. */
static ldns_pkt *ask(const char *name, ldns_rr_type type, uint16_t id)
{
	ldns_pkt *q, *a = NULL;
	uint8_t *wire = NULL, out[512];
	size_t wlen, n;

	q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type,
			       LDNS_RR_CLASS_IN, LDNS_RD);
	assert_non_null(q);
	ldns_pkt_set_id(q, id);
	assert_int_equal(ldns_pkt2wire(&wire, q, &wlen), LDNS_STATUS_OK);
	n = dc_dns_answer(&zone, wire, wlen, out, sizeof(out));
	free(wire);
	ldns_pkt_free(q);
	if (!n)
		return NULL;
	assert_int_equal(ldns_wire2pkt(&a, out, n), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(a), id);
	assert_true(ldns_pkt_qr(a));
	assert_false(ldns_pkt_ra(a));
	return a;
}

static void test_a_and_ntm(void **state)
{
	struct ntm_record r, back;
	ldns_pkt *a;
	ldns_rr *rr;
	ldns_rdf *rd;

	memset(&r, 0, sizeof(r));
	r.flags = NTM_RECORD_F_NAT;
	r.node_id = 11;
	assert_int_equal(ntm_addr_parse(&r.vip, "100.64.0.1"), NTM_OK);
	assert_int_equal(ntm_addr_parse(&r.local, "10.1.0.2:7702"), NTM_OK);
	assert_int_equal(ntm_addr_parse(&r.observed, "198.51.100.1:7702"), NTM_OK);
	assert_int_equal(ntm_addr_parse(&r.dc, "198.51.100.20:7700"), NTM_OK);
	assert_int_equal(ntm_record_encode(&r, rec88), NTM_OK);

	a = ask("MN.ntm.test.", LDNS_RR_TYPE_A, 7);
	assert_non_null(a);
	assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_aa(a));
	assert_int_equal(ldns_pkt_ancount(a), 1);
	rr = ldns_rr_list_rr(ldns_pkt_answer(a), 0);
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_A);
	assert_int_equal(ldns_rr_ttl(rr), 10);
	rd = ldns_rr_rdf(rr, 0);
	assert_memory_equal(ldns_rdf_data(rd), "\x64\x40\x00\x01", 4);
	ldns_pkt_free(a);

	a = ask("mn.ntm.test", (ldns_rr_type)NTM_RR_TYPE, 8);
	assert_non_null(a);
	assert_int_equal(ldns_pkt_ancount(a), 1);
	rr = ldns_rr_list_rr(ldns_pkt_answer(a), 0);
	assert_int_equal(ldns_rr_get_type(rr), NTM_RR_TYPE);
	rd = ldns_rr_rdf(rr, 0);
	assert_int_equal(ldns_rdf_size(rd), NTM_RECORD_LEN);
	assert_int_equal(ntm_record_decode(ldns_rdf_data(rd), ldns_rdf_size(rd), &back), NTM_OK);
	assert_int_equal(back.node_id, 11);
	assert_true(ntm_addr_equal(&back.observed, &r.observed));
	ldns_pkt_free(a);

	a = ask("mn.ntm.test", LDNS_RR_TYPE_ANY, 9);
	assert_int_equal(ldns_pkt_ancount(a), 2);
	ldns_pkt_free(a);
}

static void test_apex_and_negative(void **state)
{
	ldns_pkt *a;
	ldns_rr *rr;

	a = ask("ntm.test", LDNS_RR_TYPE_SOA, 1);
	assert_int_equal(ldns_pkt_ancount(a), 1);
	rr = ldns_rr_list_rr(ldns_pkt_answer(a), 0);
	assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(rr, 2)), 42);
	ldns_pkt_free(a);

	a = ask("ntm.test", LDNS_RR_TYPE_NS, 2);
	assert_int_equal(ldns_pkt_ancount(a), 1);
	assert_int_equal(ldns_pkt_arcount(a), 1);
	rr = ldns_rr_list_rr(ldns_pkt_additional(a), 0);
	assert_memory_equal(ldns_rdf_data(ldns_rr_rdf(rr, 0)), "\xc6\x33\x64\x14", 4);
	ldns_pkt_free(a);

	a = ask("ns.ntm.test", LDNS_RR_TYPE_A, 3);
	assert_int_equal(ldns_pkt_ancount(a), 1);
	ldns_pkt_free(a);

	/* A host: A, but no NTM record: NODATA with the SOA. */
	a = ask("gh.ntm.test", (ldns_rr_type)NTM_RR_TYPE, 4);
	assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(a), 0);
	assert_int_equal(ldns_pkt_nscount(a), 1);
	ldns_pkt_free(a);

	a = ask("nobody.ntm.test", LDNS_RR_TYPE_A, 5);
	assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	assert_true(ldns_pkt_aa(a));
	assert_int_equal(ldns_pkt_nscount(a), 1);
	ldns_pkt_free(a);

	a = ask("example.com", LDNS_RR_TYPE_A, 6);
	assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
	assert_false(ldns_pkt_aa(a));
	assert_int_equal(ldns_pkt_ancount(a), 0);
	ldns_pkt_free(a);

	/* "xntm.test" is not in the zone either. */
	a = ask("xntm.test", LDNS_RR_TYPE_A, 7);
	assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
	ldns_pkt_free(a);
}

static void test_hostile(void **state)
{
	uint8_t q[64], out[512];
	size_t n;

	/* Runts and responses: nothing. */
	assert_int_equal(dc_dns_answer(&zone, (const uint8_t *)"\x12\x34", 2, out, sizeof(out)), 0);
	memset(q, 0, 12);
	q[2] = 0x80;
	assert_int_equal(dc_dns_answer(&zone, q, 12, out, sizeof(out)), 0);
	/* A header that claims a question it does not hold: FORMERR. */
	memset(q, 0, sizeof(q));
	q[0] = 0xab;
	q[1] = 0xcd;
	q[5] = 1;
	n = dc_dns_answer(&zone, q, 12, out, sizeof(out));
	assert_int_equal(n, 12);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[2] & 0x80, 0x80);
	assert_int_equal(out[3] & 0x0f, LDNS_RCODE_FORMERR);
	/* No question at all: FORMERR too. */
	q[5] = 0;
	n = dc_dns_answer(&zone, q, 12, out, sizeof(out));
	assert_true(n >= 12);
	assert_int_equal(out[3] & 0x0f, LDNS_RCODE_FORMERR);
	/* Another opcode (STATUS): NOTIMP. */
	q[2] = 2 << 3;
	n = dc_dns_answer(&zone, q, 12, out, sizeof(out));
	assert_true(n >= 12);
	assert_int_equal(out[3] & 0x0f, LDNS_RCODE_NOTIMPL);
	/* A compression loop in the name. */
	memset(q, 0, sizeof(q));
	q[5] = 1;
	q[12] = 0xc0;
	q[13] = 12;
	n = dc_dns_answer(&zone, q, 18, out, sizeof(out));
	assert_true(n == 0 || (n >= 12 && (out[3] & 0x0f) == LDNS_RCODE_FORMERR));
	/* Too small an output buffer: nothing, never an overflow. */
	{
		ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str("mn.ntm.test"),
						 LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0);
		uint8_t *wire = NULL;
		size_t wlen;

		assert_int_equal(ldns_pkt2wire(&wire, p, &wlen), LDNS_STATUS_OK);
		assert_int_equal(dc_dns_answer(&zone, wire, wlen, out, 8), 0);
		free(wire);
		ldns_pkt_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_and_ntm),
		cmocka_unit_test(test_apex_and_negative),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
