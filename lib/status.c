// SPDX-License-Identifier: MIT
/* Names of the protocol status codes (include/ntm/status.h). */
#include <ntm/status.h>

struct ntm_status_text {
	const char *name;
	const char *text;
};

static const struct ntm_status_text ntm_status_texts[] = {
	[NTM_OK]		= { "OK", "success" },
	[NTM_E_TRUNCATED]	= { "TRUNCATED", "message truncated" },
	[NTM_E_VERSION]		= { "VERSION", "unknown protocol version" },
	[NTM_E_TYPE]		= { "TYPE", "unknown or unexpected message type" },
	[NTM_E_LENGTH]		= { "LENGTH", "wrong length for the message type" },
	[NTM_E_MALFORMED]	= { "MALFORMED", "malformed field" },
	[NTM_E_AUTH]		= { "AUTH", "authentication failed" },
	[NTM_E_REPLAY]		= { "REPLAY", "replayed or too old" },
	[NTM_E_STALE]		= { "STALE", "timestamp outside the freshness window" },
	[NTM_E_UNKNOWN_KEY]	= { "UNKNOWN_KEY", "unknown key id" },
	[NTM_E_UNKNOWN_PATH]	= { "UNKNOWN_PATH", "unknown PathID" },
	[NTM_E_TABLE_FULL]	= { "TABLE_FULL", "table full" },
	[NTM_E_CONFLICT]	= { "CONFLICT", "PathID or VIP pair already in use" },
	[NTM_E_POOL_EXHAUSTED]	= { "POOL_EXHAUSTED", "no free address in the pool" },
	[NTM_E_REFUSED]		= { "REFUSED", "refused by policy" },
	[NTM_E_UNREACHABLE]	= { "UNREACHABLE", "no route or endpoint" },
	[NTM_E_INTERNAL]	= { "INTERNAL", "internal error, retry later" },
};

static const struct ntm_status_text *ntm_status_lookup(int status)
{
	/* Lengths are returned as -status: accept both signs. */
	if (status < 0 && status >= -NTM_STATUS_MAX)
		status = -status;
	if (status < 0 || status > NTM_STATUS_MAX)
		return NULL;
	return &ntm_status_texts[status];
}

const char *ntm_strstatus(int status)
{
	const struct ntm_status_text *t = ntm_status_lookup(status);

	return t ? t->text : "unknown status";
}

const char *ntm_status_name(int status)
{
	const struct ntm_status_text *t = ntm_status_lookup(status);

	return t ? t->name : "UNKNOWN";
}

enum ntm_status ntm_status_from_wire(enum ntm_wire_err err)
{
	switch (err) {
	case NTM_WIRE_OK:
		return NTM_OK;
	case NTM_WIRE_TRUNCATED:
		return NTM_E_TRUNCATED;
	case NTM_WIRE_VERSION:
		return NTM_E_VERSION;
	case NTM_WIRE_TYPE:
		return NTM_E_TYPE;
	case NTM_WIRE_LENGTH:
		return NTM_E_LENGTH;
	/* A reserved flag bit, PathID 0 or a counter above NTM_COUNTER_MAX are
	 * all fields holding values the type does not allow. */
	case NTM_WIRE_FLAGS:
	case NTM_WIRE_PATH_ID:
	case NTM_WIRE_COUNTER:
		return NTM_E_MALFORMED;
	}
	return NTM_E_INTERNAL;
}
