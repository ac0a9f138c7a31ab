/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NTM_DEVICE_H
#define _NTM_DEVICE_H

#include <linux/netdevice.h>

struct ntm_net;
struct ntm_path;

/* Bytes a sealed inner packet gains: outer IPv4 and UDP, header, AEAD tag. */
#define NTM_TUNNEL_OVERHEAD	(20 + 8 + 24 + 16)

int ntm_device_create(struct ntm_net *nn, const char *name,
		      struct net_device **devp);
void ntm_device_destroy(struct net_device *dev);
int ntm_device_rx(struct ntm_net *nn, struct ntm_path *p, struct sk_buff *skb);

#endif /* _NTM_DEVICE_H */
