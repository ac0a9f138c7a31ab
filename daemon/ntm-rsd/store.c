// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The RS's store: one SQLite database (mode 0600: it holds keys) with one
 * row per path. Each change is one statement, so one transaction; the
 * database runs in WAL mode with synchronous=FULL, so a change that
 * returned is on disk before the datapath is touched.
 *
 *   path(id         PathID
 *        state      1 installing, 2 installed, 3 removing
 *        type       1 RS-S, 2 RS-N, 3 RS-T (for people reading the file)
 *        direction  the Relay Direction's body as on the wire (192 bytes)
 *        prev       the body an update in progress replaces, or NULL
 *        a_learned, b_learned
 *                   endpoints the datapath learned, "198.51.100.1:40000"
 *        updated    UNIX time of the last change, ms)
 *
 * The body goes through the protocol's own codec (ntm_body_encode/decode):
 * a row that does not decode is reported, never guessed at.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ntm_db.h"
#include "rsd.h"

#define STORE_VERSION	1
#define BATCH		256

enum {
	S_GET, S_PUT, S_STATE, S_LEARNED_A, S_LEARNED_B, S_DEL, S_TUNNEL_KEY,
	S_BATCH, S_COUNT, S__MAX,
};

static const char *const sql_text[S__MAX] = {
	[S_GET] = "SELECT id, state, direction, prev, a_learned, b_learned, updated "
		  "FROM path WHERE id = ?1",
	[S_PUT] = "INSERT OR REPLACE INTO path "
		  "(id, state, type, direction, prev, a_learned, b_learned, updated) "
		  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_STATE] = "UPDATE path SET state = ?2, updated = ?3, "
		    "prev = CASE WHEN ?2 = 2 THEN NULL ELSE prev END WHERE id = ?1",
	[S_LEARNED_A] = "UPDATE path SET a_learned = ?2 WHERE id = ?1",
	[S_LEARNED_B] = "UPDATE path SET b_learned = ?2 WHERE id = ?1",
	[S_DEL] = "DELETE FROM path WHERE id = ?1",
	[S_TUNNEL_KEY] = "SELECT direction FROM path WHERE id = ?1 AND state = 2",
	[S_BATCH] = "SELECT id, state, direction, prev, a_learned, b_learned, updated "
		    "FROM path WHERE id > ?1 ORDER BY id LIMIT 256",	/* BATCH */
	[S_COUNT] = "SELECT count(*) FROM path",
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS path ("
	" id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),"
	" state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 3),"
	" type INTEGER NOT NULL,"
	" direction BLOB NOT NULL,"
	" prev BLOB,"
	" a_learned TEXT,"
	" b_learned TEXT,"
	" updated INTEGER NOT NULL);";

struct rsd_store {
	sqlite3 *db;
	sqlite3_stmt *st[S__MAX];
	struct ntm_db dbh;		/* the file, its lock (lib/ntm_db.c) */
};

const char *rsd_state_name(enum rsd_state st)
{
	switch (st) {
	case RSD_INSTALLING:
		return "installing";
	case RSD_INSTALLED:
		return "installed";
	case RSD_REMOVING:
		return "removing";
	}
	return "?";
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int rsd_store_open(struct rsd_store **out, const char *path, char *err,
		   size_t errlen)
{
	struct rsd_store *s;
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "store %s: out of memory", path);
		return -1;
	}
	if (ntm_db_open(&s->dbh, path, RSD_NAME, schema, STORE_VERSION, err,
			errlen) < 0) {
		free(s);
		return -1;
	}
	s->db = s->dbh.db;
	if (ntm_db_prepare(&s->dbh, sql_text, S__MAX, s->st, err, errlen) < 0)
		goto fail;
	*out = s;
	return 0;

fail:
	rsd_store_close(s);
	return -1;
}

void rsd_store_close(struct rsd_store *s)
{
	if (!s)
		return;
	ntm_db_finalize(s->st, S__MAX);
	ntm_db_close(&s->dbh);
	free(s);
}

/* ---- rows ---------------------------------------------------------------- */

static int rd_encode(const struct ntm_relay_direction *rd,
		     uint8_t out[NTM_RELAY_DIRECTION_LEN])
{
	union ntm_body b;
	ssize_t n;

	memset(&b, 0, sizeof(b));
	b.relay_direction = *rd;
	n = ntm_body_encode(NTM_MSG_RELAY_DIRECTION, &b, out,
			    NTM_RELAY_DIRECTION_LEN);
	ntm_wipe(&b, sizeof(b));
	return n == NTM_RELAY_DIRECTION_LEN ? 0 : -EINVAL;
}

static int rd_decode(const void *blob, int len, struct ntm_relay_direction *rd)
{
	union ntm_body b;
	int ret;

	if (!blob || len != NTM_RELAY_DIRECTION_LEN)
		return -EINVAL;
	ret = ntm_body_decode(NTM_MSG_RELAY_DIRECTION, blob, (size_t)len, &b);
	if (ret == NTM_OK)
		*rd = b.relay_direction;
	ntm_wipe(&b, sizeof(b));
	return ret == NTM_OK ? 0 : -EINVAL;
}

static void learned_decode(sqlite3_stmt *st, int col, struct ntm_addr *a)
{
	const char *txt = (const char *)sqlite3_column_text(st, col);

	memset(a, 0, sizeof(*a));
	if (txt && ntm_addr_parse(a, txt) != NTM_OK)
		memset(a, 0, sizeof(*a));
}

/* The row at the statement's current result. */
static int row_read(struct rsd_store *s, sqlite3_stmt *st, struct rsd_row *row)
{
	uint32_t id = (uint32_t)sqlite3_column_int64(st, 0);
	int state = sqlite3_column_int(st, 1);

	memset(row, 0, sizeof(*row));
	if (state < RSD_INSTALLING || state > RSD_REMOVING ||
	    rd_decode(sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2),
		      &row->rd) || row->rd.path_id != id) {
		rsd_err("store %s: path %u: unreadable row (state %d)",
			s->dbh.path, id, state);
		ntm_wipe(row, sizeof(*row));
		return -EIO;
	}
	row->state = state;
	if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		if (rd_decode(sqlite3_column_blob(st, 3),
			      sqlite3_column_bytes(st, 3), &row->prev) == 0)
			row->has_prev = true;
	}
	learned_decode(st, 4, &row->learned[NTM_LEG_A]);
	learned_decode(st, 5, &row->learned[NTM_LEG_B]);
	row->updated_ms = (uint64_t)sqlite3_column_int64(st, 6);
	return 0;
}

int rsd_store_get(struct rsd_store *s, uint32_t id, struct rsd_row *row)
{
	sqlite3_stmt *st = s->st[S_GET];
	int ret, rc;

	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = row_read(s, st, row);
	else if (rc == SQLITE_DONE)
		ret = -ENOENT;
	else
		ret = ntm_db_fail(&s->dbh, "read a path");
	ntm_db_done(st);
	return ret;
}

static void bind_learned(sqlite3_stmt *st, int col, const struct ntm_addr *a)
{
	char buf[NTM_ADDR_FMT_LEN];

	if (ntm_addr_is_none(a))
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, ntm_addr_fmt(a, buf, sizeof(buf)), -1,
				  SQLITE_TRANSIENT);
}

int rsd_store_put(struct rsd_store *s, const struct rsd_row *row)
{
	uint8_t body[NTM_RELAY_DIRECTION_LEN], prev[NTM_RELAY_DIRECTION_LEN];
	sqlite3_stmt *st = s->st[S_PUT];
	int ret = 0;

	if (rd_encode(&row->rd, body) ||
	    (row->has_prev && rd_encode(&row->prev, prev))) {
		rsd_err("store: path %u: the Relay Direction does not encode",
			row->rd.path_id);
		ret = -EINVAL;
		goto out;
	}
	sqlite3_bind_int64(st, 1, row->rd.path_id);
	sqlite3_bind_int(st, 2, row->state);
	sqlite3_bind_int(st, 3, row->rd.rs_type);
	sqlite3_bind_blob(st, 4, body, sizeof(body), SQLITE_STATIC);
	if (row->has_prev)
		sqlite3_bind_blob(st, 5, prev, sizeof(prev), SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	bind_learned(st, 6, &row->learned[NTM_LEG_A]);
	bind_learned(st, 7, &row->learned[NTM_LEG_B]);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = ntm_db_fail(&s->dbh, "write a path");
	ntm_db_done(st);
out:
	ntm_wipe(body, sizeof(body));
	ntm_wipe(prev, sizeof(prev));
	return ret;
}

/* One UPDATE or DELETE of the row @id: 0, -ENOENT, -EIO. */
static int change(struct rsd_store *s, sqlite3_stmt *st, uint32_t id,
		  const char *what)
{
	int ret = 0;

	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = ntm_db_fail(&s->dbh, what);
	else if (sqlite3_changes(s->db) == 0)
		ret = -ENOENT;
	ntm_db_done(st);
	return ret;
}

int rsd_store_set_state(struct rsd_store *s, uint32_t id, enum rsd_state state)
{
	sqlite3_stmt *st = s->st[S_STATE];

	sqlite3_bind_int(st, 2, state);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now_ms());
	return change(s, st, id, "change a path's state");
}

int rsd_store_set_learned(struct rsd_store *s, uint32_t id, int leg,
			  const struct ntm_addr *ep)
{
	sqlite3_stmt *st = s->st[leg == NTM_LEG_B ? S_LEARNED_B : S_LEARNED_A];

	bind_learned(st, 2, ep);
	return change(s, st, id, "note a learned endpoint");
}

int rsd_store_del(struct rsd_store *s, uint32_t id)
{
	return change(s, s->st[S_DEL], id, "delete a path");
}

int rsd_store_tunnel_key(struct rsd_store *s, uint32_t id,
			 uint8_t key[NTM_TUNNEL_KEY_BYTES])
{
	sqlite3_stmt *st = s->st[S_TUNNEL_KEY];
	struct ntm_relay_direction rd;
	int ret, rc;

	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ret = rd_decode(sqlite3_column_blob(st, 0),
				sqlite3_column_bytes(st, 0), &rd);
		if (ret == 0)
			memcpy(key, rd.tunnel_key, NTM_TUNNEL_KEY_BYTES);
		else
			ret = -EIO;
		ntm_wipe(&rd, sizeof(rd));
	} else if (rc == SQLITE_DONE) {
		ret = -ENOENT;
	} else {
		ret = ntm_db_fail(&s->dbh, "read a tunnel key");
	}
	ntm_db_done(st);
	return ret;
}

int rsd_store_foreach(struct rsd_store *s,
		      int (*cb)(void *arg, const struct rsd_row *row),
		      void *arg)
{
	sqlite3_stmt *st = s->st[S_BATCH];
	struct rsd_row *rows;
	int64_t last = 0;
	int total = 0, ret = 0;

	rows = calloc(BATCH, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (;;) {
		int n = 0, got = 0, i, rc;

		sqlite3_bind_int64(st, 1, last);
		/* LIMIT BATCH in the statement bounds this loop. */
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			got++;
			last = sqlite3_column_int64(st, 0);
			/* An unreadable row is reported and skipped. */
			if (n < BATCH && row_read(s, st, &rows[n]) == 0)
				n++;
		}
		if (rc != SQLITE_DONE)
			ret = ntm_db_fail(&s->dbh, "read the paths");
		ntm_db_done(st);
		/* Called with no statement running: cb may change the store. */
		for (i = 0; i < n && ret >= 0; i++) {
			ret = cb(arg, &rows[i]);
			total++;
		}
		ntm_wipe(rows, (size_t)n * sizeof(*rows));
		if (ret < 0 || got < BATCH)
			break;
	}
	free(rows);
	return ret < 0 ? ret : total;
}

int rsd_store_count(struct rsd_store *s)
{
	sqlite3_stmt *st = s->st[S_COUNT];
	int ret;

	if (sqlite3_step(st) == SQLITE_ROW)
		ret = sqlite3_column_int(st, 0);
	else
		ret = ntm_db_fail(&s->dbh, "count the paths");
	ntm_db_done(st);
	return ret;
}
