// SPDX-License-Identifier: GPL-2.0
/*
 * The nf_ntm generic netlink family (include/uapi/nf_ntm.h): the tunnel and
 * the relay table of the caller's namespace, and the "events" group.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <uapi/nf_ntm.h>

#include "netlink.h"
#include "tunnel.h"

static struct genl_family ntm_genl_family;

enum ntm_mcgrp {
	NTM_MCGRP_EVENTS,
};

static const struct genl_multicast_group ntm_mcgrps[] = {
	[NTM_MCGRP_EVENTS] = { .name = NTM_GENL_MCGRP, NTM_GENL_MCGRP_ADMIN },
};

static int ntm_nl_validate_endpoint(const struct nlattr *attr,
				    struct netlink_ext_ack *extack)
{
	const struct sockaddr_in *sin = nla_data(attr);

	if (nla_len(attr) == sizeof(struct sockaddr_in6) &&
	    sin->sin_family == AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "IPv6 tunnel endpoints are not supported");
		return -EAFNOSUPPORT;
	}
	if (nla_len(attr) != sizeof(*sin) || sin->sin_family != AF_INET) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "expected a struct sockaddr_in");
		return -EINVAL;
	}
	if (!sin->sin_port || ipv4_is_zeronet(sin->sin_addr.s_addr) ||
	    ipv4_is_multicast(sin->sin_addr.s_addr) ||
	    ipv4_is_lbcast(sin->sin_addr.s_addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "an endpoint is a unicast address and a port");
		return -EINVAL;
	}
	return 0;
}

static int ntm_nl_validate_vip(const struct nlattr *attr,
			       struct netlink_ext_ack *extack)
{
	if (nla_len(attr) == sizeof(struct in_addr) ||
	    nla_len(attr) == sizeof(struct in6_addr))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr, "a VIP is 4 or 16 bytes");
	return -EINVAL;
}

static const struct nla_policy ntm_leg_policy[NTMA_LEG_MAX + 1] = {
	[NTMA_LEG_ENDPOINT] = NLA_POLICY_VALIDATE_FN(NLA_BINARY,
						     ntm_nl_validate_endpoint,
						     sizeof(struct sockaddr_in6)),
	[NTMA_LEG_VIP] = NLA_POLICY_VALIDATE_FN(NLA_BINARY, ntm_nl_validate_vip,
						sizeof(struct in6_addr)),
	[NTMA_LEG_STATS] = { .type = NLA_REJECT },
};

static const struct nla_policy ntm_tunnel_policy[NTMA_TUNNEL_MAX_PATHS + 1] = {
	[NTMA_TUNNEL_PORT] = { .type = NLA_U16 },
	[NTMA_TUNNEL_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[NTMA_TUNNEL_MAX_PATHS] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy ntm_path_policy[NTMA_PATH_LEG_B + 1] = {
	[NTMA_PATH_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[NTMA_PATH_TYPE] = NLA_POLICY_RANGE(NLA_U8, NTM_PATH_RS_S,
					    NTM_PATH_TYPE_MAX),
	[NTMA_PATH_REFRESH] = { .type = NLA_U32 },
	[NTMA_PATH_RELAY_KEY] = NLA_POLICY_EXACT_LEN(NTM_RELAY_KEY_LEN),
	[NTMA_PATH_DATA_KEY] = NLA_POLICY_EXACT_LEN(NTM_DATA_KEY_LEN),
	[NTMA_PATH_LEG_A] = NLA_POLICY_NESTED(ntm_leg_policy),
	[NTMA_PATH_LEG_B] = NLA_POLICY_NESTED(ntm_leg_policy),
};

static const struct nla_policy ntm_path_id_policy[NTMA_PATH_ID + 1] = {
	[NTMA_PATH_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static struct ntm_net *ntm_nl_net(struct genl_info *info)
{
	return ntm_net(genl_info_net(info));
}

static size_t ntm_nl_leg_size(void)
{
	return nla_total_size(0) +					/* nest */
	       nla_total_size(sizeof(struct sockaddr_in)) +		/* ENDPOINT */
	       nla_total_size(sizeof(struct in_addr)) +			/* VIP */
	       nla_total_size(0) +					/* STATS */
	       8 * nla_total_size_64bit(sizeof(u64));
}

static size_t ntm_nl_path_size(void)
{
	return nla_total_size(sizeof(u32)) +				/* ID */
	       nla_total_size(sizeof(u8)) +				/* TYPE */
	       nla_total_size(sizeof(u32)) +				/* REFRESH */
	       nla_total_size_64bit(sizeof(u64)) +			/* IDLE_MS */
	       2 * ntm_nl_leg_size();
}

static int ntm_nl_put_endpoint(struct sk_buff *msg,
			       const struct ntm_endpoint *ep)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = ep->port;
	sin.sin_addr.s_addr = ep->addr;
	return nla_put(msg, NTMA_LEG_ENDPOINT, sizeof(sin), &sin);
}

static int ntm_nl_put_u64(struct sk_buff *msg, int attr, u64 value)
{
	return nla_put_u64_64bit(msg, attr, value, NTMA_STATS_PAD);
}

static int ntm_nl_put_leg_stats(struct sk_buff *msg,
				const struct ntm_leg_stats *s)
{
	struct nlattr *nest = nla_nest_start(msg, NTMA_LEG_STATS);

	if (!nest)
		return -EMSGSIZE;
	if (ntm_nl_put_u64(msg, NTMA_STATS_RX_PACKETS,
			   atomic64_read(&s->rx_packets)) ||
	    ntm_nl_put_u64(msg, NTMA_STATS_RX_BYTES,
			   atomic64_read(&s->rx_bytes)) ||
	    ntm_nl_put_u64(msg, NTMA_STATS_TX_PACKETS,
			   atomic64_read(&s->tx_packets)) ||
	    ntm_nl_put_u64(msg, NTMA_STATS_TX_BYTES,
			   atomic64_read(&s->tx_bytes)) ||
	    ntm_nl_put_u64(msg, NTMA_STATS_DROP_AUTH,
			   (u32)atomic_read(&s->drop_auth)) ||
	    ntm_nl_put_u64(msg, NTMA_STATS_DROP_REPLAY,
			   (u32)atomic_read(&s->drop_replay)) ||
	    ntm_nl_put_u64(msg, NTMA_STATS_DROP_MALFORMED,
			   (u32)atomic_read(&s->drop_malformed)) ||
	    ntm_nl_put_u64(msg, NTMA_STATS_DROP_NOROUTE,
			   (u32)atomic_read(&s->drop_noroute))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int ntm_nl_put_leg(struct sk_buff *msg, const struct ntm_path *p,
			  enum ntm_leg leg, const struct ntm_endpoint *ep)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, leg == NTM_LEG_A ? NTMA_PATH_LEG_A :
						      NTMA_PATH_LEG_B);
	if (!nest)
		return -EMSGSIZE;
	if (ntm_endpoint_known(ep) && ntm_nl_put_endpoint(msg, ep))
		goto cancel;
	if (ntm_path_has_inner(p) &&
	    nla_put_in_addr(msg, NTMA_LEG_VIP, leg == NTM_LEG_A ?
			    p->inner.vip.a : p->inner.vip.b))
		goto cancel;
	if (ntm_nl_put_leg_stats(msg, &p->stats[leg]))
		goto cancel;
	nla_nest_end(msg, nest);
	return 0;

cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

/* One path, as PATH_GET answers it and NOTIFY_EXPIRED reports it. */
static int ntm_nl_fill_path(struct sk_buff *msg, struct ntm_path *p,
			    u32 portid, u32 seq, int flags, u8 cmd)
{
	struct ntm_endpoint ep[2];
	unsigned long idle;
	void *hdr;
	int leg;

	hdr = genlmsg_put(msg, portid, seq, &ntm_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;

	memset(ep, 0, sizeof(ep));
	spin_lock_bh(&p->lock);
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		struct ntm_tunnel_leg *tl = ntm_path_tleg(p, leg);

		if (tl)
			ep[leg] = tl->ep;
	}
	spin_unlock_bh(&p->lock);
	idle = jiffies - READ_ONCE(p->last_rx);

	if (nla_put_u32(msg, NTMA_PATH_ID, p->id) ||
	    nla_put_u8(msg, NTMA_PATH_TYPE, p->type) ||
	    nla_put_u32(msg, NTMA_PATH_REFRESH, p->refresh) ||
	    nla_put_u64_64bit(msg, NTMA_PATH_IDLE_MS, jiffies64_to_msecs(idle),
			      NTMA_PAD))
		goto cancel;
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++)
		if (ntm_nl_put_leg(msg, p, leg, &ep[leg]))
			goto cancel;
	genlmsg_end(msg, hdr);
	return 0;

cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

static int ntm_nl_need_tunnel(struct ntm_net *nn,
			      struct netlink_ext_ack *extack)
{
	if (nn->sock)
		return 0;
	NL_SET_ERR_MSG(extack, "no tunnel in this namespace (NTM_CMD_TUNNEL_SET)");
	return -ENODEV;
}

static int ntm_nl_tunnel_set(struct sk_buff *skb, struct genl_info *info)
{
	struct ntm_net *nn = ntm_nl_net(info);
	const char *ifname = NTM_DEFAULT_IFNAME;
	struct nlattr **attrs = info->attrs;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NTMA_TUNNEL_PORT))
		return -EINVAL;
	if (attrs[NTMA_TUNNEL_IFNAME]) {
		ifname = nla_data(attrs[NTMA_TUNNEL_IFNAME]);
		if (!dev_valid_name(ifname)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[NTMA_TUNNEL_IFNAME],
					    "not a valid interface name");
			return -EINVAL;
		}
	}

	mutex_lock(&nn->lock);
	err = ntm_tunnel_set(nn, nla_get_u16(attrs[NTMA_TUNNEL_PORT]), ifname,
			     info->extack);
	if (!err && attrs[NTMA_TUNNEL_MAX_PATHS])
		nn->relay.max = nla_get_u32(attrs[NTMA_TUNNEL_MAX_PATHS]);
	mutex_unlock(&nn->lock);
	return err;
}

static int ntm_nl_put_tunnel(struct sk_buff *msg, struct ntm_net *nn)
{
	struct net_device *dev = ntm_tunnel_dev(nn);
	struct nlattr *nest;
	int err;

	rtnl_lock();	/* dev->name */
	err = nla_put_string(msg, NTMA_TUNNEL_IFNAME, dev->name);
	rtnl_unlock();
	if (err ||
	    nla_put_u16(msg, NTMA_TUNNEL_PORT, nn->port) ||
	    nla_put_u32(msg, NTMA_TUNNEL_MAX_PATHS, nn->relay.max) ||
	    nla_put_u32(msg, NTMA_TUNNEL_IFINDEX, dev->ifindex) ||
	    nla_put_u32(msg, NTMA_TUNNEL_PATHS, nn->relay.count))
		return -EMSGSIZE;
	nest = nla_nest_start(msg, NTMA_TUNNEL_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (ntm_nl_put_u64(msg, NTMA_STATS_DROP_NOPATH,
			   atomic64_read(&nn->stats.drop_nopath)) ||
	    ntm_nl_put_u64(msg, NTMA_STATS_DROP_MALFORMED,
			   atomic64_read(&nn->stats.drop_malformed)) ||
	    ntm_nl_put_u64(msg, NTMA_STATS_RX_CONTROL,
			   atomic64_read(&nn->stats.rx_control)))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int ntm_nl_tunnel_get(struct sk_buff *skb, struct genl_info *info)
{
	struct ntm_net *nn = ntm_nl_net(info);
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ntm_genl_family, 0,
				NTM_CMD_TUNNEL_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}

	mutex_lock(&nn->lock);
	err = ntm_nl_need_tunnel(nn, info->extack);
	if (!err)
		err = ntm_nl_put_tunnel(msg, nn);
	mutex_unlock(&nn->lock);
	if (err)
		goto err_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

static int ntm_nl_tunnel_del(struct sk_buff *skb, struct genl_info *info)
{
	struct ntm_net *nn = ntm_nl_net(info);
	int err;

	mutex_lock(&nn->lock);
	err = ntm_nl_need_tunnel(nn, info->extack);
	if (!err)
		err = ntm_tunnel_del(nn);
	mutex_unlock(&nn->lock);
	return err;
}

/* What one NTMA_PATH_LEG_* nest of a PATH_NEW or PATH_SET says. */
struct ntm_leg_conf {
	const struct nlattr *ep_attr;
	struct ntm_endpoint ep;
	const struct nlattr *vip_attr;
	__be32 vip;
};

static int ntm_nl_parse_leg(const struct nlattr *nest, struct ntm_leg_conf *lc,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NTMA_LEG_MAX + 1];
	const struct sockaddr_in *sin;
	int err;

	memset(lc, 0, sizeof(*lc));
	if (!nest)
		return 0;
	err = nla_parse_nested(tb, NTMA_LEG_MAX, nest, ntm_leg_policy, extack);
	if (err)
		return err;
	if (tb[NTMA_LEG_ENDPOINT]) {
		sin = nla_data(tb[NTMA_LEG_ENDPOINT]);
		lc->ep_attr = tb[NTMA_LEG_ENDPOINT];
		lc->ep.addr = sin->sin_addr.s_addr;
		lc->ep.port = sin->sin_port;
		lc->ep.family = AF_INET;
	}
	if (tb[NTMA_LEG_VIP]) {
		lc->vip_attr = tb[NTMA_LEG_VIP];
		if (nla_len(lc->vip_attr) == sizeof(lc->vip))
			lc->vip = nla_get_in_addr(lc->vip_attr);
	}
	return 0;
}

/* Check a PATH_NEW or PATH_SET against the path's type; @old: the path it updates. */
static int ntm_nl_check_path(struct genl_info *info, u8 type,
			     const struct ntm_path *old,
			     const struct ntm_leg_conf *legs)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	int leg;

	if (type == NTM_PATH_RS_S) {
		if (attrs[NTMA_PATH_DATA_KEY]) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[NTMA_PATH_DATA_KEY],
					    "an RS-S never holds a data key");
			return -EINVAL;
		}
		return 0;
	}

	if (!old && GENL_REQ_ATTR_CHECK(info, NTMA_PATH_DATA_KEY))
		return -EINVAL;
	if (legs[NTM_LEG_B].ep_attr) {
		NL_SET_ERR_MSG_ATTR(extack, legs[NTM_LEG_B].ep_attr,
				    "leg B of an RS-N or RS-T path is the RS: no endpoint");
		return -EINVAL;
	}
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		const struct nlattr *vip = legs[leg].vip_attr;

		if (!vip && !old) {
			NL_SET_ERR_MSG_ATTR(extack,
					    attrs[NTMA_PATH_LEG_A + leg],
					    "RS-N and RS-T paths need a VIP on both legs");
			return -EINVAL;
		}
		if (vip && nla_len(vip) != sizeof(struct in_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, vip,
					    "RS-N and RS-T paths carry IPv4 only");
			return -EAFNOSUPPORT;
		}
		if (vip && !legs[leg].vip) {
			NL_SET_ERR_MSG_ATTR(extack, vip, "a VIP cannot be 0.0.0.0");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Install a new path (PATH_NEW, @old NULL) or update @old (PATH_SET): the
 * attributes given replace what @old had, the others are kept.
 */
static int ntm_nl_path_apply(struct ntm_net *nn, struct genl_info *info,
			     struct ntm_path *old)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct ntm_leg_conf legs[2];
	unsigned long keep_ep = 0;
	bool rekeyed = false;
	struct ntm_path *p;
	int leg, err;
	u8 type;

	if (old) {
		type = old->type;
		if (attrs[NTMA_PATH_TYPE] &&
		    nla_get_u8(attrs[NTMA_PATH_TYPE]) != type) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[NTMA_PATH_TYPE],
					    "a path's type cannot change");
			return -EINVAL;
		}
	} else {
		if (GENL_REQ_ATTR_CHECK(info, NTMA_PATH_TYPE) ||
		    GENL_REQ_ATTR_CHECK(info, NTMA_PATH_RELAY_KEY))
			return -EINVAL;
		type = nla_get_u8(attrs[NTMA_PATH_TYPE]);
	}
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		err = ntm_nl_parse_leg(attrs[NTMA_PATH_LEG_A + leg], &legs[leg],
				       extack);
		if (err)
			return err;
	}
	err = ntm_nl_check_path(info, type, old, legs);
	if (err)
		return err;

	p = ntm_path_alloc(type);
	if (!p)
		return -ENOMEM;
	p->id = nla_get_u32(attrs[NTMA_PATH_ID]);
	if (attrs[NTMA_PATH_REFRESH])
		p->refresh = nla_get_u32(attrs[NTMA_PATH_REFRESH]);
	else
		p->refresh = old ? old->refresh : NTM_DEFAULT_REFRESH;
	if (attrs[NTMA_PATH_RELAY_KEY])
		ntm_relay_key_load(&p->relay_key,
				   nla_data(attrs[NTMA_PATH_RELAY_KEY]));
	else
		p->relay_key = old->relay_key;
	if (old && crypto_memneq(&p->relay_key, &old->relay_key,
				 sizeof(p->relay_key)))
		rekeyed = true;

	if (ntm_path_has_inner(p)) {
		if (attrs[NTMA_PATH_DATA_KEY])
			memcpy(p->inner.data_key,
			       nla_data(attrs[NTMA_PATH_DATA_KEY]),
			       sizeof(p->inner.data_key));
		else
			memcpy(p->inner.data_key, old->inner.data_key,
			       sizeof(p->inner.data_key));
		if (old && crypto_memneq(p->inner.data_key, old->inner.data_key,
					 sizeof(p->inner.data_key)))
			rekeyed = true;
		p->inner.vip.a = legs[NTM_LEG_A].vip_attr ?
				 legs[NTM_LEG_A].vip : old->inner.vip.a;
		p->inner.vip.b = legs[NTM_LEG_B].vip_attr ?
				 legs[NTM_LEG_B].vip : old->inner.vip.b;
	}

	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		struct ntm_tunnel_leg *tl = ntm_path_tleg(p, leg);

		if (!tl)
			continue;
		if (legs[leg].ep_attr)
			tl->ep = legs[leg].ep;
		else
			__set_bit(leg, &keep_ep);
	}

	if (old)
		err = ntm_relay_replace(&nn->relay, old, p, keep_ep, rekeyed);
	else
		err = ntm_relay_insert(&nn->relay, p);
	if (err) {
		if (err == -ENOSPC)
			NL_SET_ERR_MSG(extack, "the relay table is full");
		else if (err == -EADDRINUSE)
			NL_SET_ERR_MSG(extack, "another path has this VIP pair");
		ntm_path_release(p);
	}
	return err;
}

static int ntm_nl_path_new(struct sk_buff *skb, struct genl_info *info)
{
	struct ntm_net *nn = ntm_nl_net(info);
	struct nlattr **attrs = info->attrs;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NTMA_PATH_ID))
		return -EINVAL;
	mutex_lock(&nn->lock);
	err = ntm_nl_need_tunnel(nn, info->extack);
	if (err)
		goto out;
	if (ntm_relay_lookup(&nn->relay, nla_get_u32(attrs[NTMA_PATH_ID]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[NTMA_PATH_ID],
				    "a path with this PathID exists");
		err = -EEXIST;
		goto out;
	}
	err = ntm_nl_path_apply(nn, info, NULL);
out:
	mutex_unlock(&nn->lock);
	return err;
}

static int ntm_nl_path_set(struct sk_buff *skb, struct genl_info *info)
{
	struct ntm_net *nn = ntm_nl_net(info);
	struct nlattr **attrs = info->attrs;
	struct ntm_path *old;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NTMA_PATH_ID))
		return -EINVAL;
	mutex_lock(&nn->lock);
	old = ntm_relay_lookup(&nn->relay, nla_get_u32(attrs[NTMA_PATH_ID]));
	if (!old) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[NTMA_PATH_ID],
				    "no path with this PathID");
		err = -ENOENT;
		goto out;
	}
	err = ntm_nl_path_apply(nn, info, old);
out:
	mutex_unlock(&nn->lock);
	return err;
}

static int ntm_nl_path_del(struct sk_buff *skb, struct genl_info *info)
{
	struct ntm_net *nn = ntm_nl_net(info);
	struct nlattr **attrs = info->attrs;
	struct ntm_path *p;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, NTMA_PATH_ID))
		return -EINVAL;
	mutex_lock(&nn->lock);
	p = ntm_relay_lookup(&nn->relay, nla_get_u32(attrs[NTMA_PATH_ID]));
	if (p) {
		ntm_relay_remove(&nn->relay, p);
	} else {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[NTMA_PATH_ID],
				    "no path with this PathID");
		err = -ENOENT;
	}
	mutex_unlock(&nn->lock);
	return err;
}

static int ntm_nl_path_get(struct sk_buff *skb, struct genl_info *info)
{
	struct ntm_net *nn = ntm_nl_net(info);
	struct nlattr **attrs = info->attrs;
	struct sk_buff *msg;
	struct ntm_path *p;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NTMA_PATH_ID))
		return -EINVAL;
	msg = genlmsg_new(ntm_nl_path_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rcu_read_lock();
	p = ntm_relay_lookup(&nn->relay, nla_get_u32(attrs[NTMA_PATH_ID]));
	if (p)
		err = ntm_nl_fill_path(msg, p, info->snd_portid, info->snd_seq,
				       0, NTM_CMD_PATH_GET);
	else
		err = -ENOENT;
	rcu_read_unlock();
	if (err) {
		if (err == -ENOENT)
			NL_SET_ERR_MSG_ATTR(info->extack, attrs[NTMA_PATH_ID],
					    "no path with this PathID");
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * The dump walks the table with an rhashtable iterator kept across calls:
 * each call goes on from the path that did not fit last time. A resize
 * during the dump rewinds the walk (paths may then appear twice).
 */
static int ntm_nl_path_dump_start(struct netlink_callback *cb)
{
	struct ntm_net *nn = ntm_net(sock_net(cb->skb->sk));
	struct rhashtable_iter *iter;

	iter = kmalloc(sizeof(*iter), GFP_KERNEL);
	if (!iter)
		return -ENOMEM;
	rhashtable_walk_enter(&nn->relay.paths, iter);
	cb->args[0] = (long)iter;
	return 0;
}

static int ntm_nl_path_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];
	struct ntm_path *p;
	int err = 0;

	rhashtable_walk_start(iter);
	for (p = rhashtable_walk_peek(iter); p; p = rhashtable_walk_next(iter)) {
		if (IS_ERR(p)) {
			if (PTR_ERR(p) == -EAGAIN)
				continue;
			err = PTR_ERR(p);
			break;
		}
		err = ntm_nl_fill_path(skb, p, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI,
				       NTM_CMD_PATH_GET);
		if (err)
			break;
	}
	rhashtable_walk_stop(iter);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int ntm_nl_path_dump_done(struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];

	if (iter) {
		rhashtable_walk_exit(iter);
		kfree(iter);
	}
	return 0;
}

static int ntm_nl_path_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct ntm_net *nn = ntm_nl_net(info);

	mutex_lock(&nn->lock);
	ntm_relay_flush(&nn->relay);
	mutex_unlock(&nn->lock);
	return 0;
}

/* Called in softirq, when an authenticated packet moved a leg's endpoint. */
void ntm_nl_notify_endpoint(struct ntm_net *nn, struct ntm_path *p,
			    enum ntm_leg leg, const struct ntm_endpoint *ep)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&ntm_genl_family, nn->net, NTM_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(nla_total_size(sizeof(u32)) + nla_total_size(0) +
			  nla_total_size(sizeof(struct sockaddr_in)),
			  GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &ntm_genl_family, 0,
			  NTM_CMD_NOTIFY_ENDPOINT);
	if (!hdr)
		goto err_free;
	if (nla_put_u32(msg, NTMA_PATH_ID, p->id))
		goto err_free;
	nest = nla_nest_start(msg, leg == NTM_LEG_A ? NTMA_PATH_LEG_A :
						      NTMA_PATH_LEG_B);
	if (!nest || ntm_nl_put_endpoint(msg, ep))
		goto err_free;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&ntm_genl_family, nn->net, msg, 0,
				NTM_MCGRP_EVENTS, GFP_ATOMIC);
	return;

err_free:
	nlmsg_free(msg);
}

/* Called by the expiry work, under RCU, before @p is removed. */
void ntm_nl_notify_expired(struct ntm_net *nn, struct ntm_path *p)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&ntm_genl_family, nn->net, NTM_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(ntm_nl_path_size(), GFP_ATOMIC);
	if (!msg)
		return;
	if (ntm_nl_fill_path(msg, p, 0, 0, 0, NTM_CMD_NOTIFY_EXPIRED)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast_netns(&ntm_genl_family, nn->net, msg, 0,
				NTM_MCGRP_EVENTS, GFP_ATOMIC);
}

static const struct genl_ops ntm_genl_ops[] = {
	{
		.cmd = NTM_CMD_TUNNEL_SET,
		.doit = ntm_nl_tunnel_set,
		.policy = ntm_tunnel_policy,
		.maxattr = ARRAY_SIZE(ntm_tunnel_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NTM_CMD_TUNNEL_GET,
		.doit = ntm_nl_tunnel_get,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NTM_CMD_TUNNEL_DEL,
		.doit = ntm_nl_tunnel_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NTM_CMD_PATH_NEW,
		.doit = ntm_nl_path_new,
		.policy = ntm_path_policy,
		.maxattr = ARRAY_SIZE(ntm_path_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NTM_CMD_PATH_SET,
		.doit = ntm_nl_path_set,
		.policy = ntm_path_policy,
		.maxattr = ARRAY_SIZE(ntm_path_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NTM_CMD_PATH_DEL,
		.doit = ntm_nl_path_del,
		.policy = ntm_path_id_policy,
		.maxattr = ARRAY_SIZE(ntm_path_id_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NTM_CMD_PATH_GET,
		.doit = ntm_nl_path_get,
		.start = ntm_nl_path_dump_start,
		.dumpit = ntm_nl_path_dump,
		.done = ntm_nl_path_dump_done,
		.policy = ntm_path_id_policy,
		.maxattr = ARRAY_SIZE(ntm_path_id_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NTM_CMD_PATH_FLUSH,
		.doit = ntm_nl_path_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family ntm_genl_family __ro_after_init = {
	.name = NTM_GENL_NAME,
	.version = NTM_GENL_VERSION,
	.maxattr = NTMA_MAX,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = ntm_genl_ops,
	.n_ops = ARRAY_SIZE(ntm_genl_ops),
	.mcgrps = ntm_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ntm_mcgrps),
};

int __init ntm_genl_init(void)
{
	return genl_register_family(&ntm_genl_family);
}

void ntm_genl_uninit(void)
{
	genl_unregister_family(&ntm_genl_family);
}
