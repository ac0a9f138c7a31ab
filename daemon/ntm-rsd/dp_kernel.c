// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel datapath of ntm-rsd (struct ntm_dp_ops): nf_ntm's relay table,
 * driven through the project's one netlink client, lib/ntm_nl. Two handles:
 * one for requests, one subscribed to the "events" group (a handle waiting
 * for a reply would drop notifications).
 *
 * Opening keeps what the kernel holds: the tunnel (set again only if absent
 * or on another port) and every path, so that a restarted daemon finds the
 * relay table, its learned endpoints and counters as they were. Closing
 * leaves the tunnel and the paths in place: the kernel keeps relaying while
 * the daemon is away.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rsd.h"

struct ntm_dp {
	struct ntm_nl req;
	struct ntm_nl ev;
	struct ntm_dp_config cfg;
};

static int nl_fail(struct ntm_nl *nl, int err, const char *what)
{
	rsd_warn("kernel datapath: %s: %s", what, ntm_nl_strerror(nl, err));
	return err;
}

static int tunnel_open(struct ntm_dp *dp)
{
	const struct ntm_tunnel_cfg *want = &dp->cfg.tunnel;
	struct ntm_tunnel_info ti;
	int ret;

	ret = ntm_nl_tunnel_get(&dp->req, &ti);
	if (ret == 0 && ti.port == want->port &&
	    (!want->max_paths || ti.max_paths == want->max_paths)) {
		rsd_info("kernel datapath: tunnel on UDP port %u, dev %s, %" PRIu32 " paths already installed",
			 ti.port, ti.ifname, ti.paths);
	} else {
		ret = ntm_nl_tunnel_set(&dp->req, want);
		if (ret < 0)
			return nl_fail(&dp->req, ret, "tunnel set");
		ret = ntm_nl_tunnel_get(&dp->req, &ti);
		if (ret < 0)
			return nl_fail(&dp->req, ret, "tunnel show");
		rsd_info("kernel datapath: tunnel on UDP port %u, dev %s, max %" PRIu32 " paths",
			 ti.port, ti.ifname, ti.max_paths);
	}
	if (want->ifname[0] && strcmp(ti.ifname, want->ifname))
		rsd_warn("kernel datapath: the tunnel's device is %s, not %s as configured (it was created before; 'ntmctl tunnel del' and a restart rename it)",
			 ti.ifname, want->ifname);
	return 0;
}

static int dp_kernel_open(struct ntm_dp **out, const struct ntm_dp_config *cfg)
{
	struct ntm_dp *dp;
	int ret, fl;

	*out = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->cfg = *cfg;
	ret = ntm_nl_open(&dp->req);
	if (ret < 0) {
		nl_fail(&dp->req, ret, "generic netlink family " NTM_GENL_NAME);
		goto err;
	}
	ret = tunnel_open(dp);
	if (ret < 0)
		goto err_req;
	ret = ntm_nl_open(&dp->ev);
	if (ret == 0)
		ret = ntm_nl_subscribe(&dp->ev);
	if (ret < 0) {
		nl_fail(&dp->ev, ret, "notifications (\"" NTM_GENL_MCGRP "\" group)");
		goto err_ev;
	}
	fl = fcntl(ntm_nl_fd(&dp->ev), F_GETFL);
	if (fl < 0 || fcntl(ntm_nl_fd(&dp->ev), F_SETFL, fl | O_NONBLOCK) < 0) {
		ret = -errno;
		goto err_ev;
	}
	*out = dp;
	return 0;

err_ev:
	ntm_nl_close(&dp->ev);
err_req:
	ntm_nl_close(&dp->req);
err:
	free(dp);
	return ret;
}

static void dp_kernel_close(struct ntm_dp *dp)
{
	if (!dp)
		return;
	ntm_nl_close(&dp->ev);
	ntm_nl_close(&dp->req);
	free(dp);
}

static int dp_kernel_path_put(struct ntm_dp *dp, const struct ntm_path *p,
			      bool create)
{
	int ret = create ? ntm_nl_path_new(&dp->req, p) :
			   ntm_nl_path_set(&dp->req, p);
	char what[48];

	/* EEXIST and ENOENT are answers the caller acts on, not failures. */
	if (ret < 0 && ret != -EEXIST && ret != -ENOENT) {
		snprintf(what, sizeof(what), "path %" PRIu32 " %s", p->id,
			 create ? "add" : "set");
		nl_fail(&dp->req, ret, what);
	}
	return ret;
}

static int dp_kernel_path_del(struct ntm_dp *dp, uint32_t id)
{
	int ret = ntm_nl_path_del(&dp->req, id);
	char what[48];

	if (ret < 0 && ret != -ENOENT) {
		snprintf(what, sizeof(what), "path %" PRIu32 " del", id);
		nl_fail(&dp->req, ret, what);
	}
	return ret;
}

static int dp_kernel_path_get(struct ntm_dp *dp, uint32_t id,
			      struct ntm_path *out)
{
	return ntm_nl_path_get(&dp->req, id, out);
}

static int dp_kernel_path_dump(struct ntm_dp *dp, ntm_nl_path_cb cb, void *arg)
{
	int ret = ntm_nl_path_dump(&dp->req, cb, arg);

	if (ret < 0 && ret != -EINTR)
		nl_fail(&dp->req, ret, "path list");
	return ret;
}

static int dp_kernel_flush(struct ntm_dp *dp)
{
	return ntm_nl_path_flush(&dp->req);
}

static int dp_kernel_tunnel_get(struct ntm_dp *dp, struct ntm_tunnel_info *info)
{
	return ntm_nl_tunnel_get(&dp->req, info);
}

static int dp_kernel_fds(struct ntm_dp *dp, int *fds, int max)
{
	if (max < 1)
		return -ENOSPC;
	fds[0] = ntm_nl_fd(&dp->ev);
	return 1;
}

static int event_cb(const struct ntm_nl_event *ev, void *data)
{
	struct ntm_dp *dp = data;

	if (dp->cfg.event)
		dp->cfg.event(dp->cfg.event_arg, ev);
	return 0;
}

/* Everything the event socket holds; -ENOBUFS when some were lost. */
static int dp_kernel_handle(struct ntm_dp *dp, int fd)
{
	bool lost = false;
	int ret;

	for (;;) {
		ret = ntm_nl_event_recv(&dp->ev, event_cb, dp);
		if (ret == -ENOBUFS) {
			lost = true;
			continue;
		}
		if (ret == -EAGAIN || ret == -EWOULDBLOCK)
			break;
		if (ret < 0)
			return nl_fail(&dp->ev, ret, "notifications");
	}
	return lost ? -ENOBUFS : 0;
}

static void dp_kernel_tick(struct ntm_dp *dp, uint64_t now_ms)
{
	/* The kernel expires idle paths itself. */
}

const struct ntm_dp_ops ntm_dp_kernel_ops = {
	.name = "kernel",
	.open = dp_kernel_open,
	.close = dp_kernel_close,
	.path_put = dp_kernel_path_put,
	.path_del = dp_kernel_path_del,
	.path_get = dp_kernel_path_get,
	.path_dump = dp_kernel_path_dump,
	.flush = dp_kernel_flush,
	.tunnel_get = dp_kernel_tunnel_get,
	.fds = dp_kernel_fds,
	.handle = dp_kernel_handle,
	.tick = dp_kernel_tick,
};
