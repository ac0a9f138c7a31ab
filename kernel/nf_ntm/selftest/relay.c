// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests run at module load in builds with NTM_SELFTEST=y (included at
 * the bottom of relay.c): the replay window, the relay tag and the data seal
 * against vectors computed independently from docs/protocol.md, and the relay
 * table. The module refuses to load if one fails.
 */

#include <crypto/chacha20poly1305.h>

struct ntm_selftest_step {
	u64 counter;
	bool fresh;
};

static bool __init ntm_selftest_replay(void)
{
	static const struct ntm_selftest_step steps[] __initconst = {
		{ 0, true }, { 0, false }, { 1, true }, { 5, true }, { 3, true },
		{ 3, false }, { 70, true }, { 5, false }, { 8, true }, { 70, false },
		{ 69, true }, { 1000, true }, { 999, true }, { 999, false },
		{ 935, false }, { 938, true }, { 70, false },
		{ NTM_COUNTER_MAX, true }, { NTM_COUNTER_MAX, false },
		{ NTM_COUNTER_MAX + 1, false },
	};
	struct ntm_replay r;
	size_t i;

	ntm_replay_init(&r);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		bool fresh = ntm_replay_check(&r, steps[i].counter) &&
			     ntm_replay_update(&r, steps[i].counter);

		if (fresh != steps[i].fresh) {
			pr_err("replay self-test %zu (counter %llu): fail\n", i,
			       steps[i].counter);
			return false;
		}
	}
	return true;
}

/* A Data message of PathID 0x01020304 from leg B, counter 5, "ntmobile". */
static bool __init ntm_selftest_seal(void)
{
	static const u8 want[] __initconst = {
		0x01, 0x80, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
		0xdc, 0x98, 0xa9, 0x33, 0x9c, 0xdb, 0x66, 0x18,
		0x7e, 0xba, 0x79, 0xda, 0x51, 0x57, 0x25, 0xaf,
		0xd8, 0x17, 0xa4, 0x28, 0xd7, 0xea, 0x5a, 0x11,
		0x0c, 0xdd, 0x7a, 0xca, 0xab, 0x54, 0x86, 0x67,
	};
	/* SipHash-2-4 reference vector for 16 bytes 00..0f, key 00..0f. */
	static const u8 sip16[] __initconst = {
		0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f,
	};
	u8 key[NTM_DATA_KEY_BYTES], pkt[sizeof(want)];
	struct ntm_data_hdr h;
	struct ntm_path *p;
	bool ok;
	int i;

	p = ntm_path_alloc(NTM_PATH_RS_N);
	if (!p)
		return false;
	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	ntm_relay_key_load(&p->relay_key, key);
	memcpy(p->inner.data_key, key, sizeof(key));

	memcpy(pkt, key, NTM_DATA_AUTH_LEN);
	ntm_relay_tag_put(p, pkt);
	ok = !memcmp(pkt + NTM_DATA_AUTH_LEN, sip16, sizeof(sip16));

	ntm_data_hdr_encode(pkt, NTM_MSG_DATA, NTM_LEG_B, 0x01020304, 5);
	ntm_relay_tag_put(p, pkt);
	memcpy(pkt + NTM_DATA_HDR_LEN, "ntmobile", 8);
	chacha20poly1305_encrypt(pkt + NTM_DATA_HDR_LEN, pkt + NTM_DATA_HDR_LEN,
				 8, pkt, NTM_DATA_HDR_LEN,
				 ntm_data_nonce(NTM_LEG_B, 5), p->inner.data_key);
	ok = ok && !memcmp(pkt, want, sizeof(want));
	ok = ok && ntm_data_hdr_decode(pkt, sizeof(pkt), &h) == NTM_WIRE_OK &&
	     h.path_id == 0x01020304 && h.counter == 5 &&
	     ntm_data_hdr_leg(&h) == NTM_LEG_B && ntm_relay_tag_ok(p, pkt);
	pkt[3] = 1;
	ok = ok && ntm_data_hdr_decode(pkt, sizeof(pkt), &h) == NTM_WIRE_FLAGS;
	pkt[3] = 0;
	pkt[9] ^= 1;
	ok = ok && !ntm_relay_tag_ok(p, pkt);
	ntm_path_free(p);
	if (!ok)
		pr_err("relay tag and seal self-test: fail\n");
	return ok;
}

static struct ntm_path *__init ntm_selftest_path(u8 type, u32 id, u32 vip_b)
{
	struct ntm_path *p = ntm_path_alloc(type);

	if (!p)
		return NULL;
	p->id = id;
	if (ntm_path_has_inner(p)) {
		p->inner.vip.a = htonl(0x64400002);
		p->inner.vip.b = htonl(vip_b);
	}
	return p;
}

static bool __init ntm_selftest_check(bool cond, int line)
{
	if (!cond)
		pr_err("relay table self-test, line %d: fail\n", line);
	return cond;
}

#define NTM_CHECK(cond) ntm_selftest_check(cond, __LINE__)

static bool __init ntm_selftest_table(void)
{
	__be32 vip_a = htonl(0x64400002);
	struct ntm_path *p, *q;
	struct ntm_relay r;
	bool ok = false;
	u32 i;

	if (ntm_relay_init(&r))
		return false;
	r.max = 1000;

	p = ntm_selftest_path(NTM_PATH_RS_N, 7, 0x64400101);
	if (!NTM_CHECK(p && !ntm_relay_insert(&r, p)))
		goto out;
	q = ntm_selftest_path(NTM_PATH_RS_T, 8, 0x64400101);
	if (!NTM_CHECK(q))
		goto out;
	if (!NTM_CHECK(ntm_relay_insert(&r, q) == -EADDRINUSE)) {
		ntm_path_release(q);
		goto out;
	}
	ntm_path_release(q);
	if (!NTM_CHECK(ntm_relay_lookup(&r, 7) == p && !ntm_relay_lookup(&r, 8)) ||
	    !NTM_CHECK(ntm_relay_lookup_vip(&r, vip_a, htonl(0x64400101)) == p) ||
	    !NTM_CHECK(!ntm_relay_lookup_vip(&r, htonl(0x64400101), vip_a)))
		goto out;

	atomic64_set(&p->inner.tx_counter, 42);
	q = ntm_selftest_path(NTM_PATH_RS_N, 7, 0x64400102);
	if (!NTM_CHECK(q))
		goto out;
	if (!NTM_CHECK(!ntm_relay_replace(&r, p, q, BIT(NTM_LEG_A), false))) {
		ntm_path_free(q);
		goto out;
	}
	if (!NTM_CHECK(ntm_relay_lookup(&r, 7) == q && r.count == 1) ||
	    !NTM_CHECK(!ntm_relay_lookup_vip(&r, vip_a, htonl(0x64400101))) ||
	    !NTM_CHECK(ntm_relay_lookup_vip(&r, vip_a, htonl(0x64400102)) == q) ||
	    !NTM_CHECK(atomic64_read(&q->inner.tx_counter) == 42))
		goto out;
	ntm_relay_remove(&r, q);
	if (!NTM_CHECK(!ntm_relay_lookup(&r, 7) && !r.count))
		goto out;

	for (i = 1; i <= r.max; i++) {
		p = ntm_selftest_path(NTM_PATH_RS_S, i, 0);
		if (!NTM_CHECK(p))
			goto out;
		if (!NTM_CHECK(!ntm_relay_insert(&r, p))) {
			ntm_path_release(p);
			goto out;
		}
	}
	p = ntm_selftest_path(NTM_PATH_RS_S, i, 0);
	if (!NTM_CHECK(p))
		goto out;
	ok = NTM_CHECK(ntm_relay_insert(&r, p) == -ENOSPC);
	ntm_path_free(p);
	p = ntm_relay_lookup(&r, 500);
	ok = ok && NTM_CHECK(p && p->id == 500);
out:
	ntm_relay_flush(&r);
	ntm_relay_destroy(&r);
	return ok;
}

bool __init ntm_relay_selftest(void)
{
	bool ok = ntm_selftest_replay() && ntm_selftest_seal() &&
		  ntm_selftest_table();

	if (ok)
		pr_info("self-tests: pass\n");
	return ok;
}
