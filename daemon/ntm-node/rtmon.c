// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Mobility: an rtnetlink monitor (IPv4 addresses and routes). Any change
 * outside our TUN is checked NODE_MOVE_DEBOUNCE_MS later (a move is several
 * messages): if our source address toward the DC changed, the node moved:
 * it registers again with its VIP as hint and sends a Tunnel Request on
 * every path from the new address (path.c logs when all are answered, timed
 * from the first change the kernel reported).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "node.h"

int node_local_addr(struct node *n, struct ntm_addr *out)
{
	return ntm_addr_source_for(&n->cfg.dc, n->cfg.tunnel_port, out) ==
	       NTM_OK ? 0 : -1;
}

int node_rtmon_open(struct node *n)
{
	n->rtmon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!n->rtmon ||
	    mnl_socket_bind(n->rtmon, RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE,
			    MNL_SOCKET_AUTOPID) < 0) {
		node_err("rtnetlink monitor: %s", strerror(errno));
		if (n->rtmon)
			mnl_socket_close(n->rtmon);
		n->rtmon = NULL;
		return -1;
	}
	return 0;
}

struct oif {
	uint32_t oif;
};

static int route_attr(const struct nlattr *attr, void *data)
{
	struct oif *o = data;

	if (mnl_attr_get_type(attr) == RTA_OIF &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		o->oif = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct node *n = data;
	bool ours = false;

	switch (nlh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

		ours = ifa->ifa_index == n->tun_ifindex;
		break;
	}
	case RTM_NEWROUTE:
	case RTM_DELROUTE: {
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
		struct oif o = { 0 };

		if (rtm->rtm_table != RT_TABLE_MAIN)
			return MNL_CB_OK;
		mnl_attr_parse(nlh, sizeof(*rtm), route_attr, &o);
		ours = o.oif == n->tun_ifindex;
		break;
	}
	default:
		return MNL_CB_OK;
	}
	if (!ours && !n->move_check) {
		n->move_event = node_now_ms();
		n->move_check = n->move_event + NODE_MOVE_DEBOUNCE_MS;
	}
	return MNL_CB_OK;
}

void node_rtmon_rx(struct node *n)
{
	uint8_t buf[16384];
	ssize_t len;

	while ((len = mnl_socket_recvfrom(n->rtmon, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)len, 0, 0, msg_cb, n);
	if (len < 0 && errno == ENOBUFS && !n->move_check) {
		/* lost some: check anyway */
		n->move_event = node_now_ms();
		n->move_check = n->move_event + NODE_MOVE_DEBOUNCE_MS;
	}
}

void node_rtmon_tick(struct node *n, uint64_t now)
{
	char l[NTM_ADDR_FMT_LEN], o[NTM_ADDR_FMT_LEN];
	struct ntm_addr local;

	if (!n->move_check || now < n->move_check)
		return;
	n->move_check = 0;
	if (node_local_addr(n, &local) < 0) {
		node_dbg("no route to the DC for now");
		return;
	}
	if (ntm_addr_equal(&local, &n->local)) {
		/* Same address, perhaps another network (the same private
		 * prefix behind another NAT): the registration's observed
		 * endpoint tells (ctl.c). */
		if (n->registered && !n->reg_pending)
			node_reg_start(n);
		return;
	}
	if (n->local.family == NTM_AF_NONE) {
		n->local = local;
		node_reg_start(n);
		return;
	}
	node_info("local address changed: %s (was %s): registering again, Tunnel Request on every path",
		  node_fmt(&local, l), node_fmt(&n->local, o));
	if (!n->move_start) {
		/* Timed from the first change the kernel told us about. */
		n->move_from = n->local;
		n->move_start = n->move_event ? n->move_event : now;
	}
	n->local = local;
	node_reg_start(n);
	node_path_moved(n);
}
