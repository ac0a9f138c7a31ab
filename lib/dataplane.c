// SPDX-License-Identifier: MIT
/*
 * Data and Keepalive messages (docs/protocol.md, "Tunnel data header"): the
 * user-space twin of nf_ntm's datapath, on the same wire.h codec and
 * replay.h window.
 */
#include <string.h>

#include <ntm/ntm.h>

#include "aead.h"

static int ntm_leg_valid(enum ntm_leg leg)
{
	return leg == NTM_LEG_A || leg == NTM_LEG_B;
}

/* Header fields a sender may put on the wire; the receiver's checks. */
static int ntm_data_args_check(enum ntm_leg leg, uint32_t path_id,
			       uint64_t counter)
{
	if (!ntm_leg_valid(leg) || !path_id || counter > NTM_COUNTER_MAX)
		return NTM_E_MALFORMED;
	return NTM_OK;
}

/* Header and relay tag into out[0..24). */
static void ntm_data_hdr_seal(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
			      uint8_t type, enum ntm_leg leg, uint32_t path_id,
			      uint64_t counter, uint8_t *out)
{
	ntm_data_hdr_encode(out, type, leg, path_id, counter);
	ntm_relay_tag(relay_key, out, out + NTM_DATA_AUTH_LEN);
}

ssize_t ntm_data_seal(const struct ntm_path_keys *k, enum ntm_leg leg,
		      uint32_t path_id, uint64_t counter,
		      const uint8_t *inner, size_t inner_len,
		      uint8_t *out, size_t out_cap)
{
	uint8_t nonce[NTM_AEAD_NONCE_LEN];
	size_t total;
	int ret;

	ret = ntm_data_args_check(leg, path_id, counter);
	if (ret != NTM_OK)
		return -ret;
	if (inner_len > NTM_DATA_MAX_INNER)
		return -NTM_E_LENGTH;
	total = ntm_data_len(inner_len);
	if (out_cap < total)
		return -NTM_E_LENGTH;
	if (inner_len && !inner)
		return -NTM_E_INTERNAL;
	/* An overlapping @inner other than exactly out + 24 would be
	 * clobbered by the header or confuse the cipher. */
	ntm_data_hdr_seal(k->relay, NTM_MSG_DATA, leg, path_id, counter, out);
	ntm_data_nonce96(nonce, leg, counter);
	ret = ntm_aead_seal(k->data, nonce, out, NTM_DATA_HDR_LEN, inner,
			    inner_len, out + NTM_DATA_HDR_LEN,
			    out + NTM_DATA_HDR_LEN + inner_len);
	if (ret != NTM_OK)
		return -ret;
	return (ssize_t)total;
}

ssize_t ntm_keepalive_build(const struct ntm_path_keys *k, enum ntm_leg leg,
			    uint32_t path_id, uint64_t counter,
			    uint8_t *out, size_t out_cap)
{
	int ret = ntm_data_args_check(leg, path_id, counter);

	if (ret != NTM_OK)
		return -ret;
	if (out_cap < NTM_KEEPALIVE_LEN)
		return -NTM_E_LENGTH;
	ntm_data_hdr_seal(k->relay, NTM_MSG_KEEPALIVE, leg, path_id, counter, out);
	return NTM_KEEPALIVE_LEN;
}

/*
 * What every receiver does before the payload: decode the header, verify the
 * relay tag, check (not update) the replay window.
 */
static int ntm_data_precheck(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
			     const struct ntm_replay *win, const uint8_t *pkt,
			     size_t len, struct ntm_data_hdr *hdr)
{
	enum ntm_wire_err err;

	/* wire.h takes a u32 length: never let a size_t wrap into it. */
	if (len > NTM_UDP_PAYLOAD_MAX)
		return NTM_E_LENGTH;
	err = ntm_data_hdr_decode(pkt, (ntm_u32)len, hdr);
	if (err != NTM_WIRE_OK)
		return ntm_status_from_wire(err);
	if (!ntm_relay_tag_verify(relay_key, pkt))
		return NTM_E_AUTH;
	if (win && !ntm_replay_check(win, hdr->counter))
		return NTM_E_REPLAY;
	return NTM_OK;
}

static int ntm_data_commit(struct ntm_replay *win, const struct ntm_data_hdr *hdr)
{
	if (win && !ntm_replay_update(win, hdr->counter))
		return NTM_E_REPLAY;
	return NTM_OK;
}

/* @from: the leg a packet must come from, or -1 for either. */
static int ntm_data_open_from(const struct ntm_path_keys *k, int from,
			     struct ntm_replay *win, const uint8_t *pkt,
			     size_t len, struct ntm_data_hdr *hdr,
			     uint8_t *plain, size_t plain_cap, size_t *plain_len)
{
	uint8_t nonce[NTM_AEAD_NONCE_LEN];
	size_t clen;
	int ret;

	*plain_len = 0;
	if (len > NTM_UDP_PAYLOAD_MAX)
		return NTM_E_LENGTH;
	/* The leg flag is checked before any cryptography: it is cheap and
	 * drops reflected packets whatever the keys. */
	if (from >= 0 && len >= NTM_DATA_HDR_LEN &&
	    ((pkt[2] & NTM_DATA_F_LEG_B) ? NTM_LEG_B : NTM_LEG_A) != from)
		return NTM_E_MALFORMED;
	ret = ntm_data_precheck(k->relay, win, pkt, len, hdr);
	if (ret != NTM_OK)
		return ret;
	if (hdr->type == NTM_MSG_DATA) {
		clen = len - NTM_DATA_MIN_LEN;
		if (plain_cap < clen)
			return NTM_E_LENGTH;
		ntm_data_nonce96(nonce, ntm_data_hdr_leg(hdr), hdr->counter);
		ret = ntm_aead_open(k->data, nonce, pkt, NTM_DATA_HDR_LEN,
				    pkt + NTM_DATA_HDR_LEN, clen,
				    pkt + len - NTM_AEAD_TAG_LEN, plain);
		if (ret != NTM_OK)
			return ret;
		*plain_len = clen;
	}
	ret = ntm_data_commit(win, hdr);
	if (ret != NTM_OK)
		*plain_len = 0;
	return ret;
}

int ntm_data_open(const struct ntm_path_keys *k, struct ntm_replay *win,
		  const uint8_t *pkt, size_t len, struct ntm_data_hdr *hdr,
		  uint8_t *plain, size_t plain_cap, size_t *plain_len)
{
	struct ntm_data_hdr h;
	size_t pl;

	return ntm_data_open_from(k, -1, win, pkt, len, hdr ? hdr : &h,
				 plain, plain_cap, plain_len ? plain_len : &pl);
}

int ntm_data_open_leg(const struct ntm_path_keys *k, enum ntm_leg from,
		      struct ntm_replay *win, const uint8_t *pkt, size_t len,
		      struct ntm_data_hdr *hdr, uint8_t *plain, size_t plain_cap,
		      size_t *plain_len)
{
	struct ntm_data_hdr h;
	size_t pl;

	if (!ntm_leg_valid(from))
		return NTM_E_INTERNAL;
	return ntm_data_open_from(k, (int)from, win, pkt, len, hdr ? hdr : &h,
				 plain, plain_cap, plain_len ? plain_len : &pl);
}

int ntm_data_relay_check(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
			 struct ntm_replay *win, const uint8_t *pkt, size_t len,
			 struct ntm_data_hdr *hdr)
{
	struct ntm_data_hdr h;
	int ret;

	if (!hdr)
		hdr = &h;
	ret = ntm_data_precheck(relay_key, win, pkt, len, hdr);
	if (ret != NTM_OK)
		return ret;
	/* For an RS-S the relay tag is the authentication. */
	return ntm_data_commit(win, hdr);
}

int ntm_data_relay_check_legs(const uint8_t relay_key[NTM_RELAY_KEY_BYTES],
			      struct ntm_replay win[2], const uint8_t *pkt,
			      size_t len, struct ntm_data_hdr *hdr)
{
	struct ntm_data_hdr h;
	int ret;

	if (!hdr)
		hdr = &h;
	ret = ntm_data_precheck(relay_key, NULL, pkt, len, hdr);
	if (ret != NTM_OK)
		return ret;
	win += ntm_data_hdr_leg(hdr);
	if (!ntm_replay_check(win, hdr->counter))
		return NTM_E_REPLAY;
	return ntm_data_commit(win, hdr);
}
