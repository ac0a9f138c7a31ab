// SPDX-License-Identifier: MIT
/*
 * The data plane receive path: wire.h's header decoder, ntm_data_open() and
 * the relay check, on arbitrary packets and on packets given a valid relay
 * tag (and, for Data, a valid AEAD) here, since a fuzzer cannot find either.
 *
 * Input: one mode byte, then the packet.
 *   bit 0: compute the relay tag over bytes 0..15 into bytes 16..23
 *   bit 1: re-seal a Data payload (bytes 24..len-16) with ntm_data_seal()
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ntm/ntm.h>

/* HKDF of path key 00..1f (see test/unit/test_keys.c). */
static const struct ntm_path_keys fuzz_keys = {
	.relay = { 0x2d, 0x55, 0xf9, 0x8c, 0x84, 0x21, 0xe2, 0x78,
		   0x8f, 0xaa, 0xd8, 0xf9, 0x34, 0xa0, 0xf6, 0x3f },
	.data = { 0x08, 0x9a, 0x01, 0x76, 0x4e, 0x29, 0x6c, 0x01,
		  0x45, 0xa0, 0x1e, 0xb2, 0x7d, 0x18, 0x7f, 0xe8,
		  0x4d, 0x56, 0x73, 0x38, 0xad, 0x4a, 0xba, 0xf7,
		  0x62, 0x27, 0xcc, 0x60, 0x0d, 0x3d, 0xd6, 0xa4 },
};

static uint8_t pkt[NTM_UDP_PAYLOAD_MAX], sealed[NTM_UDP_PAYLOAD_MAX],
	       plain[NTM_UDP_PAYLOAD_MAX];

static void check_raw(const uint8_t *data, size_t size)
{
	struct ntm_replay win;
	struct ntm_data_hdr h;
	size_t plen;

	ntm_replay_init(&win);
	memcpy(pkt, data, size);
	(void)ntm_data_open(&fuzz_keys, &win, pkt, size, &h, plain, sizeof(plain), &plen);
	(void)ntm_data_relay_check(fuzz_keys.relay, &win, pkt, size, &h);
}

/* A header that decodes, with a valid tag: sealing the same fields again
 * must give a packet that opens to the same plaintext, exactly once. */
static void check_reseal(const struct ntm_data_hdr *h, size_t size)
{
	struct ntm_replay win;
	struct ntm_data_hdr o;
	size_t plen, n = size - NTM_DATA_MIN_LEN;
	ssize_t len;

	len = ntm_data_seal(&fuzz_keys, ntm_data_hdr_leg(h), h->path_id, h->counter,
			    pkt + NTM_DATA_HDR_LEN, n, sealed, sizeof(sealed));
	if (len != (ssize_t)size || memcmp(sealed, pkt, NTM_DATA_HDR_LEN))
		abort();
	ntm_replay_init(&win);
	if (ntm_data_open(&fuzz_keys, &win, sealed, size, &o, plain, sizeof(plain),
			  &plen) != NTM_OK ||
	    plen != n || memcmp(plain, pkt + NTM_DATA_HDR_LEN, n) ||
	    o.counter != h->counter || o.path_id != h->path_id)
		abort();
	if (ntm_data_open(&fuzz_keys, &win, sealed, size, &o, plain, sizeof(plain),
			  &plen) != NTM_E_REPLAY)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ntm_replay win;
	struct ntm_data_hdr h, r;
	enum ntm_wire_err werr;
	uint8_t ka[NTM_KEEPALIVE_LEN];
	uint8_t mode;
	int ret;

	if (size < 1 || size - 1 > NTM_UDP_PAYLOAD_MAX)
		return 0;
	mode = data[0];
	data++;
	size--;
	check_raw(data, size);
	if (!(mode & 1) || size < NTM_DATA_HDR_LEN)
		return 0;

	memcpy(pkt, data, size);
	ntm_relay_tag(fuzz_keys.relay, pkt, pkt + NTM_DATA_AUTH_LEN);
	werr = ntm_data_hdr_decode(pkt, (ntm_u32)size, &h);
	ntm_replay_init(&win);
	ret = ntm_data_relay_check(fuzz_keys.relay, &win, pkt, size, &r);
	/* With a right tag and a fresh window, only the header decides. */
	if (ret != (int)ntm_status_from_wire(werr))
		abort();
	if (werr != NTM_WIRE_OK)
		return 0;
	if (h.type == NTM_MSG_KEEPALIVE) {
		if (ntm_keepalive_build(&fuzz_keys, ntm_data_hdr_leg(&h), h.path_id,
					h.counter, ka, sizeof(ka)) != NTM_KEEPALIVE_LEN ||
		    memcmp(ka, pkt, sizeof(ka)))
			abort();
	} else if (mode & 2) {
		check_reseal(&h, size);
	}
	return 0;
}
