// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DC's authoritative DNS answers (ldns), for its zone only, no
 * recursion, no daemon state: what exists comes from the zone's lookup
 * callback (node.c over the registrations; the fuzz target has its own).
 *
 *   <zone>           SOA, NS ns.<zone>
 *   ns.<zone>        A: the DC's address
 *   <node name>      A: the node's VIP; NTM (type 65300): its NTM record
 *                    (88 bytes, ntm_record_encode), while it is registered
 *   <host name>      A: the host's address
 *
 * AA is set on every answer of the zone; a name of the zone that does not
 * exist is NXDOMAIN, a type it does not have is NOERROR with no answer
 * (both with the SOA in the authority section, RFC 2308); a name outside
 * the zone is REFUSED. Only QUERY with one question is answered; other
 * opcodes get NOTIMP, a query that does not parse FORMERR (if its header
 * did), responses nothing.
 */
#include <ctype.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dc.h"

#define DNS_HDR_LEN	12

/* Header-only answer to a query ldns could not parse. */
static size_t formerr(const uint8_t *q, size_t qlen, uint8_t *out, size_t cap)
{
	if (qlen < DNS_HDR_LEN || cap < DNS_HDR_LEN || (q[2] & 0x80))
		return 0;	/* no header, or a response: never answered */
	memset(out, 0, DNS_HDR_LEN);
	out[0] = q[0];
	out[1] = q[1];
	out[2] = (uint8_t)(0x80 | (q[2] & 0x78));	/* QR, the opcode */
	out[3] = LDNS_RCODE_FORMERR;
	return DNS_HDR_LEN;
}

static ldns_rr *rr_new(const char *owner, ldns_rr_type type, uint32_t ttl)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *o;

	if (!rr)
		return NULL;
	o = ldns_dname_new_frm_str(owner);
	if (!o) {
		ldns_rr_free(rr);
		return NULL;
	}
	ldns_rr_set_owner(rr, o);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ttl);
	return rr;
}

/* Push @rdf (owned) onto @rr, or free both. */
static ldns_rr *rr_push(ldns_rr *rr, ldns_rdf *rdf)
{
	if (!rr || !rdf || !ldns_rr_push_rdf(rr, rdf)) {
		if (rdf)
			ldns_rdf_deep_free(rdf);
		if (rr)
			ldns_rr_free(rr);
		return NULL;
	}
	return rr;
}

static ldns_rr *rr_a(const char *owner, uint32_t a, uint32_t ttl)
{
	uint8_t b[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16),
			 (uint8_t)(a >> 8), (uint8_t)a };

	return rr_push(rr_new(owner, LDNS_RR_TYPE_A, ttl),
		       ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, b));
}

static ldns_rr *rr_ns(const struct dc_dns_zone *z)
{
	char ns[NTM_NAME_MAX + 8];

	snprintf(ns, sizeof(ns), "ns.%s.", z->zone);
	return rr_push(rr_new(z->zone, LDNS_RR_TYPE_NS, z->ttl),
		       ldns_dname_new_frm_str(ns));
}

static ldns_rr *rr_soa(const struct dc_dns_zone *z)
{
	char ns[NTM_NAME_MAX + 8], mbox[NTM_NAME_MAX + 16];
	const uint32_t times[] = { z->serial, 3600, 600, 86400, z->ttl };
	ldns_rr *rr;
	size_t i;

	snprintf(ns, sizeof(ns), "ns.%s.", z->zone);
	snprintf(mbox, sizeof(mbox), "hostmaster.%s.", z->zone);
	rr = rr_push(rr_new(z->zone, LDNS_RR_TYPE_SOA, z->ttl),
		     ldns_dname_new_frm_str(ns));
	rr = rr_push(rr, ldns_dname_new_frm_str(mbox));
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		rr = rr_push(rr, ldns_native2rdf_int32(i ? LDNS_RDF_TYPE_PERIOD :
						       LDNS_RDF_TYPE_INT32,
						       times[i]));
	return rr;
}

static ldns_rr *rr_ntm(const char *owner, const uint8_t *rec, uint32_t ttl)
{
	return rr_push(rr_new(owner, (ldns_rr_type)NTM_RR_TYPE, ttl),
		       ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN,
					     NTM_RECORD_LEN, rec));
}

/* Push @rr (may be NULL: out of memory) into @sec; false on failure. */
static bool pkt_push(ldns_pkt *p, ldns_pkt_section sec, ldns_rr *rr)
{
	if (!rr)
		return false;
	if (!ldns_pkt_push_rr(p, sec, rr)) {
		ldns_rr_free(rr);
		return false;
	}
	return true;
}

/* The question's name, lower case, without the trailing dot; false if it
 * does not fit or holds characters no name of ours has. */
static bool qname(const ldns_rdf *owner, char *out, size_t cap)
{
	char *s = ldns_rdf2str(owner);
	size_t i, n;
	bool ok = true;

	if (!s)
		return false;
	n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	if (n >= cap)
		ok = false;
	for (i = 0; ok && i < n; i++) {
		char c = (char)tolower((unsigned char)s[i]);

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			ok = false;	/* "\046" and friends: not ours */
		out[i] = c;
	}
	if (ok)
		out[n] = '\0';
	free(s);
	return ok;
}

/* The answer's records; returns the rcode. */
static int fill(const struct dc_dns_zone *z, ldns_pkt *a, const char *name,
		bool name_ok, ldns_rr_type type, ldns_rr_class cls)
{
	char ns[NTM_NAME_MAX + 8];
	struct dc_dns_name found;
	bool any = type == LDNS_RR_TYPE_ANY, exists = false, ok = true;
	size_t before;

	if (!name_ok || !dc_name_in_zone(name, z->zone))
		return LDNS_RCODE_REFUSED;
	ldns_pkt_set_aa(a, true);
	if (cls != LDNS_RR_CLASS_IN && cls != LDNS_RR_CLASS_ANY)
		return LDNS_RCODE_REFUSED;
	before = ldns_pkt_ancount(a);
	snprintf(ns, sizeof(ns), "ns.%s", z->zone);
	if (!strcmp(name, z->zone)) {
		exists = true;
		if (any || type == LDNS_RR_TYPE_SOA)
			ok &= pkt_push(a, LDNS_SECTION_ANSWER, rr_soa(z));
		if (any || type == LDNS_RR_TYPE_NS) {
			ok &= pkt_push(a, LDNS_SECTION_ANSWER, rr_ns(z));
			ok &= pkt_push(a, LDNS_SECTION_ADDITIONAL,
				   rr_a(ns, z->ns_addr, z->ttl));
		}
	} else if (!strcmp(name, ns)) {
		exists = true;
		if (any || type == LDNS_RR_TYPE_A)
			ok &= pkt_push(a, LDNS_SECTION_ANSWER,
				   rr_a(name, z->ns_addr, z->ttl));
	} else if (z->lookup && z->lookup(z->arg, name, &found) == 1) {
		exists = true;
		if ((any || type == LDNS_RR_TYPE_A) && found.has_a)
			ok &= pkt_push(a, LDNS_SECTION_ANSWER,
				   rr_a(name, found.a, z->ttl));
		if ((any || type == (ldns_rr_type)NTM_RR_TYPE) && found.has_ntm)
			ok &= pkt_push(a, LDNS_SECTION_ANSWER,
				   rr_ntm(name, found.ntm, z->ttl));
	}
	if (!ok)
		return LDNS_RCODE_SERVFAIL;
	if (ldns_pkt_ancount(a) == before &&
	    !pkt_push(a, LDNS_SECTION_AUTHORITY, rr_soa(z)))
		return LDNS_RCODE_SERVFAIL;
	return exists ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN;
}

size_t dc_dns_answer(const struct dc_dns_zone *z, const uint8_t *q,
		     size_t qlen, uint8_t *out, size_t cap)
{
	char name[NTM_NAME_MAX + 2] = "";
	ldns_pkt *qp = NULL, *a = NULL;
	ldns_rr *question = NULL;
	uint8_t *wire = NULL;
	size_t wlen = 0, ret = 0;
	int rcode;

	if (qlen < DNS_HDR_LEN || (q[2] & 0x80))
		return 0;
	if (ldns_wire2pkt(&qp, q, qlen) != LDNS_STATUS_OK || !qp)
		return formerr(q, qlen, out, cap);
	a = ldns_pkt_new();
	if (!a)
		goto out;
	ldns_pkt_set_id(a, ldns_pkt_id(qp));
	ldns_pkt_set_qr(a, true);
	ldns_pkt_set_opcode(a, ldns_pkt_get_opcode(qp));
	ldns_pkt_set_rd(a, ldns_pkt_rd(qp));
	if (ldns_pkt_get_opcode(qp) != LDNS_PACKET_QUERY) {
		rcode = LDNS_RCODE_NOTIMPL;
	} else if (ldns_pkt_qdcount(qp) != 1 ||
		   ldns_rr_list_rr_count(ldns_pkt_question(qp)) != 1) {
		rcode = LDNS_RCODE_FORMERR;
	} else {
		question = ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(qp), 0));
		if (!question || !pkt_push(a, LDNS_SECTION_QUESTION, question)) {
			rcode = LDNS_RCODE_SERVFAIL;
		} else {
			bool ok = qname(ldns_rr_owner(question), name, sizeof(name));

			rcode = fill(z, a, name, ok, ldns_rr_get_type(question),
				     ldns_rr_get_class(question));
		}
	}
	ldns_pkt_set_rcode(a, (uint8_t)rcode);
	if (ldns_pkt2wire(&wire, a, &wlen) != LDNS_STATUS_OK || !wire)
		goto out;
	if (wlen > 512 || wlen > cap) {
		/* Our answers are small; never more than a UDP answer holds. */
		ret = formerr(q, qlen, out, cap);
		if (ret) {
			out[2] |= 0x02;	/* TC: ask again over TCP */
			out[3] = LDNS_RCODE_NOERROR;
		}
		goto out;
	}
	memcpy(out, wire, wlen);
	ret = wlen;
out:
	free(wire);
	if (a)
		ldns_pkt_free(a);
	if (qp)
		ldns_pkt_free(qp);
	return ret;
}
