/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nf_ntm: the NTMobile relay table, programmed over generic netlink.
 *
 * Family NTM_GENL_NAME ("nf_ntm"), version NTM_GENL_VERSION. Requesting the
 * family autoloads nf_ntm.ko. Every command needs CAP_NET_ADMIN in the network
 * namespace of the socket, and acts on that namespace's tunnel and relay table
 * only. Validation is strict: an attribute a command does not take, an
 * unknown attribute, or an nlmsg_flags bit other than NLM_F_REQUEST,
 * NLM_F_ACK, NLM_F_ECHO and NLM_F_DUMP is an error (EINVAL, with an extended
 * ack message). Other errors: ENODEV no tunnel in the namespace, ENOENT no
 * such path, EEXIST the PathID exists, EADDRINUSE an RS-N/RS-T path already
 * has this VIP pair, ENOSPC the relay table is full, EAFNOSUPPORT IPv6 where
 * only IPv4 is supported yet.
 *
 * NTM_CMD_TUNNEL_SET: open the namespace's UDP tunnel socket (bound to any
 * address) and create its netdevice, for the inner traffic of RS-N and RS-T
 * paths. On an open tunnel: a different port moves the socket (paths are
 * kept); the same port, or 0, keeps it.
 *
 *    NTMA_TUNNEL_PORT: NLA_U16, host order, required; 0 = any free port
 *                      (NTM_CMD_TUNNEL_GET tells which)
 *    NTMA_TUNNEL_IFNAME: NLA_NUL_STRING, default "ntm0", may hold one "%d";
 *                        used when the device is created, ignored after
 *    NTMA_TUNNEL_MAX_PATHS: NLA_U32, >= 1, default 1048576 (set again by
 *                           every tunnel created); lowering it below the
 *                           number of paths removes none, it refuses new ones
 *
 * NTM_CMD_TUNNEL_GET: no attributes; ENODEV without a tunnel. Answers with
 *    NTMA_TUNNEL_PORT, NTMA_TUNNEL_IFNAME, NTMA_TUNNEL_MAX_PATHS
 *    NTMA_TUNNEL_IFINDEX: NLA_U32
 *    NTMA_TUNNEL_PATHS: NLA_U32, paths installed now
 *    NTMA_TUNNEL_STATS: NLA_NESTED, NLA_U64 counters since the tunnel was
 *                       created, of packets that matched no path:
 *        NTMA_STATS_DROP_NOPATH: unknown PathID on the tunnel port, or a
 *                                packet routed to the device that no path's
 *                                VIP pair matches
 *        NTMA_STATS_DROP_MALFORMED: not a valid tunnel data header
 *        NTMA_STATS_RX_CONTROL: control messages (type < 0x80) on the tunnel
 *                               port, dropped: the daemon has its own port
 *
 * NTM_CMD_TUNNEL_DEL: no attributes; ENODEV without a tunnel. Flushes the
 * relay table, closes the socket and removes the netdevice. Leaving the
 * namespace or unloading the module does the same.
 *
 * NTM_CMD_PATH_NEW installs a path; EEXIST if the PathID exists, ENODEV
 * without a tunnel. NTM_CMD_PATH_SET changes an existing path (ENOENT if
 * absent): the attributes given replace the path's, those absent are kept,
 * including an endpoint learned since. A new relay or data key restarts the
 * replay windows; leg B's counter (RS-N, RS-T) never restarts. Packets that
 * arrive while a path is being replaced may be dropped. Leg B's counter of a
 * new path starts at the clock (ns since the epoch), so a path installed again
 * with the same data key (daemon restart, module reload) never reuses a nonce.
 *
 *    NTMA_PATH_ID: NLA_U32, required, never 0
 *    NTMA_PATH_TYPE: NLA_U8, enum ntm_path_type, required for NEW; SET may
 *                    repeat it but not change it
 *    NTMA_PATH_REFRESH: NLA_U32, seconds of idleness after which the path
 *                       expires; 0 = never. Default 300.
 *    NTMA_PATH_RELAY_KEY: NLA_BINARY, exactly NTM_RELAY_KEY_LEN bytes, required
 *                         for NEW
 *    NTMA_PATH_DATA_KEY: NLA_BINARY, exactly NTM_DATA_KEY_LEN bytes, required
 *                        for a new RS-N or RS-T path, rejected for RS-S
 *    NTMA_PATH_LEG_A: NLA_NESTED, the tunnel leg toward the node that asked
 *                     for the path (always a tunnel)
 *    NTMA_PATH_LEG_B: NLA_NESTED, RS-S: the tunnel leg toward the other node;
 *                     RS-N, RS-T: the host side, NTMA_LEG_VIP only (the RS
 *                     itself is leg B: an endpoint is rejected)
 *        NTMA_LEG_ENDPOINT: NLA_BINARY, a struct sockaddr_in: the leg's tunnel
 *                           endpoint (address and UDP port as seen from the
 *                           RS), unicast, port not 0. A struct sockaddr_in6
 *                           is refused with EAFNOSUPPORT for now. Optional: an
 *                           unset endpoint is learned from the first
 *                           authenticated packet, and any authenticated packet
 *                           from elsewhere moves it (roaming).
 *        NTMA_LEG_VIP: NLA_BINARY, 4 (IPv4) or 16 (IPv6) bytes, network order.
 *                      RS-N: leg A = the node's VIP, leg B = the VIP the node
 *                      uses for the host. RS-T: leg A = the RS address the
 *                      node uses as its VIP, leg B = the host's real address.
 *                      RS-N and RS-T: required on both legs for NEW, IPv4
 *                      only (EAFNOSUPPORT), not 0.0.0.0, and the pair (leg A
 *                      VIP, leg B VIP) belongs to one path at most. RS-S: the
 *                      kernel has no use for it; checked, not kept, not
 *                      reported.
 *
 * NTM_CMD_PATH_DEL: NTMA_PATH_ID. ENOENT if absent.
 *
 * NTM_CMD_PATH_GET: doit with NTMA_PATH_ID, or dumpit (NLM_F_DUMP, no
 * attribute needed) over the whole table, resumable; a table resize during a
 * dump may show a path twice. Each path is one message:
 *
 *    NTMA_PATH_ID, NTMA_PATH_TYPE, NTMA_PATH_REFRESH
 *    NTMA_PATH_IDLE_MS: NLA_U64, ms since the last authenticated packet from
 *                       a tunnel leg (or since the path was installed)
 *    NTMA_PATH_LEG_A, NTMA_PATH_LEG_B: NLA_NESTED
 *        NTMA_LEG_ENDPOINT (a struct sockaddr_in, when known)
 *        NTMA_LEG_VIP (RS-N and RS-T)
 *        NTMA_LEG_STATS: NLA_NESTED, NLA_U64 each:
 *            NTMA_STATS_RX_PACKETS, NTMA_STATS_RX_BYTES: accepted from this
 *                leg (Data and Keepalive, UDP payload bytes); on leg B of
 *                RS-N/RS-T, the replies routed to the device (IP bytes)
 *            NTMA_STATS_TX_PACKETS, NTMA_STATS_TX_BYTES: sent out on this leg
 *                (UDP payload bytes); on leg B of RS-N/RS-T, the inner
 *                packets handed to the stack (IP bytes)
 *            Drops of what came in on this leg (32-bit counters that wrap):
 *            NTMA_STATS_DROP_AUTH: bad relay tag or AEAD tag
 *            NTMA_STATS_DROP_REPLAY: replayed or too old
 *            NTMA_STATS_DROP_MALFORMED: a leg that may not send to the RS
 *                (leg B of RS-N/RS-T), an inner packet that is not IPv4
 *                from leg A's VIP to leg B's (anti-spoofing), or one that
 *                is not ECN-capable under an outer CE mark (RFC 6040)
 *            NTMA_STATS_DROP_NOROUTE: no endpoint for, or no route to, the
 *                leg it should go to
 *    Keys are never reported.
 *
 * NTM_CMD_PATH_FLUSH: no attributes; removes every path of the namespace.
 *
 * Notifications, multicast group NTM_GENL_MCGRP ("events"); joining it needs
 * CAP_NET_ADMIN in the namespace on kernels that can check it:
 *    NTM_CMD_NOTIFY_ENDPOINT: an authenticated packet set or moved a leg's
 *        endpoint: NTMA_PATH_ID, and NTMA_PATH_LEG_A or NTMA_PATH_LEG_B
 *        holding NTMA_LEG_ENDPOINT only
 *    NTM_CMD_NOTIFY_EXPIRED: the path was idle past its refresh time and was
 *        removed; the attributes of a NTM_CMD_PATH_GET answer
 *
 * The datapath: an RS-S path relays a leg's Data, unchanged, to the other
 * leg's endpoint from the tunnel socket, and consumes Keepalives. An RS-N or
 * RS-T path decrypts leg A's Data and hands the inner IPv4 packet to the
 * stack on the tunnel's netdevice with skb->mark = PathID (an nft rule such
 * as `iifname "ntm0" ct mark set meta mark` keeps it in the conntrack entry);
 * the admin's nft rules do the RS-N NAT. An IPv4 packet routed to the device
 * goes to the path whose (leg B VIP, leg A VIP) is its (source, destination),
 * sealed with leg B's counter, to leg A's endpoint. The device's MTU leaves
 * room for the 68 bytes of outer IPv4, UDP, data header and AEAD tag.
 */
#ifndef _UAPI_NF_NTM_H
#define _UAPI_NF_NTM_H

#define NTM_GENL_NAME		"nf_ntm"
#define NTM_GENL_VERSION	1
#define NTM_GENL_MCGRP		"events"

#define NTM_RELAY_KEY_LEN	16
#define NTM_DATA_KEY_LEN	32
#define NTM_DEFAULT_IFNAME	"ntm0"
#define NTM_DEFAULT_REFRESH	300
#define NTM_DEFAULT_MAX_PATHS	1048576

enum ntm_path_type {
	NTM_PATH_RS_S = 1,	/* switch: tunnel to tunnel, payload untouched */
	NTM_PATH_RS_N = 2,	/* NAT: decapsulate, kernel NAT translates */
	NTM_PATH_RS_T = 3,	/* transparent: decapsulate, no translation */
	__NTM_PATH_TYPE_MAX,
};
#define NTM_PATH_TYPE_MAX (__NTM_PATH_TYPE_MAX - 1)

enum ntm_cmd {
	NTM_CMD_UNSPEC,
	NTM_CMD_TUNNEL_SET,
	NTM_CMD_TUNNEL_GET,
	NTM_CMD_TUNNEL_DEL,
	NTM_CMD_PATH_NEW,
	NTM_CMD_PATH_SET,
	NTM_CMD_PATH_DEL,
	NTM_CMD_PATH_GET,
	NTM_CMD_PATH_FLUSH,
	NTM_CMD_NOTIFY_ENDPOINT,
	NTM_CMD_NOTIFY_EXPIRED,
	__NTM_CMD_MAX,
};
#define NTM_CMD_MAX (__NTM_CMD_MAX - 1)

enum ntm_attr {
	NTMA_UNSPEC,
	NTMA_TUNNEL_PORT,
	NTMA_TUNNEL_IFNAME,
	NTMA_TUNNEL_MAX_PATHS,
	NTMA_TUNNEL_IFINDEX,
	NTMA_TUNNEL_PATHS,
	NTMA_TUNNEL_STATS,
	NTMA_PATH_ID,
	NTMA_PATH_TYPE,
	NTMA_PATH_REFRESH,
	NTMA_PATH_RELAY_KEY,
	NTMA_PATH_DATA_KEY,
	NTMA_PATH_LEG_A,
	NTMA_PATH_LEG_B,
	NTMA_PATH_IDLE_MS,
	NTMA_PAD,
	__NTMA_MAX,
};
#define NTMA_MAX (__NTMA_MAX - 1)

enum ntm_leg_attr {
	NTMA_LEG_UNSPEC,
	NTMA_LEG_ENDPOINT,
	NTMA_LEG_VIP,
	NTMA_LEG_STATS,
	__NTMA_LEG_MAX,
};
#define NTMA_LEG_MAX (__NTMA_LEG_MAX - 1)

enum ntm_stats_attr {
	NTMA_STATS_UNSPEC,
	NTMA_STATS_RX_PACKETS,
	NTMA_STATS_RX_BYTES,
	NTMA_STATS_TX_PACKETS,
	NTMA_STATS_TX_BYTES,
	NTMA_STATS_DROP_AUTH,
	NTMA_STATS_DROP_REPLAY,
	NTMA_STATS_DROP_MALFORMED,
	NTMA_STATS_DROP_NOROUTE,
	NTMA_STATS_DROP_NOPATH,
	NTMA_STATS_RX_CONTROL,
	NTMA_STATS_PAD,
	__NTMA_STATS_MAX,
};
#define NTMA_STATS_MAX (__NTMA_STATS_MAX - 1)

#endif /* _UAPI_NF_NTM_H */
