// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TUN devices and their rtnetlink setup (see ntm_tun.h). Moved here from
 * ntm-peer so that the node's TUN and the relay's are made the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include "ntm_tun.h"

int ntm_tun_create(const char *name, unsigned int flags,
		   char ifname[IFNAMSIZ], unsigned int *ifindex)
{
	struct ifreq ifr;
	unsigned int idx;
	size_t len = name ? strlen(name) : 0;
	int fd, err;

	if (!len || len >= IFNAMSIZ)
		return -EINVAL;
	fd = open("/dev/net/tun",
		  O_RDWR | O_CLOEXEC | ((flags & NTM_TUN_NONBLOCK) ? O_NONBLOCK : 0));
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, len);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto err;
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	idx = if_nametoindex(ifr.ifr_name);
	if (!idx)
		goto err;
	if (ifname)
		memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	if (ifindex)
		*ifindex = idx;
	return fd;
err:
	err = -errno;
	close(fd);
	return err;
}

int ntm_rtnl_open(struct ntm_rtnl *r)
{
	int err;

	r->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!r->sock)
		return -errno;
	if (mnl_socket_bind(r->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(r->sock);
		r->sock = NULL;
		return err;
	}
	r->portid = mnl_socket_get_portid(r->sock);
	r->seq = (uint32_t)time(NULL);
	return 0;
}

void ntm_rtnl_close(struct ntm_rtnl *r)
{
	if (r->sock)
		mnl_socket_close(r->sock);
	r->sock = NULL;
}

/* Send @nlh and wait for its ack. */
static int rtnl_talk(struct ntm_rtnl *r, struct nlmsghdr *nlh)
{
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = ++r->seq;
	if (mnl_socket_sendto(r->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(r->sock, r->buf, sizeof(r->buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(r->buf, (size_t)n, nlh->nlmsg_seq, r->portid,
				 NULL, NULL);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

int ntm_rtnl_link_set(struct ntm_rtnl *r, unsigned int ifindex, bool up,
		      uint32_t mtu)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return rtnl_talk(r, nlh);
}

static size_t addr_len(sa_family_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static int addr_msg(struct ntm_rtnl *r, uint16_t type, unsigned int ifindex,
		    sa_family_t family, const uint8_t *addr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf);
	size_t alen = addr_len(family);
	struct ifaddrmsg *ifa;

	if (!alen)
		return -EAFNOSUPPORT;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWADDR)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)(alen * 8);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	/* No duplicate address detection: the address is usable at once. */
	if (family == AF_INET6 && type == RTM_NEWADDR)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return rtnl_talk(r, nlh);
}

int ntm_rtnl_addr_add(struct ntm_rtnl *r, unsigned int ifindex,
		      sa_family_t family, const uint8_t *addr)
{
	return addr_msg(r, RTM_NEWADDR, ifindex, family, addr);
}

int ntm_rtnl_addr_del(struct ntm_rtnl *r, unsigned int ifindex,
		      sa_family_t family, const uint8_t *addr)
{
	return addr_msg(r, RTM_DELADDR, ifindex, family, addr);
}

static int route_msg(struct ntm_rtnl *r, uint16_t type, unsigned int ifindex,
		     sa_family_t family, const uint8_t *dst, uint8_t plen,
		     const uint8_t *src)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf);
	size_t alen = addr_len(family);
	struct rtmsg *rtm;

	if (!alen)
		return -EAFNOSUPPORT;
	if (plen > alen * 8)
		return -EINVAL;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWROUTE)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	if (plen)
		mnl_attr_put(nlh, RTA_DST, alen, dst);
	if (src)
		mnl_attr_put(nlh, RTA_PREFSRC, alen, src);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return rtnl_talk(r, nlh);
}

int ntm_rtnl_route_add(struct ntm_rtnl *r, unsigned int ifindex,
		       sa_family_t family, const uint8_t *dst, uint8_t plen)
{
	return route_msg(r, RTM_NEWROUTE, ifindex, family, dst, plen, NULL);
}

int ntm_rtnl_route_add_src(struct ntm_rtnl *r, unsigned int ifindex,
			   sa_family_t family, const uint8_t *dst, uint8_t plen,
			   const uint8_t *src)
{
	return route_msg(r, RTM_NEWROUTE, ifindex, family, dst, plen, src);
}

int ntm_rtnl_route_del(struct ntm_rtnl *r, unsigned int ifindex,
		       sa_family_t family, const uint8_t *dst, uint8_t plen)
{
	return route_msg(r, RTM_DELROUTE, ifindex, family, dst, plen, NULL);
}
