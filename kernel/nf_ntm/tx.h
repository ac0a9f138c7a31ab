/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NTM_TX_H
#define _NTM_TX_H

#include <linux/skbuff.h>
#include <ntm/wire.h>

struct ntm_net;
struct ntm_path;

void ntm_tx_forward(struct ntm_net *nn, struct ntm_path *p,
		    enum ntm_leg from, struct sk_buff *skb, u8 tos);
void ntm_tx_seal(struct ntm_net *nn, struct ntm_path *p, struct sk_buff *skb);

#endif /* _NTM_TX_H */
