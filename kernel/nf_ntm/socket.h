/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NTM_SOCKET_H
#define _NTM_SOCKET_H

#include <linux/net.h>
#include <linux/skbuff.h>

struct ntm_net;
struct ntm_endpoint;

int ntm_socket_open(struct ntm_net *nn, u16 port, struct socket **sockp);
void ntm_socket_close(struct socket *sock);
u16 ntm_socket_port(const struct socket *sock);
int ntm_socket_send(struct ntm_net *nn, struct sk_buff *skb,
		    const struct ntm_endpoint *ep, u8 tos);

#endif /* _NTM_SOCKET_H */
