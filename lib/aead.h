/* SPDX-License-Identifier: MIT */
/*
 * ChaCha20-Poly1305 (RFC 8439) through OpenSSL EVP, the one place libntm
 * touches a cipher: control messages and Data share it. Internal to libntm.
 */
#ifndef _NTM_LIB_AEAD_H
#define _NTM_LIB_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define NTM_AEAD_KEY_BYTES	32

/*
 * Encrypt @len bytes of @in to @out (equal to @in, or not overlapping) and
 * write the 16-byte tag. @len and @ad_len must fit an int. NTM_OK or
 * NTM_E_INTERNAL.
 */
int ntm_aead_seal(const uint8_t key[NTM_AEAD_KEY_BYTES], const uint8_t nonce[12],
		  const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t len,
		  uint8_t *out, uint8_t tag[16]);

/*
 * Decrypt and verify. On NTM_E_AUTH (or NTM_E_INTERNAL) @out is zeroed:
 * unauthenticated plaintext never reaches the caller.
 */
int ntm_aead_open(const uint8_t key[NTM_AEAD_KEY_BYTES], const uint8_t nonce[12],
		  const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t len,
		  const uint8_t tag[16], uint8_t *out);

#endif /* _NTM_LIB_AEAD_H */
