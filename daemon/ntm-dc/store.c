// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DC's store: one SQLite database (lib/ntm_db.c: mode 0600, WAL,
 * synchronous=FULL, one daemon per file). Every change is on disk before
 * the message it concerns is answered.
 *
 *   node(node_id   the node id (= its key id)
 *        name      the FQDN it registered, UNIQUE, or NULL
 *        vip       "100.64.0.1", UNIQUE: never two nodes' VIP
 *        local, observed   "10.1.0.2:7702", "198.51.100.1:40000"
 *        expires   UNIX ms when its registration ends, 0: not registered
 *        lifetime  granted, seconds)
 *   host_vip(host "198.51.100.30" PRIMARY KEY, vip UNIQUE)
 *   path(path_id, route "direct"|"rs-s"|"rs-n"|"rs-t", rs (its name),
 *        node_a, node_b, host, a_vip, b_vip, tunnel, control, key BLOB,
 *        created, peer_dc: the zone of node_a's DC when it is another's)
 *   counter(name "path_id", value): the last PathID handed out
 *
 * A node's row stays when its registration ends: its VIP is its own
 * (sticky).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ntm_db.h"
#include "dc.h"

#define STORE_VERSION	1

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS node ("
	" node_id INTEGER PRIMARY KEY CHECK (node_id BETWEEN 1 AND 4294967295),"
	" name TEXT UNIQUE,"
	" vip TEXT NOT NULL UNIQUE,"
	" local TEXT,"
	" observed TEXT,"
	" expires INTEGER NOT NULL,"
	" lifetime INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS host_vip ("
	" host TEXT PRIMARY KEY,"
	" vip TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS path ("
	" path_id INTEGER PRIMARY KEY CHECK (path_id BETWEEN 1 AND 4294967295),"
	" route TEXT NOT NULL,"
	" rs TEXT,"
	" node_a INTEGER NOT NULL,"
	" node_b INTEGER,"
	" host TEXT,"
	" a_vip TEXT NOT NULL,"
	" b_vip TEXT NOT NULL,"
	" tunnel TEXT,"
	" control TEXT,"
	" key BLOB NOT NULL,"
	" created INTEGER NOT NULL,"
	" peer_dc TEXT);"
	"CREATE TABLE IF NOT EXISTS counter ("
	" name TEXT PRIMARY KEY,"
	" value INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO counter VALUES ('path_id', 0);";

enum {
	S_PUT_NODE, S_DEL_NODE, S_NODES, S_PUT_HOST, S_HOSTS, S_PUT_PATH,
	S_DEL_PATH, S_PATHS, S_NEXT_ID, S_GET_ID, S__MAX,
};

static const char *const sql_text[S__MAX] = {
	[S_PUT_NODE] = "INSERT OR REPLACE INTO node "
		       "(node_id, name, vip, local, observed, expires, lifetime) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_DEL_NODE] = "DELETE FROM node WHERE node_id = ?1",
	[S_NODES] = "SELECT node_id, name, vip, local, observed, expires, lifetime "
		    "FROM node ORDER BY node_id",
	[S_PUT_HOST] = "INSERT OR REPLACE INTO host_vip (host, vip) VALUES (?1, ?2)",
	[S_HOSTS] = "SELECT host, vip FROM host_vip",
	[S_PUT_PATH] = "INSERT OR REPLACE INTO path (path_id, route, rs, node_a, "
		       "node_b, host, a_vip, b_vip, tunnel, control, key, created, "
		       "peer_dc) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[S_DEL_PATH] = "DELETE FROM path WHERE path_id = ?1",
	[S_PATHS] = "SELECT path_id, route, rs, node_a, node_b, host, a_vip, "
		    "b_vip, tunnel, control, key, created, peer_dc FROM path "
		    "ORDER BY path_id",
	[S_NEXT_ID] = "UPDATE counter SET value = value % 4294967295 + 1 "
		      "WHERE name = 'path_id'",
	[S_GET_ID] = "SELECT value FROM counter WHERE name = 'path_id'",
};

struct dc_store {
	struct ntm_db dbh;
	sqlite3 *db;
	sqlite3_stmt *st[S__MAX];
	/* The RS names of the configuration, to map path rows. */
	const struct dc_config *cfg;
};

int dc_store_open(struct dc_store **out, const char *path, char *err,
		  size_t errlen)
{
	struct dc_store *s;
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "store %s: out of memory", path);
		return -1;
	}
	if (ntm_db_open(&s->dbh, path, DC_NAME, schema, STORE_VERSION, err,
			errlen) < 0) {
		free(s);
		return -1;
	}
	s->db = s->dbh.db;
	if (ntm_db_prepare(&s->dbh, sql_text, S__MAX, s->st, err, errlen) < 0) {
		dc_store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void dc_store_close(struct dc_store *s)
{
	if (!s)
		return;
	ntm_db_finalize(s->st, S__MAX);
	ntm_db_close(&s->dbh);
	free(s);
}

/* ---- values -------------------------------------------------------------- */

static void bind_v4(sqlite3_stmt *st, int col, uint32_t v4)
{
	char buf[16];

	if (!v4) {
		sqlite3_bind_null(st, col);
		return;
	}
	sqlite3_bind_text(st, col, dc_v4_fmt(v4, buf, sizeof(buf)), -1,
			  SQLITE_TRANSIENT);
}

static uint32_t col_v4(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	struct in_addr in;

	if (!t || inet_pton(AF_INET, t, &in) != 1)
		return 0;
	return ntohl(in.s_addr);
}

static void bind_addr(sqlite3_stmt *st, int col, const struct ntm_addr *a)
{
	char buf[NTM_ADDR_FMT_LEN];

	if (ntm_addr_is_none(a)) {
		sqlite3_bind_null(st, col);
		return;
	}
	sqlite3_bind_text(st, col, ntm_addr_fmt(a, buf, sizeof(buf)), -1,
			  SQLITE_TRANSIENT);
}

static void col_addr(sqlite3_stmt *st, int col, struct ntm_addr *a)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	if (!t || ntm_addr_parse(a, t) != NTM_OK)
		memset(a, 0, sizeof(*a));
}

static int step_done(struct dc_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st), ret = 0;

	if (rc != SQLITE_DONE)
		ret = (rc & 0xff) == SQLITE_CONSTRAINT ?
		      -EEXIST : ntm_db_fail(&s->dbh, what);
	ntm_db_done(st);
	return ret;
}

/* ---- nodes --------------------------------------------------------------- */

int dc_store_put_node(struct dc_store *s, const struct dc_node *n)
{
	sqlite3_stmt *st = s->st[S_PUT_NODE];

	sqlite3_bind_int64(st, 1, n->id);
	if (n->name[0])
		sqlite3_bind_text(st, 2, n->name, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	bind_v4(st, 3, n->vip);
	bind_addr(st, 4, &n->local);
	bind_addr(st, 5, &n->observed);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)n->expires_ms);
	sqlite3_bind_int64(st, 7, n->lifetime);
	return step_done(s, st, "writing a node");
}

int dc_store_del_node(struct dc_store *s, uint32_t id)
{
	sqlite3_stmt *st = s->st[S_DEL_NODE];

	sqlite3_bind_int64(st, 1, id);
	return step_done(s, st, "removing a node");
}

int dc_store_load_nodes(struct dc_store *s,
			int (*cb)(void *arg, const struct dc_node *n), void *arg)
{
	sqlite3_stmt *st = s->st[S_NODES];
	int rc, n = 0, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct dc_node node;
		const char *name;

		memset(&node, 0, sizeof(node));
		node.id = (uint32_t)sqlite3_column_int64(st, 0);
		name = (const char *)sqlite3_column_text(st, 1);
		if (name)
			snprintf(node.name, sizeof(node.name), "%s", name);
		node.vip = col_v4(st, 2);
		col_addr(st, 3, &node.local);
		col_addr(st, 4, &node.observed);
		node.expires_ms = (uint64_t)sqlite3_column_int64(st, 5);
		node.lifetime = (uint32_t)sqlite3_column_int64(st, 6);
		if (!node.vip) {
			dc_warn("store %s: node %u has no readable VIP: ignored",
				s->dbh.path, node.id);
			continue;
		}
		ret = cb(arg, &node);
		if (ret < 0)
			break;
		n++;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = ntm_db_fail(&s->dbh, "reading the nodes");
	ntm_db_done(st);
	return ret < 0 ? ret : n;
}

/* ---- host VIPs ----------------------------------------------------------- */

int dc_store_put_host_vip(struct dc_store *s, uint32_t host, uint32_t vip)
{
	sqlite3_stmt *st = s->st[S_PUT_HOST];

	bind_v4(st, 1, host);
	bind_v4(st, 2, vip);
	return step_done(s, st, "writing a host VIP");
}

int dc_store_load_host_vips(struct dc_store *s,
			    int (*cb)(void *arg, uint32_t host, uint32_t vip),
			    void *arg)
{
	sqlite3_stmt *st = s->st[S_HOSTS];
	int rc, n = 0, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t h = col_v4(st, 0), v = col_v4(st, 1);

		if (!h || !v)
			continue;
		ret = cb(arg, h, v);
		if (ret < 0)
			break;
		n++;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = ntm_db_fail(&s->dbh, "reading the host VIPs");
	ntm_db_done(st);
	return ret < 0 ? ret : n;
}

/* ---- paths --------------------------------------------------------------- */

static const char *const route_words[] = {
	[NTM_ROUTE_DIRECT] = "direct",
	[NTM_ROUTE_RS_S] = "rs-s",
	[NTM_ROUTE_RS_N] = "rs-n",
	[NTM_ROUTE_RS_T] = "rs-t",
};

int dc_store_put_path(struct dc_store *s, const struct dc_path *p)
{
	sqlite3_stmt *st = s->st[S_PUT_PATH];

	if (p->route < NTM_ROUTE_DIRECT || p->route > NTM_ROUTE_RS_T)
		return -EINVAL;
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_text(st, 2, route_words[p->route], -1, SQLITE_STATIC);
	if (p->rs >= 0 && s->cfg && (size_t)p->rs < s->cfg->nrs)
		sqlite3_bind_text(st, 3, s->cfg->rs[p->rs].name, -1,
				  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, p->node_a);
	if (p->node_b)
		sqlite3_bind_int64(st, 5, p->node_b);
	else
		sqlite3_bind_null(st, 5);
	bind_v4(st, 6, p->host);
	bind_v4(st, 7, p->a_vip);
	bind_v4(st, 8, p->b_vip);
	bind_addr(st, 9, &p->tunnel);
	bind_addr(st, 10, &p->control);
	sqlite3_bind_blob(st, 11, p->key, sizeof(p->key), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)p->created_ms);
	if (p->peer_dc >= 0 && s->cfg && (size_t)p->peer_dc < s->cfg->npeers)
		sqlite3_bind_text(st, 13, s->cfg->peers[p->peer_dc].zone, -1,
				  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 13);
	return step_done(s, st, "writing a path");
}

int dc_store_del_path(struct dc_store *s, uint32_t id)
{
	sqlite3_stmt *st = s->st[S_DEL_PATH];

	sqlite3_bind_int64(st, 1, id);
	return step_done(s, st, "removing a path");
}

int dc_store_load_paths(struct dc_store *s,
			int (*cb)(void *arg, const struct dc_path *p), void *arg)
{
	sqlite3_stmt *st = s->st[S_PATHS];
	int rc, n = 0, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *route = (const char *)sqlite3_column_text(st, 1);
		const char *rs = (const char *)sqlite3_column_text(st, 2);
		const char *pdc = (const char *)sqlite3_column_text(st, 12);
		struct dc_path p;
		size_t i;

		memset(&p, 0, sizeof(p));
		p.id = (uint32_t)sqlite3_column_int64(st, 0);
		for (i = NTM_ROUTE_DIRECT; i <= NTM_ROUTE_RS_T; i++)
			if (route && !strcmp(route, route_words[i]))
				p.route = (uint8_t)i;
		p.rs = -1;
		if (rs && s->cfg)
			for (i = 0; i < s->cfg->nrs; i++)
				if (!strcmp(s->cfg->rs[i].name, rs))
					p.rs = (int)i;
		p.state = DC_PATH_LIVE;
		p.node_a = (uint32_t)sqlite3_column_int64(st, 3);
		p.node_b = (uint32_t)sqlite3_column_int64(st, 4);
		p.host = col_v4(st, 5);
		p.a_vip = col_v4(st, 6);
		p.b_vip = col_v4(st, 7);
		col_addr(st, 8, &p.tunnel);
		col_addr(st, 9, &p.control);
		if (sqlite3_column_bytes(st, 10) == (int)sizeof(p.key))
			memcpy(p.key, sqlite3_column_blob(st, 10), sizeof(p.key));
		p.created_ms = (uint64_t)sqlite3_column_int64(st, 11);
		p.peer_dc = -1;
		if (pdc && s->cfg)
			for (i = 0; i < s->cfg->npeers; i++)
				if (!strcmp(s->cfg->peers[i].zone, pdc))
					p.peer_dc = (int)i;
		if (pdc && p.peer_dc < 0) {
			dc_warn("store %s: path %u: peer DC of %s unknown: dropped",
				s->dbh.path, p.id, pdc);
			ntm_wipe(&p, sizeof(p));
			continue;
		}
		if (!p.route || (p.route != NTM_ROUTE_DIRECT && p.rs < 0)) {
			dc_warn("store %s: path %u: route %s, RS %s unknown: dropped",
				s->dbh.path, p.id, route ? route : "?", rs ? rs : "-");
			ntm_wipe(&p, sizeof(p));
			continue;
		}
		ret = cb(arg, &p);
		ntm_wipe(&p, sizeof(p));
		if (ret < 0)
			break;
		n++;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = ntm_db_fail(&s->dbh, "reading the paths");
	ntm_db_done(st);
	return ret < 0 ? ret : n;
}

uint32_t dc_store_next_path_id(struct dc_store *s)
{
	sqlite3_stmt *st = s->st[S_GET_ID];
	uint32_t id = 0;

	if (step_done(s, s->st[S_NEXT_ID], "counting PathIDs") < 0)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		id = (uint32_t)sqlite3_column_int64(st, 0);
	else
		ntm_db_fail(&s->dbh, "reading the PathID counter");
	ntm_db_done(st);
	return id;
}

void dc_store_set_config(struct dc_store *s, const struct dc_config *cfg)
{
	s->cfg = cfg;
}
