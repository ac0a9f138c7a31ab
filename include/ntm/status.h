/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Status codes of the NTMobile protocol (docs/protocol.md, "Status codes").
 * The same numbers travel in the status byte of responses and Error messages,
 * so libntm uses them as its return values too.
 *
 * Convention, everywhere in libntm:
 *   - a function returning int returns NTM_OK (0) or a positive enum
 *     ntm_status;
 *   - a function returning a length (ssize_t) returns the length (>= 0) or
 *     -status (negative).
 * ntm_strstatus() accepts both signs.
 */
#ifndef _NTM_STATUS_H
#define _NTM_STATUS_H

#include "wire.h"

enum ntm_status {
	NTM_OK			= 0,	/* done */
	NTM_E_TRUNCATED		= 1,	/* shorter than its type requires */
	NTM_E_VERSION		= 2,	/* unknown protocol version */
	NTM_E_TYPE		= 3,	/* unknown or unexpected message type */
	NTM_E_LENGTH		= 4,	/* length field or total length wrong */
	NTM_E_MALFORMED		= 5,	/* a field holds a value the type forbids */
	NTM_E_AUTH		= 6,	/* tag did not verify */
	NTM_E_REPLAY		= 7,	/* counter or nonce seen, or below window */
	NTM_E_STALE		= 8,	/* timestamp outside the freshness window */
	NTM_E_UNKNOWN_KEY	= 9,	/* no key with that key id */
	NTM_E_UNKNOWN_PATH	= 10,	/* no path with that PathID */
	NTM_E_TABLE_FULL	= 11,	/* the table holds its maximum */
	NTM_E_CONFLICT		= 12,	/* PathID or VIP pair in use elsewhere */
	NTM_E_POOL_EXHAUSTED	= 13,	/* no free VIP (or RS-T address) */
	NTM_E_REFUSED		= 14,	/* policy refuses the request */
	NTM_E_UNREACHABLE	= 15,	/* no route or endpoint for the request */
	NTM_E_INTERNAL		= 16,	/* the responder failed; retry later */
	__NTM_STATUS_MAX,
};
#define NTM_STATUS_MAX (__NTM_STATUS_MAX - 1)

/*
 * A readable name for @status (positive or negative). Never NULL; an unknown
 * value gives "unknown status".
 */
const char *ntm_strstatus(int status);

/* The short upper-case name of the status table ("OK", "TRUNCATED", ...). */
const char *ntm_status_name(int status);

/* Map a result of the shared wire.h decoders to a status. */
enum ntm_status ntm_status_from_wire(enum ntm_wire_err err);

#endif /* _NTM_STATUS_H */
