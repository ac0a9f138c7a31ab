/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels nf_ntm builds for. Each NTM_HAVE_* is
 * probed in the kernel headers by Kbuild; nothing else in the module tests a
 * kernel version.
 */
#ifndef _NTM_COMPAT_H
#define _NTM_COMPAT_H

#include <linux/netdevice.h>
#include <net/genetlink.h>

#ifdef NTM_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* skb_gso_segment() moved out of netdevice.h in 6.5. */
#ifdef NTM_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

/* 6.12 turned these two features into struct net_device bits. */
static inline void ntm_dev_set_lltx(struct net_device *dev)
{
#ifdef NTM_HAVE_NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

static inline void ntm_dev_set_netns_local(struct net_device *dev)
{
#if defined(NTM_HAVE_NETIF_F_NETNS_LOCAL)
	dev->features |= NETIF_F_NETNS_LOCAL;
#elif defined(NTM_HAVE_DEV_NETNS_IMMUTABLE)
	dev->netns_immutable = true;
#else
	dev->netns_local = true;
#endif
}

/*
 * The device's tstats, which iptunnel_xmit() counts in: allocated by the core
 * where it can (6.12 warns if a tunnel's are not), by the driver before.
 */
#ifdef NTM_HAVE_PCPU_STAT_TYPE
static inline void ntm_dev_tstats_setup(struct net_device *dev)
{
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
}

static inline int ntm_dev_tstats_alloc(struct net_device *dev)
{
	return 0;
}

static inline void ntm_dev_tstats_free(struct net_device *dev)
{
}
#else
static inline void ntm_dev_tstats_setup(struct net_device *dev)
{
}

static inline int ntm_dev_tstats_alloc(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static inline void ntm_dev_tstats_free(struct net_device *dev)
{
	free_percpu(dev->tstats);
	dev->tstats = NULL;
}
#endif

/*
 * Joining the events group needs CAP_NET_ADMIN in the namespace, on kernels
 * whose genetlink can say so (the member does not exist before).
 */
#ifdef NTM_HAVE_GENL_MCAST_CAP
#define NTM_GENL_MCGRP_ADMIN	.flags = GENL_MCAST_CAP_NET_ADMIN,
#else
#define NTM_GENL_MCGRP_ADMIN
#endif

#endif /* _NTM_COMPAT_H */
