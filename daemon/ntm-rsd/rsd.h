/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntm-rsd, the Relay Server daemon: answers the DC's Relay Directions and
 * Path Teardowns and the nodes' Tunnel Requests on the control port, and
 * keeps the relay datapath (nf_ntm, or the user-space one), the nftables
 * table inet ntmobile and its own store in step.
 *
 *   main.c       command line, daemon life, the event loop, signals
 *   config.c     the configuration file (rsd.conf.example)
 *   (the log is lib/ntm_log.c)
 *   control.c    the control port: open, check, dispatch, answer
 *   (answers already given, by key id and transaction id: lib/ntm_txn.c)
 *   path.c       install, update and remove a path: store, datapath, nft
 *   reconcile.c  start-up: store vs datapath vs nft, after any crash
 *   store.c      SQLite: every path with its keys and its state
 *   nft.c        the one door to lib/ntm_nft and lib/ntm_ct
 *   netdev.c     the tunnel's device: up, and the configured routes to it
 *   dp_kernel.c  the datapath over nf_ntm's generic netlink (datapath.h)
 *
 * Crash safety of a path change, in this order: the store row is written
 * first (state installing or removing), then the datapath, then nft, then
 * the row is marked installed (or deleted), then the DC is answered. A crash
 * anywhere leaves a row that says what was under way; reconcile.c finishes
 * it at the next start.
 */
#ifndef _NTM_RSD_H
#define _NTM_RSD_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

#include "datapath.h"
#include "ntm_log.h"
#include "ntm_ratelimit.h"
#include "ntm_txn.h"

#define RSD_NAME		"ntm-rsd"
#define RSD_DEFAULT_CONFIG	"/etc/ntmobile/rsd.conf"
#define RSD_DEFAULT_STORE	"/var/lib/ntmobile/rsd.db"
#define RSD_DEFAULT_CONTROL	"0.0.0.0:7700"
#define RSD_DEFAULT_TUNNEL_PORT	7701
#define RSD_MAX_ROUTES		64
#define RSD_MAX_RL_EXEMPT	64
/* At most one rate-limit log line in this many ms (a summary). */
#define RSD_RL_LOG_MS		10000
#define RSD_TXN_CACHE		16384
#define RSD_NONCE_CACHE		65536

/* ---- the log: lib/ntm_log.c ---------------------------------------------- */

#define RSD_LOG_ERROR	NTM_LOG_ERROR
#define RSD_LOG_WARN	NTM_LOG_WARN
#define RSD_LOG_INFO	NTM_LOG_INFO
#define RSD_LOG_DEBUG	NTM_LOG_DEBUG

#define rsd_log_open(level, use_syslog) ntm_log_open(RSD_NAME, level, use_syslog)
#define rsd_log_set_level	ntm_log_set_level
#define rsd_log_close		ntm_log_close
#define rsd_log_enabled		ntm_log_enabled
#define rsd_log			ntm_log
#define rsd_log_level_parse	ntm_log_level_parse
#define rsd_err			ntm_err
#define rsd_warn		ntm_warn
#define rsd_info		ntm_info
#define rsd_dbg			ntm_dbg

/* ---- config.c ------------------------------------------------------------ */

enum rsd_dp_mode {
	RSD_DP_AUTO,
	RSD_DP_KERNEL,
	RSD_DP_USER,
};

/* A DC-RS trust key (dc-key KEYID HEX64). */
struct rsd_key {
	uint32_t id;
	uint8_t key[NTM_CTL_KEY_BYTES];
};

/* route PREFIX: routed to the tunnel device once it exists. */
struct rsd_route {
	sa_family_t family;
	uint8_t addr[16];
	uint8_t plen;
};

struct rsd_config {
	char file[PATH_MAX];		/* where it was read from */
	struct sockaddr_storage control; /* control ADDR:PORT (bind) */
	struct ntm_addr tunnel_addr;	/* tunnel-address, port = tunnel-port */
	uint16_t tunnel_port;
	char tunnel_dev[IFNAMSIZ];
	uint32_t max_paths;		/* 0: the datapath's default */
	char store[PATH_MAX];
	enum rsd_dp_mode datapath;
	bool log_syslog;
	int log_level;
	struct rsd_route routes[RSD_MAX_ROUTES];
	unsigned int nroutes;
	struct rsd_key *keys;		/* dc-key, in file order */
	size_t nkeys;
	/* control-rate, control-rate-total, control-rate-sources */
	struct ntm_ratelimit_config rl;
	struct rsd_route rl_exempt[RSD_MAX_RL_EXEMPT];	/* control-rate-exempt */
	unsigned int nrl_exempt;
};

/* Defaults for everything (no key, no tunnel-address). */
void rsd_config_init(struct rsd_config *c);
/*
 * Read @f (named @name in messages) into @c, which rsd_config_init() set.
 * 0, or -1 with "FILE:LINE: what is wrong" (or "FILE: ...") in @err.
 */
int rsd_config_parse(FILE *f, const char *name, struct rsd_config *c,
		     char *err, size_t errlen);
/* rsd_config_init() + open + parse. */
int rsd_config_load(const char *file, struct rsd_config *c, char *err,
		    size_t errlen);
/* Wipe the keys and free them. */
void rsd_config_free(struct rsd_config *c);
/* The key of DC-RS key id @id, or NULL. */
const struct rsd_key *rsd_config_key(const struct rsd_config *c, uint32_t id);
const char *rsd_dp_mode_name(enum rsd_dp_mode m);

/* ---- store.c ------------------------------------------------------------- */

enum rsd_state {
	RSD_INSTALLING = 1,	/* written before the datapath and nft */
	RSD_INSTALLED = 2,	/* datapath and nft hold it */
	RSD_REMOVING = 3,	/* written before it leaves them */
};

/* A path as the store keeps it: the DC's Relay Direction and our notes. */
struct rsd_row {
	enum rsd_state state;
	struct ntm_relay_direction rd;	/* keys included */
	/* The content an update (state installing) replaces, if any. */
	bool has_prev;
	struct ntm_relay_direction prev;
	/* Endpoints the datapath learned (NOTIFY_ENDPOINT), or none. */
	struct ntm_addr learned[2];
	uint64_t updated_ms;
};

struct rsd_store;

/* Create or open the database (mode 0600), locked against a second
 * daemon. 0 or -1 with @err set. */
int rsd_store_open(struct rsd_store **s, const char *path, char *err,
		   size_t errlen);
void rsd_store_close(struct rsd_store *s);
/* 0, -ENOENT, or -EIO (logged). */
int rsd_store_get(struct rsd_store *s, uint32_t id, struct rsd_row *row);
/* Insert or replace the whole row, one transaction. 0 or -EIO. */
int rsd_store_put(struct rsd_store *s, const struct rsd_row *row);
/* Change the state (installed drops prev). 0, -ENOENT or -EIO. */
int rsd_store_set_state(struct rsd_store *s, uint32_t id, enum rsd_state st);
int rsd_store_set_learned(struct rsd_store *s, uint32_t id, int leg,
			  const struct ntm_addr *ep);
/* 0, -ENOENT or -EIO. */
int rsd_store_del(struct rsd_store *s, uint32_t id);
/* The tunnel key of an installed path: 0, -ENOENT or -EIO. */
int rsd_store_tunnel_key(struct rsd_store *s, uint32_t id,
			 uint8_t key[NTM_TUNNEL_KEY_BYTES]);
/*
 * Call @cb for every row in PathID order; the callback may change the
 * store (rows are read in batches). Returns the number of rows or -errno
 * (a callback's negative return stops the walk and is returned).
 */
int rsd_store_foreach(struct rsd_store *s,
		      int (*cb)(void *arg, const struct rsd_row *row),
		      void *arg);
int rsd_store_count(struct rsd_store *s);
const char *rsd_state_name(enum rsd_state st);

/* ---- transactions -------------------------------------------------------- */

/* Key ids of trust keys and PathIDs of tunnel keys are two namespaces. */
enum rsd_key_ns {
	RSD_NS_TRUST,
	RSD_NS_TUNNEL,
};

/* The answers already given: lib/ntm_txn.c. */
#define rsd_answer	ntm_answer
#define rsd_txn_cache	ntm_txn_cache
#define rsd_txn_new	ntm_txn_new
#define rsd_txn_free	ntm_txn_free
#define rsd_txn_find	ntm_txn_find
#define rsd_txn_add	ntm_txn_add
#define rsd_txn_count	ntm_txn_count

/* ---- the daemon ---------------------------------------------------------- */

struct rsd_nft;

struct rsd_stats {
	uint64_t rx;			/* datagrams on the control port */
	uint64_t dropped;		/* unauthenticated, stale, replayed */
	uint64_t retransmissions;	/* answered from the cache */
	uint64_t errors;		/* Error messages sent */
	uint64_t installed, updated, removed, expired;
	uint64_t tunnel_requests;
	uint64_t rate_limited;		/* dropped unopened by the limiter */
};

struct rsd {
	struct rsd_config *cfg;
	struct rsd_store *store;
	const struct ntm_dp_ops *dp_ops;
	struct ntm_dp *dp;
	struct rsd_nft *nft;
	struct ntm_nonce_cache *nonces;
	struct rsd_txn_cache *txns;
	const struct ntm_ctl_env *env;	/* clock and randomness; NULL: real */
	int ctl_fd;
	struct ntm_addr tunnel_ep;	/* what Direction Responses report */
	struct ntm_addr control_ep;
	/* The datapath started without a tunnel (module just loaded, reboot,
	 * user datapath): what it lacks, it lost. Otherwise a path it lacks
	 * expired (or was removed by hand) while the daemon was away. */
	bool dp_fresh;
	const char *crash_at;		/* NTM_RSD_CRASH_AT test hook */
	bool resync;			/* datapath events were lost */
	struct rsd_stats stats;
	/* Before any AEAD work on the control port; NULL: no limit. */
	struct ntm_ratelimit *rl;
	struct ntm_log_limit rl_log;
	struct ntm_ratelimit_stats rl_logged;	/* at the last log line */
	char rl_last_src[NTM_ADDR_FMT_LEN];	/* last source limited */
};

/* NTM_RSD_CRASH_AT: abort() at that point of every path change. */
#define RSD_CRASH_ENV		"NTM_RSD_CRASH_AT"
void rsd_crash_point(const struct rsd *r, const char *where);
/* 1 if @where names a crash point. */
int rsd_crash_point_valid(const char *where);

/* ---- nft.c (the only caller of lib/ntm_nft and lib/ntm_ct) -------------- */

int rsd_nft_open(struct rsd *r);
void rsd_nft_close(struct rsd *r);
/* Every nft change of one path: @old NULL installs, @new NULL removes.
 * RS-S paths have no nft state: 0 at once. 0 or -errno (logged). */
int rsd_nft_apply(struct rsd *r, const struct ntm_relay_direction *old,
		  const struct ntm_relay_direction *new);
/* Remove the nft state of every path for which @keep(arg, id) is 0; the
 * number removed or -errno. */
int rsd_nft_orphans(struct rsd *r, int (*keep)(void *arg, uint32_t id),
		    void *arg);
/* Remove the conntrack entries of the path's flows; a count or -errno. */
int rsd_ct_flush(struct rsd *r, uint32_t id);

/* ---- path.c -------------------------------------------------------------- */

/* "RS-S", "RS-N", "RS-T". */
const char *rsd_type_name(uint8_t rs_type);
/* The datapath's view of a Relay Direction: every field, keys included
 * (the data key only for RS-N and RS-T). */
void rsd_rd_to_dp(const struct ntm_relay_direction *rd, struct ntm_path *p);
/* 1 if two Relay Directions say the same (keys included). */
int rsd_rd_equal(const struct ntm_relay_direction *a,
		 const struct ntm_relay_direction *b);
/* The checks the wire codec cannot make (status; MALFORMED and friends). */
int rsd_rd_check(const struct ntm_relay_direction *rd);
/* A datapath errno as a status of the protocol. */
int rsd_status_from_errno(int err);

/*
 * A Relay Direction: install, update or nothing (same content). Returns a
 * status; *what says what was done ("installed", "updated", "unchanged")
 * for the log.
 */
int rsd_path_direct(struct rsd *r, const struct ntm_relay_direction *rd,
		    const char **what);
/* Remove a path: store (removing), datapath, nft, conntrack, store. A
 * status: NTM_OK or NTM_E_UNKNOWN_PATH (not in the store) or
 * NTM_E_INTERNAL. */
int rsd_path_remove(struct rsd *r, uint32_t id, const char *why);
/* For reconcile.c: steps 2..4 of a removal (the row says removing); and the
 * datapath and nft made to hold @row, which is then marked installed. A
 * status each. */
int rsd_path_finish_removal(struct rsd *r, const struct rsd_row *row);
int rsd_path_finish_install(struct rsd *r, const struct rsd_row *row);
/* The path left the datapath by itself (@why: "expired after 300 s
 * idle"): store, nft and conntrack follow, unless it is back already. */
void rsd_path_expired(struct rsd *r, uint32_t id, const char *why);
/* The datapath's notifications (ntm_dp_event_fn). */
void rsd_dp_event(void *arg, const struct ntm_nl_event *ev);
/* Events were lost: whatever the store has and the datapath does not is
 * taken as expired. */
void rsd_resync(struct rsd *r);
/* "leg A 100.64.0.1, leg B 100.65.0.30 (host 198.51.100.30)". */
char *rsd_rd_fmt(const struct ntm_relay_direction *rd, char *buf, size_t len);

/* ---- reconcile.c --------------------------------------------------------- */

struct rsd_reconcile_stats {
	unsigned int kept;		/* installed, and the datapath had it */
	unsigned int reinstalled;	/* installed, the datapath had lost it */
	unsigned int repaired;		/* the datapath had it differently */
	unsigned int rolled_forward;	/* installing -> installed */
	unsigned int finished_removal;	/* removing -> gone */
	unsigned int failed;		/* could not be installed: removed */
	unsigned int gone;		/* expired while the daemon was away */
	unsigned int dp_orphans;	/* datapath paths not in the store */
	unsigned int nft_orphans;	/* nft paths not in the store */
};

/* Make datapath and nft hold exactly the store's paths. 0 or -errno. */
int rsd_reconcile(struct rsd *r, struct rsd_reconcile_stats *st);

/* ---- netdev.c ------------------------------------------------------------ */

/* Set @ifname up. 0 or -errno. */
int rsd_dev_up(const char *ifname);
/* "route PREFIX" lines: PREFIX dev @ifname, replaced. 0 or -errno. */
int rsd_routes_apply(const struct rsd_config *c, const char *ifname);

/* ---- control.c ----------------------------------------------------------- */

/*
 * One datagram that arrived on the control port from @src. Writes the
 * answer to @out and returns its length, or 0 when nothing is answered
 * (unauthenticated, stale, replayed, or a response).
 */
size_t rsd_control_input(struct rsd *r, const uint8_t *in, size_t len,
			 const struct sockaddr_storage *src, uint8_t *out,
			 size_t cap);
/* The key lookup callback of ntm_ctl_open() (ntm_ctl_key_fn). */
int rsd_key_lookup(void *arg, uint8_t type, uint32_t key_id,
		   uint8_t key[NTM_CTL_KEY_BYTES]);
/* Read and answer what the control socket holds. */
void rsd_control_read(struct rsd *r);
/* The endpoints Direction Responses report, from the configuration. */
void rsd_control_endpoints(struct rsd *r);
/*
 * The control port's rate limiter from the configuration, in r->rl (NULL
 * when no limit is configured), replacing any before it. 0 or -1 (logged).
 */
int rsd_control_ratelimit(struct rsd *r);
/* Once a second: the summary of what the limiter dropped, if it is due. */
void rsd_control_tick(struct rsd *r);

#endif /* _NTM_RSD_H */
