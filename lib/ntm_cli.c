// SPDX-License-Identifier: GPL-2.0-or-later
/* Command-line value parsers shared by ntmctl and ntm-peer. See ntm_cli.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <ntm/msg.h>

#include "ntm_cli.h"

int ntm_cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* strtoull() would take a sign or leading spaces. */
	if (!(base == 16 ? (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
			   (*s >= 'A' && *s <= 'F') :
			   (*s >= '0' && *s <= '9')))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int ntm_cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int ret = ntm_cli_parse_u64(s, min, max, &v);

	if (ret == 0)
		*out = (uint32_t)v;
	return ret;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ntm_cli_parse_hex(const char *s, uint8_t *out, size_t len)
{
	size_t i;

	if (!s || strlen(s) != 2 * len)
		return -EINVAL;
	for (i = 0; i < 2 * len; i++)
		if (hexval(s[i]) < 0)
			return -EINVAL;
	for (i = 0; i < len; i++)
		out[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
	return 0;
}

int ntm_cli_parse_endpoint(const char *s, struct sockaddr_storage *ss)
{
	struct ntm_addr a;
	socklen_t len;

	if (!s || ntm_addr_parse(&a, s) != NTM_OK || a.family == NTM_AF_NONE ||
	    !a.port)
		return -EINVAL;
	if (ntm_addr_to_sockaddr(&a, ss, &len) != NTM_OK)
		return -EINVAL;
	return 0;
}

int ntm_cli_parse_ip(const char *s, sa_family_t *family, uint8_t addr[16])
{
	struct ntm_addr a;

	if (!s || ntm_addr_parse(&a, s) != NTM_OK || a.family == NTM_AF_NONE ||
	    a.port || strchr(s, '['))
		return -EINVAL;
	*family = a.family == NTM_AF_INET ? AF_INET : AF_INET6;
	memcpy(addr, a.addr, 16);
	return 0;
}

int ntm_cli_parse_prefix(const char *s, sa_family_t *family, uint8_t addr[16],
			 uint8_t *plen)
{
	char ip[64];
	const char *slash = s ? strchr(s, '/') : NULL;
	uint8_t a[16];
	sa_family_t fam;
	uint32_t len, max, i;
	size_t n;

	if (!s)
		return -EINVAL;
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (ntm_cli_parse_ip(ip, &fam, a) < 0)
		return -EINVAL;
	max = fam == AF_INET ? 32 : 128;
	len = max;
	if (slash) {
		int ret = ntm_cli_parse_u32(slash + 1, 0, max, &len);

		if (ret < 0 || (slash[1] == '0' && slash[2]))
			return ret < 0 ? ret : -EINVAL; /* "/032", "/0x20" */
	}
	for (i = len; i < max; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return -EINVAL;	/* host bits set */
	*family = fam;
	memcpy(addr, a, 16);
	*plen = (uint8_t)len;
	return 0;
}
