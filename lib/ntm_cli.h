/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsers for the values people type on the command lines of ntmctl and
 * ntm-peer, so that both accept and reject exactly the same spellings.
 * Addresses go through ntm_addr_parse() (include/ntm/msg.h), the one parser
 * of the project's address syntax. Each returns 0 or -EINVAL (bad syntax) /
 * -ERANGE (outside [min, max]); nothing is written on failure.
 */
#ifndef _NTM_CLI_H
#define _NTM_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Decimal, or hexadecimal with 0x; no sign, no spaces, no trailing junk. */
int ntm_cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int ntm_cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
/* Exactly 2 * @len hex digits (either case) into @out. */
int ntm_cli_parse_hex(const char *s, uint8_t *out, size_t len);
/* "a.b.c.d:port" or "[v6]:port", port 1..65535, into AF_INET/AF_INET6. */
int ntm_cli_parse_endpoint(const char *s, struct sockaddr_storage *ss);
/* "a.b.c.d" or "v6" (no port): *family AF_INET/AF_INET6, @addr 16 bytes
 * (IPv4 in the first 4, the rest zero). */
int ntm_cli_parse_ip(const char *s, sa_family_t *family, uint8_t addr[16]);
/* "ADDR/LEN" or "ADDR" (a host: /32 or /128); host bits must be zero. */
int ntm_cli_parse_prefix(const char *s, sa_family_t *family, uint8_t addr[16],
			 uint8_t *plen);

#endif /* _NTM_CLI_H */
