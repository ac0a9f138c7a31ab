// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration file: one directive per line, "keyword value...",
 * words separated by blanks, "#" starts a comment. rsd.conf.example
 * documents every directive. A wrong line is reported as "FILE:LINE: what is
 * wrong", and nothing of a file with an error is used.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ntm_cli.h"
#include "ntm_conf.h"
#include "rsd.h"

void rsd_config_init(struct rsd_config *c)
{
	memset(c, 0, sizeof(*c));
	ntm_cli_parse_endpoint(RSD_DEFAULT_CONTROL, &c->control);
	c->tunnel_port = RSD_DEFAULT_TUNNEL_PORT;
	snprintf(c->tunnel_dev, sizeof(c->tunnel_dev), "%s", NTM_DEFAULT_IFNAME);
	snprintf(c->store, sizeof(c->store), "%s", RSD_DEFAULT_STORE);
	c->datapath = RSD_DP_AUTO;
	c->log_level = RSD_LOG_INFO;
	ntm_ratelimit_config_default(&c->rl);
}

void rsd_config_free(struct rsd_config *c)
{
	if (c->keys) {
		ntm_wipe(c->keys, c->nkeys * sizeof(*c->keys));
		free(c->keys);
	}
	c->keys = NULL;
	c->nkeys = 0;
}

const struct rsd_key *rsd_config_key(const struct rsd_config *c, uint32_t id)
{
	size_t i;

	for (i = 0; i < c->nkeys; i++)
		if (c->keys[i].id == id)
			return &c->keys[i];
	return NULL;
}

const char *rsd_dp_mode_name(enum rsd_dp_mode m)
{
	switch (m) {
	case RSD_DP_KERNEL:
		return "kernel";
	case RSD_DP_USER:
		return "user";
	default:
		return "auto";
	}
}

enum {
	D_CONTROL, D_TUNNEL_ADDRESS, D_TUNNEL_PORT, D_TUNNEL_DEV, D_MAX_PATHS,
	D_STORE, D_DATAPATH, D_LOG, D_LOG_LEVEL, D_ROUTE, D_DC_KEY,
	D_CONTROL_RATE, D_CONTROL_RATE_TOTAL, D_CONTROL_RATE_SOURCES,
	D_CONTROL_RATE_EXEMPT,
};

static const struct ntm_conf_directive directives[] = {
	{ "control", D_CONTROL, 1, 1, false, "ADDR:PORT" },
	{ "tunnel-address", D_TUNNEL_ADDRESS, 1, 1, false, "ADDR" },
	{ "tunnel-port", D_TUNNEL_PORT, 1, 1, false, "PORT" },
	{ "tunnel-dev", D_TUNNEL_DEV, 1, 1, false, "NAME" },
	{ "max-paths", D_MAX_PATHS, 1, 1, false, "N" },
	{ "store", D_STORE, 1, 1, false, "PATH" },
	{ "datapath", D_DATAPATH, 1, 1, false, "auto|kernel|user" },
	{ "log", D_LOG, 1, 1, false, "stderr|syslog" },
	{ "log-level", D_LOG_LEVEL, 1, 1, false, "error|warn|info|debug" },
	{ "route", D_ROUTE, 1, 1, true, "PREFIX" },
	{ "dc-key", D_DC_KEY, 2, 2, true, "KEYID HEX64" },
	{ "control-rate", D_CONTROL_RATE, 2, 2, false, "PKTS/S BURST" },
	{ "control-rate-total", D_CONTROL_RATE_TOTAL, 2, 2, false, "PKTS/S BURST" },
	{ "control-rate-sources", D_CONTROL_RATE_SOURCES, 1, 1, false, "N" },
	{ "control-rate-exempt", D_CONTROL_RATE_EXEMPT, 1, 1, true, "PREFIX" },
};

static int add_key(struct ntm_conf *p, struct rsd_config *c, char **w)
{
	struct rsd_key k, *keys;
	uint32_t id;

	if (ntm_cli_parse_u32(w[1], 0, UINT32_MAX, &id) < 0)
		return ntm_conf_error(p, "dc-key: KEYID: expected 0..4294967295, got \"%s\"", w[1]);
	if (rsd_config_key(c, id))
		return ntm_conf_error(p, "dc-key: key id %u is given twice", id);
	k.id = id;
	if (ntm_cli_parse_hex(w[2], k.key, sizeof(k.key)) < 0)
		return ntm_conf_error(p, "dc-key %u: expected 64 hex digits (32 bytes), got %zu characters",
			   id, strlen(w[2]));
	keys = realloc(c->keys, (c->nkeys + 1) * sizeof(*keys));
	if (!keys) {
		ntm_wipe(&k, sizeof(k));
		return ntm_conf_error(p, "out of memory");
	}
	c->keys = keys;
	c->keys[c->nkeys++] = k;
	ntm_wipe(&k, sizeof(k));
	return 0;
}

static int directive(struct ntm_conf *p, void *arg,
		     const struct ntm_conf_directive *d, int nw, char **w)
{
	struct rsd_config *c = arg;
	const char *v = w[1];
	uint32_t u32;

	switch (d->id) {
	case D_CONTROL:
		if (ntm_cli_parse_endpoint(v, &c->control) < 0)
			return ntm_conf_error(p, "control: expected ADDR:PORT (0.0.0.0:7700, [::]:7700), got \"%s\"", v);
		return 0;
	case D_TUNNEL_ADDRESS: {
		sa_family_t fam;
		uint8_t addr[16];

		if (ntm_cli_parse_ip(v, &fam, addr) < 0)
			return ntm_conf_error(p, "tunnel-address: expected the RS's address, an IPv4 or IPv6 address without port, got \"%s\"", v);
		memset(&c->tunnel_addr, 0, sizeof(c->tunnel_addr));
		c->tunnel_addr.family = fam == AF_INET ? NTM_AF_INET : NTM_AF_INET6;
		memcpy(c->tunnel_addr.addr, addr, fam == AF_INET ? 4 : 16);
		if (!memcmp(addr, (uint8_t[16]){ 0 }, 16))
			return ntm_conf_error(p, "tunnel-address: %s is not an address nodes can send to", v);
		return 0;
	}
	case D_TUNNEL_PORT:
		if (ntm_cli_parse_u32(v, 1, 65535, &u32) < 0)
			return ntm_conf_error(p, "tunnel-port: expected 1..65535, got \"%s\"", v);
		c->tunnel_port = (uint16_t)u32;
		return 0;
	case D_TUNNEL_DEV:
		if (!*v || strlen(v) >= IFNAMSIZ || strchr(v, '/') ||
		    strchr(v, ':') || !strcmp(v, ".") || !strcmp(v, ".."))
			return ntm_conf_error(p, "tunnel-dev: expected an interface name (1..15 characters, no '/' or ':'), got \"%s\"", v);
		snprintf(c->tunnel_dev, sizeof(c->tunnel_dev), "%s", v);
		return 0;
	case D_MAX_PATHS:
		if (ntm_cli_parse_u32(v, 1, UINT32_MAX, &c->max_paths) < 0)
			return ntm_conf_error(p, "max-paths: expected 1..4294967295, got \"%s\"", v);
		return 0;
	case D_STORE:
		if (v[0] != '/')
			return ntm_conf_error(p, "store: expected an absolute path, got \"%s\"", v);
		if (strlen(v) >= sizeof(c->store))
			return ntm_conf_error(p, "store: path too long");
		snprintf(c->store, sizeof(c->store), "%s", v);
		return 0;
	case D_DATAPATH:
		if (!strcmp(v, "auto"))
			c->datapath = RSD_DP_AUTO;
		else if (!strcmp(v, "kernel"))
			c->datapath = RSD_DP_KERNEL;
		else if (!strcmp(v, "user"))
			c->datapath = RSD_DP_USER;
		else
			return ntm_conf_error(p, "datapath: expected auto, kernel or user, got \"%s\"", v);
		return 0;
	case D_LOG:
		return ntm_conf_log(p, v, &c->log_syslog);
	case D_LOG_LEVEL:
		return ntm_conf_log_level(p, v, &c->log_level);
	case D_ROUTE: {
		struct rsd_route *r;

		if (c->nroutes == RSD_MAX_ROUTES)
			return ntm_conf_error(p, "route: at most %d routes", RSD_MAX_ROUTES);
		r = &c->routes[c->nroutes];
		if (ntm_cli_parse_prefix(v, &r->family, r->addr, &r->plen) < 0)
			return ntm_conf_error(p, "route: expected a prefix ADDR/LEN with no host bits set (100.64.0.0/16), got \"%s\"", v);
		c->nroutes++;
		return 0;
	}
	case D_DC_KEY:
		return add_key(p, c, w);
	case D_CONTROL_RATE:
		return ntm_conf_rate(p, d->name, w, &c->rl.rate, &c->rl.burst);
	case D_CONTROL_RATE_TOTAL:
		return ntm_conf_rate(p, d->name, w, &c->rl.total_rate, &c->rl.total_burst);
	case D_CONTROL_RATE_SOURCES:
		if (ntm_cli_parse_u32(v, 1, NTM_RL_MAX_SOURCES, &c->rl.max_sources) < 0)
			return ntm_conf_error(p, "control-rate-sources: expected 1..%u, got \"%s\"",
				   NTM_RL_MAX_SOURCES, v);
		return 0;
	case D_CONTROL_RATE_EXEMPT: {
		struct rsd_route *e;

		if (c->nrl_exempt == RSD_MAX_RL_EXEMPT)
			return ntm_conf_error(p, "control-rate-exempt: at most %d prefixes", RSD_MAX_RL_EXEMPT);
		e = &c->rl_exempt[c->nrl_exempt];
		if (ntm_cli_parse_prefix(v, &e->family, e->addr, &e->plen) < 0)
			return ntm_conf_error(p, "control-rate-exempt: expected a prefix ADDR/LEN with no host bits set (198.51.100.20/32), got \"%s\"", v);
		c->nrl_exempt++;
		return 0;
	}
	}
	return ntm_conf_error(p, "%s: internal error", d->name);
}

/* The checks of the whole file. */
static int check(struct ntm_conf *p, void *arg)
{
	struct rsd_config *c = arg;

	if (c->tunnel_addr.family == NTM_AF_NONE)
		return ntm_conf_error(p, "no tunnel-address: the RS's address that nodes send Data to (\"tunnel-address ADDR\")");
	if (!c->nkeys)
		return ntm_conf_error(p, "no dc-key: the RS needs the key of its DC (\"dc-key KEYID HEX64\")");
	c->tunnel_addr.port = c->tunnel_port;
	return 0;
}

static const struct ntm_conf_file conf_file = {
	.dirs = directives,
	.ndirs = sizeof(directives) / sizeof(directives[0]),
	.fn = directive,
	.check = check,
};

int rsd_config_parse(FILE *f, const char *name, struct rsd_config *c,
		     char *err, size_t errlen)
{
	snprintf(c->file, sizeof(c->file), "%s", name);
	return ntm_conf_read(f, name, &conf_file, c, err, errlen);
}

int rsd_config_load(const char *file, struct rsd_config *c, char *err,
		    size_t errlen)
{
	rsd_config_init(c);
	snprintf(c->file, sizeof(c->file), "%s", file);
	if (ntm_conf_load(file, &conf_file, c, err, errlen) == 0)
		return 0;
	rsd_config_free(c);
	return -1;
}
