// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The user-space relay datapath (lib/ntm_relay_user.c): the relay table's
 * semantics and errors as nf_ntm's netlink family gives them, idle expiry on
 * a fake clock, and the packet path over loopback UDP sockets (the two legs)
 * and a datagram socketpair standing in for the TUN, with every counter
 * checked exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <ntm/ntm.h>

#include "ntm_relay_user.h"

#define MAX_EVENTS 64

struct fx {
	struct ntm_relay_user *ru;
	uint64_t now;			/* the fake clock, ms */
	int dev[2];			/* [0] the engine's "TUN", [1] ours */
	int a, b;			/* leg A's and leg B's UDP sockets */
	struct sockaddr_in relay;	/* 127.0.0.1:the engine's port */
	struct ntm_path_keys keys;	/* of every path in these tests */
	struct ntm_nl_event ev[MAX_EVENTS];
	unsigned int nev;
};

static uint64_t fake_now(void *arg)
{
	return ((struct fx *)arg)->now;
}

static void on_event(void *arg, const struct ntm_nl_event *ev)
{
	struct fx *f = arg;

	assert_true(f->nev < MAX_EVENTS);
	f->ev[f->nev++] = *ev;
}

static int udp_socket(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

static uint16_t sock_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static int fx_open(struct fx *f, uint32_t max_paths)
{
	struct ntm_relay_user_config cfg = {
		.dev = NTM_RELAY_USER_DEV_FD,
		.event = on_event,
		.event_arg = f,
		.now_ms = fake_now,
		.now_arg = f,
	};
	struct ntm_tunnel_info t;
	uint8_t pk[NTM_PATH_KEY_BYTES];
	size_t i;
	int err;

	memset(f, 0, sizeof(*f));
	f->now = 1000000;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0,
				    f->dev), 0);
	assert_int_equal(fcntl(f->dev[0], F_SETFL, O_NONBLOCK), 0);
	cfg.dev_fd = f->dev[0];
	cfg.tunnel.max_paths = max_paths;
	err = ntm_relay_user_open(&f->ru, &cfg);
	if (err)
		return err;
	assert_int_equal(ntm_relay_user_tunnel_get(f->ru, &t), 0);
	assert_true(t.port != 0);
	f->relay.sin_family = AF_INET;
	f->relay.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->relay.sin_port = htons(t.port);
	f->a = udp_socket();
	f->b = udp_socket();
	for (i = 0; i < sizeof(pk); i++)
		pk[i] = (uint8_t)i;
	assert_int_equal(ntm_path_keys_derive(pk, &f->keys), NTM_OK);
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(fx_open(f, 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ntm_relay_user_close(f->ru);
	close(f->dev[0]);
	close(f->dev[1]);
	close(f->a);
	close(f->b);
	free(f);
	return 0;
}

/* ---- paths ------------------------------------------------------------- */

static void ep4(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &sin, sizeof(sin));
}

static void vip4(struct ntm_vip *vip, const char *ip)
{
	memset(vip, 0, sizeof(*vip));
	vip->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, vip->addr), 1);
}

/* An RS-S path (relay key only), or RS-N/RS-T with both keys and VIPs. */
static struct ntm_path mkpath(const struct fx *f, uint32_t id, uint8_t type,
			      const char *vip_a, const char *vip_b)
{
	struct ntm_path p;

	memset(&p, 0, sizeof(p));
	p.id = id;
	p.type = type;
	p.has = NTM_PATH_HAS_TYPE | NTM_PATH_HAS_RELAY_KEY;
	memcpy(p.relay_key, f->keys.relay, sizeof(p.relay_key));
	if (type != NTM_PATH_RS_S) {
		memcpy(p.data_key, f->keys.data, sizeof(p.data_key));
		p.has |= NTM_PATH_HAS_DATA_KEY;
	}
	if (vip_a)
		vip4(&p.leg[NTM_LEG_A].vip, vip_a);
	if (vip_b)
		vip4(&p.leg[NTM_LEG_B].vip, vip_b);
	return p;
}

static int add(struct fx *f, struct ntm_path p)
{
	return ntm_relay_user_path_put(f->ru, &p, true);
}

static int set(struct fx *f, struct ntm_path p)
{
	return ntm_relay_user_path_put(f->ru, &p, false);
}

static struct ntm_path get(struct fx *f, uint32_t id)
{
	struct ntm_path p;

	assert_int_equal(ntm_relay_user_path_get(f->ru, id, &p), 0);
	return p;
}

static struct ntm_tunnel_info tunnel(struct fx *f)
{
	struct ntm_tunnel_info t;

	assert_int_equal(ntm_relay_user_tunnel_get(f->ru, &t), 0);
	return t;
}

static uint16_t ep_port(const struct sockaddr_storage *ss)
{
	struct sockaddr_in sin;

	assert_int_equal(ss->ss_family, AF_INET);
	memcpy(&sin, ss, sizeof(sin));
	return ntohs(sin.sin_port);
}

static void test_add_get_del(void **state)
{
	struct fx *f = *state;
	struct ntm_path p = mkpath(f, 42, NTM_PATH_RS_S, "100.64.0.1", "100.64.0.2");
	struct ntm_path g;
	int leg;

	p.has |= NTM_PATH_HAS_REFRESH;
	p.refresh = 60;
	ep4(&p.leg[NTM_LEG_B].endpoint, "192.0.2.7", 9000);
	assert_int_equal(add(f, p), 0);
	assert_int_equal(tunnel(f).paths, 1);

	f->now += 1234;
	g = get(f, 42);
	assert_int_equal(g.id, 42);
	assert_int_equal(g.type, NTM_PATH_RS_S);
	assert_int_equal(g.refresh, 60);
	assert_int_equal(g.idle_ms, 1234);
	assert_int_equal(g.has, NTM_PATH_HAS_TYPE | NTM_PATH_HAS_REFRESH |
				NTM_PATH_HAS_IDLE | NTM_PATH_HAS_LEG_A |
				NTM_PATH_HAS_LEG_B);
	assert_int_equal(g.leg[NTM_LEG_A].endpoint.ss_family, AF_UNSPEC);
	assert_int_equal(ep_port(&g.leg[NTM_LEG_B].endpoint), 9000);
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		/* As nf_ntm: an RS-S path keeps no VIP; keys never come back. */
		assert_int_equal(g.leg[leg].vip.family, AF_UNSPEC);
		assert_true(g.leg[leg].has_stats);
		assert_int_equal(g.leg[leg].stats.rx_packets, 0);
	}
	assert_false(g.has & (NTM_PATH_HAS_RELAY_KEY | NTM_PATH_HAS_DATA_KEY));

	/* The default refresh is nf_ntm's. */
	assert_int_equal(add(f, mkpath(f, 43, NTM_PATH_RS_S, NULL, NULL)), 0);
	assert_int_equal(get(f, 43).refresh, NTM_DEFAULT_REFRESH);

	assert_int_equal(ntm_relay_user_path_del(f->ru, 42), 0);
	assert_int_equal(ntm_relay_user_path_get(f->ru, 42, &g), -ENOENT);
	assert_int_equal(ntm_relay_user_path_del(f->ru, 42), -ENOENT);
	assert_int_equal(ntm_relay_user_path_del(f->ru, 0), -ERANGE);
	assert_int_equal(tunnel(f).paths, 1);
}

static void test_inner_path_reports_vips(void **state)
{
	struct fx *f = *state;
	struct ntm_path g;
	uint8_t a[4] = { 100, 64, 0, 1 }, b[4] = { 100, 65, 0, 30 };

	assert_int_equal(add(f, mkpath(f, 7, NTM_PATH_RS_N, "100.64.0.1",
				       "100.65.0.30")), 0);
	g = get(f, 7);
	assert_int_equal(g.type, NTM_PATH_RS_N);
	assert_int_equal(g.leg[NTM_LEG_A].vip.family, AF_INET);
	assert_memory_equal(g.leg[NTM_LEG_A].vip.addr, a, 4);
	assert_memory_equal(g.leg[NTM_LEG_B].vip.addr, b, 4);
	assert_int_equal(g.leg[NTM_LEG_B].endpoint.ss_family, AF_UNSPEC);
}

static void test_errors(void **state)
{
	struct fx *f = *state;
	struct ntm_path p;

	assert_int_equal(add(f, mkpath(f, 1, NTM_PATH_RS_S, NULL, NULL)), 0);
	assert_int_equal(add(f, mkpath(f, 1, NTM_PATH_RS_S, NULL, NULL)), -EEXIST);
	assert_int_equal(set(f, mkpath(f, 2, NTM_PATH_RS_S, NULL, NULL)), -ENOENT);
	/* Attribute policies: PathID >= 1, type in 1..3. */
	assert_int_equal(add(f, mkpath(f, 0, NTM_PATH_RS_S, NULL, NULL)), -ERANGE);
	assert_int_equal(add(f, mkpath(f, 3, 4, NULL, NULL)), -ERANGE);
	assert_int_equal(add(f, mkpath(f, 3, 0, NULL, NULL)), -ERANGE);
	/* NEW needs a type and a relay key. */
	p = mkpath(f, 3, NTM_PATH_RS_S, NULL, NULL);
	p.has &= ~NTM_PATH_HAS_TYPE;
	assert_int_equal(add(f, p), -EINVAL);
	p = mkpath(f, 3, NTM_PATH_RS_S, NULL, NULL);
	p.has &= ~NTM_PATH_HAS_RELAY_KEY;
	assert_int_equal(add(f, p), -EINVAL);
	/* An RS-S never holds the data key. */
	p = mkpath(f, 3, NTM_PATH_RS_S, NULL, NULL);
	p.has |= NTM_PATH_HAS_DATA_KEY;
	assert_int_equal(add(f, p), -EINVAL);
	p = mkpath(f, 1, NTM_PATH_RS_S, NULL, NULL);
	p.has = NTM_PATH_HAS_DATA_KEY;
	assert_int_equal(set(f, p), -EINVAL);
	/* RS-N and RS-T: data key, both VIPs, IPv4, no leg B endpoint. */
	p = mkpath(f, 3, NTM_PATH_RS_N, "100.64.0.1", "100.65.0.1");
	p.has &= ~NTM_PATH_HAS_DATA_KEY;
	assert_int_equal(add(f, p), -EINVAL);
	assert_int_equal(add(f, mkpath(f, 3, NTM_PATH_RS_N, "100.64.0.1", NULL)),
			 -EINVAL);
	assert_int_equal(add(f, mkpath(f, 3, NTM_PATH_RS_T, NULL, "100.65.0.1")),
			 -EINVAL);
	p = mkpath(f, 3, NTM_PATH_RS_N, "100.64.0.1", "100.65.0.1");
	ep4(&p.leg[NTM_LEG_B].endpoint, "192.0.2.1", 7701);
	assert_int_equal(add(f, p), -EINVAL);
	assert_int_equal(add(f, mkpath(f, 3, NTM_PATH_RS_N, "0.0.0.0",
				       "100.65.0.1")), -EINVAL);
	p = mkpath(f, 3, NTM_PATH_RS_N, "100.64.0.1", "100.65.0.1");
	p.leg[NTM_LEG_B].vip.family = AF_INET6;
	assert_int_equal(add(f, p), -EAFNOSUPPORT);
	p.leg[NTM_LEG_B].vip.family = 99;
	assert_int_equal(add(f, p), -EINVAL);
	/* Endpoints: IPv4 unicast with a port. */
	p = mkpath(f, 3, NTM_PATH_RS_S, NULL, NULL);
	p.leg[NTM_LEG_A].endpoint.ss_family = AF_INET6;
	assert_int_equal(add(f, p), -EAFNOSUPPORT);
	ep4(&p.leg[NTM_LEG_A].endpoint, "192.0.2.1", 0);
	assert_int_equal(add(f, p), -EINVAL);
	ep4(&p.leg[NTM_LEG_A].endpoint, "0.1.2.3", 7701);
	assert_int_equal(add(f, p), -EINVAL);
	ep4(&p.leg[NTM_LEG_A].endpoint, "224.0.0.1", 7701);
	assert_int_equal(add(f, p), -EINVAL);
	ep4(&p.leg[NTM_LEG_A].endpoint, "255.255.255.255", 7701);
	assert_int_equal(add(f, p), -EINVAL);
	/* A path's type is fixed. */
	p = mkpath(f, 1, NTM_PATH_RS_T, "100.64.0.1", "100.65.0.1");
	assert_int_equal(set(f, p), -EINVAL);
	/* Nothing of the failures was installed. */
	assert_int_equal(tunnel(f).paths, 1);
}

static void test_max_paths(void **state)
{
	struct fx *g = calloc(1, sizeof(*g));
	uint32_t id;

	assert_non_null(g);
	assert_int_equal(fx_open(g, 3), 0);
	*state = g;
	assert_int_equal(tunnel(g).max_paths, 3);
	for (id = 1; id <= 3; id++)
		assert_int_equal(add(g, mkpath(g, id, NTM_PATH_RS_S, NULL, NULL)), 0);
	assert_int_equal(add(g, mkpath(g, 4, NTM_PATH_RS_S, NULL, NULL)), -ENOSPC);
	/* EEXIST is found before ENOSPC, as nf_ntm checks it first. */
	assert_int_equal(add(g, mkpath(g, 3, NTM_PATH_RS_S, NULL, NULL)), -EEXIST);
	assert_int_equal(tunnel(g).paths, 3);
	assert_int_equal(ntm_relay_user_path_del(g->ru, 2), 0);
	assert_int_equal(add(g, mkpath(g, 4, NTM_PATH_RS_S, NULL, NULL)), 0);
	assert_int_equal(add(g, mkpath(g, 5, NTM_PATH_RS_S, NULL, NULL)), -ENOSPC);
}

static void test_vip_pair_in_use(void **state)
{
	struct fx *f = *state;
	struct ntm_path p;

	assert_int_equal(add(f, mkpath(f, 1, NTM_PATH_RS_N, "100.64.0.1",
				       "100.65.0.1")), 0);
	assert_int_equal(add(f, mkpath(f, 2, NTM_PATH_RS_N, "100.64.0.1",
				       "100.65.0.1")), -EADDRINUSE);
	/* RS-T shares the index: a reply must find exactly one path. */
	assert_int_equal(add(f, mkpath(f, 2, NTM_PATH_RS_T, "100.64.0.1",
				       "100.65.0.1")), -EADDRINUSE);
	/* The reverse pair is another pair. */
	assert_int_equal(add(f, mkpath(f, 2, NTM_PATH_RS_N, "100.65.0.1",
				       "100.64.0.1")), 0);
	assert_int_equal(add(f, mkpath(f, 3, NTM_PATH_RS_N, "100.64.0.2",
				       "100.65.0.1")), 0);
	/* SET onto a pair in use fails and changes nothing. */
	p = mkpath(f, 3, NTM_PATH_RS_N, "100.64.0.1", NULL);
	p.has = 0;
	assert_int_equal(set(f, p), -EADDRINUSE);
	assert_int_equal(get(f, 3).leg[NTM_LEG_A].vip.addr[3], 2);
	/* Once free, the pair can be taken by SET. */
	assert_int_equal(ntm_relay_user_path_del(f->ru, 1), 0);
	assert_int_equal(set(f, p), 0);
	assert_int_equal(get(f, 3).leg[NTM_LEG_A].vip.addr[3], 1);
	/* ... and 100.64.0.2's pair is free again. */
	assert_int_equal(add(f, mkpath(f, 4, NTM_PATH_RS_T, "100.64.0.2",
				       "100.65.0.1")), 0);
	/* RS-S VIPs are informative: never in the index. */
	assert_int_equal(add(f, mkpath(f, 5, NTM_PATH_RS_S, "100.64.0.2",
				       "100.65.0.1")), 0);
}

struct dump_ctx {
	struct fx *f;
	unsigned int n;
	uint8_t seen[301];
	int stop_at;
	bool try_change;
};

static int dump_cb(const struct ntm_path *p, void *arg)
{
	struct dump_ctx *d = arg;

	assert_true(p->id >= 1 && p->id <= 300);
	assert_int_equal(d->seen[p->id], 0);
	d->seen[p->id] = 1;
	d->n++;
	if (d->try_change) {
		assert_int_equal(ntm_relay_user_path_del(d->f->ru, p->id), -EBUSY);
		assert_int_equal(ntm_relay_user_flush(d->f->ru), -EBUSY);
		assert_int_equal(add(d->f, mkpath(d->f, 999, NTM_PATH_RS_S,
						  NULL, NULL)), -EBUSY);
	}
	return d->stop_at && (int)d->n == d->stop_at ? -EINTR : 0;
}

static void test_dump_flush(void **state)
{
	struct fx *f = *state;
	struct dump_ctx d;
	uint32_t id;

	/* Enough paths for both indexes to grow past their first size. */
	for (id = 1; id <= 300; id++) {
		char a[16];

		snprintf(a, sizeof(a), "100.64.%u.%u", id / 256, id % 256);
		assert_int_equal(add(f, id % 2 ? mkpath(f, id, NTM_PATH_RS_S,
							NULL, NULL) :
					       mkpath(f, id, NTM_PATH_RS_N, a,
						      "100.65.0.1")), 0);
	}
	memset(&d, 0, sizeof(d));
	d.f = f;
	d.try_change = true;
	assert_int_equal(ntm_relay_user_path_dump(f->ru, dump_cb, &d), 300);
	assert_int_equal(d.n, 300);
	for (id = 1; id <= 300; id++)
		assert_int_equal(d.seen[id], 1);

	memset(&d, 0, sizeof(d));
	d.f = f;
	d.stop_at = 10;
	assert_int_equal(ntm_relay_user_path_dump(f->ru, dump_cb, &d), -EINTR);
	assert_int_equal(d.n, 10);

	/* Every path is found after the resizes, by PathID. */
	for (id = 1; id <= 300; id++)
		assert_int_equal(get(f, id).id, id);
	for (id = 1; id <= 290; id++)
		assert_int_equal(ntm_relay_user_path_del(f->ru, id), 0);
	for (id = 291; id <= 300; id++)
		assert_int_equal(get(f, id).id, id);
	assert_int_equal(tunnel(f).paths, 10);
	assert_int_equal(ntm_relay_user_flush(f->ru), 0);
	assert_int_equal(tunnel(f).paths, 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ntm_relay_user_path_dump(f->ru, dump_cb, &d), 0);
	/* The VIP pairs of the flushed paths are free again. */
	assert_int_equal(add(f, mkpath(f, 2, NTM_PATH_RS_N, "100.64.0.2",
				       "100.65.0.1")), 0);
}

/* ---- packets ----------------------------------------------------------- */

static void send_to_relay(struct fx *f, int fd, const uint8_t *pkt, size_t len)
{
	assert_int_equal(sendto(fd, pkt, len, 0, (struct sockaddr *)&f->relay,
				sizeof(f->relay)), (ssize_t)len);
}

/* As send_to_relay(), with CE in the outer header's ECN field. */
static void send_to_relay_ce(struct fx *f, int fd, const uint8_t *pkt,
			     size_t len)
{
	int tos = 0x03;

	assert_int_equal(setsockopt(fd, IPPROTO_IP, IP_TOS, &tos,
				    sizeof(tos)), 0);
	send_to_relay(f, fd, pkt, len);
	tos = 0;
	assert_int_equal(setsockopt(fd, IPPROTO_IP, IP_TOS, &tos,
				    sizeof(tos)), 0);
}

/* Let the engine read what is queued on @fd (its socket or device). */
static void pump_fd(struct fx *f, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_int_equal(ntm_relay_user_handle(f->ru, fd), 0);
}

static void pump(struct fx *f)
{
	int fds[2];

	assert_int_equal(ntm_relay_user_fds(f->ru, fds, 2), 2);
	assert_int_equal(fds[1], f->dev[0]);
	pump_fd(f, fds[0]);
}

/* What arrives on @fd within @ms, or -1 if nothing does. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t cap, int ms,
			   struct sockaddr_in *from)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	socklen_t flen = sizeof(*from);
	struct sockaddr_in dummy;

	if (!from)
		from = &dummy;
	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)from,
			&flen);
}

static size_t data(struct fx *f, enum ntm_leg leg, uint32_t id, uint64_t ctr,
		   const void *inner, size_t n, uint8_t *out, size_t cap)
{
	ssize_t len = ntm_data_seal(&f->keys, leg, id, ctr, inner, n, out, cap);

	assert_int_equal(len, (ssize_t)(n + NTM_DATA_MIN_LEN));
	return (size_t)len;
}

static void keepalive(struct fx *f, int fd, enum ntm_leg leg, uint32_t id,
		      uint64_t ctr)
{
	uint8_t pkt[NTM_KEEPALIVE_LEN];

	assert_int_equal(ntm_keepalive_build(&f->keys, leg, id, ctr, pkt,
					     sizeof(pkt)), NTM_KEEPALIVE_LEN);
	send_to_relay(f, fd, pkt, sizeof(pkt));
	pump(f);
}

static struct ntm_stats leg_stats(struct fx *f, uint32_t id, enum ntm_leg leg)
{
	return get(f, id).leg[leg].stats;
}

static void assert_stats(struct ntm_stats s, uint64_t rxp, uint64_t rxb,
			 uint64_t txp, uint64_t txb, uint64_t auth,
			 uint64_t replay, uint64_t malformed, uint64_t noroute)
{
	assert_int_equal(s.rx_packets, rxp);
	assert_int_equal(s.rx_bytes, rxb);
	assert_int_equal(s.tx_packets, txp);
	assert_int_equal(s.tx_bytes, txb);
	assert_int_equal(s.drop_auth, auth);
	assert_int_equal(s.drop_replay, replay);
	assert_int_equal(s.drop_malformed, malformed);
	assert_int_equal(s.drop_noroute, noroute);
}

static void assert_tunnel(struct fx *f, uint64_t nopath, uint64_t malformed,
			  uint64_t control)
{
	struct ntm_tunnel_info t = tunnel(f);

	assert_int_equal(t.stats.drop_nopath, nopath);
	assert_int_equal(t.stats.drop_malformed, malformed);
	assert_int_equal(t.stats.rx_control, control);
}

static void assert_endpoint_event(const struct ntm_nl_event *ev, uint32_t id,
				  enum ntm_leg leg, uint16_t port)
{
	assert_int_equal(ev->cmd, NTM_CMD_NOTIFY_ENDPOINT);
	assert_int_equal(ev->path.id, id);
	assert_int_equal(ev->path.has, leg == NTM_LEG_A ? NTM_PATH_HAS_LEG_A :
							   NTM_PATH_HAS_LEG_B);
	assert_int_equal(ep_port(&ev->path.leg[leg].endpoint), port);
}

static void assert_nothing_on(int fd)
{
	uint8_t buf[64];

	assert_int_equal(recv_within(fd, buf, sizeof(buf), 50, NULL), -1);
}

static void test_rs_s_forward(void **state)
{
	struct fx *f = *state;
	static const char inner[] = "end to end, the RS cannot read this";
	uint8_t pkt[256], got[256];
	struct sockaddr_in from;
	size_t len;
	ssize_t n;

	assert_int_equal(add(f, mkpath(f, 100, NTM_PATH_RS_S, NULL, NULL)), 0);

	/* Both legs introduce themselves with a keepalive: learned, announced,
	 * consumed. */
	keepalive(f, f->a, NTM_LEG_A, 100, 0);
	assert_int_equal(f->nev, 1);
	assert_endpoint_event(&f->ev[0], 100, NTM_LEG_A, sock_port(f->a));
	keepalive(f, f->b, NTM_LEG_B, 100, 0);
	assert_int_equal(f->nev, 2);
	assert_endpoint_event(&f->ev[1], 100, NTM_LEG_B, sock_port(f->b));
	assert_nothing_on(f->a);
	assert_nothing_on(f->b);

	/* A -> B: the same bytes, from the relay's port. */
	len = data(f, NTM_LEG_A, 100, 1, inner, sizeof(inner), pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	pump(f);
	n = recv_within(f->b, got, sizeof(got), 1000, &from);
	assert_int_equal(n, (ssize_t)len);
	assert_memory_equal(got, pkt, len);
	assert_int_equal(from.sin_port, f->relay.sin_port);
	assert_int_equal(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));

	/* B -> A, twice. */
	len = data(f, NTM_LEG_B, 100, 1, inner, 10, pkt, sizeof(pkt));
	send_to_relay(f, f->b, pkt, len);
	send_to_relay(f, f->b, pkt + 0, len);	/* a replay: dropped */
	len = data(f, NTM_LEG_B, 100, 2, inner, 20, pkt, sizeof(pkt));
	send_to_relay(f, f->b, pkt, len);
	pump(f);
	assert_int_equal(recv_within(f->a, got, sizeof(got), 1000, NULL), 50);
	assert_int_equal(recv_within(f->a, got, sizeof(got), 1000, NULL), 60);
	assert_nothing_on(f->a);

	/* rx counts what came in on a leg, tx what went out on it. */
	assert_stats(leg_stats(f, 100, NTM_LEG_A), 2, 24 + 76, 2, 50 + 60,
		     0, 0, 0, 0);
	assert_stats(leg_stats(f, 100, NTM_LEG_B), 3, 24 + 50 + 60, 1, 76,
		     0, 1, 0, 0);
	assert_tunnel(f, 0, 0, 0);
	assert_int_equal(f->nev, 2);	/* no endpoint moved */
	assert_int_equal(get(f, 100).idle_ms, 0);
}

static void test_rs_s_hostile(void **state)
{
	struct fx *f = *state;
	uint8_t pkt[256], bad[256];
	size_t len;

	assert_int_equal(add(f, mkpath(f, 200, NTM_PATH_RS_S, NULL, NULL)), 0);
	keepalive(f, f->a, NTM_LEG_A, 200, 0);
	keepalive(f, f->b, NTM_LEG_B, 200, 0);
	f->nev = 0;

	len = data(f, NTM_LEG_A, 200, 10, "x", 1, pkt, sizeof(pkt));
	/* Forged relay tag, every bit of it in turn. */
	for (unsigned int bit = 0; bit < 64; bit++) {
		memcpy(bad, pkt, len);
		bad[NTM_DATA_AUTH_LEN + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		send_to_relay(f, f->a, bad, len);
	}
	/* Header fields under the tag: PathID, counter, leg. */
	memcpy(bad, pkt, len);
	bad[15] ^= 1;		/* counter */
	send_to_relay(f, f->a, bad, len);
	memcpy(bad, pkt, len);
	bad[2] ^= NTM_DATA_F_LEG_B;
	send_to_relay(f, f->a, bad, len);	/* auth on leg B's counters */
	pump(f);
	assert_stats(leg_stats(f, 200, NTM_LEG_A), 1, 24, 0, 0, 65, 0, 0, 0);
	assert_stats(leg_stats(f, 200, NTM_LEG_B), 1, 24, 0, 0, 1, 0, 0, 0);

	/* The authentic one goes through once; its replays do not. */
	send_to_relay(f, f->a, pkt, len);
	send_to_relay(f, f->a, pkt, len);
	send_to_relay(f, f->a, pkt, len);
	pump(f);
	assert_int_equal(recv_within(f->b, bad, sizeof(bad), 1000, NULL), (ssize_t)len);
	/* Too old: more than 64 below the highest accepted. */
	len = data(f, NTM_LEG_A, 200, 100, "y", 1, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	len = data(f, NTM_LEG_A, 200, 35, "z", 1, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	len = data(f, NTM_LEG_A, 200, 36, "z", 1, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);	/* exactly 64 below: fine */
	pump(f);
	assert_int_equal(recv_within(f->b, bad, sizeof(bad), 1000, NULL), 41);
	assert_int_equal(recv_within(f->b, bad, sizeof(bad), 1000, NULL), 41);
	assert_stats(leg_stats(f, 200, NTM_LEG_A), 4, 24 + 3 * 41, 0, 0,
		     65, 3, 0, 0);
	assert_stats(leg_stats(f, 200, NTM_LEG_B), 1, 24, 3, 3 * 41, 1, 0, 0, 0);

	/* Before any lookup: truncated, bad version, empty, keepalive of the
	 * wrong length, reserved bits: the tunnel's drop_malformed. */
	len = data(f, NTM_LEG_A, 200, 300, "w", 1, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, 20);
	send_to_relay(f, f->a, pkt, NTM_DATA_MIN_LEN - 1);
	memcpy(bad, pkt, len);
	bad[0] = 2;
	send_to_relay(f, f->a, bad, len);
	send_to_relay(f, f->a, pkt, 1);
	send_to_relay(f, f->a, pkt, 0);
	memcpy(bad, pkt, len);
	bad[1] = NTM_MSG_KEEPALIVE;
	send_to_relay(f, f->a, bad, NTM_KEEPALIVE_LEN + 1);
	memcpy(bad, pkt, len);
	bad[3] = 1;
	send_to_relay(f, f->a, bad, len);
	/* Unknown PathID (and PathID 0, malformed). */
	len = data(f, NTM_LEG_A, 201, 0, "w", 1, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	memcpy(bad, pkt, len);
	memset(bad + 4, 0, 4);
	send_to_relay(f, f->a, bad, len);
	/* A control message (version 1, no data-plane bit). */
	memcpy(bad, pkt, len);
	bad[1] = NTM_MSG_RELAY_DIRECTION;
	send_to_relay(f, f->a, bad, len);
	send_to_relay(f, f->a, bad, 2);
	pump(f);
	assert_tunnel(f, 1, 8, 2);
	assert_nothing_on(f->b);
	assert_stats(leg_stats(f, 200, NTM_LEG_A), 4, 24 + 3 * 41, 0, 0,
		     65, 3, 0, 0);
	assert_int_equal(f->nev, 0);
}

static void test_endpoint_learned_only_when_authentic(void **state)
{
	struct fx *f = *state;
	uint8_t pkt[128], bad[128];
	int roam = udp_socket();
	size_t len;

	assert_int_equal(add(f, mkpath(f, 300, NTM_PATH_RS_S, NULL, NULL)), 0);
	/* Nothing from a forged packet: no endpoint, no window, no event. */
	len = data(f, NTM_LEG_A, 300, 5, "hi", 2, pkt, sizeof(pkt));
	memcpy(bad, pkt, len);
	bad[NTM_DATA_HDR_LEN - 1] ^= 0x80;
	send_to_relay(f, f->a, bad, len);
	pump(f);
	assert_int_equal(get(f, 300).leg[NTM_LEG_A].endpoint.ss_family, AF_UNSPEC);
	assert_int_equal(f->nev, 0);
	/* The authentic one with the same counter is not a replay. No leg B
	 * endpoint yet: nowhere to send, drop_noroute on the sending leg. */
	send_to_relay(f, f->a, pkt, len);
	pump(f);
	assert_int_equal(ep_port(&get(f, 300).leg[NTM_LEG_A].endpoint),
			 sock_port(f->a));
	assert_int_equal(f->nev, 1);
	assert_stats(leg_stats(f, 300, NTM_LEG_A), 1, len, 0, 0, 1, 0, 0, 1);

	/* Roaming: a forged packet from a new address moves nothing... */
	len = data(f, NTM_LEG_A, 300, 6, "hi", 2, pkt, sizeof(pkt));
	memcpy(bad, pkt, len);
	bad[NTM_DATA_AUTH_LEN] ^= 1;
	send_to_relay(f, roam, bad, len);
	/* ... nor does a replay of an authentic one... */
	len = data(f, NTM_LEG_A, 300, 5, "hi", 2, pkt, sizeof(pkt));
	send_to_relay(f, roam, pkt, len);
	pump(f);
	assert_int_equal(ep_port(&get(f, 300).leg[NTM_LEG_A].endpoint),
			 sock_port(f->a));
	assert_int_equal(f->nev, 1);
	/* ... the first authentic one does, at once, and is announced. */
	keepalive(f, roam, NTM_LEG_A, 300, 7);
	assert_int_equal(ep_port(&get(f, 300).leg[NTM_LEG_A].endpoint),
			 sock_port(roam));
	assert_int_equal(f->nev, 2);
	assert_endpoint_event(&f->ev[1], 300, NTM_LEG_A, sock_port(roam));
	/* The same endpoint again: no event. */
	keepalive(f, roam, NTM_LEG_A, 300, 8);
	assert_int_equal(f->nev, 2);
	assert_stats(leg_stats(f, 300, NTM_LEG_A), 3, 42 + 24 + 24, 0, 0,
		     2, 1, 0, 1);
	close(roam);
}

static void test_set_keeps_and_rekeys(void **state)
{
	struct fx *f = *state;
	struct ntm_path p = mkpath(f, 400, NTM_PATH_RS_S, NULL, NULL), g;
	struct ntm_path_keys other;
	uint8_t pk[NTM_PATH_KEY_BYTES];

	assert_int_equal(add(f, p), 0);
	keepalive(f, f->a, NTM_LEG_A, 400, 5);
	f->nev = 0;

	/* A change of refresh keeps the endpoint, stats and window. */
	memset(&p, 0, sizeof(p));
	p.id = 400;
	p.has = NTM_PATH_HAS_REFRESH;
	p.refresh = 9;
	assert_int_equal(set(f, p), 0);
	g = get(f, 400);
	assert_int_equal(g.refresh, 9);
	assert_int_equal(ep_port(&g.leg[NTM_LEG_A].endpoint), sock_port(f->a));
	assert_int_equal(g.leg[NTM_LEG_A].stats.rx_packets, 1);
	keepalive(f, f->a, NTM_LEG_A, 400, 5);
	assert_int_equal(leg_stats(f, 400, NTM_LEG_A).drop_replay, 1);

	/* The same relay key again is no rekey. */
	p = mkpath(f, 400, NTM_PATH_RS_S, NULL, NULL);
	p.has = NTM_PATH_HAS_RELAY_KEY;
	assert_int_equal(set(f, p), 0);
	keepalive(f, f->a, NTM_LEG_A, 400, 5);
	assert_int_equal(leg_stats(f, 400, NTM_LEG_A).drop_replay, 2);

	/* A new relay key: the old key's packets fail, windows restart. */
	memset(pk, 0xa5, sizeof(pk));
	assert_int_equal(ntm_path_keys_derive(pk, &other), NTM_OK);
	memcpy(p.relay_key, other.relay, sizeof(p.relay_key));
	assert_int_equal(set(f, p), 0);
	keepalive(f, f->a, NTM_LEG_A, 400, 6);
	assert_int_equal(leg_stats(f, 400, NTM_LEG_A).drop_auth, 1);
	f->keys = other;
	keepalive(f, f->a, NTM_LEG_A, 400, 0);
	assert_stats(leg_stats(f, 400, NTM_LEG_A), 2, 48, 0, 0, 1, 2, 0, 0);

	/* An endpoint given by SET replaces the learned one. */
	memset(&p, 0, sizeof(p));
	p.id = 400;
	ep4(&p.leg[NTM_LEG_A].endpoint, "192.0.2.9", 4444);
	assert_int_equal(set(f, p), 0);
	assert_int_equal(ep_port(&get(f, 400).leg[NTM_LEG_A].endpoint), 4444);
	assert_int_equal(get(f, 400).refresh, 9);
	assert_int_equal(f->nev, 0);
}

static void test_expiry(void **state)
{
	struct fx *f = *state;
	struct ntm_path p;
	uint8_t pkt[128];
	size_t len;

	p = mkpath(f, 1, NTM_PATH_RS_S, NULL, NULL);
	p.has |= NTM_PATH_HAS_REFRESH;
	p.refresh = 1;
	assert_int_equal(add(f, p), 0);
	p.id = 2;
	p.refresh = 2;
	assert_int_equal(add(f, p), 0);
	p.id = 3;
	p.refresh = 0;		/* never */
	assert_int_equal(add(f, p), 0);
	p = mkpath(f, 4, NTM_PATH_RS_N, "100.64.0.1", "100.65.0.1");
	p.has |= NTM_PATH_HAS_REFRESH;
	p.refresh = 1;
	assert_int_equal(add(f, p), 0);

	f->now += 999;
	ntm_relay_user_tick(f->ru);
	assert_int_equal(tunnel(f).paths, 4);
	assert_int_equal(f->nev, 0);

	/* An authentic packet refreshes path 4; a forged one would not. */
	len = data(f, NTM_LEG_A, 4, 0, NULL, 0, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	len = data(f, NTM_LEG_A, 1, 0, NULL, 0, pkt, sizeof(pkt));
	pkt[NTM_DATA_AUTH_LEN] ^= 1;
	send_to_relay(f, f->a, pkt, len);
	pump(f);
	assert_int_equal(f->nev, 1);	/* path 4's endpoint */
	f->nev = 0;

	f->now += 1;		/* 1000 ms after creation */
	ntm_relay_user_tick(f->ru);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].cmd, NTM_CMD_NOTIFY_EXPIRED);
	assert_int_equal(f->ev[0].path.id, 1);
	assert_int_equal(f->ev[0].path.refresh, 1);
	assert_int_equal(f->ev[0].path.idle_ms, 1000);
	assert_int_equal(f->ev[0].path.type, NTM_PATH_RS_S);
	assert_true(f->ev[0].path.leg[NTM_LEG_A].has_stats);
	assert_int_equal(f->ev[0].path.leg[NTM_LEG_A].stats.drop_auth, 1);
	assert_int_equal(ntm_relay_user_path_get(f->ru, 1, &p), -ENOENT);
	assert_int_equal(tunnel(f).paths, 3);

	f->now += 999;		/* path 4 idle 1000 ms, path 2 1999 */
	ntm_relay_user_tick(f->ru);
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[1].path.id, 4);
	assert_int_equal(f->ev[1].path.leg[NTM_LEG_A].vip.family, AF_INET);
	assert_int_equal(f->ev[1].path.leg[NTM_LEG_A].stats.rx_packets, 1);
	/* The VIP pair of an expired path is free. */
	assert_int_equal(add(f, mkpath(f, 5, NTM_PATH_RS_T, "100.64.0.1",
				       "100.65.0.1")), 0);

	f->now += 1;
	ntm_relay_user_tick(f->ru);
	assert_int_equal(f->nev, 3);
	assert_int_equal(f->ev[2].path.id, 2);

	f->now += 1000000;
	ntm_relay_user_tick(f->ru);
	assert_int_equal(f->nev, 4);	/* path 5 (default 300 s) */
	assert_int_equal(f->ev[3].path.id, 5);
	assert_int_equal(tunnel(f).paths, 1);
	assert_int_equal(get(f, 3).idle_ms, 1002000);
}

/* An IPv4 packet from @src to @dst with @n bytes of payload (UDP, port 9). */
static size_t ipv4(uint8_t *buf, const char *src, const char *dst, size_t n,
		   uint8_t tos)
{
	size_t tot = 20 + 8 + n, i;
	uint32_t sum = 0;

	memset(buf, 0, tot);
	buf[0] = 0x45;
	buf[1] = tos;
	buf[2] = (uint8_t)(tot >> 8);
	buf[3] = (uint8_t)tot;
	buf[8] = 64;
	buf[9] = IPPROTO_UDP;
	assert_int_equal(inet_pton(AF_INET, src, buf + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, buf + 16), 1);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	buf[10] = (uint8_t)(~sum >> 8);
	buf[11] = (uint8_t)~sum;
	buf[23] = 9;
	buf[25] = (uint8_t)(8 + n);
	for (i = 0; i < n; i++)
		buf[28 + i] = (uint8_t)i;
	return tot;
}

static bool ipv4_csum_ok(const uint8_t *buf)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static void test_rs_n_decap_and_seal(void **state)
{
	struct fx *f = *state;
	uint8_t inner[256], pkt[512], got[512], plain[512];
	struct ntm_data_hdr h;
	size_t ilen, len, plen;
	uint64_t base = 0;
	ssize_t n;

	assert_int_equal(add(f, mkpath(f, 500, NTM_PATH_RS_N, "100.64.0.1",
				       "100.65.0.30")), 0);

	/* A reply before leg A is known: nowhere to send it. */
	ilen = ipv4(inner, "100.65.0.30", "100.64.0.1", 10, 0);
	assert_int_equal(write(f->dev[1], inner, ilen), (ssize_t)ilen);
	pump_fd(f, f->dev[0]);
	assert_stats(leg_stats(f, 500, NTM_LEG_B), 1, ilen, 0, 0, 0, 0, 0, 1);

	/* A -> the host: decrypted, written to the device unchanged. Trailing
	 * bytes past the IP total length are cut, as pskb_trim() does. */
	ilen = ipv4(inner, "100.64.0.1", "100.65.0.30", 32, 0);
	memset(inner + ilen, 0xee, 5);
	len = data(f, NTM_LEG_A, 500, 0, inner, ilen + 5, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	pump(f);
	n = recv_within(f->dev[1], got, sizeof(got), 1000, NULL);
	assert_int_equal(n, (ssize_t)ilen);
	assert_memory_equal(got, inner, ilen);
	assert_int_equal(f->nev, 1);
	assert_endpoint_event(&f->ev[0], 500, NTM_LEG_A, sock_port(f->a));

	/* Congestion seen on the outer header is kept inside (ECT(0) -> CE). */
	ilen = ipv4(inner, "100.64.0.1", "100.65.0.30", 4, 0x02);
	len = data(f, NTM_LEG_A, 500, 1, inner, ilen, pkt, sizeof(pkt));
	send_to_relay_ce(f, f->a, pkt, len);
	pump(f);
	n = recv_within(f->dev[1], got, sizeof(got), 1000, NULL);
	assert_int_equal(n, (ssize_t)ilen);
	assert_int_equal(got[1], 0x03);
	assert_true(ipv4_csum_ok(got));

	/* CE outside, a packet that is not ECN-capable inside: RFC 6040 (and
	 * nf_ntm) drop it, as malformed. */
	ilen = ipv4(inner, "100.64.0.1", "100.65.0.30", 4, 0x00);
	len = data(f, NTM_LEG_A, 500, 2, inner, ilen, pkt, sizeof(pkt));
	send_to_relay_ce(f, f->a, pkt, len);
	pump(f);
	assert_nothing_on(f->dev[1]);

	/* The host -> A: matched by (leg B VIP, leg A VIP), sealed with leg
	 * B's counter and sent to leg A's endpoint. The counter starts at the
	 * time of day in ns (never 0: a path installed again after a restart
	 * must not reuse a nonce) and goes up by one. */
	ilen = ipv4(inner, "100.65.0.30", "100.64.0.1", 100, 0);
	assert_int_equal(write(f->dev[1], inner, ilen), (ssize_t)ilen);
	assert_int_equal(write(f->dev[1], inner, ilen), (ssize_t)ilen);
	pump_fd(f, f->dev[0]);
	for (uint64_t c = 0; c < 2; c++) {
		struct timespec ts;
		uint64_t now_ns;

		assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
		now_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		n = recv_within(f->a, got, sizeof(got), 1000, NULL);
		assert_int_equal(n, (ssize_t)(ilen + NTM_DATA_MIN_LEN));
		assert_int_equal(ntm_data_open_leg(&f->keys, NTM_LEG_B, NULL, got,
						   (size_t)n, &h, plain,
						   sizeof(plain), &plen), NTM_OK);
		assert_int_equal(h.path_id, 500);
		if (!c)
			base = h.counter;
		assert_int_equal(h.counter, base + c);
		assert_true(base > now_ns - 10000000000ULL && base <= now_ns);
		assert_int_equal(plen, ilen);
		assert_memory_equal(plain, inner, ilen);
	}
	/* A packet on the device that no path's VIP pair matches. */
	ilen = ipv4(inner, "100.65.0.31", "100.64.0.1", 1, 0);
	assert_int_equal(write(f->dev[1], inner, ilen), (ssize_t)ilen);
	/* Not IPv4 at all: dropped uncounted, as nf_ntm's device does. */
	inner[0] = 0x60;
	assert_int_equal(write(f->dev[1], inner, ilen), (ssize_t)ilen);
	pump_fd(f, f->dev[0]);
	assert_nothing_on(f->a);
	assert_tunnel(f, 1, 0, 0);

	assert_stats(leg_stats(f, 500, NTM_LEG_A), 3,
		     (60 + 5 + 40) + (32 + 40) + (32 + 40),
		     2, 2 * (128 + 40), 0, 0, 1, 0);
	assert_stats(leg_stats(f, 500, NTM_LEG_B), 3, 38 + 2 * 128, 2, 60 + 32,
		     0, 0, 0, 1);
}

static void test_rs_n_hostile(void **state)
{
	struct fx *f = *state;
	uint8_t inner[256], pkt[512];
	size_t ilen, len;

	assert_int_equal(add(f, mkpath(f, 600, NTM_PATH_RS_T, "203.0.113.5",
				       "198.51.100.30")), 0);

	/* Right relay tag, wrong AEAD tag: an RS-S would relay it. */
	ilen = ipv4(inner, "203.0.113.5", "198.51.100.30", 8, 0);
	len = data(f, NTM_LEG_A, 600, 10, inner, ilen, pkt, sizeof(pkt));
	pkt[len - 1] ^= 1;
	send_to_relay(f, f->a, pkt, len);
	/* Spoofed inner source, and another destination: authentic but
	 * malformed (the window moves, the endpoint is learned). */
	ilen = ipv4(inner, "203.0.113.6", "198.51.100.30", 8, 0);
	len = data(f, NTM_LEG_A, 600, 11, inner, ilen, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	ilen = ipv4(inner, "203.0.113.5", "198.51.100.31", 8, 0);
	len = data(f, NTM_LEG_A, 600, 12, inner, ilen, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	/* Not IPv4, and a length field past the plaintext. */
	ilen = ipv4(inner, "203.0.113.5", "198.51.100.30", 8, 0);
	inner[0] = 0x65;
	len = data(f, NTM_LEG_A, 600, 13, inner, ilen, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	inner[0] = 0x45;
	len = data(f, NTM_LEG_A, 600, 14, inner, ilen - 1, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	/* A replay of counter 11: dropped before decrypting. */
	ilen = ipv4(inner, "203.0.113.5", "198.51.100.30", 8, 0);
	len = data(f, NTM_LEG_A, 600, 11, inner, ilen, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	/* Flagged as sent by leg B: the RS is leg B. */
	len = data(f, NTM_LEG_B, 600, 0, inner, ilen, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	/* An empty Data message: authentic, consumed. */
	len = data(f, NTM_LEG_A, 600, 20, NULL, 0, pkt, sizeof(pkt));
	send_to_relay(f, f->a, pkt, len);
	pump(f);
	assert_nothing_on(f->dev[1]);
	assert_stats(leg_stats(f, 600, NTM_LEG_A), 5, 4 * 76 - 1 + 40, 0, 0,
		     1, 1, 4, 0);
	assert_stats(leg_stats(f, 600, NTM_LEG_B), 0, 0, 0, 0, 0, 0, 1, 0);
	assert_tunnel(f, 0, 0, 0);
}

/* Leg B's last counter after one reply of path 700 through engine @f. */
static uint64_t one_reply(struct fx *f)
{
	uint8_t inner[64], got[256];
	struct ntm_data_hdr h;
	size_t ilen;
	ssize_t n;

	memset(&h, 0, sizeof(h));
	assert_int_equal(add(f, mkpath(f, 700, NTM_PATH_RS_N, "100.64.0.1",
				       "100.65.0.30")), 0);
	keepalive(f, f->a, NTM_LEG_A, 700, 0);
	ilen = ipv4(inner, "100.65.0.30", "100.64.0.1", 8, 0);
	assert_int_equal(write(f->dev[1], inner, ilen), (ssize_t)ilen);
	pump_fd(f, f->dev[0]);
	n = recv_within(f->a, got, sizeof(got), 1000, NULL);
	assert_int_equal(n, (ssize_t)(ilen + NTM_DATA_MIN_LEN));
	assert_int_equal(ntm_data_hdr_decode(got, (ntm_u32)n, &h), NTM_WIRE_OK);
	return h.counter;
}

/*
 * The daemon installs the same path, same keys, in a new engine after a
 * restart: the replies must go on above every counter used before, or a
 * (data key, nonce) pair would come back.
 */
static void test_reinstall_never_reuses_a_nonce(void **state)
{
	struct fx *f = *state;
	uint64_t first = one_reply(f), second;
	struct fx *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	assert_int_equal(fx_open(g, 0), 0);
	second = one_reply(g);
	*state = g;
	teardown(state);
	*state = f;
	assert_true(second > first);
}

static void test_fds_and_handle(void **state)
{
	struct fx *f = *state;
	int fds[2];

	assert_int_equal(ntm_relay_user_fds(f->ru, fds, 1), -ENOSPC);
	assert_int_equal(ntm_relay_user_handle(f->ru, -1), -EBADF);
	assert_int_equal(ntm_relay_user_handle(f->ru, f->a), -EBADF);
	/* Nothing to read is not an error. */
	assert_int_equal(ntm_relay_user_fds(f->ru, fds, 2), 2);
	assert_int_equal(ntm_relay_user_handle(f->ru, fds[0]), 0);
	assert_int_equal(ntm_relay_user_handle(f->ru, fds[1]), 0);
}

static void test_no_device(void **state)
{
	struct ntm_relay_user_config cfg = { .dev = NTM_RELAY_USER_DEV_NONE };
	struct ntm_relay_user *ru;
	struct ntm_tunnel_info t;
	int fds[2];

	(void)state;
	assert_int_equal(ntm_relay_user_open(&ru, &cfg), 0);
	assert_int_equal(ntm_relay_user_fds(ru, fds, 2), 1);
	assert_int_equal(ntm_relay_user_tunnel_get(ru, &t), 0);
	assert_string_equal(t.ifname, "");
	assert_int_equal(t.max_paths, NTM_DEFAULT_MAX_PATHS);
	assert_false(t.has & (NTM_TUNNEL_HAS_IFNAME | NTM_TUNNEL_HAS_IFINDEX));
	ntm_relay_user_close(ru);

	cfg.dev = NTM_RELAY_USER_DEV_FD;
	cfg.dev_fd = -1;
	assert_int_equal(ntm_relay_user_open(&ru, &cfg), -EBADF);
	assert_null(ru);
	cfg.dev = NTM_RELAY_USER_DEV_NONE;
	cfg.batch = NTM_RELAY_USER_BATCH_MAX + 1;
	assert_int_equal(ntm_relay_user_open(&ru, &cfg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_get_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inner_path_reports_vips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_paths, NULL, teardown),
		cmocka_unit_test_setup_teardown(test_vip_pair_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rs_s_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rs_s_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_learned_only_when_authentic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_keeps_and_rekeys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rs_n_decap_and_seal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rs_n_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reinstall_never_reuses_a_nonce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fds_and_handle, setup, teardown),
		cmocka_unit_test(test_no_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
