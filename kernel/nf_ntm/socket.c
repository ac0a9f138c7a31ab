// SPDX-License-Identifier: GPL-2.0
/*
 * The UDP tunnel socket: a kernel socket on the tunnel port, bound to any
 * address, whose datagrams go to ntm_rx() in softirq (encap_rcv, as gtp.c and
 * WireGuard do), and from which the RS sends to its tunnel legs.
 */

#include <linux/ip.h>
#include <linux/udp.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "socket.h"
#include "tunnel.h"
#include "rx.h"

int ntm_socket_open(struct ntm_net *nn, u16 port, struct socket **sockp)
{
	struct udp_port_cfg port_cfg = {
		.family = AF_INET,
		.local_ip.s_addr = htonl(INADDR_ANY),
		.local_udp_port = htons(port),
	};
	struct udp_tunnel_sock_cfg tunnel_cfg = {
		.sk_user_data = nn,
		.encap_type = 1,
		.encap_rcv = ntm_rx,
	};
	struct socket *sock;
	int err;

	err = udp_sock_create(nn->net, &port_cfg, &sock);
	if (err)
		return err;
	setup_udp_tunnel_sock(nn->net, sock, &tunnel_cfg);
	*sockp = sock;
	return 0;
}

/* Readers must be gone (synchronize_net()) before the socket is closed. */
void ntm_socket_close(struct socket *sock)
{
	udp_tunnel_sock_release(sock);
}

u16 ntm_socket_port(const struct socket *sock)
{
	return ntohs(inet_sk(sock->sk)->inet_sport);
}

static struct rtable *ntm_socket_route(struct net *net, struct sock *sk,
				       const struct ntm_endpoint *ep,
				       struct flowi4 *fl4)
{
	__be32 saddr = ep->local;
	struct rtable *rt;

	for (;;) {
		memset(fl4, 0, sizeof(*fl4));
		fl4->daddr = ep->addr;
		fl4->saddr = saddr;
		fl4->fl4_dport = ep->port;
		fl4->fl4_sport = inet_sk(sk)->inet_sport;
		fl4->flowi4_proto = IPPROTO_UDP;
		rt = ip_route_output_key(net, fl4);
		/*
		 * Answer from the address the leg sends to, so that its NAT
		 * recognises us; if that address is gone, routing chooses.
		 */
		if (!IS_ERR(rt) || !saddr)
			return rt;
		saddr = 0;
	}
}

/*
 * Send @skb, whose data is a whole UDP payload, from the tunnel socket to
 * @ep. Always consumes @skb. The caller holds rcu_read_lock().
 */
int ntm_socket_send(struct ntm_net *nn, struct sk_buff *skb,
		    const struct ntm_endpoint *ep, u8 tos)
{
	struct sock *sk = rcu_dereference(nn->sk);
	struct net_device *dev = rcu_dereference(nn->dev);
	struct rtable *rt;
	struct flowi4 fl4;
	int err;

	if (unlikely(!sk || !dev)) {
		err = -ENETDOWN;
		goto drop;
	}
	rt = ntm_socket_route(nn->net, sk, ep, &fl4);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		goto drop;
	}
	if (unlikely(rt->dst.dev == dev)) {
		err = -ELOOP;	/* the leg is routed into our own device */
		goto put;
	}
	err = skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
				rt->dst.header_len + sizeof(struct iphdr) +
				sizeof(struct udphdr));
	if (unlikely(err))
		goto put;

	skb->dev = dev;		/* iptunnel_xmit() counts in its tstats */
	skb->mark = 0;
	skb->ip_summed = CHECKSUM_NONE;
	skb->encapsulation = 0;
	skb_reset_inner_headers(skb);
	udp_tunnel_xmit_skb(rt, sk, skb, fl4.saddr, fl4.daddr, tos,
			    ip4_dst_hoplimit(&rt->dst), 0, fl4.fl4_sport,
			    fl4.fl4_dport, false, false);
	return 0;

put:
	ip_rt_put(rt);
drop:
	kfree_skb(skb);
	return err;
}
