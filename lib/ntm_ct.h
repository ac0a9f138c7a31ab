/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntm_ct: the conntrack entries of relayed flows (libnetfilter_conntrack).
 *
 * RS-N and RS-T inner flows are ordinary conntrack entries of the RS whose
 * ct mark is their PathID (nft/ntmobile.nft, chain pathid). These functions
 * work in the caller's network namespace, filter by mark in the kernel, and
 * need CAP_NET_ADMIN. They return a count or -errno.
 */
#ifndef _NTM_CT_H
#define _NTM_CT_H

#include <stdbool.h>
#include <stdint.h>

#include "ntm_nl.h"		/* struct ntm_vip */

/* One direction of a flow. Ports in host order, 0 for ICMP and others. */
struct ntm_ct_tuple {
	struct ntm_vip src;
	struct ntm_vip dst;
	uint16_t sport;
	uint16_t dport;
};

struct ntm_ct_flow {
	uint32_t id;			/* conntrack's id of the entry */
	uint32_t mark;			/* ct mark: the PathID */
	uint8_t proto;			/* IPPROTO_* */
	struct ntm_ct_tuple orig;	/* as the node sent it: VIPs */
	struct ntm_ct_tuple reply;	/* as the host answers: real addresses */
	uint8_t icmp_type;		/* ICMP, ICMPv6: orig direction */
	uint8_t icmp_code;
	uint16_t icmp_id;
	bool has_tcp_state;
	uint8_t tcp_state;		/* enum tcp_conntrack */
	uint32_t status;		/* IPS_* bits (ASSURED, SEEN_REPLY, ...) */
	uint32_t timeout;		/* seconds left */
	bool has_counters;		/* net.netfilter.nf_conntrack_acct=1 */
	uint64_t orig_packets;
	uint64_t orig_bytes;
	uint64_t reply_packets;
	uint64_t reply_bytes;
};

/* Return 0 to go on, a negative errno to stop (returned as is). */
typedef int (*ntm_ct_flow_cb)(const struct ntm_ct_flow *flow, void *arg);

/* Call @cb for every conntrack entry whose ct mark is @path_id (IPv4 and
 * IPv6). Returns the number of entries, or -errno. */
int ntm_ct_flows(uint32_t path_id, ntm_ct_flow_cb cb, void *arg);

/* Delete every conntrack entry whose ct mark is @path_id (on Path
 * Teardown). Returns the number deleted, or -errno. */
int ntm_ct_flush_path(uint32_t path_id);

/* "ESTABLISHED", "TIME_WAIT", ...: conntrack's words; "" if unknown. */
const char *ntm_ct_tcp_state_name(uint8_t state);

#endif /* _NTM_CT_H */
