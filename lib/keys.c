// SPDX-License-Identifier: MIT
/*
 * Path keys (HKDF-SHA256), the relay tag (SipHash-2-4) and key wiping.
 *
 * SipHash is written out rather than taken from OpenSSL's EVP_MAC: it runs
 * once per relayed packet, must equal the reference algorithm and the
 * kernel's siphash() bit for bit, and a fetch + context per 16 bytes would
 * cost more than the hash.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

static const char ntm_hkdf_salt[] = "ntmobile v1";

void ntm_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

void ntm_path_keys_wipe(struct ntm_path_keys *k)
{
	ntm_wipe(k, sizeof(*k));
}

/* HKDF-SHA256(salt "ntmobile v1", IKM = path key, info) into out[len]. */
static int ntm_hkdf(const uint8_t ikm[NTM_PATH_KEY_BYTES], const char *info,
		    uint8_t *out, size_t len)
{
	OSSL_PARAM params[5];
	EVP_KDF_CTX *kctx;
	EVP_KDF *kdf;
	int ret = NTM_E_INTERNAL;

	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (!kdf)
		return NTM_E_INTERNAL;
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (!kctx)
		return NTM_E_INTERNAL;
	/* OSSL_PARAM takes void *: the buffers are only read. The strings go
	 * without their NUL, as protocol.md says. */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						      (void *)ikm, NTM_PATH_KEY_BYTES);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						      (void *)ntm_hkdf_salt,
						      sizeof(ntm_hkdf_salt) - 1);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
						      (void *)info, strlen(info));
	params[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, len, params) == 1)
		ret = NTM_OK;
	EVP_KDF_CTX_free(kctx);
	return ret;
}

int ntm_path_keys_derive(const uint8_t path_key[NTM_PATH_KEY_BYTES],
			 struct ntm_path_keys *out)
{
	int ret;

	ret = ntm_hkdf(path_key, "ntm relay", out->relay, sizeof(out->relay));
	if (ret == NTM_OK)
		ret = ntm_hkdf(path_key, "ntm data", out->data, sizeof(out->data));
	if (ret == NTM_OK)
		ret = ntm_hkdf(path_key, "ntm tunnel", out->tunnel,
			       sizeof(out->tunnel));
	if (ret != NTM_OK)
		ntm_path_keys_wipe(out);
	return ret;
}

static inline uint64_t ntm_get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t ntm_rotl64(uint64_t x, unsigned int b)
{
	return x << b | x >> (64 - b);
}

static inline void ntm_sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ntm_rotl64(v[1], 13);
	v[1] ^= v[0];
	v[0] = ntm_rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = ntm_rotl64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ntm_rotl64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ntm_rotl64(v[1], 17);
	v[1] ^= v[2];
	v[2] = ntm_rotl64(v[2], 32);
}

static inline void ntm_sip_compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	ntm_sipround(v);
	ntm_sipround(v);
	v[0] ^= m;
}

/* The key is two little-endian u64, as the kernel's siphash_key_t holds it. */
uint64_t ntm_siphash24(const uint8_t key[16], const uint8_t *in, size_t len)
{
	uint64_t k0 = ntm_get_le64(key), k1 = ntm_get_le64(key + 8);
	uint64_t v[4] = {
		0x736f6d6570736575ULL ^ k0,
		0x646f72616e646f6dULL ^ k1,
		0x6c7967656e657261ULL ^ k0,
		0x7465646279746573ULL ^ k1,
	};
	uint64_t last = (uint64_t)len << 56;
	size_t i, full = len & ~(size_t)7;

	for (i = 0; i < full; i += 8)
		ntm_sip_compress(v, ntm_get_le64(in + i));
	for (; i < len; i++)
		last |= (uint64_t)in[i] << (8 * (i & 7));
	ntm_sip_compress(v, last);
	v[2] ^= 0xff;
	ntm_sipround(v);
	ntm_sipround(v);
	ntm_sipround(v);
	ntm_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void ntm_relay_tag(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
		   const uint8_t hdr[NTM_DATA_AUTH_LEN],
		   uint8_t tag[NTM_RELAY_TAG_LEN])
{
	uint64_t h = ntm_siphash24(relay_key, hdr, NTM_DATA_AUTH_LEN);
	int i;

	for (i = 0; i < NTM_RELAY_TAG_LEN; i++)
		tag[i] = (uint8_t)(h >> (8 * i));
}

int ntm_relay_tag_verify(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
			 const uint8_t hdr[NTM_DATA_HDR_LEN])
{
	uint8_t tag[NTM_RELAY_TAG_LEN];
	int ok;

	ntm_relay_tag(relay_key, hdr, tag);
	ok = CRYPTO_memcmp(tag, hdr + NTM_DATA_AUTH_LEN, NTM_RELAY_TAG_LEN) == 0;
	ntm_wipe(tag, sizeof(tag));
	return ok;
}

int ntm_relay_direction_keys(struct ntm_relay_direction *rd,
			     const uint8_t path_key[NTM_PATH_KEY_BYTES])
{
	struct ntm_path_keys k;
	int ret;

	ret = ntm_path_keys_derive(path_key, &k);
	if (ret != NTM_OK)
		return ret;
	memcpy(rd->relay_key, k.relay, sizeof(rd->relay_key));
	memcpy(rd->tunnel_key, k.tunnel, sizeof(rd->tunnel_key));
	if (rd->rs_type == NTM_RS_TYPE_S)
		memset(rd->data_key, 0, sizeof(rd->data_key));
	else
		memcpy(rd->data_key, k.data, sizeof(rd->data_key));
	ntm_path_keys_wipe(&k);
	return NTM_OK;
}
