// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration file, in the syntax of lib/ntm_conf.h (the same as
 * ntm-rsd's). dc.conf.example documents every directive. A wrong line is
 * reported as "FILE:LINE: what is wrong", and nothing of a file with an
 * error is used.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ntm_cli.h"
#include "ntm_conf.h"
#include "dc.h"

void dc_config_init(struct dc_config *c)
{
	memset(c, 0, sizeof(*c));
	ntm_cli_parse_endpoint(DC_DEFAULT_CONTROL, &c->control);
	ntm_cli_parse_endpoint(DC_DEFAULT_DNS, &c->dns);
	snprintf(c->store, sizeof(c->store), "%s", DC_DEFAULT_STORE);
	c->lifetime = DC_DEFAULT_LIFETIME;
	c->refresh = DC_DEFAULT_REFRESH;
	c->route_optimization = true;
	c->log_level = NTM_LOG_INFO;
	ntm_ratelimit_config_default(&c->control_rl);
	ntm_ratelimit_config_default(&c->dns_rl);
}

void dc_config_free(struct dc_config *c)
{
	if (c->nodes) {
		ntm_wipe(c->nodes, c->nnodes * sizeof(*c->nodes));
		free(c->nodes);
	}
	if (c->rs) {
		ntm_wipe(c->rs, c->nrs * sizeof(*c->rs));
		free(c->rs);
	}
	if (c->peers) {
		ntm_wipe(c->peers, c->npeers * sizeof(*c->peers));
		free(c->peers);
	}
	free(c->hosts);
	c->nodes = NULL;
	c->rs = NULL;
	c->peers = NULL;
	c->hosts = NULL;
	c->nnodes = c->nrs = c->npeers = c->nhosts = 0;
}

const struct dc_node_cfg *dc_config_node(const struct dc_config *c, uint32_t id)
{
	size_t i;

	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].id == id)
			return &c->nodes[i];
	return NULL;
}

const struct dc_rs_cfg *dc_config_rs_by_key(const struct dc_config *c,
					    uint32_t key_id)
{
	size_t i;

	for (i = 0; i < c->nrs; i++)
		if (c->rs[i].key_id == key_id)
			return &c->rs[i];
	return NULL;
}

const struct dc_host_cfg *dc_config_host_by_addr(const struct dc_config *c,
						 uint32_t addr)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (c->hosts[i].addr == addr)
			return &c->hosts[i];
	return NULL;
}

const struct dc_host_cfg *dc_config_host_by_name(const struct dc_config *c,
						 const char *name)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (!strcasecmp(c->hosts[i].name, name))
			return &c->hosts[i];
	return NULL;
}

bool dc_name_below_zone(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	return n > z + 1 && name[n - z - 1] == '.' &&
	       !strcasecmp(name + n - z, zone);
}

bool dc_name_in_zone(const char *name, const char *zone)
{
	return !strcasecmp(name, zone) || dc_name_below_zone(name, zone);
}

uint32_t dc_pool_size(const struct dc_pool *p)
{
	uint64_t n = 1ull << (32 - p->plen);

	return (uint32_t)(p->plen <= 30 ? n - 2 : n);
}

uint32_t dc_pool_addr(const struct dc_pool *p, uint32_t i)
{
	return p->net + (p->plen <= 30 ? i + 1 : i);
}

bool dc_pool_contains(const struct dc_pool *p, uint32_t addr)
{
	uint32_t mask = p->plen ? ~0u << (32 - p->plen) : 0;
	uint32_t i;

	if ((addr & mask) != p->net)
		return false;
	i = addr - p->net;
	if (p->plen <= 30 && (i == 0 || i == ~mask))
		return false;
	return true;
}

void dc_v4_to_addr(uint32_t v4, struct ntm_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = NTM_AF_INET;
	a->addr[0] = (uint8_t)(v4 >> 24);
	a->addr[1] = (uint8_t)(v4 >> 16);
	a->addr[2] = (uint8_t)(v4 >> 8);
	a->addr[3] = (uint8_t)v4;
}

bool dc_addr_to_v4(const struct ntm_addr *a, uint32_t *v4)
{
	if (a->family != NTM_AF_INET)
		return false;
	*v4 = (uint32_t)a->addr[0] << 24 | (uint32_t)a->addr[1] << 16 |
	      (uint32_t)a->addr[2] << 8 | a->addr[3];
	return true;
}

char *dc_v4_fmt(uint32_t v4, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", v4 >> 24, (v4 >> 16) & 0xff,
		 (v4 >> 8) & 0xff, v4 & 0xff);
	return buf;
}

enum {
	D_CONTROL, D_DNS, D_ZONE, D_ADDRESS, D_VIP_POOL, D_HOST_VIP_POOL,
	D_STORE, D_LIFETIME, D_REFRESH, D_ROUTE_OPT, D_NODE, D_RS, D_HOST,
	D_RST_PORT, D_PEER_DC, D_LOG, D_LOG_LEVEL, D_CONTROL_RATE, D_DNS_RATE,
};

static const struct ntm_conf_directive directives[] = {
	{ "control", D_CONTROL, 1, 1, false, "ADDR:PORT" },
	{ "dns", D_DNS, 1, 1, false, "ADDR:PORT|off" },
	{ "zone", D_ZONE, 1, 1, false, "ZONE" },
	{ "address", D_ADDRESS, 1, 1, false, "ADDR" },
	{ "vip-pool", D_VIP_POOL, 1, 1, false, "PREFIX" },
	{ "host-vip-pool", D_HOST_VIP_POOL, 1, 1, false, "PREFIX" },
	{ "store", D_STORE, 1, 1, false, "PATH" },
	{ "lifetime", D_LIFETIME, 1, 1, false, "SECONDS" },
	{ "refresh", D_REFRESH, 1, 1, false, "SECONDS" },
	{ "route-optimization", D_ROUTE_OPT, 1, 1, false, "yes|no" },
	{ "node", D_NODE, 2, 3, true, "ID HEX64 [FQDN]" },
	{ "rs", D_RS, 4, NTM_CONF_MAX_WORDS - 1, true,
	  "NAME HOST:PORT KEY_ID HEX64 [rst-pool PREFIX]..." },
	{ "host", D_HOST, 2, 3, true, "FQDN A.B.C.D [rs-t]" },
	{ "rs-t-port", D_RST_PORT, 1, 1, true, "PORT" },
	{ "peer-dc", D_PEER_DC, 4, 4, true, "ZONE HOST:PORT KEY_ID HEX64" },
	{ "log", D_LOG, 1, 1, false, "stderr|syslog" },
	{ "log-level", D_LOG_LEVEL, 1, 1, false, "error|warn|info|debug" },
	{ "control-rate", D_CONTROL_RATE, 2, 2, false, "PKTS/S BURST" },
	{ "dns-rate", D_DNS_RATE, 2, 2, false, "PKTS/S BURST" },
};

static int parse_pool(struct ntm_conf *p, const char *what, const char *v,
		      struct dc_pool *pool)
{
	sa_family_t fam;
	uint8_t a[16], plen;

	if (ntm_cli_parse_prefix(v, &fam, a, &plen) < 0 || fam != AF_INET ||
	    plen < 8 || plen > 32)
		return ntm_conf_error(p, "%s: expected an IPv4 prefix /8../32 with no host bits set (100.64.0.0/16), got \"%s\"",
				      what, v);
	pool->net = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
		    (uint32_t)a[2] << 8 | a[3];
	pool->plen = plen;
	return 0;
}

/* A name as it goes into the zone: a valid FQDN, lower-cased. */
static int parse_name(struct ntm_conf *p, const char *what, const char *v,
		      char *out)
{
	size_t i, n = strlen(v);

	if (n && v[n - 1] == '.')
		n--;
	if (ntm_fqdn_check(v, n) != NTM_OK)
		return ntm_conf_error(p, "%s: expected a domain name (letters, digits, '-', labels of 1..63), got \"%s\"",
				      what, v);
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)v[i]);
	out[n] = '\0';
	return 0;
}

static int parse_key(struct ntm_conf *p, const char *what, const char *v,
		     uint8_t *key)
{
	if (ntm_cli_parse_hex(v, key, NTM_CTL_KEY_BYTES) < 0)
		return ntm_conf_error(p, "%s: expected 64 hex digits (32 bytes), got %zu characters",
				      what, strlen(v));
	return 0;
}

static int parse_endpoint(struct ntm_conf *p, const char *what, const char *v,
			  struct ntm_addr *a)
{
	struct sockaddr_storage ss;

	if (ntm_cli_parse_endpoint(v, &ss) < 0 ||
	    ntm_addr_from_sockaddr(a, &ss) != NTM_OK)
		return ntm_conf_error(p, "%s: expected ADDR:PORT (198.51.100.10:7700), got \"%s\"",
				      what, v);
	return 0;
}

static int parse_v4(const char *v, uint32_t *out)
{
	struct in_addr in;

	if (inet_pton(AF_INET, v, &in) != 1)
		return -1;
	*out = ntohl(in.s_addr);
	return 0;
}

/* Key ids are one namespace on the control port. */
static bool key_id_used(const struct dc_config *c, uint32_t id)
{
	size_t i;

	for (i = 0; i < c->nnodes; i++)
		if (c->nodes[i].id == id)
			return true;
	for (i = 0; i < c->nrs; i++)
		if (c->rs[i].key_id == id)
			return true;
	for (i = 0; i < c->npeers; i++)
		if (c->peers[i].key_id == id)
			return true;
	return false;
}

static void *grow(void *arr, size_t n, size_t size)
{
	return realloc(arr, (n + 1) * size);
}

static int add_node(struct ntm_conf *p, struct dc_config *c, int nw, char **w)
{
	struct dc_node_cfg n, *arr;
	size_t i;

	memset(&n, 0, sizeof(n));
	if (ntm_cli_parse_u32(w[1], 1, UINT32_MAX, &n.id) < 0)
		return ntm_conf_error(p, "node: ID: expected 1..4294967295 (the node id, which is also its key id), got \"%s\"",
				      w[1]);
	if (key_id_used(c, n.id))
		return ntm_conf_error(p, "node %u: key id %u is given twice (node, rs and peer-dc key ids are one namespace)",
				      n.id, n.id);
	if (parse_key(p, "node", w[2], n.key))
		return -1;
	if (nw == 4) {
		if (parse_name(p, "node: FQDN", w[3], n.name))
			goto fail;
		for (i = 0; i < c->nnodes; i++)
			if (!strcmp(c->nodes[i].name, n.name)) {
				ntm_conf_error(p, "node %u: %s is node %u's already",
					       n.id, n.name, c->nodes[i].id);
				goto fail;
			}
	}
	arr = grow(c->nodes, c->nnodes, sizeof(*arr));
	if (!arr) {
		ntm_conf_error(p, "out of memory");
		goto fail;
	}
	c->nodes = arr;
	c->nodes[c->nnodes++] = n;
	ntm_wipe(&n, sizeof(n));
	return 0;
fail:
	ntm_wipe(&n, sizeof(n));
	return -1;
}

static int add_rs(struct ntm_conf *p, struct dc_config *c, int nw, char **w)
{
	struct dc_rs_cfg r, *arr;
	size_t i;
	int k;

	memset(&r, 0, sizeof(r));
	if (strlen(w[1]) >= sizeof(r.name))
		return ntm_conf_error(p, "rs: NAME: at most %zu characters",
				      sizeof(r.name) - 1);
	snprintf(r.name, sizeof(r.name), "%s", w[1]);
	for (i = 0; i < c->nrs; i++)
		if (!strcmp(c->rs[i].name, r.name))
			return ntm_conf_error(p, "rs %s is given twice", r.name);
	if (c->nrs == 64)
		return ntm_conf_error(p, "rs: at most 64 Relay Servers");
	if (parse_endpoint(p, "rs: HOST:PORT", w[2], &r.control))
		return -1;
	if (ntm_cli_parse_u32(w[3], 0, UINT32_MAX, &r.key_id) < 0)
		return ntm_conf_error(p, "rs %s: KEY_ID: expected 0..4294967295, got \"%s\"",
				      r.name, w[3]);
	if (key_id_used(c, r.key_id))
		return ntm_conf_error(p, "rs %s: key id %u is given twice (node, rs and peer-dc key ids are one namespace)",
				      r.name, r.key_id);
	if (parse_key(p, "rs", w[4], r.key))
		goto fail;
	for (k = 5; k < nw; k += 2) {
		if (strcmp(w[k], "rst-pool") || k + 1 >= nw) {
			ntm_conf_error(p, "rs %s: expected \"rst-pool PREFIX\", got \"%s\"",
				       r.name, w[k]);
			goto fail;
		}
		if (r.nrst == DC_MAX_RST_POOLS) {
			ntm_conf_error(p, "rs %s: at most %d rst-pool", r.name,
				       DC_MAX_RST_POOLS);
			goto fail;
		}
		if (parse_pool(p, "rs: rst-pool", w[k + 1], &r.rst[r.nrst]))
			goto fail;
		r.nrst++;
	}
	arr = grow(c->rs, c->nrs, sizeof(*arr));
	if (!arr) {
		ntm_conf_error(p, "out of memory");
		goto fail;
	}
	c->rs = arr;
	c->rs[c->nrs++] = r;
	ntm_wipe(&r, sizeof(r));
	return 0;
fail:
	ntm_wipe(&r, sizeof(r));
	return -1;
}

static int add_host(struct ntm_conf *p, struct dc_config *c, int nw, char **w)
{
	struct dc_host_cfg h, *arr;

	memset(&h, 0, sizeof(h));
	if (parse_name(p, "host: FQDN", w[1], h.name))
		return -1;
	if (dc_config_host_by_name(c, h.name))
		return ntm_conf_error(p, "host %s is given twice", h.name);
	if (parse_v4(w[2], &h.addr) < 0)
		return ntm_conf_error(p, "host %s: expected an IPv4 address, got \"%s\"",
				      h.name, w[2]);
	if (nw == 4) {
		if (strcmp(w[3], "rs-t"))
			return ntm_conf_error(p, "host %s: expected \"rs-t\" or nothing after the address, got \"%s\"",
					      h.name, w[3]);
		h.rs_t = true;
	}
	arr = grow(c->hosts, c->nhosts, sizeof(*arr));
	if (!arr)
		return ntm_conf_error(p, "out of memory");
	c->hosts = arr;
	c->hosts[c->nhosts++] = h;
	return 0;
}

static int add_peer(struct ntm_conf *p, struct dc_config *c, char **w)
{
	struct dc_peer_cfg d, *arr;

	memset(&d, 0, sizeof(d));
	if (parse_name(p, "peer-dc: ZONE", w[1], d.zone) ||
	    parse_endpoint(p, "peer-dc: HOST:PORT", w[2], &d.control))
		return -1;
	if (ntm_cli_parse_u32(w[3], 0, UINT32_MAX, &d.key_id) < 0)
		return ntm_conf_error(p, "peer-dc %s: KEY_ID: expected 0..4294967295, got \"%s\"",
				      d.zone, w[3]);
	if (key_id_used(c, d.key_id))
		return ntm_conf_error(p, "peer-dc %s: key id %u is given twice (node, rs and peer-dc key ids are one namespace)",
				      d.zone, d.key_id);
	if (parse_key(p, "peer-dc", w[4], d.key))
		goto fail;
	arr = grow(c->peers, c->npeers, sizeof(*arr));
	if (!arr) {
		ntm_conf_error(p, "out of memory");
		goto fail;
	}
	c->peers = arr;
	c->peers[c->npeers++] = d;
	ntm_wipe(&d, sizeof(d));
	return 0;
fail:
	ntm_wipe(&d, sizeof(d));
	return -1;
}

static int directive(struct ntm_conf *p, void *arg,
		     const struct ntm_conf_directive *d, int nw, char **w)
{
	struct dc_config *c = arg;
	const char *v = w[1];
	uint32_t u32;

	switch (d->id) {
	case D_CONTROL:
		if (ntm_cli_parse_endpoint(v, &c->control) < 0)
			return ntm_conf_error(p, "control: expected ADDR:PORT (0.0.0.0:7700, [::]:7700), got \"%s\"", v);
		return 0;
	case D_DNS:
		if (!strcmp(v, "off")) {
			c->dns_off = true;
			return 0;
		}
		if (ntm_cli_parse_endpoint(v, &c->dns) < 0)
			return ntm_conf_error(p, "dns: expected ADDR:PORT (0.0.0.0:53) or off, got \"%s\"", v);
		return 0;
	case D_ZONE:
		return parse_name(p, "zone", v, c->zone);
	case D_ADDRESS: {
		uint32_t a;

		if (parse_v4(v, &a) < 0 || !a)
			return ntm_conf_error(p, "address: expected the DC's public IPv4 address, got \"%s\"", v);
		dc_v4_to_addr(a, &c->address);
		return 0;
	}
	case D_VIP_POOL:
		return parse_pool(p, "vip-pool", v, &c->vip_pool);
	case D_HOST_VIP_POOL:
		c->has_host_vip_pool = true;
		return parse_pool(p, "host-vip-pool", v, &c->host_vip_pool);
	case D_STORE:
		if (v[0] != '/')
			return ntm_conf_error(p, "store: expected an absolute path, got \"%s\"", v);
		if (strlen(v) >= sizeof(c->store))
			return ntm_conf_error(p, "store: path too long");
		snprintf(c->store, sizeof(c->store), "%s", v);
		return 0;
	case D_LIFETIME:
		if (ntm_cli_parse_u32(v, 10, 86400, &c->lifetime) < 0)
			return ntm_conf_error(p, "lifetime: expected seconds, 10..86400, got \"%s\"", v);
		return 0;
	case D_REFRESH:
		if (ntm_cli_parse_u32(v, 0, 86400, &c->refresh) < 0)
			return ntm_conf_error(p, "refresh: expected seconds, 0..86400 (0: paths never expire), got \"%s\"", v);
		return 0;
	case D_ROUTE_OPT:
		if (!strcmp(v, "yes"))
			c->route_optimization = true;
		else if (!strcmp(v, "no"))
			c->route_optimization = false;
		else
			return ntm_conf_error(p, "route-optimization: expected yes or no, got \"%s\"", v);
		return 0;
	case D_NODE:
		return add_node(p, c, nw, w);
	case D_RS:
		return add_rs(p, c, nw, w);
	case D_HOST:
		return add_host(p, c, nw, w);
	case D_RST_PORT:
		if (c->nrst_ports == DC_MAX_RST_PORTS)
			return ntm_conf_error(p, "rs-t-port: at most %d", DC_MAX_RST_PORTS);
		if (ntm_cli_parse_u32(v, 1, 65535, &u32) < 0)
			return ntm_conf_error(p, "rs-t-port: expected 1..65535, got \"%s\"", v);
		c->rst_ports[c->nrst_ports++] = (uint16_t)u32;
		return 0;
	case D_PEER_DC:
		return add_peer(p, c, w);
	case D_LOG:
		return ntm_conf_log(p, v, &c->log_syslog);
	case D_LOG_LEVEL:
		return ntm_conf_log_level(p, v, &c->log_level);
	case D_CONTROL_RATE:
		return ntm_conf_rate(p, d->name, w, &c->control_rl.rate,
				     &c->control_rl.burst);
	case D_DNS_RATE:
		return ntm_conf_rate(p, d->name, w, &c->dns_rl.rate,
				     &c->dns_rl.burst);
	}
	return ntm_conf_error(p, "%s: internal error", d->name);
}

/* The checks of the whole file. */
static int check(struct ntm_conf *p, void *arg)
{
	struct dc_config *c = arg;
	char ns[NTM_NAME_MAX + 8];
	struct ntm_addr ctl;
	size_t i, j;

	if (!c->zone[0])
		return ntm_conf_error(p, "no zone: the domain the DC is authoritative for (\"zone ntm.test\")");
	if (c->address.family == NTM_AF_NONE)
		return ntm_conf_error(p, "no address: the DC's public address, which the NTM records and the NS glue carry (\"address 198.51.100.20\")");
	if (!ntm_conf_seen(p, D_VIP_POOL))
		return ntm_conf_error(p, "no vip-pool: the prefix the nodes' VIPs come from (\"vip-pool 100.64.0.0/16\")");
	if (c->has_host_vip_pool) {
		const struct dc_pool *a = &c->vip_pool, *b = &c->host_vip_pool;

		if (dc_pool_contains(a, b->net + 1) || dc_pool_contains(b, a->net + 1))
			return ntm_conf_error(p, "vip-pool and host-vip-pool overlap");
	}
	snprintf(ns, sizeof(ns), "ns.%s", c->zone);
	for (i = 0; i < c->nnodes; i++) {
		const char *n = c->nodes[i].name;

		if (n[0] && !dc_name_below_zone(n, c->zone))
			return ntm_conf_error(p, "node %u: %s is not in the zone %s",
					      c->nodes[i].id, n, c->zone);
		if (n[0] && (!strcmp(n, ns) || dc_config_host_by_name(c, n)))
			return ntm_conf_error(p, "node %u: %s is a name the zone has already",
					      c->nodes[i].id, n);
	}
	for (i = 0; i < c->nhosts; i++) {
		if (!dc_name_below_zone(c->hosts[i].name, c->zone))
			return ntm_conf_error(p, "host %s is not in the zone %s",
					      c->hosts[i].name, c->zone);
		if (!strcmp(c->hosts[i].name, ns))
			return ntm_conf_error(p, "host %s: the zone's NS has that name",
					      c->hosts[i].name);
	}
	for (i = 0; i < c->nrs; i++)
		for (j = 0; j < c->rs[i].nrst; j++) {
			const struct dc_pool *r = &c->rs[i].rst[j];

			if (dc_pool_contains(&c->vip_pool, r->net) ||
			    dc_pool_contains(&c->vip_pool, dc_pool_addr(r, 0)))
				return ntm_conf_error(p, "rs %s: its rst-pool overlaps vip-pool",
						      c->rs[i].name);
		}
	memset(&ctl, 0, sizeof(ctl));
	ntm_addr_from_sockaddr(&ctl, &c->control);
	c->address.port = ctl.port;
	return 0;
}

static const struct ntm_conf_file conf_file = {
	.dirs = directives,
	.ndirs = sizeof(directives) / sizeof(directives[0]),
	.fn = directive,
	.check = check,
};

int dc_config_parse(FILE *f, const char *name, struct dc_config *c,
		    char *err, size_t errlen)
{
	snprintf(c->file, sizeof(c->file), "%s", name);
	return ntm_conf_read(f, name, &conf_file, c, err, errlen);
}

int dc_config_load(const char *file, struct dc_config *c, char *err,
		   size_t errlen)
{
	dc_config_init(c);
	snprintf(c->file, sizeof(c->file), "%s", file);
	if (ntm_conf_load(file, &conf_file, c, err, errlen) == 0)
		return 0;
	dc_config_free(c);
	return -1;
}
