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

/*
 * Found by fuzz_node_dns: an answer whose first A record has no address
 * (rdlength 0) before a well-formed one. The rewrite must replace the A
 * record the reader takes (the first well-formed one), not the empty one,
 * so that the application gets the path's address.
 */
static void test_rewrite_skips_empty_a(void **state)
{
	static const uint8_t msg[] = {
		0x10, 0x92, 0x84, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
		0x03, 0x77, 0x77, 0x77, 0x03, 0x6e, 0x74, 0x6d, 0x04, 0x74, 0x65, 0x73,
		0x74, 0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x24, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x24, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0x00, 0x02, 0x67, 0x68, 0x03,
		0x6e, 0x74, 0x6d, 0x04, 0x04, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc6, 0x32, 0x2c, 0x1e,
	};
	const uint8_t vip[4] = { 100, 65, 0, 30 }, was[4] = { 0, 1, 0, 2 };
	uint8_t *out = NULL, a[4];
	size_t outlen;
	char qname[300];

	assert_int_equal(node_dns_answer_a(msg, sizeof(msg), qname, sizeof(qname), a), 0);
	assert_memory_equal(a, was, 4);
	assert_int_equal(node_dns_rewrite_a(msg, sizeof(msg), vip, &out, &outlen), 0);
	assert_int_equal(node_dns_answer_a(out, outlen, qname, sizeof(qname), a), 0);
	assert_memory_equal(a, vip, 4);
	free(out);
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

/* RFC 1071 sum of @len bytes from @sum, not folded. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The checksum over an IPv4 UDP packet's pseudo-header, header and data. */
static uint16_t udp_sum(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	size_t ulen = (size_t)ip[ihl + 4] << 8 | ip[ihl + 5];
	uint32_t sum = sum16(0, ip + 12, 8);

	sum += IPPROTO_UDP + (uint32_t)ulen;
	return fold(sum16(sum, ip + ihl, ulen));
}

/* 198.51.100.20:53 -> 10.1.0.2:40000, the DNS message @dns; right sums. */
static size_t ip_packet(const uint8_t *dns, size_t dlen, uint8_t *pkt)
{
	size_t len = 20 + 8 + dlen;
	uint16_t c;

	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	pkt[6] = 0x40;				/* DF */
	pkt[8] = 64;
	pkt[9] = IPPROTO_UDP;
	memcpy(pkt + 12, (uint8_t[]){ 198, 51, 100, 20, 10, 1, 0, 2 }, 8);
	c = (uint16_t)~fold(sum16(0, pkt, 20));
	pkt[10] = (uint8_t)(c >> 8);
	pkt[11] = (uint8_t)c;
	pkt[20] = 0;
	pkt[21] = 53;
	pkt[22] = 40000 >> 8;
	pkt[23] = 40000 & 0xff;
	pkt[24] = (uint8_t)((8 + dlen) >> 8);
	pkt[25] = (uint8_t)(8 + dlen);
	memcpy(pkt + 28, dns, dlen);
	c = (uint16_t)~udp_sum(pkt);
	pkt[26] = (uint8_t)(c >> 8);
	pkt[27] = (uint8_t)c;
	return len;
}

static void test_rewrite_packet(void **state)
{
	static const char *const one[] = { "cn.ntm.test. 60 IN A 100.64.0.2", NULL };
	static const char *const two[] = {
		"gh.ntm.test. 300 IN A 198.51.100.30",
		"gh.ntm.test. 300 IN A 198.51.100.31",
		NULL,
	};
	const char *const *cases[] = { one, two };
	const uint8_t to[4] = { 100, 65, 0, 30 };
	uint8_t pkt[1500], *out, a[4];
	const uint8_t *dns;
	size_t i, len, dlen, outlen;
	char qname[300];
	uint16_t dport;

	for (i = 0; i < 2; i++) {
		uint8_t *w = answer(i ? "gh.ntm.test." : "cn.ntm.test.",
				    LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, cases[i], &dlen);

		len = ip_packet(w, dlen, pkt);
		free(w);
		assert_int_equal(fold(sum16(0, pkt, 20)), 0xffff);	/* our own builder */
		assert_int_equal(udp_sum(pkt), 0xffff);
		assert_int_equal(node_dns_rewrite_packet(pkt, len, to, &out, &outlen), 0);
		/* IP: total length, header checksum */
		assert_int_equal((size_t)(out[2] << 8 | out[3]), outlen);
		assert_int_equal(fold(sum16(0, out, 20)), 0xffff);
		assert_memory_equal(out + 12, pkt + 12, 8);	/* same addresses */
		/* UDP: length, checksum with the pseudo-header, ports */
		assert_int_equal((size_t)(out[24] << 8 | out[25]), outlen - 20);
		assert_int_equal(udp_sum(out), 0xffff);
		assert_memory_equal(out + 20, pkt + 20, 4);
		/* the answer inside says @to */
		dns = node_dns_udp_payload(out, outlen, &dlen, &dport);
		assert_non_null(dns);
		assert_int_equal(dport, 40000);
		assert_int_equal(node_dns_answer_a(dns, dlen, qname, sizeof(qname), a), 0);
		assert_memory_equal(a, to, 4);
		if (i == 1)
			assert_true(outlen < len);	/* one A record less */
		free(out);
	}

	/* not UDP, a fragment, a UDP length past the packet: refused */
	pkt[9] = IPPROTO_TCP;
	assert_null(node_dns_udp_payload(pkt, len, &dlen, &dport));
	assert_int_equal(node_dns_rewrite_packet(pkt, len, to, &out, &outlen), -1);
	pkt[9] = IPPROTO_UDP;
	pkt[6] = 0x20;				/* MF */
	assert_null(node_dns_udp_payload(pkt, len, &dlen, &dport));
	pkt[6] = 0x40;
	pkt[24] = 0xff;
	assert_null(node_dns_udp_payload(pkt, len, &dlen, &dport));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_a),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_rewrite_skips_empty_a),
		cmocka_unit_test(test_ntm_record),
		cmocka_unit_test(test_rewrite_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
