/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The NTMobile wire format that both nf_ntm.ko and user space parse: the
 * common first bytes of every message and the tunnel data header. Written once,
 * included by the kernel module and by libntm. No allocation, no locking, no
 * library calls: only bounds-checked byte access. docs/protocol.md is the
 * normative description; this file must agree with it.
 *
 * Tunnel data header (24 bytes), followed for NTM_MSG_DATA by the
 * ChaCha20-Poly1305 ciphertext of the inner IP packet and its 16-byte tag:
 *
 *    0      1      2      3      4                   8
 *   +------+------+------+------+-------------------+
 *   | ver  | type | flags| rsvd |   PathID (be32)   |
 *   +------+------+------+------+-------------------+
 *   |            counter (be64)                      |
 *   +-----------------------------------------------+
 *   |   relay tag: SipHash-2-4(relay key, bytes 0-15)|
 *   +-----------------------------------------------+
 *
 * The relay tag is the reference SipHash-2-4 output, i.e. the 64-bit result
 * stored little-endian. In the kernel: siphash(buf, 16, &key) with
 * key.key[i] = get_unaligned_le64(relay_key + 8 * i), then
 * put_unaligned_le64(result, tag). libntm's ntm_relay_tag() is tested
 * against the reference vectors that lib/test_siphash.c uses.
 */
#ifndef _NTM_WIRE_H
#define _NTM_WIRE_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef u8 ntm_u8;
typedef u16 ntm_u16;
typedef u32 ntm_u32;
typedef u64 ntm_u64;
#else
#include <stddef.h>
#include <stdint.h>
typedef uint8_t ntm_u8;
typedef uint16_t ntm_u16;
typedef uint32_t ntm_u32;
typedef uint64_t ntm_u64;
#endif

#define NTM_VERSION		1

/* Message types. Data-plane types have the top bit set. */
#define NTM_MSG_REGISTRATION_REQUEST	0x01
#define NTM_MSG_REGISTRATION_RESPONSE	0x02
#define NTM_MSG_DIRECTION_REQUEST	0x03
#define NTM_MSG_ROUTE_DIRECTION		0x04
#define NTM_MSG_RELAY_DIRECTION		0x05
#define NTM_MSG_DIRECTION_RESPONSE	0x06
#define NTM_MSG_TUNNEL_REQUEST		0x07
#define NTM_MSG_TUNNEL_RESPONSE		0x08
#define NTM_MSG_PATH_TEARDOWN		0x09
#define NTM_MSG_ERROR			0x0a
#define NTM_MSG_DATA			0x80
#define NTM_MSG_KEEPALIVE		0x81
#define NTM_MSG_DATAPLANE_MASK		0x80

/* Data header flags. */
#define NTM_DATA_F_LEG_B	0x01	/* sent by leg B; clear: sent by leg A */
#define NTM_DATA_F_MASK		0x01	/* every other bit must be zero */

#define NTM_DATA_HDR_LEN	24
#define NTM_DATA_AUTH_LEN	16	/* bytes covered by the relay tag */
#define NTM_RELAY_TAG_LEN	8
#define NTM_AEAD_TAG_LEN	16
#define NTM_AEAD_NONCE_LEN	12
#define NTM_RELAY_KEY_BYTES	16
#define NTM_DATA_KEY_BYTES	32
#define NTM_DATA_MIN_LEN	(NTM_DATA_HDR_LEN + NTM_AEAD_TAG_LEN)
#define NTM_KEEPALIVE_LEN	NTM_DATA_HDR_LEN
/* The nonce keeps its top bit for the leg: a counter never reaches it. */
#define NTM_COUNTER_MAX		((((ntm_u64)1) << 63) - 1)

enum ntm_leg {
	NTM_LEG_A = 0,
	NTM_LEG_B = 1,
};

/* Decoded tunnel data header, host byte order. */
struct ntm_data_hdr {
	ntm_u8 type;
	ntm_u8 flags;
	ntm_u32 path_id;
	ntm_u64 counter;
	ntm_u8 relay_tag[NTM_RELAY_TAG_LEN];
};

/*
 * Results of the shared decoders. User space maps them to enum ntm_status
 * (include/ntm/status.h), the kernel to its drop counters.
 */
enum ntm_wire_err {
	NTM_WIRE_OK = 0,
	NTM_WIRE_TRUNCATED,	/* shorter than the header or minimum length */
	NTM_WIRE_VERSION,	/* unknown version */
	NTM_WIRE_TYPE,		/* not a data-plane type */
	NTM_WIRE_LENGTH,	/* length wrong for the type */
	NTM_WIRE_FLAGS,		/* reserved bits set */
	NTM_WIRE_PATH_ID,	/* PathID 0 */
	NTM_WIRE_COUNTER,	/* counter past NTM_COUNTER_MAX */
};

static inline ntm_u16 ntm_get_be16(const ntm_u8 *p)
{
	return (ntm_u16)((ntm_u16)p[0] << 8 | p[1]);
}

static inline ntm_u32 ntm_get_be32(const ntm_u8 *p)
{
	return (ntm_u32)p[0] << 24 | (ntm_u32)p[1] << 16 |
	       (ntm_u32)p[2] << 8 | p[3];
}

static inline ntm_u64 ntm_get_be64(const ntm_u8 *p)
{
	return (ntm_u64)ntm_get_be32(p) << 32 | ntm_get_be32(p + 4);
}

static inline void ntm_put_be16(ntm_u8 *p, ntm_u16 v)
{
	p[0] = (ntm_u8)(v >> 8);
	p[1] = (ntm_u8)v;
}

static inline void ntm_put_be32(ntm_u8 *p, ntm_u32 v)
{
	p[0] = (ntm_u8)(v >> 24);
	p[1] = (ntm_u8)(v >> 16);
	p[2] = (ntm_u8)(v >> 8);
	p[3] = (ntm_u8)v;
}

static inline void ntm_put_be64(ntm_u8 *p, ntm_u64 v)
{
	ntm_put_be32(p, (ntm_u32)(v >> 32));
	ntm_put_be32(p + 4, (ntm_u32)v);
}

/* True when a UDP payload is a data-plane message (DATA or KEEPALIVE). */
static inline int ntm_is_dataplane(const ntm_u8 *buf, ntm_u32 len)
{
	return len >= 2 && buf[0] == NTM_VERSION &&
	       (buf[1] & NTM_MSG_DATAPLANE_MASK);
}

/*
 * Decode and validate a data header from the first @len bytes of a UDP
 * payload. @len is the whole payload length: it is checked against the type
 * (KEEPALIVE is exactly the header, DATA carries at least an AEAD tag).
 */
static inline enum ntm_wire_err
ntm_data_hdr_decode(const ntm_u8 *buf, ntm_u32 len, struct ntm_data_hdr *h)
{
	unsigned int i;

	if (len < NTM_DATA_HDR_LEN)
		return NTM_WIRE_TRUNCATED;
	if (buf[0] != NTM_VERSION)
		return NTM_WIRE_VERSION;
	h->type = buf[1];
	h->flags = buf[2];
	if (h->type == NTM_MSG_DATA) {
		if (len < NTM_DATA_MIN_LEN)
			return NTM_WIRE_TRUNCATED;
	} else if (h->type == NTM_MSG_KEEPALIVE) {
		if (len != NTM_KEEPALIVE_LEN)
			return NTM_WIRE_LENGTH;
	} else {
		return NTM_WIRE_TYPE;
	}
	if ((h->flags & ~NTM_DATA_F_MASK) || buf[3])
		return NTM_WIRE_FLAGS;
	h->path_id = ntm_get_be32(buf + 4);
	if (!h->path_id)
		return NTM_WIRE_PATH_ID;
	h->counter = ntm_get_be64(buf + 8);
	if (h->counter > NTM_COUNTER_MAX)
		return NTM_WIRE_COUNTER;
	for (i = 0; i < NTM_RELAY_TAG_LEN; i++)
		h->relay_tag[i] = buf[NTM_DATA_AUTH_LEN + i];
	return NTM_WIRE_OK;
}

/*
 * Write the 16 authenticated bytes of a data header. The caller computes the
 * relay tag over them and stores it at buf + NTM_DATA_AUTH_LEN.
 */
static inline void ntm_data_hdr_encode(ntm_u8 *buf, ntm_u8 type, enum ntm_leg leg,
				       ntm_u32 path_id, ntm_u64 counter)
{
	buf[0] = NTM_VERSION;
	buf[1] = type;
	buf[2] = leg == NTM_LEG_B ? NTM_DATA_F_LEG_B : 0;
	buf[3] = 0;
	ntm_put_be32(buf + 4, path_id);
	ntm_put_be64(buf + 8, counter);
}

static inline enum ntm_leg ntm_data_hdr_leg(const struct ntm_data_hdr *h)
{
	return (h->flags & NTM_DATA_F_LEG_B) ? NTM_LEG_B : NTM_LEG_A;
}

/*
 * The 64-bit ChaCha20-Poly1305 nonce of a data packet: the sending leg in the
 * top bit, the counter below. On the wire as the 96-bit IETF nonce it is four
 * zero bytes followed by this value little-endian (as WireGuard and the
 * kernel's chacha20poly1305_encrypt() lay it out).
 */
static inline ntm_u64 ntm_data_nonce(enum ntm_leg leg, ntm_u64 counter)
{
	return (leg == NTM_LEG_B ? ((ntm_u64)1 << 63) : 0) | counter;
}

static inline void ntm_data_nonce96(ntm_u8 out[NTM_AEAD_NONCE_LEN],
				    enum ntm_leg leg, ntm_u64 counter)
{
	ntm_u64 n = ntm_data_nonce(leg, counter);
	unsigned int i;

	for (i = 0; i < 4; i++)
		out[i] = 0;
	for (i = 0; i < 8; i++)
		out[4 + i] = (ntm_u8)(n >> (8 * i));
}

#endif /* _NTM_WIRE_H */
