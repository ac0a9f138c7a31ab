/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntm-dc, the Direction Coordinator: registers the NTM nodes of its zone
 * (a VIP each, sticky per node id, kept in SQLite), answers DNS for the zone
 * (A and NTM records), and answers the nodes' Direction Requests with Route
 * Directions, after directing an RS with a Relay Direction where the route
 * needs one (docs/protocol.md, docs/architecture.md).
 *
 *   main.c     command line, daemon life, sockets, the event loop, signals
 *   config.c   the configuration file (dc.conf.example)
 *   store.c    SQLite: nodes (VIPs), host VIPs, paths, the PathID counter
 *   node.c     Registration Requests, VIP allocation, expiry
 *   dns.c      the authoritative DNS answers (ldns), no daemon state
 *   control.c  the control port: open, check, dispatch, answer; the outbox
 *              of messages sent again until answered or tried enough
 *   path.c     Direction Requests: the route, the RS, the Relay Direction
 *              in flight, the Route Directions; Path Teardowns
 *
 * Nothing blocks: a Relay Direction in flight is a struct dc_pending with a
 * timer, and the loop sleeps until the next timer or datagram.
 */
#ifndef _NTM_DC_H
#define _NTM_DC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

#include "ntm_log.h"
#include "ntm_ratelimit.h"
#include "ntm_txn.h"

#define DC_NAME			"ntm-dc"
#define DC_DEFAULT_CONFIG	"/etc/ntmobile/dc.conf"
#define DC_DEFAULT_STORE	"/var/lib/ntmobile/dc.db"
#define DC_DEFAULT_CONTROL	"0.0.0.0:7700"
#define DC_DEFAULT_DNS		"0.0.0.0:53"
#define DC_DEFAULT_LIFETIME	300
#define DC_DEFAULT_REFRESH	120
#define DC_MAX_RST_POOLS	8
#define DC_MAX_RST_PORTS	16
#define DC_TXN_CACHE		16384
#define DC_NONCE_CACHE		65536
/* Relay Direction: sent again every 250 ms, 8 times in all, then the RS is
 * taken as down for 30 s and the next one is tried. */
#define DC_RELAY_RETRY_MS	250
#define DC_RELAY_TRIES		8
#define DC_RS_DOWN_MS		30000
/* Unsolicited Route Directions: 3 times, 300 ms apart. */
#define DC_PUSH_RETRY_MS	300
#define DC_PUSH_TRIES		3
/* Direct candidates go out after the RS-S Route Directions are done. */
#define DC_CANDIDATE_DELAY_MS	(DC_PUSH_TRIES * DC_PUSH_RETRY_MS)
/* A restarted node's paths go to it this long after its Registration
 * Response, so that it holds its VIP before it hears of them. */
#define DC_RESTART_PUSH_MS	100
#define DC_DNS_TTL		10

#define dc_err		ntm_err
#define dc_warn		ntm_warn
#define dc_info		ntm_info
#define dc_dbg		ntm_dbg

/* ---- config.c ------------------------------------------------------------ */

/* An IPv4 pool: vip-pool, host-vip-pool, rst-pool. Host order. */
struct dc_pool {
	uint32_t net;
	uint8_t plen;
};

/* node ID HEX64 [FQDN]: the DC-node key's id is the node id. */
struct dc_node_cfg {
	uint32_t id;
	uint8_t key[NTM_CTL_KEY_BYTES];
	char name[NTM_NAME_MAX + 1];	/* pinned name, or "" */
};

/* rs NAME HOST:PORT KEY_ID HEX64 [rst-pool CIDR]... */
struct dc_rs_cfg {
	char name[32];
	struct ntm_addr control;	/* its control endpoint */
	uint32_t key_id;
	uint8_t key[NTM_CTL_KEY_BYTES];
	struct dc_pool rst[DC_MAX_RST_POOLS];
	unsigned int nrst;
};

/* host FQDN A.B.C.D [rs-t] */
struct dc_host_cfg {
	char name[NTM_NAME_MAX + 1];
	uint32_t addr;			/* host order */
	bool rs_t;
};

/* peer-dc ZONE HOST:PORT KEY_ID HEX64: another domain's DC (path.c) */
struct dc_peer_cfg {
	char zone[NTM_NAME_MAX + 1];
	struct ntm_addr control;
	uint32_t key_id;
	uint8_t key[NTM_CTL_KEY_BYTES];
};

struct dc_config {
	char file[PATH_MAX];
	struct sockaddr_storage control;
	struct sockaddr_storage dns;
	bool dns_off;			/* "dns off" */
	char zone[NTM_NAME_MAX + 1];	/* lower case, no trailing dot */
	struct ntm_addr address;	/* port: the control port */
	struct dc_pool vip_pool;
	struct dc_pool host_vip_pool;
	bool has_host_vip_pool;
	char store[PATH_MAX];
	uint32_t lifetime;
	uint32_t refresh;
	bool route_optimization;
	/* Per source, before any AEAD open / DNS answer (lib/ntm_ratelimit.h);
	 * the configured RSs and peer DCs are exempt from the control one. */
	struct ntm_ratelimit_config control_rl;
	struct ntm_ratelimit_config dns_rl;
	uint16_t rst_ports[DC_MAX_RST_PORTS];
	unsigned int nrst_ports;
	bool log_syslog;
	int log_level;
	struct dc_node_cfg *nodes;
	size_t nnodes;
	struct dc_rs_cfg *rs;
	size_t nrs;
	struct dc_host_cfg *hosts;
	size_t nhosts;
	struct dc_peer_cfg *peers;
	size_t npeers;
};

void dc_config_init(struct dc_config *c);
/* 0, or -1 with "FILE:LINE: what is wrong" in @err. */
int dc_config_parse(FILE *f, const char *name, struct dc_config *c,
		    char *err, size_t errlen);
/* dc_config_init() + open + parse; nothing to free on failure. */
int dc_config_load(const char *file, struct dc_config *c, char *err,
		   size_t errlen);
void dc_config_free(struct dc_config *c);
const struct dc_node_cfg *dc_config_node(const struct dc_config *c, uint32_t id);
const struct dc_rs_cfg *dc_config_rs_by_key(const struct dc_config *c,
					    uint32_t key_id);
const struct dc_host_cfg *dc_config_host_by_addr(const struct dc_config *c,
						 uint32_t addr);
const struct dc_host_cfg *dc_config_host_by_name(const struct dc_config *c,
						 const char *name);
/* 1 if @name (any case) is @zone or below it / strictly below it. */
bool dc_name_in_zone(const char *name, const char *zone);
bool dc_name_below_zone(const char *name, const char *zone);
/* Pool arithmetic: the number of usable addresses and the i-th one (the
 * network and broadcast addresses of pools up to /30 are skipped). */
uint32_t dc_pool_size(const struct dc_pool *p);
uint32_t dc_pool_addr(const struct dc_pool *p, uint32_t i);
bool dc_pool_contains(const struct dc_pool *p, uint32_t addr);
/* IPv4 (host order) <-> ntm_addr (port 0). */
void dc_v4_to_addr(uint32_t v4, struct ntm_addr *a);
bool dc_addr_to_v4(const struct ntm_addr *a, uint32_t *v4);
/* "100.64.0.1" into @buf (16 bytes). */
char *dc_v4_fmt(uint32_t v4, char *buf, size_t len);

/* ---- store.c ------------------------------------------------------------- */

/* A node the DC knows: configured, and once registered it has a VIP for
 * good (sticky). */
struct dc_node {
	uint32_t id;
	char name[NTM_NAME_MAX + 1];	/* last registered name, or "" */
	uint32_t vip;			/* host order; 0: none yet */
	struct ntm_addr local;
	struct ntm_addr observed;
	uint64_t expires_ms;		/* UNIX ms; 0: not registered */
	uint32_t lifetime;		/* granted */
	uint64_t registered_ms;		/* first registration of this run */
};

enum dc_path_state {
	DC_PATH_PENDING = 1,		/* Relay Direction in flight */
	DC_PATH_LIVE = 2,
};

struct dc_path {
	uint32_t id;
	uint8_t route;			/* enum ntm_route */
	enum dc_path_state state;
	int rs;				/* index into cfg->rs, -1: none */
	uint32_t node_a;		/* requester (peer_dc's node if >= 0) */
	uint32_t node_b;		/* peer node, 0 for a host */
	int peer_dc;			/* node_a is of cfg->peers[i]'s zone, or -1 */
	uint32_t host;			/* host's real address, 0 for a node */
	uint32_t a_vip;			/* leg A's local VIP (RS-T: RS address) */
	uint32_t b_vip;			/* peer VIP as leg A sees it */
	struct ntm_addr tunnel;		/* the RS's (or none for direct) */
	struct ntm_addr control;
	uint8_t key[NTM_PATH_KEY_BYTES];
	uint64_t created_ms;
};

struct dc_store;

int dc_store_open(struct dc_store **s, const char *path, char *err,
		  size_t errlen);
void dc_store_close(struct dc_store *s);
/* The configuration whose RS names path rows carry. */
void dc_store_set_config(struct dc_store *s, const struct dc_config *cfg);
/* Every node row / path row, to @cb. The count or -EIO. */
int dc_store_load_nodes(struct dc_store *s,
			int (*cb)(void *arg, const struct dc_node *n), void *arg);
int dc_store_load_paths(struct dc_store *s,
			int (*cb)(void *arg, const struct dc_path *p), void *arg);
int dc_store_load_host_vips(struct dc_store *s,
			    int (*cb)(void *arg, uint32_t host, uint32_t vip),
			    void *arg);
/* Insert or replace; on disk when it returns. 0 or -EIO (-EEXIST: the VIP
 * or the name is another node's: the UNIQUE constraints). */
int dc_store_put_node(struct dc_store *s, const struct dc_node *n);
/* Forget a node entirely (its VIP is taken back). 0 or -EIO. */
int dc_store_del_node(struct dc_store *s, uint32_t id);
int dc_store_put_host_vip(struct dc_store *s, uint32_t host, uint32_t vip);
int dc_store_put_path(struct dc_store *s, const struct dc_path *p);
int dc_store_del_path(struct dc_store *s, uint32_t id);
/* The next PathID, persisted before it is returned: never reused. 0 on
 * failure (logged). */
uint32_t dc_store_next_path_id(struct dc_store *s);

/* ---- dns.c --------------------------------------------------------------- */

/* What the zone holds under one name (below the apex). */
struct dc_dns_name {
	bool has_a;
	uint32_t a;			/* host order */
	bool has_ntm;
	uint8_t ntm[NTM_RECORD_LEN];
};

struct dc_dns_zone {
	const char *zone;		/* lower case, no trailing dot */
	uint32_t ns_addr;		/* ns.<zone> A, host order */
	uint32_t serial;
	uint32_t ttl;
	/* @name: lower case, no trailing dot, strictly below the zone, not
	 * "ns.<zone>". 1 and *out filled if the name exists, 0 if not. */
	int (*lookup)(void *arg, const char *name, struct dc_dns_name *out);
	void *arg;
};

/*
 * Answer the DNS query @q (@qlen bytes, as received) into @out. Returns the
 * answer's length, or 0 when nothing is to be sent (not a query, or
 * unparseable beyond its header). Never reads past @qlen.
 */
size_t dc_dns_answer(const struct dc_dns_zone *z, const uint8_t *q,
		     size_t qlen, uint8_t *out, size_t cap);

/* ---- the daemon ---------------------------------------------------------- */

/* A message sent again until its answer arrives (a Relay Direction: the
 * pending path) or DC_PUSH_TRIES times (Route Directions to a node), or
 * until answered (Path Teardown to an RS). */
struct dc_out {
	struct dc_out *next;
	uint8_t type;
	union ntm_body body;
	uint32_t key_id;
	uint8_t key[NTM_CTL_KEY_BYTES];
	uint64_t txn_id;
	struct ntm_addr to;
	unsigned int tries_left;
	uint32_t interval_ms;
	uint64_t next_ms;
	uint32_t path_id;		/* Relay Direction: the pending path */
	int rs;				/* to this RS, or -1 */
	int peer;			/* to this peer DC, or -1 */
	bool done;
};

/* A Direction Request to answer: from one of our nodes (key id = node
 * id), or from a peer DC for one of its nodes (key id = the DC-DC key's). */
struct dc_waiter {
	uint32_t key_id;		/* the answer is sealed with its key */
	uint8_t leg;			/* the requester's leg on the path */
	uint64_t txn;			/* the Direction Request's; 0: answered */
	struct ntm_addr from;		/* where it came from */
};

/* A Direction Request of one of our nodes forwarded to a peer DC: its Route
 * Direction, when it comes, is relayed to the node. */
struct dc_forward {
	struct dc_forward *next;
	struct dc_waiter w;
	int peer;			/* index into cfg->peers */
	struct dc_out *out;		/* the forwarded Direction Request */
};

#define DC_PENDING_WAITERS	4

/* Direction Requests waiting for the RS's Direction Response: the one that
 * made the Relay Direction go out, and any for the same path meanwhile
 * (the peer asking for the requester at the same time). */
struct dc_pending {
	struct dc_pending *next;
	uint32_t path_id;
	bool new_path;			/* the path was made for this request */
	struct dc_waiter w[DC_PENDING_WAITERS];
	unsigned int nw;
	uint64_t rs_tried;		/* bit i: cfg->rs[i] was tried */
	struct dc_out *out;		/* the Relay Direction in flight */
};

struct dc_stats {
	uint64_t rx, dropped, retransmissions, errors;
	uint64_t registrations, refused, directions, relay_directions;
	uint64_t dns_queries;
	uint64_t rate_limited, dns_rate_limited;	/* dropped unopened */
};

/* How the daemon sends a datagram: from the control socket to @to. Tests
 * replace it. 0 or -errno. */
typedef int dc_send_fn(void *arg, const struct ntm_addr *to,
		       const uint8_t *buf, size_t len);

struct dc {
	struct dc_config *cfg;
	struct dc_store *store;
	struct ntm_nonce_cache *nonces;
	struct ntm_txn_cache *txns;
	const struct ntm_ctl_env *env;	/* clock and randomness; NULL: real */
	dc_send_fn *send;
	void *send_arg;
	/* The configured nodes (cfg order), then those only the store knows
	 * (their VIPs stay reserved). */
	struct dc_node *nodes;
	size_t nnodes;
	struct dc_path *paths;
	size_t npaths, cap_paths;
	struct { uint32_t host, vip; } *host_vips;
	size_t nhost_vips;
	uint64_t *rs_down_until;	/* per cfg->rs, UNIX ms */
	struct dc_out *outbox;
	struct dc_pending *pending;
	struct dc_forward *forwards;
	uint32_t dns_serial;
	struct dc_stats stats;
};

/* Load the store into @d (nodes, paths, host VIPs). 0 or -1 (logged). */
int dc_init(struct dc *d, struct dc_config *cfg, struct dc_store *store);
void dc_fini(struct dc *d);
uint64_t dc_now(const struct dc *d);

/* node.c */
struct dc_node *dc_node_get(struct dc *d, uint32_t id);
bool dc_node_live(const struct dc *d, const struct dc_node *n);
struct dc_node *dc_node_by_vip(struct dc *d, uint32_t vip);
struct dc_node *dc_node_by_name(struct dc *d, const char *name);
/* A Registration Request, authenticated with node @key_id's key. */
void dc_registration(struct dc *d, uint32_t key_id,
		     const struct ntm_registration_request *rq,
		     const struct ntm_addr *observed,
		     struct ntm_registration_response *rs);
/* Registrations past their lifetime: removed, paths torn down. */
void dc_expire(struct dc *d);
/* The NTM record of a live node. */
void dc_node_record(const struct dc *d, const struct dc_node *n,
		    struct ntm_record *r);
/* The DNS lookup callback (struct dc_dns_zone) over the daemon's state. */
int dc_dns_lookup(void *arg, const char *name, struct dc_dns_name *out);

/* path.c */
/* A Direction Request from node @key_id at @from. Either answers at once
 * (*answered true, @rd filled) or leaves a pending Relay Direction that
 * answers later. */
void dc_direction(struct dc *d, uint32_t key_id, uint64_t txn_id,
		  const struct ntm_addr *from,
		  const struct ntm_direction_request *rq,
		  struct ntm_route_direction *rd, bool *answered);
/* A Direction Request of peer DC @peer for one of its nodes, for a node of
 * ours: as dc_direction(). */
void dc_direction_foreign(struct dc *d, int peer, uint64_t txn_id,
			  const struct ntm_addr *from,
			  const struct ntm_direction_request *rq,
			  struct ntm_route_direction *rd, bool *answered);
/* A Route Direction (or Error) from peer DC @peer to the transaction
 * @txn_id: the answer to a forwarded Direction Request. */
void dc_forward_answer(struct dc *d, int peer, uint64_t txn_id, uint8_t type,
		       const union ntm_body *b);
/* A Path Teardown from peer DC @peer for a path of one of its nodes. */
int dc_teardown_foreign(struct dc *d, int peer, uint32_t path_id, uint8_t reason);
/* A Direction Response (or Error) from RS @rs to the transaction @txn_id. */
void dc_direction_response(struct dc *d, int rs, uint64_t txn_id,
			   uint8_t type, const union ntm_body *b);
/* A Path Teardown from node @key_id: NTM_OK (also for a path the DC does
 * not have: idempotent) or NTM_E_REFUSED (another node's path). */
int dc_teardown(struct dc *d, uint32_t key_id, uint32_t path_id, uint8_t reason);
/* Remove @p: Path Teardown to its RS, store row, memory. */
void dc_path_remove(struct dc *d, uint32_t path_id, uint8_t reason,
		    const char *why);
struct dc_path *dc_path_get(struct dc *d, uint32_t id);
void dc_path_node_moved(struct dc *d, uint32_t id);
void dc_path_node_restarted(struct dc *d, uint32_t id);
/* A pending path's Relay Direction got no answer: next RS or UNREACHABLE. */
void dc_relay_failed(struct dc *d, struct dc_out *o, const char *why);

/* control.c */
/* One datagram that arrived on the control port. */
void dc_control_input(struct dc *d, const uint8_t *in, size_t len,
		      const struct ntm_addr *src);
/* Queue @body for @to, sealed with (@key_id, @key) under @txn_id, sent now
 * and then every @interval_ms, @tries times in all. NULL on failure. */
struct dc_out *dc_out_add(struct dc *d, uint8_t type, const union ntm_body *body,
			  uint32_t key_id, const uint8_t *key, uint64_t txn_id,
			  const struct ntm_addr *to, unsigned int tries,
			  uint32_t interval_ms);
/* dc_out_add(), the first time after @delay_ms. */
struct dc_out *dc_out_add_at(struct dc *d, uint8_t type,
			     const union ntm_body *body, uint32_t key_id,
			     const uint8_t *key, uint64_t txn_id,
			     const struct ntm_addr *to, unsigned int tries,
			     uint32_t interval_ms, uint32_t delay_ms);
/* Seal and send once. 0 or -1. */
int dc_send_msg(struct dc *d, uint8_t type, const union ntm_body *body,
		uint32_t key_id, const uint8_t *key, uint64_t txn_id,
		const struct ntm_addr *to);
/* Send what is due, drop what is done; returns the next due time (UNIX
 * ms), or UINT64_MAX. */
uint64_t dc_out_run(struct dc *d);
/* The key of trust key id @key_id (node, RS or peer DC). NTM_OK or
 * NTM_E_UNKNOWN_KEY. */
int dc_key(const struct dc *d, uint32_t key_id, uint8_t key[NTM_CTL_KEY_BYTES]);
/* The index of the peer DC whose key id is @key_id, or -1. */
int dc_peer_index(const struct dc *d, uint32_t key_id);
/* Send a Route Direction that answers (@key_id, @txn_id) after a wait, and
 * remember it for the requester's retransmissions. */
void dc_answer_later(struct dc *d, uint32_t key_id, uint64_t txn_id,
		     const struct ntm_route_direction *rd,
		     const struct ntm_addr *to);
/* A random transaction id. */
uint64_t dc_txn_id(struct dc *d);

#endif /* _NTM_DC_H */
