// SPDX-License-Identifier: MIT
/* Path key derivation (HKDF-SHA256) and SipHash-2-4 (lib/keys.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <ntm/ntm.h>

/*
 * Known answer for path key 00 01 02 ... 1f. Produced once with Python's
 * hmac/hashlib, independently of OpenSSL's HKDF:
 *
 *   prk = hmac.new(b"ntmobile v1", ikm, hashlib.sha256).digest()
 *   okm = T(1) | T(2) ..., T(i) = hmac.new(prk, T(i-1) + info + bytes([i]))
 *
 * (the same code gives RFC 5869 test case 1's OKM 3cb25f25...).
 */
static const uint8_t kat_relay[16] = {
	0x2d, 0x55, 0xf9, 0x8c, 0x84, 0x21, 0xe2, 0x78,
	0x8f, 0xaa, 0xd8, 0xf9, 0x34, 0xa0, 0xf6, 0x3f,
};
static const uint8_t kat_data[32] = {
	0x08, 0x9a, 0x01, 0x76, 0x4e, 0x29, 0x6c, 0x01,
	0x45, 0xa0, 0x1e, 0xb2, 0x7d, 0x18, 0x7f, 0xe8,
	0x4d, 0x56, 0x73, 0x38, 0xad, 0x4a, 0xba, 0xf7,
	0x62, 0x27, 0xcc, 0x60, 0x0d, 0x3d, 0xd6, 0xa4,
};
static const uint8_t kat_tunnel[32] = {
	0x4b, 0x1b, 0x5d, 0x8b, 0x86, 0x85, 0xe6, 0x98,
	0x50, 0x4b, 0x10, 0x33, 0xcc, 0xe5, 0x37, 0xdb,
	0x94, 0x45, 0x1a, 0x2a, 0xd1, 0x23, 0x1f, 0xdc,
	0xab, 0x0d, 0x7e, 0x7d, 0x65, 0xb0, 0xba, 0x43,
};

/*
 * SipHash-2-4 reference vectors (vectors.h of github.com/veorq/SipHash, the
 * reference implementation of the paper): key 00..0f, message 00..len-1 for
 * len 0..63, as the 64-bit results the Linux kernel's lib/test_siphash.c
 * checks siphash() against (key loaded as two little-endian u64). Entry 15
 * is the paper's Appendix A example, a129ca6149be45e5.
 */
static const uint64_t sip_vectors[64] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
	0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
	0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
	0xa129ca6149be45e5ULL, 0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL,
	0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL, 0xbed65cf21aa2ee98ULL,
	0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
	0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL,
	0x2f2e6163076bcfadULL, 0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL,
	0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL, 0x7127512f72f27cceULL,
	0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
	0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL,
	0x9abfd8766a33735cULL, 0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL,
	0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL, 0xf935451de4f21df2ULL,
	0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
	0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL,
	0xa192d576b245165aULL, 0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL,
	0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL, 0xb78dbfaf3a8d83bdULL,
	0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
	0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL,
	0x958a324ceb064572ULL,
};

static void seq(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)i;
}

static void test_hkdf_known_answer(void **state)
{
	uint8_t pk[NTM_PATH_KEY_BYTES];
	struct ntm_path_keys k;

	seq(pk, sizeof(pk));
	memset(&k, 0xaa, sizeof(k));
	assert_int_equal(ntm_path_keys_derive(pk, &k), NTM_OK);
	assert_memory_equal(k.relay, kat_relay, sizeof(kat_relay));
	assert_memory_equal(k.data, kat_data, sizeof(kat_data));
	assert_memory_equal(k.tunnel, kat_tunnel, sizeof(kat_tunnel));
}

static void test_hkdf_depends_on_every_key_byte(void **state)
{
	uint8_t pk[NTM_PATH_KEY_BYTES];
	struct ntm_path_keys base, k;
	size_t i;

	seq(pk, sizeof(pk));
	assert_int_equal(ntm_path_keys_derive(pk, &base), NTM_OK);
	for (i = 0; i < sizeof(pk); i++) {
		pk[i] ^= 1;
		assert_int_equal(ntm_path_keys_derive(pk, &k), NTM_OK);
		assert_memory_not_equal(k.relay, base.relay, sizeof(k.relay));
		assert_memory_not_equal(k.data, base.data, sizeof(k.data));
		assert_memory_not_equal(k.tunnel, base.tunnel, sizeof(k.tunnel));
		pk[i] ^= 1;
	}
}

static void test_siphash_reference_vectors(void **state)
{
	uint8_t key[16], msg[64];
	size_t len;

	seq(key, sizeof(key));
	seq(msg, sizeof(msg));
	for (len = 0; len < 64; len++)
		assert_int_equal(ntm_siphash24(key, msg, len), sip_vectors[len]);
}

/* The relay tag is the 64-bit result written little-endian: for 16 bytes
 * of input that is reference vector 16 byte-swapped into memory order. */
static void test_relay_tag_vector(void **state)
{
	static const uint8_t want[8] = { 0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f };
	uint8_t key[16], hdr[NTM_DATA_AUTH_LEN], tag[NTM_RELAY_TAG_LEN];

	seq(key, sizeof(key));
	seq(hdr, sizeof(hdr));
	ntm_relay_tag(key, hdr, tag);
	assert_memory_equal(tag, want, sizeof(want));
}

/* OpenSSL's EVP_MAC "SIPHASH" (size 8) is an independent implementation
 * whose output bytes are the reference's: compare over many lengths. */
static void test_siphash_matches_openssl(void **state)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	uint8_t key[16], msg[200], out[8], mine[8];
	size_t len, outl, i;
	uint64_t h;

	assert_non_null(mac);
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0xf0 ^ i * 7);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 31 + 5);
	for (len = 0; len <= sizeof(msg); len++) {
		EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
		size_t sz = 8;
		OSSL_PARAM p[] = {
			OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &sz),
			OSSL_PARAM_construct_end(),
		};

		assert_non_null(ctx);
		assert_int_equal(EVP_MAC_init(ctx, key, sizeof(key), p), 1);
		assert_int_equal(EVP_MAC_update(ctx, msg, len), 1);
		assert_int_equal(EVP_MAC_final(ctx, out, &outl, sizeof(out)), 1);
		assert_int_equal(outl, 8);
		EVP_MAC_CTX_free(ctx);
		h = ntm_siphash24(key, msg, len);
		for (i = 0; i < 8; i++)
			mine[i] = (uint8_t)(h >> (8 * i));
		assert_memory_equal(mine, out, 8);
	}
	EVP_MAC_free(mac);
}

static void test_relay_tag_verify(void **state)
{
	uint8_t key[16], hdr[NTM_DATA_HDR_LEN];
	size_t i;
	int bit;

	seq(key, sizeof(key));
	seq(hdr, sizeof(hdr));
	ntm_relay_tag(key, hdr, hdr + NTM_DATA_AUTH_LEN);
	assert_true(ntm_relay_tag_verify(key, hdr));
	for (i = 0; i < NTM_DATA_HDR_LEN; i++)
		for (bit = 0; bit < 8; bit++) {
			hdr[i] ^= (uint8_t)(1 << bit);
			assert_false(ntm_relay_tag_verify(key, hdr));
			hdr[i] ^= (uint8_t)(1 << bit);
		}
	key[15] ^= 0x80;
	assert_false(ntm_relay_tag_verify(key, hdr));
}

static void test_wipe(void **state)
{
	struct ntm_path_keys k;
	uint8_t zero[sizeof(k)] = { 0 };

	memset(&k, 0x5a, sizeof(k));
	ntm_path_keys_wipe(&k);
	assert_memory_equal(&k, zero, sizeof(k));
	ntm_wipe(NULL, 0);	/* allowed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hkdf_known_answer),
		cmocka_unit_test(test_hkdf_depends_on_every_key_byte),
		cmocka_unit_test(test_siphash_reference_vectors),
		cmocka_unit_test(test_relay_tag_vector),
		cmocka_unit_test(test_siphash_matches_openssl),
		cmocka_unit_test(test_relay_tag_verify),
		cmocka_unit_test(test_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
