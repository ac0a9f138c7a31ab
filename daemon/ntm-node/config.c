// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration file (node.conf.example documents every directive),
 * read with lib/ntm_conf.c: a wrong line is "FILE:LINE: what is wrong", and
 * nothing of a file with an error is used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ntm_cli.h"
#include "ntm_conf.h"
#include "node.h"

#define bad ntm_conf_error

void node_config_init(struct node_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tunnel_port = NODE_DEFAULT_PORT;
	snprintf(c->tun_dev, sizeof(c->tun_dev), "%s", NODE_DEFAULT_TUN);
	c->lifetime = NODE_DEFAULT_LIFETIME;
	c->keepalive = NODE_DEFAULT_KEEPALIVE;
	snprintf(c->state, sizeof(c->state), "%s", NODE_DEFAULT_STATE);
	c->log_level = NTM_LOG_INFO;
}

void node_config_wipe(struct node_config *c)
{
	ntm_wipe(c->key, sizeof(c->key));
}

enum {
	D_NODE_ID, D_KEY, D_KEY_FILE, D_NAME, D_DC, D_DNS, D_TUNNEL_PORT,
	D_TUN_DEV, D_QUEUE, D_LIFETIME, D_KEEPALIVE, D_STATE, D_LOG,
	D_LOG_LEVEL,
};

static const struct ntm_conf_directive directives[] = {
	{ "node-id", D_NODE_ID, 1, 1, false, "ID" },
	{ "key", D_KEY, 1, 1, false, "HEX64" },
	{ "key-file", D_KEY_FILE, 1, 1, false, "PATH" },
	{ "name", D_NAME, 1, 1, false, "FQDN" },
	{ "dc", D_DC, 1, 1, false, "ADDR:PORT" },
	{ "dns", D_DNS, 1, 1, false, "ADDR[:PORT]" },
	{ "tunnel-port", D_TUNNEL_PORT, 1, 1, false, "PORT" },
	{ "tun-dev", D_TUN_DEV, 1, 1, false, "NAME" },
	{ "queue", D_QUEUE, 1, 1, false, "NUM" },
	{ "lifetime", D_LIFETIME, 1, 1, false, "SECONDS" },
	{ "keepalive", D_KEEPALIVE, 1, 1, false, "SECONDS" },
	{ "state", D_STATE, 1, 1, false, "PATH" },
	{ "log", D_LOG, 1, 1, false, "stderr|syslog" },
	{ "log-level", D_LOG_LEVEL, 1, 1, false, "error|warn|info|debug" },
};

static int read_key_file(struct ntm_conf *p, struct node_config *c,
			 const char *path)
{
	char buf[130];
	size_t n;
	FILE *f;
	int ret = 0;

	f = fopen(path, "re");
	if (!f)
		return bad(p, "key-file: %s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
		     buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (ntm_cli_parse_hex(buf, c->key, sizeof(c->key)) < 0)
		ret = bad(p, "key-file: %s: expected 64 hex digits (32 bytes)", path);
	ntm_wipe(buf, sizeof(buf));
	c->has_key = c->has_key_file = ret == 0;
	return ret;
}

static int parse_addr(const char *v, struct ntm_addr *a, uint16_t def_port)
{
	if (ntm_addr_parse(a, v) != NTM_OK || a->family != NTM_AF_INET)
		return -1;
	if (!a->port)
		a->port = def_port;
	return a->port ? 0 : -1;
}

static int directive(struct ntm_conf *p, void *arg,
		     const struct ntm_conf_directive *d, int nw, char **w)
{
	struct node_config *c = arg;
	const char *v = w[1];
	uint32_t u32;

	switch (d->id) {
	case D_NODE_ID:
		if (ntm_cli_parse_u32(v, 0, UINT32_MAX, &c->node_id) < 0)
			return bad(p, "node-id: expected 0..4294967295, got \"%s\"", v);
		c->has_node_id = true;
		return 0;
	case D_KEY:
		if (ntm_conf_seen(p, D_KEY_FILE))
			return bad(p, "key: key-file is given too; give one of them");
		if (ntm_cli_parse_hex(v, c->key, sizeof(c->key)) < 0)
			return bad(p, "key: expected 64 hex digits (32 bytes), got %zu characters",
				   strlen(v));
		c->has_key = true;
		return 0;
	case D_KEY_FILE:
		if (ntm_conf_seen(p, D_KEY))
			return bad(p, "key-file: key is given too; give one of them");
		return read_key_file(p, c, v);
	case D_NAME:
		if (ntm_fqdn_check(v, strlen(v)) != NTM_OK)
			return bad(p, "name: expected a domain name (letters, digits, '-', labels of 1..63, no trailing dot), got \"%s\"", v);
		snprintf(c->name, sizeof(c->name), "%s", v);
		return 0;
	case D_DC:
		if (parse_addr(v, &c->dc, 0) < 0)
			return bad(p, "dc: expected the DC's control endpoint ADDR:PORT (IPv4, 198.51.100.20:7700), got \"%s\"", v);
		return 0;
	case D_DNS:
		if (parse_addr(v, &c->dns, 53) < 0)
			return bad(p, "dns: expected ADDR or ADDR:PORT (IPv4), got \"%s\"", v);
		c->has_dns = true;
		return 0;
	case D_TUNNEL_PORT:
		if (ntm_cli_parse_u32(v, 1, 65535, &u32) < 0)
			return bad(p, "tunnel-port: expected 1..65535, got \"%s\"", v);
		c->tunnel_port = (uint16_t)u32;
		return 0;
	case D_TUN_DEV:
		if (!*v || strlen(v) >= IFNAMSIZ || strchr(v, '/') ||
		    strchr(v, ':') || strchr(v, '%') || !strcmp(v, ".") ||
		    !strcmp(v, ".."))
			return bad(p, "tun-dev: expected an interface name (1..15 characters, no '/', ':' or '%%'), got \"%s\"", v);
		snprintf(c->tun_dev, sizeof(c->tun_dev), "%s", v);
		return 0;
	case D_QUEUE:
		if (ntm_cli_parse_u32(v, 0, 65535, &u32) < 0)
			return bad(p, "queue: expected an NFQUEUE number 0..65535, got \"%s\"", v);
		c->queue = (uint16_t)u32;
		return 0;
	case D_LIFETIME:
		if (ntm_cli_parse_u32(v, 10, 86400, &c->lifetime) < 0)
			return bad(p, "lifetime: expected 10..86400 seconds, got \"%s\"", v);
		return 0;
	case D_KEEPALIVE:
		if (ntm_cli_parse_u32(v, 1, 3600, &c->keepalive) < 0)
			return bad(p, "keepalive: expected 1..3600 seconds, got \"%s\"", v);
		return 0;
	case D_STATE:
		if (v[0] != '/')
			return bad(p, "state: expected an absolute path, got \"%s\"", v);
		if (strlen(v) + 8 >= sizeof(c->state))
			return bad(p, "state: path too long");
		snprintf(c->state, sizeof(c->state), "%s", v);
		return 0;
	case D_LOG:
		return ntm_conf_log(p, v, &c->log_syslog);
	case D_LOG_LEVEL:
		return ntm_conf_log_level(p, v, &c->log_level);
	}
	return bad(p, "%s: internal error", d->name);
}

/* The checks of the whole file. */
static int check(struct ntm_conf *p, void *arg)
{
	struct node_config *c = arg;

	if (!c->has_node_id)
		return bad(p, "no node-id: the node's id, as the DC knows it (\"node-id ID\")");
	if (!c->has_key)
		return bad(p, "no key: the DC-node key (\"key HEX64\" or \"key-file PATH\")");
	if (!c->name[0])
		return bad(p, "no name: the node's FQDN in its DC's zone (\"name mn.ntm.test\")");
	if (c->dc.family == NTM_AF_NONE)
		return bad(p, "no dc: the DC's control endpoint (\"dc 198.51.100.20:7700\")");
	if (!c->has_dns) {
		c->dns = c->dc;
		c->dns.port = 53;
	}
	return 0;
}

static const struct ntm_conf_file conf_file = {
	.dirs = directives,
	.ndirs = sizeof(directives) / sizeof(directives[0]),
	.fn = directive,
	.check = check,
};

int node_config_parse(FILE *f, const char *name, struct node_config *c,
		      char *err, size_t errlen)
{
	snprintf(c->file, sizeof(c->file), "%s", name);
	return ntm_conf_read(f, name, &conf_file, c, err, errlen);
}

int node_config_load(const char *file, struct node_config *c, char *err,
		     size_t errlen)
{
	node_config_init(c);
	snprintf(c->file, sizeof(c->file), "%s", file);
	if (ntm_conf_load(file, &conf_file, c, err, errlen) == 0)
		return 0;
	node_config_wipe(c);
	return -1;
}
