// SPDX-License-Identifier: GPL-2.0
/*
 * Send toward a tunnel leg: an RS-S path's payloads as they came, and the
 * replies of an RS-N or RS-T path sealed with the data key under leg B's
 * counter.
 */

#include <linux/ip.h>
#include <linux/udp.h>
#include <crypto/chacha20poly1305.h>
#include <net/ip_tunnels.h>

#include "tx.h"
#include "tunnel.h"
#include "socket.h"

/* What a sealed packet needs in front of it when it leaves. */
#define NTM_TX_HEADROOM	(LL_MAX_HEADER + sizeof(struct iphdr) + \
			 sizeof(struct udphdr) + NTM_DATA_HDR_LEN)

/* RS-S: @skb->data is the UDP payload received from leg @from. */
void ntm_tx_forward(struct ntm_net *nn, struct ntm_path *p,
		    enum ntm_leg from, struct sk_buff *skb, u8 tos)
{
	enum ntm_leg to = from == NTM_LEG_A ? NTM_LEG_B : NTM_LEG_A;
	unsigned int len = skb->len;
	struct ntm_endpoint ep;

	if (unlikely(!ntm_path_endpoint(p, to, &ep))) {
		kfree_skb(skb);
		goto noroute;
	}
	/*
	 * A forward, as in ip_forward(): the receive timestamp must not reach
	 * an egress qdisc (fq) that takes it for a delivery time.
	 */
	skb_clear_tstamp(skb);
	if (unlikely(ntm_socket_send(nn, skb, &ep, tos)))
		goto noroute;
	atomic64_inc(&p->stats[to].tx_packets);
	atomic64_add(len, &p->stats[to].tx_bytes);
	return;

noroute:
	atomic_inc(&p->stats[from].drop_noroute);
}

/* A linear, private skb with room for the header, the outer headers and the tag. */
static int ntm_tx_make_room(struct sk_buff *skb)
{
	int head, tail;

	if (skb_linearize(skb))
		return -ENOMEM;
	head = NTM_TX_HEADROOM - skb_headroom(skb);
	tail = NTM_AEAD_TAG_LEN - skb_tailroom(skb);
	if (head > 0 || tail > 0 || skb_cloned(skb))
		return pskb_expand_head(skb, max(head, 0), max(tail, 0),
					GFP_ATOMIC);
	return 0;
}

/*
 * RS-N, RS-T: @skb is an inner IPv4 packet (not GSO, checksums done) that
 * came in on leg B, the host side. Seal it and send it to leg A. Consumes
 * @skb. The caller holds rcu_read_lock().
 */
void ntm_tx_seal(struct ntm_net *nn, struct ntm_path *p, struct sk_buff *skb)
{
	struct ntm_leg_stats *in = &p->stats[NTM_LEG_B];
	struct ntm_leg_stats *out = &p->stats[NTM_LEG_A];
	unsigned int len = skb->len;
	struct ntm_endpoint ep;
	u64 counter;
	u8 *hdr;
	u8 tos;

	atomic64_inc(&in->rx_packets);
	atomic64_add(len, &in->rx_bytes);
	if (unlikely(!ntm_path_endpoint(p, NTM_LEG_A, &ep))) {
		atomic_inc(&in->drop_noroute);
		goto drop;
	}
	if (unlikely(ntm_tx_make_room(skb)))
		goto drop;
	tos = ip_tunnel_ecn_encap(0, ip_hdr(skb), skb);

	/* Past NTM_COUNTER_MAX only when the path has been replaced. */
	counter = atomic64_inc_return(&p->inner.tx_counter) - 1;
	if (unlikely(counter > NTM_COUNTER_MAX))
		goto drop;

	hdr = skb_push(skb, NTM_DATA_HDR_LEN);
	ntm_data_hdr_encode(hdr, NTM_MSG_DATA, NTM_LEG_B, p->id, counter);
	ntm_relay_tag_put(p, hdr);
	skb_put(skb, NTM_AEAD_TAG_LEN);
	chacha20poly1305_encrypt(hdr + NTM_DATA_HDR_LEN, hdr + NTM_DATA_HDR_LEN,
				 len, hdr, NTM_DATA_HDR_LEN,
				 ntm_data_nonce(NTM_LEG_B, counter),
				 p->inner.data_key);

	if (unlikely(ntm_socket_send(nn, skb, &ep, tos))) {
		atomic_inc(&in->drop_noroute);
		return;
	}
	atomic64_inc(&out->tx_packets);
	atomic64_add(len + NTM_DATA_MIN_LEN, &out->tx_bytes);
	return;

drop:
	dev_core_stats_tx_dropped_inc(skb->dev);
	kfree_skb(skb);
}
