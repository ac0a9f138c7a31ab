// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The user-space relay datapath (ntm_relay_user.h): nf_ntm's relay table,
 * receive and send paths (kernel/nf_ntm/relay.c, rx.c, tx.c, device.c) on a
 * UDP socket and a TUN, with the same checks in the same order and every
 * drop in the same counter. The packet format and its cryptography are
 * libntm's (ntm_data_relay_check_legs, ntm_data_open_leg, ntm_data_seal),
 * the anti-replay window the shared replay.h.
 *
 * The relay table is two chained hash tables over the same paths: by PathID,
 * and, for RS-N and RS-T paths, by (leg A VIP, leg B VIP). One thread owns
 * everything, so a path is updated in place; what nf_ntm gets from RCU and
 * path replacement (a reader never sees half a path, a nonce is never issued
 * twice) follows here from doing one thing at a time.
 *
 * Packets move in batches: recvmmsg() fills up to `batch` buffers, each is
 * checked, RS-S payloads are queued for sendmmsg() straight from the buffer
 * they arrived in, and the statistics of a send are counted once the kernel
 * has taken it. Notifications wait until the batch is over, so a callback
 * that changes the table never pulls a path from under a queued send.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <ntm/ntm.h>

#include "ntm_relay_user.h"
#include "ntm_tun.h"

/* Room for any UDP payload, and for any packet a TUN of max MTU gives. */
#define RU_BUF_SIZE		65536
/* recvmmsg()/read() batches per handle() call before other fds get a turn. */
#define RU_ROUNDS		8
/* Paths looked at per tick, as NTM_EXPIRY_BATCH in relay.c. */
#define RU_EXPIRY_BATCH		65536
#define RU_MIN_BUCKETS		64
/* How long a full socket send buffer may hold up a batch, and how often. */
#define RU_SEND_WAIT_MS		20
#define RU_SEND_RETRIES		3
#define RU_SOCK_BUF		(4 << 20)

#define RU_IPV4_HLEN		20

/*
 * Where a tunnel leg's packets come from, which is where the RS sends to it
 * (kernel: struct ntm_endpoint). Learned only from authenticated packets.
 */
struct ru_endpoint {
	uint32_t addr;		/* network order */
	uint32_t local;		/* the RS address they arrive at; 0: any */
	uint16_t port;		/* network order */
	uint8_t family;		/* AF_INET; 0 while unknown */
};

/* As struct ntm_leg_stats: the drops are 32 bits and wrap. */
struct ru_leg_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint32_t drop_auth;
	uint32_t drop_replay;
	uint32_t drop_malformed;
	uint32_t drop_noroute;
};

struct ru_path {
	struct ru_path *next;		/* PathID index chain */
	struct ru_path *vip_next;	/* VIP pair index chain */
	uint32_t id;
	uint8_t type;			/* enum ntm_path_type */
	uint32_t refresh;		/* seconds idle before expiry; 0: never */
	uint64_t last_rx;		/* ms, last authenticated packet */
	struct ntm_path_keys keys;	/* relay; data on RS-N/RS-T only */
	/* By sending leg; leg B is a tunnel leg on RS-S paths only. */
	struct ntm_replay replay[2];
	struct ru_endpoint ep[2];
	struct ru_leg_stats stats[2];
	/* RS-N, RS-T: the inner addresses (network order) and leg B's next
	 * counter: the RS is leg B and seals the replies. */
	uint32_t vip_a;
	uint32_t vip_b;
	uint64_t tx_counter;
};

struct ru_index {
	struct ru_path **b;
	uint32_t mask;			/* buckets - 1 */
	uint32_t count;
	bool vip;			/* keyed by VIP pair, else by PathID */
};

union ru_cmsg {
	struct cmsghdr align;
	uint8_t buf[CMSG_SPACE(sizeof(struct in_pktinfo)) +
		    CMSG_SPACE(sizeof(int))];
};

/* One datagram waiting for sendmmsg(), and what to count when it goes. */
struct ru_tx {
	struct ru_path *path;
	uint8_t ok_leg;			/* tx_* of this leg when sent */
	uint8_t fail_leg;		/* drop_noroute of this leg if not */
	bool failed;
	uint8_t tos;
	uint32_t local;
	struct sockaddr_in dst;
	struct iovec iov;
	union ru_cmsg cmsg;
};

struct ru_event {
	uint32_t id;
	uint8_t leg;
	struct ru_endpoint ep;
};

struct ntm_relay_user {
	int sock;
	int dev;			/* -1: none */
	bool own_dev;
	uint16_t port;
	char ifname[IFNAMSIZ];
	unsigned int ifindex;
	uint32_t max;

	struct ru_index ids;
	struct ru_index vips;
	uint64_t seed;
	bool walking;			/* a dump is calling back */
	uint32_t expiry_pos;		/* next PathID bucket to look at */
	/* Packets of the tunnel port (or the device) that matched no path. */
	uint64_t drop_nopath;
	uint64_t drop_malformed;
	uint64_t rx_control;

	ntm_relay_user_event_fn event;
	void *event_arg;
	uint64_t (*now_fn)(void *arg);
	void *now_arg;
	uint64_t now;			/* ms, of the batch being handled */

	unsigned int batch;
	struct mmsghdr *rx_msgs;
	struct iovec *rx_iov;
	struct sockaddr_in *rx_src;
	union ru_cmsg *rx_cmsg;
	uint8_t **rx_buf;
	uint8_t **dev_buf;
	struct mmsghdr *tx_msgs;
	struct ru_tx *tx;
	unsigned int tx_n;
	struct ru_event *events;
	unsigned int nevents;
};

/* ---- time, hashing ------------------------------------------------------ */

static uint64_t ru_clock(const struct ntm_relay_user *ru)
{
	struct timespec ts;

	if (ru->now_fn)
		return ru->now_fn(ru->now_arg);
	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return ru->now;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Where leg B's counter starts on a new RS-N or RS-T path, as nf_ntm's
 * ntm_path_alloc() does. This datapath dies with its process, and ntm-rsd
 * installs the same keys again from its store (so does it after nf_ntm is
 * reloaded). From 0,
 * the replies would reuse (data key, nonce) pairs, fatal for
 * ChaCha20-Poly1305, and the node would drop them as replays. The time of
 * day in nanoseconds is above every counter an earlier install of the path
 * reached, unless that sent more than one packet per nanosecond or the clock
 * went back; it leaves more than 7 * 10^18 counters to go.
 */
static uint64_t ru_counter_start(void)
{
	struct timespec ts;
	uint64_t ns;

	if (clock_gettime(CLOCK_REALTIME, &ts) || ts.tv_sec < 0)
		return 0;
	ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	/* Past 2^62 (year 2116) the clock is wrong: keep half the space. */
	return ns < (1ULL << 62) ? ns : 1ULL << 62;
}

static bool ru_is_inner(const struct ru_path *p)
{
	return p->type != NTM_PATH_RS_S;
}

static uint64_t ru_vip_key(uint32_t vip_a, uint32_t vip_b)
{
	return (uint64_t)vip_a << 32 | vip_b;
}

static uint64_t ru_path_key(const struct ru_path *p, bool vip)
{
	return vip ? ru_vip_key(p->vip_a, p->vip_b) : p->id;
}

/*
 * The DC chooses PathIDs and VIPs, not the packets' senders, so a seeded mix
 * (splitmix64's finaliser) spreads them well enough; nobody outside can fill
 * a chain.
 */
static uint32_t ru_bucket(const struct ntm_relay_user *ru,
			  const struct ru_index *ix, uint64_t key)
{
	uint64_t x = key ^ ru->seed;

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (uint32_t)x & ix->mask;
}

static struct ru_path **ru_chain(struct ru_path *p, bool vip)
{
	return vip ? &p->vip_next : &p->next;
}

static int ru_index_init(struct ru_index *ix, bool vip)
{
	ix->b = calloc(RU_MIN_BUCKETS, sizeof(*ix->b));
	if (!ix->b)
		return -ENOMEM;
	ix->mask = RU_MIN_BUCKETS - 1;
	ix->count = 0;
	ix->vip = vip;
	return 0;
}

static struct ru_path *ru_index_find(const struct ntm_relay_user *ru,
				     const struct ru_index *ix, uint64_t key)
{
	struct ru_path *p = ix->b[ru_bucket(ru, ix, key)];

	while (p && ru_path_key(p, ix->vip) != key)
		p = *ru_chain(p, ix->vip);
	return p;
}

/* A table that cannot grow stays correct, only slower: no error. */
static void ru_index_resize(struct ntm_relay_user *ru, struct ru_index *ix,
			    uint32_t buckets)
{
	struct ru_path **nb, *p, *next;
	struct ru_index tmp = *ix;
	uint32_t i;

	nb = calloc(buckets, sizeof(*nb));
	if (!nb)
		return;
	tmp.b = nb;
	tmp.mask = buckets - 1;
	for (i = 0; i <= ix->mask; i++) {
		for (p = ix->b[i]; p; p = next) {
			uint32_t h = ru_bucket(ru, &tmp, ru_path_key(p, ix->vip));

			next = *ru_chain(p, ix->vip);
			*ru_chain(p, ix->vip) = nb[h];
			nb[h] = p;
		}
	}
	free(ix->b);
	ix->b = nb;
	ix->mask = tmp.mask;
	/* The expiry sweep's place means nothing in the new layout. */
	if (!ix->vip)
		ru->expiry_pos = 0;
}

static void ru_index_add(struct ntm_relay_user *ru, struct ru_index *ix,
			 struct ru_path *p)
{
	uint32_t h = ru_bucket(ru, ix, ru_path_key(p, ix->vip));

	*ru_chain(p, ix->vip) = ix->b[h];
	ix->b[h] = p;
	ix->count++;
	if (ix->count > ix->mask + 1 && ix->mask < UINT32_MAX / 4)
		ru_index_resize(ru, ix, (ix->mask + 1) * 2);
}

static void ru_index_del(struct ntm_relay_user *ru, struct ru_index *ix,
			 struct ru_path *p)
{
	struct ru_path **pp = &ix->b[ru_bucket(ru, ix, ru_path_key(p, ix->vip))];

	while (*pp && *pp != p)
		pp = ru_chain(*pp, ix->vip);
	if (!*pp)
		return;
	*pp = *ru_chain(p, ix->vip);
	ix->count--;
}

static void ru_index_shrink(struct ntm_relay_user *ru, struct ru_index *ix)
{
	uint32_t n = ix->mask + 1;

	while (n > RU_MIN_BUCKETS && ix->count < n / 4)
		n /= 2;
	if (n != ix->mask + 1)
		ru_index_resize(ru, ix, n);
}

/* ---- the relay table ---------------------------------------------------- */

static struct ru_path *ru_lookup(const struct ntm_relay_user *ru, uint32_t id)
{
	return ru_index_find(ru, &ru->ids, id);
}

static struct ru_path *ru_lookup_vip(const struct ntm_relay_user *ru,
				     uint32_t vip_a, uint32_t vip_b)
{
	return ru_index_find(ru, &ru->vips, ru_vip_key(vip_a, vip_b));
}

static void ru_path_free(struct ru_path *p)
{
	ntm_wipe(p, sizeof(*p));
	free(p);
}

/* Out of both indexes; the caller frees. */
static void ru_unlink(struct ntm_relay_user *ru, struct ru_path *p)
{
	ru_index_del(ru, &ru->ids, p);
	if (ru_is_inner(p))
		ru_index_del(ru, &ru->vips, p);
}

static void ru_endpoint_to_ss(const struct ru_endpoint *ep,
			      struct sockaddr_storage *ss)
{
	struct sockaddr_in sin;

	memset(ss, 0, sizeof(*ss));
	if (ep->family != AF_INET)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = ep->port;
	sin.sin_addr.s_addr = ep->addr;
	memcpy(ss, &sin, sizeof(sin));
}

static void ru_stats_out(const struct ru_leg_stats *s, struct ntm_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->rx_packets = s->rx_packets;
	out->rx_bytes = s->rx_bytes;
	out->tx_packets = s->tx_packets;
	out->tx_bytes = s->tx_bytes;
	out->drop_auth = s->drop_auth;
	out->drop_replay = s->drop_replay;
	out->drop_malformed = s->drop_malformed;
	out->drop_noroute = s->drop_noroute;
}

/* A path as NTM_CMD_PATH_GET answers it (netlink.c, ntm_nl_fill_path). */
static void ru_path_out(const struct ru_path *p, uint64_t now,
			struct ntm_path *out)
{
	int leg;

	memset(out, 0, sizeof(*out));
	out->id = p->id;
	out->type = p->type;
	out->refresh = p->refresh;
	out->idle_ms = now > p->last_rx ? now - p->last_rx : 0;
	out->has = NTM_PATH_HAS_TYPE | NTM_PATH_HAS_REFRESH |
		   NTM_PATH_HAS_IDLE | NTM_PATH_HAS_LEG_A | NTM_PATH_HAS_LEG_B;
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		struct ntm_path_leg *l = &out->leg[leg];

		if (leg == NTM_LEG_A || !ru_is_inner(p))
			ru_endpoint_to_ss(&p->ep[leg], &l->endpoint);
		if (ru_is_inner(p)) {
			uint32_t vip = leg == NTM_LEG_A ? p->vip_a : p->vip_b;

			l->vip.family = AF_INET;
			memcpy(l->vip.addr, &vip, sizeof(vip));
		}
		ru_stats_out(&p->stats[leg], &l->stats);
		l->has_stats = true;
	}
}

/* The checks nf_ntm's attribute policies make before anything else. */
static int ru_check_endpoint(const struct sockaddr_storage *ss)
{
	struct sockaddr_in sin;
	uint32_t a;

	if (ss->ss_family == AF_UNSPEC)
		return 0;
	if (ss->ss_family == AF_INET6)
		return -EAFNOSUPPORT;
	if (ss->ss_family != AF_INET)
		return -EINVAL;
	memcpy(&sin, ss, sizeof(sin));
	a = ntohl(sin.sin_addr.s_addr);
	/* A unicast address and a port: not 0/8, multicast or broadcast. */
	if (!sin.sin_port || !(a >> 24) || (a >> 28) == 0xe || a == 0xffffffff)
		return -EINVAL;
	return 0;
}

static int ru_check_attrs(const struct ntm_path *p)
{
	int leg, err;

	if (!p->id)
		return -ERANGE;
	if ((p->has & NTM_PATH_HAS_TYPE) &&
	    (p->type < NTM_PATH_RS_S || p->type > NTM_PATH_TYPE_MAX))
		return -ERANGE;
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		const struct ntm_path_leg *l = &p->leg[leg];

		err = ru_check_endpoint(&l->endpoint);
		if (err)
			return err;
		if (l->vip.family != AF_UNSPEC && l->vip.family != AF_INET &&
		    l->vip.family != AF_INET6)
			return -EINVAL;
	}
	return 0;
}

/* ntm_nl_check_path(): what a path of @type may and must carry. */
static int ru_check_path(const struct ntm_path *p, uint8_t type, bool create)
{
	int leg;

	if (type == NTM_PATH_RS_S)
		return (p->has & NTM_PATH_HAS_DATA_KEY) ? -EINVAL : 0;
	if (create && !(p->has & NTM_PATH_HAS_DATA_KEY))
		return -EINVAL;
	if (p->leg[NTM_LEG_B].endpoint.ss_family != AF_UNSPEC)
		return -EINVAL;	/* leg B of an RS-N or RS-T path is the RS */
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		const struct ntm_vip *vip = &p->leg[leg].vip;
		uint32_t a;

		if (vip->family == AF_UNSPEC) {
			if (create)
				return -EINVAL;
			continue;
		}
		if (vip->family != AF_INET)
			return -EAFNOSUPPORT;
		memcpy(&a, vip->addr, sizeof(a));
		if (!a)
			return -EINVAL;
	}
	return 0;
}

static uint32_t ru_vip_or(const struct ntm_vip *vip, uint32_t old)
{
	uint32_t a;

	if (vip->family == AF_UNSPEC)
		return old;
	memcpy(&a, vip->addr, sizeof(a));
	return a;
}

static void ru_endpoint_set(struct ru_endpoint *ep,
			    const struct sockaddr_storage *ss)
{
	struct sockaddr_in sin;

	memcpy(&sin, ss, sizeof(sin));
	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET;
	ep->addr = sin.sin_addr.s_addr;
	ep->port = sin.sin_port;
}

static bool ru_keys_differ(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= a[i] ^ b[i];
	return d != 0;
}

static int ru_path_new(struct ntm_relay_user *ru, const struct ntm_path *c)
{
	struct ru_path *p;
	int leg, err;

	if (!(c->has & NTM_PATH_HAS_TYPE) || !(c->has & NTM_PATH_HAS_RELAY_KEY))
		return -EINVAL;
	err = ru_check_path(c, c->type, true);
	if (err)
		return err;
	if (ru->ids.count >= ru->max)
		return -ENOSPC;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->id = c->id;
	p->type = c->type;
	p->refresh = (c->has & NTM_PATH_HAS_REFRESH) ? c->refresh :
						       NTM_DEFAULT_REFRESH;
	p->last_rx = ru_clock(ru);
	memcpy(p->keys.relay, c->relay_key, sizeof(p->keys.relay));
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		ntm_replay_init(&p->replay[leg]);
		if ((leg == NTM_LEG_A || !ru_is_inner(p)) &&
		    c->leg[leg].endpoint.ss_family == AF_INET)
			ru_endpoint_set(&p->ep[leg], &c->leg[leg].endpoint);
	}
	if (ru_is_inner(p)) {
		p->tx_counter = ru_counter_start();
		memcpy(p->keys.data, c->data_key, sizeof(p->keys.data));
		p->vip_a = ru_vip_or(&c->leg[NTM_LEG_A].vip, 0);
		p->vip_b = ru_vip_or(&c->leg[NTM_LEG_B].vip, 0);
		if (ru_lookup_vip(ru, p->vip_a, p->vip_b)) {
			ru_path_free(p);
			return -EADDRINUSE;
		}
		ru_index_add(ru, &ru->vips, p);
	}
	ru_index_add(ru, &ru->ids, p);
	return 0;
}

/*
 * PATH_SET: what @c gives replaces, the rest stays. As nf_ntm's replacement
 * does: endpoints not given, counters, statistics and idle time carry over;
 * a changed key restarts the replay windows; leg B's counter always carries
 * over, so that no (key, nonce) pair can come back.
 */
static int ru_path_set(struct ntm_relay_user *ru, struct ru_path *p,
		       const struct ntm_path *c)
{
	uint32_t vip_a = p->vip_a, vip_b = p->vip_b;
	bool rekeyed = false, vip_moved = false;
	int leg, err;

	if ((c->has & NTM_PATH_HAS_TYPE) && c->type != p->type)
		return -EINVAL;
	err = ru_check_path(c, p->type, false);
	if (err)
		return err;
	if (ru_is_inner(p)) {
		vip_a = ru_vip_or(&c->leg[NTM_LEG_A].vip, p->vip_a);
		vip_b = ru_vip_or(&c->leg[NTM_LEG_B].vip, p->vip_b);
		vip_moved = vip_a != p->vip_a || vip_b != p->vip_b;
		if (vip_moved && ru_lookup_vip(ru, vip_a, vip_b))
			return -EADDRINUSE;
	}

	if (c->has & NTM_PATH_HAS_REFRESH)
		p->refresh = c->refresh;
	if ((c->has & NTM_PATH_HAS_RELAY_KEY) &&
	    ru_keys_differ(c->relay_key, p->keys.relay, sizeof(p->keys.relay))) {
		memcpy(p->keys.relay, c->relay_key, sizeof(p->keys.relay));
		rekeyed = true;
	}
	if (ru_is_inner(p) && (c->has & NTM_PATH_HAS_DATA_KEY) &&
	    ru_keys_differ(c->data_key, p->keys.data, sizeof(p->keys.data))) {
		memcpy(p->keys.data, c->data_key, sizeof(p->keys.data));
		rekeyed = true;
	}
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		if (rekeyed)
			ntm_replay_init(&p->replay[leg]);
		if (c->leg[leg].endpoint.ss_family == AF_INET)
			ru_endpoint_set(&p->ep[leg], &c->leg[leg].endpoint);
	}
	if (vip_moved) {
		ru_index_del(ru, &ru->vips, p);
		p->vip_a = vip_a;
		p->vip_b = vip_b;
		ru_index_add(ru, &ru->vips, p);
	}
	return 0;
}

int ntm_relay_user_path_put(struct ntm_relay_user *ru, const struct ntm_path *p,
			    bool create)
{
	struct ru_path *old;
	int err;

	if (ru->walking)
		return -EBUSY;
	err = ru_check_attrs(p);
	if (err)
		return err;
	old = ru_lookup(ru, p->id);
	if (create)
		return old ? -EEXIST : ru_path_new(ru, p);
	return old ? ru_path_set(ru, old, p) : -ENOENT;
}

int ntm_relay_user_path_del(struct ntm_relay_user *ru, uint32_t id)
{
	struct ru_path *p;

	if (ru->walking)
		return -EBUSY;
	if (!id)
		return -ERANGE;
	p = ru_lookup(ru, id);
	if (!p)
		return -ENOENT;
	ru_unlink(ru, p);
	ru_path_free(p);
	ru_index_shrink(ru, &ru->ids);
	ru_index_shrink(ru, &ru->vips);
	return 0;
}

int ntm_relay_user_path_get(struct ntm_relay_user *ru, uint32_t id,
			    struct ntm_path *out)
{
	struct ru_path *p;

	if (!id)
		return -ERANGE;
	p = ru_lookup(ru, id);
	if (!p)
		return -ENOENT;
	ru_path_out(p, ru_clock(ru), out);
	return 0;
}

int ntm_relay_user_path_dump(struct ntm_relay_user *ru, ntm_nl_path_cb cb,
			     void *arg)
{
	struct ntm_path out;
	struct ru_path *p;
	uint64_t now = ru_clock(ru);
	uint32_t i;
	int n = 0, ret = 0;

	if (ru->walking)
		return -EBUSY;
	ru->walking = true;
	for (i = 0; i <= ru->ids.mask && !ret; i++) {
		for (p = ru->ids.b[i]; p && !ret; p = p->next) {
			ru_path_out(p, now, &out);
			ret = cb(&out, arg);
			n++;
		}
	}
	ru->walking = false;
	return ret < 0 ? ret : n;
}

static void ru_flush(struct ntm_relay_user *ru)
{
	struct ru_path *p, *next;
	uint32_t i;

	for (i = 0; i <= ru->ids.mask; i++) {
		for (p = ru->ids.b[i]; p; p = next) {
			next = p->next;
			ru_path_free(p);
		}
		ru->ids.b[i] = NULL;
	}
	memset(ru->vips.b, 0, (ru->vips.mask + 1) * sizeof(*ru->vips.b));
	ru->ids.count = 0;
	ru->vips.count = 0;
	ru_index_shrink(ru, &ru->ids);
	ru_index_shrink(ru, &ru->vips);
	ru->expiry_pos = 0;
}

int ntm_relay_user_flush(struct ntm_relay_user *ru)
{
	if (ru->walking)
		return -EBUSY;
	ru_flush(ru);
	return 0;
}

int ntm_relay_user_tunnel_get(struct ntm_relay_user *ru,
			      struct ntm_tunnel_info *info)
{
	memset(info, 0, sizeof(*info));
	info->has = NTM_TUNNEL_HAS_PORT | NTM_TUNNEL_HAS_MAX |
		    NTM_TUNNEL_HAS_PATHS | NTM_TUNNEL_HAS_STATS;
	info->port = ru->port;
	info->max_paths = ru->max;
	/* A name and an index only for a TUN: there is no device otherwise. */
	if (ru->ifindex) {
		memcpy(info->ifname, ru->ifname, sizeof(info->ifname));
		info->ifindex = ru->ifindex;
		info->has |= NTM_TUNNEL_HAS_IFNAME | NTM_TUNNEL_HAS_IFINDEX;
	}
	info->paths = ru->ids.count;
	info->stats.drop_nopath = ru->drop_nopath;
	info->stats.drop_malformed = ru->drop_malformed;
	info->stats.rx_control = ru->rx_control;
	return 0;
}

/* ---- notifications ------------------------------------------------------ */

static void ru_events_flush(struct ntm_relay_user *ru)
{
	struct ntm_nl_event ev;
	unsigned int i, n = ru->nevents;

	ru->nevents = 0;
	if (!ru->event)
		return;
	for (i = 0; i < n; i++) {
		const struct ru_event *e = &ru->events[i];

		memset(&ev, 0, sizeof(ev));
		ev.cmd = NTM_CMD_NOTIFY_ENDPOINT;
		ev.path.id = e->id;
		ev.path.has = e->leg == NTM_LEG_A ? NTM_PATH_HAS_LEG_A :
						    NTM_PATH_HAS_LEG_B;
		ru_endpoint_to_ss(&e->ep, &ev.path.leg[e->leg].endpoint);
		ru->event(ru->event_arg, &ev);
	}
}

static bool ru_expired(const struct ru_path *p, uint64_t now)
{
	return p->refresh && now > p->last_rx &&
	       (now - p->last_rx) / 1000 >= p->refresh;
}

/*
 * One bucket at a time: its expired paths leave the table before anyone
 * hears of them, so the callback may change the table as it likes.
 */
void ntm_relay_user_tick(struct ntm_relay_user *ru)
{
	struct ru_path *p, **pp, *gone;
	struct ntm_nl_event ev;
	unsigned int looked = 0;
	uint64_t now;

	if (ru->walking)
		return;
	now = ru_clock(ru);
	while (looked < RU_EXPIRY_BATCH) {
		if (ru->expiry_pos > ru->ids.mask) {
			ru->expiry_pos = 0;	/* a sweep is done */
			break;
		}
		gone = NULL;
		pp = &ru->ids.b[ru->expiry_pos++];
		while ((p = *pp)) {
			looked++;
			if (!ru_expired(p, now)) {
				pp = &p->next;
				continue;
			}
			*pp = p->next;
			ru->ids.count--;
			if (ru_is_inner(p))
				ru_index_del(ru, &ru->vips, p);
			p->next = gone;
			gone = p;
		}
		while ((p = gone)) {
			gone = p->next;
			memset(&ev, 0, sizeof(ev));
			ev.cmd = NTM_CMD_NOTIFY_EXPIRED;
			ru_path_out(p, now, &ev.path);
			ru_path_free(p);
			if (ru->event)
				ru->event(ru->event_arg, &ev);
		}
	}
	if (ru->walking)
		return;
	ru_index_shrink(ru, &ru->ids);
	ru_index_shrink(ru, &ru->vips);
}

/* ---- sending ------------------------------------------------------------- */

/* Control data of a send: the source address (answer from the address the
 * leg sends to, as socket.c does, so that its NAT recognises us) and TOS. */
static void ru_tx_cmsg(struct ru_tx *t, struct msghdr *mh)
{
	size_t len = 0;

	memset(&t->cmsg, 0, sizeof(t->cmsg));
	if (t->local) {
		struct cmsghdr *c = (struct cmsghdr *)t->cmsg.buf;
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst.s_addr = t->local;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		len += CMSG_SPACE(sizeof(pi));
	}
	if (t->tos) {
		struct cmsghdr *c = (struct cmsghdr *)(t->cmsg.buf + len);
		int tos = t->tos;

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_TOS;
		c->cmsg_len = CMSG_LEN(sizeof(tos));
		memcpy(CMSG_DATA(c), &tos, sizeof(tos));
		len += CMSG_SPACE(sizeof(tos));
	}
	mh->msg_control = len ? t->cmsg.buf : NULL;
	mh->msg_controllen = len;
}

static void ru_tx_queue(struct ntm_relay_user *ru, struct ru_path *p,
			uint8_t *buf, size_t len, const struct ru_endpoint *ep,
			uint8_t tos, enum ntm_leg ok_leg, enum ntm_leg fail_leg)
{
	struct ru_tx *t = &ru->tx[ru->tx_n];
	struct msghdr *mh = &ru->tx_msgs[ru->tx_n].msg_hdr;

	t->path = p;
	t->ok_leg = (uint8_t)ok_leg;
	t->fail_leg = (uint8_t)fail_leg;
	t->failed = false;
	t->tos = tos;
	t->local = ep->local;
	memset(&t->dst, 0, sizeof(t->dst));
	t->dst.sin_family = AF_INET;
	t->dst.sin_addr.s_addr = ep->addr;
	t->dst.sin_port = ep->port;
	t->iov.iov_base = buf;
	t->iov.iov_len = len;
	memset(mh, 0, sizeof(*mh));
	mh->msg_name = &t->dst;
	mh->msg_namelen = sizeof(t->dst);
	mh->msg_iov = &t->iov;
	mh->msg_iovlen = 1;
	ru_tx_cmsg(t, mh);
	ru->tx_n++;
}

static bool ru_wait_writable(const struct ntm_relay_user *ru)
{
	struct pollfd pfd = { .fd = ru->sock, .events = POLLOUT };
	int n;

	do {
		n = poll(&pfd, 1, RU_SEND_WAIT_MS);
	} while (n < 0 && errno == EINTR);
	return n > 0 && (pfd.revents & POLLOUT);
}

/*
 * Send what is queued. A datagram the kernel refuses is counted as
 * drop_noroute, like a failed ntm_socket_send(); one that was sent from a
 * local address since removed goes again from the address routing chooses.
 */
static void ru_tx_flush(struct ntm_relay_user *ru)
{
	unsigned int done = 0, tries = 0, i;
	bool stuck = false;
	int n, err;

	while (done < ru->tx_n) {
		struct ru_tx *t = &ru->tx[done];

		if (stuck) {
			t->failed = true;
			done++;
			continue;
		}
		n = sendmmsg(ru->sock, &ru->tx_msgs[done], ru->tx_n - done, 0);
		if (n > 0) {
			done += (unsigned int)n;
			tries = 0;
			continue;
		}
		err = n < 0 ? errno : EIO;
		if (err == EINTR)
			continue;
		if ((err == EAGAIN || err == ENOBUFS) && tries++ < RU_SEND_RETRIES) {
			if (!ru_wait_writable(ru))
				stuck = true;
			continue;
		}
		if (t->local && (err == EINVAL || err == EADDRNOTAVAIL)) {
			t->local = 0;
			ru_tx_cmsg(t, &ru->tx_msgs[done].msg_hdr);
			continue;
		}
		t->failed = true;
		done++;
		tries = 0;
	}
	for (i = 0; i < ru->tx_n; i++) {
		struct ru_tx *t = &ru->tx[i];

		if (t->failed) {
			t->path->stats[t->fail_leg].drop_noroute++;
		} else {
			t->path->stats[t->ok_leg].tx_packets++;
			t->path->stats[t->ok_leg].tx_bytes += t->iov.iov_len;
		}
	}
	ru->tx_n = 0;
}

/* ---- receiving on the tunnel socket -------------------------------------- */

/*
 * @p's leg @leg sent an authentic packet (window already updated): learn
 * its endpoint, refresh the path (rx.c, ntm_rx_accept).
 */
static void ru_accept(struct ntm_relay_user *ru, struct ru_path *p,
		      enum ntm_leg leg, const struct sockaddr_in *src,
		      uint32_t local, size_t len)
{
	struct ru_endpoint *ep = &p->ep[leg];
	bool moved = ep->family != AF_INET ||
		     ep->addr != src->sin_addr.s_addr ||
		     ep->port != src->sin_port;

	if (moved || ep->local != local) {
		ep->family = AF_INET;
		ep->addr = src->sin_addr.s_addr;
		ep->port = src->sin_port;
		ep->local = local;
	}
	p->last_rx = ru->now;
	p->stats[leg].rx_packets++;
	p->stats[leg].rx_bytes += len;
	if (moved && ru->nevents < ru->batch) {
		struct ru_event *e = &ru->events[ru->nevents++];

		e->id = p->id;
		e->leg = (uint8_t)leg;
		e->ep = *ep;
	}
}

static void ru_count_status(struct ru_leg_stats *s, int status)
{
	if (status == NTM_E_AUTH)
		s->drop_auth++;
	else if (status == NTM_E_REPLAY)
		s->drop_replay++;
	else
		s->drop_malformed++;
}

/* RS-S: relay tag and window; the payload itself is not ours to read. */
static void ru_rx_switch(struct ntm_relay_user *ru, struct ru_path *p,
			 enum ntm_leg leg, uint8_t *buf, size_t len,
			 const struct sockaddr_in *src, uint32_t local,
			 uint8_t tos)
{
	enum ntm_leg to = leg == NTM_LEG_A ? NTM_LEG_B : NTM_LEG_A;
	struct ntm_data_hdr h;
	int ret;

	ret = ntm_data_relay_check_legs(p->keys.relay, p->replay, buf, len, &h);
	if (ret != NTM_OK) {
		ru_count_status(&p->stats[leg], ret);
		return;
	}
	ru_accept(ru, p, leg, src, local, len);
	if (h.type == NTM_MSG_KEEPALIVE)
		return;
	if (p->ep[to].family != AF_INET) {
		p->stats[leg].drop_noroute++;
		return;
	}
	ru_tx_queue(ru, p, buf, len, &p->ep[to], tos, to, leg);
}

static uint16_t ru_get_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Change an IPv4 header's TOS byte, its checksum updated (RFC 1624). */
static void ru_ipv4_set_tos(uint8_t *iph, uint8_t tos)
{
	uint32_t sum = (uint16_t)~ru_get_be16(iph + 10);

	sum += (uint16_t)~ru_get_be16(iph);
	iph[1] = tos;
	sum += ru_get_be16(iph);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	iph[10] = (uint8_t)(~sum >> 8);
	iph[11] = (uint8_t)~sum;
}

#define RU_ECN_MASK	3
#define RU_ECN_ECT1	1
#define RU_ECN_ECT0	2
#define RU_ECN_CE	3

/*
 * INET_ECN_decapsulate(): congestion seen outside is kept inside. False
 * for CE outside and a packet that is not ECN-capable inside, which
 * RFC 6040 drops.
 */
static bool ru_ecn_decap(uint8_t *iph, uint8_t outer)
{
	uint8_t inner = iph[1];

	if (!(inner & RU_ECN_MASK))
		return (outer & RU_ECN_MASK) != RU_ECN_CE;
	if ((outer & RU_ECN_MASK) == RU_ECN_CE)
		ru_ipv4_set_tos(iph, inner | RU_ECN_CE);
	else if ((outer & RU_ECN_MASK) == RU_ECN_ECT1 &&
		 (inner & RU_ECN_MASK) == RU_ECN_ECT0)
		ru_ipv4_set_tos(iph, (uint8_t)((inner & ~RU_ECN_MASK) | RU_ECN_ECT1));
	return true;
}

/* INET_ECN_encapsulate(0, inner): the outer TOS carries only ECN. */
static uint8_t ru_ecn_encap(uint8_t inner)
{
	uint8_t ecn = inner & RU_ECN_MASK;

	return ecn == RU_ECN_CE ? RU_ECN_ECT0 : ecn;
}

/*
 * The length of the inner packet at @pkt (@len bytes of plaintext) if it is a
 * well-formed IPv4 packet from leg A's VIP to leg B's; 0 otherwise.
 */
static size_t ru_inner_len(const struct ru_path *p, const uint8_t *pkt,
			   size_t len)
{
	size_t ihl, tot;
	uint32_t saddr, daddr;

	if (len < RU_IPV4_HLEN || (pkt[0] >> 4) != 4)
		return 0;
	ihl = (size_t)(pkt[0] & 0xf) * 4;
	tot = ru_get_be16(pkt + 2);
	if (ihl < RU_IPV4_HLEN || tot < ihl || tot > len)
		return 0;
	memcpy(&saddr, pkt + 12, sizeof(saddr));
	memcpy(&daddr, pkt + 16, sizeof(daddr));
	if (saddr != p->vip_a || daddr != p->vip_b)
		return 0;
	return tot;
}

/* RS-N, RS-T: only leg A sends to the RS; the RS is the AEAD's other end. */
static void ru_rx_decap(struct ntm_relay_user *ru, struct ru_path *p,
			uint8_t *buf, size_t len, const struct sockaddr_in *src,
			uint32_t local, uint8_t tos)
{
	struct ru_leg_stats *stats = &p->stats[NTM_LEG_A];
	uint8_t *inner = buf + NTM_DATA_HDR_LEN;
	struct ntm_data_hdr h;
	size_t plain_len, inner_len;
	ssize_t n;
	int ret;

	ret = ntm_data_open_leg(&p->keys, NTM_LEG_A, &p->replay[NTM_LEG_A],
				buf, len, &h, inner, len - NTM_DATA_HDR_LEN,
				&plain_len);
	if (ret != NTM_OK) {
		ru_count_status(stats, ret);
		return;
	}
	ru_accept(ru, p, NTM_LEG_A, src, local, len);
	if (h.type == NTM_MSG_KEEPALIVE || !plain_len)
		return;		/* consumed; an empty Data is authentic too */
	inner_len = ru_inner_len(p, inner, plain_len);
	if (!inner_len) {
		stats->drop_malformed++;
		return;
	}
	if (ru->dev < 0)
		return;
	if (!ru_ecn_decap(inner, tos)) {
		stats->drop_malformed++;
		return;
	}
	n = write(ru->dev, inner, inner_len);
	if (n != (ssize_t)inner_len)
		return;		/* as a refused gro_cells_receive(): uncounted */
	p->stats[NTM_LEG_B].tx_packets++;
	p->stats[NTM_LEG_B].tx_bytes += inner_len;
}

/* rx.c, ntm_rx(): classify, find the path, check the leg, dispatch. */
static void ru_rx_one(struct ntm_relay_user *ru, uint8_t *buf, size_t len,
		      const struct sockaddr_in *src, uint32_t local, uint8_t tos)
{
	struct ntm_data_hdr h;
	struct ru_path *p;
	enum ntm_leg leg;

	if (!ntm_is_dataplane(buf, (ntm_u32)len)) {
		if (len < 2 || buf[0] != NTM_VERSION) {
			ru->drop_malformed++;
			return;
		}
		ru->rx_control++;	/* the daemon has its own port */
		return;
	}
	if (len > NTM_UDP_PAYLOAD_MAX ||
	    ntm_data_hdr_decode(buf, (ntm_u32)len, &h) != NTM_WIRE_OK) {
		ru->drop_malformed++;
		return;
	}
	p = ru_lookup(ru, h.path_id);
	if (!p) {
		ru->drop_nopath++;
		return;
	}
	leg = ntm_data_hdr_leg(&h);
	if (ru_is_inner(p)) {
		if (leg != NTM_LEG_A) {
			p->stats[leg].drop_malformed++;
			return;
		}
		ru_rx_decap(ru, p, buf, len, src, local, tos);
	} else {
		ru_rx_switch(ru, p, leg, buf, len, src, local, tos);
	}
}

static void ru_rx_prepare(struct ntm_relay_user *ru)
{
	unsigned int i;

	for (i = 0; i < ru->batch; i++) {
		struct msghdr *mh = &ru->rx_msgs[i].msg_hdr;

		ru->rx_iov[i].iov_base = ru->rx_buf[i];
		ru->rx_iov[i].iov_len = RU_BUF_SIZE;
		mh->msg_name = &ru->rx_src[i];
		mh->msg_namelen = sizeof(ru->rx_src[i]);
		mh->msg_iov = &ru->rx_iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = ru->rx_cmsg[i].buf;
		mh->msg_controllen = sizeof(ru->rx_cmsg[i].buf);
		mh->msg_flags = 0;
	}
}

/* The destination address and TOS of a received datagram. */
static void ru_rx_cmsg(struct msghdr *mh, uint32_t *local, uint8_t *tos)
{
	struct cmsghdr *c;

	*local = 0;
	*tos = 0;
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != IPPROTO_IP)
			continue;
		if (c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*local = pi.ipi_addr.s_addr;
		} else if (c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
			*tos = *CMSG_DATA(c);
		}
	}
}

static int ru_sock_input(struct ntm_relay_user *ru)
{
	unsigned int round, i;
	uint32_t local;
	uint8_t tos;
	int n;

	for (round = 0; round < RU_ROUNDS; round++) {
		ru_rx_prepare(ru);
		n = recvmmsg(ru->sock, ru->rx_msgs, ru->batch, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		ru->now = ru_clock(ru);
		for (i = 0; i < (unsigned int)n; i++) {
			struct msghdr *mh = &ru->rx_msgs[i].msg_hdr;

			if ((mh->msg_flags & MSG_TRUNC) ||
			    mh->msg_namelen < sizeof(struct sockaddr_in) ||
			    ru->rx_src[i].sin_family != AF_INET) {
				ru->drop_malformed++;
				continue;
			}
			ru_rx_cmsg(mh, &local, &tos);
			ru_rx_one(ru, ru->rx_buf[i], ru->rx_msgs[i].msg_len,
				  &ru->rx_src[i], local, tos);
		}
		ru_tx_flush(ru);
		ru_events_flush(ru);
		if ((unsigned int)n < ru->batch)
			break;
	}
	return 0;
}

/* ---- the device ---------------------------------------------------------- */

/*
 * device.c, ntm_dev_xmit() + tx.c, ntm_tx_seal(): an IPv4 packet routed to
 * the device, at @buf + 24, is sealed in place toward leg A. Returns true if
 * it was queued (the buffer is taken).
 */
static bool ru_dev_one(struct ntm_relay_user *ru, uint8_t *buf, size_t len)
{
	uint8_t *inner = buf + NTM_DATA_HDR_LEN;
	struct ru_leg_stats *in;
	uint32_t saddr, daddr;
	struct ru_path *p;
	ssize_t sealed;
	uint8_t tos;

	if (len < RU_IPV4_HLEN || (inner[0] >> 4) != 4)
		return false;
	memcpy(&saddr, inner + 12, sizeof(saddr));
	memcpy(&daddr, inner + 16, sizeof(daddr));
	p = ru_lookup_vip(ru, daddr, saddr);
	if (!p) {
		ru->drop_nopath++;
		return false;
	}
	in = &p->stats[NTM_LEG_B];
	in->rx_packets++;
	in->rx_bytes += len;
	if (p->ep[NTM_LEG_A].family != AF_INET) {
		in->drop_noroute++;
		return false;
	}
	/* Past NTM_COUNTER_MAX: this path needs a new key, nothing is sent. */
	if (p->tx_counter > NTM_COUNTER_MAX)
		return false;
	tos = ru_ecn_encap(inner[1]);
	sealed = ntm_data_seal(&p->keys, NTM_LEG_B, p->id, p->tx_counter,
			       inner, len, buf, RU_BUF_SIZE);
	if (sealed < 0)
		return false;
	p->tx_counter++;
	ru_tx_queue(ru, p, buf, (size_t)sealed, &p->ep[NTM_LEG_A], tos,
		    NTM_LEG_A, NTM_LEG_B);
	return true;
}

static int ru_dev_input(struct ntm_relay_user *ru)
{
	unsigned int round, n;
	ssize_t len;
	int err = 0;

	for (round = 0; round < RU_ROUNDS && !err; round++) {
		bool empty = false;

		ru->now = ru_clock(ru);
		for (n = 0; n < ru->batch;) {
			uint8_t *buf = ru->dev_buf[n];

			len = read(ru->dev, buf + NTM_DATA_HDR_LEN,
				   RU_BUF_SIZE - NTM_DATA_MIN_LEN);
			if (len < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN)
					err = -errno;
				empty = true;
				break;
			}
			if (ru_dev_one(ru, buf, (size_t)len))
				n++;
		}
		ru_tx_flush(ru);
		if (empty)
			break;
	}
	return err;
}

/* ---- event loop ----------------------------------------------------------- */

int ntm_relay_user_fds(struct ntm_relay_user *ru, int *fds, int max)
{
	int n = ru->dev >= 0 ? 2 : 1;

	if (max < n)
		return -ENOSPC;
	fds[0] = ru->sock;
	if (ru->dev >= 0)
		fds[1] = ru->dev;
	return n;
}

int ntm_relay_user_handle(struct ntm_relay_user *ru, int fd)
{
	if (fd < 0)
		return -EBADF;
	if (fd == ru->sock)
		return ru_sock_input(ru);
	if (fd == ru->dev)
		return ru_dev_input(ru);
	return -EBADF;
}

/* ---- open, close ---------------------------------------------------------- */

static int ru_setsockopt_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value)) ? -errno : 0;
}

/*
 * The tunnel socket, as socket.c's: UDP on any address. IP_PKTINFO tells the
 * address a packet arrived at (answer from it), IP_RECVTOS its outer TOS
 * (ECN); no DF, like udp_tunnel_xmit_skb(.., df = false).
 */
static int ru_socket_open(struct ntm_relay_user *ru, uint16_t port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	socklen_t slen = sizeof(sin);
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = ru_setsockopt_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
	if (!err)
		err = ru_setsockopt_int(fd, IPPROTO_IP, IP_RECVTOS, 1);
	if (!err)
		err = ru_setsockopt_int(fd, IPPROTO_IP, IP_MTU_DISCOVER,
					IP_PMTUDISC_DONT);
	if (err)
		goto err;
	/* Larger buffers absorb bursts; without CAP_NET_ADMIN the sysctl
	 * limits apply, and the defaults are only slower. */
	if (ru_setsockopt_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, RU_SOCK_BUF) &&
	    ru_setsockopt_int(fd, SOL_SOCKET, SO_RCVBUF, RU_SOCK_BUF)) {
		/* keep the default */
	}
	if (ru_setsockopt_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, RU_SOCK_BUF) &&
	    ru_setsockopt_int(fd, SOL_SOCKET, SO_SNDBUF, RU_SOCK_BUF)) {
		/* keep the default */
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen)) {
		err = -errno;
		goto err;
	}
	ru->sock = fd;
	ru->port = ntohs(sin.sin_port);
	return 0;
err:
	close(fd);
	return err;
}

/* The TUN, down, with the MTU the kernel gives its ntm0. */
static int ru_device_open(struct ntm_relay_user *ru, const char *name)
{
	struct ntm_rtnl *r;
	int fd, err;

	fd = ntm_tun_create(name, NTM_TUN_NONBLOCK, ru->ifname, &ru->ifindex);
	if (fd < 0)
		return fd;
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	err = ntm_rtnl_open(r);
	if (!err) {
		err = ntm_rtnl_link_set(r, ru->ifindex, false, NTM_RELAY_USER_MTU);
		ntm_rtnl_close(r);
	}
	free(r);
	if (err) {
		close(fd);
		return err;
	}
	ru->dev = fd;
	ru->own_dev = true;
	return 0;
}

static void ru_free(struct ntm_relay_user *ru)
{
	unsigned int i;

	if (ru->ids.b)
		ru_flush(ru);
	free(ru->ids.b);
	free(ru->vips.b);
	if (ru->rx_buf)
		for (i = 0; i < ru->batch; i++)
			free(ru->rx_buf[i]);
	if (ru->dev_buf)
		for (i = 0; i < ru->batch; i++)
			free(ru->dev_buf[i]);
	free(ru->rx_buf);
	free(ru->dev_buf);
	free(ru->rx_msgs);
	free(ru->rx_iov);
	free(ru->rx_src);
	free(ru->rx_cmsg);
	free(ru->tx_msgs);
	free(ru->tx);
	free(ru->events);
	if (ru->sock >= 0)
		close(ru->sock);
	if (ru->own_dev && ru->dev >= 0)
		close(ru->dev);
	free(ru);
}

static int ru_alloc_batch(struct ntm_relay_user *ru)
{
	unsigned int i, b = ru->batch;

	ru->rx_msgs = calloc(b, sizeof(*ru->rx_msgs));
	ru->rx_iov = calloc(b, sizeof(*ru->rx_iov));
	ru->rx_src = calloc(b, sizeof(*ru->rx_src));
	ru->rx_cmsg = calloc(b, sizeof(*ru->rx_cmsg));
	ru->rx_buf = calloc(b, sizeof(*ru->rx_buf));
	ru->dev_buf = calloc(b, sizeof(*ru->dev_buf));
	ru->tx_msgs = calloc(b, sizeof(*ru->tx_msgs));
	ru->tx = calloc(b, sizeof(*ru->tx));
	ru->events = calloc(b, sizeof(*ru->events));
	if (!ru->rx_msgs || !ru->rx_iov || !ru->rx_src || !ru->rx_cmsg ||
	    !ru->rx_buf || !ru->dev_buf || !ru->tx_msgs || !ru->tx ||
	    !ru->events)
		return -ENOMEM;
	for (i = 0; i < b; i++) {
		ru->rx_buf[i] = malloc(RU_BUF_SIZE);
		if (!ru->rx_buf[i])
			return -ENOMEM;
		if (ru->dev >= 0) {
			ru->dev_buf[i] = malloc(RU_BUF_SIZE);
			if (!ru->dev_buf[i])
				return -ENOMEM;
		}
	}
	return 0;
}

static int ru_seed(uint64_t *seed)
{
	uint8_t *p = (uint8_t *)seed;
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*seed)) {
		n = getrandom(p + got, sizeof(*seed) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

int ntm_relay_user_open(struct ntm_relay_user **rup,
			const struct ntm_relay_user_config *cfg)
{
	const struct ntm_tunnel_cfg *t = &cfg->tunnel;
	const char *name = t->ifname[0] ? t->ifname : NTM_DEFAULT_IFNAME;
	struct ntm_relay_user *ru;
	int err;

	*rup = NULL;
	if (cfg->batch > NTM_RELAY_USER_BATCH_MAX ||
	    memchr(t->ifname, '\0', sizeof(t->ifname)) == NULL)
		return -EINVAL;
	if (cfg->dev == NTM_RELAY_USER_DEV_FD && cfg->dev_fd < 0)
		return -EBADF;
	ru = calloc(1, sizeof(*ru));
	if (!ru)
		return -ENOMEM;
	ru->sock = -1;
	ru->dev = -1;
	ru->max = t->max_paths ? t->max_paths : NTM_DEFAULT_MAX_PATHS;
	ru->batch = cfg->batch ? cfg->batch : NTM_RELAY_USER_BATCH;
	ru->event = cfg->event;
	ru->event_arg = cfg->event_arg;
	ru->now_fn = cfg->now_ms;
	ru->now_arg = cfg->now_arg;
	snprintf(ru->ifname, sizeof(ru->ifname), "%s", name);

	err = ru_seed(&ru->seed);
	if (err)
		goto err;
	err = ru_index_init(&ru->ids, false);
	if (!err)
		err = ru_index_init(&ru->vips, true);
	if (err)
		goto err;
	err = ru_socket_open(ru, t->port);
	if (err)
		goto err;
	switch (cfg->dev) {
	case NTM_RELAY_USER_DEV_TUN:
		err = ru_device_open(ru, name);
		break;
	case NTM_RELAY_USER_DEV_FD:
		ru->dev = cfg->dev_fd;
		break;
	case NTM_RELAY_USER_DEV_NONE:
		break;
	default:
		err = -EINVAL;
	}
	if (err)
		goto err;
	err = ru_alloc_batch(ru);
	if (err)
		goto err;
	ru->now = ru_clock(ru);
	*rup = ru;
	return 0;
err:
	ru_free(ru);
	return err;
}

void ntm_relay_user_close(struct ntm_relay_user *ru)
{
	if (ru)
		ru_free(ru);
}
