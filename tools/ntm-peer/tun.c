// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TUN device of run mode: created, set up, given the VIP and routed with
 * lib/ntm_tun.c. The device is not persistent: it and its address and routes
 * disappear when ntm-peer exits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ntm_tun.h"
#include "peer.h"

int peer_tun_open(const struct peer_opts *o)
{
	struct ntm_rtnl *r;
	unsigned int ifindex, i;
	const char *what;
	int fd, err;

	fd = ntm_tun_create(o->tun, 0, NULL, &ifindex);
	if (fd < 0) {
		peer_log(PEER_LOG_ERROR, "creating TUN %s: %s", o->tun,
			 strerror(-fd));
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		peer_log(PEER_LOG_ERROR, "out of memory");
		close(fd);
		return -1;
	}
	what = "rtnetlink";
	err = ntm_rtnl_open(r);
	if (err < 0)
		goto err;
	what = "setting the TUN up";
	err = ntm_rtnl_link_set(r, ifindex, true, o->mtu);
	if (err < 0)
		goto err;
	what = "adding the VIP to the TUN";
	err = ntm_rtnl_addr_add(r, ifindex, o->vip.family, o->vip.addr);
	if (err < 0)
		goto err;
	what = "adding a route to the TUN";
	for (i = 0; i < o->nroutes; i++) {
		err = ntm_rtnl_route_add(r, ifindex, o->routes[i].family,
					 o->routes[i].addr, o->routes[i].plen);
		if (err < 0)
			goto err;
	}
	ntm_rtnl_close(r);
	free(r);
	return fd;
err:
	peer_log(PEER_LOG_ERROR, "%s: %s", what, strerror(-err));
	ntm_rtnl_close(r);
	free(r);
	close(fd);
	return -1;
}
