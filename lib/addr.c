// SPDX-License-Identifier: MIT
/* The 20-byte ntm_addr (docs/protocol.md, "Addresses"). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ntm/msg.h>

static int ntm_all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

int ntm_addr_check(const struct ntm_addr *a)
{
	switch (a->family) {
	case NTM_AF_NONE:
		return !a->port && ntm_all_zero(a->addr, 16) ? NTM_OK : NTM_E_MALFORMED;
	case NTM_AF_INET:
		return ntm_all_zero(a->addr + 4, 12) ? NTM_OK : NTM_E_MALFORMED;
	case NTM_AF_INET6:
		return NTM_OK;
	}
	return NTM_E_MALFORMED;
}

int ntm_addr_encode(const struct ntm_addr *a, uint8_t out[NTM_ADDR_LEN])
{
	int ret = ntm_addr_check(a);

	if (ret != NTM_OK)
		return ret;
	out[0] = a->family;
	out[1] = 0;
	ntm_put_be16(out + 2, a->port);
	memcpy(out + 4, a->addr, 16);
	return NTM_OK;
}

int ntm_addr_decode(const uint8_t in[NTM_ADDR_LEN], struct ntm_addr *a)
{
	if (in[1])
		return NTM_E_MALFORMED;
	a->family = in[0];
	a->port = ntm_get_be16(in + 2);
	memcpy(a->addr, in + 4, 16);
	return ntm_addr_check(a);
}

int ntm_addr_is_none(const struct ntm_addr *a)
{
	return a->family == NTM_AF_NONE;
}

int ntm_addr_equal(const struct ntm_addr *a, const struct ntm_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

int ntm_addr_from_sockaddr(struct ntm_addr *a, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

	memset(a, 0, sizeof(*a));
	switch (ss->ss_family) {
	case AF_INET:
		a->family = NTM_AF_INET;
		a->port = ntohs(sin->sin_port);
		memcpy(a->addr, &sin->sin_addr, 4);
		return NTM_OK;
	case AF_INET6:
		a->port = ntohs(sin6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a->family = NTM_AF_INET;
			memcpy(a->addr, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			a->family = NTM_AF_INET6;
			memcpy(a->addr, &sin6->sin6_addr, 16);
		}
		return NTM_OK;
	}
	return NTM_E_MALFORMED;
}

static int ntm_addr_to_sin6(const struct ntm_addr *a, struct sockaddr_storage *ss,
			    socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(a->port);
	if (a->family == NTM_AF_INET) {
		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(sin6->sin6_addr.s6_addr + 12, a->addr, 4);
	} else {
		memcpy(&sin6->sin6_addr, a->addr, 16);
	}
	*len = sizeof(*sin6);
	return NTM_OK;
}

int ntm_addr_to_sockaddr(const struct ntm_addr *a, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	if (ntm_addr_check(a) != NTM_OK || a->family == NTM_AF_NONE)
		return NTM_E_MALFORMED;
	if (a->family == NTM_AF_INET6)
		return ntm_addr_to_sin6(a, ss, len);
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(a->port);
	memcpy(&sin->sin_addr, a->addr, 4);
	*len = sizeof(*sin);
	return NTM_OK;
}

int ntm_addr_to_sockaddr6(const struct ntm_addr *a, struct sockaddr_storage *ss,
			  socklen_t *len)
{
	if (ntm_addr_check(a) != NTM_OK || a->family == NTM_AF_NONE)
		return NTM_E_MALFORMED;
	return ntm_addr_to_sin6(a, ss, len);
}

char *ntm_addr_fmt(const struct ntm_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	int v6 = a->family == NTM_AF_INET6;

	if (!len)
		return buf;
	if (ntm_addr_check(a) != NTM_OK) {
		snprintf(buf, len, "invalid");
		return buf;
	}
	if (a->family == NTM_AF_NONE) {
		snprintf(buf, len, "none");
		return buf;
	}
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, a->addr, ip, sizeof(ip))) {
		snprintf(buf, len, "invalid");
		return buf;
	}
	/* Port 0 marks an address-only field (a VIP): print just the address. */
	if (!a->port)
		snprintf(buf, len, "%s", ip);
	else if (v6)
		snprintf(buf, len, "[%s]:%u", ip, (unsigned int)a->port);
	else
		snprintf(buf, len, "%s:%u", ip, (unsigned int)a->port);
	return buf;
}

/* A decimal port 1..65535, nothing after it. */
static int ntm_port_parse(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	const char *p;

	if (!*s || strlen(s) > 5)
		return NTM_E_MALFORMED;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return NTM_E_MALFORMED;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (!v || v > 65535)
		return NTM_E_MALFORMED;
	*port = (uint16_t)v;
	return NTM_OK;
}

static int ntm_addr_parse_ip(struct ntm_addr *a, const char *ip, int v6)
{
	if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, a->addr) != 1)
		return NTM_E_MALFORMED;
	a->family = v6 ? NTM_AF_INET6 : NTM_AF_INET;
	return NTM_OK;
}

int ntm_addr_parse(struct ntm_addr *a, const char *s)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *end, *colon;
	size_t n;

	memset(a, 0, sizeof(*a));
	if (!strcmp(s, "none"))
		return NTM_OK;
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(ip))
			return NTM_E_MALFORMED;
		memcpy(ip, s + 1, (size_t)(end - s - 1));
		ip[end - s - 1] = '\0';
		if (ntm_port_parse(end + 2, &a->port) != NTM_OK ||
		    ntm_addr_parse_ip(a, ip, 1) != NTM_OK)
			goto bad;
		return NTM_OK;
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':'))	/* bare IPv6, no port */
		return ntm_addr_parse_ip(a, s, 1) == NTM_OK ? NTM_OK : NTM_E_MALFORMED;
	n = colon ? (size_t)(colon - s) : strlen(s);
	if (n >= sizeof(ip))
		return NTM_E_MALFORMED;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if ((colon && ntm_port_parse(colon + 1, &a->port) != NTM_OK) ||
	    ntm_addr_parse_ip(a, ip, 0) != NTM_OK)
		goto bad;
	return NTM_OK;
bad:
	memset(a, 0, sizeof(*a));
	return NTM_E_MALFORMED;
}

int ntm_addr_source_for(const struct ntm_addr *to, uint16_t port,
			struct ntm_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, ret = NTM_E_UNREACHABLE;

	if (ntm_addr_to_sockaddr(to, &ss, &sl) != NTM_OK)
		return NTM_E_MALFORMED;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NTM_E_INTERNAL;
	/* connect() on UDP sends nothing: it only asks the routing table. */
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    ntm_addr_from_sockaddr(out, &ss) == NTM_OK) {
			out->port = port;
			ret = NTM_OK;
		}
	}
	close(fd);
	return ret;
}
