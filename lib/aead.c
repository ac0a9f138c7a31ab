// SPDX-License-Identifier: MIT
/* ChaCha20-Poly1305 with OpenSSL EVP; see aead.h. */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include <ntm/status.h>

#include "aead.h"

static EVP_CIPHER_CTX *ntm_aead_ctx(const uint8_t *key, const uint8_t *nonce,
				    int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (!ctx)
		return NULL;
	/* The cipher first, then the IV length, then key and nonce. */
	if (EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Feed the associated data and the text; OpenSSL handles in == out. */
static int ntm_aead_update(EVP_CIPHER_CTX *ctx, const uint8_t *ad, size_t ad_len,
			   const uint8_t *in, size_t len, uint8_t *out)
{
	int outl;

	if (ad_len > INT_MAX || len > INT_MAX)
		return 0;
	if (ad_len && EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)ad_len) != 1)
		return 0;
	if (len && (EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1 ||
		    outl != (int)len))
		return 0;
	return 1;
}

int ntm_aead_seal(const uint8_t key[NTM_AEAD_KEY_BYTES], const uint8_t nonce[12],
		  const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t len,
		  uint8_t *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX *ctx = ntm_aead_ctx(key, nonce, 1);
	int ret = NTM_E_INTERNAL;
	uint8_t fin[16];
	int outl = 0;

	if (!ctx)
		return NTM_E_INTERNAL;
	if (ntm_aead_update(ctx, ad, ad_len, in, len, out) &&
	    EVP_EncryptFinal_ex(ctx, fin, &outl) == 1 && outl == 0 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1)
		ret = NTM_OK;
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int ntm_aead_open(const uint8_t key[NTM_AEAD_KEY_BYTES], const uint8_t nonce[12],
		  const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t len,
		  const uint8_t tag[16], uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = ntm_aead_ctx(key, nonce, 0);
	uint8_t tagbuf[16], fin[16];
	int ret = NTM_E_INTERNAL;
	int outl = 0;

	if (!ctx) {
		if (len)
			memset(out, 0, len);
		return NTM_E_INTERNAL;
	}
	/* The tag is copied first: @out may alias the packet it came from. */
	memcpy(tagbuf, tag, sizeof(tagbuf));
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tagbuf) == 1 &&
	    ntm_aead_update(ctx, ad, ad_len, in, len, out)) {
		/* Final fails on a wrong tag, the expected failure here. */
		ret = EVP_DecryptFinal_ex(ctx, fin, &outl) == 1 && outl == 0 ?
		      NTM_OK : NTM_E_AUTH;
	}
	EVP_CIPHER_CTX_free(ctx);
	if (ret != NTM_OK && len)
		memset(out, 0, len);
	return ret;
}
