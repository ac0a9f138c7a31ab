// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-dc-stub's command line: options first, then the command in ntmctl's
 * style ("relay 42 type n path-key ... a-vip ..."). No side effects:
 * test/unit/test_ntm_dc_stub_args.c covers it.
 */
#include <stdarg.h>
#include <string.h>

#include "ntm_cli.h"
#include "stub.h"

static const char usage[] =
"Usage: ntm-dc-stub --rs ADDR:PORT --key-id ID --key HEX64 [OPTIONS] COMMAND\n"
"\n"
"A stand-in for the DC toward a Relay Server (ntm-rsd): sends one Relay\n"
"Direction or Path Teardown sealed with the DC-RS key, retransmits it as a\n"
"real requester does (same transaction id, new nonce and timestamp, after\n"
"1, 2, 4, 8, 8... s) until it is answered or --timeout passes, and prints\n"
"the answer.\n"
"\n"
"Options:\n"
"  --rs ADDR:PORT        the RS's control endpoint (required)\n"
"  --key-id ID           the DC-RS key id, 0..4294967295 (required)\n"
"  --key HEX64           the DC-RS key, 64 hex digits (required)\n"
"  --txn ID              the transaction id (default: random); giving the one\n"
"                        of an earlier run retransmits that request\n"
"  --timeout MS          give up after MS ms without an answer (default 15000)\n"
"  --local ADDR:PORT     bind to this address and port\n"
"  -q, --quiet           print only the answer\n"
"  -h, --help            this help\n"
"\n"
"Commands:\n"
"  relay ID type s|n|t path-key HEX64 [a-vip ADDR] [b-vip ADDR] [host ADDR]\n"
"        [a-endpoint ADDR:PORT] [b-endpoint ADDR:PORT] [refresh SEC]\n"
"      a Relay Direction for PathID ID. The relay key, the tunnel key and\n"
"      (RS-N, RS-T) the data key are derived from the path key as the nodes\n"
"      derive them. a-vip and b-vip are required; host (the general host's\n"
"      real address) is required for RS-N and refused otherwise. The\n"
"      endpoints are optional: unset, the RS learns them. refresh: idle\n"
"      seconds before the path expires, 0 = never (default 300).\n"
"  teardown ID [reason closed|expired|moved|error]\n"
"      a Path Teardown for PathID ID (default reason closed)\n"
"\n"
"Prints \"path ID: STATUS, tunnel endpoint ADDR:PORT, control endpoint\n"
"ADDR:PORT\" for a Direction Response, \"path ID: error STATUS (TYPE)\" for an\n"
"Error. Exit status: 0 answered OK, 1 answered otherwise or not answered,\n"
"2 bad command line.\n";

void stub_usage(FILE *f)
{
	fputs(usage, f);
}

__attribute__((format(printf, 2, 3)))
static int usage_error(struct stub_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->err, sizeof(o->err), fmt, ap);
	va_end(ap);
	return STUB_USAGE;
}

static bool is(const char *a, const char *b)
{
	return !strcmp(a, b);
}

/* An address without port (port: false) or with one (port: true). */
static int parse_addr(struct stub_opts *o, const char *what, const char *v,
		      bool port, struct ntm_addr *a)
{
	struct sockaddr_storage ss;
	sa_family_t fam;
	uint8_t addr[16];

	memset(a, 0, sizeof(*a));
	if (port) {
		if (ntm_cli_parse_endpoint(v, &ss) < 0 ||
		    ntm_addr_from_sockaddr(a, &ss) != NTM_OK)
			return usage_error(o, "%s: expected ADDR:PORT (192.0.2.1:7701, [2001:db8::1]:7701), got \"%s\"",
					   what, v);
		return 0;
	}
	if (ntm_cli_parse_ip(v, &fam, addr) < 0)
		return usage_error(o, "%s: expected an IPv4 or IPv6 address, got \"%s\"",
				   what, v);
	a->family = fam == AF_INET ? NTM_AF_INET : NTM_AF_INET6;
	memcpy(a->addr, addr, fam == AF_INET ? 4 : 16);
	return 0;
}

static int parse_relay(struct stub_opts *o, int argc, char **argv, int i)
{
	struct ntm_relay_direction *rd = &o->rd;
	bool has_type = false, has_key = false;
	unsigned int seen = 0;

	if (i >= argc || ntm_cli_parse_u32(argv[i], 1, UINT32_MAX, &rd->path_id) < 0)
		return usage_error(o, "relay: expected a PathID, 1..4294967295, got \"%s\"",
				   i < argc ? argv[i] : "");
	rd->refresh = 300;
	for (i++; i < argc; i += 2) {
		const char *w = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		static const char *const words[] = {
			"type", "path-key", "a-vip", "b-vip", "host", "a-endpoint",
			"b-endpoint", "refresh",
		};
		unsigned int k_idx;
		int ret = 0;

		for (k_idx = 0; k_idx < sizeof(words) / sizeof(words[0]); k_idx++)
			if (is(w, words[k_idx]))
				break;
		if (k_idx == sizeof(words) / sizeof(words[0]))
			return usage_error(o, "relay: unknown argument \"%s\"", w);
		if (!v)
			return usage_error(o, "relay: %s needs a value", w);
		if (seen & (1u << k_idx))
			return usage_error(o, "relay: %s given twice", w);
		seen |= 1u << k_idx;

		if (is(w, "type")) {
			if (is(v, "s") || is(v, "rs-s") || is(v, "RS-S"))
				rd->rs_type = NTM_RS_TYPE_S;
			else if (is(v, "n") || is(v, "rs-n") || is(v, "RS-N"))
				rd->rs_type = NTM_RS_TYPE_N;
			else if (is(v, "t") || is(v, "rs-t") || is(v, "RS-T"))
				rd->rs_type = NTM_RS_TYPE_T;
			else
				return usage_error(o, "relay: type: expected s, n or t, got \"%s\"", v);
			has_type = true;
		} else if (is(w, "path-key")) {
			if (ntm_cli_parse_hex(v, o->path_key, sizeof(o->path_key)) < 0)
				return usage_error(o, "relay: path-key: expected 64 hex digits, got %zu characters",
						   strlen(v));
			has_key = true;
		} else if (is(w, "a-vip")) {
			ret = parse_addr(o, "relay: a-vip", v, false, &rd->leg_a_vip);
		} else if (is(w, "b-vip")) {
			ret = parse_addr(o, "relay: b-vip", v, false, &rd->leg_b_vip);
		} else if (is(w, "host")) {
			ret = parse_addr(o, "relay: host", v, false, &rd->host);
		} else if (is(w, "a-endpoint")) {
			ret = parse_addr(o, "relay: a-endpoint", v, true, &rd->leg_a_tunnel);
		} else if (is(w, "b-endpoint")) {
			ret = parse_addr(o, "relay: b-endpoint", v, true, &rd->leg_b_tunnel);
		} else if (ntm_cli_parse_u32(v, 0, UINT32_MAX, &rd->refresh) < 0) {
			return usage_error(o, "relay: refresh: expected seconds, 0..4294967295, got \"%s\"", v);
		}
		if (ret)
			return ret;
	}
	if (!has_type)
		return usage_error(o, "relay: missing type s|n|t");
	if (!has_key)
		return usage_error(o, "relay: missing path-key HEX64");
	if (ntm_addr_is_none(&rd->leg_a_vip) || ntm_addr_is_none(&rd->leg_b_vip))
		return usage_error(o, "relay: a-vip and b-vip are required");
	if (rd->rs_type == NTM_RS_TYPE_N && ntm_addr_is_none(&rd->host))
		return usage_error(o, "relay: RS-N needs host ADDR (the general host's real address)");
	if (rd->rs_type != NTM_RS_TYPE_N && !ntm_addr_is_none(&rd->host))
		return usage_error(o, "relay: host is for RS-N only");
	if (rd->rs_type != NTM_RS_TYPE_S && !ntm_addr_is_none(&rd->leg_b_tunnel))
		return usage_error(o, "relay: b-endpoint is for RS-S only (leg B of RS-N and RS-T is the RS)");

	if (ntm_relay_direction_keys(rd, o->path_key) != NTM_OK)
		return usage_error(o, "relay: cannot derive the keys from the path key");
	o->cmd = STUB_RELAY;
	return 0;
}

static int parse_teardown(struct stub_opts *o, int argc, char **argv, int i)
{
	struct ntm_path_teardown *td = &o->td;

	if (i >= argc || ntm_cli_parse_u32(argv[i], 1, UINT32_MAX, &td->path_id) < 0)
		return usage_error(o, "teardown: expected a PathID, 1..4294967295, got \"%s\"",
				   i < argc ? argv[i] : "");
	td->reason = NTM_TEARDOWN_CLOSED;
	i++;
	if (i < argc) {
		if (!is(argv[i], "reason") || i + 1 >= argc)
			return usage_error(o, "teardown: expected \"reason closed|expired|moved|error\", got \"%s\"",
					   argv[i]);
		if (is(argv[i + 1], "closed"))
			td->reason = NTM_TEARDOWN_CLOSED;
		else if (is(argv[i + 1], "expired"))
			td->reason = NTM_TEARDOWN_EXPIRED;
		else if (is(argv[i + 1], "moved"))
			td->reason = NTM_TEARDOWN_MOVED;
		else if (is(argv[i + 1], "error"))
			td->reason = NTM_TEARDOWN_ERROR;
		else
			return usage_error(o, "teardown: reason: expected closed, expired, moved or error, got \"%s\"",
					   argv[i + 1]);
		if (i + 2 < argc)
			return usage_error(o, "teardown: unexpected argument \"%s\"", argv[i + 2]);
	}
	o->cmd = STUB_TEARDOWN;
	return 0;
}

int stub_parse(int argc, char **argv, struct stub_opts *o)
{
	bool has_rs = false, has_id = false, has_key = false;
	int i;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = STUB_DEFAULT_TIMEOUT_MS;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (is(a, "-h") || is(a, "--help")) {
			o->cmd = STUB_HELP;
			return 0;
		}
		if (is(a, "-q") || is(a, "--quiet")) {
			o->quiet = true;
			continue;
		}
		if (!is(a, "--rs") && !is(a, "--key-id") && !is(a, "--key") &&
		    !is(a, "--txn") && !is(a, "--timeout") && !is(a, "--local"))
			return usage_error(o, "unknown option \"%s\"", a);
		if (!v)
			return usage_error(o, "%s needs a value", a);
		i++;
		if (is(a, "--rs")) {
			if (ntm_cli_parse_endpoint(v, &o->rs) < 0)
				return usage_error(o, "--rs: expected ADDR:PORT, got \"%s\"", v);
			has_rs = true;
		} else if (is(a, "--local")) {
			if (ntm_cli_parse_endpoint(v, &o->local) < 0)
				return usage_error(o, "--local: expected ADDR:PORT, got \"%s\"", v);
		} else if (is(a, "--key-id")) {
			if (ntm_cli_parse_u32(v, 0, UINT32_MAX, &o->key_id) < 0)
				return usage_error(o, "--key-id: expected 0..4294967295, got \"%s\"", v);
			has_id = true;
		} else if (is(a, "--key")) {
			if (ntm_cli_parse_hex(v, o->key, sizeof(o->key)) < 0)
				return usage_error(o, "--key: expected 64 hex digits, got %zu characters",
						   strlen(v));
			has_key = true;
		} else if (is(a, "--txn")) {
			if (ntm_cli_parse_u64(v, 0, UINT64_MAX, &o->txn) < 0)
				return usage_error(o, "--txn: expected a 64-bit number, got \"%s\"", v);
			o->has_txn = true;
		} else if (ntm_cli_parse_u32(v, 1, 3600000, &o->timeout_ms) < 0) {
			return usage_error(o, "--timeout: expected milliseconds, 1..3600000, got \"%s\"", v);
		}
	}
	if (i < argc && is(argv[i], "help")) {
		o->cmd = STUB_HELP;
		return 0;
	}
	if (!has_rs)
		return usage_error(o, "missing --rs ADDR:PORT");
	if (!has_id)
		return usage_error(o, "missing --key-id ID");
	if (!has_key)
		return usage_error(o, "missing --key HEX64");
	if (o->local.ss_family && o->local.ss_family != o->rs.ss_family)
		return usage_error(o, "--local and --rs must be of the same family");
	if (i >= argc)
		return usage_error(o, "missing a command: relay or teardown");
	if (is(argv[i], "relay"))
		return parse_relay(o, argc, argv, i + 1);
	if (is(argv[i], "teardown"))
		return parse_teardown(o, argc, argv, i + 1);
	return usage_error(o, "unknown command \"%s\" (relay, teardown)", argv[i]);
}
