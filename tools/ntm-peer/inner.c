// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plaintext of "send --vip ADDR --peer-vip ADDR": a valid IPv4 or IPv6
 * UDP packet (checksums included) from the VIP to the peer VIP, port 9, that
 * an RS-N or RS-T accepts as leg A's traffic.
 */
#include <netinet/in.h>
#include <string.h>

#include "peer.h"

/* RFC 1071 sum, folded, over @len bytes, starting from @sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int peer_build_inner(const struct peer_ip *src, const struct peer_ip *dst,
		     uint64_t seq, uint8_t *buf, size_t len)
{
	bool v4 = src->family == AF_INET;
	size_t ip_len = v4 ? 20 : 40, alen = v4 ? 4 : 16, i;
	uint8_t *udp = buf + ip_len;
	size_t udp_len = len - ip_len;
	uint32_t sum;
	uint16_t c;

	if (src->family != dst->family || len < ip_len + 8 || len > 65535)
		return -1;
	memset(buf, 0, ip_len + 8);
	for (i = 8; i < udp_len; i++)
		udp[i] = (uint8_t)(i - 8);
	/* The first payload bytes number the packet, for people reading dumps. */
	for (i = 0; i < 8 && 8 + i < udp_len; i++)
		udp[8 + i] = (uint8_t)(seq >> (56 - 8 * i));

	if (v4) {
		buf[0] = 0x45;
		ntm_put_be16(buf + 2, (uint16_t)len);
		ntm_put_be16(buf + 4, (uint16_t)seq);	/* id */
		buf[8] = 64;				/* TTL */
		buf[9] = IPPROTO_UDP;
		memcpy(buf + 12, src->addr, 4);
		memcpy(buf + 16, dst->addr, 4);
		ntm_put_be16(buf + 10, csum_fold(csum_add(0, buf, 20)));
	} else {
		buf[0] = 0x60;
		ntm_put_be16(buf + 4, (uint16_t)udp_len);
		buf[6] = IPPROTO_UDP;
		buf[7] = 64;				/* hop limit */
		memcpy(buf + 8, src->addr, 16);
		memcpy(buf + 24, dst->addr, 16);
	}
	ntm_put_be16(udp, PEER_INNER_PORT);
	ntm_put_be16(udp + 2, PEER_INNER_PORT);
	ntm_put_be16(udp + 4, (uint16_t)udp_len);
	/* Pseudo-header: addresses, protocol, UDP length. */
	sum = csum_add(0, src->addr, alen);
	sum = csum_add(sum, dst->addr, alen);
	sum += IPPROTO_UDP + (uint32_t)udp_len;
	sum = csum_add(sum, udp, udp_len);
	c = csum_fold(sum);
	ntm_put_be16(udp + 6, c ? c : 0xffff);
	return 0;
}

