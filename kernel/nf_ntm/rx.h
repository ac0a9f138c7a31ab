/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NTM_RX_H
#define _NTM_RX_H

#include <net/sock.h>

int ntm_rx(struct sock *sk, struct sk_buff *skb);

#endif /* _NTM_RX_H */
