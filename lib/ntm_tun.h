/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TUN devices, and the few rtnetlink requests (libmnl) that set a device up,
 * give it an address and route to it. Shared by ntm-peer (a node's TUN with
 * its VIP) and the user-space relay datapath (the RS's ntm0 twin).
 *
 * Every function returns 0 (or an fd) on success and -errno on failure; none
 * of them prints anything: the caller says what failed, in its own words.
 */
#ifndef _NTM_TUN_H
#define _NTM_TUN_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/socket.h>

struct mnl_socket;

#define NTM_TUN_NONBLOCK	(1u << 0)	/* O_NONBLOCK on the fd */

/*
 * Create (attach to) TUN device @name, IFF_TUN | IFF_NO_PI: one IP packet per
 * read() and write(). Not persistent: it goes away with the last fd. @name
 * may hold a "%d" pattern; the name the kernel gave is written to @ifname
 * and its index to *ifindex (both may be NULL). Returns the fd or -errno.
 */
int ntm_tun_create(const char *name, unsigned int flags,
		   char ifname[IFNAMSIZ], unsigned int *ifindex);

/* An rtnetlink socket for requests answered by an ack. */
struct ntm_rtnl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint8_t buf[8192];
};

int ntm_rtnl_open(struct ntm_rtnl *r);
void ntm_rtnl_close(struct ntm_rtnl *r);

/* Set the MTU of @ifindex (0: leave it) and, if @up, bring it up. */
int ntm_rtnl_link_set(struct ntm_rtnl *r, unsigned int ifindex, bool up,
		      uint32_t mtu);
/* Add (or replace) host address @addr (4 or 16 bytes by @family) on @ifindex,
 * prefix /32 or /128, without duplicate address detection. */
int ntm_rtnl_addr_add(struct ntm_rtnl *r, unsigned int ifindex,
		      sa_family_t family, const uint8_t *addr);
/* Remove host address @addr from @ifindex. */
int ntm_rtnl_addr_del(struct ntm_rtnl *r, unsigned int ifindex,
		      sa_family_t family, const uint8_t *addr);
/* Add (or replace) a route to @dst/@plen through @ifindex, main table. */
int ntm_rtnl_route_add(struct ntm_rtnl *r, unsigned int ifindex,
		       sa_family_t family, const uint8_t *dst, uint8_t plen);

/* The same with a preferred source address @src (NULL: none), the "src" of
 * "ip route add DST dev TUN src VIP". */
int ntm_rtnl_route_add_src(struct ntm_rtnl *r, unsigned int ifindex,
			   sa_family_t family, const uint8_t *dst, uint8_t plen,
			   const uint8_t *src);
/* Delete the route to @dst/@plen through @ifindex, main table. */
int ntm_rtnl_route_del(struct ntm_rtnl *r, unsigned int ifindex,
		       sa_family_t family, const uint8_t *dst, uint8_t plen);

#endif /* _NTM_TUN_H */
