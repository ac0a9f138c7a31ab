// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The user-space relay datapath's receive code (lib/ntm_relay_user.c,
 * included here to reach ru_rx_one() and ru_dev_one(), the functions that
 * read what arrives on the tunnel port and on the device): classification,
 * header decode, path lookup, relay check or AEAD open, the inner IPv4 check
 * and ECN, and sealing toward leg A; then the real sendmmsg() and the
 * device write, to sockets on the loopback.
 *
 * Two paths, installed afresh for every input: RS-S PathID 1 (leg B's
 * endpoint the sink) and RS-N PathID 2 (VIPs 100.64.0.1 -> 198.51.100.30).
 * Oracles: the RS is not an open relay (nothing reaches the sink from a
 * packet whose relay tag was not computed here), and nothing reaches the
 * device that is not an IPv4 packet from leg A's VIP to leg B's, whole.
 *
 * Input: mode byte, TOS byte, then the packet.
 *   bit 0: RS-S: set the PathID to 1 and compute the relay tag
 *   bit 1: RS-N: seal the packet (as plaintext) toward the RS with
 *          ntm_data_seal(), counter from its first 8 bytes
 *   bit 2: also hand the packet to the device side (ru_dev_one)
 *   bit 3: leg B (RS-S), else leg A
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ntm_relay_user.c"

#define VIP_A	0x64400001u	/* 100.64.0.1 */
#define VIP_B	0xc633641eu	/* 198.51.100.30 */

static struct ntm_relay_user *ru;
static struct ntm_path_keys keys;
static int sink = -1, dev_peer = -1;
static struct sockaddr_in sink_addr;
static uint8_t pkt[RU_BUF_SIZE], rx[RU_BUF_SIZE];

static uint64_t fixed_now(void *arg)
{
	return 1700000000000ULL;
}

static void setup(void)
{
	static const uint8_t path_key[NTM_PATH_KEY_BYTES] = { 1, 2, 3, 4 };
	struct ntm_relay_user_config cfg;
	socklen_t len = sizeof(sink_addr);
	int sp[2];

	if (ntm_path_keys_derive(path_key, &keys) != NTM_OK)
		abort();
	sink = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	memset(&sink_addr, 0, sizeof(sink_addr));
	sink_addr.sin_family = AF_INET;
	sink_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sink < 0 || bind(sink, (struct sockaddr *)&sink_addr, sizeof(sink_addr)) ||
	    getsockname(sink, (struct sockaddr *)&sink_addr, &len))
		abort();
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sp))
		abort();
	dev_peer = sp[1];
	memset(&cfg, 0, sizeof(cfg));
	cfg.dev = NTM_RELAY_USER_DEV_FD;
	cfg.dev_fd = sp[0];
	cfg.now_ms = fixed_now;
	cfg.batch = 4;
	if (ntm_relay_user_open(&ru, &cfg))
		abort();
}

static void paths(void)
{
	struct ntm_path s, n;

	(void)ntm_relay_user_path_del(ru, 1);
	(void)ntm_relay_user_path_del(ru, 2);
	memset(&s, 0, sizeof(s));
	s.id = 1;
	s.type = NTM_PATH_RS_S;
	s.has = NTM_PATH_HAS_TYPE | NTM_PATH_HAS_RELAY_KEY | NTM_PATH_HAS_LEG_B;
	memcpy(s.relay_key, keys.relay, sizeof(s.relay_key));
	memcpy(&s.leg[NTM_LEG_B].endpoint, &sink_addr, sizeof(sink_addr));
	n = s;
	memset(&n.leg, 0, sizeof(n.leg));
	n.id = 2;
	n.type = NTM_PATH_RS_N;
	n.has = NTM_PATH_HAS_TYPE | NTM_PATH_HAS_RELAY_KEY | NTM_PATH_HAS_DATA_KEY |
		NTM_PATH_HAS_LEG_A | NTM_PATH_HAS_LEG_B;
	memcpy(n.data_key, keys.data, sizeof(n.data_key));
	memcpy(&n.leg[NTM_LEG_A].endpoint, &sink_addr, sizeof(sink_addr));
	n.leg[NTM_LEG_A].vip.family = AF_INET;
	n.leg[NTM_LEG_B].vip.family = AF_INET;
	ntm_put_be32(n.leg[NTM_LEG_A].vip.addr, VIP_A);
	ntm_put_be32(n.leg[NTM_LEG_B].vip.addr, VIP_B);
	if (ntm_relay_user_path_put(ru, &s, true) || ntm_relay_user_path_put(ru, &n, true))
		abort();
}

/* What reached the sink and the device. */
static void drain(bool may_relay)
{
	ssize_t n;

	while ((n = recv(sink, rx, sizeof(rx), 0)) >= 0)
		if (!may_relay && n >= NTM_DATA_HDR_LEN && ntm_get_be32(rx + 4) == 1)
			abort();	/* an RS-S packet with a tag it had to forge */
	while ((n = recv(dev_peer, rx, sizeof(rx), 0)) >= 0) {
		if (n < RU_IPV4_HLEN || (rx[0] >> 4) != 4 ||
		    ntm_get_be16(rx + 2) != n || ntm_get_be32(rx + 12) != VIP_A ||
		    ntm_get_be32(rx + 16) != VIP_B)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in src = sink_addr;
	uint8_t mode, tos;
	size_t len;

	if (!ru)
		setup();
	if (size < 2 || size - 2 > NTM_UDP_PAYLOAD_MAX - NTM_DATA_MIN_LEN)
		return 0;
	mode = data[0];
	tos = data[1];
	data += 2;
	len = size - 2;
	paths();
	ru->now = fixed_now(NULL);

	memcpy(pkt, data, len);
	if ((mode & 1) && len >= NTM_DATA_HDR_LEN) {
		ntm_put_be32(pkt + 4, 1);
		pkt[2] = (mode & 8) ? NTM_LEG_B : NTM_LEG_A;
		ntm_relay_tag(keys.relay, pkt, pkt + NTM_DATA_AUTH_LEN);
	}
	if (mode & 2) {
		uint64_t ctr = len >= 8 ? ntm_get_be64(data) & NTM_COUNTER_MAX : 0;
		ssize_t n = ntm_data_seal(&keys, NTM_LEG_A, 2, ctr, data, len, pkt,
					  sizeof(pkt));

		if (n < 0)
			return 0;
		len = (size_t)n;
	}
	ru_rx_one(ru, pkt, len, &src, 0, tos);
	ru_tx_flush(ru);
	ru_events_flush(ru);
	drain(mode & 1);

	if ((mode & 4) && size - 2 <= RU_BUF_SIZE - NTM_DATA_MIN_LEN) {
		memcpy(pkt + NTM_DATA_HDR_LEN, data, size - 2);
		(void)ru_dev_one(ru, pkt, size - 2);
		ru_tx_flush(ru);
		drain(true);
	}
	return 0;
}
