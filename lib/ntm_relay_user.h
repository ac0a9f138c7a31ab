/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntm_relay_user: the relay datapath of an RS in user space. Same relay
 * table semantics, counters, notifications and wire format as nf_ntm.ko
 * (include/uapi/nf_ntm.h), for hosts that cannot load the module, and as the
 * user-space baseline of the benchmarks. ntm-rsd drives it through
 * daemon/ntm-rsd/dp_user.c; tools/ntm-relay-user runs it alone.
 *
 *   tunnel socket (UDP, batched with recvmmsg/sendmmsg)
 *     RS-S        relay tag + sending leg's replay window, learn the leg's
 *                 endpoint, send the payload unchanged to the other leg
 *     RS-N, RS-T  the same checks, AEAD open, inner source/destination must
 *                 be (leg A VIP, leg B VIP), write the inner packet to the
 *                 device
 *   device (a TUN named like the kernel's netdevice, "ntm0")
 *     a packet read is matched to its path by (source, destination) =
 *     (leg B VIP, leg A VIP), sealed with leg B's counter, sent to leg A
 *
 * Differences from nf_ntm that an operator can see:
 *  - the kernel stamps decapsulated packets with skb->mark = PathID; a TUN
 *    cannot, so the ct mark of a flow needs an nft map (saddr . daddr ->
 *    PathID) maintained beside the relay table (see tools/ntm-relay-user and
 *    test/lib/userdp.sh);
 *  - the device is a TUN: `ip -d link` says tun, and it disappears with the
 *    process that holds it;
 *  - the table too: after a restart the paths are installed again, so leg
 *    B's counter of a new RS-N/RS-T path starts at the time of day in
 *    nanoseconds, not 0, so that no (data key, nonce) pair comes back.
 *
 * Single-threaded: one caller drives everything, from one event loop, with
 * fds() / handle() / tick(). No global state: two engines never interfere
 * (each needs its own port and device name). Every function returns 0 (or a
 * count) or a negative errno with the meaning the generic netlink family
 * gives it: ENOENT no such path, EEXIST PathID in use, ENOSPC relay table
 * full, EADDRINUSE VIP pair in use, EINVAL / ERANGE / EAFNOSUPPORT invalid
 * path, EBUSY the table is being walked (from a dump callback).
 *
 * Notifications (endpoint learned or changed, path expired) go to the
 * config's callback, never while a packet batch is in flight: the callback
 * may change the relay table, but must not close the engine.
 */
#ifndef _NTM_RELAY_USER_H
#define _NTM_RELAY_USER_H

#include <stdbool.h>
#include <stdint.h>

#include <ntm/wire.h>

#include "ntm_nl.h"

struct ntm_relay_user;

typedef void (*ntm_relay_user_event_fn)(void *arg,
					const struct ntm_nl_event *ev);

/* What carries the inner packets of RS-N and RS-T paths. */
enum ntm_relay_user_dev {
	NTM_RELAY_USER_DEV_TUN,		/* a TUN named tunnel.ifname */
	NTM_RELAY_USER_DEV_NONE,	/* none: RS-N/RS-T packets are lost */
	NTM_RELAY_USER_DEV_FD,		/* dev_fd: one IPv4 packet per read()
					 * and write(), e.g. a datagram socket,
					 * non-blocking (O_NONBLOCK); the
					 * caller keeps and closes it */
};

struct ntm_relay_user_config {
	/* port 0: any (tunnel_get tells which); ifname "": "ntm0";
	 * max_paths 0: NTM_DEFAULT_MAX_PATHS. */
	struct ntm_tunnel_cfg tunnel;
	enum ntm_relay_user_dev dev;
	int dev_fd;				/* NTM_RELAY_USER_DEV_FD */
	ntm_relay_user_event_fn event;		/* may be NULL */
	void *event_arg;
	/* Milliseconds of a monotonic clock; NULL: CLOCK_MONOTONIC. */
	uint64_t (*now_ms)(void *arg);
	void *now_arg;
	/* Datagrams per recvmmsg()/sendmmsg(); 0: NTM_RELAY_USER_BATCH. */
	unsigned int batch;
};

#define NTM_RELAY_USER_BATCH	32
#define NTM_RELAY_USER_BATCH_MAX 1024
/* The kernel's ntm0: Ethernet MTU less outer IPv4, UDP, header and tag. */
#define NTM_RELAY_USER_MTU	(1500 - (20 + 8 + NTM_DATA_HDR_LEN + NTM_AEAD_TAG_LEN))

/*
 * Open the tunnel socket (UDP, any address, non-blocking) and the device.
 * The TUN is created down with the kernel device's MTU, like nf_ntm's ntm0:
 * bringing it up, addresses and routes are the caller's business.
 */
int ntm_relay_user_open(struct ntm_relay_user **ru,
			const struct ntm_relay_user_config *cfg);
/* Flush the table (wiping keys), close the socket and the TUN. */
void ntm_relay_user_close(struct ntm_relay_user *ru);

/* create: PATH_NEW (-EEXIST if present); else PATH_SET of an existing path:
 * fields absent from @p (struct ntm_path's has bits, endpoint or VIP family
 * AF_UNSPEC) are kept. */
int ntm_relay_user_path_put(struct ntm_relay_user *ru, const struct ntm_path *p,
			    bool create);
int ntm_relay_user_path_del(struct ntm_relay_user *ru, uint32_t id);
/* As PATH_GET answers: id, type, refresh, idle, legs (endpoint if known, VIP
 * on RS-N/RS-T paths, stats); keys are never reported. */
int ntm_relay_user_path_get(struct ntm_relay_user *ru, uint32_t id,
			    struct ntm_path *out);
/* @cb for every path; returns the number of paths or -errno (what @cb
 * returned, if negative). @cb must not change the table (-EBUSY). */
int ntm_relay_user_path_dump(struct ntm_relay_user *ru, ntm_nl_path_cb cb,
			     void *arg);
int ntm_relay_user_flush(struct ntm_relay_user *ru);
int ntm_relay_user_tunnel_get(struct ntm_relay_user *ru,
			      struct ntm_tunnel_info *info);

/* The fds to watch for input (socket, device): their number, or -ENOSPC if
 * @max is too small. */
int ntm_relay_user_fds(struct ntm_relay_user *ru, int *fds, int max);
/*
 * @fd is readable: handle a bounded number of batches, then return so that
 * the other fds get their turn (level-triggered polling calls again). 0, or
 * -errno for an error of @fd the caller should log; the engine stays usable.
 * -EBADF: not one of ours.
 */
int ntm_relay_user_handle(struct ntm_relay_user *ru, int fd);
/* Periodic work: idle expiry (NTM_CMD_NOTIFY_EXPIRED), at most 65536 paths
 * looked at per call, going on where the last call stopped, as nf_ntm's
 * expiry work does. Call it about once a second. */
void ntm_relay_user_tick(struct ntm_relay_user *ru);

#endif /* _NTM_RELAY_USER_H */
