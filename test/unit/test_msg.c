// SPDX-License-Identifier: MIT
/*
 * Control message bodies, ntm_addr, the NTM record and status names
 * (lib/msg.c, lib/addr.c, lib/status.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <ntm/msg.h>
#include <ntm/status.h>

/*
 * Golden bodies: produced by `tools/gen-fuzz-corpus --golden`, which packs
 * the tables of docs/protocol.md with Python's struct module, independently
 * of lib/msg.c. The values are those of sample_body() below.
 */
static const uint8_t golden_registration_request[67] = {
	0x0a, 0x0b, 0x0c, 0x0d, 0x04, 0x00, 0x9c, 0x40, 0xc0, 0xa8, 0x01, 0x0a,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x10,
	0x0f, 0x00, 0x00, 0x00, 0x6d, 0x6e, 0x31, 0x2e, 0x65, 0x78, 0x61, 0x6d,
	0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67,
};
static const uint8_t golden_registration_response[52] = {
	0x00, 0x00, 0x00, 0x00, 0x0a, 0x0b, 0x0c, 0x0d, 0x04, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x1e, 0x15, 0xc6, 0x33, 0x64, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x07, 0x08,
};
static const uint8_t golden_direction_request[72] = {
	0x00, 0x00, 0x00, 0x01, 0x01, 0x11, 0x13, 0xc4, 0x00, 0x00, 0x00, 0x02,
	0x04, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x9c, 0x41,
	0xcb, 0x00, 0x71, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x1e, 0x14, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,
};
static const uint8_t golden_route_direction[128] = {
	0x00, 0x02, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x01, 0x2c, 0x04, 0x00, 0x1e, 0x15, 0xc6, 0x33, 0x64, 0x09,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x1e, 0x14, 0xc6, 0x33, 0x64, 0x09, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b,
	0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
};
static const uint8_t golden_relay_direction[192] = {
	0x11, 0x22, 0x33, 0x44, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
	0xcb, 0x00, 0x71, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
	0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b,
	0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43,
	0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
};
static const uint8_t golden_direction_response[48] = {
	0x00, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x06, 0x00, 0x1e, 0x15,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x09, 0x06, 0x00, 0x1e, 0x14, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
};
static const uint8_t golden_tunnel_request[48] = {
	0x11, 0x22, 0x33, 0x44, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
	0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x06, 0x00, 0x15, 0xb3, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x77,
};
static const uint8_t golden_tunnel_response[28] = {
	0x00, 0x01, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44, 0x04, 0x00, 0x9c, 0x41,
	0xcb, 0x00, 0x71, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};
static const uint8_t golden_path_teardown[8] = {
	0x11, 0x22, 0x33, 0x44, 0x02, 0x00, 0x00, 0x00,
};
static const uint8_t golden_error[8] = {
	0x0a, 0x07, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44,
};
static const uint8_t golden_record[88] = {
	0x01, 0x01, 0x00, 0x00, 0x0a, 0x0b, 0x0c, 0x0d, 0x04, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x9c, 0x40, 0xc0, 0xa8, 0x01, 0x0a,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x9c, 0x41, 0xcb, 0x00, 0x71, 0x05, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x1e, 0x14,
	0xc6, 0x33, 0x64, 0x35, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

static struct ntm_addr ad(const char *s)
{
	struct ntm_addr a;

	assert_int_equal(ntm_addr_parse(&a, s), NTM_OK);
	return a;
}

static void fill(uint8_t *p, uint8_t first, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

/* The struct each golden array encodes. */
static void sample_body(uint8_t type, union ntm_body *b)
{
	memset(b, 0, sizeof(*b));
	switch (type) {
	case NTM_MSG_REGISTRATION_REQUEST: {
		struct ntm_registration_request *m = &b->registration_request;

		m->node_id = 0x0a0b0c0d;
		m->local = ad("192.168.1.10:40000");
		m->vip_hint = ad("10.0.0.2");
		m->lifetime = 3600;
		strcpy(m->name, "mn1.example.org");
		break;
	}
	case NTM_MSG_REGISTRATION_RESPONSE: {
		struct ntm_registration_response *m = &b->registration_response;

		m->status = NTM_OK;
		m->node_id = 0x0a0b0c0d;
		m->vip = ad("10.0.0.2");
		m->observed = ad("198.51.100.1:7701");
		m->lifetime = 1800;
		break;
	}
	case NTM_MSG_DIRECTION_REQUEST: {
		struct ntm_direction_request *m = &b->direction_request;

		m->node_id = 1;
		m->peer_kind = NTM_PEER_NODE;
		m->proto = 17;
		m->port = 5060;
		m->peer_node_id = 2;
		m->peer_vip = ad("10.0.0.3");
		m->peer_addr = ad("203.0.113.5:40001");
		m->peer_dc = ad("[2001:db8::53]:7700");
		break;
	}
	case NTM_MSG_ROUTE_DIRECTION: {
		struct ntm_route_direction *m = &b->route_direction;

		m->status = NTM_OK;
		m->route = NTM_ROUTE_RS_S;
		m->leg = NTM_LEG_A;
		m->path_id = 0x11223344;
		m->peer_node_id = 2;
		m->refresh = 300;
		m->tunnel = ad("198.51.100.9:7701");
		m->control = ad("198.51.100.9:7700");
		m->local_vip = ad("10.0.0.2");
		m->peer_vip = ad("10.0.0.3");
		fill(m->path_key, 0x80, sizeof(m->path_key));
		break;
	}
	case NTM_MSG_RELAY_DIRECTION: {
		struct ntm_relay_direction *m = &b->relay_direction;

		m->path_id = 0x11223344;
		m->rs_type = NTM_RS_TYPE_N;
		m->refresh = 300;
		m->leg_a_vip = ad("10.0.0.2");
		m->leg_b_vip = ad("10.0.0.100");
		m->host = ad("203.0.113.80");
		fill(m->relay_key, 0x00, sizeof(m->relay_key));
		fill(m->data_key, 0x10, sizeof(m->data_key));
		fill(m->tunnel_key, 0x30, sizeof(m->tunnel_key));
		break;
	}
	case NTM_MSG_DIRECTION_RESPONSE: {
		struct ntm_direction_response *m = &b->direction_response;

		m->status = NTM_OK;
		m->path_id = 0x11223344;
		m->tunnel = ad("[2001:db8::9]:7701");
		m->control = ad("[2001:db8::9]:7700");
		break;
	}
	case NTM_MSG_TUNNEL_REQUEST: {
		struct ntm_tunnel_request *m = &b->tunnel_request;

		m->path_id = 0x11223344;
		m->leg = NTM_LEG_B;
		m->vip = ad("fd00::3");
		m->local = ad("[2001:db8::77]:5555");
		break;
	}
	case NTM_MSG_TUNNEL_RESPONSE: {
		struct ntm_tunnel_response *m = &b->tunnel_response;

		m->status = NTM_OK;
		m->leg = NTM_LEG_B;
		m->path_id = 0x11223344;
		m->observed = ad("203.0.113.5:40001");
		break;
	}
	case NTM_MSG_PATH_TEARDOWN:
		b->path_teardown.path_id = 0x11223344;
		b->path_teardown.reason = NTM_TEARDOWN_MOVED;
		break;
	case NTM_MSG_ERROR:
		b->error.status = NTM_E_UNKNOWN_PATH;
		b->error.type = NTM_MSG_TUNNEL_REQUEST;
		b->error.path_id = 0x11223344;
		break;
	}
}

static void sample_record(struct ntm_record *r)
{
	memset(r, 0, sizeof(*r));
	r->flags = NTM_RECORD_F_NAT;
	r->node_id = 0x0a0b0c0d;
	r->vip = ad("10.0.0.2");
	r->local = ad("192.168.1.10:40000");
	r->observed = ad("203.0.113.5:40001");
	r->dc = ad("198.51.100.53:7700");
}

struct body_case {
	uint8_t type;
	const uint8_t *golden;
	size_t len;
	size_t struct_size;
	size_t reserved[8];	/* offsets of the reserved bytes */
	size_t nreserved;
	size_t addrs[5];	/* offsets of the ntm_addr fields */
	size_t naddrs;
};

#define GOLD(x) golden_##x, sizeof(golden_##x), sizeof(struct ntm_##x)

static const struct body_case cases[] = {
	{ NTM_MSG_REGISTRATION_REQUEST, GOLD(registration_request),
	  { 49, 50, 51 }, 3, { 4, 24 }, 2 },
	{ NTM_MSG_REGISTRATION_RESPONSE, GOLD(registration_response),
	  { 1, 2, 3 }, 3, { 8, 28 }, 2 },
	{ NTM_MSG_DIRECTION_REQUEST, GOLD(direction_request),
	  { 0 }, 0, { 12, 32, 52 }, 3 },
	{ NTM_MSG_ROUTE_DIRECTION, GOLD(route_direction),
	  { 3 }, 1, { 16, 36, 56, 76 }, 4 },
	{ NTM_MSG_RELAY_DIRECTION, GOLD(relay_direction),
	  { 5, 6, 7 }, 3, { 12, 32, 52, 72, 92 }, 5 },
	{ NTM_MSG_DIRECTION_RESPONSE, GOLD(direction_response),
	  { 1, 2, 3 }, 3, { 8, 28 }, 2 },
	{ NTM_MSG_TUNNEL_REQUEST, GOLD(tunnel_request),
	  { 5, 6, 7 }, 3, { 8, 28 }, 2 },
	{ NTM_MSG_TUNNEL_RESPONSE, GOLD(tunnel_response),
	  { 2, 3 }, 2, { 8 }, 1 },
	{ NTM_MSG_PATH_TEARDOWN, GOLD(path_teardown), { 5, 6, 7 }, 3, { 0 }, 0 },
	{ NTM_MSG_ERROR, golden_error, sizeof(golden_error),
	  sizeof(struct ntm_error_msg), { 2, 3 }, 2, { 0 }, 0 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static int decode_mod(const struct body_case *c, size_t off, uint8_t val)
{
	uint8_t buf[NTM_BODY_MAX_LEN];
	union ntm_body b;

	memcpy(buf, c->golden, c->len);
	buf[off] = val;
	return ntm_body_decode(c->type, buf, c->len, &b);
}

static void test_body_encode_matches_golden(void **state)
{
	uint8_t out[NTM_BODY_MAX_LEN];
	union ntm_body b;
	size_t i;

	for (i = 0; i < NCASES; i++) {
		sample_body(cases[i].type, &b);
		assert_int_equal(ntm_body_len(cases[i].type, &b), cases[i].len);
		assert_int_equal(ntm_body_encode(cases[i].type, &b, out, sizeof(out)),
				 cases[i].len);
		assert_memory_equal(out, cases[i].golden, cases[i].len);
	}
}

static void test_body_decode_matches_sample(void **state)
{
	union ntm_body got, want;
	size_t i;

	for (i = 0; i < NCASES; i++) {
		sample_body(cases[i].type, &want);
		assert_int_equal(ntm_body_decode(cases[i].type, cases[i].golden,
						 cases[i].len, &got), NTM_OK);
		assert_memory_equal(&got, &want, cases[i].struct_size);
	}
}

static void test_body_round_trip(void **state)
{
	uint8_t out[NTM_BODY_MAX_LEN], again[NTM_BODY_MAX_LEN];
	union ntm_body b, d;
	ssize_t n;
	size_t i;

	for (i = 0; i < NCASES; i++) {
		sample_body(cases[i].type, &b);
		n = ntm_body_encode(cases[i].type, &b, out, sizeof(out));
		assert_true(n > 0);
		assert_int_equal(ntm_body_decode(cases[i].type, out, (size_t)n, &d),
				 NTM_OK);
		assert_memory_equal(&d, &b, cases[i].struct_size);
		assert_int_equal(ntm_body_encode(cases[i].type, &d, again,
						 sizeof(again)), n);
		assert_memory_equal(again, out, (size_t)n);
	}
}

static void test_body_every_truncation(void **state)
{
	union ntm_body b;
	size_t i, len;

	for (i = 0; i < NCASES; i++)
		for (len = 0; len < cases[i].len; len++)
			assert_int_equal(ntm_body_decode(cases[i].type, cases[i].golden,
							 len, &b), NTM_E_TRUNCATED);
}

static void test_body_too_long(void **state)
{
	uint8_t buf[NTM_BODY_MAX_LEN + 1] = { 0 };
	union ntm_body b;
	size_t i;

	for (i = 0; i < NCASES; i++) {
		memcpy(buf, cases[i].golden, cases[i].len);
		assert_int_equal(ntm_body_decode(cases[i].type, buf, cases[i].len + 1,
						 &b), NTM_E_LENGTH);
	}
}

static void test_body_reserved_bytes(void **state)
{
	size_t i, j, k;

	for (i = 0; i < NCASES; i++) {
		const struct body_case *c = &cases[i];

		for (j = 0; j < c->nreserved; j++) {
			assert_int_equal(decode_mod(c, c->reserved[j], 0x01), NTM_E_MALFORMED);
			assert_int_equal(decode_mod(c, c->reserved[j], 0x80), NTM_E_MALFORMED);
		}
		/* The reserved byte of every address field. */
		for (k = 0; k < c->naddrs; k++)
			assert_int_equal(decode_mod(c, c->addrs[k] + 1, 0x01),
					 NTM_E_MALFORMED);
	}
}

static void test_body_bad_family(void **state)
{
	static const uint8_t bad[] = { 1, 2, 3, 5, 7, 0x40, 0x84, 0xff };
	size_t i, j, k;

	for (i = 0; i < NCASES; i++) {
		const struct body_case *c = &cases[i];

		for (k = 0; k < c->naddrs; k++)
			for (j = 0; j < sizeof(bad); j++)
				assert_int_equal(decode_mod(c, c->addrs[k], bad[j]),
						 NTM_E_MALFORMED);
	}
}

/* Family 0 with anything else set, IPv4 with bytes 8..19 set. */
static void test_addr_wire_padding(void **state)
{
	uint8_t raw[NTM_ADDR_LEN];
	struct ntm_addr a;
	int i;

	for (i = 2; i < NTM_ADDR_LEN; i++) {
		memset(raw, 0, sizeof(raw));
		raw[i] = 1;
		assert_int_equal(ntm_addr_decode(raw, &a), NTM_E_MALFORMED);
	}
	for (i = 8; i < NTM_ADDR_LEN; i++) {
		memset(raw, 0, sizeof(raw));
		raw[0] = NTM_AF_INET;
		raw[4] = 192;
		raw[i] = 1;
		assert_int_equal(ntm_addr_decode(raw, &a), NTM_E_MALFORMED);
	}
	memset(raw, 0, sizeof(raw));
	raw[0] = NTM_AF_INET;
	raw[4] = 192;
	raw[7] = 1;
	assert_int_equal(ntm_addr_decode(raw, &a), NTM_OK);
	memset(raw, 0xff, sizeof(raw));
	raw[0] = NTM_AF_INET6;
	raw[1] = 0;
	assert_int_equal(ntm_addr_decode(raw, &a), NTM_OK);
	assert_int_equal(a.port, 0xffff);
}

static void test_addr_encode_rejects_malformed(void **state)
{
	uint8_t raw[NTM_ADDR_LEN];
	struct ntm_addr a = { .family = 5 };

	assert_int_equal(ntm_addr_encode(&a, raw), NTM_E_MALFORMED);
	a = (struct ntm_addr){ .family = NTM_AF_NONE, .port = 1 };
	assert_int_equal(ntm_addr_encode(&a, raw), NTM_E_MALFORMED);
	a = (struct ntm_addr){ .family = NTM_AF_INET, .addr = { [4] = 1 } };
	assert_int_equal(ntm_addr_encode(&a, raw), NTM_E_MALFORMED);
	a = (struct ntm_addr){ .family = NTM_AF_NONE };
	assert_int_equal(ntm_addr_encode(&a, raw), NTM_OK);
}

/* Each enum field: the last value in range passes, the first out fails. */
static void test_body_enum_ranges(void **state)
{
	const struct body_case *c;

	/* Registration Response: status <= 16; VIP none unless OK. */
	c = &cases[1];
	assert_int_equal(decode_mod(c, 0, NTM_E_INTERNAL), NTM_E_MALFORMED);
	{
		uint8_t buf[52];
		union ntm_body b;

		memcpy(buf, c->golden, sizeof(buf));
		memset(buf + 8, 0, NTM_ADDR_LEN);
		buf[0] = NTM_E_INTERNAL;
		assert_int_equal(ntm_body_decode(c->type, buf, 52, &b), NTM_OK);
		buf[0] = NTM_STATUS_MAX + 1;
		assert_int_equal(ntm_body_decode(c->type, buf, 52, &b), NTM_E_MALFORMED);
	}
	/* Direction Request: peer kind 1..2; a host has no node id, no VIP. */
	c = &cases[2];
	assert_int_equal(decode_mod(c, 4, 0), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 4, 3), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 4, NTM_PEER_HOST), NTM_E_MALFORMED);
	{
		uint8_t buf[72];
		union ntm_body b;

		memcpy(buf, c->golden, sizeof(buf));
		buf[4] = NTM_PEER_HOST;
		memset(buf + 8, 0, 4 + NTM_ADDR_LEN);
		assert_int_equal(ntm_body_decode(c->type, buf, 72, &b), NTM_OK);
		assert_int_equal(b.direction_request.peer_kind, NTM_PEER_HOST);
	}
	/* Route Direction: status, route 1..4, leg 0..1, PathID if OK. */
	c = &cases[3];
	assert_int_equal(decode_mod(c, 0, NTM_STATUS_MAX + 1), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 1, 0), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 1, 5), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 1, NTM_ROUTE_DIRECT), NTM_OK);
	assert_int_equal(decode_mod(c, 1, NTM_ROUTE_RS_T), NTM_OK);
	assert_int_equal(decode_mod(c, 2, 2), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 2, NTM_LEG_B), NTM_OK);
	{
		uint8_t buf[128];
		union ntm_body b;

		memcpy(buf, c->golden, sizeof(buf));
		memset(buf + 4, 0, 4);
		assert_int_equal(ntm_body_decode(c->type, buf, 128, &b), NTM_E_MALFORMED);
		buf[0] = NTM_E_REFUSED;
		assert_int_equal(ntm_body_decode(c->type, buf, 128, &b), NTM_OK);
	}
	/* Relay Direction: PathID, RS type 1..3, RS-S without data key, host
	 * only for RS-N. */
	c = &cases[4];
	assert_int_equal(decode_mod(c, 4, 0), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 4, 4), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 4, NTM_RS_TYPE_S), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 4, NTM_RS_TYPE_T), NTM_E_MALFORMED);
	{
		uint8_t buf[192];
		union ntm_body b;

		memcpy(buf, c->golden, sizeof(buf));
		memset(buf + 92, 0, NTM_ADDR_LEN);
		buf[4] = NTM_RS_TYPE_T;
		assert_int_equal(ntm_body_decode(c->type, buf, 192, &b), NTM_OK);
		buf[4] = NTM_RS_TYPE_S;
		assert_int_equal(ntm_body_decode(c->type, buf, 192, &b), NTM_E_MALFORMED);
		memset(buf + 128, 0, 32);
		assert_int_equal(ntm_body_decode(c->type, buf, 192, &b), NTM_OK);
		memset(buf, 0, 4);
		assert_int_equal(ntm_body_decode(c->type, buf, 192, &b), NTM_E_MALFORMED);
	}
	/* Direction Response: status, PathID. */
	c = &cases[5];
	assert_int_equal(decode_mod(c, 0, NTM_STATUS_MAX + 1), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 0, NTM_STATUS_MAX), NTM_OK);
	{
		uint8_t buf[48];
		union ntm_body b;

		memcpy(buf, c->golden, sizeof(buf));
		memset(buf + 4, 0, 4);
		assert_int_equal(ntm_body_decode(c->type, buf, 48, &b), NTM_E_MALFORMED);
	}
	/* Tunnel Request: leg 0..1, PathID. */
	c = &cases[6];
	assert_int_equal(decode_mod(c, 4, 2), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 4, NTM_LEG_A), NTM_OK);
	/* Tunnel Response: status, leg. */
	c = &cases[7];
	assert_int_equal(decode_mod(c, 0, NTM_STATUS_MAX + 1), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 1, 2), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 1, NTM_LEG_A), NTM_OK);
	/* Path Teardown: reason 0..3. */
	c = &cases[8];
	assert_int_equal(decode_mod(c, 4, NTM_TEARDOWN_ERROR), NTM_OK);
	assert_int_equal(decode_mod(c, 4, NTM_TEARDOWN_ERROR + 1), NTM_E_MALFORMED);
	/* Error: status 1..16, a known type; PathID 0 is allowed. */
	c = &cases[9];
	assert_int_equal(decode_mod(c, 0, NTM_OK), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 0, NTM_STATUS_MAX + 1), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 0, NTM_E_TRUNCATED), NTM_OK);
	assert_int_equal(decode_mod(c, 1, 0x00), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 1, 0x0b), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 1, 0x82), NTM_E_MALFORMED);
	assert_int_equal(decode_mod(c, 1, NTM_MSG_DATA), NTM_OK);
	assert_int_equal(decode_mod(c, 1, NTM_MSG_ERROR), NTM_OK);
}

/* PathID 0 where the tables say "never 0". */
static void test_body_path_id_zero(void **state)
{
	static const uint8_t types[] = {
		NTM_MSG_RELAY_DIRECTION, NTM_MSG_TUNNEL_REQUEST,
		NTM_MSG_PATH_TEARDOWN,
	};
	union ntm_body b;
	uint8_t out[NTM_BODY_MAX_LEN];
	size_t i;

	for (i = 0; i < sizeof(types); i++) {
		sample_body(types[i], &b);
		/* path_id is the first member of each of these. */
		memset(&b, 0, sizeof(uint32_t));
		assert_int_equal(ntm_body_encode(types[i], &b, out, sizeof(out)),
				 -NTM_E_MALFORMED);
	}
	sample_body(NTM_MSG_TUNNEL_RESPONSE, &b);
	b.tunnel_response.path_id = 0;
	assert_int_equal(ntm_body_check(NTM_MSG_TUNNEL_RESPONSE, &b), NTM_E_MALFORMED);
	sample_body(NTM_MSG_ERROR, &b);
	b.error.path_id = 0;
	assert_int_equal(ntm_body_check(NTM_MSG_ERROR, &b), NTM_OK);
}

static void test_body_encode_rejects_invalid_struct(void **state)
{
	uint8_t out[NTM_BODY_MAX_LEN];
	union ntm_body b;

	sample_body(NTM_MSG_ROUTE_DIRECTION, &b);
	b.route_direction.route = 9;
	assert_int_equal(ntm_body_encode(NTM_MSG_ROUTE_DIRECTION, &b, out, sizeof(out)),
			 -NTM_E_MALFORMED);
	sample_body(NTM_MSG_TUNNEL_REQUEST, &b);
	b.tunnel_request.vip.family = 5;
	assert_int_equal(ntm_body_encode(NTM_MSG_TUNNEL_REQUEST, &b, out, sizeof(out)),
			 -NTM_E_MALFORMED);
	sample_body(NTM_MSG_RELAY_DIRECTION, &b);
	b.relay_direction.rs_type = NTM_RS_TYPE_S;
	assert_int_equal(ntm_body_encode(NTM_MSG_RELAY_DIRECTION, &b, out, sizeof(out)),
			 -NTM_E_MALFORMED);
}

static void test_body_encode_capacity(void **state)
{
	uint8_t out[NTM_BODY_MAX_LEN];
	union ntm_body b;
	size_t i;

	for (i = 0; i < NCASES; i++) {
		sample_body(cases[i].type, &b);
		assert_int_equal(ntm_body_encode(cases[i].type, &b, out, cases[i].len - 1),
				 -NTM_E_LENGTH);
		assert_int_equal(ntm_body_encode(cases[i].type, &b, out, cases[i].len),
				 cases[i].len);
	}
}

static void test_body_unknown_type(void **state)
{
	static const uint8_t types[] = { 0x00, 0x0b, 0x7f, NTM_MSG_DATA,
					 NTM_MSG_KEEPALIVE, 0xff };
	uint8_t out[NTM_BODY_MAX_LEN];
	union ntm_body b;
	size_t i;

	sample_body(NTM_MSG_PATH_TEARDOWN, &b);
	for (i = 0; i < sizeof(types); i++) {
		assert_int_equal(ntm_body_decode(types[i], golden_path_teardown, 8, &b),
				 NTM_E_TYPE);
		assert_int_equal(ntm_body_encode(types[i], &b, out, sizeof(out)),
				 -NTM_E_TYPE);
		assert_int_equal(ntm_body_len(types[i], &b), -NTM_E_TYPE);
	}
}

/* A Registration Request body carrying @name as @n bytes. */
static size_t reg_req_with_name(uint8_t *buf, const char *name, size_t n)
{
	memcpy(buf, golden_registration_request, 52);
	buf[48] = (uint8_t)n;
	memcpy(buf + 52, name, n);
	return 52 + n;
}

static void test_name_valid(void **state)
{
	char l63[64], longest[NTM_NAME_MAX + 1];
	const char *ok[] = { "a", "mn1.example.org", "A-b.C9", "xn--bcher-kva.example",
			     "1.2.3.4", "-", l63, longest };
	uint8_t buf[NTM_BODY_MAX_LEN];
	union ntm_body b;
	size_t i, n;

	memset(l63, 'x', 63);
	l63[63] = '\0';
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	memset(longest, 'y', NTM_NAME_MAX);
	longest[63] = longest[127] = longest[191] = '.';
	longest[NTM_NAME_MAX] = '\0';
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = reg_req_with_name(buf, ok[i], strlen(ok[i]));
		assert_int_equal(ntm_body_decode(NTM_MSG_REGISTRATION_REQUEST, buf, n, &b),
				 NTM_OK);
		assert_string_equal(b.registration_request.name, ok[i]);
	}
}

static void test_name_invalid(void **state)
{
	static const struct { const char *s; size_t n; } bad[] = {
		{ "", 0 }, { "a.", 2 }, { ".a", 2 }, { "a..b", 4 }, { ".", 1 },
		{ "a_b", 3 }, { "a b", 3 }, { "a\0b", 3 }, { "a/b", 3 },
		{ "\xc3\xa9t\xc3\xa9", 6 }, { "a\n", 2 }, { "a*", 2 },
	};
	char l64[65], toolong[256];
	uint8_t buf[52 + 256];
	union ntm_body b;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = reg_req_with_name(buf, bad[i].s, bad[i].n);
		assert_int_equal(ntm_body_decode(NTM_MSG_REGISTRATION_REQUEST, buf, n, &b),
				 NTM_E_MALFORMED);
	}
	memset(l64, 'x', 64);
	l64[64] = '\0';
	n = reg_req_with_name(buf, l64, 64);
	assert_int_equal(ntm_body_decode(NTM_MSG_REGISTRATION_REQUEST, buf, n, &b),
			 NTM_E_MALFORMED);
	/* name_len 254 and 255: longer than an FQDN can be. */
	memset(toolong, 'z', sizeof(toolong));
	for (i = 60; i < 254; i += 61)
		toolong[i] = '.';
	for (n = 254; n <= 255; n++) {
		size_t len = reg_req_with_name(buf, toolong, n);

		assert_int_equal(ntm_body_decode(NTM_MSG_REGISTRATION_REQUEST, buf, len, &b),
				 NTM_E_MALFORMED);
	}
}

/* name_len must end the name exactly at the end of the body. */
static void test_name_len_mismatch(void **state)
{
	uint8_t buf[NTM_BODY_MAX_LEN];
	union ntm_body b;
	size_t n = reg_req_with_name(buf, "host.example", 12);

	buf[48] = 13;
	assert_int_equal(ntm_body_decode(NTM_MSG_REGISTRATION_REQUEST, buf, n, &b),
			 NTM_E_TRUNCATED);
	buf[48] = 11;
	assert_int_equal(ntm_body_decode(NTM_MSG_REGISTRATION_REQUEST, buf, n, &b),
			 NTM_E_LENGTH);
	buf[48] = 12;
	assert_int_equal(ntm_body_decode(NTM_MSG_REGISTRATION_REQUEST, buf, n, &b),
			 NTM_OK);
}

static void test_name_encode_checks(void **state)
{
	uint8_t out[NTM_BODY_MAX_LEN];
	union ntm_body b;

	sample_body(NTM_MSG_REGISTRATION_REQUEST, &b);
	strcpy(b.registration_request.name, "bad_name");
	assert_int_equal(ntm_body_encode(NTM_MSG_REGISTRATION_REQUEST, &b, out, sizeof(out)),
			 -NTM_E_MALFORMED);
	strcpy(b.registration_request.name, "");
	assert_int_equal(ntm_body_encode(NTM_MSG_REGISTRATION_REQUEST, &b, out, sizeof(out)),
			 -NTM_E_MALFORMED);
	/* No NUL anywhere: never read past the array. */
	memset(b.registration_request.name, 'a', sizeof(b.registration_request.name));
	assert_int_equal(ntm_body_encode(NTM_MSG_REGISTRATION_REQUEST, &b, out, sizeof(out)),
			 -NTM_E_MALFORMED);
	assert_int_equal(ntm_fqdn_check("a.b", 3), NTM_OK);
	assert_int_equal(ntm_fqdn_check("a.b.", 4), NTM_E_MALFORMED);
}

static void test_record_golden(void **state)
{
	uint8_t out[NTM_RECORD_LEN];
	struct ntm_record r, want;

	sample_record(&want);
	assert_int_equal(ntm_record_encode(&want, out), NTM_OK);
	assert_memory_equal(out, golden_record, NTM_RECORD_LEN);
	assert_int_equal(ntm_record_decode(golden_record, NTM_RECORD_LEN, &r), NTM_OK);
	assert_memory_equal(&r, &want, sizeof(r));
}

static int record_mod(size_t off, uint8_t val)
{
	uint8_t buf[NTM_RECORD_LEN];
	struct ntm_record r;

	memcpy(buf, golden_record, sizeof(buf));
	buf[off] = val;
	return ntm_record_decode(buf, sizeof(buf), &r);
}

static void test_record_rejects(void **state)
{
	uint8_t buf[NTM_RECORD_LEN + 1] = { 0 };
	static const size_t addrs[] = { 8, 28, 48, 68 };
	struct ntm_record r;
	size_t len, i;

	for (len = 0; len < NTM_RECORD_LEN; len++)
		assert_int_equal(ntm_record_decode(golden_record, len, &r), NTM_E_TRUNCATED);
	memcpy(buf, golden_record, NTM_RECORD_LEN);
	assert_int_equal(ntm_record_decode(buf, sizeof(buf), &r), NTM_E_LENGTH);
	assert_int_equal(record_mod(0, 0), NTM_E_VERSION);
	assert_int_equal(record_mod(0, 2), NTM_E_VERSION);
	assert_int_equal(record_mod(1, 0x02), NTM_E_MALFORMED);
	assert_int_equal(record_mod(1, 0x81), NTM_E_MALFORMED);
	assert_int_equal(record_mod(1, 0x00), NTM_OK);
	assert_int_equal(record_mod(2, 1), NTM_E_MALFORMED);
	assert_int_equal(record_mod(3, 1), NTM_E_MALFORMED);
	for (i = 0; i < 4; i++) {
		assert_int_equal(record_mod(addrs[i], 5), NTM_E_MALFORMED);
		assert_int_equal(record_mod(addrs[i] + 1, 1), NTM_E_MALFORMED);
	}
	sample_record(&r);
	r.flags = 0x04;
	assert_int_equal(ntm_record_encode(&r, buf), NTM_E_MALFORMED);
}

static void test_addr_fmt(void **state)
{
	char buf[NTM_ADDR_FMT_LEN];
	struct ntm_addr a = { 0 };
	char small[8];

	assert_string_equal(ntm_addr_fmt(&a, buf, sizeof(buf)), "none");
	a = ad("198.51.100.1:7701");
	assert_string_equal(ntm_addr_fmt(&a, buf, sizeof(buf)), "198.51.100.1:7701");
	a = ad("[2001:db8::1]:7701");
	assert_string_equal(ntm_addr_fmt(&a, buf, sizeof(buf)), "[2001:db8::1]:7701");
	a = ad("10.0.0.2");
	assert_string_equal(ntm_addr_fmt(&a, buf, sizeof(buf)), "10.0.0.2");
	a = ad("fd00::2");
	assert_string_equal(ntm_addr_fmt(&a, buf, sizeof(buf)), "fd00::2");
	a.family = 9;
	assert_string_equal(ntm_addr_fmt(&a, buf, sizeof(buf)), "invalid");
	/* The longest form fits NTM_ADDR_FMT_LEN. */
	a = ad("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535");
	assert_string_equal(ntm_addr_fmt(&a, buf, sizeof(buf)),
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	/* A short buffer truncates, NUL-terminated. */
	a = ad("198.51.100.1:7701");
	assert_string_equal(ntm_addr_fmt(&a, small, sizeof(small)), "198.51.");
}

static void test_addr_parse(void **state)
{
	static const char *const bad[] = {
		"", "None", "none:1", "1.2.3", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536",
		"1.2.3.4:-1", "1.2.3.4: 80", "1.2.3.4:80x", "[1.2.3.4]:80",
		"[2001:db8::1]", "[2001:db8::1]:", "[2001:db8::1]80", "2001:db8::g",
		"1.2.3.4:123456", "[::1", "256.1.1.1",
	};
	struct ntm_addr a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ntm_addr_parse(&a, bad[i]), NTM_E_MALFORMED);
	assert_int_equal(ntm_addr_parse(&a, "none"), NTM_OK);
	assert_int_equal(a.family, NTM_AF_NONE);
	assert_int_equal(ntm_addr_parse(&a, "1.2.3.4:65535"), NTM_OK);
	assert_int_equal(a.family, NTM_AF_INET);
	assert_int_equal(a.port, 65535);
	assert_memory_equal(a.addr, "\x01\x02\x03\x04\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(ntm_addr_parse(&a, "::1"), NTM_OK);
	assert_int_equal(a.family, NTM_AF_INET6);
	assert_int_equal(a.port, 0);
	assert_int_equal(a.addr[15], 1);
}

static void test_addr_sockaddr(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct ntm_addr a, b;
	socklen_t len;

	a = ad("198.51.100.1:7701");
	assert_int_equal(ntm_addr_to_sockaddr(&a, &ss, &len), NTM_OK);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 7701);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xc6336401);
	assert_int_equal(ntm_addr_from_sockaddr(&b, &ss), NTM_OK);
	assert_true(ntm_addr_equal(&a, &b));

	/* IPv4 through a dual-stack socket: mapped, and mapped back. */
	assert_int_equal(ntm_addr_to_sockaddr6(&a, &ss, &len), NTM_OK);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_true(IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr));
	assert_int_equal(ntm_addr_from_sockaddr(&b, &ss), NTM_OK);
	assert_int_equal(b.family, NTM_AF_INET);
	assert_true(ntm_addr_equal(&a, &b));

	a = ad("[2001:db8::1]:7701");
	assert_int_equal(ntm_addr_to_sockaddr(&a, &ss, &len), NTM_OK);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 7701);
	assert_int_equal(ntm_addr_from_sockaddr(&b, &ss), NTM_OK);
	assert_true(ntm_addr_equal(&a, &b));

	a = ad("none");
	assert_int_equal(ntm_addr_to_sockaddr(&a, &ss, &len), NTM_E_MALFORMED);
	assert_int_equal(ntm_addr_to_sockaddr6(&a, &ss, &len), NTM_E_MALFORMED);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	assert_int_equal(ntm_addr_from_sockaddr(&b, &ss), NTM_E_MALFORMED);
}

static void test_addr_equal(void **state)
{
	struct ntm_addr a = ad("10.0.0.1:1"), b = ad("10.0.0.1:1");

	assert_true(ntm_addr_equal(&a, &b));
	b.port = 2;
	assert_false(ntm_addr_equal(&a, &b));
	b = ad("10.0.0.2:1");
	assert_false(ntm_addr_equal(&a, &b));
	b = ad("[::ffff:10.0.0.1]:1");	/* family differs */
	assert_false(ntm_addr_equal(&a, &b));
	assert_true(ntm_addr_is_none(&(struct ntm_addr){ 0 }));
	assert_false(ntm_addr_is_none(&a));
}

static void test_status_strings(void **state)
{
	static const char *const names[] = {
		"OK", "TRUNCATED", "VERSION", "TYPE", "LENGTH", "MALFORMED", "AUTH",
		"REPLAY", "STALE", "UNKNOWN_KEY", "UNKNOWN_PATH", "TABLE_FULL",
		"CONFLICT", "POOL_EXHAUSTED", "REFUSED", "UNREACHABLE", "INTERNAL",
	};
	int i, j;

	assert_int_equal(NTM_STATUS_MAX, 16);
	assert_int_equal(NTM_E_INTERNAL, 16);
	assert_int_equal(NTM_E_UNKNOWN_KEY, 9);
	for (i = 0; i <= NTM_STATUS_MAX; i++) {
		assert_string_equal(ntm_status_name(i), names[i]);
		assert_true(strlen(ntm_strstatus(i)) > 0);
		assert_string_equal(ntm_strstatus(-i), ntm_strstatus(i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(ntm_strstatus(i), ntm_strstatus(j));
	}
	assert_string_equal(ntm_strstatus(17), "unknown status");
	assert_string_equal(ntm_strstatus(-17), "unknown status");
	assert_string_equal(ntm_strstatus(INT32_MIN), "unknown status");
	assert_string_equal(ntm_status_name(1000), "UNKNOWN");
}

static void test_status_from_wire(void **state)
{
	assert_int_equal(ntm_status_from_wire(NTM_WIRE_OK), NTM_OK);
	assert_int_equal(ntm_status_from_wire(NTM_WIRE_TRUNCATED), NTM_E_TRUNCATED);
	assert_int_equal(ntm_status_from_wire(NTM_WIRE_VERSION), NTM_E_VERSION);
	assert_int_equal(ntm_status_from_wire(NTM_WIRE_TYPE), NTM_E_TYPE);
	assert_int_equal(ntm_status_from_wire(NTM_WIRE_LENGTH), NTM_E_LENGTH);
	assert_int_equal(ntm_status_from_wire(NTM_WIRE_FLAGS), NTM_E_MALFORMED);
	assert_int_equal(ntm_status_from_wire(NTM_WIRE_PATH_ID), NTM_E_MALFORMED);
	assert_int_equal(ntm_status_from_wire(NTM_WIRE_COUNTER), NTM_E_MALFORMED);
}

static void test_type_names(void **state)
{
	assert_string_equal(ntm_msg_type_name(NTM_MSG_ROUTE_DIRECTION), "Route Direction");
	assert_string_equal(ntm_msg_type_name(NTM_MSG_RELAY_DIRECTION), "Relay Direction");
	assert_string_equal(ntm_msg_type_name(NTM_MSG_KEEPALIVE), "Keepalive");
	assert_string_equal(ntm_msg_type_name(0), "unknown");
	assert_string_equal(ntm_msg_type_name(0x0b), "unknown");
	assert_string_equal(ntm_route_name(NTM_ROUTE_DIRECT), "direct");
	assert_string_equal(ntm_route_name(NTM_ROUTE_RS_T), "RS-T");
	assert_string_equal(ntm_route_name(0), "?");
	assert_true(ntm_ctl_type_valid(NTM_MSG_REGISTRATION_REQUEST));
	assert_true(ntm_ctl_type_valid(NTM_MSG_ERROR));
	assert_false(ntm_ctl_type_valid(0));
	assert_false(ntm_ctl_type_valid(NTM_MSG_DATA));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_encode_matches_golden),
		cmocka_unit_test(test_body_decode_matches_sample),
		cmocka_unit_test(test_body_round_trip),
		cmocka_unit_test(test_body_every_truncation),
		cmocka_unit_test(test_body_too_long),
		cmocka_unit_test(test_body_reserved_bytes),
		cmocka_unit_test(test_body_bad_family),
		cmocka_unit_test(test_addr_wire_padding),
		cmocka_unit_test(test_addr_encode_rejects_malformed),
		cmocka_unit_test(test_body_enum_ranges),
		cmocka_unit_test(test_body_path_id_zero),
		cmocka_unit_test(test_body_encode_rejects_invalid_struct),
		cmocka_unit_test(test_body_encode_capacity),
		cmocka_unit_test(test_body_unknown_type),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_name_invalid),
		cmocka_unit_test(test_name_len_mismatch),
		cmocka_unit_test(test_name_encode_checks),
		cmocka_unit_test(test_record_golden),
		cmocka_unit_test(test_record_rejects),
		cmocka_unit_test(test_addr_fmt),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_addr_sockaddr),
		cmocka_unit_test(test_addr_equal),
		cmocka_unit_test(test_status_strings),
		cmocka_unit_test(test_status_from_wire),
		cmocka_unit_test(test_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
