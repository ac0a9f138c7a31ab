// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-node's DNS messages (daemon/ntm-node/dnsmsg.c): answers built with
 * ldns as a resolver would send them, read and rewritten as the DNS hook
 * does, and the NTM record query and answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../daemon/ntm-node/dnsmsg.c"

/* A response to "@qname A" with the RRs @rrs (presentation format). */
static uint8_t *answer(const char *qname, uint16_t qtype, ldns_pkt_rcode rcode,
		       const char *const *rrs, size_t *len)
{
	ldns_pkt *pkt = ldns_pkt_query_new(ldns_dname_new_frm_str(qname),
					   (ldns_rr_type)qtype, LDNS_RR_CLASS_IN,
					   LDNS_RD);
	uint8_t *wire = NULL;

	assert_non_null(pkt);
	ldns_pkt_set_id(pkt, 4242);
	ldns_pkt_set_qr(pkt, true);
	ldns_pkt_set_aa(pkt, true);
	ldns_pkt_set_rcode(pkt, (uint8_t)rcode);
	for (; rrs && *rrs; rrs++) {
		ldns_rr *rr = NULL;

		assert_int_equal(ldns_rr_new_frm_str(&rr, *rrs, 0, NULL, NULL),
				 LDNS_STATUS_OK);
		assert_true(ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr));
	}
	assert_int_equal(ldns_pkt2wire(&wire, pkt, len), LDNS_STATUS_OK);
	ldns_pkt_free(pkt);
	return wire;
}

static void test_answer_a(void **state)
{
	static const char *const rrs[] = {
		"www.ntm.test. 60 IN CNAME cn.ntm.test.",
		"cn.ntm.test. 60 IN A 100.64.0.2",
		"cn.ntm.test. 60 IN A 100.64.0.9",
		NULL,
	};
	char qname[300];
	uint8_t a[4];
	size_t len;
	uint8_t *w = answer("WWW.ntm.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, &len);

	assert_int_equal(node_dns_answer_a(w, len, qname, sizeof(qname), a), 0);
	assert_string_equal(qname, "www.ntm.test");	/* lower case, no dot */
	assert_memory_equal(a, ((uint8_t[]){ 100, 64, 0, 2 }), 4);
	free(w);

	/* NXDOMAIN, an AAAA question, no A in the answer: not for the hook */
	w = answer("cn.ntm.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, &len);
	assert_int_equal(node_dns_answer_a(w, len, qname, sizeof(qname), a), -1);
	free(w);
	w = answer("cn.ntm.test.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR,
		   (const char *const[]){ "cn.ntm.test. 60 IN AAAA 2001:db8::1", NULL }, &len);
	assert_int_equal(node_dns_answer_a(w, len, qname, sizeof(qname), a), -1);
	free(w);
	w = answer("cn.ntm.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, NULL, &len);
	assert_int_equal(node_dns_answer_a(w, len, qname, sizeof(qname), a), -1);
	free(w);
	/* garbage and a query (QR clear) */
	assert_int_equal(node_dns_answer_a((const uint8_t *)"\x01\x02", 2, qname,
					   sizeof(qname), a), -1);
	assert_int_equal(node_dns_ntm_query("cn.ntm.test", 7, &w, &len), 0);
	assert_int_equal(node_dns_answer_a(w, len, qname, sizeof(qname), a), -1);
	free(w);
}

static void test_rewrite(void **state)
{
	static const char *const rrs[] = {
		"www.ntm.test. 60 IN CNAME gh.ntm.test.",
		"gh.ntm.test. 60 IN A 198.51.100.30",
		"gh.ntm.test. 60 IN A 198.51.100.31",
		NULL,
	};
	const uint8_t vip[4] = { 100, 65, 0, 30 };
	ldns_pkt *pkt = NULL;
	ldns_rr_list *ans;
	uint8_t *w, *out = NULL, a[4];
	size_t len, outlen, i, na = 0;
	char qname[300];

	w = answer("www.ntm.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, &len);
	assert_int_equal(node_dns_rewrite_a(w, len, vip, &out, &outlen), 0);
	assert_non_null(out);
	/* what the application gets: the path's address, one A, same id */
	assert_int_equal(node_dns_answer_a(out, outlen, qname, sizeof(qname), a), 0);
	assert_memory_equal(a, vip, 4);
	assert_int_equal(ldns_wire2pkt(&pkt, out, outlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(pkt), 4242);
	assert_true(ldns_pkt_aa(pkt));
	ans = ldns_pkt_answer(pkt);
	assert_int_equal(ldns_rr_list_rr_count(ans), 2);
	assert_int_equal(ldns_pkt_ancount(pkt), 2);
	for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A) {
			na++;
			assert_int_equal(ldns_rr_ttl(rr), 60);
		} else {
			assert_int_equal(ldns_rr_get_type(rr), LDNS_RR_TYPE_CNAME);
		}
	}
	assert_int_equal(na, 1);
	ldns_pkt_free(pkt);
	free(out);
	free(w);

	/* no A record: nothing to rewrite */
	w = answer("x.ntm.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, NULL, &len);
	assert_int_equal(node_dns_rewrite_a(w, len, vip, &out, &outlen), -1);
	assert_null(out);
	free(w);
}

static void test_ntm_record(void **state)
{
	struct ntm_record r = {
		.flags = NTM_RECORD_F_NAT, .node_id = 12,
		.vip = { .family = NTM_AF_INET, .addr = { 100, 64, 0, 2 } },
		.local = { .family = NTM_AF_INET, .port = 7702, .addr = { 10, 2, 0, 2 } },
		.observed = { .family = NTM_AF_INET, .port = 7702, .addr = { 198, 51, 100, 2 } },
		.dc = { .family = NTM_AF_INET, .port = 7700, .addr = { 198, 51, 100, 20 } },
	}, got;
	uint8_t rdata[NTM_RECORD_LEN], *w, *q;
	char rr[400], *p;
	size_t len, qlen, i;
	uint16_t id;
	ldns_pkt *pkt = NULL;

	/* the query: type 65300, the name, our id */
	assert_int_equal(node_dns_ntm_query("cn.ntm.test", 99, &q, &qlen), 0);
	assert_int_equal(ldns_wire2pkt(&pkt, q, qlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(pkt), 99);
	assert_int_equal((unsigned)ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)),
			 NTM_RR_TYPE);
	ldns_pkt_free(pkt);
	free(q);

	assert_int_equal(ntm_record_encode(&r, rdata), NTM_OK);
	p = rr + snprintf(rr, sizeof(rr), "cn.ntm.test. 60 IN TYPE65300 \\# 88 ");
	for (i = 0; i < sizeof(rdata); i++)
		p += sprintf(p, "%02x", rdata[i]);
	w = answer("cn.ntm.test.", NTM_RR_TYPE, LDNS_RCODE_NOERROR,
		   (const char *const[]){ rr, NULL }, &len);
	memset(&got, 0, sizeof(got));
	assert_int_equal(node_dns_ntm_answer(w, len, &id, &got), 1);
	assert_int_equal(id, 4242);
	assert_int_equal(got.node_id, 12);
	assert_true(ntm_addr_equal(&got.vip, &r.vip));
	assert_true(ntm_addr_equal(&got.observed, &r.observed));
	assert_true(ntm_addr_equal(&got.dc, &r.dc));
	free(w);

	/* a general host: NXDOMAIN or no data for the type */
	w = answer("gh.ntm.test.", NTM_RR_TYPE, LDNS_RCODE_NXDOMAIN, NULL, &len);
	assert_int_equal(node_dns_ntm_answer(w, len, &id, &got), 0);
	free(w);
	w = answer("gh.ntm.test.", NTM_RR_TYPE, LDNS_RCODE_NOERROR, NULL, &len);
	assert_int_equal(node_dns_ntm_answer(w, len, &id, &got), 0);
	free(w);
	/* SERVFAIL, and a record of the wrong size: unusable */
	w = answer("gh.ntm.test.", NTM_RR_TYPE, LDNS_RCODE_SERVFAIL, NULL, &len);
	assert_int_equal(node_dns_ntm_answer(w, len, &id, &got), -1);
	free(w);
	w = answer("cn.ntm.test.", NTM_RR_TYPE, LDNS_RCODE_NOERROR,
		   (const char *const[]){ "cn.ntm.test. 60 IN TYPE65300 \\# 2 0102", NULL }, &len);
	assert_int_equal(node_dns_ntm_answer(w, len, &id, &got), 0);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_a),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_ntm_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
