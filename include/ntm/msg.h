/* SPDX-License-Identifier: MIT */
/*
 * libntm: NTMobile control messages (docs/protocol.md, "Control message
 * header" and the body tables after it), the 20-byte ntm_addr and the NTM DNS
 * record.
 *
 * Return convention (include/ntm/status.h): int functions return NTM_OK or a
 * positive enum ntm_status; ssize_t functions return a length or -status.
 *
 * Decoders are strict: exact lengths, reserved bytes zero, known address
 * families, enum fields in range. Encoders apply the same checks to the
 * struct they are given, so that nothing we send is something we would drop.
 *
 * A sealed control message:
 *
 *    0      1      2             4                  8
 *   +------+------+-------------+------------------+
 *   | ver  | type | length      | key id           |
 *   +------+------+-------------+------------------+
 *   | timestamp, UNIX ms (be64) | transaction id (be64)
 *   +---------------------------+------------------+
 *   | nonce (12 bytes)                              |   36 bytes, the AAD
 *   +-----------------------------------------------+
 *   | body, ChaCha20-Poly1305 under the key id's key |
 *   +-----------------------------------------------+
 *   | Poly1305 tag (16)                             |
 *   +-----------------------------------------------+
 */
#ifndef _NTM_MSG_H
#define _NTM_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "wire.h"
#include "status.h"

/* ---- ntm_addr ---------------------------------------------------------- */

#define NTM_ADDR_LEN		20

enum ntm_family {
	NTM_AF_NONE	= 0,
	NTM_AF_INET	= 4,
	NTM_AF_INET6	= 6,
};

/*
 * An address field, decoded. IPv4 sits in addr[0..3] with addr[4..15] zero;
 * family NTM_AF_NONE means every field is zero. Port in host order, 0 where
 * the field is an address only (a VIP).
 */
struct ntm_addr {
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

/* "198.51.100.1:7701", "[2001:db8::1]:7701", "10.0.0.1" (port 0), "none". */
#define NTM_ADDR_FMT_LEN	56

int ntm_addr_encode(const struct ntm_addr *a, uint8_t out[NTM_ADDR_LEN]);
int ntm_addr_decode(const uint8_t in[NTM_ADDR_LEN], struct ntm_addr *a);
/* NTM_OK if @a is a well-formed ntm_addr, NTM_E_MALFORMED otherwise. */
int ntm_addr_check(const struct ntm_addr *a);
int ntm_addr_is_none(const struct ntm_addr *a);
/* 1 if equal (family, port and address), 0 otherwise. */
int ntm_addr_equal(const struct ntm_addr *a, const struct ntm_addr *b);

/* From AF_INET or AF_INET6 (an IPv4-mapped IPv6 address becomes IPv4, so
 * a dual-stack socket reports the same ntm_addr as an IPv4 one). */
int ntm_addr_from_sockaddr(struct ntm_addr *a, const struct sockaddr_storage *ss);
/* To AF_INET or AF_INET6 by family; NTM_E_MALFORMED for none. */
int ntm_addr_to_sockaddr(const struct ntm_addr *a, struct sockaddr_storage *ss,
			 socklen_t *len);
/* Always AF_INET6 (IPv4 as ::ffff:a.b.c.d), for a dual-stack socket. */
int ntm_addr_to_sockaddr6(const struct ntm_addr *a, struct sockaddr_storage *ss,
			  socklen_t *len);

/* The source address the routing table picks towards @to, with @port:
 * a node's "local" endpoint. NTM_OK, or NTM_E_UNREACHABLE (no route). */
int ntm_addr_source_for(const struct ntm_addr *to, uint16_t port,
			struct ntm_addr *out);

/* Format into @buf (NTM_ADDR_FMT_LEN is always enough); returns @buf. */
char *ntm_addr_fmt(const struct ntm_addr *a, char *buf, size_t len);
/* Parse what ntm_addr_fmt() prints ("none", "a.b.c.d[:port]",
 * "[v6]:port", "v6"). NTM_OK or NTM_E_MALFORMED. */
int ntm_addr_parse(struct ntm_addr *a, const char *s);

/* ---- message bodies (protocol.md tables; sizes without header/tag) ----- */

#define NTM_NAME_MAX				253
#define NTM_LABEL_MAX				63
#define NTM_REGISTRATION_REQUEST_MIN_LEN	52	/* + name length */
#define NTM_REGISTRATION_REQUEST_MAX_LEN	(52 + NTM_NAME_MAX)
#define NTM_REGISTRATION_RESPONSE_LEN		52
#define NTM_DIRECTION_REQUEST_LEN		72
#define NTM_ROUTE_DIRECTION_LEN			128
#define NTM_RELAY_DIRECTION_LEN			192
#define NTM_DIRECTION_RESPONSE_LEN		48
#define NTM_TUNNEL_REQUEST_LEN			48
#define NTM_TUNNEL_RESPONSE_LEN			28
#define NTM_PATH_TEARDOWN_LEN			8
#define NTM_ERROR_LEN				8
#define NTM_BODY_MAX_LEN			NTM_REGISTRATION_REQUEST_MAX_LEN

enum ntm_peer_kind {
	NTM_PEER_NODE	= 1,	/* an NTM node */
	NTM_PEER_HOST	= 2,	/* a general host */
};

enum ntm_route {
	NTM_ROUTE_DIRECT	= 1,
	NTM_ROUTE_RS_S		= 2,
	NTM_ROUTE_RS_N		= 3,
	NTM_ROUTE_RS_T		= 4,
};

/* Same values as enum ntm_path_type of include/uapi/nf_ntm.h. */
enum ntm_rs_type {
	NTM_RS_TYPE_S	= 1,
	NTM_RS_TYPE_N	= 2,
	NTM_RS_TYPE_T	= 3,
};

enum ntm_teardown_reason {
	NTM_TEARDOWN_CLOSED	= 0,
	NTM_TEARDOWN_EXPIRED	= 1,
	NTM_TEARDOWN_MOVED	= 2,
	NTM_TEARDOWN_ERROR	= 3,
};

/* 0x01, node -> DC */
struct ntm_registration_request {
	uint32_t node_id;
	struct ntm_addr local;		/* own address and tunnel port */
	struct ntm_addr vip_hint;	/* VIP held before, or none */
	uint32_t lifetime;		/* seconds requested */
	/* FQDN, NUL-terminated: 1..253 of [A-Za-z0-9-.], labels of 1..63,
	 * no trailing dot. Its length is the wire's name_len. */
	char name[NTM_NAME_MAX + 1];
};

/* 0x02, DC -> node */
struct ntm_registration_response {
	uint8_t status;			/* enum ntm_status */
	uint32_t node_id;
	struct ntm_addr vip;		/* none unless status is NTM_OK */
	struct ntm_addr observed;	/* source address and port the DC saw */
	uint32_t lifetime;		/* seconds granted */
};

/* 0x03, node -> DC, DC -> DC */
struct ntm_direction_request {
	uint32_t node_id;		/* requesting node */
	uint8_t peer_kind;		/* enum ntm_peer_kind */
	uint8_t proto;			/* IP protocol hint, 0 = any */
	uint16_t port;			/* destination port hint, 0 = any */
	uint32_t peer_node_id;		/* 0 for a general host */
	struct ntm_addr peer_vip;	/* NTM node, or none (general host) */
	struct ntm_addr peer_addr;	/* observed endpoint, or host's address */
	struct ntm_addr peer_dc;	/* peer's DC (another domain), or none */
};

/* 0x04, DC -> node, DC -> DC */
struct ntm_route_direction {
	uint8_t status;			/* enum ntm_status */
	uint8_t route;			/* enum ntm_route */
	uint8_t leg;			/* enum ntm_leg of the receiving node */
	uint32_t path_id;		/* never 0 when status is NTM_OK */
	uint32_t peer_node_id;		/* 0 for a general host */
	uint32_t refresh;		/* idle seconds before the path expires */
	struct ntm_addr tunnel;		/* where the node sends Data */
	struct ntm_addr control;	/* where it sends its Tunnel Request */
	struct ntm_addr local_vip;	/* the node's address on this path */
	struct ntm_addr peer_vip;	/* the peer as applications see it */
	uint8_t path_key[32];
};

/* 0x05, DC -> RS */
struct ntm_relay_direction {
	uint32_t path_id;		/* never 0 */
	uint8_t rs_type;		/* enum ntm_rs_type */
	uint32_t refresh;		/* seconds, 0 = never expires */
	struct ntm_addr leg_a_tunnel;	/* or none: learned */
	struct ntm_addr leg_a_vip;
	struct ntm_addr leg_b_tunnel;	/* RS-S, or none */
	struct ntm_addr leg_b_vip;
	struct ntm_addr host;		/* RS-N only; none otherwise */
	uint8_t relay_key[NTM_RELAY_KEY_BYTES];
	uint8_t data_key[NTM_DATA_KEY_BYTES];	/* all zero for RS-S */
	uint8_t tunnel_key[32];
};

/* 0x06, RS -> DC */
struct ntm_direction_response {
	uint8_t status;
	uint32_t path_id;		/* never 0 */
	struct ntm_addr tunnel;		/* the RS's tunnel endpoint */
	struct ntm_addr control;	/* the RS's control endpoint */
};

/* 0x07, sealed with the path's tunnel key; header key id = path_id */
struct ntm_tunnel_request {
	uint32_t path_id;		/* never 0 */
	uint8_t leg;			/* enum ntm_leg of the sender */
	struct ntm_addr vip;		/* sender's VIP on this path */
	struct ntm_addr local;		/* sender's local endpoint */
};

/* 0x08, sealed with the path's tunnel key; header key id = path_id */
struct ntm_tunnel_response {
	uint8_t status;
	uint8_t leg;			/* the requester's, echoed */
	uint32_t path_id;		/* never 0 */
	struct ntm_addr observed;	/* requester's endpoint as seen */
};

/* 0x09 */
struct ntm_path_teardown {
	uint32_t path_id;		/* never 0 */
	uint8_t reason;			/* enum ntm_teardown_reason */
};

/* 0x0a, only in answer to an authenticated message */
struct ntm_error_msg {
	uint8_t status;			/* 1..NTM_STATUS_MAX */
	uint8_t type;			/* a known message type */
	uint32_t path_id;		/* or 0 */
};

/* The decoded body of a control message; the header's type says which. */
union ntm_body {
	struct ntm_registration_request registration_request;
	struct ntm_registration_response registration_response;
	struct ntm_direction_request direction_request;
	struct ntm_route_direction route_direction;
	struct ntm_relay_direction relay_direction;
	struct ntm_direction_response direction_response;
	struct ntm_tunnel_request tunnel_request;
	struct ntm_tunnel_response tunnel_response;
	struct ntm_path_teardown path_teardown;
	struct ntm_error_msg error;
};

/* 1 for the control types 0x01..0x0a. */
int ntm_ctl_type_valid(unsigned int type);
/* "Route Direction", "Data", ...; "unknown" for anything else. */
const char *ntm_msg_type_name(unsigned int type);
/* A Route Direction's route (enum ntm_route): "direct", "RS-S", "RS-N",
 * "RS-T"; "?" for anything else. */
const char *ntm_route_name(unsigned int route);

/* NTM_OK if @name[0..len) is a name a Registration Request may carry. */
int ntm_fqdn_check(const char *name, size_t len);

/* The encoded body length of @body as @type, or -status. */
ssize_t ntm_body_len(uint8_t type, const union ntm_body *body);
/* Validate and encode @body as @type into out; the length or -status. */
ssize_t ntm_body_encode(uint8_t type, const union ntm_body *body,
			uint8_t *out, size_t cap);
/* Decode and validate a body of @type that is exactly @len bytes. */
int ntm_body_decode(uint8_t type, const uint8_t *in, size_t len,
		    union ntm_body *body);
/* The checks ntm_body_encode() applies, on their own. */
int ntm_body_check(uint8_t type, const union ntm_body *body);

/* ---- NTM record (DNS RR type 65300), 88 bytes of RDATA ----------------- */

#define NTM_RR_TYPE		65300
#define NTM_RECORD_LEN		88
#define NTM_RECORD_F_NAT	0x01	/* behind a NAT: local != observed */

struct ntm_record {
	uint8_t flags;			/* NTM_RECORD_F_* */
	uint32_t node_id;
	struct ntm_addr vip;
	struct ntm_addr local;
	struct ntm_addr observed;
	struct ntm_addr dc;		/* control endpoint of the node's DC */
};

int ntm_record_encode(const struct ntm_record *r, uint8_t out[NTM_RECORD_LEN]);
int ntm_record_decode(const uint8_t *in, size_t len, struct ntm_record *r);

/* ---- sealed control messages ------------------------------------------- */

#define NTM_CTL_HDR_LEN		36
#define NTM_CTL_TAG_LEN		16
#define NTM_CTL_NONCE_LEN	12
#define NTM_CTL_OVERHEAD	(NTM_CTL_HDR_LEN + NTM_CTL_TAG_LEN)
#define NTM_CTL_KEY_BYTES	32
#define NTM_CTL_MAX_LEN		(NTM_CTL_OVERHEAD + NTM_BODY_MAX_LEN)
#define NTM_CTL_FRESH_MS	60000	/* |timestamp - now| allowed */
#define NTM_CTL_NONCE_MS	120000	/* how long a nonce is remembered */

/* A control header, host byte order. */
struct ntm_ctl_hdr {
	uint8_t version;
	uint8_t type;
	uint16_t length;		/* whole message, header and tag */
	uint32_t key_id;		/* trust key id, or PathID (0x07/0x08) */
	uint64_t timestamp_ms;		/* sender's UNIX time */
	uint64_t txn_id;
	uint8_t nonce[NTM_CTL_NONCE_LEN];
	/* Not on the wire: set by ntm_ctl_open() once the tag verified, so
	 * that a caller knows it may answer with an Error. */
	uint8_t authenticated;
};

/*
 * Where ntm_ctl_seal() gets its time and randomness. Tests inject theirs; a
 * NULL env, or a NULL member, means CLOCK_REALTIME and OpenSSL's RAND_bytes.
 */
struct ntm_ctl_env {
	uint64_t (*now_ms)(void *arg);
	int (*random)(void *arg, uint8_t *buf, size_t len);	/* NTM_OK or status */
	void *arg;
};

/* UNIX time in milliseconds from @env (or CLOCK_REALTIME). */
uint64_t ntm_ctl_now_ms(const struct ntm_ctl_env *env);
/* Random bytes from @env (or RAND_bytes). NTM_OK or NTM_E_INTERNAL. */
int ntm_ctl_random(const struct ntm_ctl_env *env, uint8_t *buf, size_t len);

/*
 * Decode and check a control header against the datagram length: version,
 * a control type, length field == @len, and @len right for the type.
 * Nothing is authenticated yet.
 */
int ntm_ctl_hdr_decode(const uint8_t *buf, size_t len, struct ntm_ctl_hdr *hdr);
/* Write the 36 header bytes (version from NTM_VERSION). */
void ntm_ctl_hdr_encode(const struct ntm_ctl_hdr *hdr, uint8_t out[NTM_CTL_HDR_LEN]);

/*
 * Seal @body as a control message of @type under @key: header with a fresh
 * timestamp and random nonce, encrypted body, tag. For Tunnel Request and
 * Response @key_id must be the body's PathID. Returns the message length or
 * -status.
 */
ssize_t ntm_ctl_seal(const struct ntm_ctl_env *env, uint8_t type,
		     uint32_t key_id, uint64_t txn_id,
		     const uint8_t key[NTM_CTL_KEY_BYTES],
		     const union ntm_body *body, uint8_t *out, size_t cap);

/*
 * Find the key for @key_id and write it to @key: NTM_OK, or
 * NTM_E_UNKNOWN_KEY. @type tells the namespace: for Tunnel Request and
 * Response the key id is a PathID and the key that path's tunnel key.
 */
typedef int ntm_ctl_key_fn(void *arg, uint8_t type, uint32_t key_id,
			   uint8_t key[NTM_CTL_KEY_BYTES]);

struct ntm_nonce_cache;

/*
 * Open a control message: header (TRUNCATED, VERSION, TYPE, LENGTH), key
 * (UNKNOWN_KEY), tag (AUTH), then, authenticated, the timestamp against
 * @now_ms (STALE), the nonce against @nonces if not NULL (REPLAY,
 * TABLE_FULL) and the body (MALFORMED, LENGTH). hdr->authenticated tells
 * whether the failure came after the tag verified: only then may the caller
 * answer with an Error. Nothing of @body is meaningful unless NTM_OK.
 */
int ntm_ctl_open(const uint8_t *buf, size_t len, ntm_ctl_key_fn *lookup,
		 void *lookup_arg, struct ntm_nonce_cache *nonces,
		 uint64_t now_ms, struct ntm_ctl_hdr *hdr, union ntm_body *body);

/*
 * The nonces accepted in the last NTM_CTL_NONCE_MS: a bounded hash set with
 * expiry, owned by the caller, not locked. Size @capacity for the live
 * nonces expected (message rate x 120 s): the table gets twice that many
 * slots, in buckets of 8, and each nonce may go to either of two buckets.
 * When both are full of live nonces the insert fails (NTM_E_TABLE_FULL)
 * rather than forget one: a replay is never let through. The hash is keyed
 * from @env's randomness, so senders cannot aim at a bucket. NULL on
 * allocation or RNG failure, or a @capacity of 0 or above 2^28.
 */
struct ntm_nonce_cache *ntm_nonce_cache_new(size_t capacity,
					    const struct ntm_ctl_env *env);
void ntm_nonce_cache_free(struct ntm_nonce_cache *c);
/* NTM_OK (recorded for NTM_CTL_NONCE_MS from now_ms), NTM_E_REPLAY if it is
 * there and live, NTM_E_TABLE_FULL if there is no room. */
int ntm_nonce_cache_add(struct ntm_nonce_cache *c,
			const uint8_t nonce[NTM_CTL_NONCE_LEN], uint64_t now_ms);
/* Live entries at @now_ms (a linear scan: statistics, tests). */
size_t ntm_nonce_cache_count(const struct ntm_nonce_cache *c, uint64_t now_ms);

#endif /* _NTM_MSG_H */
