// SPDX-License-Identifier: GPL-2.0-or-later
/* The daemons' SQLite stores: open, lock, pragmas, schema, statements. See
 * ntm_db.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ntm_db.h"
#include "ntm_log.h"

int ntm_db_exec(struct ntm_db *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		ntm_err("store %s: %s: %s", db->path, sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

int ntm_db_fail(struct ntm_db *db, const char *what)
{
	ntm_err("store %s: %s: %s", db->path, what, sqlite3_errmsg(db->db));
	return -EIO;
}

int ntm_db_prepare(struct ntm_db *db, const char *const *sql, int n,
		   sqlite3_stmt **st, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < n; i++) {
		if (sqlite3_prepare_v3(db->db, sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &st[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "store %s: %s", db->path,
				 sqlite3_errmsg(db->db));
			return -1;
		}
	}
	return 0;
}

void ntm_db_finalize(sqlite3_stmt **st, int n)
{
	int i;

	for (i = 0; i < n; i++)
		sqlite3_finalize(st[i]);
}

void ntm_db_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int open_locked(struct ntm_db *db, const char *path, const char *daemon,
		       char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat sb;

	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "store %s: cannot create %s: %s", path,
			 dir, strerror(errno));
		return -1;
	}
	db->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (db->lock_fd < 0) {
		snprintf(err, errlen, "store %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(db->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "store %s: in use by another %s (one daemon per store)",
				 path, daemon);
		else
			snprintf(err, errlen, "store %s: %s", path, strerror(errno));
		return -1;
	}
	/* It holds keys: nobody but us reads it. */
	if (fstat(db->lock_fd, &sb) == 0 && (sb.st_mode & 077)) {
		ntm_warn("store %s: mode %03o, setting 0600 (it holds keys)",
			 path, sb.st_mode & 0777);
		if (fchmod(db->lock_fd, 0600) < 0) {
			snprintf(err, errlen, "store %s: chmod 0600: %s", path,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

int ntm_db_open(struct ntm_db *db, const char *path, const char *daemon,
		const char *schema, int version, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char set[64];
	int have = -1;

	memset(db, 0, sizeof(*db));
	db->lock_fd = -1;
	snprintf(db->path, sizeof(db->path), "%s", path);
	if (open_locked(db, path, daemon, err, errlen) < 0)
		goto fail;
	if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "store %s: %s", path,
			 db->db ? sqlite3_errmsg(db->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(db->db, 5000);
	sqlite3_extended_result_codes(db->db, 1);
	if (ntm_db_exec(db, "PRAGMA journal_mode = WAL") ||
	    ntm_db_exec(db, "PRAGMA synchronous = FULL") ||
	    ntm_db_exec(db, "PRAGMA secure_delete = ON") ||
	    ntm_db_exec(db, schema))
		goto fail_db;
	if (sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			have = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (have == 0) {
		snprintf(set, sizeof(set), "PRAGMA user_version = %d", version);
		if (ntm_db_exec(db, set))
			goto fail_db;
	} else if (have != version) {
		snprintf(err, errlen, "store %s: schema version %d, this %s knows %d",
			 path, have, daemon, version);
		goto fail;
	}
	return 0;

fail_db:
	snprintf(err, errlen, "store %s: cannot set up the database (see above)",
		 path);
fail:
	ntm_db_close(db);
	return -1;
}

void ntm_db_close(struct ntm_db *db)
{
	if (db->db)
		sqlite3_close(db->db);
	db->db = NULL;
	/* Only now: closing any descriptor of the file drops SQLite's POSIX
	 * locks on it. */
	if (db->lock_fd >= 0)
		close(db->lock_fd);
	db->lock_fd = -1;
}
