// SPDX-License-Identifier: MIT
/* Data and Keepalive messages (lib/dataplane.c on include/ntm/wire.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <ntm/ntm.h>

/*
 * Known answers, produced once in Python independently of libntm: keys by
 * HKDF (hmac/hashlib) from path key 00..1f, the relay tag by a Python
 * SipHash-2-4 checked against the reference vectors, the AEAD by
 * cryptography's ChaCha20Poly1305 with nonce 00000000 || le64(leg << 63 |
 * counter) and the 24-byte header as associated data.
 *
 * Data: leg B, PathID 0x01020304, counter 5, inner "ntmobile inner packet".
 */
static const uint8_t kat_data[61] = {
	0x01, 0x80, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x05, 0x1e, 0x02, 0x92, 0x72, 0xc5, 0x0f, 0xdd, 0xfc,
	0x70, 0x0b, 0xc0, 0xbf, 0x00, 0xfa, 0xd8, 0xdf, 0x07, 0xa7, 0x7e, 0x4b,
	0x72, 0xb1, 0x34, 0xfe, 0xd9, 0x5e, 0x00, 0x19, 0xe4, 0x83, 0x2a, 0x27,
	0xec, 0xfa, 0xe9, 0xcd, 0x23, 0x13, 0xed, 0x9c, 0x8c, 0xcd, 0x70, 0xce,
	0x31,
};
static const char kat_inner[] = "ntmobile inner packet";
/* Keepalive: leg A, PathID 7, counter 0. */
static const uint8_t kat_keepalive[24] = {
	0x01, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x65, 0x7c, 0x67, 0xc6, 0xeb, 0x72, 0x22, 0xd5,
};

#define PATH 0x01020304u

static void keys(struct ntm_path_keys *k)
{
	uint8_t pk[NTM_PATH_KEY_BYTES];
	size_t i;

	for (i = 0; i < sizeof(pk); i++)
		pk[i] = (uint8_t)i;
	assert_int_equal(ntm_path_keys_derive(pk, k), NTM_OK);
}

static size_t seal(const struct ntm_path_keys *k, enum ntm_leg leg, uint64_t ctr,
		   const void *inner, size_t n, uint8_t *out, size_t cap)
{
	ssize_t len = ntm_data_seal(k, leg, PATH, ctr, inner, n, out, cap);

	assert_int_equal(len, (ssize_t)(n + NTM_DATA_MIN_LEN));
	return (size_t)len;
}

static int open_pkt(const struct ntm_path_keys *k, struct ntm_replay *win,
		    const uint8_t *pkt, size_t len)
{
	uint8_t plain[2048];
	size_t plen;

	return ntm_data_open(k, win, pkt, len, NULL, plain, sizeof(plain), &plen);
}

static void test_nonce_layout(void **state)
{
	static const uint8_t want[12] = { 0, 0, 0, 0, 0x05, 0, 0, 0, 0, 0, 0, 0x80 };
	uint8_t n[NTM_AEAD_NONCE_LEN];

	ntm_data_nonce96(n, NTM_LEG_B, 5);
	assert_memory_equal(n, want, sizeof(want));
	ntm_data_nonce96(n, NTM_LEG_A, 5);
	assert_int_equal(n[11], 0);
	assert_int_equal(ntm_data_nonce(NTM_LEG_B, NTM_COUNTER_MAX), UINT64_MAX);
}

static void test_seal_known_answer(void **state)
{
	struct ntm_path_keys k;
	uint8_t out[128];
	ssize_t n;

	keys(&k);
	n = ntm_data_seal(&k, NTM_LEG_B, PATH, 5, (const uint8_t *)kat_inner,
			  strlen(kat_inner), out, sizeof(out));
	assert_int_equal(n, sizeof(kat_data));
	assert_memory_equal(out, kat_data, sizeof(kat_data));
	n = ntm_keepalive_build(&k, NTM_LEG_A, 7, 0, out, sizeof(out));
	assert_int_equal(n, NTM_KEEPALIVE_LEN);
	assert_memory_equal(out, kat_keepalive, sizeof(kat_keepalive));
}

static void test_open_known_answer(void **state)
{
	struct ntm_path_keys k;
	struct ntm_data_hdr hdr;
	uint8_t plain[64];
	size_t plen = 99;

	keys(&k);
	assert_int_equal(ntm_data_open(&k, NULL, kat_data, sizeof(kat_data), &hdr,
				       plain, sizeof(plain), &plen), NTM_OK);
	assert_int_equal(plen, strlen(kat_inner));
	assert_memory_equal(plain, kat_inner, plen);
	assert_int_equal(hdr.type, NTM_MSG_DATA);
	assert_int_equal(ntm_data_hdr_leg(&hdr), NTM_LEG_B);
	assert_int_equal(hdr.path_id, PATH);
	assert_int_equal(hdr.counter, 5);
	assert_int_equal(ntm_data_open(&k, NULL, kat_keepalive, sizeof(kat_keepalive),
				       &hdr, plain, sizeof(plain), &plen), NTM_OK);
	assert_int_equal(plen, 0);
	assert_int_equal(hdr.type, NTM_MSG_KEEPALIVE);
	assert_int_equal(hdr.path_id, 7);
}

static void test_round_trip_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 63, 64, 65, 1280, 1500,
					NTM_DATA_MAX_INNER };
	static uint8_t inner[NTM_UDP_PAYLOAD_MAX], pkt[NTM_UDP_PAYLOAD_MAX],
		       plain[NTM_UDP_PAYLOAD_MAX];
	struct ntm_path_keys k;
	struct ntm_data_hdr hdr;
	size_t i, j, len, plen;
	int leg;

	keys(&k);
	for (j = 0; j < sizeof(inner); j++)
		inner[j] = (uint8_t)(j * 13);
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			len = seal(&k, leg, 1000 + i, inner, sizes[i], pkt, sizeof(pkt));
			assert_int_equal(ntm_data_open(&k, NULL, pkt, len, &hdr, plain,
						       sizeof(plain), &plen), NTM_OK);
			assert_int_equal(plen, sizes[i]);
			assert_memory_equal(plain, inner, plen);
			assert_int_equal(ntm_data_hdr_leg(&hdr), leg);
			assert_int_equal(hdr.counter, 1000 + i);
		}
	assert_int_equal(ntm_data_seal(&k, NTM_LEG_A, PATH, 0, inner,
				       NTM_DATA_MAX_INNER + 1, pkt, sizeof(pkt)),
			 -NTM_E_LENGTH);
}

static void test_in_place(void **state)
{
	struct ntm_path_keys k;
	uint8_t pkt[256];
	size_t len, plen;

	keys(&k);
	memcpy(pkt + NTM_DATA_HDR_LEN, kat_inner, strlen(kat_inner));
	len = seal(&k, NTM_LEG_B, 5, pkt + NTM_DATA_HDR_LEN, strlen(kat_inner),
		   pkt, sizeof(pkt));
	assert_memory_equal(pkt, kat_data, len);
	assert_int_equal(ntm_data_open(&k, NULL, pkt, len, NULL,
				       pkt + NTM_DATA_HDR_LEN, len - NTM_DATA_HDR_LEN,
				       &plen), NTM_OK);
	assert_memory_equal(pkt + NTM_DATA_HDR_LEN, kat_inner, plen);
}

static void test_seal_rejects_bad_arguments(void **state)
{
	struct ntm_path_keys k;
	uint8_t out[64];

	keys(&k);
	assert_int_equal(ntm_data_seal(&k, NTM_LEG_A, 0, 1, out, 0, out, sizeof(out)),
			 -NTM_E_MALFORMED);
	assert_int_equal(ntm_data_seal(&k, NTM_LEG_A, PATH, NTM_COUNTER_MAX + 1, out, 0,
				       out, sizeof(out)), -NTM_E_MALFORMED);
	assert_int_equal(ntm_data_seal(&k, (enum ntm_leg)2, PATH, 1, out, 0, out,
				       sizeof(out)), -NTM_E_MALFORMED);
	assert_int_equal(ntm_data_seal(&k, NTM_LEG_A, PATH, 1, out, 10, out + 30,
				       NTM_DATA_MIN_LEN + 9), -NTM_E_LENGTH);
	assert_int_equal(ntm_keepalive_build(&k, NTM_LEG_A, PATH, 1, out, 23),
			 -NTM_E_LENGTH);
	assert_int_equal(ntm_keepalive_build(&k, NTM_LEG_A, 0, 1, out, 24),
			 -NTM_E_MALFORMED);
	assert_int_equal(ntm_keepalive_build(&k, NTM_LEG_A, PATH, NTM_COUNTER_MAX + 1,
					     out, 24), -NTM_E_MALFORMED);
	assert_int_equal(ntm_data_seal(&k, NTM_LEG_A, PATH, NTM_COUNTER_MAX, out, 0,
				       out, sizeof(out)), NTM_DATA_MIN_LEN);
}

/*
 * Flip every bit of a sealed Data message; each must fail with the status
 * the field it lands in calls for, and leave the window untouched.
 */
static void test_tamper_every_bit(void **state)
{
	struct ntm_path_keys k;
	struct ntm_replay win, before;
	uint8_t pkt[61];
	size_t i;
	int bit, want;

	keys(&k);
	ntm_replay_init(&win);
	before = win;
	for (i = 0; i < sizeof(pkt); i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(pkt, kat_data, sizeof(pkt));
			pkt[i] ^= (uint8_t)(1 << bit);
			if (i == 0)
				want = NTM_E_VERSION;
			else if (i == 1)	/* 0x81 is Keepalive: 24 bytes */
				want = bit == 0 ? NTM_E_LENGTH : NTM_E_TYPE;
			else if (i == 2)	/* bit 0 is the leg */
				want = bit == 0 ? NTM_E_AUTH : NTM_E_MALFORMED;
			else if (i == 3)
				want = NTM_E_MALFORMED;
			else if (i == 8 && bit == 7)	/* counter above 2^63 - 1 */
				want = NTM_E_MALFORMED;
			else	/* PathID, counter, relay tag, payload, AEAD tag */
				want = NTM_E_AUTH;
			assert_int_equal(open_pkt(&k, &win, pkt, sizeof(pkt)), want);
			assert_memory_equal(&win, &before, sizeof(win));
		}
	assert_int_equal(open_pkt(&k, &win, kat_data, sizeof(kat_data)), NTM_OK);
}

/* A payload flip passes the relay tag (an RS-S accepts it) but not the AEAD. */
static void test_tampered_payload_relay_vs_end(void **state)
{
	struct ntm_path_keys k;
	struct ntm_replay win;
	uint8_t pkt[61];

	keys(&k);
	memcpy(pkt, kat_data, sizeof(pkt));
	pkt[30] ^= 0x01;
	ntm_replay_init(&win);
	assert_int_equal(ntm_data_relay_check(k.relay, &win, pkt, sizeof(pkt), NULL),
			 NTM_OK);
	ntm_replay_init(&win);
	assert_int_equal(open_pkt(&k, &win, pkt, sizeof(pkt)), NTM_E_AUTH);
	assert_int_equal(win.top, 0);
}

/* The leg flag picks the nonce: a packet re-tagged as the other leg has a
 * valid relay tag but fails the AEAD. */
static void test_wrong_leg(void **state)
{
	struct ntm_path_keys k;
	uint8_t pkt[61], plain[64];
	size_t plen;

	keys(&k);
	memcpy(pkt, kat_data, sizeof(pkt));
	pkt[2] = 0;	/* claim leg A */
	ntm_relay_tag(k.relay, pkt, pkt + NTM_DATA_AUTH_LEN);
	assert_int_equal(ntm_data_relay_check(k.relay, NULL, pkt, sizeof(pkt), NULL),
			 NTM_OK);
	assert_int_equal(open_pkt(&k, NULL, pkt, sizeof(pkt)), NTM_E_AUTH);
	/* A leg-B packet offered as coming from leg A: refused before crypto. */
	assert_int_equal(ntm_data_open_leg(&k, NTM_LEG_A, NULL, kat_data,
					   sizeof(kat_data), NULL, plain,
					   sizeof(plain), &plen), NTM_E_MALFORMED);
	assert_int_equal(ntm_data_open_leg(&k, NTM_LEG_B, NULL, kat_data,
					   sizeof(kat_data), NULL, plain,
					   sizeof(plain), &plen), NTM_OK);
}

/* A node's own packet, reflected back to it, passes ntm_data_open() but
 * not ntm_data_open_leg() with the peer's leg. */
static void test_reflection(void **state)
{
	struct ntm_path_keys k;
	struct ntm_replay win;
	uint8_t pkt[128], plain[64];
	size_t len, plen;

	keys(&k);
	len = seal(&k, NTM_LEG_A, 9, "ping", 4, pkt, sizeof(pkt));
	ntm_replay_init(&win);
	assert_int_equal(ntm_data_open_leg(&k, NTM_LEG_B, &win, pkt, len, NULL, plain,
					   sizeof(plain), &plen), NTM_E_MALFORMED);
	assert_int_equal(win.top, 0);
	assert_int_equal(ntm_data_open(&k, &win, pkt, len, NULL, plain, sizeof(plain),
				       &plen), NTM_OK);
}

static void test_wrong_keys(void **state)
{
	struct ntm_path_keys k, other;
	struct ntm_replay win;

	keys(&k);
	other = k;
	other.data[0] ^= 1;
	ntm_replay_init(&win);
	assert_int_equal(open_pkt(&other, &win, kat_data, sizeof(kat_data)), NTM_E_AUTH);
	assert_int_equal(win.top, 0);
	other = k;
	other.relay[3] ^= 0x10;
	assert_int_equal(open_pkt(&other, &win, kat_data, sizeof(kat_data)), NTM_E_AUTH);
	assert_int_equal(open_pkt(&other, &win, kat_keepalive, sizeof(kat_keepalive)),
			 NTM_E_AUTH);
	assert_int_equal(win.top, 0);
}

static void test_replay_and_too_old(void **state)
{
	struct ntm_path_keys k;
	struct ntm_replay win;
	uint8_t p0[64], p35[64], p36[64], p100[64];
	size_t l0, l35, l36, l100;

	keys(&k);
	l0 = seal(&k, NTM_LEG_A, 0, "a", 1, p0, sizeof(p0));
	l35 = seal(&k, NTM_LEG_A, 35, "b", 1, p35, sizeof(p35));
	l36 = seal(&k, NTM_LEG_A, 36, "c", 1, p36, sizeof(p36));
	l100 = seal(&k, NTM_LEG_A, 100, "d", 1, p100, sizeof(p100));
	ntm_replay_init(&win);
	assert_int_equal(open_pkt(&k, &win, p0, l0), NTM_OK);
	assert_int_equal(open_pkt(&k, &win, p0, l0), NTM_E_REPLAY);
	assert_int_equal(open_pkt(&k, &win, p100, l100), NTM_OK);
	assert_int_equal(open_pkt(&k, &win, p100, l100), NTM_E_REPLAY);
	assert_int_equal(open_pkt(&k, &win, p35, l35), NTM_E_REPLAY);	/* 65 below */
	assert_int_equal(open_pkt(&k, &win, p36, l36), NTM_OK);	/* 64 below */
	assert_int_equal(open_pkt(&k, &win, p36, l36), NTM_E_REPLAY);
}

/* A forged packet with a fresh counter must not move the window. */
static void test_failed_auth_keeps_window(void **state)
{
	struct ntm_path_keys k;
	struct ntm_replay win;
	uint8_t p1[64], p500[64];
	size_t l1, l500;

	keys(&k);
	l1 = seal(&k, NTM_LEG_A, 1, "x", 1, p1, sizeof(p1));
	l500 = seal(&k, NTM_LEG_A, 500, "y", 1, p500, sizeof(p500));
	p500[l500 - 1] ^= 1;
	ntm_replay_init(&win);
	assert_int_equal(open_pkt(&k, &win, p500, l500), NTM_E_AUTH);
	assert_int_equal(open_pkt(&k, &win, p1, l1), NTM_OK);
}

static void test_plain_too_small(void **state)
{
	struct ntm_path_keys k;
	struct ntm_replay win;
	uint8_t plain[64];
	size_t plen = 7;

	keys(&k);
	ntm_replay_init(&win);
	assert_int_equal(ntm_data_open(&k, &win, kat_data, sizeof(kat_data), NULL,
				       plain, strlen(kat_inner) - 1, &plen), NTM_E_LENGTH);
	assert_int_equal(plen, 0);
	assert_int_equal(win.top, 0);
	assert_int_equal(ntm_data_open(&k, &win, kat_data, sizeof(kat_data), NULL,
				       plain, strlen(kat_inner), &plen), NTM_OK);
}

static void test_every_truncation(void **state)
{
	struct ntm_path_keys k;
	uint8_t big[NTM_KEEPALIVE_LEN + 1];
	size_t len;

	keys(&k);
	for (len = 0; len < sizeof(kat_data); len++) {
		int ret = open_pkt(&k, NULL, kat_data, len);

		/* Below 40 bytes a Data is TRUNCATED; above, the AEAD tag is
		 * in the wrong place and fails. */
		assert_int_equal(ret, len < NTM_DATA_MIN_LEN ? NTM_E_TRUNCATED : NTM_E_AUTH);
		assert_int_equal(ntm_data_relay_check(k.relay, NULL, kat_data, len, NULL),
				 len < NTM_DATA_MIN_LEN ? NTM_E_TRUNCATED : NTM_OK);
	}
	for (len = 0; len < sizeof(kat_keepalive); len++)
		assert_int_equal(open_pkt(&k, NULL, kat_keepalive, len), NTM_E_TRUNCATED);
	memcpy(big, kat_keepalive, sizeof(kat_keepalive));
	big[NTM_KEEPALIVE_LEN] = 0;
	assert_int_equal(open_pkt(&k, NULL, big, sizeof(big)), NTM_E_LENGTH);
}

static void test_header_fields(void **state)
{
	struct ntm_path_keys k;
	uint8_t pkt[64];
	size_t len;

	keys(&k);
	len = seal(&k, NTM_LEG_A, 3, "z", 1, pkt, sizeof(pkt));
	pkt[0] = 2;
	assert_int_equal(open_pkt(&k, NULL, pkt, len), NTM_E_VERSION);
	pkt[0] = 1;
	pkt[1] = NTM_MSG_PATH_TEARDOWN;	/* a control type */
	assert_int_equal(open_pkt(&k, NULL, pkt, len), NTM_E_TYPE);
	pkt[1] = 0x82;
	assert_int_equal(open_pkt(&k, NULL, pkt, len), NTM_E_TYPE);
	/* PathID 0, re-tagged so only the PathID rule can refuse it. */
	pkt[1] = NTM_MSG_DATA;
	memset(pkt + 4, 0, 4);
	ntm_relay_tag(k.relay, pkt, pkt + NTM_DATA_AUTH_LEN);
	assert_int_equal(open_pkt(&k, NULL, pkt, len), NTM_E_MALFORMED);
	assert_true(ntm_is_dataplane(kat_data, sizeof(kat_data)));
	assert_false(ntm_is_dataplane(kat_data, 1));
	pkt[1] = NTM_MSG_ROUTE_DIRECTION;
	assert_false(ntm_is_dataplane(pkt, len));
}

static void test_keepalive(void **state)
{
	struct ntm_path_keys k;
	struct ntm_replay win;
	struct ntm_data_hdr hdr;
	uint8_t ka[NTM_KEEPALIVE_LEN];
	size_t plen = 5;

	keys(&k);
	assert_int_equal(ntm_keepalive_build(&k, NTM_LEG_B, PATH, 42, ka, sizeof(ka)),
			 NTM_KEEPALIVE_LEN);
	ntm_replay_init(&win);
	assert_int_equal(ntm_data_open(&k, &win, ka, sizeof(ka), &hdr, NULL, 0, &plen),
			 NTM_OK);
	assert_int_equal(plen, 0);
	assert_int_equal(hdr.type, NTM_MSG_KEEPALIVE);
	assert_int_equal(hdr.counter, 42);
	assert_int_equal(ntm_data_hdr_leg(&hdr), NTM_LEG_B);
	assert_int_equal(win.top, 43);
	assert_int_equal(ntm_data_open(&k, &win, ka, sizeof(ka), &hdr, NULL, 0, &plen),
			 NTM_E_REPLAY);
	/* Keepalives and Data share the sender's counter and window. */
	ntm_replay_init(&win);
	assert_int_equal(ntm_data_open(&k, &win, ka, sizeof(ka), NULL, NULL, 0, &plen),
			 NTM_OK);
	{
		uint8_t pkt[64];
		size_t len = seal(&k, NTM_LEG_B, 42, "q", 1, pkt, sizeof(pkt));

		assert_int_equal(open_pkt(&k, &win, pkt, len), NTM_E_REPLAY);
	}
}

static void test_relay_check(void **state)
{
	struct ntm_path_keys k;
	struct ntm_replay win[2];
	struct ntm_data_hdr hdr;
	uint8_t a5[64], b5[64], bad[64];
	size_t la, lb;

	keys(&k);
	la = seal(&k, NTM_LEG_A, 5, "from a", 6, a5, sizeof(a5));
	lb = seal(&k, NTM_LEG_B, 5, "from b", 6, b5, sizeof(b5));
	ntm_replay_init(&win[0]);
	ntm_replay_init(&win[1]);
	assert_int_equal(ntm_data_relay_check_legs(k.relay, win, a5, la, &hdr), NTM_OK);
	assert_int_equal(hdr.counter, 5);
	assert_int_equal(ntm_data_relay_check_legs(k.relay, win, b5, lb, &hdr), NTM_OK);
	assert_int_equal(win[NTM_LEG_A].top, 6);
	assert_int_equal(win[NTM_LEG_B].top, 6);
	assert_int_equal(ntm_data_relay_check_legs(k.relay, win, a5, la, NULL),
			 NTM_E_REPLAY);
	assert_int_equal(ntm_data_relay_check_legs(k.relay, win, b5, lb, NULL),
			 NTM_E_REPLAY);
	/* Single window: the caller's choice. */
	ntm_replay_init(&win[0]);
	assert_int_equal(ntm_data_relay_check(k.relay, &win[0], a5, la, NULL), NTM_OK);
	assert_int_equal(ntm_data_relay_check(k.relay, &win[0], a5, la, NULL),
			 NTM_E_REPLAY);
	memcpy(bad, a5, la);
	bad[9] ^= 0x40;	/* counter */
	ntm_replay_init(&win[0]);
	assert_int_equal(ntm_data_relay_check(k.relay, &win[0], bad, la, NULL),
			 NTM_E_AUTH);
	assert_int_equal(win[0].top, 0);
	/* The relay never needs the data key: an RS-S has none. */
	assert_int_equal(ntm_data_relay_check(k.relay, NULL, kat_keepalive,
					      sizeof(kat_keepalive), NULL), NTM_OK);
}

static void test_counter_max_packet(void **state)
{
	struct ntm_path_keys k;
	struct ntm_replay win;
	uint8_t pkt[64];
	size_t len;

	keys(&k);
	len = seal(&k, NTM_LEG_B, NTM_COUNTER_MAX, "m", 1, pkt, sizeof(pkt));
	ntm_replay_init(&win);
	assert_int_equal(open_pkt(&k, &win, pkt, len), NTM_OK);
	assert_int_equal(open_pkt(&k, &win, pkt, len), NTM_E_REPLAY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nonce_layout),
		cmocka_unit_test(test_seal_known_answer),
		cmocka_unit_test(test_open_known_answer),
		cmocka_unit_test(test_round_trip_sizes),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_seal_rejects_bad_arguments),
		cmocka_unit_test(test_tamper_every_bit),
		cmocka_unit_test(test_tampered_payload_relay_vs_end),
		cmocka_unit_test(test_wrong_leg),
		cmocka_unit_test(test_reflection),
		cmocka_unit_test(test_wrong_keys),
		cmocka_unit_test(test_replay_and_too_old),
		cmocka_unit_test(test_failed_auth_keeps_window),
		cmocka_unit_test(test_plain_too_small),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_relay_check),
		cmocka_unit_test(test_counter_max_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
