// SPDX-License-Identifier: MIT
/*
 * ntm_ctl_open() on arbitrary datagrams, and on arbitrary headers and
 * bodies sealed here under a fixed key: a fuzzer cannot forge a Poly1305
 * tag, so without sealing it would never get past the AEAD to the body
 * decoders.
 *
 * Input: one mode byte, then a 36-byte header and a plaintext body.
 *   bit 0: set the length field to the real length
 *   bit 1: receiver's clock = the header's timestamp (else a fixed time)
 *   bit 2: use a nonce cache and open twice (the second must be REPLAY)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

#include "aead.h"

#define NOW 1700000000000ULL
#define NO_SUCH_KEY 0xffffffffu

static const uint8_t fuzz_key[NTM_CTL_KEY_BYTES] = {
	0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,
	0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
	0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
};

static int fuzz_lookup(void *arg, uint8_t type, uint32_t key_id, uint8_t *key)
{
	if (key_id == NO_SUCH_KEY)
		return NTM_E_UNKNOWN_KEY;
	memcpy(key, fuzz_key, NTM_CTL_KEY_BYTES);
	return NTM_OK;
}

static int fuzz_random(void *arg, uint8_t *buf, size_t len)
{
	memset(buf, 0x3c, len);
	return NTM_OK;
}

static const struct ntm_ctl_env fuzz_env = { .random = fuzz_random };

/* An authentic message that opened: check what it decoded to. */
static void check_opened(const uint8_t *msg, size_t len, const struct ntm_ctl_hdr *h,
			 const union ntm_body *b, const uint8_t *plain, size_t n)
{
	uint8_t again[NTM_BODY_MAX_LEN];
	ssize_t m;

	if (!h->authenticated || h->length != len || h->type != msg[1] ||
	    h->key_id != ntm_get_be32(msg + 4) || h->txn_id != ntm_get_be64(msg + 16))
		abort();
	/* Decoding then encoding gives back the exact bytes. */
	m = ntm_body_encode(h->type, b, again, sizeof(again));
	if (m < 0 || (size_t)m != n || memcmp(again, plain, n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t msg[NTM_CTL_MAX_LEN];
	struct ntm_nonce_cache *nc = NULL;
	struct ntm_ctl_hdr h;
	union ntm_body b;
	uint8_t mode;
	uint64_t now;
	size_t n, len;
	int ret;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	/* As received: nothing here is authentic. */
	(void)ntm_ctl_open(data, size, fuzz_lookup, NULL, NULL, NOW, &h, &b);

	if (size < NTM_CTL_HDR_LEN || size - NTM_CTL_HDR_LEN > NTM_BODY_MAX_LEN)
		return 0;
	n = size - NTM_CTL_HDR_LEN;
	len = NTM_CTL_OVERHEAD + n;
	memcpy(msg, data, NTM_CTL_HDR_LEN);
	if (mode & 1)
		ntm_put_be16(msg + 2, (uint16_t)len);
	if (ntm_aead_seal(fuzz_key, msg + 24, msg, NTM_CTL_HDR_LEN, data + NTM_CTL_HDR_LEN,
			  n, msg + NTM_CTL_HDR_LEN, msg + NTM_CTL_HDR_LEN + n) != NTM_OK)
		abort();
	now = (mode & 2) ? ntm_get_be64(msg + 8) : NOW;
	if (mode & 4) {
		nc = ntm_nonce_cache_new(16, &fuzz_env);
		if (!nc)
			abort();
	}
	ret = ntm_ctl_open(msg, len, fuzz_lookup, NULL, nc, now, &h, &b);
	/* Sealed right, under the key the lookup gives: never AUTH. */
	if (ret == NTM_E_AUTH)
		abort();
	if (ret == NTM_E_UNKNOWN_KEY && ntm_get_be32(msg + 4) != NO_SUCH_KEY)
		abort();
	if ((ret == NTM_E_STALE || ret == NTM_E_MALFORMED) && !h.authenticated)
		abort();
	if (ret == NTM_OK) {
		check_opened(msg, len, &h, &b, data + NTM_CTL_HDR_LEN, n);
		if (nc && ntm_ctl_open(msg, len, fuzz_lookup, NULL, nc, now, &h, &b) !=
			  NTM_E_REPLAY)
			abort();
	}
	ntm_nonce_cache_free(nc);
	return 0;
}
