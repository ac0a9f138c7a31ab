// SPDX-License-Identifier: MIT
/*
 * Sealed control messages (docs/protocol.md, "Control message header"):
 * header as associated data, body under ChaCha20-Poly1305 with the key the
 * key id names, freshness and nonce replay checked once authenticated.
 */
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

#include "aead.h"

uint64_t ntm_ctl_now_ms(const struct ntm_ctl_env *env)
{
	struct timespec ts;

	if (env && env->now_ms)
		return env->now_ms(env->arg);
	/* Only fails for a bad clock id: a zero time then reads as STALE. */
	if (clock_gettime(CLOCK_REALTIME, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int ntm_ctl_random(const struct ntm_ctl_env *env, uint8_t *buf, size_t len)
{
	if (env && env->random)
		return env->random(env->arg, buf, len) == NTM_OK ?
		       NTM_OK : NTM_E_INTERNAL;
	if (len > 0x7fffffff || RAND_bytes(buf, (int)len) != 1)
		return NTM_E_INTERNAL;
	return NTM_OK;
}

/* Whole-message length @len (header and tag included) right for @type. */
static int ntm_ctl_len_valid(uint8_t type, size_t len)
{
	union ntm_body none;
	size_t body;

	if (len < NTM_CTL_OVERHEAD)
		return 0;
	body = len - NTM_CTL_OVERHEAD;
	if (type == NTM_MSG_REGISTRATION_REQUEST)
		return body > NTM_REGISTRATION_REQUEST_MIN_LEN &&
		       body <= NTM_REGISTRATION_REQUEST_MAX_LEN;
	/* Fixed-size bodies: their length does not depend on the content. */
	memset(&none, 0, sizeof(none));
	return (ssize_t)body == ntm_body_len(type, &none);
}

int ntm_ctl_hdr_decode(const uint8_t *buf, size_t len, struct ntm_ctl_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (len < NTM_CTL_HDR_LEN)
		return NTM_E_TRUNCATED;
	h->version = buf[0];
	h->type = buf[1];
	h->length = ntm_get_be16(buf + 2);
	h->key_id = ntm_get_be32(buf + 4);
	h->timestamp_ms = ntm_get_be64(buf + 8);
	h->txn_id = ntm_get_be64(buf + 16);
	memcpy(h->nonce, buf + 24, NTM_CTL_NONCE_LEN);
	if (h->version != NTM_VERSION)
		return NTM_E_VERSION;
	if (!ntm_ctl_type_valid(h->type))
		return NTM_E_TYPE;
	if (len < h->length)
		return NTM_E_TRUNCATED;
	if (len > h->length || !ntm_ctl_len_valid(h->type, len))
		return NTM_E_LENGTH;
	return NTM_OK;
}

void ntm_ctl_hdr_encode(const struct ntm_ctl_hdr *h, uint8_t out[NTM_CTL_HDR_LEN])
{
	out[0] = NTM_VERSION;
	out[1] = h->type;
	ntm_put_be16(out + 2, h->length);
	ntm_put_be32(out + 4, h->key_id);
	ntm_put_be64(out + 8, h->timestamp_ms);
	ntm_put_be64(out + 16, h->txn_id);
	memcpy(out + 24, h->nonce, NTM_CTL_NONCE_LEN);
}

/* Tunnel Request and Response name their key by the PathID they carry. */
static int ntm_ctl_key_id_check(uint8_t type, uint32_t key_id,
				const union ntm_body *b)
{
	if (type == NTM_MSG_TUNNEL_REQUEST && b->tunnel_request.path_id != key_id)
		return NTM_E_MALFORMED;
	if (type == NTM_MSG_TUNNEL_RESPONSE && b->tunnel_response.path_id != key_id)
		return NTM_E_MALFORMED;
	return NTM_OK;
}

ssize_t ntm_ctl_seal(const struct ntm_ctl_env *env, uint8_t type,
		     uint32_t key_id, uint64_t txn_id,
		     const uint8_t key[NTM_CTL_KEY_BYTES],
		     const union ntm_body *body, uint8_t *out, size_t cap)
{
	struct ntm_ctl_hdr h;
	ssize_t n;
	size_t total;
	int ret;

	if (!ntm_ctl_type_valid(type))
		return -NTM_E_TYPE;
	if (cap < NTM_CTL_OVERHEAD)
		return -NTM_E_LENGTH;
	ret = ntm_ctl_key_id_check(type, key_id, body);
	if (ret != NTM_OK)
		return -ret;
	n = ntm_body_encode(type, body, out + NTM_CTL_HDR_LEN,
			    cap - NTM_CTL_OVERHEAD);
	if (n < 0)
		return n;
	total = NTM_CTL_OVERHEAD + (size_t)n;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.length = (uint16_t)total;
	h.key_id = key_id;
	h.timestamp_ms = ntm_ctl_now_ms(env);
	h.txn_id = txn_id;
	ret = ntm_ctl_random(env, h.nonce, sizeof(h.nonce));
	if (ret == NTM_OK) {
		ntm_ctl_hdr_encode(&h, out);
		ret = ntm_aead_seal(key, h.nonce, out, NTM_CTL_HDR_LEN,
				    out + NTM_CTL_HDR_LEN, (size_t)n,
				    out + NTM_CTL_HDR_LEN, out + NTM_CTL_HDR_LEN + n);
	}
	if (ret != NTM_OK) {
		/* Never leave a plaintext body (keys, for a Relay Direction). */
		ntm_wipe(out, total);
		return -ret;
	}
	return (ssize_t)total;
}

static int ntm_ctl_fresh(uint64_t ts, uint64_t now)
{
	return (ts > now ? ts - now : now - ts) <= NTM_CTL_FRESH_MS;
}

/* Everything after the tag verified; @plain is the decrypted body. */
static int ntm_ctl_accept(const struct ntm_ctl_hdr *h, const uint8_t *plain,
			  size_t n, struct ntm_nonce_cache *nonces,
			  uint64_t now_ms, union ntm_body *body)
{
	int ret;

	if (!ntm_ctl_fresh(h->timestamp_ms, now_ms))
		return NTM_E_STALE;
	/* Recorded before the body is decoded: a replayed malformed message
	 * must not earn a second Error. */
	if (nonces) {
		ret = ntm_nonce_cache_add(nonces, h->nonce, now_ms);
		if (ret != NTM_OK)
			return ret;
	}
	ret = ntm_body_decode(h->type, plain, n, body);
	if (ret == NTM_OK)
		ret = ntm_ctl_key_id_check(h->type, h->key_id, body);
	return ret;
}

int ntm_ctl_open(const uint8_t *buf, size_t len, ntm_ctl_key_fn *lookup,
		 void *lookup_arg, struct ntm_nonce_cache *nonces,
		 uint64_t now_ms, struct ntm_ctl_hdr *hdr, union ntm_body *body)
{
	uint8_t key[NTM_CTL_KEY_BYTES];
	uint8_t plain[NTM_BODY_MAX_LEN];
	size_t n;
	int ret;

	memset(body, 0, sizeof(*body));
	ret = ntm_ctl_hdr_decode(buf, len, hdr);
	if (ret != NTM_OK)
		return ret;
	n = len - NTM_CTL_OVERHEAD;
	ret = lookup(lookup_arg, hdr->type, hdr->key_id, key);
	if (ret != NTM_OK)
		goto out;
	ret = ntm_aead_open(key, hdr->nonce, buf, NTM_CTL_HDR_LEN,
			    buf + NTM_CTL_HDR_LEN, n, buf + len - NTM_CTL_TAG_LEN,
			    plain);
	if (ret != NTM_OK)
		goto out;
	hdr->authenticated = 1;
	ret = ntm_ctl_accept(hdr, plain, n, nonces, now_ms, body);
out:
	ntm_wipe(key, sizeof(key));
	ntm_wipe(plain, sizeof(plain));
	if (ret != NTM_OK)
		ntm_wipe(body, sizeof(*body));
	return ret;
}
