// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tunnel's netdevice (nf_ntm's ntm0, or the user datapath's TUN of the
 * same name): set up, and the "route PREFIX" lines of the configuration
 * routed to it. The node VIPs (RS-N) and the RS-T pool are routed there so
 * that replies from general hosts reach the datapath. The device comes and
 * goes with the tunnel, so after a module reload or a reboot its routes are
 * gone; ntm-rsd puts them back at every start (RTM_NEWROUTE with
 * NLM_F_REPLACE, protocol static, main table).
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "rsd.h"

static int route_replace(struct mnl_socket *nl, uint32_t seq, unsigned int ifindex,
			 const struct rsd_route *rt)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint32_t portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = rt->family;
	rtm->rtm_dst_len = rt->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, rt->family == AF_INET ? 4 : 16, rt->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	ret = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
	return ret < 0 ? -errno : 0;
}

int rsd_dev_up(const char *ifname)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			ret = -errno;
	}
	close(fd);
	return ret;
}

int rsd_routes_apply(const struct rsd_config *c, const char *ifname)
{
	struct mnl_socket *nl;
	unsigned int i, ifindex;
	uint32_t seq = (uint32_t)time(NULL);
	int ret = 0;

	if (!c->nroutes)
		return 0;
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		rsd_err("route: device %s: %s", ifname, strerror(errno));
		return -ENODEV;
	}
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		rsd_err("route: rtnetlink: %s", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return ret;
	}
	for (i = 0; i < c->nroutes; i++) {
		const struct rsd_route *rt = &c->routes[i];
		char a[INET6_ADDRSTRLEN];
		int err;

		inet_ntop(rt->family, rt->addr, a, sizeof(a));
		err = route_replace(nl, seq + i, ifindex, rt);
		if (err < 0) {
			rsd_err("route %s/%u dev %s: %s", a, rt->plen,
				ifname, strerror(-err));
			ret = err;
		} else {
			rsd_info("route %s/%u dev %s", a, rt->plen, ifname);
		}
	}
	mnl_socket_close(nl);
	return ret;
}
