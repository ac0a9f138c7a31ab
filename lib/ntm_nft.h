/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntm_nft: the one place that knows the nftables objects of an RS, the table
 * inet ntmobile (nft/ntmobile.nft is its description for people; what
 * ntm_nft_table_ensure() builds lists exactly like that file loaded by hand).
 * libnftnl + libmnl; it never reads or writes any other table but the
 * node's (inet ntm_node, at the end of this file).
 *
 * What a path puts in the table (PathID = ct mark of its flows):
 *
 *   RS-N  rsn_hosts   leg B's VIP : the general host's real address  (DNAT)
 *         rsn_vips    leg A's VIP                               (masquerade)
 *   RS-T  rst_addrs   leg A's VIP (an RS address lent to the node)
 *   both  path_vips   leg A's VIP . leg B's VIP : PathID (RS-T: if its
 *                     record has leg B's address); chain pathmark marks
 *                     with it the decapsulated packets that carry no mark
 *                     (the user-space datapath's TUN cannot set one)
 *   both  counter path_<PathID>            packets and bytes of its flows
 *                                          (chain pathcount counts them)
 *         path_counters  PathID : "path_<PathID>", with the comment
 *                        "RS-N a VIP b VIP host ADDR" / "RS-T a VIP b ADDR":
 *                        the path's record, read back after a restart
 *   RS-S  nothing: the RS never decrypts its packets.
 *
 * Several paths may share an element (the paths of one node share its VIP in
 * rsn_vips): an element leaves the table with the last path that needs it.
 * The handle counts those references, from the records it reads from the
 * table on first use; one handle per network namespace should change paths
 * (the RS daemon's).
 *
 * Every change is one atomic batch, each message acked. Functions return 0
 * (or a count) on success and -errno on failure; ntm_nft_strerror() then
 * gives a message for people that says which object failed and why.
 *
 * IPv4 only for now: an IPv6 VIP or address is -EAFNOSUPPORT.
 */
#ifndef _NTM_NFT_H
#define _NTM_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "ntm_nl.h"		/* struct ntm_vip, enum ntm_path_type */

#define NTM_NFT_TABLE		"ntmobile"	/* family inet */
/* Receive buffer: the size of the kernel's largest dump skb. */
#define NTM_NFT_RECV_SIZE	32768

/*
 * The nftables side of one path, as a Relay Direction describes it. type
 * NTM_PATH_RS_N needs a_vip, b_vip and host; NTM_PATH_RS_T needs a_vip
 * (b_vip, the host's real address, is only recorded); NTM_PATH_RS_S has no
 * nft state. Unset addresses have family AF_UNSPEC.
 */
struct ntm_nft_path {
	uint32_t id;			/* PathID, never 0 */
	uint8_t type;			/* enum ntm_path_type */
	struct ntm_vip a_vip;		/* leg A's VIP */
	struct ntm_vip b_vip;		/* leg B's VIP */
	struct ntm_vip host;		/* RS-N: the general host's real address */
};

/* A path found in the table: its record and its counter. */
struct ntm_nft_path_state {
	struct ntm_nft_path path;	/* type 0 and no VIPs: unreadable record */
	uint64_t packets;
	uint64_t bytes;
};

/* Return 0 to go on, a negative errno to stop (returned as is). */
typedef int (*ntm_nft_path_cb)(const struct ntm_nft_path_state *st, void *arg);

struct ntm_nft_index;		/* ntm_nft.c: records and element references */

struct ntm_nft {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	struct ntm_nft_index *index;	/* NULL until first needed */
	char errbuf[320];		/* ntm_nft_strerror() */
	uint8_t buf[NTM_NFT_RECV_SIZE];
};

/*
 * Open a netfilter socket in the caller's network namespace. Nothing is
 * read or changed yet. On failure there is nothing to close.
 */
int ntm_nft_open(struct ntm_nft *h);
void ntm_nft_close(struct ntm_nft *h);
/* Message for the last failure of @h, whose return value was @err. */
const char *ntm_nft_strerror(struct ntm_nft *h, int err);

/*
 * Create table inet ntmobile with every object of nft/ntmobile.nft if it is
 * absent, in one batch. If it is present, add what is missing and rewrite a
 * chain whose rules or hook differ, in one batch, never touching set or map
 * elements (objects of other names are left alone). Returns the number of
 * objects created or repaired (0: the table was complete; 11: created), or
 * -errno (-EEXIST: a set or map of ours exists with another type; remove the
 * table to recover). Resets the handle's view of the paths.
 */
int ntm_nft_table_ensure(struct ntm_nft *h);

/* Delete table inet ntmobile and everything in it. 1 if it was there, 0 if
 * not. */
int ntm_nft_table_remove(struct ntm_nft *h);

/*
 * Every nft change of one Relay Direction, in one batch: @old NULL installs
 * @new, @new NULL removes @old's PathID, both update (same id, or -EINVAL).
 * What the table holds for the PathID (its record) is what is removed or
 * replaced, whatever @old says; only @old->id is used. Idempotent:
 * installing an installed path succeeds, keeps its counter and re-adds any
 * missing element; removing an absent path succeeds; an RS-S @new removes
 * whatever the PathID had. A failure with a view of the table read earlier
 * (another handle, or an admin, changed it) is retried once with a fresh one.
 * -EINVAL: PathID 0, unknown type or a missing VIP; -EAFNOSUPPORT: IPv6;
 * -EEXIST: leg B's VIP already maps to another host for another path, or a
 * VIP overlaps an element no path put there (a prefix added by hand);
 * -ENOENT: the table is absent (ntm_nft_table_ensure()).
 */
int ntm_nft_path_apply(struct ntm_nft *h, const struct ntm_nft_path *old,
		       const struct ntm_nft_path *new);

/* The counter of a path. -ENOENT if it has no nft state. */
int ntm_nft_path_counter(struct ntm_nft *h, uint32_t id, uint64_t *packets,
			 uint64_t *bytes);

/*
 * Call @cb for every path that has nft state (after a crash: what to keep
 * and what to remove), in the table's order, with its record and counter.
 * Reads the whole table first and resets the handle's view of it, so @cb may
 * use @h (ntm_nft_path_apply(h, &st->path, NULL) to remove a stale path).
 * Returns the number of paths, or -errno (-ENOENT: the table is absent).
 */
int ntm_nft_paths(struct ntm_nft *h, ntm_nft_path_cb cb, void *arg);

/* "RS-N a 100.64.0.1 b 100.65.0.30 host 198.51.100.30": the record kept as
 * the comment of the path's path_counters element. @len >= 128. */
char *ntm_nft_path_fmt(const struct ntm_nft_path *p, char *buf, size_t len);
/* Parse what ntm_nft_path_fmt() wrote; 0 or -EINVAL. @p->id is kept. */
int ntm_nft_path_parse(const char *s, struct ntm_nft_path *p);

/*
 * The NTM node's table, inet ntm_node: chain input (filter, hook input,
 * priority 0) with the one rule "udp sport 53 queue num @queue bypass", the
 * DNS hook of ntm-node. Installing replaces whatever table of that name
 * exists, in one batch; 0 or -errno. A kernel without nft_queue gets the
 * same verdict through nft_compat's xt NFQUEUE target (revision 3). Removing: 1 if it was there, 0 if not,
 * or -errno.
 */
#define NTM_NFT_NODE_TABLE	"ntm_node"
#define NTM_NFT_NODE_CHAIN	"input"
int ntm_nft_node_install(struct ntm_nft *h, uint16_t queue);
int ntm_nft_node_remove(struct ntm_nft *h);

#endif /* _NTM_NFT_H */
