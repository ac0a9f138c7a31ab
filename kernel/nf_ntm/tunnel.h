/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A network namespace's NTMobile state: its relay table and its tunnel (the
 * UDP socket and the ntm netdevice).
 */
#ifndef _NTM_TUNNEL_H
#define _NTM_TUNNEL_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "relay.h"

/* Packets of the tunnel port that matched no path. */
struct ntm_tunnel_stats {
	atomic64_t drop_nopath;		/* unknown PathID, or no path for a reply */
	atomic64_t drop_malformed;	/* not a valid data header */
	atomic64_t rx_control;		/* control messages: the daemon's */
};

struct ntm_net {
	struct net *net;
	struct mutex lock;		/* every writer of what follows */
	struct ntm_relay relay;
	struct socket *sock;		/* the tunnel socket, NULL: no tunnel */
	struct sock __rcu *sk;		/* sock->sk, for the datapath */
	struct net_device __rcu *dev;	/* the ntm netdevice */
	u16 port;			/* host order */
	struct delayed_work expiry;
	struct ntm_tunnel_stats stats;
};

extern unsigned int ntm_net_id;

static inline struct ntm_net *ntm_net(const struct net *net)
{
	return net_generic(net, ntm_net_id);
}

static inline struct net_device *ntm_tunnel_dev(struct ntm_net *nn)
{
	return rcu_dereference_protected(nn->dev, lockdep_is_held(&nn->lock));
}

int ntm_tunnel_set(struct ntm_net *nn, u16 port, const char *ifname,
		   struct netlink_ext_ack *extack);
int ntm_tunnel_del(struct ntm_net *nn);

int ntm_tunnel_module_init(void);
void ntm_tunnel_module_exit(void);

#endif /* _NTM_TUNNEL_H */
