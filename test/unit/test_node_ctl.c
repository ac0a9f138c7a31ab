// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-node's control side (daemon/ntm-node/ctl.c, with path.c): the
 * registration with a DC played by this test over loopback sockets (sealed
 * and opened for real), its retransmissions and its clear errors, the
 * re-registration at lifetime/2, an unsolicited Route Direction, a Path
 * Teardown from the DC, and what is dropped unanswered.
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

#include "../../daemon/ntm-node/ctl.c"
#include "../../daemon/ntm-node/path.c"

#define HEX_KEY { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, \
		  0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, \
		  0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, \
		  0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 }

/* ---- fakes --------------------------------------------------------------- */

static uint64_t fake_now = 5000000;

uint64_t node_now_ms(void)
{
	return fake_now;
}

void node_state_dirty(struct node *n)
{
	n->state_dirty = true;
}

int node_dns_route_direction(struct node *n, uint64_t txn,
			     const struct ntm_route_direction *rd)
{
	return 0;
}

void node_dns_path_up(struct node *n, uint32_t id)
{
}

int node_dns_error(struct node *n, uint64_t txn, uint8_t status)
{
	return 0;
}

int node_local_addr(struct node *n, struct ntm_addr *out)
{
	assert_int_equal(ntm_addr_parse(out, "10.1.0.2:7702"), NTM_OK);
	return 0;
}

/* ---- the DC of the test ---------------------------------------------------- */

static const uint8_t node_key[32] = HEX_KEY;

struct dc {
	int fd;
	struct ntm_addr addr;
	struct sockaddr_storage last_from;
};

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

static int dc_lookup(void *arg, uint8_t type, uint32_t key_id, uint8_t *key)
{
	if (key_id != 11)
		return NTM_E_UNKNOWN_KEY;
	memcpy(key, node_key, 32);
	return NTM_OK;
}

/* Receive one message; its type, or -1 if none is waiting. */
static int dc_recv(struct dc *dc, struct ntm_ctl_hdr *h, union ntm_body *b)
{
	uint8_t buf[NTM_CTL_MAX_LEN];
	socklen_t sl = sizeof(dc->last_from);
	ssize_t len = recvfrom(dc->fd, buf, sizeof(buf), 0,
			       (struct sockaddr *)&dc->last_from, &sl);

	if (len < 0)
		return -1;
	assert_int_equal(ntm_ctl_open(buf, (size_t)len, dc_lookup, NULL, NULL,
				      ntm_ctl_now_ms(NULL), h, b), NTM_OK);
	return h->type;
}

/* The header of the next message, not opened (a tunnel key seals it). */
static int dc_recv_hdr(struct dc *dc, struct ntm_ctl_hdr *h)
{
	uint8_t buf[NTM_CTL_MAX_LEN];
	ssize_t len = recv(dc->fd, buf, sizeof(buf), 0);

	if (len < 0)
		return -1;
	assert_int_equal(ntm_ctl_hdr_decode(buf, (size_t)len, h), NTM_OK);
	return h->type;
}

/* Seal @b as @type and give it to the node as if from the DC. */
static void dc_send(struct node *n, struct dc *dc, uint8_t type, uint64_t txn,
		    const union ntm_body *b, const uint8_t *key)
{
	uint8_t buf[NTM_CTL_MAX_LEN];
	ssize_t len = ntm_ctl_seal(NULL, type, 11, txn, key, b, buf, sizeof(buf));

	assert_true(len > 0);
	node_ctl_rx(n, buf, (size_t)len, &dc->addr);
}

static struct node *node_new(struct dc *dc)
{
	struct node *n = calloc(1, sizeof(*n));
	struct ntm_addr me;

	assert_non_null(n);
	n->tun = n->dns = -1;
	n->exit_code = -1;
	n->udp = udp_lo(&me);
	n->cfg.node_id = 11;
	memcpy(n->cfg.key, node_key, 32);
	snprintf(n->cfg.name, sizeof(n->cfg.name), "mn.ntm.test");
	n->cfg.lifetime = 60;
	n->cfg.keepalive = 10;
	n->cfg.tunnel_port = 7702;
	dc->fd = udp_lo(&dc->addr);
	n->cfg.dc = dc->addr;
	n->nonces = ntm_nonce_cache_new(64, NULL);
	assert_non_null(n->nonces);
	return n;
}

static void node_del(struct node *n, struct dc *dc)
{
	node_path_free_all(n);
	ntm_nonce_cache_free(n->nonces);
	close(n->udp);
	close(dc->fd);
	free(n);
}

/* ---- tests --------------------------------------------------------------- */

static void test_register(void **state)
{
	struct dc dc;
	struct node *n = node_new(&dc);
	struct ntm_ctl_hdr h;
	union ntm_body b, r;
	char a[NTM_ADDR_FMT_LEN];
	uint64_t txn;

	node_reg_start(n);
	/* the first Registration Request goes at once */
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	txn = h.txn_id;
	assert_int_equal(h.key_id, 11);
	assert_int_equal(b.registration_request.node_id, 11);
	assert_string_equal(b.registration_request.name, "mn.ntm.test");
	assert_int_equal(b.registration_request.lifetime, 60);
	assert_string_equal(ntm_addr_fmt(&b.registration_request.local, a, sizeof(a)),
			    "10.1.0.2:7702");
	assert_true(ntm_addr_is_none(&b.registration_request.vip_hint));
	/* retransmitted after 1 s with the same transaction, not before */
	node_reg_tick(n, fake_now + 900);
	assert_int_equal(dc_recv(&dc, &h, &b), -1);
	node_reg_tick(n, fake_now + 1000);
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	assert_int_equal(h.txn_id, txn);

	/* an answer of another transaction: ignored */
	memset(&r, 0, sizeof(r));
	r.registration_response.status = NTM_OK;
	r.registration_response.node_id = 11;
	ntm_addr_parse(&r.registration_response.vip, "100.64.0.1");
	ntm_addr_parse(&r.registration_response.observed, "198.51.100.1:7702");
	r.registration_response.lifetime = 40;
	dc_send(n, &dc, NTM_MSG_REGISTRATION_RESPONSE, txn + 1, &r, node_key);
	assert_false(n->registered);
	/* sealed with another key: dropped */
	dc_send(n, &dc, NTM_MSG_REGISTRATION_RESPONSE, txn,
		&r, (const uint8_t[32]){ 0x22 });
	assert_false(n->registered);
	dc_send(n, &dc, NTM_MSG_REGISTRATION_RESPONSE, txn, &r, node_key);
	assert_true(n->registered);
	assert_string_equal(ntm_addr_fmt(&n->vip, a, sizeof(a)), "100.64.0.1");
	assert_string_equal(ntm_addr_fmt(&n->observed, a, sizeof(a)), "198.51.100.1:7702");
	assert_true(n->state_dirty);

	/* again at half the lifetime granted, with the VIP as hint */
	node_reg_tick(n, fake_now + 19999);
	assert_int_equal(dc_recv(&dc, &h, &b), -1);
	node_reg_tick(n, fake_now + 20000);
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	assert_string_equal(ntm_addr_fmt(&b.registration_request.vip_hint, a, sizeof(a)),
			    "100.64.0.1");
	assert_true(h.txn_id != txn);
	node_del(n, &dc);
}

static void test_no_answer(void **state)
{
	struct dc dc;
	struct node *n = node_new(&dc);
	struct ntm_ctl_hdr h;
	union ntm_body b;
	uint64_t t = fake_now;
	int sent = 0, i;

	n->once = true;
	node_reg_start(n);
	/* 1 + 2 + 4 + 8 + 8 s: five tries, then --once gives up */
	for (i = 0; i < 400 && n->exit_code < 0; i++)
		node_reg_tick(n, t + (uint64_t)i * 100);
	while (dc_recv(&dc, &h, &b) == NTM_MSG_REGISTRATION_REQUEST)
		sent++;
	assert_int_equal(sent, NODE_REG_TRIES);
	assert_int_equal(n->exit_code, 1);
	assert_true((uint64_t)(i - 1) * 100 >= 23000);
	node_del(n, &dc);

	/* a daemon keeps trying, every 30 s */
	n = node_new(&dc);
	node_reg_start(n);
	for (i = 0; i < 240; i++)
		node_reg_tick(n, t + (uint64_t)i * 100);
	sent = 0;
	while (dc_recv(&dc, &h, &b) == NTM_MSG_REGISTRATION_REQUEST)
		sent++;
	assert_int_equal(sent, NODE_REG_TRIES);
	assert_int_equal(n->exit_code, -1);
	node_reg_tick(n, t + 23000 + NODE_RETRY_MS);
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	node_del(n, &dc);
}

static void test_refused(void **state)
{
	struct dc dc;
	struct node *n = node_new(&dc);
	struct ntm_ctl_hdr h;
	union ntm_body b, r;

	n->once = true;
	node_reg_start(n);
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	memset(&r, 0, sizeof(r));
	r.registration_response.status = NTM_E_REFUSED;
	r.registration_response.node_id = 11;
	dc_send(n, &dc, NTM_MSG_REGISTRATION_RESPONSE, h.txn_id, &r, node_key);
	assert_false(n->registered);
	assert_int_equal(n->exit_code, 1);
	node_del(n, &dc);

	/* a daemon: CONFLICT, then again in 30 s */
	n = node_new(&dc);
	node_reg_start(n);
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	r.registration_response.status = NTM_E_CONFLICT;
	dc_send(n, &dc, NTM_MSG_REGISTRATION_RESPONSE, h.txn_id, &r, node_key);
	assert_int_equal(n->exit_code, -1);
	node_reg_tick(n, fake_now + NODE_RETRY_MS - 1);
	assert_int_equal(dc_recv(&dc, &h, &b), -1);
	node_reg_tick(n, fake_now + NODE_RETRY_MS);
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	node_del(n, &dc);
}

static void test_unsolicited_and_teardown(void **state)
{
	struct dc dc;
	struct node *n = node_new(&dc);
	struct ntm_ctl_hdr h;
	union ntm_body b, r;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.route_direction.status = NTM_OK;
	r.route_direction.route = NTM_ROUTE_RS_S;
	r.route_direction.leg = NTM_LEG_B;
	r.route_direction.path_id = 9;
	r.route_direction.peer_node_id = 12;
	ntm_addr_parse(&r.route_direction.tunnel, "198.51.100.10:7701");
	r.route_direction.control = dc.addr;	/* the test plays the RS too */
	ntm_addr_parse(&r.route_direction.local_vip, "100.64.0.1");
	ntm_addr_parse(&r.route_direction.peer_vip, "100.64.0.2");
	for (i = 0; i < 32; i++)
		r.route_direction.path_key[i] = (uint8_t)(i * 7);
	/* leg B of an RS-S path: set up, Tunnel Request to the control endpoint */
	dc_send(n, &dc, NTM_MSG_ROUTE_DIRECTION, 1234, &r, node_key);
	assert_non_null(node_path_find(n, 9));
	assert_int_equal(node_path_find(n, 9)->leg, NTM_LEG_B);
	/* the same, again (the DC sends it three times): one path */
	dc_send(n, &dc, NTM_MSG_ROUTE_DIRECTION, 1234, &r, node_key);
	assert_null(node_path_find(n, 9)->next);
	{
		uint8_t buf[NTM_CTL_MAX_LEN];
		struct ntm_path_keys k;
		ssize_t len = recv(dc.fd, buf, sizeof(buf), 0);

		assert_true(len > 0);
		assert_int_equal(ntm_path_keys_derive(r.route_direction.path_key, &k), NTM_OK);
		assert_int_equal(ntm_ctl_hdr_decode(buf, (size_t)len, &h), NTM_OK);
		assert_int_equal(h.type, NTM_MSG_TUNNEL_REQUEST);
		assert_int_equal(h.key_id, 9);
		ntm_path_keys_wipe(&k);
	}
	/* a Path Teardown from the DC removes it */
	memset(&b, 0, sizeof(b));
	b.path_teardown.path_id = 9;
	b.path_teardown.reason = NTM_TEARDOWN_EXPIRED;
	dc_send(n, &dc, NTM_MSG_PATH_TEARDOWN, 99, &b, node_key);
	assert_null(node_path_find(n, 9));
	node_del(n, &dc);
}

/* The same local address behind another NAT: the registration's observed
 * endpoint changes, and every path gets a Tunnel Request again. */
static void test_observed_changes(void **state)
{
	struct dc dc;
	struct node *n = node_new(&dc);
	struct ntm_route_direction rd;
	struct ntm_ctl_hdr h;
	union ntm_body b, r;
	struct node_path *p;

	node_reg_start(n);
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	memset(&r, 0, sizeof(r));
	r.registration_response.node_id = 11;
	ntm_addr_parse(&r.registration_response.vip, "100.64.0.1");
	ntm_addr_parse(&r.registration_response.observed, "198.51.100.1:7702");
	r.registration_response.lifetime = 60;
	dc_send(n, &dc, NTM_MSG_REGISTRATION_RESPONSE, h.txn_id, &r, node_key);
	assert_true(n->registered);

	memset(&rd, 0, sizeof(rd));
	rd.status = NTM_OK;
	rd.route = NTM_ROUTE_RS_N;
	rd.path_id = 3;
	ntm_addr_parse(&rd.tunnel, "198.51.100.10:7701");
	rd.control = dc.addr;
	ntm_addr_parse(&rd.local_vip, "100.64.0.1");
	ntm_addr_parse(&rd.peer_vip, "100.65.0.1");
	p = node_path_direction(n, &rd, "gh.ntm.test");
	assert_non_null(p);
	assert_int_equal(dc_recv_hdr(&dc, &h), NTM_MSG_TUNNEL_REQUEST);
	p->tr_next = 0;		/* answered */
	p->up = true;

	/* the same observed again: nothing */
	node_reg_start(n);
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	dc_send(n, &dc, NTM_MSG_REGISTRATION_RESPONSE, h.txn_id, &r, node_key);
	assert_int_equal(dc_recv_hdr(&dc, &h), -1);
	assert_int_equal(n->move_start, 0);
	/* another one: a Tunnel Request on the path, the move timed */
	node_reg_start(n);
	assert_int_equal(dc_recv(&dc, &h, &b), NTM_MSG_REGISTRATION_REQUEST);
	ntm_addr_parse(&r.registration_response.observed, "198.51.100.3:7702");
	dc_send(n, &dc, NTM_MSG_REGISTRATION_RESPONSE, h.txn_id, &r, node_key);
	assert_int_equal(dc_recv_hdr(&dc, &h), NTM_MSG_TUNNEL_REQUEST);
	assert_int_equal(h.key_id, 3);
	assert_true(n->move_start != 0);
	assert_true(p->tr_next != 0);
	node_del(n, &dc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_no_answer),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_unsolicited_and_teardown),
		cmocka_unit_test(test_observed_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
