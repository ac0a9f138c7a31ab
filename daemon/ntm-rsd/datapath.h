/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RS daemon's view of a relay datapath: the kernel's (nf_ntm over
 * generic netlink, dp_kernel.c) or its own user-space one (dp_user.c), with
 * the same relay table semantics and the same wire format. ntm-rsd picks the
 * kernel datapath when nf_ntm can be loaded, the user-space one otherwise or
 * when configured to.
 *
 * Paths, tunnel configuration and notifications use the structs of the
 * netlink client (lib/ntm_nl.h), so both datapaths speak in the same terms.
 * Every function returns 0 or a negative errno, with the meaning the
 * generic netlink family gives it (ENOENT: no such path, EEXIST: PathID in
 * use, ENOSPC: relay table full, EADDRINUSE: VIP pair in use, ...).
 */
#ifndef _NTM_RSD_DATAPATH_H
#define _NTM_RSD_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "ntm_nl.h"

struct ntm_dp;

/* Called for a leg's endpoint learned or changed, and for an expired path. */
typedef void (*ntm_dp_event_fn)(void *arg, const struct ntm_nl_event *ev);

struct ntm_dp_config {
	struct ntm_tunnel_cfg tunnel;	/* port, netdevice name, max paths */
	ntm_dp_event_fn event;
	void *event_arg;
};

struct ntm_dp_ops {
	const char *name;		/* "kernel" or "user" */
	/* Open the tunnel socket and netdevice. Paths already in the
	 * datapath (the kernel's, after a daemon restart) are kept. */
	int (*open)(struct ntm_dp **dp, const struct ntm_dp_config *cfg);
	void (*close)(struct ntm_dp *dp);
	/* create: NEW (-EEXIST if present); else SET of an existing path. */
	int (*path_put)(struct ntm_dp *dp, const struct ntm_path *p, bool create);
	int (*path_del)(struct ntm_dp *dp, uint32_t id);
	int (*path_get)(struct ntm_dp *dp, uint32_t id, struct ntm_path *out);
	int (*path_dump)(struct ntm_dp *dp, ntm_nl_path_cb cb, void *arg);
	int (*flush)(struct ntm_dp *dp);
	int (*tunnel_get)(struct ntm_dp *dp, struct ntm_tunnel_info *info);
	/* Event loop: the fds to watch for input, and their handler. */
	int (*fds)(struct ntm_dp *dp, int *fds, int max);
	int (*handle)(struct ntm_dp *dp, int fd);
	/* Periodic work (idle expiry for the user-space datapath). */
	void (*tick)(struct ntm_dp *dp, uint64_t now_ms);
};

extern const struct ntm_dp_ops ntm_dp_kernel_ops;
extern const struct ntm_dp_ops ntm_dp_user_ops;

#endif /* _NTM_RSD_DATAPATH_H */
