/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntm-node, the NTMobile node daemon: registers with its DC, holds the
 * applications' DNS answers while it sets up a path to the name (the DNS
 * hook), carries the VIP traffic of its TUN over the paths, follows the
 * node's moves and switches RS-S paths to direct when the DC offers it.
 *
 *   main.c    command line, the event loop (epoll), signals, the tick
 *   config.c  the configuration file (node.conf.example)
 *   ctl.c     the one UDP socket: registration, Direction Requests, Route
 *             Directions, Tunnel Requests and Responses, Path Teardowns
 *   path.c    the path table: routes, Data and Keepalives, direct candidates
 *   dns.c     the DNS hook: nfqueue, the NTM record lookup, held answers
 *   dnsmsg.c  DNS messages with ldns: read an answer, rewrite its A records
 *   rtmon.c   rtnetlink: address and route changes (mobility), local address
 *   state.c   the JSON state file
 *
 * Every deadline is checked by node_tick(), run every NODE_TICK_MS: no timer
 * per object, nothing blocks.
 */
#ifndef _NTM_NODE_H
#define _NTM_NODE_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

#include "ntm_log.h"

#define NODE_NAME		"ntm-node"
#define NODE_DEFAULT_CONFIG	"/etc/ntmobile/node.conf"
#define NODE_DEFAULT_PORT	7702
#define NODE_DEFAULT_TUN	"ntmvip0"
#define NODE_DEFAULT_STATE	"/run/ntmobile/node.json"
#define NODE_DEFAULT_LIFETIME	60
#define NODE_DEFAULT_KEEPALIVE	10
#define NODE_TICK_MS		100
#define NODE_REG_TRIES		5	/* then "no Registration Response" */
#define NODE_RETRY_MS		30000	/* after a refusal or no answer */
#define NODE_REQ_TRIES		4	/* Direction/Tunnel Request: 1+2+4 s */
#define NODE_HOLD_MS		5000	/* a DNS answer is held at most */
#define NODE_HELD_MAX		256	/* answers held at once */
#define NODE_CAND_FAST_TRIES	10	/* direct candidate: every 1 s */
#define NODE_CAND_SLOW_MS	30000	/* then every 30 s */
#define NODE_DIRECT_KA_MS	2000
#define NODE_DIRECT_DEAD_MS	6000
#define NODE_MOVE_DEBOUNCE_MS	100
#define NODE_MTU		1400

#define node_err(...)	ntm_log(NTM_LOG_ERROR, __VA_ARGS__)
#define node_warn(...)	ntm_log(NTM_LOG_WARN, __VA_ARGS__)
#define node_info(...)	ntm_log(NTM_LOG_INFO, __VA_ARGS__)
#define node_dbg(...)	ntm_log(NTM_LOG_DEBUG, __VA_ARGS__)

/* ---- config.c ------------------------------------------------------------ */

struct node_config {
	char file[PATH_MAX];
	uint32_t node_id;
	bool has_node_id;
	uint8_t key[NTM_CTL_KEY_BYTES];
	bool has_key;
	bool has_key_file;		/* the key came from key-file */
	char name[NTM_NAME_MAX + 1];
	struct ntm_addr dc;		/* control endpoint */
	struct ntm_addr dns;		/* port 53 unless given */
	bool has_dns;
	uint16_t tunnel_port;
	char tun_dev[IFNAMSIZ];
	uint16_t queue;
	uint32_t lifetime;
	uint32_t keepalive;
	char state[PATH_MAX];
	bool log_syslog;
	int log_level;
};

void node_config_init(struct node_config *c);
/* 0, or -1 with "FILE:LINE: what is wrong" in @err. */
int node_config_parse(FILE *f, const char *name, struct node_config *c,
		      char *err, size_t errlen);
int node_config_load(const char *file, struct node_config *c, char *err,
		     size_t errlen);
void node_config_wipe(struct node_config *c);

/* ---- path.c -------------------------------------------------------------- */

struct node;

struct node_path {
	struct node_path *next;
	uint32_t id;
	uint8_t route;			/* enum ntm_route */
	uint8_t leg;			/* ours */
	uint32_t peer_node_id;
	uint32_t refresh;
	char peer[NTM_NAME_MAX + 1];	/* the name looked up, or "" (leg B) */
	struct ntm_addr tunnel;		/* Data to (relay, or the peer) */
	struct ntm_addr control;	/* Tunnel Requests to */
	struct ntm_addr local_vip;
	struct ntm_addr peer_vip;
	struct ntm_path_keys keys;
	struct ntm_replay win;		/* from the other leg */
	uint64_t counter;		/* next one we send */
	bool up;			/* Tunnel Response OK from control */
	bool routed;
	bool local_addr_added;		/* RS-T: local_vip on the TUN */
	uint64_t tx_packets, rx_packets;
	/* Tunnel Request to the control endpoint */
	uint64_t tr_txn;
	unsigned int tr_tries;
	uint64_t tr_next;		/* 0: none pending */
	uint64_t tr_start;
	/* direct: a route DIRECT path, or a candidate on an RS-S path */
	struct ntm_addr direct;		/* none: no candidate */
	bool active_direct;
	uint64_t cand_txn;
	unsigned int cand_tries;
	uint64_t cand_next;
	uint64_t direct_rx_ms;		/* last authenticated from direct */
	uint64_t direct_tx_ms;
	uint64_t relay_tx_ms;
};

/* A Route Direction (OK) for us: a new path, a duplicate (no-op), or a
 * direct candidate for an RS-S path. @peer: the name, or NULL. Returns the
 * path, or NULL (logged). */
struct node_path *node_path_direction(struct node *n,
				      const struct ntm_route_direction *rd,
				      const char *peer);
struct node_path *node_path_find(struct node *n, uint32_t id);
struct node_path *node_path_by_peer_vip(struct node *n, const uint8_t ip[4]);
struct node_path *node_path_by_name(struct node *n, const char *name);
void node_path_remove(struct node *n, uint32_t id, const char *why);
void node_path_free_all(struct node *n);
/* Send (or resend) the Tunnel Request to the control endpoint. */
void node_path_tunnel_request(struct node *n, struct node_path *p);
/* An authenticated Tunnel Request or Response for @p from @src. */
void node_path_tunnel_rx(struct node *n, struct node_path *p, uint8_t type,
			 uint64_t txn, const union ntm_body *b,
			 const struct ntm_addr *src);
void node_path_tick(struct node *n, uint64_t now);
/* Data or Keepalive from the UDP socket. */
void node_path_data_rx(struct node *n, uint8_t *pkt, size_t len,
		       const struct ntm_addr *src);
/* A packet from the TUN. */
void node_path_tun_rx(struct node *n, uint8_t *buf, size_t len);
/* After a move: Tunnel Request on every path, back to the relay. */
void node_path_moved(struct node *n);
/* Log the move once every path and the registration are answered. */
void node_path_moved_check(struct node *n, uint64_t now);
/* Route (and address) of @p on the TUN. */
int node_path_route(struct node *n, struct node_path *p);

/* ---- ctl.c --------------------------------------------------------------- */

/* Seal and send a control message to @to; 0 or -1 (logged). */
int node_ctl_send(struct node *n, uint8_t type, uint32_t key_id,
		  uint64_t txn, const uint8_t *key, const union ntm_body *b,
		  const struct ntm_addr *to);
void node_ctl_rx(struct node *n, uint8_t *buf, size_t len,
		 const struct ntm_addr *src);
void node_reg_start(struct node *n);
void node_reg_tick(struct node *n, uint64_t now);
uint64_t node_random64(void);

/* ---- dns.c / dnsmsg.c ---------------------------------------------------- */

enum node_held_state {
	HELD_LOOKUP,			/* NTM record query sent */
	HELD_DIRECTION,			/* Direction Request sent */
	HELD_TUNNEL,			/* waiting for the path to be up */
};

struct node_held {
	struct node_held *next;
	uint32_t pkt_id;		/* nfqueue packet id */
	uint8_t *pkt;			/* the IP packet */
	size_t len;
	char qname[NTM_NAME_MAX + 2];
	uint8_t a[4];			/* the first A of the answer */
	enum node_held_state state;
	uint64_t start;
	uint16_t qid;			/* our NTM query */
	union ntm_body req;		/* the Direction Request */
	uint64_t txn;
	unsigned int tries;
	uint64_t next_send;
	uint32_t path_id;
	bool node_peer;
};

int node_dns_open(struct node *n);
void node_dns_close(struct node *n);
void node_dns_queue_rx(struct node *n);
void node_dns_sock_rx(struct node *n);
void node_dns_tick(struct node *n, uint64_t now);
/* A Route Direction answered transaction @txn: 1 if a held answer asked. */
int node_dns_route_direction(struct node *n, uint64_t txn,
			     const struct ntm_route_direction *rd);
/* An Error answered transaction @txn: 1 if a held answer asked (released). */
int node_dns_error(struct node *n, uint64_t txn, uint8_t status);
/* Path @id is up (or failed): release what waits for it. */
void node_dns_path_up(struct node *n, uint32_t id);

/*
 * dnsmsg.c. From a DNS response of @len bytes: its first question's name
 * (no trailing dot) and the first A record of its answer section. 0, or -1
 * if it is not a NOERROR response to an A question with an A answer.
 */
int node_dns_answer_a(const uint8_t *dns, size_t len, char *qname,
		      size_t qlen, uint8_t a[4]);
/* Every A record of the answer section becomes @a (the others beyond the
 * first are dropped). A new message in *out (free()), its length in *outlen.
 * 0 or -1. */
int node_dns_rewrite_a(const uint8_t *dns, size_t len, const uint8_t a[4],
		       uint8_t **out, size_t *outlen);
/* The DNS message of an IPv4/UDP packet (not a fragment), its length in
 * *dlen and the UDP destination port in *dport; NULL if it is not one. */
const uint8_t *node_dns_udp_payload(const uint8_t *pkt, size_t len,
				    size_t *dlen, uint16_t *dport);
/* node_dns_rewrite_a() on the DNS message of IPv4/UDP packet @pkt: the new
 * packet, IP total length, UDP length and both checksums right, in *out
 * (free()). 0 or -1. */
int node_dns_rewrite_packet(const uint8_t *pkt, size_t len, const uint8_t a[4],
			    uint8_t **out, size_t *outlen);
/* A query for the NTM record (type 65300) of @name, id @id. */
int node_dns_ntm_query(const char *name, uint16_t id, uint8_t **out,
		       size_t *outlen);
/* From the answer to such a query: 1 with *rec set, 0 for no record
 * (NXDOMAIN, no data), -1 for an answer we cannot use. *id: its id. */
int node_dns_ntm_answer(const uint8_t *dns, size_t len, uint16_t *id,
			struct ntm_record *rec);

/* ---- rtmon.c ------------------------------------------------------------- */

int node_rtmon_open(struct node *n);
void node_rtmon_rx(struct node *n);
/* Our source address toward the DC, port = tunnel-port. 0 or -1. */
int node_local_addr(struct node *n, struct ntm_addr *out);
void node_rtmon_tick(struct node *n, uint64_t now);

/* ---- state.c ------------------------------------------------------------- */

/* Mark the state changed; written before the event loop waits again. */
void node_state_dirty(struct node *n);
void node_state_write(struct node *n);

/* ---- main.c -------------------------------------------------------------- */

struct ntm_rtnl;
struct ntm_nonce_cache;
struct mnl_socket;

struct node {
	struct node_config cfg;
	bool once;
	int udp, tun, dns, epfd;
	unsigned int tun_ifindex;
	char tun_name[IFNAMSIZ];
	struct ntm_rtnl *rtnl;
	struct ntm_nonce_cache *nonces;
	/* DNS hook */
	struct mnl_socket *nfq;
	uint32_t nfq_portid;
	uint16_t dns_port;		/* our own lookups come back here */
	bool nft_installed;
	struct node_held *held;
	unsigned int nheld;
	uint16_t next_qid;
	/* rtnetlink monitor */
	struct mnl_socket *rtmon;
	uint64_t move_check;		/* 0: nothing to check */
	uint64_t move_event;		/* first change seen since the last check */
	uint64_t move_start;		/* a move being re-established */
	struct ntm_addr move_from;
	/* registration */
	bool registered;
	struct ntm_addr vip;
	struct ntm_addr local;
	struct ntm_addr observed;
	uint32_t granted;
	uint64_t reg_txn;
	unsigned int reg_tries;
	uint64_t reg_next;		/* next (re)send, 0: none pending */
	uint64_t reg_due;		/* next re-registration */
	bool reg_pending;
	bool vip_on_tun;
	int exit_code;			/* -1: running */
	/* paths */
	struct node_path *paths;
	bool state_dirty;
	uint8_t buf[NTM_UDP_PAYLOAD_MAX + 64];
};

uint64_t node_now_ms(void);		/* CLOCK_MONOTONIC */
/* "a.b.c.d:port" of an ntm_addr into a static-free caller buffer. */
#define node_fmt(a, buf) ntm_addr_fmt((a), (buf), sizeof(buf))

#endif /* _NTM_NODE_H */
