// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-node's path table (daemon/ntm-node/path.c): a Route Direction makes a
 * path and its Tunnel Request, a duplicate changes nothing, the Tunnel
 * Response brings it up; route optimization (direct candidate, switch on an
 * authenticated Tunnel Request or Response, back to the relay after 6 s of
 * silence); Data from one node's TUN to the other's through real loopback
 * sockets, with the replay window and the leg check.
 *
 * path.c is compiled in; what it calls of the rest of the daemon is faked
 * here: the control sender records what would be sent, the clock is ours.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../daemon/ntm-node/path.c"

/* ---- fakes --------------------------------------------------------------- */

static uint64_t fake_now = 1000000;
static uint64_t fake_rand = 1;

struct sent {
	uint8_t type;
	uint32_t key_id;
	uint64_t txn;
	union ntm_body body;
	struct ntm_addr to;
};

static struct sent sent[64];
static unsigned int nsent;
static uint32_t released[16];
static unsigned int nreleased;

uint64_t node_now_ms(void)
{
	return fake_now;
}

uint64_t node_random64(void)
{
	return ++fake_rand;
}

void node_state_dirty(struct node *n)
{
	n->state_dirty = true;
}

void node_dns_path_up(struct node *n, uint32_t id)
{
	if (nreleased < 16)
		released[nreleased++] = id;
}

int node_ctl_send(struct node *n, uint8_t type, uint32_t key_id,
		  uint64_t txn, const uint8_t *key, const union ntm_body *b,
		  const struct ntm_addr *to)
{
	if (nsent < 64)
		sent[nsent++] = (struct sent){ .type = type, .key_id = key_id,
					       .txn = txn, .body = *b, .to = *to };
	return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static struct ntm_addr ep(const char *s)
{
	struct ntm_addr a;

	assert_int_equal(ntm_addr_parse(&a, s), NTM_OK);
	return a;
}

static struct ntm_route_direction rd_rs_s(uint8_t leg)
{
	struct ntm_route_direction rd = {
		.status = NTM_OK, .route = NTM_ROUTE_RS_S, .leg = leg,
		.path_id = 5, .peer_node_id = leg ? 11 : 12, .refresh = 120,
	};
	unsigned int i;

	rd.tunnel = ep("198.51.100.10:7701");
	rd.control = ep("198.51.100.10:7700");
	rd.local_vip = ep(leg ? "100.64.0.2" : "100.64.0.1");
	rd.peer_vip = ep(leg ? "100.64.0.1" : "100.64.0.2");
	for (i = 0; i < 32; i++)
		rd.path_key[i] = (uint8_t)i;
	return rd;
}

static struct node *node_new(void)
{
	struct node *n = calloc(1, sizeof(*n));

	assert_non_null(n);
	n->udp = n->tun = n->dns = -1;
	n->cfg.keepalive = 10;
	n->cfg.tunnel_port = 7702;
	n->vip = ep("100.64.0.1");
	n->local = ep("10.1.0.2:7702");
	return n;
}

static void node_del(struct node *n)
{
	node_path_free_all(n);
	if (n->udp >= 0)
		close(n->udp);
	if (n->tun >= 0)
		close(n->tun);
	free(n);
}

static int setup(void **state)
{
	nsent = 0;
	nreleased = 0;
	return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void test_direction_and_tunnel(void **state)
{
	struct ntm_route_direction rd = rd_rs_s(NTM_LEG_A);
	struct node *n = node_new();
	struct node_path *p;
	union ntm_body resp;

	p = node_path_direction(n, &rd, "cn.ntm.test");
	assert_non_null(p);
	assert_ptr_equal(node_path_find(n, 5), p);
	assert_ptr_equal(node_path_by_name(n, "CN.ntm.test"), p);
	assert_ptr_equal(node_path_by_peer_vip(n, (uint8_t[]){ 100, 64, 0, 2 }), p);
	assert_false(p->up);
	assert_string_equal(p->peer, "cn.ntm.test");

	/* the Tunnel Request goes to the control endpoint at once */
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].type, NTM_MSG_TUNNEL_REQUEST);
	assert_int_equal(sent[0].key_id, 5);
	assert_true(ntm_addr_equal(&sent[0].to, &rd.control));
	assert_int_equal(sent[0].body.tunnel_request.leg, NTM_LEG_A);
	assert_true(ntm_addr_equal(&sent[0].body.tunnel_request.vip, &rd.local_vip));
	assert_true(ntm_addr_equal(&sent[0].body.tunnel_request.local, &n->local));
	/* retransmitted with the same transaction after 1 s, not before */
	node_path_tick(n, fake_now + 500);
	assert_int_equal(nsent, 1);
	node_path_tick(n, fake_now + 1000);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].txn, sent[0].txn);

	/* a duplicate Route Direction (the DC sends three): nothing new */
	assert_ptr_equal(node_path_direction(n, &rd, NULL), p);
	assert_null(p->next);

	/* a response of another transaction does not count */
	memset(&resp, 0, sizeof(resp));
	resp.tunnel_response.status = NTM_OK;
	resp.tunnel_response.path_id = 5;
	resp.tunnel_response.observed = ep("198.51.100.1:7702");
	node_path_tunnel_rx(n, p, NTM_MSG_TUNNEL_RESPONSE, sent[0].txn + 100,
			    &resp, &rd.control);
	assert_false(p->up);
	node_path_tunnel_rx(n, p, NTM_MSG_TUNNEL_RESPONSE, sent[0].txn, &resp,
			    &rd.control);
	assert_true(p->up);
	assert_int_equal(nreleased, 1);
	assert_int_equal(released[0], 5);
	assert_false(p->active_direct);
	/* no more Tunnel Requests once answered */
	nsent = 0;
	node_path_tick(n, fake_now + 20000);
	assert_int_equal(nsent, 0);

	node_path_remove(n, 5, "test");
	assert_null(node_path_find(n, 5));
	node_del(n);
}

static void test_direct_candidate(void **state)
{
	struct ntm_route_direction rd = rd_rs_s(NTM_LEG_A), cand;
	struct node *n = node_new();
	struct node_path *p = node_path_direction(n, &rd, "cn.ntm.test");
	struct ntm_addr peer = ep("198.51.100.2:7702");
	union ntm_body b;
	uint64_t t0 = fake_now;
	unsigned int i;

	assert_non_null(p);
	p->up = true;
	p->tr_next = 0;
	cand = rd;
	cand.route = NTM_ROUTE_DIRECT;
	cand.tunnel = cand.control = peer;
	nsent = 0;
	assert_ptr_equal(node_path_direction(n, &cand, NULL), p);
	assert_int_equal(p->route, NTM_ROUTE_RS_S);	/* still relayed */
	assert_true(ntm_addr_equal(&p->direct, &peer));
	assert_false(p->active_direct);

	/* Tunnel Requests to the candidate: at once, then every 1 s for 10
	 * tries, then every 30 s */
	assert_int_equal(nsent, 1);
	for (i = 0; i < 15; i++)
		node_path_tick(n, t0 + i * 1000);
	for (i = 0; i < nsent; i++) {
		assert_int_equal(sent[i].type, NTM_MSG_TUNNEL_REQUEST);
		assert_true(ntm_addr_equal(&sent[i].to, &peer));
	}
	assert_int_equal(nsent, 10);
	node_path_tick(n, t0 + 9000 + 30000);
	assert_int_equal(nsent, 11);

	/* the peer's answer: Data goes direct */
	memset(&b, 0, sizeof(b));
	b.tunnel_response.status = NTM_OK;
	b.tunnel_response.path_id = 5;
	fake_now = t0 + 40000;
	node_path_tunnel_rx(n, p, NTM_MSG_TUNNEL_RESPONSE, sent[0].txn, &b, &peer);
	assert_true(p->active_direct);
	/* a keepalive there every 2 s */
	nsent = 0;
	p->direct_tx_ms = fake_now;
	node_path_tick(n, fake_now + 1000);
	assert_true(p->active_direct);
	/* 6 s without anything authenticated from it: back to the relay */
	node_path_tick(n, fake_now + 6001);
	assert_false(p->active_direct);

	/* a Tunnel Request from the peer (its leg B) answers and switches */
	memset(&b, 0, sizeof(b));
	b.tunnel_request.path_id = 5;
	b.tunnel_request.leg = NTM_LEG_B;
	nsent = 0;
	fake_now += 7000;
	peer.port = 40000;	/* its NAT gave it another port: follow it */
	node_path_tunnel_rx(n, p, NTM_MSG_TUNNEL_REQUEST, 77, &b, &peer);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].type, NTM_MSG_TUNNEL_RESPONSE);
	assert_int_equal(sent[0].txn, 77);
	assert_int_equal(sent[0].body.tunnel_response.leg, NTM_LEG_B);
	assert_true(ntm_addr_equal(&sent[0].body.tunnel_response.observed, &peer));
	assert_true(ntm_addr_equal(&sent[0].to, &peer));
	assert_true(p->active_direct);
	assert_true(ntm_addr_equal(&p->direct, &peer));
	/* one of our own leg (reflected): no answer */
	b.tunnel_request.leg = NTM_LEG_A;
	nsent = 0;
	node_path_tunnel_rx(n, p, NTM_MSG_TUNNEL_REQUEST, 78, &b, &peer);
	assert_int_equal(nsent, 0);
	node_del(n);
}

static int udp_lo(struct ntm_addr *a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	assert_int_equal(ntm_addr_from_sockaddr(a, (struct sockaddr_storage *)&sin), NTM_OK);
	return fd;
}

static void test_data(void **state)
{
	struct ntm_route_direction ra = rd_rs_s(NTM_LEG_A), rb = rd_rs_s(NTM_LEG_B);
	struct node *a = node_new(), *b = node_new();
	struct ntm_addr relay, from;
	uint8_t pkt[64 + NTM_DATA_MIN_LEN], buf[2048], got[128];
	int relay_fd, pipefd[2], i;
	ssize_t len;

	relay_fd = udp_lo(&relay);
	a->udp = udp_lo(&from);
	ra.tunnel = relay;
	assert_int_equal(pipe2(pipefd, O_NONBLOCK), 0);
	b->tun = pipefd[1];
	assert_non_null(node_path_direction(a, &ra, "cn.ntm.test"));
	b->tun = -1;	/* no routes in the test: set after the path exists */
	assert_non_null(node_path_direction(b, &rb, NULL));
	b->tun = pipefd[1];

	/* an IPv4 packet from A's VIP to B's, as A's TUN gives it */
	memset(pkt, 0, sizeof(pkt));
	pkt[NTM_DATA_HDR_LEN] = 0x45;
	memcpy(pkt + NTM_DATA_HDR_LEN + 12, (uint8_t[]){ 100, 64, 0, 1 }, 4);
	memcpy(pkt + NTM_DATA_HDR_LEN + 16, (uint8_t[]){ 100, 64, 0, 2 }, 4);
	for (i = 20; i < 64; i++)
		pkt[NTM_DATA_HDR_LEN + i] = (uint8_t)i;
	memcpy(got, pkt + NTM_DATA_HDR_LEN, 64);
	node_path_tun_rx(a, pkt, 64);
	assert_int_equal(node_path_find(a, 5)->tx_packets, 1);
	/* the relay (RS-S) forwards it unchanged */
	len = recv(relay_fd, buf, sizeof(buf), 0);
	assert_int_equal(len, NTM_DATA_MIN_LEN + 64);
	{
		uint8_t copy[2048];

		memcpy(copy, buf, (size_t)len);
		node_path_data_rx(b, buf, (size_t)len, &relay);
		assert_int_equal(node_path_find(b, 5)->rx_packets, 1);
		assert_int_equal(read(pipefd[0], pkt, sizeof(pkt)), 64);
		assert_memory_equal(pkt, got, 64);
		/* replayed: dropped */
		node_path_data_rx(b, copy, (size_t)len, &relay);
		assert_int_equal(node_path_find(b, 5)->rx_packets, 1);
		assert_int_equal(read(pipefd[0], pkt, sizeof(pkt)), -1);
		/* reflected back to its sender (our own leg): dropped */
		memcpy(buf, copy, (size_t)len);
		node_path_data_rx(a, buf, (size_t)len, &relay);
		assert_int_equal(node_path_find(a, 5)->rx_packets, 0);
	}
	/* a packet to an address no path has: not sent */
	memset(pkt, 0, sizeof(pkt));
	pkt[NTM_DATA_HDR_LEN] = 0x45;
	memcpy(pkt + NTM_DATA_HDR_LEN + 16, (uint8_t[]){ 100, 64, 0, 99 }, 4);
	node_path_tun_rx(a, pkt, 64);
	assert_int_equal(recv(relay_fd, buf, sizeof(buf), 0), -1);

	close(relay_fd);
	close(pipefd[0]);
	node_del(a);
	node_del(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_direction_and_tunnel, setup),
		cmocka_unit_test_setup(test_direct_candidate, setup),
		cmocka_unit_test_setup(test_data, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
