// SPDX-License-Identifier: GPL-2.0
/*
 * Receive on the tunnel port, in softirq under RCU. A datagram is classified,
 * its path found by PathID, its relay tag verified and its counter checked
 * against the sending leg's replay window. Then
 *   RS-S:       the UDP payload goes on, unchanged, to the other leg;
 *   RS-N, RS-T: it is decrypted, and the inner IPv4 packet, if it goes from
 *               leg A's VIP to leg B's, enters the stack on the ntm device.
 * Nothing unauthenticated is forwarded, learned from or recorded in a window.
 */

#include <linux/ip.h>
#include <linux/udp.h>
#include <crypto/chacha20poly1305.h>
#include <net/inet_ecn.h>

#include "rx.h"
#include "tunnel.h"
#include "tx.h"
#include "device.h"
#include "netlink.h"

/*
 * @skb is authentic: record its counter, learn the leg's endpoint (the outer
 * source) and refresh the path. False for a replay, or if the path has just
 * been replaced.
 */
static bool ntm_rx_accept(struct ntm_net *nn, struct ntm_path *p,
			  enum ntm_leg leg, u64 counter, struct sk_buff *skb,
			  unsigned int len)
{
	struct ntm_tunnel_leg *tl = ntm_path_tleg(p, leg);
	struct ntm_endpoint ep = {
		.addr = ip_hdr(skb)->saddr,
		.local = ip_hdr(skb)->daddr,
		.port = udp_hdr(skb)->source,
		.family = AF_INET,
	};
	bool moved;

	spin_lock_bh(&p->lock);
	if (unlikely(p->dead || !ntm_replay_update(&tl->replay, counter))) {
		spin_unlock_bh(&p->lock);
		atomic_inc(&p->stats[leg].drop_replay);
		return false;
	}
	moved = tl->ep.family != ep.family || tl->ep.addr != ep.addr ||
		tl->ep.port != ep.port;
	if (moved || tl->ep.local != ep.local)
		tl->ep = ep;
	WRITE_ONCE(p->last_rx, jiffies);
	spin_unlock_bh(&p->lock);

	atomic64_inc(&p->stats[leg].rx_packets);
	atomic64_add(len, &p->stats[leg].rx_bytes);
	if (unlikely(moved))
		ntm_nl_notify_endpoint(nn, p, leg, &ep);
	return true;
}

/* RS-S: relay tag, window, endpoint; the payload itself is not ours to read. */
static void ntm_rx_switch(struct ntm_net *nn, struct ntm_path *p,
			  enum ntm_leg leg, const struct ntm_data_hdr *h,
			  struct sk_buff *skb, unsigned int len)
{
	u8 tos = ip_hdr(skb)->tos;

	if (!ntm_rx_accept(nn, p, leg, h->counter, skb, len)) {
		kfree_skb(skb);
		return;
	}
	if (h->type == NTM_MSG_KEEPALIVE) {
		consume_skb(skb);
		return;
	}
	__skb_pull(skb, sizeof(struct udphdr));
	ntm_tx_forward(nn, p, leg, skb, tos);
}

/*
 * The length of the inner packet at @pkt (@len bytes of plaintext) if it is a
 * well-formed IPv4 packet from leg A's VIP to leg B's; 0 otherwise.
 */
static unsigned int ntm_rx_inner_len(const struct ntm_path *p, const u8 *pkt,
				     unsigned int len)
{
	const struct iphdr *iph = (const struct iphdr *)pkt;
	unsigned int tot;

	if (len < sizeof(*iph) || iph->version != 4 || iph->ihl < 5)
		return 0;
	tot = ntohs(iph->tot_len);
	if (tot < iph->ihl * 4 || tot > len)
		return 0;
	if (iph->saddr != p->inner.vip.a || iph->daddr != p->inner.vip.b)
		return 0;
	return tot;
}

/* RS-N, RS-T: only leg A sends to the RS; the RS is the AEAD's other end. */
static void ntm_rx_decap(struct ntm_net *nn, struct ntm_path *p,
			 const struct ntm_data_hdr *h, struct sk_buff *skb,
			 unsigned int len)
{
	struct ntm_leg_stats *stats = &p->stats[NTM_LEG_A];
	u8 outer_tos = ip_hdr(skb)->tos;
	unsigned int inner_len;
	bool fresh;
	u8 *buf;

	if (h->type == NTM_MSG_KEEPALIVE) {
		if (ntm_rx_accept(nn, p, NTM_LEG_A, h->counter, skb, len))
			consume_skb(skb);
		else
			kfree_skb(skb);
		return;
	}

	/* Not worth decrypting a replay; the window moves only afterwards. */
	spin_lock_bh(&p->lock);
	fresh = !p->dead && ntm_replay_check(&p->a.replay, h->counter);
	spin_unlock_bh(&p->lock);
	if (!fresh) {
		atomic_inc(&stats->drop_replay);
		goto drop;
	}

	if (unlikely(skb_linearize_cow(skb)))
		goto drop;
	buf = skb->data + sizeof(struct udphdr);
	if (!chacha20poly1305_decrypt(buf + NTM_DATA_HDR_LEN,
				      buf + NTM_DATA_HDR_LEN,
				      len - NTM_DATA_HDR_LEN, buf,
				      NTM_DATA_HDR_LEN,
				      ntm_data_nonce(NTM_LEG_A, h->counter),
				      p->inner.data_key)) {
		atomic_inc(&stats->drop_auth);
		goto drop;
	}
	if (!ntm_rx_accept(nn, p, NTM_LEG_A, h->counter, skb, len))
		goto drop;
	if (len == NTM_DATA_MIN_LEN) {
		consume_skb(skb);	/* empty, but authentic */
		return;
	}

	inner_len = ntm_rx_inner_len(p, buf + NTM_DATA_HDR_LEN,
				     len - NTM_DATA_MIN_LEN);
	if (!inner_len) {
		atomic_inc(&stats->drop_malformed);
		goto drop;
	}
	__skb_pull(skb, sizeof(struct udphdr) + NTM_DATA_HDR_LEN);
	if (unlikely(pskb_trim(skb, inner_len)))
		goto drop;
	skb->protocol = htons(ETH_P_IP);
	skb_reset_network_header(skb);
	/*
	 * RFC 6040: a CE mark on the outer header of an inner packet that is
	 * not ECN-capable cannot be passed on, so the packet is dropped, as
	 * ip_tunnel_rcv() does; otherwise CE (or ECT(1)) goes to the inner
	 * header.
	 */
	if (unlikely(INET_ECN_decapsulate(skb, outer_tos,
					  ip_hdr(skb)->tos) > 1)) {
		atomic_inc(&stats->drop_malformed);
		goto drop;
	}
	if (ntm_device_rx(nn, p, skb))
		return;
	atomic64_inc(&p->stats[NTM_LEG_B].tx_packets);
	atomic64_add(inner_len, &p->stats[NTM_LEG_B].tx_bytes);
	return;

drop:
	kfree_skb(skb);
}

/* encap_rcv of the tunnel socket: @skb->data is the UDP header. */
int ntm_rx(struct sock *sk, struct sk_buff *skb)
{
	struct ntm_net *nn = rcu_dereference_sk_user_data(sk);
	unsigned int len = skb->len - sizeof(struct udphdr);
	struct ntm_data_hdr h;
	struct ntm_path *p;
	enum ntm_leg leg;
	const u8 *buf;

	if (unlikely(!nn))
		goto drop;
	if (!pskb_may_pull(skb, sizeof(struct udphdr) +
				min_t(unsigned int, len, NTM_DATA_HDR_LEN)))
		goto malformed;
	buf = skb->data + sizeof(struct udphdr);
	if (unlikely(!ntm_is_dataplane(buf, len))) {
		if (len < 2 || buf[0] != NTM_VERSION)
			goto malformed;
		/* A control message: the RS daemon has its own port. */
		atomic64_inc(&nn->stats.rx_control);
		goto drop;
	}
	if (ntm_data_hdr_decode(buf, len, &h) != NTM_WIRE_OK)
		goto malformed;

	p = ntm_relay_lookup(&nn->relay, h.path_id);
	if (unlikely(!p)) {
		atomic64_inc(&nn->stats.drop_nopath);
		goto drop;
	}
	leg = ntm_data_hdr_leg(&h);
	if (unlikely(!ntm_path_tleg(p, leg))) {
		atomic_inc(&p->stats[leg].drop_malformed);
		goto drop;
	}
	if (unlikely(!ntm_relay_tag_ok(p, buf))) {
		atomic_inc(&p->stats[leg].drop_auth);
		goto drop;
	}

	if (ntm_path_has_inner(p))
		ntm_rx_decap(nn, p, &h, skb, len);
	else
		ntm_rx_switch(nn, p, leg, &h, skb, len);
	return 0;

malformed:
	atomic64_inc(&nn->stats.drop_malformed);
drop:
	kfree_skb(skb);
	return 0;
}
