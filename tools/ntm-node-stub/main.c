// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-node-stub: a stand-in for an NTM node toward the DC, to drive and test
 * ntm-dc: one Registration Request, Direction Request or Path Teardown
 * (sealed with the DC-node key, retransmitted as a node does:
 * lib/ntm_ctl_client.c), the Route Directions the DC pushes, and DNS
 * queries of the zone (ldns), each printed as one JSON object per line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

#include "ntm_cli.h"
#include "ntm_ctl_client.h"
#include "ntm_json.h"

#define EXIT_FAIL	1
#define EXIT_USAGE	2

static const char usage[] =
"Usage: ntm-node-stub [OPTIONS] COMMAND [ARGS]\n"
"\n"
"A stand-in for an NTM node toward the DC (ntm-dc), for tests: sends one\n"
"request sealed with the DC-node key, retransmits it as a node does (same\n"
"transaction id, new nonce, after 1, 2, 4, 8... s) until it is answered or\n"
"--timeout passes, and prints the answer as one JSON object.\n"
"\n"
"Options:\n"
"  --dc ADDR:PORT       the DC's control endpoint (required but for dns)\n"
"  --server ADDR:PORT   the DNS server (dns only)\n"
"  --node-id ID         the node id, which is the DC-node key id (required\n"
"                       but for dns)\n"
"  --key HEX64          the DC-node key (required but for dns)\n"
"  --key-id ID          seal with this key id instead of the node id\n"
"  --local ADDR:PORT    bind to this address and port (a node's tunnel port:\n"
"                       the DC pushes Route Directions to where it registered)\n"
"  --txn ID             the transaction id (default: random)\n"
"  --timeout MS         give up after MS ms (default 10000)\n"
"  -q, --quiet          no retransmission messages\n"
"  -h, --help           this help\n"
"\n"
"Commands:\n"
"  register FQDN [local ADDR:PORT] [vip-hint ADDR] [lifetime SEC] [id ID]\n"
"      a Registration Request (local: default the bound address; id: the\n"
"      body's node id, default --node-id). Prints {status, node_id, vip,\n"
"      observed, lifetime}\n"
"  direction node ID [vip ADDR] [observed ADDR:PORT] [dc ADDR:PORT]\n"
"  direction host ADDR [port PORT] [proto N]\n"
"      a Direction Request (dc: the peer's DC, in another domain). Prints\n"
"      the Route Direction: {status, route, leg, path_id, peer_node_id,\n"
"      refresh, tunnel, control, local_vip, peer_vip, path_key}\n"
"  teardown ID\n"
"      a Path Teardown; prints the answer {type, status, path_id}\n"
"  listen MS [count N]\n"
"      print the Route Directions that arrive in MS ms (at most N), one\n"
"      object per line; fails if none\n"
"  dns NAME [a|ntm|soa|ns|aaaa|any]     (with --server ADDR:PORT)\n"
"      a DNS query; prints {rcode, aa, answers: [{name, type, ...}]}; an\n"
"      NTM record is decoded (node_id, vip, local, observed, dc, nat)\n"
"\n"
"Exit status: 0 answered OK (dns: any answer), 1 answered otherwise or not\n"
"answered, 2 bad command line.\n";

struct opts {
	struct sockaddr_storage dc, local, server;
	bool has_dc, has_id, has_key, has_txn, quiet, has_server, has_key_id;
	uint32_t node_id, key_id;
	uint8_t key[NTM_CTL_KEY_BYTES];
	uint64_t txn;
	uint32_t timeout_ms;
	char **argv;
	int argc;
};

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ntm-node-stub: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'ntm-node-stub --help'.\n", stderr);
	return EXIT_USAGE;
}

static bool is(const char *a, const char *b)
{
	return !strcmp(a, b);
}

static socklen_t ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = 10000;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (is(a, "-h") || is(a, "--help")) {
			fputs(usage, stdout);
			exit(0);
		}
		if (is(a, "-q") || is(a, "--quiet")) {
			o->quiet = true;
			continue;
		}
		if (!v)
			return usage_error("%s needs a value", a);
		i++;
		if (is(a, "--dc")) {
			if (ntm_cli_parse_endpoint(v, &o->dc) < 0)
				return usage_error("--dc: expected ADDR:PORT, got \"%s\"", v);
			o->has_dc = true;
		} else if (is(a, "--server")) {
			if (ntm_cli_parse_endpoint(v, &o->server) < 0)
				return usage_error("--server: expected ADDR:PORT, got \"%s\"", v);
			o->has_server = true;
		} else if (is(a, "--local")) {
			if (ntm_cli_parse_endpoint(v, &o->local) < 0)
				return usage_error("--local: expected ADDR:PORT, got \"%s\"", v);
		} else if (is(a, "--node-id")) {
			if (ntm_cli_parse_u32(v, 1, UINT32_MAX, &o->node_id) < 0)
				return usage_error("--node-id: expected 1..4294967295, got \"%s\"", v);
			o->has_id = true;
		} else if (is(a, "--key-id")) {
			if (ntm_cli_parse_u32(v, 0, UINT32_MAX, &o->key_id) < 0)
				return usage_error("--key-id: expected 0..4294967295, got \"%s\"", v);
			o->has_key_id = true;
		} else if (is(a, "--key")) {
			if (ntm_cli_parse_hex(v, o->key, sizeof(o->key)) < 0)
				return usage_error("--key: expected 64 hex digits");
			o->has_key = true;
		} else if (is(a, "--txn")) {
			if (ntm_cli_parse_u64(v, 0, UINT64_MAX, &o->txn) < 0)
				return usage_error("--txn: expected a 64-bit number, got \"%s\"", v);
			o->has_txn = true;
		} else if (is(a, "--timeout")) {
			if (ntm_cli_parse_u32(v, 1, 3600000, &o->timeout_ms) < 0)
				return usage_error("--timeout: expected 1..3600000 ms, got \"%s\"", v);
		} else {
			return usage_error("unknown option \"%s\"", a);
		}
	}
	if (i >= argc)
		return usage_error("missing a command: register, direction, teardown, listen or dns");
	o->argv = argv + i;
	o->argc = argc - i;
	if (!is(o->argv[0], "dns")) {
		if (!o->has_dc || !o->has_id || !o->has_key)
			return usage_error("--dc, --node-id and --key are required");
		if (!o->has_key_id)
			o->key_id = o->node_id;
	}
	return 0;
}

static int parse_ip(const char *what, const char *v, bool port, struct ntm_addr *a)
{
	struct sockaddr_storage ss;
	sa_family_t fam;
	uint8_t addr[16];

	memset(a, 0, sizeof(*a));
	if (port) {
		if (ntm_cli_parse_endpoint(v, &ss) < 0 ||
		    ntm_addr_from_sockaddr(a, &ss) != NTM_OK)
			return usage_error("%s: expected ADDR:PORT, got \"%s\"", what, v);
		return 0;
	}
	if (ntm_cli_parse_ip(v, &fam, addr) < 0)
		return usage_error("%s: expected an address, got \"%s\"", what, v);
	a->family = fam == AF_INET ? NTM_AF_INET : NTM_AF_INET6;
	memcpy(a->addr, addr, fam == AF_INET ? 4 : 16);
	return 0;
}

static const char *route_word(uint8_t r)
{
	switch (r) {
	case NTM_ROUTE_DIRECT:
		return "direct";
	case NTM_ROUTE_RS_S:
		return "rs-s";
	case NTM_ROUTE_RS_N:
		return "rs-n";
	case NTM_ROUTE_RS_T:
		return "rs-t";
	}
	return "?";
}

static void kv_addr(struct ntm_json *j, const char *k, const struct ntm_addr *a)
{
	char b[NTM_ADDR_FMT_LEN];

	ntm_json_kv_str(j, k, ntm_addr_fmt(a, b, sizeof(b)));
}

static void print_route(const struct ntm_route_direction *rd)
{
	struct ntm_json j;
	char key[2 * 32 + 1];
	int i;

	for (i = 0; i < 32; i++)
		snprintf(key + 2 * i, 3, "%02x", rd->path_key[i]);
	ntm_json_init(&j, stdout);
	ntm_json_obj_start(&j);
	ntm_json_kv_str(&j, "type", "route_direction");
	ntm_json_kv_str(&j, "status", ntm_status_name(rd->status));
	ntm_json_kv_str(&j, "route", route_word(rd->route));
	ntm_json_kv_str(&j, "leg", rd->leg == NTM_LEG_B ? "b" : "a");
	ntm_json_kv_u64(&j, "path_id", rd->path_id);
	ntm_json_kv_u64(&j, "peer_node_id", rd->peer_node_id);
	ntm_json_kv_u64(&j, "refresh", rd->refresh);
	kv_addr(&j, "tunnel", &rd->tunnel);
	kv_addr(&j, "control", &rd->control);
	kv_addr(&j, "local_vip", &rd->local_vip);
	kv_addr(&j, "peer_vip", &rd->peer_vip);
	ntm_json_kv_str(&j, "path_key", key);
	ntm_json_obj_end(&j);
	fputc('\n', stdout);
	ntm_wipe(key, sizeof(key));
}

static int print_answer(const struct ntm_ctl_hdr *h, const union ntm_body *b)
{
	struct ntm_json j;

	if (h->type == NTM_MSG_ROUTE_DIRECTION) {
		print_route(&b->route_direction);
		return b->route_direction.status == NTM_OK ? 0 : EXIT_FAIL;
	}
	ntm_json_init(&j, stdout);
	ntm_json_obj_start(&j);
	switch (h->type) {
	case NTM_MSG_REGISTRATION_RESPONSE: {
		const struct ntm_registration_response *r = &b->registration_response;

		ntm_json_kv_str(&j, "type", "registration_response");
		ntm_json_kv_str(&j, "status", ntm_status_name(r->status));
		ntm_json_kv_u64(&j, "node_id", r->node_id);
		kv_addr(&j, "vip", &r->vip);
		kv_addr(&j, "observed", &r->observed);
		ntm_json_kv_u64(&j, "lifetime", r->lifetime);
		ntm_json_obj_end(&j);
		fputc('\n', stdout);
		return r->status == NTM_OK ? 0 : EXIT_FAIL;
	}
	case NTM_MSG_PATH_TEARDOWN:
		ntm_json_kv_str(&j, "type", "path_teardown");
		ntm_json_kv_str(&j, "status", "OK");
		ntm_json_kv_u64(&j, "path_id", b->path_teardown.path_id);
		ntm_json_obj_end(&j);
		fputc('\n', stdout);
		return 0;
	default:
		ntm_json_kv_str(&j, "type", h->type == NTM_MSG_ERROR ? "error" :
				ntm_msg_type_name(h->type));
		ntm_json_kv_str(&j, "status", h->type == NTM_MSG_ERROR ?
				ntm_status_name(b->error.status) : "?");
		if (h->type == NTM_MSG_ERROR)
			ntm_json_kv_u64(&j, "path_id", b->error.path_id);
		ntm_json_obj_end(&j);
		fputc('\n', stdout);
		return EXIT_FAIL;
	}
}

static int open_socket(const struct opts *o, int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd < 0) {
		fprintf(stderr, "ntm-node-stub: socket: %s\n", strerror(errno));
		return -1;
	}
	if (o->local.ss_family) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, (const struct sockaddr *)&o->local, ss_len(&o->local)) < 0) {
			fprintf(stderr, "ntm-node-stub: bind: %s\n", strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Our own endpoint as a node reports it: the address of the route to the
 * DC (a connected scratch socket tells it), the port of @fd. */
static int local_endpoint(const struct opts *o, int fd, struct ntm_addr *a)
{
	struct sockaddr_storage ss, any;
	socklen_t sl = sizeof(ss);
	struct ntm_addr port;
	int tmp;

	if (!o->local.ss_family) {
		memset(&any, 0, sizeof(any));
		any.ss_family = o->dc.ss_family;
		if (bind(fd, (struct sockaddr *)&any, ss_len(&any)) < 0)
			goto fail;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    ntm_addr_from_sockaddr(&port, &ss) != NTM_OK)
		goto fail;
	tmp = socket(o->dc.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tmp < 0)
		goto fail;
	sl = sizeof(ss);
	if (connect(tmp, (const struct sockaddr *)&o->dc, ss_len(&o->dc)) < 0 ||
	    getsockname(tmp, (struct sockaddr *)&ss, &sl) < 0 ||
	    ntm_addr_from_sockaddr(a, &ss) != NTM_OK) {
		close(tmp);
		goto fail;
	}
	close(tmp);
	a->port = port.port;
	return 0;
fail:
	fprintf(stderr, "ntm-node-stub: cannot find the local address: %s\n",
		strerror(errno));
	return -1;
}

/* The body of the command, into @type and @b. */
static int build(struct opts *o, int fd, uint8_t *type, union ntm_body *b)
{
	char **w = o->argv;
	int n = o->argc, i;

	memset(b, 0, sizeof(*b));
	if (is(w[0], "register")) {
		struct ntm_registration_request *r = &b->registration_request;
		bool has_local = false;

		if (n < 2 || strlen(w[1]) > NTM_NAME_MAX)
			return usage_error("register: expected an FQDN");
		*type = NTM_MSG_REGISTRATION_REQUEST;
		snprintf(r->name, sizeof(r->name), "%s", w[1]);
		r->node_id = o->node_id;
		r->lifetime = 60;
		for (i = 2; i + 1 < n; i += 2) {
			if (is(w[i], "local")) {
				if (parse_ip("local", w[i + 1], true, &r->local))
					return EXIT_USAGE;
				has_local = true;
			} else if (is(w[i], "vip-hint")) {
				if (parse_ip("vip-hint", w[i + 1], false, &r->vip_hint))
					return EXIT_USAGE;
			} else if (is(w[i], "lifetime")) {
				if (ntm_cli_parse_u32(w[i + 1], 0, UINT32_MAX, &r->lifetime) < 0)
					return usage_error("lifetime: expected seconds");
			} else if (is(w[i], "id")) {
				if (ntm_cli_parse_u32(w[i + 1], 0, UINT32_MAX, &r->node_id) < 0)
					return usage_error("id: expected a node id");
			} else {
				return usage_error("register: unknown argument \"%s\"", w[i]);
			}
		}
		if (i != n)
			return usage_error("register: \"%s\" needs a value", w[i]);
		if (!has_local && local_endpoint(o, fd, &r->local) < 0)
			return EXIT_FAIL;
		return 0;
	}
	if (is(w[0], "direction")) {
		struct ntm_direction_request *r = &b->direction_request;
		uint32_t u;

		*type = NTM_MSG_DIRECTION_REQUEST;
		r->node_id = o->node_id;
		if (n < 3)
			return usage_error("direction: expected \"node ID\" or \"host ADDR\"");
		if (is(w[1], "node")) {
			r->peer_kind = NTM_PEER_NODE;
			if (ntm_cli_parse_u32(w[2], 0, UINT32_MAX, &r->peer_node_id) < 0)
				return usage_error("direction node: expected a node id");
		} else if (is(w[1], "host")) {
			r->peer_kind = NTM_PEER_HOST;
			if (parse_ip("direction host", w[2], false, &r->peer_addr))
				return EXIT_USAGE;
		} else {
			return usage_error("direction: expected node or host, got \"%s\"", w[1]);
		}
		for (i = 3; i + 1 < n; i += 2) {
			if (is(w[i], "vip")) {
				if (parse_ip("vip", w[i + 1], false, &r->peer_vip))
					return EXIT_USAGE;
			} else if (is(w[i], "dc")) {
				if (parse_ip("dc", w[i + 1], true, &r->peer_dc))
					return EXIT_USAGE;
			} else if (is(w[i], "observed")) {
				if (parse_ip("observed", w[i + 1], true, &r->peer_addr))
					return EXIT_USAGE;
			} else if (is(w[i], "port")) {
				if (ntm_cli_parse_u32(w[i + 1], 0, 65535, &u) < 0)
					return usage_error("port: expected 0..65535");
				r->port = (uint16_t)u;
			} else if (is(w[i], "proto")) {
				if (ntm_cli_parse_u32(w[i + 1], 0, 255, &u) < 0)
					return usage_error("proto: expected 0..255");
				r->proto = (uint8_t)u;
			} else {
				return usage_error("direction: unknown argument \"%s\"", w[i]);
			}
		}
		if (i != n)
			return usage_error("direction: \"%s\" needs a value", w[i]);
		return 0;
	}
	if (is(w[0], "teardown")) {
		*type = NTM_MSG_PATH_TEARDOWN;
		if (n != 2 || ntm_cli_parse_u32(w[1], 1, UINT32_MAX,
						&b->path_teardown.path_id) < 0)
			return usage_error("teardown: expected a PathID");
		b->path_teardown.reason = NTM_TEARDOWN_CLOSED;
		return 0;
	}
	return usage_error("unknown command \"%s\"", w[0]);
}

static int cmd_listen(struct opts *o)
{
	uint32_t ms, count = UINT32_MAX, got = 0;
	uint64_t until;
	struct timespec ts;
	int fd;

	if (o->argc < 2 || ntm_cli_parse_u32(o->argv[1], 1, 3600000, &ms) < 0)
		return usage_error("listen: expected milliseconds");
	if (o->argc == 4 && is(o->argv[2], "count")) {
		if (ntm_cli_parse_u32(o->argv[3], 1, UINT32_MAX, &count) < 0)
			return usage_error("listen: count: expected a number");
	} else if (o->argc != 2) {
		return usage_error("listen: expected \"listen MS [count N]\"");
	}
	fd = open_socket(o, o->local.ss_family ? o->local.ss_family : o->dc.ss_family);
	if (fd < 0)
		return EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	until = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + ms;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (got < count) {
		struct sockaddr_storage from;
		struct ntm_ctl_hdr h;
		union ntm_body b;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		if (now >= until ||
		    ntm_ctl_receive(fd, o->key_id, o->key, NTM_MSG_ROUTE_DIRECTION,
				    (uint32_t)(until - now), &h, &b, &from) < 0)
			break;
		print_route(&b.route_direction);
		ntm_wipe(&b, sizeof(b));
		got++;
	}
	close(fd);
	return got ? 0 : EXIT_FAIL;
}

/* ---- dns ----------------------------------------------------------------- */

static void print_rr(struct ntm_json *j, const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
	char *s;

	ntm_json_obj_start(j);
	ntm_json_kv_str(j, "name", owner ? owner : "?");
	free(owner);
	if (t == (ldns_rr_type)NTM_RR_TYPE) {
		struct ntm_record r;

		ntm_json_kv_str(j, "type", "NTM");
		if (rd && ldns_rr_rd_count(rr) == 1 &&
		    ntm_record_decode(ldns_rdf_data(rd), ldns_rdf_size(rd), &r) == NTM_OK) {
			ntm_json_kv_u64(j, "node_id", r.node_id);
			kv_addr(j, "vip", &r.vip);
			kv_addr(j, "local", &r.local);
			kv_addr(j, "observed", &r.observed);
			kv_addr(j, "dc", &r.dc);
			ntm_json_key(j, "nat");
			ntm_json_bool(j, r.flags & NTM_RECORD_F_NAT);
		} else {
			ntm_json_kv_str(j, "error", "not a valid NTM record");
		}
	} else {
		s = ldns_rr_type2str(t);
		ntm_json_kv_str(j, "type", s ? s : "?");
		free(s);
		s = rd ? ldns_rdf2str(rd) : NULL;
		ntm_json_kv_str(j, "data", s ? s : "");
		free(s);
	}
	ntm_json_obj_end(j);
}

static void print_section(struct ntm_json *j, const char *name,
			  const ldns_rr_list *l)
{
	size_t i;

	ntm_json_key(j, name);
	ntm_json_arr_start(j);
	for (i = 0; l && i < ldns_rr_list_rr_count(l); i++)
		print_rr(j, ldns_rr_list_rr(l, i));
	ntm_json_arr_end(j);
}

static int cmd_dns(struct opts *o)
{
	ldns_rr_type type = LDNS_RR_TYPE_A;
	ldns_pkt *q = NULL, *a = NULL;
	ldns_rdf *name;
	uint8_t *wire = NULL, in[4096];
	size_t wlen = 0;
	struct ntm_json j;
	struct pollfd pfd;
	ssize_t n = -1;
	char *rc;
	int fd, tries, ret = EXIT_FAIL;

	if (!o->has_server)
		return usage_error("dns: --server ADDR:PORT is required");
	if (o->argc < 2 || o->argc > 3)
		return usage_error("dns: expected \"dns NAME [a|ntm|soa|ns|aaaa|any]\"");
	if (o->argc == 3) {
		const char *t = o->argv[2];

		if (is(t, "a"))
			type = LDNS_RR_TYPE_A;
		else if (is(t, "ntm"))
			type = (ldns_rr_type)NTM_RR_TYPE;
		else if (is(t, "soa"))
			type = LDNS_RR_TYPE_SOA;
		else if (is(t, "ns"))
			type = LDNS_RR_TYPE_NS;
		else if (is(t, "any"))
			type = LDNS_RR_TYPE_ANY;
		else if (is(t, "aaaa"))
			type = LDNS_RR_TYPE_AAAA;
		else
			return usage_error("dns: type: expected a, ntm, soa, ns, aaaa or any");
	}
	name = ldns_dname_new_frm_str(o->argv[1]);
	if (!name)
		return usage_error("dns: \"%s\" is not a domain name", o->argv[1]);
	q = ldns_pkt_query_new(name, type, LDNS_RR_CLASS_IN, LDNS_RD);
	if (!q || ldns_pkt2wire(&wire, q, &wlen) != LDNS_STATUS_OK) {
		fprintf(stderr, "ntm-node-stub: cannot build the query\n");
		goto out;
	}
	fd = open_socket(o, o->server.ss_family);
	if (fd < 0)
		goto out;
	for (tries = 0; tries < 3 && n < 0; tries++) {
		if (sendto(fd, wire, wlen, 0, (struct sockaddr *)&o->server,
			   ss_len(&o->server)) < 0) {
			fprintf(stderr, "ntm-node-stub: sendto: %s\n", strerror(errno));
			break;
		}
		pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 1000) == 1)
			n = recv(fd, in, sizeof(in), 0);
	}
	close(fd);
	if (n < 0) {
		fprintf(stderr, "ntm-node-stub: no DNS answer from the server\n");
		goto out;
	}
	if (ldns_wire2pkt(&a, in, (size_t)n) != LDNS_STATUS_OK || !a) {
		fprintf(stderr, "ntm-node-stub: the DNS answer does not parse\n");
		goto out;
	}
	rc = ldns_pkt_rcode2str(ldns_pkt_get_rcode(a));
	ntm_json_init(&j, stdout);
	ntm_json_obj_start(&j);
	ntm_json_kv_str(&j, "rcode", rc ? rc : "?");
	free(rc);
	ntm_json_key(&j, "aa");
	ntm_json_bool(&j, ldns_pkt_aa(a));
	ntm_json_key(&j, "ra");
	ntm_json_bool(&j, ldns_pkt_ra(a));
	ntm_json_kv_u64(&j, "id_match", ldns_pkt_id(a) == ldns_pkt_id(q));
	print_section(&j, "answers", ldns_pkt_answer(a));
	print_section(&j, "authority", ldns_pkt_authority(a));
	print_section(&j, "additional", ldns_pkt_additional(a));
	ntm_json_obj_end(&j);
	fputc('\n', stdout);
	ret = 0;
out:
	free(wire);
	if (q)
		ldns_pkt_free(q);
	if (a)
		ldns_pkt_free(a);
	return ret;
}

int main(int argc, char **argv)
{
	struct ntm_ctl_request rq;
	struct ntm_ctl_hdr h;
	union ntm_body body, ans;
	struct opts o;
	uint8_t type = 0;
	unsigned int tries = 0;
	int fd, ret;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret;
	if (is(o.argv[0], "dns"))
		return cmd_dns(&o);
	if (is(o.argv[0], "listen"))
		return cmd_listen(&o);
	if (!o.has_txn && ntm_ctl_random(NULL, (uint8_t *)&o.txn, sizeof(o.txn)) != NTM_OK)
		return EXIT_FAIL;
	fd = open_socket(&o, o.dc.ss_family);
	if (fd < 0)
		return EXIT_FAIL;
	ret = build(&o, fd, &type, &body);
	if (ret) {
		close(fd);
		return ret;
	}
	memset(&rq, 0, sizeof(rq));
	rq.fd = fd;
	rq.to = o.dc;
	rq.type = type;
	rq.key_id = o.key_id;
	rq.key = o.key;
	rq.txn_id = o.txn;
	rq.body = &body;
	rq.timeout_ms = o.timeout_ms;
	rq.answer_types[0] = type == NTM_MSG_REGISTRATION_REQUEST ?
			     NTM_MSG_REGISTRATION_RESPONSE :
			     type == NTM_MSG_DIRECTION_REQUEST ?
			     NTM_MSG_ROUTE_DIRECTION : NTM_MSG_PATH_TEARDOWN;
	rq.answer_types[1] = NTM_MSG_ERROR;
	rq.who = "ntm-node-stub";
	rq.quiet = o.quiet;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = ntm_ctl_transact(&rq, &h, &ans, &tries);
	close(fd);
	if (ret == -ETIMEDOUT) {
		fprintf(stderr, "ntm-node-stub: no answer from the DC after %u tries in %" PRIu32 " ms\n",
			tries, o.timeout_ms);
		return EXIT_FAIL;
	}
	if (ret < 0)
		return EXIT_FAIL;
	ret = print_answer(&h, &ans);
	ntm_wipe(&ans, sizeof(ans));
	ntm_wipe(&body, sizeof(body));
	ntm_wipe(&o, sizeof(o));
	return ret;
}
