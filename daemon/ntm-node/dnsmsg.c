// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DNS messages with ldns: what the hook reads in an answer (the question's
 * name and its first A record), the rewrite of the A records (and of the
 * IP/UDP packet around them, with libnetfilter_queue's pkt_buff helpers),
 * and the NTM record query and its answer. No sockets here: unit-tested on
 * their own.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <libnetfilter_queue/libnetfilter_queue_ipv4.h>
#include <libnetfilter_queue/libnetfilter_queue_udp.h>
#include <libnetfilter_queue/pktbuff.h>
#include <linux/ip.h>
#include <netinet/in.h>

#include "node.h"

static void name_of(const ldns_rdf *owner, char *out, size_t len)
{
	char *s = ldns_rdf2str(owner);
	size_t k, i;

	if (!s) {
		out[0] = '\0';
		return;
	}
	snprintf(out, len, "%s", s);
	free(s);
	k = strlen(out);
	if (k > 1 && out[k - 1] == '.')
		out[--k] = '\0';
	for (i = 0; i < k; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

int node_dns_answer_a(const uint8_t *dns, size_t len, char *qname,
		      size_t qlen, uint8_t a[4])
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *q, *ans;
	ldns_rr *qrr;
	size_t i;
	int ret = -1;

	if (ldns_wire2pkt(&pkt, dns, len) != LDNS_STATUS_OK)
		return -1;
	if (!ldns_pkt_qr(pkt) || ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR)
		goto out;
	q = ldns_pkt_question(pkt);
	if (!q || ldns_rr_list_rr_count(q) < 1)
		goto out;
	qrr = ldns_rr_list_rr(q, 0);
	if (ldns_rr_get_type(qrr) != LDNS_RR_TYPE_A ||
	    ldns_rr_get_class(qrr) != LDNS_RR_CLASS_IN)
		goto out;
	ans = ldns_pkt_answer(pkt);
	for (i = 0; ans && i < ldns_rr_list_rr_count(ans); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);
		ldns_rdf *rdf;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A || ldns_rr_rd_count(rr) < 1)
			continue;
		rdf = ldns_rr_rdf(rr, 0);
		if (ldns_rdf_size(rdf) != 4)
			continue;
		memcpy(a, ldns_rdf_data(rdf), 4);
		name_of(ldns_rr_owner(qrr), qname, qlen);
		ret = qname[0] ? 0 : -1;
		break;
	}
out:
	ldns_pkt_free(pkt);
	return ret;
}

int node_dns_rewrite_a(const uint8_t *dns, size_t len, const uint8_t a[4],
		       uint8_t **out, size_t *outlen)
{
	ldns_rr_list *ans, *keep = NULL;
	ldns_pkt *pkt = NULL;
	bool first = true;
	size_t i;
	int ret = -1;

	*out = NULL;
	*outlen = 0;
	if (ldns_wire2pkt(&pkt, dns, len) != LDNS_STATUS_OK)
		return -1;
	ans = ldns_pkt_answer(pkt);
	keep = ldns_rr_list_new();
	if (!ans || !keep)
		goto out;
	for (i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i), *c;

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A) {
			ldns_rdf *rdf, *old;

			/* One address, the path's, in place of the first
			 * well-formed A record: the one node_dns_answer_a()
			 * read. Every other A record goes. */
			if (!first || ldns_rr_rd_count(rr) < 1 ||
			    ldns_rdf_size(ldns_rr_rdf(rr, 0)) != 4)
				continue;
			first = false;
			c = ldns_rr_clone(rr);
			rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, a);
			if (!c || !rdf) {
				ldns_rr_free(c);
				ldns_rdf_deep_free(rdf);
				goto out;
			}
			old = ldns_rr_set_rdf(c, rdf, 0);
			ldns_rdf_deep_free(old);
		} else {
			c = ldns_rr_clone(rr);
			if (!c)
				goto out;
		}
		if (!ldns_rr_list_push_rr(keep, c)) {
			ldns_rr_free(c);
			goto out;
		}
	}
	if (first)
		goto out;		/* no A record */
	ldns_pkt_set_answer(pkt, keep);
	ldns_pkt_set_ancount(pkt, (uint16_t)ldns_rr_list_rr_count(keep));
	ldns_rr_list_deep_free(ans);
	keep = NULL;
	if (ldns_pkt2wire(out, pkt, outlen) != LDNS_STATUS_OK) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		goto out;
	}
	ret = 0;
out:
	if (keep)
		ldns_rr_list_deep_free(keep);
	ldns_pkt_free(pkt);
	return ret;
}

int node_dns_ntm_query(const char *name, uint16_t id, uint8_t **out,
		       size_t *outlen)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	ldns_pkt *pkt;
	int ret = -1;

	*out = NULL;
	if (!dname)
		return -1;
	pkt = ldns_pkt_query_new(dname, (ldns_rr_type)NTM_RR_TYPE,
				 LDNS_RR_CLASS_IN, LDNS_RD);
	if (!pkt)
		return -1;
	ldns_pkt_set_id(pkt, id);
	if (ldns_pkt2wire(out, pkt, outlen) == LDNS_STATUS_OK)
		ret = 0;
	ldns_pkt_free(pkt);
	return ret;
}

int node_dns_ntm_answer(const uint8_t *dns, size_t len, uint16_t *id,
			struct ntm_record *rec)
{
	ldns_rr_list *ans;
	ldns_pkt *pkt = NULL;
	size_t i, j;
	int ret = -1;

	if (ldns_wire2pkt(&pkt, dns, len) != LDNS_STATUS_OK)
		return -1;
	*id = ldns_pkt_id(pkt);
	if (!ldns_pkt_qr(pkt))
		goto out;
	if (ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN) {
		ret = 0;
		goto out;
	}
	if (ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR)
		goto out;
	ret = 0;
	ans = ldns_pkt_answer(pkt);
	for (i = 0; ans && i < ldns_rr_list_rr_count(ans); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ans, i);
		uint8_t rdata[NTM_RECORD_LEN];
		size_t k = 0;

		if ((unsigned int)ldns_rr_get_type(rr) != NTM_RR_TYPE)
			continue;
		/* An unknown type: its RDATA is one or more opaque fields. */
		for (j = 0; j < ldns_rr_rd_count(rr); j++) {
			ldns_rdf *rdf = ldns_rr_rdf(rr, j);
			size_t sz = ldns_rdf_size(rdf);

			if (k + sz > sizeof(rdata)) {
				k = sizeof(rdata) + 1;
				break;
			}
			memcpy(rdata + k, ldns_rdf_data(rdf), sz);
			k += sz;
		}
		if (k == NTM_RECORD_LEN && ntm_record_decode(rdata, k, rec) == NTM_OK) {
			ret = 1;
			break;
		}
	}
out:
	ldns_pkt_free(pkt);
	return ret;
}

const uint8_t *node_dns_udp_payload(const uint8_t *pkt, size_t len,
				    size_t *dlen, uint16_t *dport)
{
	size_t ihl, ulen, tot;

	if (len < 20 || (pkt[0] >> 4) != 4 || pkt[9] != IPPROTO_UDP)
		return NULL;
	ihl = (size_t)(pkt[0] & 0xf) * 4;
	tot = (size_t)pkt[2] << 8 | pkt[3];
	if (ihl < 20 || tot > len || tot < ihl + 8 ||
	    (pkt[6] & 0x3f) || pkt[7])	/* a fragment */
		return NULL;
	ulen = (size_t)pkt[ihl + 4] << 8 | pkt[ihl + 5];
	if (ulen < 8 || ihl + ulen > tot)
		return NULL;
	*dport = (uint16_t)(pkt[ihl + 2] << 8 | pkt[ihl + 3]);
	*dlen = ulen - 8;
	return pkt + ihl + 8;
}

int node_dns_rewrite_packet(const uint8_t *pkt, size_t len, const uint8_t a[4],
			    uint8_t **out, size_t *outlen)
{
	const uint8_t *dns;
	struct pkt_buff *pb = NULL;
	uint8_t *msg = NULL;
	size_t dlen, mlen;
	uint16_t dport;
	struct iphdr *iph;
	int ret = -1;

	*out = NULL;
	dns = node_dns_udp_payload(pkt, len, &dlen, &dport);
	if (!dns || node_dns_rewrite_a(dns, dlen, a, &msg, &mlen) < 0)
		return -1;
	/* Lengths and both checksums are fixed by the mangle. */
	pb = pktb_alloc(AF_INET, (void *)pkt, len, mlen + 64);
	if (!pb || !(iph = nfq_ip_get_hdr(pb)) ||
	    nfq_ip_set_transport_header(pb, iph) < 0 || !nfq_udp_get_hdr(pb) ||
	    !nfq_udp_mangle_ipv4(pb, 0, (unsigned int)dlen, (const char *)msg,
				 (unsigned int)mlen))
		goto out;
	*out = malloc(pktb_len(pb));
	if (!*out)
		goto out;
	memcpy(*out, pktb_data(pb), pktb_len(pb));
	*outlen = pktb_len(pb);
	ret = 0;
out:
	if (pb)
		pktb_free(pb);
	free(msg);
	return ret;
}
