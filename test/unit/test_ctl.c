// SPDX-License-Identifier: MIT
/* Sealed control messages and the nonce replay cache (lib/ctl.c,
 * lib/nonce_cache.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

#include "aead.h"

/*
 * Known answer produced once with Python's struct module and the
 * cryptography package's ChaCha20Poly1305, independently of libntm: a Path
 * Teardown (PathID 0x11223344, reason 2 "moved") under key 40 41 ... 5f,
 * key id 42, timestamp 1700000000000, transaction id 0x0102030405060708,
 * nonce a0 a1 ... ab, the 36-byte header as associated data.
 */
static const uint8_t kat_teardown[60] = {
	0x01, 0x09, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x01, 0x8b,
	0xcf, 0xe5, 0x68, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
	0xbd, 0xe3, 0xe8, 0xa8, 0x7a, 0xe9, 0x68, 0x93, 0xcb, 0x65, 0x0f, 0x12,
	0xff, 0x90, 0xbc, 0x2a, 0x65, 0xc7, 0x6f, 0x6b, 0x9f, 0x9c, 0x1d, 0x92,
};

#define NOW	1700000000000ULL
#define KEY_ID	42u
#define PATH	0x11223344u
#define TXN	0x0102030405060708ULL

/* The injected clock and RNG: fixed time, nonces a0..ab then counting up. */
struct fake_env {
	uint64_t now;
	uint8_t nonce[NTM_CTL_NONCE_LEN];
	int fail;
	unsigned int calls;
};

static uint64_t fake_now(void *arg)
{
	return ((struct fake_env *)arg)->now;
}

static int fake_random(void *arg, uint8_t *buf, size_t len)
{
	struct fake_env *f = arg;
	size_t i;

	f->calls++;
	if (f->fail)
		return NTM_E_INTERNAL;
	for (i = 0; i < len; i++)
		buf[i] = f->nonce[i % sizeof(f->nonce)];
	f->nonce[11]++;
	return NTM_OK;
}

static struct fake_env fenv;
static const struct ntm_ctl_env env = {
	.now_ms = fake_now, .random = fake_random, .arg = &fenv,
};

/* Key lookup: one key under KEY_ID (or, with .any, under every id). */
struct keyring {
	uint8_t key[NTM_CTL_KEY_BYTES];
	int any;
	uint8_t last_type;
	uint32_t last_id;
};

static int lookup(void *arg, uint8_t type, uint32_t key_id, uint8_t *key)
{
	struct keyring *kr = arg;

	kr->last_type = type;
	kr->last_id = key_id;
	if (!kr->any && key_id != KEY_ID && key_id != PATH)
		return NTM_E_UNKNOWN_KEY;
	memcpy(key, kr->key, NTM_CTL_KEY_BYTES);
	return NTM_OK;
}

static struct keyring ring;

static int setup(void **state)
{
	size_t i;

	memset(&fenv, 0, sizeof(fenv));
	fenv.now = NOW;
	for (i = 0; i < sizeof(fenv.nonce); i++)
		fenv.nonce[i] = (uint8_t)(0xa0 + i);
	memset(&ring, 0, sizeof(ring));
	for (i = 0; i < sizeof(ring.key); i++)
		ring.key[i] = (uint8_t)(0x40 + i);
	return 0;
}

static struct ntm_addr ad(const char *s)
{
	struct ntm_addr a;

	assert_int_equal(ntm_addr_parse(&a, s), NTM_OK);
	return a;
}

/* A valid body of every control type. */
static void body_of(uint8_t type, union ntm_body *b)
{
	memset(b, 0, sizeof(*b));
	switch (type) {
	case NTM_MSG_REGISTRATION_REQUEST:
		b->registration_request.node_id = 7;
		b->registration_request.local = ad("192.168.1.10:40000");
		b->registration_request.lifetime = 600;
		strcpy(b->registration_request.name, "mn.example.org");
		break;
	case NTM_MSG_REGISTRATION_RESPONSE:
		b->registration_response.node_id = 7;
		b->registration_response.vip = ad("10.0.0.2");
		b->registration_response.observed = ad("203.0.113.5:40001");
		b->registration_response.lifetime = 600;
		break;
	case NTM_MSG_DIRECTION_REQUEST:
		b->direction_request.node_id = 7;
		b->direction_request.peer_kind = NTM_PEER_HOST;
		b->direction_request.peer_addr = ad("198.51.100.80");
		break;
	case NTM_MSG_ROUTE_DIRECTION:
		b->route_direction.route = NTM_ROUTE_RS_N;
		b->route_direction.path_id = PATH;
		b->route_direction.tunnel = ad("[2001:db8::9]:7701");
		b->route_direction.control = ad("[2001:db8::9]:7700");
		b->route_direction.local_vip = ad("10.0.0.2");
		b->route_direction.peer_vip = ad("10.0.0.100");
		memset(b->route_direction.path_key, 0x77, 32);
		break;
	case NTM_MSG_RELAY_DIRECTION:
		b->relay_direction.path_id = PATH;
		b->relay_direction.rs_type = NTM_RS_TYPE_S;
		b->relay_direction.leg_a_vip = ad("10.0.0.2");
		b->relay_direction.leg_b_vip = ad("10.0.0.3");
		memset(b->relay_direction.relay_key, 1, 16);
		memset(b->relay_direction.tunnel_key, 2, 32);
		break;
	case NTM_MSG_DIRECTION_RESPONSE:
		b->direction_response.path_id = PATH;
		b->direction_response.tunnel = ad("198.51.100.9:7701");
		break;
	case NTM_MSG_TUNNEL_REQUEST:
		b->tunnel_request.path_id = PATH;
		b->tunnel_request.vip = ad("10.0.0.2");
		break;
	case NTM_MSG_TUNNEL_RESPONSE:
		b->tunnel_response.path_id = PATH;
		b->tunnel_response.leg = NTM_LEG_B;
		b->tunnel_response.observed = ad("203.0.113.5:1");
		break;
	case NTM_MSG_PATH_TEARDOWN:
		b->path_teardown.path_id = PATH;
		b->path_teardown.reason = NTM_TEARDOWN_MOVED;
		break;
	case NTM_MSG_ERROR:
		b->error.status = NTM_E_CONFLICT;
		b->error.type = NTM_MSG_RELAY_DIRECTION;
		break;
	}
}

static uint32_t key_id_of(uint8_t type)
{
	return type == NTM_MSG_TUNNEL_REQUEST || type == NTM_MSG_TUNNEL_RESPONSE ?
	       PATH : KEY_ID;
}

static size_t seal_type(uint8_t type, uint8_t *out, size_t cap)
{
	union ntm_body b;
	ssize_t n;

	body_of(type, &b);
	n = ntm_ctl_seal(&env, type, key_id_of(type), TXN, ring.key, &b, out, cap);
	assert_true(n > 0);
	return (size_t)n;
}

static int open_msg(const uint8_t *buf, size_t len, struct ntm_nonce_cache *nc,
		    uint64_t now, struct ntm_ctl_hdr *h)
{
	union ntm_body b;
	struct ntm_ctl_hdr hh;

	return ntm_ctl_open(buf, len, lookup, &ring, nc, now, h ? h : &hh, &b);
}

/* Seal raw body bytes (valid or not) the way a sender would. */
static size_t seal_raw(uint8_t type, uint32_t key_id, const uint8_t *body,
		       size_t n, uint64_t ts, uint8_t *out)
{
	struct ntm_ctl_hdr h = {
		.type = type, .length = (uint16_t)(NTM_CTL_OVERHEAD + n),
		.key_id = key_id, .timestamp_ms = ts, .txn_id = TXN,
	};

	memcpy(h.nonce, fenv.nonce, sizeof(h.nonce));
	fenv.nonce[11]++;
	ntm_ctl_hdr_encode(&h, out);
	assert_int_equal(ntm_aead_seal(ring.key, h.nonce, out, NTM_CTL_HDR_LEN, body, n,
				       out + NTM_CTL_HDR_LEN, out + NTM_CTL_HDR_LEN + n),
			 NTM_OK);
	return NTM_CTL_OVERHEAD + n;
}

static void test_seal_known_answer(void **state)
{
	uint8_t out[NTM_CTL_MAX_LEN];
	union ntm_body b;

	body_of(NTM_MSG_PATH_TEARDOWN, &b);
	assert_int_equal(ntm_ctl_seal(&env, NTM_MSG_PATH_TEARDOWN, KEY_ID, TXN, ring.key,
				      &b, out, sizeof(out)), sizeof(kat_teardown));
	assert_memory_equal(out, kat_teardown, sizeof(kat_teardown));
	assert_int_equal(fenv.calls, 1);
}

static void test_open_known_answer(void **state)
{
	struct ntm_ctl_hdr h;
	union ntm_body b;

	assert_int_equal(ntm_ctl_open(kat_teardown, sizeof(kat_teardown), lookup, &ring,
				      NULL, NOW, &h, &b), NTM_OK);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.type, NTM_MSG_PATH_TEARDOWN);
	assert_int_equal(h.length, sizeof(kat_teardown));
	assert_int_equal(h.key_id, KEY_ID);
	assert_int_equal(h.timestamp_ms, NOW);
	assert_int_equal(h.txn_id, TXN);
	assert_int_equal(h.nonce[0], 0xa0);
	assert_int_equal(h.authenticated, 1);
	assert_int_equal(b.path_teardown.path_id, PATH);
	assert_int_equal(b.path_teardown.reason, NTM_TEARDOWN_MOVED);
	assert_int_equal(ring.last_type, NTM_MSG_PATH_TEARDOWN);
	assert_int_equal(ring.last_id, KEY_ID);
}

static void test_round_trip_every_type(void **state)
{
	uint8_t out[NTM_CTL_MAX_LEN];
	union ntm_body want, got;
	struct ntm_ctl_hdr h;
	unsigned int t;
	size_t n;

	for (t = NTM_MSG_REGISTRATION_REQUEST; t <= NTM_MSG_ERROR; t++) {
		n = seal_type((uint8_t)t, out, sizeof(out));
		body_of((uint8_t)t, &want);
		assert_int_equal(n, NTM_CTL_OVERHEAD + ntm_body_len((uint8_t)t, &want));
		assert_int_equal(ntm_ctl_open(out, n, lookup, &ring, NULL, NOW, &h, &got),
				 NTM_OK);
		assert_int_equal(h.type, t);
		assert_int_equal(h.key_id, key_id_of((uint8_t)t));
		/* The lookup is told the type: 0x07/0x08 name a PathID. */
		assert_int_equal(ring.last_type, t);
		assert_memory_equal(&got, &want, sizeof(got));
	}
}

static void test_every_truncation(void **state)
{
	uint8_t out[NTM_CTL_MAX_LEN + 1];
	unsigned int t;
	size_t n, len;

	for (t = NTM_MSG_REGISTRATION_REQUEST; t <= NTM_MSG_ERROR; t++) {
		n = seal_type((uint8_t)t, out, sizeof(out));
		for (len = 0; len < n; len++)
			assert_int_equal(open_msg(out, len, NULL, NOW, NULL), NTM_E_TRUNCATED);
		/* One byte more than the length field says. */
		out[n] = 0;
		assert_int_equal(open_msg(out, n + 1, NULL, NOW, NULL), NTM_E_LENGTH);
		assert_int_equal(open_msg(out, n, NULL, NOW, NULL), NTM_OK);
	}
}

static void test_wrong_version_and_type(void **state)
{
	static const uint8_t types[] = { 0x00, 0x0b, 0x7f, NTM_MSG_DATA,
					 NTM_MSG_KEEPALIVE, 0xff };
	uint8_t buf[sizeof(kat_teardown)];
	struct ntm_ctl_hdr h;
	size_t i;

	memcpy(buf, kat_teardown, sizeof(buf));
	buf[0] = 0;
	assert_int_equal(open_msg(buf, sizeof(buf), NULL, NOW, &h), NTM_E_VERSION);
	buf[0] = 2;
	assert_int_equal(open_msg(buf, sizeof(buf), NULL, NOW, &h), NTM_E_VERSION);
	assert_int_equal(h.authenticated, 0);
	buf[0] = 1;
	for (i = 0; i < sizeof(types); i++) {
		buf[1] = types[i];
		assert_int_equal(open_msg(buf, sizeof(buf), NULL, NOW, &h), NTM_E_TYPE);
	}
}

static void test_wrong_length_field(void **state)
{
	uint8_t buf[sizeof(kat_teardown)];
	uint16_t v;

	memcpy(buf, kat_teardown, sizeof(buf));
	for (v = 0; v < 400; v++) {
		int want = v == sizeof(buf) ? NTM_OK :
			   v > sizeof(buf) ? NTM_E_TRUNCATED : NTM_E_LENGTH;

		ntm_put_be16(buf + 2, v);
		assert_int_equal(open_msg(buf, sizeof(buf), NULL, NOW, NULL), want);
	}
	ntm_put_be16(buf + 2, 0xffff);
	assert_int_equal(open_msg(buf, sizeof(buf), NULL, NOW, NULL), NTM_E_TRUNCATED);
}

/* Length field and datagram agree, but not with the type's body size. */
static void test_length_wrong_for_type(void **state)
{
	uint8_t body[NTM_BODY_MAX_LEN + 1] = { 0 }, out[NTM_CTL_MAX_LEN + 64];
	unsigned int t;
	size_t n;

	for (t = NTM_MSG_REGISTRATION_REQUEST; t <= NTM_MSG_ERROR; t++) {
		union ntm_body b;
		size_t good;

		body_of((uint8_t)t, &b);
		good = (size_t)ntm_body_len((uint8_t)t, &b);
		n = seal_raw((uint8_t)t, KEY_ID, body, t == 1 ? 52 : good - 1, NOW, out);
		assert_int_equal(open_msg(out, n, NULL, NOW, NULL), NTM_E_LENGTH);
		n = seal_raw((uint8_t)t, KEY_ID, body,
			     t == 1 ? NTM_REGISTRATION_REQUEST_MAX_LEN + 1 : good + 1,
			     NOW, out);
		assert_int_equal(open_msg(out, n, NULL, NOW, NULL), NTM_E_LENGTH);
	}
}

/*
 * Flip every bit of a sealed message. The lookup answers every key id, so
 * each header byte the AEAD covers fails as AUTH; the bytes the header
 * decoder reads first fail as their own status.
 */
static void test_flip_every_bit(void **state)
{
	uint8_t buf[sizeof(kat_teardown)];
	struct ntm_ctl_hdr h;
	size_t i;
	int bit, ret;

	ring.any = 1;
	for (i = 0; i < sizeof(buf); i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(buf, kat_teardown, sizeof(buf));
			buf[i] ^= (uint8_t)(1 << bit);
			ret = open_msg(buf, sizeof(buf), NULL, NOW, &h);
			if (i == 0)
				assert_int_equal(ret, NTM_E_VERSION);
			else if (i == 1)	/* another type: wrong length, or none */
				assert_true(ret == NTM_E_LENGTH || ret == NTM_E_TYPE);
			else if (i == 2 || i == 3)
				assert_true(ret == NTM_E_LENGTH || ret == NTM_E_TRUNCATED);
			else
				assert_int_equal(ret, NTM_E_AUTH);
			assert_int_equal(h.authenticated, 0);
		}
}

static void test_unknown_key_id(void **state)
{
	uint8_t buf[sizeof(kat_teardown)];
	struct ntm_ctl_hdr h;

	memcpy(buf, kat_teardown, sizeof(buf));
	ntm_put_be32(buf + 4, 43);
	assert_int_equal(open_msg(buf, sizeof(buf), NULL, NOW, &h), NTM_E_UNKNOWN_KEY);
	assert_int_equal(h.authenticated, 0);
	assert_int_equal(ring.last_id, 43);
}

static void test_wrong_key(void **state)
{
	struct ntm_ctl_hdr h;

	ring.key[31] ^= 1;
	assert_int_equal(open_msg(kat_teardown, sizeof(kat_teardown), NULL, NOW, &h),
			 NTM_E_AUTH);
	assert_int_equal(h.authenticated, 0);
}

static void test_freshness(void **state)
{
	struct ntm_ctl_hdr h;

	/* Exactly 60 s either way is fresh; one millisecond more is not. */
	assert_int_equal(open_msg(kat_teardown, sizeof(kat_teardown), NULL,
				  NOW + NTM_CTL_FRESH_MS, &h), NTM_OK);
	assert_int_equal(open_msg(kat_teardown, sizeof(kat_teardown), NULL,
				  NOW - NTM_CTL_FRESH_MS, &h), NTM_OK);
	/* Stale: the message is older than our clock allows. */
	assert_int_equal(open_msg(kat_teardown, sizeof(kat_teardown), NULL,
				  NOW + NTM_CTL_FRESH_MS + 1, &h), NTM_E_STALE);
	assert_int_equal(h.authenticated, 1);
	/* From the future. */
	assert_int_equal(open_msg(kat_teardown, sizeof(kat_teardown), NULL,
				  NOW - NTM_CTL_FRESH_MS - 1, &h), NTM_E_STALE);
	assert_int_equal(h.authenticated, 1);
	assert_int_equal(open_msg(kat_teardown, sizeof(kat_teardown), NULL, 0, &h),
			 NTM_E_STALE);
	assert_int_equal(open_msg(kat_teardown, sizeof(kat_teardown), NULL, UINT64_MAX,
				  &h), NTM_E_STALE);
}

static void test_replayed_nonce(void **state)
{
	struct ntm_nonce_cache *nc = ntm_nonce_cache_new(1024, &env);
	uint8_t m1[NTM_CTL_MAX_LEN], m2[NTM_CTL_MAX_LEN];
	struct ntm_ctl_hdr h;
	size_t n1, n2;

	assert_non_null(nc);
	n1 = seal_type(NTM_MSG_PATH_TEARDOWN, m1, sizeof(m1));
	n2 = seal_type(NTM_MSG_PATH_TEARDOWN, m2, sizeof(m2));	/* retransmission */
	assert_int_equal(open_msg(m1, n1, nc, NOW, &h), NTM_OK);
	assert_int_equal(open_msg(m1, n1, nc, NOW + 1000, &h), NTM_E_REPLAY);
	assert_int_equal(h.authenticated, 1);
	assert_int_equal(open_msg(m2, n2, nc, NOW + 1000, &h), NTM_OK);
	assert_int_equal(open_msg(m2, n2, nc, NOW + NTM_CTL_FRESH_MS, &h), NTM_E_REPLAY);
	/* A stale message is refused before its nonce is recorded. */
	assert_int_equal(ntm_nonce_cache_count(nc, NOW), 2);
	assert_int_equal(open_msg(kat_teardown, sizeof(kat_teardown), nc,
				  NOW + 2 * NTM_CTL_FRESH_MS, &h), NTM_E_STALE);
	assert_int_equal(ntm_nonce_cache_count(nc, NOW), 2);
	ntm_nonce_cache_free(nc);
}

/* Errors after the tag verified: hdr->authenticated is set. */
static void test_authenticated_body_errors(void **state)
{
	uint8_t body[NTM_BODY_MAX_LEN], out[NTM_CTL_MAX_LEN];
	struct ntm_ctl_hdr h;
	union ntm_body b;
	size_t n;

	/* A reserved byte in an authentic Path Teardown. */
	ntm_put_be32(body, PATH);
	memcpy(body + 4, "\x01\x00\x00\x01", 4);
	n = seal_raw(NTM_MSG_PATH_TEARDOWN, KEY_ID, body, 8, NOW, out);
	assert_int_equal(open_msg(out, n, NULL, NOW, &h), NTM_E_MALFORMED);
	assert_int_equal(h.authenticated, 1);
	/* A name_len that does not end at the end of the message. */
	body_of(NTM_MSG_REGISTRATION_REQUEST, &b);
	assert_int_equal(ntm_body_encode(NTM_MSG_REGISTRATION_REQUEST, &b, body,
					 sizeof(body)), 52 + 14);
	body[48] = 13;
	n = seal_raw(NTM_MSG_REGISTRATION_REQUEST, KEY_ID, body, 52 + 14, NOW, out);
	assert_int_equal(open_msg(out, n, NULL, NOW, &h), NTM_E_LENGTH);
	assert_int_equal(h.authenticated, 1);
}

/* Tunnel Request/Response: the key id is the PathID of the body. */
static void test_tunnel_key_id_is_path_id(void **state)
{
	uint8_t body[NTM_BODY_MAX_LEN], out[NTM_CTL_MAX_LEN];
	union ntm_body b;
	size_t n;

	body_of(NTM_MSG_TUNNEL_REQUEST, &b);
	assert_int_equal(ntm_ctl_seal(&env, NTM_MSG_TUNNEL_REQUEST, KEY_ID, TXN, ring.key,
				      &b, out, sizeof(out)), -NTM_E_MALFORMED);
	assert_int_equal(ntm_body_encode(NTM_MSG_TUNNEL_REQUEST, &b, body, sizeof(body)),
			 NTM_TUNNEL_REQUEST_LEN);
	n = seal_raw(NTM_MSG_TUNNEL_REQUEST, KEY_ID, body, NTM_TUNNEL_REQUEST_LEN, NOW, out);
	assert_int_equal(open_msg(out, n, NULL, NOW, NULL), NTM_E_MALFORMED);
	n = seal_raw(NTM_MSG_TUNNEL_REQUEST, PATH, body, NTM_TUNNEL_REQUEST_LEN, NOW, out);
	assert_int_equal(open_msg(out, n, NULL, NOW, NULL), NTM_OK);
	body_of(NTM_MSG_TUNNEL_RESPONSE, &b);
	assert_int_equal(ntm_ctl_seal(&env, NTM_MSG_TUNNEL_RESPONSE, PATH + 1, TXN,
				      ring.key, &b, out, sizeof(out)), -NTM_E_MALFORMED);
}

static void test_seal_errors(void **state)
{
	uint8_t out[NTM_CTL_MAX_LEN], zero[NTM_CTL_MAX_LEN] = { 0 };
	union ntm_body b;
	size_t need;

	body_of(NTM_MSG_RELAY_DIRECTION, &b);
	need = NTM_CTL_OVERHEAD + NTM_RELAY_DIRECTION_LEN;
	assert_int_equal(ntm_ctl_seal(&env, NTM_MSG_RELAY_DIRECTION, KEY_ID, TXN, ring.key,
				      &b, out, need - 1), -NTM_E_LENGTH);
	assert_int_equal(ntm_ctl_seal(&env, NTM_MSG_RELAY_DIRECTION, KEY_ID, TXN, ring.key,
				      &b, out, 10), -NTM_E_LENGTH);
	assert_int_equal(ntm_ctl_seal(&env, NTM_MSG_DATA, KEY_ID, TXN, ring.key, &b, out,
				      sizeof(out)), -NTM_E_TYPE);
	assert_int_equal(ntm_ctl_seal(&env, 0, KEY_ID, TXN, ring.key, &b, out,
				      sizeof(out)), -NTM_E_TYPE);
	b.relay_direction.rs_type = 9;
	assert_int_equal(ntm_ctl_seal(&env, NTM_MSG_RELAY_DIRECTION, KEY_ID, TXN, ring.key,
				      &b, out, sizeof(out)), -NTM_E_MALFORMED);
	/* RNG failure: an error, and no plaintext keys left in the buffer. */
	body_of(NTM_MSG_RELAY_DIRECTION, &b);
	fenv.fail = 1;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(ntm_ctl_seal(&env, NTM_MSG_RELAY_DIRECTION, KEY_ID, TXN, ring.key,
				      &b, out, sizeof(out)), -NTM_E_INTERNAL);
	assert_memory_equal(out, zero, need);
}

static void test_seal_uses_env(void **state)
{
	uint8_t out[NTM_CTL_MAX_LEN];
	struct ntm_ctl_hdr h;
	size_t n;

	fenv.now = 123456789;
	n = seal_type(NTM_MSG_ERROR, out, sizeof(out));
	assert_int_equal(ntm_ctl_hdr_decode(out, n, &h), NTM_OK);
	assert_int_equal(h.timestamp_ms, 123456789);
	assert_int_equal(h.nonce[0], 0xa0);
	assert_int_equal(h.txn_id, TXN);
	n = seal_type(NTM_MSG_ERROR, out, sizeof(out));
	assert_int_equal(ntm_ctl_hdr_decode(out, n, &h), NTM_OK);
	assert_int_equal(h.nonce[11], 0xac);	/* a new nonce every time */
}

/* Without an env: the real clock and RAND_bytes. */
static void test_default_env(void **state)
{
	uint8_t m1[NTM_CTL_MAX_LEN], m2[NTM_CTL_MAX_LEN];
	struct ntm_ctl_hdr h1, h2;
	union ntm_body b;
	uint64_t now = ntm_ctl_now_ms(NULL);
	ssize_t n;

	assert_true(now > NOW);	/* after November 2023 */
	body_of(NTM_MSG_PATH_TEARDOWN, &b);
	n = ntm_ctl_seal(NULL, NTM_MSG_PATH_TEARDOWN, KEY_ID, TXN, ring.key, &b, m1,
			 sizeof(m1));
	assert_int_equal(n, 60);
	assert_int_equal(ntm_ctl_seal(NULL, NTM_MSG_PATH_TEARDOWN, KEY_ID, TXN, ring.key,
				      &b, m2, sizeof(m2)), 60);
	assert_int_equal(ntm_ctl_open(m1, 60, lookup, &ring, NULL, ntm_ctl_now_ms(NULL),
				      &h1, &b), NTM_OK);
	assert_int_equal(ntm_ctl_hdr_decode(m2, 60, &h2), NTM_OK);
	assert_memory_not_equal(h1.nonce, h2.nonce, NTM_CTL_NONCE_LEN);
	assert_true(h1.timestamp_ms >= now && h1.timestamp_ms < now + 10000);
}

static void test_nonce_cache_basic(void **state)
{
	struct ntm_nonce_cache *nc = ntm_nonce_cache_new(100, &env);
	uint8_t n[NTM_CTL_NONCE_LEN] = { 1 };

	assert_non_null(nc);
	assert_int_equal(ntm_nonce_cache_add(nc, n, 1000), NTM_OK);
	assert_int_equal(ntm_nonce_cache_add(nc, n, 1000), NTM_E_REPLAY);
	assert_int_equal(ntm_nonce_cache_add(nc, n, 1000 + NTM_CTL_NONCE_MS - 1),
			 NTM_E_REPLAY);
	/* Remembered for exactly 120 s. */
	assert_int_equal(ntm_nonce_cache_count(nc, 1000 + NTM_CTL_NONCE_MS - 1), 1);
	assert_int_equal(ntm_nonce_cache_count(nc, 1000 + NTM_CTL_NONCE_MS), 0);
	assert_int_equal(ntm_nonce_cache_add(nc, n, 1000 + NTM_CTL_NONCE_MS), NTM_OK);
	n[11] = 1;
	assert_int_equal(ntm_nonce_cache_add(nc, n, 1000), NTM_OK);
	/* Near the end of time a nonce still lives 120 s (found by
	 * fuzz_ctl_open: an expiry saturated at UINT64_MAX was dead at once). */
	n[5] = 9;
	assert_int_equal(ntm_nonce_cache_add(nc, n, UINT64_MAX - 5), NTM_OK);
	assert_int_equal(ntm_nonce_cache_add(nc, n, UINT64_MAX - 1), NTM_E_REPLAY);
	assert_int_equal(ntm_nonce_cache_add(nc, n, UINT64_MAX), NTM_E_REPLAY);
	n[5] = 10;
	assert_int_equal(ntm_nonce_cache_add(nc, n, UINT64_MAX), NTM_OK);
	assert_int_equal(ntm_nonce_cache_add(nc, n, UINT64_MAX), NTM_E_REPLAY);
	/* A clock that steps back does not forget. */
	n[5] = 11;
	assert_int_equal(ntm_nonce_cache_add(nc, n, 50000000), NTM_OK);
	assert_int_equal(ntm_nonce_cache_add(nc, n, 1000), NTM_E_REPLAY);
	ntm_nonce_cache_free(nc);
}

/* Capacity 4 is one bucket of 8: the 9th live nonce is refused, not
 * admitted by forgetting another; expired slots are reused. */
static void test_nonce_cache_full(void **state)
{
	struct ntm_nonce_cache *nc = ntm_nonce_cache_new(4, &env);
	uint8_t n[NTM_CTL_NONCE_LEN] = { 0 };
	int i;

	assert_non_null(nc);
	for (i = 0; i < 8; i++) {
		n[0] = (uint8_t)i;
		assert_int_equal(ntm_nonce_cache_add(nc, n, 5000 + (uint64_t)i), NTM_OK);
	}
	n[0] = 8;
	assert_int_equal(ntm_nonce_cache_add(nc, n, 5010), NTM_E_TABLE_FULL);
	for (i = 0; i < 8; i++) {
		n[0] = (uint8_t)i;
		assert_int_equal(ntm_nonce_cache_add(nc, n, 5010), NTM_E_REPLAY);
	}
	assert_int_equal(ntm_nonce_cache_count(nc, 5010), 8);
	/* The first one expires at 5000 + 120 s: its slot takes the new one. */
	n[0] = 8;
	assert_int_equal(ntm_nonce_cache_add(nc, n, 5000 + NTM_CTL_NONCE_MS), NTM_OK);
	n[0] = 9;
	assert_int_equal(ntm_nonce_cache_add(nc, n, 5000 + NTM_CTL_NONCE_MS),
			 NTM_E_TABLE_FULL);
	n[0] = 1;
	assert_int_equal(ntm_nonce_cache_add(nc, n, 5000 + NTM_CTL_NONCE_MS),
			 NTM_E_REPLAY);
	ntm_nonce_cache_free(nc);
}

/* At its nominal capacity the cache takes every distinct nonce. */
static void test_nonce_cache_capacity(void **state)
{
	struct ntm_nonce_cache *nc = ntm_nonce_cache_new(20000, NULL);
	uint8_t n[NTM_CTL_NONCE_LEN] = { 0 };
	uint32_t i;

	assert_non_null(nc);
	for (i = 0; i < 20000; i++) {
		ntm_put_be32(n, i * 2654435761u);
		ntm_put_be32(n + 4, i);
		assert_int_equal(ntm_nonce_cache_add(nc, n, 1), NTM_OK);
	}
	for (i = 0; i < 20000; i += 97) {
		ntm_put_be32(n, i * 2654435761u);
		ntm_put_be32(n + 4, i);
		assert_int_equal(ntm_nonce_cache_add(nc, n, 2), NTM_E_REPLAY);
	}
	assert_int_equal(ntm_nonce_cache_count(nc, 2), 20000);
	ntm_nonce_cache_free(nc);
}

static void test_nonce_cache_new_limits(void **state)
{
	assert_null(ntm_nonce_cache_new(0, &env));
	assert_null(ntm_nonce_cache_new(((size_t)1 << 28) + 1, &env));
	fenv.fail = 1;
	assert_null(ntm_nonce_cache_new(16, &env));
	ntm_nonce_cache_free(NULL);
}

static void test_hdr_codec(void **state)
{
	struct ntm_ctl_hdr h = {
		.type = NTM_MSG_ERROR, .length = 60, .key_id = 0xdeadbeef,
		.timestamp_ms = 0x0102030405060708ULL, .txn_id = UINT64_MAX,
	}, d;
	uint8_t buf[60] = { 0 };

	memset(h.nonce, 0x5c, sizeof(h.nonce));
	ntm_ctl_hdr_encode(&h, buf);
	assert_int_equal(buf[0], NTM_VERSION);
	assert_int_equal(ntm_ctl_hdr_decode(buf, sizeof(buf), &d), NTM_OK);
	assert_int_equal(d.key_id, 0xdeadbeef);
	assert_int_equal(d.timestamp_ms, 0x0102030405060708ULL);
	assert_int_equal(d.txn_id, UINT64_MAX);
	assert_memory_equal(d.nonce, h.nonce, NTM_CTL_NONCE_LEN);
	assert_int_equal(d.authenticated, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_seal_known_answer),
		T(test_open_known_answer),
		T(test_round_trip_every_type),
		T(test_every_truncation),
		T(test_wrong_version_and_type),
		T(test_wrong_length_field),
		T(test_length_wrong_for_type),
		T(test_flip_every_bit),
		T(test_unknown_key_id),
		T(test_wrong_key),
		T(test_freshness),
		T(test_replayed_nonce),
		T(test_authenticated_body_errors),
		T(test_tunnel_key_id_is_path_id),
		T(test_seal_errors),
		T(test_seal_uses_env),
		T(test_default_env),
		T(test_nonce_cache_basic),
		T(test_nonce_cache_full),
		T(test_nonce_cache_capacity),
		T(test_nonce_cache_new_limits),
		T(test_hdr_codec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
