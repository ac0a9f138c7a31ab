/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NTM_NETLINK_H
#define _NTM_NETLINK_H

#include <ntm/wire.h>

struct ntm_net;
struct ntm_path;
struct ntm_endpoint;

void ntm_nl_notify_endpoint(struct ntm_net *nn, struct ntm_path *p,
			    enum ntm_leg leg, const struct ntm_endpoint *ep);
void ntm_nl_notify_expired(struct ntm_net *nn, struct ntm_path *p);

int ntm_genl_init(void);
void ntm_genl_uninit(void);

#endif /* _NTM_NETLINK_H */
