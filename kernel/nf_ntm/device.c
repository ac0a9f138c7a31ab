// SPDX-License-Identifier: GPL-2.0
/*
 * The ntm netdevice of RS-N and RS-T paths. Decrypted inner packets enter the
 * stack here, with skb->mark set to their PathID (an nft rule may copy it to
 * the ct mark), and the kernel's conntrack and NAT translate them. Replies
 * routed back to the device are matched to their path by (source,
 * destination) = (leg B VIP, leg A VIP) and sealed toward leg A.
 *
 * The device belongs to the namespace's tunnel: it has no rtnl_link_ops, so
 * `ip link add/del` cannot make or remove one, and it cannot change namespace.
 */

#include <linux/if_arp.h>
#include <linux/ip.h>
#include <net/gro_cells.h>
#include <net/ip.h>
#include <uapi/nf_ntm.h>

#include "compat.h"
#include "device.h"
#include "tunnel.h"
#include "tx.h"

struct ntm_device {
	struct ntm_net *nn;
	struct gro_cells gro_cells;
};

static int ntm_dev_init(struct net_device *dev)
{
	struct ntm_device *nd = netdev_priv(dev);
	int err;

	err = ntm_dev_tstats_alloc(dev);
	if (err)
		return err;
	err = gro_cells_init(&nd->gro_cells, dev);
	if (err)
		goto err_tstats;
	return 0;

err_tstats:
	ntm_dev_tstats_free(dev);
	return err;
}

static void ntm_dev_uninit(struct net_device *dev)
{
	struct ntm_device *nd = netdev_priv(dev);

	gro_cells_destroy(&nd->gro_cells);
}

/* Runs when the device is freed, after every user of its counters. */
static void ntm_dev_destruct(struct net_device *dev)
{
	ntm_dev_tstats_free(dev);
}

static netdev_tx_t ntm_dev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ntm_device *nd = netdev_priv(dev);
	struct ntm_net *nn = nd->nn;
	struct sk_buff *segs, *next;
	const struct iphdr *iph;
	struct ntm_path *p;

	skb_reset_network_header(skb);
	if (skb->protocol != htons(ETH_P_IP) ||
	    !pskb_network_may_pull(skb, sizeof(*iph)))
		goto drop;
	iph = ip_hdr(skb);
	if (iph->version != 4)
		goto drop;

	rcu_read_lock();
	p = ntm_relay_lookup_vip(&nn->relay, iph->daddr, iph->saddr);
	if (unlikely(!p)) {
		rcu_read_unlock();
		atomic64_inc(&nn->stats.drop_nopath);
		goto drop;
	}
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			rcu_read_unlock();
			goto drop;
		}
		consume_skb(skb);
		skb = segs;
	}
	skb_list_walk_safe(skb, skb, next) {
		skb_mark_not_on_list(skb);
		if (skb->ip_summed == CHECKSUM_PARTIAL &&
		    skb_checksum_help(skb)) {
			dev_core_stats_tx_dropped_inc(dev);
			kfree_skb(skb);
			continue;
		}
		ntm_tx_seal(nn, p, skb);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop:
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops ntm_netdev_ops = {
	.ndo_init = ntm_dev_init,
	.ndo_uninit = ntm_dev_uninit,
	.ndo_start_xmit = ntm_dev_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void ntm_dev_setup(struct net_device *dev)
{
	dev->netdev_ops = &ntm_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = LL_MAX_HEADER + sizeof(struct iphdr) +
			       sizeof(struct udphdr) + NTM_DATA_HDR_LEN;
	dev->needed_tailroom = NTM_AEAD_TAG_LEN;
	dev->mtu = ETH_DATA_LEN - NTM_TUNNEL_OVERHEAD;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - NTM_TUNNEL_OVERHEAD;
	/*
	 * No checksum offload, scatter-gather or GSO features: the core hands
	 * ntm_dev_xmit() linear, checksummed, segmented packets.
	 */
	ntm_dev_tstats_setup(dev);
	ntm_dev_set_lltx(dev);
	ntm_dev_set_netns_local(dev);
	dev->needs_free_netdev = true;
	dev->priv_destructor = ntm_dev_destruct;
}

int ntm_device_create(struct ntm_net *nn, const char *name,
		      struct net_device **devp)
{
	struct net_device *dev;
	struct ntm_device *nd;
	int err;

	dev = alloc_netdev(sizeof(*nd), name, NET_NAME_USER, ntm_dev_setup);
	if (!dev)
		return -ENOMEM;
	dev_net_set(dev, nn->net);
	nd = netdev_priv(dev);
	nd->nn = nn;
	err = register_netdev(dev);
	if (err) {
		free_netdev(dev);
		return err;
	}
	*devp = dev;
	return 0;
}

void ntm_device_destroy(struct net_device *dev)
{
	unregister_netdev(dev);
}

/*
 * Hand a decrypted inner packet of path @p (@skb->data: its IPv4 header) to
 * the stack. Consumes @skb; returns 0 if it was queued. Called under RCU.
 */
int ntm_device_rx(struct ntm_net *nn, struct ntm_path *p, struct sk_buff *skb)
{
	struct net_device *dev = rcu_dereference(nn->dev);
	struct ntm_device *nd;
	unsigned int len = skb->len;

	if (unlikely(!dev)) {
		kfree_skb(skb);
		return -ENETDOWN;
	}
	nd = netdev_priv(dev);
	skb_scrub_packet(skb, false);
	skb->dev = dev;
	skb->mark = p->id;
	skb_reset_mac_header(skb);
	skb_clear_hash(skb);
	/*
	 * Authenticated end to end by the AEAD: the checksums inside are the
	 * sender's own and need no second look (as WireGuard does).
	 */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = SKB_MAX_CSUM_LEVEL;
	if (gro_cells_receive(&nd->gro_cells, skb) != NET_RX_SUCCESS)
		return -ENOBUFS;
	dev_sw_netstats_rx_add(dev, len);
	return 0;
}
