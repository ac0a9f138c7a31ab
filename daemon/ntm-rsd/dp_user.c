// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The user-space relay datapath of ntm-rsd: struct ntm_dp_ops over
 * lib/ntm_relay_user.c, which has nf_ntm's relay table semantics, counters,
 * notifications and wire format on a UDP socket and a TUN named like the
 * kernel's netdevice.
 *
 * What the daemon does differently with it than with nf_ntm:
 *  - it must call handle() for every readable fd that fds() gives and
 *    tick() about once a second (the kernel has its own softirq and expiry
 *    work); notifications come from inside handle() and tick(), never from
 *    a socket;
 *  - a TUN cannot stamp skb->mark: the ct mark of RS-N/RS-T flows comes
 *    from the ntmobile table's map path_vips (leg A VIP . leg B VIP ->
 *    PathID, kept by lib/ntm_nft.c with every path's other elements) and
 *    its chain pathmark, which marks unmarked packets from ntm*;
 *  - the TUN lives as long as the daemon: a restart starts an empty table,
 *    and reconcile installs every path again (leg B's counter of RS-N/RS-T
 *    starts at the clock, lib/ntm_relay_user.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "ntm_relay_user.h"
#include "datapath.h"

struct ntm_dp {
	struct ntm_relay_user *ru;
};

static int dp_user_open(struct ntm_dp **dpp, const struct ntm_dp_config *cfg)
{
	struct ntm_relay_user_config rc = {
		.tunnel = cfg->tunnel,
		.dev = NTM_RELAY_USER_DEV_TUN,
		.dev_fd = -1,
		.event = cfg->event,
		.event_arg = cfg->event_arg,
	};
	struct ntm_dp *dp;
	int err;

	*dpp = NULL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	err = ntm_relay_user_open(&dp->ru, &rc);
	if (err) {
		free(dp);
		return err;
	}
	*dpp = dp;
	return 0;
}

static void dp_user_close(struct ntm_dp *dp)
{
	if (!dp)
		return;
	ntm_relay_user_close(dp->ru);
	free(dp);
}

static int dp_user_path_put(struct ntm_dp *dp, const struct ntm_path *p,
			    bool create)
{
	return ntm_relay_user_path_put(dp->ru, p, create);
}

static int dp_user_path_del(struct ntm_dp *dp, uint32_t id)
{
	return ntm_relay_user_path_del(dp->ru, id);
}

static int dp_user_path_get(struct ntm_dp *dp, uint32_t id,
			    struct ntm_path *out)
{
	return ntm_relay_user_path_get(dp->ru, id, out);
}

/* 0 or -errno, as every op: the number of paths is not an error. */
static int dp_user_path_dump(struct ntm_dp *dp, ntm_nl_path_cb cb, void *arg)
{
	int n = ntm_relay_user_path_dump(dp->ru, cb, arg);

	return n < 0 ? n : 0;
}

static int dp_user_flush(struct ntm_dp *dp)
{
	return ntm_relay_user_flush(dp->ru);
}

static int dp_user_tunnel_get(struct ntm_dp *dp, struct ntm_tunnel_info *info)
{
	return ntm_relay_user_tunnel_get(dp->ru, info);
}

static int dp_user_fds(struct ntm_dp *dp, int *fds, int max)
{
	return ntm_relay_user_fds(dp->ru, fds, max);
}

static int dp_user_handle(struct ntm_dp *dp, int fd)
{
	return ntm_relay_user_handle(dp->ru, fd);
}

/* The engine reads its own monotonic clock: @now_ms cannot disagree with
 * the times it stamped on packets. */
static void dp_user_tick(struct ntm_dp *dp, uint64_t now_ms)
{
	ntm_relay_user_tick(dp->ru);
}

const struct ntm_dp_ops ntm_dp_user_ops = {
	.name = "user",
	.open = dp_user_open,
	.close = dp_user_close,
	.path_put = dp_user_path_put,
	.path_del = dp_user_path_del,
	.path_get = dp_user_path_get,
	.path_dump = dp_user_path_dump,
	.flush = dp_user_flush,
	.tunnel_get = dp_user_tunnel_get,
	.fds = dp_user_fds,
	.handle = dp_user_handle,
	.tick = dp_user_tick,
};
