// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-peer's command line. Long options only, "--name value" or
 * "--name=value"; the mode word (send, recv) comes first. Nothing here has a
 * side effect, so test/unit/test_ntm_peer_opts.c covers it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ntm_cli.h"
#include "peer.h"

static const char usage[] =
"Usage: ntm-peer [run] COMMON [--tun NAME --vip ADDR [--peer-vip ADDR]\n"
"                [--route PREFIX]... [--mtu N]] [--keepalive SEC]\n"
"                [--tunnel-request ADDR:PORT --vip ADDR]\n"
"       ntm-peer send COMMON --remote ADDR:PORT --count N [--payload-size S]\n"
"                [--keepalive] [--forge-tag] [--forge-aead] [--replay]\n"
"                [--bad-path-id] [--truncate LEN] [--xor OFF:MASK]...\n"
"                [--interval MS] [--paths N] [--vip ADDR --peer-vip ADDR]\n"
"       ntm-peer recv COMMON --local ADDR:PORT --count N [--timeout MS]\n"
"                [--linger MS]\n"
"\n"
"A test endpoint of the NTMobile tunnel: one leg of one path, speaking the\n"
"tunnel data protocol (docs/protocol.md) over UDP, to exercise nf_ntm and the\n"
"Relay Server from a network namespace.\n"
"\n"
"COMMON:\n"
"  --path-id ID           the PathID, 1..4294967295 (required)\n"
"  --path-key HEX64       the path key, 64 hex digits (required); the relay\n"
"                         and data keys are derived from it\n"
"  --leg a|b              our leg (required); we accept only the other leg\n"
"  --remote ADDR:PORT     where we send: the RS's tunnel endpoint, or the\n"
"                         other peer (run: optional, then learned from the\n"
"                         first authenticated packet; recv: accept only from\n"
"                         there)\n"
"  --local ADDR:PORT      where we listen (default: any address, any port)\n"
"  --counter-start N      first counter we send (default 0)\n"
"  --log-level LEVEL      error, warn, info (default) or debug\n"
"  -v, --verbose          one level more; -q, --quiet: errors only\n"
"  -h, --help             this help\n"
"\n"
"run (the default): shuttle packets until SIGINT or SIGTERM.\n"
"  --tun NAME             create TUN device NAME, up, with address VIP/32 (or\n"
"                         /128): what it reads is sealed and sent to the\n"
"                         remote, what arrives authentic is written to it\n"
"  --vip ADDR             our VIP (required with --tun)\n"
"  --peer-vip ADDR        route the other leg's VIP (a host route) to the TUN\n"
"  --route PREFIX         route ADDR/LEN to the TUN (repeatable, up to 16)\n"
"  --mtu N                MTU of the TUN, 576..65535 (default 1400)\n"
"  --keepalive SEC        send a Keepalive at start and every SEC seconds\n"
"  --tunnel-request ADDR:PORT\n"
"                         before anything else, send a Tunnel Request for our\n"
"                         leg and --vip (sealed with the path's tunnel key) to\n"
"                         the RS's control port ADDR:PORT from the tunnel\n"
"                         socket, and wait up to 10 s for its Tunnel Response\n"
"                         (retransmitted after 1, 2, 4 s); exit 1 if the RS\n"
"                         refuses it or does not answer. --vip without --tun\n"
"                         is allowed for it\n"
"  Nothing is learned from an unauthenticated packet. SIGUSR1 and exit print\n"
"  the counters to stderr.\n"
"\n"
"send: send N packets to the remote, then exit. Counters N, N+1, ... from\n"
"--counter-start. Prints \"sent packets=N bytes=B\" (UDP payload bytes).\n"
"  --count N              number of packets (required)\n"
"  --payload-size S       plaintext bytes of each Data (default 64): each\n"
"                         UDP payload is S + 40 bytes\n"
"  --vip ADDR --peer-vip ADDR\n"
"                         the plaintext is an IP/UDP packet of S bytes from\n"
"                         VIP to peer VIP, port 9 (RS-N, RS-T need this)\n"
"  --keepalive            send Keepalives (24 bytes) instead of Data\n"
"  --forge-tag            flip a bit of the relay tag (an RS drops it: auth)\n"
"  --forge-aead           flip a bit of the AEAD tag, relay tag still right\n"
"                         (an RS-S relays it; RS-N, RS-T, a node drop it)\n"
"  --replay               every packet uses --counter-start (the first one\n"
"                         passes, the others are replays)\n"
"  --bad-path-id          write PathID ID+1 (1 after 4294967295) after\n"
"                         sealing: an unknown PathID, or a wrong tag\n"
"  --truncate LEN         send only the first LEN bytes (LEN below the\n"
"                         packet's length)\n"
"  --xor OFF:MASK         XOR byte OFF of the packet with MASK (0..255) after\n"
"                         sealing (repeatable, up to 16)\n"
"  --interval MS          wait MS milliseconds between packets (default 0)\n"
"  --paths N              send for PathIDs ID, ID+1, ... ID+N-1 in turn (all\n"
"                         under the same path key; a load generator): packet\n"
"                         i goes to ID + i % N with counter start + i / N\n"
"\n"
"recv: receive N datagrams on --local and check each. Prints one line per\n"
"datagram and a summary. Exits 0 only if N arrived in time, all authentic\n"
"(tag, AEAD, replay window, PathID, sent by the other leg), and, with\n"
"--linger, none after them.\n"
"  --count N              number of datagrams expected (required)\n"
"  --timeout MS           give up waiting after MS ms (default 5000)\n"
"  --linger MS            after N, listen MS ms more: any datagram fails\n"
"\n"
"Exit status: 0 success, 1 failure, 2 bad command line.\n";

void peer_usage(FILE *f)
{
	fputs(usage, f);
}

__attribute__((format(printf, 2, 3)))
static int usage_error(struct peer_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->err, sizeof(o->err), fmt, ap);
	va_end(ap);
	return PEER_USAGE;
}

enum {
	O_PATH_ID, O_PATH_KEY, O_LEG, O_REMOTE, O_LOCAL, O_COUNTER_START,
	O_LOG_LEVEL, O_VERBOSE, O_QUIET, O_HELP,
	O_TUN, O_VIP, O_PEER_VIP, O_ROUTE, O_MTU, O_KEEPALIVE, O_TUNNEL_REQUEST,
	O_COUNT, O_PAYLOAD_SIZE, O_FORGE_TAG, O_FORGE_AEAD, O_REPLAY,
	O_BAD_PATH_ID, O_TRUNCATE, O_XOR, O_INTERVAL, O_TIMEOUT, O_LINGER,
	O_PATHS,
};

#define M_RUN	(1u << PEER_RUN)
#define M_SEND	(1u << PEER_SEND)
#define M_RECV	(1u << PEER_RECV)
#define M_ALL	(M_RUN | M_SEND | M_RECV)

static const struct opt {
	const char *name;
	int id;
	unsigned int modes;
	bool arg;		/* in run mode for --keepalive */
} opts[] = {
	{ "path-id", O_PATH_ID, M_ALL, true },
	{ "path-key", O_PATH_KEY, M_ALL, true },
	{ "leg", O_LEG, M_ALL, true },
	{ "remote", O_REMOTE, M_ALL, true },
	{ "local", O_LOCAL, M_ALL, true },
	{ "counter-start", O_COUNTER_START, M_RUN | M_SEND, true },
	{ "log-level", O_LOG_LEVEL, M_ALL, true },
	{ "verbose", O_VERBOSE, M_ALL, false },
	{ "quiet", O_QUIET, M_ALL, false },
	{ "help", O_HELP, M_ALL, false },
	{ "tun", O_TUN, M_RUN, true },
	{ "vip", O_VIP, M_RUN | M_SEND, true },
	{ "peer-vip", O_PEER_VIP, M_RUN | M_SEND, true },
	{ "route", O_ROUTE, M_RUN, true },
	{ "mtu", O_MTU, M_RUN, true },
	{ "keepalive", O_KEEPALIVE, M_RUN | M_SEND, true },
	{ "tunnel-request", O_TUNNEL_REQUEST, M_RUN, true },
	{ "count", O_COUNT, M_SEND | M_RECV, true },
	{ "payload-size", O_PAYLOAD_SIZE, M_SEND, true },
	{ "forge-tag", O_FORGE_TAG, M_SEND, false },
	{ "forge-aead", O_FORGE_AEAD, M_SEND, false },
	{ "replay", O_REPLAY, M_SEND, false },
	{ "bad-path-id", O_BAD_PATH_ID, M_SEND, false },
	{ "truncate", O_TRUNCATE, M_SEND, true },
	{ "xor", O_XOR, M_SEND, true },
	{ "interval", O_INTERVAL, M_SEND, true },
	{ "paths", O_PATHS, M_SEND, true },
	{ "timeout", O_TIMEOUT, M_RECV, true },
	{ "linger", O_LINGER, M_RECV, true },
};

static const char *mode_name(enum peer_mode m)
{
	return m == PEER_SEND ? "send" : m == PEER_RECV ? "recv" : "run";
}

static int parse_ip(struct peer_opts *o, const char *name, const char *v,
		    struct peer_ip *ip)
{
	if (ntm_cli_parse_ip(v, &ip->family, ip->addr) < 0)
		return usage_error(o, "--%s: expected an IPv4 or IPv6 address, got \"%s\"",
			           name, v);
	ip->plen = ip->family == AF_INET ? 32 : 128;
	return 0;
}

static int parse_value(struct peer_opts *o, const struct opt *op,
		       const char *v)
{
	const char *n = op->name;
	uint32_t u32;

	switch (op->id) {
	case O_PATH_ID:
		if (ntm_cli_parse_u32(v, 1, UINT32_MAX, &o->path_id) < 0)
			return usage_error(o, "--path-id: expected a PathID, 1..4294967295, got \"%s\"", v);
		return 0;
	case O_PATH_KEY:
		if (ntm_cli_parse_hex(v, o->path_key, sizeof(o->path_key)) < 0)
			return usage_error(o, "--path-key: expected 64 hex digits (32 bytes), got %zu characters",
				           strlen(v));
		return 0;
	case O_LEG:
		if (!strcmp(v, "a") || !strcmp(v, "A"))
			o->leg = NTM_LEG_A;
		else if (!strcmp(v, "b") || !strcmp(v, "B"))
			o->leg = NTM_LEG_B;
		else
			return usage_error(o, "--leg: expected a or b, got \"%s\"", v);
		return 0;
	case O_TUNNEL_REQUEST:
		if (ntm_cli_parse_endpoint(v, &o->tunnel_request) < 0)
			return usage_error(o, "--tunnel-request: expected the RS's control endpoint ADDR:PORT (198.51.100.10:7700), got \"%s\"",
				           v);
		return 0;
	case O_REMOTE:
	case O_LOCAL:
		if (ntm_cli_parse_endpoint(v, op->id == O_REMOTE ? &o->remote :
						      &o->local) < 0)
			return usage_error(o, "--%s: expected ADDR:PORT (192.0.2.1:7701 or [2001:db8::1]:7701, port 1..65535), got \"%s\"",
				           n, v);
		return 0;
	case O_COUNTER_START:
		if (ntm_cli_parse_u64(v, 0, NTM_COUNTER_MAX, &o->counter_start) < 0)
			return usage_error(o, "--counter-start: expected 0..9223372036854775807, got \"%s\"", v);
		return 0;
	case O_LOG_LEVEL:
		if (!strcmp(v, "error"))
			o->log_level = PEER_LOG_ERROR;
		else if (!strcmp(v, "warn"))
			o->log_level = PEER_LOG_WARN;
		else if (!strcmp(v, "info"))
			o->log_level = PEER_LOG_INFO;
		else if (!strcmp(v, "debug"))
			o->log_level = PEER_LOG_DEBUG;
		else
			return usage_error(o, "--log-level: expected error, warn, info or debug, got \"%s\"", v);
		return 0;
	case O_TUN:
		if (!*v || strlen(v) >= IFNAMSIZ || strchr(v, '/') ||
		    strchr(v, ':') || strchr(v, ' ') || !strcmp(v, ".") ||
		    !strcmp(v, ".."))
			return usage_error(o, "--tun: expected an interface name (1..15 characters, no '/', ':' or spaces), got \"%s\"", v);
		strcpy(o->tun, v);
		return 0;
	case O_VIP:
		return parse_ip(o, n, v, &o->vip);
	case O_PEER_VIP:
		return parse_ip(o, n, v, &o->peer_vip);
	case O_ROUTE: {
		struct peer_ip *r;

		if (o->nroutes == PEER_MAX_ROUTES)
			return usage_error(o, "--route: at most %d routes", PEER_MAX_ROUTES);
		r = &o->routes[o->nroutes];
		if (ntm_cli_parse_prefix(v, &r->family, r->addr, &r->plen) < 0)
			return usage_error(o, "--route: expected a prefix ADDR/LEN with no host bits set (10.2.0.0/16, fd00::/64), got \"%s\"", v);
		o->nroutes++;
		return 0;
	}
	case O_MTU:
		if (ntm_cli_parse_u32(v, 576, 65535, &o->mtu) < 0)
			return usage_error(o, "--mtu: expected 576..65535, got \"%s\"", v);
		return 0;
	case O_KEEPALIVE:
		if (ntm_cli_parse_u32(v, 1, 86400, &o->keepalive_sec) < 0)
			return usage_error(o, "--keepalive: expected seconds, 1..86400, got \"%s\"", v);
		return 0;
	case O_COUNT:
		if (ntm_cli_parse_u64(v, 1, NTM_COUNTER_MAX, &o->count) < 0)
			return usage_error(o, "--count: expected a number of packets, at least 1, got \"%s\"", v);
		return 0;
	case O_PAYLOAD_SIZE:
		if (ntm_cli_parse_u32(v, 0, NTM_DATA_MAX_INNER, &o->payload_size) < 0)
			return usage_error(o, "--payload-size: expected 0..%d bytes, got \"%s\"",
				           NTM_DATA_MAX_INNER, v);
		return 0;
	case O_TRUNCATE:
		if (ntm_cli_parse_u32(v, 0, NTM_UDP_PAYLOAD_MAX, &o->truncate) < 0)
			return usage_error(o, "--truncate: expected a length in bytes, 0..%d, got \"%s\"",
				           NTM_UDP_PAYLOAD_MAX, v);
		o->has_truncate = true;
		return 0;
	case O_XOR: {
		const char *colon = strchr(v, ':');
		char off[16];
		uint32_t mask;

		if (o->nxor == PEER_MAX_XOR)
			return usage_error(o, "--xor: at most %d", PEER_MAX_XOR);
		if (!colon || (size_t)(colon - v) >= sizeof(off))
			goto bad_xor;
		memcpy(off, v, (size_t)(colon - v));
		off[colon - v] = '\0';
		if (ntm_cli_parse_u32(off, 0, NTM_UDP_PAYLOAD_MAX - 1, &u32) < 0 ||
		    ntm_cli_parse_u32(colon + 1, 1, 255, &mask) < 0)
			goto bad_xor;
		o->xors[o->nxor].off = u32;
		o->xors[o->nxor].mask = (uint8_t)mask;
		o->nxor++;
		return 0;
bad_xor:
		return usage_error(o, "--xor: expected OFFSET:MASK, a byte offset and a non-zero mask 1..255 (0x80 allowed), got \"%s\"", v);
	}
	case O_INTERVAL:
		if (ntm_cli_parse_u32(v, 0, 3600000, &o->interval_ms) < 0)
			return usage_error(o, "--interval: expected milliseconds, 0..3600000, got \"%s\"", v);
		return 0;
	case O_PATHS:
		if (ntm_cli_parse_u32(v, 1, 16777216, &o->paths) < 0)
			return usage_error(o, "--paths: expected a number of paths, 1..16777216, got \"%s\"", v);
		return 0;
	case O_TIMEOUT:
	case O_LINGER:
		if (ntm_cli_parse_u32(v, op->id == O_TIMEOUT ? 1 : 0, 3600000,
				      op->id == O_TIMEOUT ? &o->timeout_ms :
							    &o->linger_ms) < 0)
			return usage_error(o, "--%s: expected milliseconds, %d..3600000, got \"%s\"",
				           n, op->id == O_TIMEOUT ? 1 : 0, v);
		return 0;
	}
	return usage_error(o, "--%s: internal error", n);
}

static int check(struct peer_opts *o, uint64_t seen)
{
	const char *m = mode_name(o->mode);

#define SEEN(x) (seen & (1ull << (x)))
	if (!SEEN(O_PATH_ID))
		return usage_error(o, "%s: missing --path-id ID", m);
	if (!SEEN(O_PATH_KEY))
		return usage_error(o, "%s: missing --path-key HEX64", m);
	if (!SEEN(O_LEG))
		return usage_error(o, "%s: missing --leg a|b", m);
	if (o->remote.ss_family && o->local.ss_family &&
	    o->remote.ss_family != o->local.ss_family)
		return usage_error(o, "--local and --remote must be of the same family (both IPv4 or both IPv6)");

	switch (o->mode) {
	case PEER_RUN:
		if (o->tun[0] && !SEEN(O_VIP))
			return usage_error(o, "run: --tun needs --vip ADDR");
		if (SEEN(O_TUNNEL_REQUEST) && !SEEN(O_VIP))
			return usage_error(o, "run: --tunnel-request needs --vip ADDR (our VIP on the path)");
		if (!o->tun[0] && ((SEEN(O_VIP) && !SEEN(O_TUNNEL_REQUEST)) ||
				   SEEN(O_PEER_VIP) || SEEN(O_ROUTE) || SEEN(O_MTU)))
			return usage_error(o, "run: --vip, --peer-vip, --route and --mtu need --tun NAME");
		if (SEEN(O_TUNNEL_REQUEST) && o->local.ss_family &&
		    o->local.ss_family != o->tunnel_request.ss_family)
			return usage_error(o, "--local and --tunnel-request must be of the same family");
		if (SEEN(O_PEER_VIP)) {
			if (o->nroutes == PEER_MAX_ROUTES)
				return usage_error(o, "--route: at most %d routes with --peer-vip",
					           PEER_MAX_ROUTES - 1);
			o->routes[o->nroutes++] = o->peer_vip;
		}
		break;
	case PEER_SEND: {
		uint64_t len = o->keepalive ? NTM_KEEPALIVE_LEN :
				ntm_data_len(o->payload_size);
		unsigned int i;

		if (!o->remote.ss_family)
			return usage_error(o, "send: missing --remote ADDR:PORT");
		if (!SEEN(O_COUNT))
			return usage_error(o, "send: missing --count N");
		if (o->keepalive && (SEEN(O_PAYLOAD_SIZE) || SEEN(O_VIP) ||
				     SEEN(O_PEER_VIP)))
			return usage_error(o, "send: --keepalive carries no payload: leave out --payload-size, --vip and --peer-vip");
		if (o->keepalive && o->forge_aead)
			return usage_error(o, "send: --forge-aead needs Data: a Keepalive has no AEAD tag");
		if (!SEEN(O_VIP) != !SEEN(O_PEER_VIP))
			return usage_error(o, "send: --vip and --peer-vip go together");
		if (SEEN(O_VIP)) {
			size_t min = o->vip.family == AF_INET ? 28 : 48;

			if (o->vip.family != o->peer_vip.family)
				return usage_error(o, "send: --vip and --peer-vip must be of the same family");
			if (o->payload_size < min)
				return usage_error(o, "send: --payload-size must be at least %zu for an %s/UDP packet",
					           min, o->vip.family == AF_INET ? "IPv4" : "IPv6");
		}
		if (!o->replay && o->count - 1 > NTM_COUNTER_MAX - o->counter_start)
			return usage_error(o, "send: --counter-start + --count goes past the largest counter");
		if (o->paths && o->paths - 1 > UINT32_MAX - o->path_id)
			return usage_error(o, "send: --path-id + --paths goes past PathID 4294967295");
		if (o->has_truncate && o->truncate >= len)
			return usage_error(o, "send: --truncate %u is not below the packet's length, %llu",
				           o->truncate, (unsigned long long)len);
		for (i = 0; i < o->nxor; i++)
			if (o->xors[i].off >= len)
				return usage_error(o, "send: --xor offset %u is past the packet's end (length %llu)",
					           o->xors[i].off, (unsigned long long)len);
		break;
	}
	case PEER_RECV:
		if (!o->local.ss_family)
			return usage_error(o, "recv: missing --local ADDR:PORT");
		if (!SEEN(O_COUNT))
			return usage_error(o, "recv: missing --count N");
		break;
	case PEER_HELP:
		break;
	}
#undef SEEN
	return 0;
}

int peer_parse(int argc, char **argv, struct peer_opts *o)
{
	uint64_t seen = 0;
	int i = 1;

	memset(o, 0, sizeof(*o));
	o->log_level = PEER_LOG_INFO;
	o->mtu = PEER_DEFAULT_MTU;
	o->payload_size = PEER_DEFAULT_PAYLOAD;
	o->timeout_ms = PEER_DEFAULT_TIMEOUT_MS;
	o->mode = PEER_RUN;

	if (argc > 1) {
		if (!strcmp(argv[1], "send"))
			o->mode = PEER_SEND, i++;
		else if (!strcmp(argv[1], "recv"))
			o->mode = PEER_RECV, i++;
		else if (!strcmp(argv[1], "run"))
			i++;
		else if (!strcmp(argv[1], "help"))
			return o->mode = PEER_HELP, 0;
	}

	for (; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *v = NULL;
		char buf[32];
		const struct opt *op = NULL;
		size_t k, nlen;

		if (!strcmp(a, "-h")) {
			o->mode = PEER_HELP;
			return 0;
		}
		if (!strcmp(a, "-v") || !strcmp(a, "-q")) {
			if (a[1] == 'v' && o->log_level < PEER_LOG_DEBUG)
				o->log_level++;
			if (a[1] == 'q')
				o->log_level = PEER_LOG_ERROR;
			continue;
		}
		if (strncmp(a, "--", 2) || !a[2])
			return usage_error(o, "unexpected argument \"%s\"%s", a,
				           i == 1 ? " (modes: run, send, recv)" : "");
		name = a + 2;
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		if (nlen >= sizeof(buf))
			return usage_error(o, "unknown option \"%s\"", a);
		memcpy(buf, name, nlen);
		buf[nlen] = '\0';
		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (!strcmp(opts[k].name, buf))
				op = &opts[k];
		if (!op)
			return usage_error(o, "unknown option \"--%s\"", buf);
		if (!(op->modes & (1u << o->mode)))
			return usage_error(o, "--%s is not an option of %s mode", buf,
				           mode_name(o->mode));
		if (op->id == O_HELP) {
			o->mode = PEER_HELP;
			return 0;
		}
		if (seen & (1ull << op->id) && op->id != O_ROUTE &&
		    op->id != O_XOR && op->id != O_VERBOSE)
			return usage_error(o, "--%s given twice", buf);
		seen |= 1ull << op->id;

		/* --keepalive takes SEC in run mode, nothing in send mode. */
		if (!op->arg || (op->id == O_KEEPALIVE && o->mode == PEER_SEND)) {
			if (eq)
				return usage_error(o, "--%s takes no value", buf);
			switch (op->id) {
			case O_VERBOSE:
				if (o->log_level < PEER_LOG_DEBUG)
					o->log_level++;
				break;
			case O_QUIET:
				o->log_level = PEER_LOG_ERROR;
				break;
			case O_FORGE_TAG:
				o->forge_tag = true;
				break;
			case O_FORGE_AEAD:
				o->forge_aead = true;
				break;
			case O_REPLAY:
				o->replay = true;
				break;
			case O_BAD_PATH_ID:
				o->bad_path_id = true;
				break;
			case O_KEEPALIVE:
				o->keepalive = true;
				break;
			}
			continue;
		}
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			return usage_error(o, "--%s needs a value", buf);
		if (parse_value(o, op, v))
			return PEER_USAGE;
	}
	return check(o, seen);
}
