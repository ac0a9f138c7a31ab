/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntm_nl: the one generic netlink client of nf_ntm (include/uapi/nf_ntm.h),
 * used by ntmctl and the RS daemon.
 *
 * Two layers:
 *  - builders and parsers that work on a caller's buffer and never touch a
 *    socket (unit-testable without the module): ntm_nl_*_build() fill a buffer
 *    of @buflen bytes and return the nlmsghdr (NULL if it does not fit),
 *    ntm_nl_*_parse() validate every known attribute, skip unknown ones and
 *    fail with -EPROTO on a truncated or malformed one;
 *  - requests on a struct ntm_nl handle, which holds all the state (socket,
 *    family id, sequence number, port id, last error text). No global mutable
 *    state: two handles never interfere.
 *
 * Every request function returns 0 (or a count) on success and -errno on
 * failure; ntm_nl_strerror() then gives a message for people, which includes
 * the kernel's extended ack message and the name of the attribute it blamed.
 *
 * Use one handle for requests and another for notifications: a handle that is
 * subscribed to "events" ignores events while it waits for a reply, and loses
 * them.
 */
#ifndef _NTM_NL_H
#define _NTM_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/socket.h>

#include <linux/netlink.h>

#include "uapi/nf_ntm.h"

struct mnl_socket;

/* Largest request this client builds; every builder fits in it. */
#define NTM_NL_REQ_SIZE		1024
/* Receive buffer: the kernel sizes dump skbs up to 32 KiB. */
#define NTM_NL_RECV_SIZE	32768

/* Counters of a leg, or of the tunnel (NTMA_STATS_*). */
struct ntm_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t drop_auth;
	uint64_t drop_replay;
	uint64_t drop_malformed;
	uint64_t drop_noroute;
	uint64_t drop_nopath;
	uint64_t rx_control;
};

/* A VIP: family AF_UNSPEC (unset), AF_INET (4 bytes used) or AF_INET6. */
struct ntm_vip {
	sa_family_t family;
	uint8_t addr[16];
};

/* One leg of a path. */
struct ntm_path_leg {
	struct sockaddr_storage endpoint;	/* ss_family AF_UNSPEC: unset */
	struct ntm_vip vip;
	struct ntm_stats stats;
	bool has_stats;
};

/* Which optional fields of a struct ntm_path are present. */
#define NTM_PATH_HAS_TYPE	(1u << 0)
#define NTM_PATH_HAS_REFRESH	(1u << 1)
#define NTM_PATH_HAS_IDLE	(1u << 2)
#define NTM_PATH_HAS_RELAY_KEY	(1u << 3)
#define NTM_PATH_HAS_DATA_KEY	(1u << 4)
#define NTM_PATH_HAS_LEG_A	(1u << 5)	/* NTMA_PATH_LEG_A was present */
#define NTM_PATH_HAS_LEG_B	(1u << 6)

/*
 * A path of the relay table. Built by the caller for NEW/SET (keys included,
 * absent fields are not sent), filled by the parsers from a GET answer or a
 * notification (keys are never reported). leg[] is indexed by enum ntm_leg.
 */
struct ntm_path {
	uint32_t id;
	uint32_t has;			/* NTM_PATH_HAS_* */
	uint8_t type;			/* enum ntm_path_type */
	uint32_t refresh;		/* seconds, 0 = never expires */
	uint64_t idle_ms;
	struct ntm_path_leg leg[2];
	uint8_t relay_key[NTM_RELAY_KEY_LEN];
	uint8_t data_key[NTM_DATA_KEY_LEN];
};

/* NTM_CMD_TUNNEL_SET arguments; 0 / "" = the kernel's default. */
struct ntm_tunnel_cfg {
	uint16_t port;
	char ifname[IFNAMSIZ];
	uint32_t max_paths;
};

#define NTM_TUNNEL_HAS_PORT	(1u << 0)
#define NTM_TUNNEL_HAS_IFNAME	(1u << 1)
#define NTM_TUNNEL_HAS_MAX	(1u << 2)
#define NTM_TUNNEL_HAS_IFINDEX	(1u << 3)
#define NTM_TUNNEL_HAS_PATHS	(1u << 4)
#define NTM_TUNNEL_HAS_STATS	(1u << 5)

/* NTM_CMD_TUNNEL_GET answer. */
struct ntm_tunnel_info {
	uint32_t has;			/* NTM_TUNNEL_HAS_* */
	uint16_t port;
	char ifname[IFNAMSIZ];
	uint32_t max_paths;
	uint32_t ifindex;
	uint32_t paths;
	struct ntm_stats stats;		/* packets that matched no path */
};

/* A notification from the "events" group. */
struct ntm_nl_event {
	uint8_t cmd;			/* NTM_CMD_NOTIFY_* */
	struct ntm_path path;		/* NOTIFY_ENDPOINT: id and one leg */
};

struct ntm_nl {
	struct mnl_socket *sock;
	uint16_t family_id;
	uint32_t mcgrp_events;		/* 0: the family has no such group */
	uint32_t portid;
	uint32_t seq;
	uint8_t last_op;		/* command of the last request */
	/* The request being answered: to name the attribute an ack blames. */
	const struct nlmsghdr *req;
	char ext_msg[160];		/* kernel's extack message, or "" */
	char ext_attr[48];		/* attribute it pointed at, or "" */
	char errbuf[320];		/* ntm_nl_strerror() */
	uint8_t buf[NTM_NL_RECV_SIZE];
};

/* Callbacks: return 0 to go on, a negative errno to stop (returned as is). */
typedef int (*ntm_nl_path_cb)(const struct ntm_path *path, void *data);
typedef int (*ntm_nl_event_cb)(const struct ntm_nl_event *ev, void *data);

/* ---- handle ------------------------------------------------------------ */

/*
 * Open a socket in the caller's network namespace, resolve the family and its
 * "events" group. -ENOENT: module not loaded; -EPERM/-EACCES: no permission.
 * On failure the handle holds nothing to close but the error text.
 */
int ntm_nl_open(struct ntm_nl *nl);
void ntm_nl_close(struct ntm_nl *nl);
int ntm_nl_fd(const struct ntm_nl *nl);
/* Message for the last failure of @nl, whose return value was @err. */
const char *ntm_nl_strerror(struct ntm_nl *nl, int err);

/* ---- requests ---------------------------------------------------------- */

int ntm_nl_tunnel_set(struct ntm_nl *nl, const struct ntm_tunnel_cfg *cfg);
int ntm_nl_tunnel_get(struct ntm_nl *nl, struct ntm_tunnel_info *info);
int ntm_nl_tunnel_del(struct ntm_nl *nl);
/* NEW with NLM_F_EXCL: -EEXIST if the PathID is in use. */
int ntm_nl_path_new(struct ntm_nl *nl, const struct ntm_path *path);
int ntm_nl_path_set(struct ntm_nl *nl, const struct ntm_path *path);
int ntm_nl_path_del(struct ntm_nl *nl, uint32_t id);
int ntm_nl_path_get(struct ntm_nl *nl, uint32_t id, struct ntm_path *out);
/*
 * Call @cb for every path. Returns the number of paths, or -errno; -EINTR
 * when the kernel flagged the dump inconsistent (the table changed during
 * it): the caller may retry. The whole dump is always read, so the handle
 * stays usable whatever @cb returns.
 */
int ntm_nl_path_dump(struct ntm_nl *nl, ntm_nl_path_cb cb, void *data);

/* A relay table copied into memory, for listing sorted by PathID. */
struct ntm_path_list {
	struct ntm_path *v;
	size_t n, cap;
};

/* An ntm_nl_path_cb that appends @path to the struct ntm_path_list @list. */
int ntm_path_list_add(const struct ntm_path *path, void *list);
void ntm_path_list_sort(struct ntm_path_list *l);
void ntm_path_list_free(struct ntm_path_list *l);
int ntm_nl_path_flush(struct ntm_nl *nl);

/* ---- batches ----------------------------------------------------------- */

/*
 * Path requests (PATH_NEW, PATH_SET, PATH_DEL) queued in one buffer and sent
 * with one sendmsg(): the kernel runs them one after another, in order, in
 * that one system call. Only the last request asks for an ack; a request that
 * fails is answered with its error (netlink always acks an error), so one
 * pass over the answers, ending at the last request's ack or error, tells
 * which failed. Every queued request runs, whatever its predecessors did.
 */
#define NTM_NL_BATCH_SIZE	65536	/* bytes of requests per sendmsg() */
#define NTM_NL_BATCH_MAX	256	/* requests per sendmsg() */

struct ntm_nl_batch {
	struct ntm_nl *nl;
	unsigned int n;			/* requests queued */
	size_t len;			/* bytes queued */
	uint32_t seq0;			/* seq of request 0; then +1 each */
	uint32_t off[NTM_NL_BATCH_MAX];	/* offset of each request in buf */
	uint8_t buf[NTM_NL_BATCH_SIZE];
};

/*
 * Called for each failed request of a flushed batch: @index is its place in
 * the batch (0 = first queued), @err its -errno; ntm_nl_strerror(nl, err)
 * says why, naming the attribute the kernel blamed. A negative return value
 * is kept as the flush's result (the other answers are still read).
 */
typedef int (*ntm_nl_batch_cb)(unsigned int index, int err, void *data);

void ntm_nl_batch_init(struct ntm_nl_batch *b, struct ntm_nl *nl);
/*
 * Queue a request: @cmd NTM_CMD_PATH_NEW or NTM_CMD_PATH_SET (@path, as
 * ntm_nl_path_build()), or NTM_CMD_PATH_DEL (@path->id only). Returns its
 * index, -ENOSPC if the batch is full (flush, then queue again), -EINVAL if
 * the path does not make a request.
 */
int ntm_nl_batch_add(struct ntm_nl_batch *b, uint8_t cmd,
		     const struct ntm_path *path);
/*
 * Send the queued requests and read every answer. Returns the number of
 * requests that failed (each reported to @cb, which may be NULL), or -errno
 * if the batch could not be sent or its answers read; -ENOBUFS if the
 * socket's receive buffer overran and some errors were lost. The batch is
 * empty (and its buffer, which held keys, wiped) afterwards, whatever the
 * result.
 */
int ntm_nl_batch_flush(struct ntm_nl_batch *b, ntm_nl_batch_cb cb, void *data);

/* ---- notifications ----------------------------------------------------- */

/* Join "events". -EOPNOTSUPP if the family has no such group. */
int ntm_nl_subscribe(struct ntm_nl *nl);
/*
 * Read what one recv() returns and call @cb for each notification. Returns
 * the number handled, or -errno: -ENOBUFS when events were lost (the socket
 * buffer overran; the socket stays usable), -EAGAIN on a non-blocking socket
 * with nothing to read.
 */
int ntm_nl_event_recv(struct ntm_nl *nl, ntm_nl_event_cb cb, void *data);

/* ---- builders (no socket) ---------------------------------------------- */

struct nlmsghdr *ntm_nl_msg_start(void *buf, size_t buflen, uint16_t family,
				  uint8_t cmd, uint16_t flags, uint32_t seq);
struct nlmsghdr *ntm_nl_tunnel_set_build(void *buf, size_t buflen,
					 uint16_t family, uint32_t seq,
					 const struct ntm_tunnel_cfg *cfg);
/* TUNNEL_GET, TUNNEL_DEL, PATH_FLUSH: no attributes. */
struct nlmsghdr *ntm_nl_simple_build(void *buf, size_t buflen,
				     uint16_t family, uint8_t cmd,
				     uint32_t seq);
/* @cmd: NTM_CMD_PATH_NEW or NTM_CMD_PATH_SET; only fields in path->has. */
struct nlmsghdr *ntm_nl_path_build(void *buf, size_t buflen, uint16_t family,
				   uint8_t cmd, uint32_t seq,
				   const struct ntm_path *path);
/* @cmd: NTM_CMD_PATH_DEL or NTM_CMD_PATH_GET (doit). */
struct nlmsghdr *ntm_nl_path_id_build(void *buf, size_t buflen,
				      uint16_t family, uint8_t cmd,
				      uint32_t seq, uint32_t id);
struct nlmsghdr *ntm_nl_path_dump_build(void *buf, size_t buflen,
					uint16_t family, uint32_t seq);
struct nlmsghdr *ntm_nl_getfamily_build(void *buf, size_t buflen,
					uint32_t seq, const char *name);

/* ---- parsers (no socket) ----------------------------------------------- */

/* 0, or -EPROTO if a known attribute is malformed or the message truncated. */
int ntm_nl_path_parse(const struct nlmsghdr *nlh, struct ntm_path *out);
int ntm_nl_tunnel_parse(const struct nlmsghdr *nlh,
			struct ntm_tunnel_info *out);
int ntm_nl_event_parse(const struct nlmsghdr *nlh, struct ntm_nl_event *out);
/* CTRL_CMD_NEWFAMILY answer: the family id and the id of group @grp. */
int ntm_nl_family_parse(const struct nlmsghdr *nlh, const char *grp,
			uint16_t *family_id, uint32_t *grp_id);

/* ---- helpers ----------------------------------------------------------- */

const char *ntm_path_type_name(uint8_t type);		/* "RS-S", ... */
/* "192.0.2.1:7701", "[2001:db8::1]:7701", or "unset"; @len >= 64. */
char *ntm_nl_fmt_endpoint(const struct sockaddr_storage *ss, char *buf,
			  size_t len);
/* "10.0.0.1", "fd00::1", or "unset"; @len >= 64. */
char *ntm_nl_fmt_vip(const struct ntm_vip *vip, char *buf, size_t len);
/* Add @b's counters to @a. */
void ntm_stats_add(struct ntm_stats *a, const struct ntm_stats *b);

#endif /* _NTM_NL_H */
