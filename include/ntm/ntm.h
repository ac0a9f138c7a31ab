/* SPDX-License-Identifier: MIT */
/*
 * libntm: the NTMobile data plane and path keys in user space.
 *
 * Return convention (include/ntm/status.h): int functions return NTM_OK or a
 * positive enum ntm_status; ssize_t functions return a length or -status.
 *
 * The packet format is the one of include/ntm/wire.h (shared with nf_ntm.ko)
 * and docs/protocol.md, "Tunnel data header":
 *
 *   Data:      header (24) | ChaCha20-Poly1305(data key, inner) | tag (16)
 *   Keepalive: header (24)
 *
 * The header's last 8 bytes are the relay tag, SipHash-2-4 of bytes 0..15
 * under the relay key. The AEAD's associated data is the whole 24-byte header.
 */
#ifndef _NTM_NTM_H
#define _NTM_NTM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wire.h"
#include "replay.h"
#include "status.h"

#define NTM_PATH_KEY_BYTES	32
#define NTM_TUNNEL_KEY_BYTES	32
/* Largest UDP payload over IPv6 without jumbograms; bounds every length. */
#define NTM_UDP_PAYLOAD_MAX	65527
#define NTM_DATA_MAX_INNER	(NTM_UDP_PAYLOAD_MAX - NTM_DATA_MIN_LEN)

/* The three keys derived from a path key (HKDF-SHA256, protocol.md). */
struct ntm_path_keys {
	uint8_t relay[NTM_RELAY_KEY_BYTES];	/* relay tag (SipHash-2-4) */
	uint8_t data[NTM_DATA_KEY_BYTES];	/* Data AEAD */
	uint8_t tunnel[NTM_TUNNEL_KEY_BYTES];	/* Tunnel Request/Response */
};

/* Derive relay, data and tunnel keys from a path key. NTM_OK or status. */
int ntm_path_keys_derive(const uint8_t path_key[NTM_PATH_KEY_BYTES],
			 struct ntm_path_keys *out);

struct ntm_relay_direction;

/*
 * The keys of a Relay Direction from the path key, as the nodes derive
 * them: relay and tunnel key, and the data key for RS-N and RS-T only (an
 * RS-S never holds it; all zero). Set rd->rs_type first. NTM_OK or status.
 */
int ntm_relay_direction_keys(struct ntm_relay_direction *rd,
			     const uint8_t path_key[NTM_PATH_KEY_BYTES]);

/* Erase keys or any other secret so the compiler cannot skip it. */
void ntm_wipe(void *p, size_t len);
void ntm_path_keys_wipe(struct ntm_path_keys *k);

/* SipHash-2-4 (reference algorithm) of @len bytes, 64-bit result. */
uint64_t ntm_siphash24(const uint8_t key[16], const uint8_t *in, size_t len);

/* Relay tag of a header: SipHash-2-4 of its first 16 bytes, little-endian. */
void ntm_relay_tag(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
		   const uint8_t hdr[NTM_DATA_AUTH_LEN],
		   uint8_t tag[NTM_RELAY_TAG_LEN]);

/* 1 if the relay tag at hdr + 16 is right for hdr[0..15]; constant time. */
int ntm_relay_tag_verify(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
			 const uint8_t hdr[NTM_DATA_HDR_LEN]);

/* Length of the Data message that carries @inner_len bytes. */
static inline size_t ntm_data_len(size_t inner_len)
{
	return NTM_DATA_MIN_LEN + inner_len;
}

/*
 * Build a Data message (header + relay tag + AEAD ciphertext + tag) into out;
 * returns the total length (> 0) or -status. @inner may alias
 * out + NTM_DATA_HDR_LEN (in-place encryption).
 */
ssize_t ntm_data_seal(const struct ntm_path_keys *k, enum ntm_leg leg,
		      uint32_t path_id, uint64_t counter,
		      const uint8_t *inner, size_t inner_len,
		      uint8_t *out, size_t out_cap);

/* Build a Keepalive (24 bytes) into out; returns 24 or -status. */
ssize_t ntm_keepalive_build(const struct ntm_path_keys *k, enum ntm_leg leg,
			    uint32_t path_id, uint64_t counter,
			    uint8_t *out, size_t out_cap);

/*
 * Verify and decrypt a data-plane message. Checks the header, the relay tag
 * (constant time), the replay window (if @win != NULL: checked before,
 * updated only after success), and for Data the AEAD. The plaintext goes to
 * @plain (may alias pkt + NTM_DATA_HDR_LEN), its length to *plain_len (0 for
 * a Keepalive). Returns NTM_OK or a status (NTM_E_AUTH, NTM_E_REPLAY,
 * NTM_E_TRUNCATED, ...). *hdr is written once the header decodes.
 *
 * It does not look at the sending leg: a node that receives only from the
 * other leg should use ntm_data_open_leg(), or a packet it sent itself,
 * reflected back to it, would pass (same keys, same nonce derivation).
 */
int ntm_data_open(const struct ntm_path_keys *k, struct ntm_replay *win,
		  const uint8_t *pkt, size_t len, struct ntm_data_hdr *hdr,
		  uint8_t *plain, size_t plain_cap, size_t *plain_len);

/* ntm_data_open() that also rejects (NTM_E_MALFORMED) a packet whose leg
 * flag is not @from, before any cryptography. */
int ntm_data_open_leg(const struct ntm_path_keys *k, enum ntm_leg from,
		      struct ntm_replay *win, const uint8_t *pkt, size_t len,
		      struct ntm_data_hdr *hdr, uint8_t *plain, size_t plain_cap,
		      size_t *plain_len);

/* Relay-side check an RS-S does: header + relay tag + replay, no AEAD. */
int ntm_data_relay_check(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
			 struct ntm_replay *win, const uint8_t *pkt, size_t len,
			 struct ntm_data_hdr *hdr);

/* ntm_data_relay_check() with one window per sending leg, picked from the
 * header's leg flag: win[NTM_LEG_A], win[NTM_LEG_B]. */
int ntm_data_relay_check_legs(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
			      struct ntm_replay win[2], const uint8_t *pkt,
			      size_t len, struct ntm_data_hdr *hdr);

#endif /* _NTM_NTM_H */
