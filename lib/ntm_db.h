/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemons' SQLite stores (ntm-rsd, ntm-dc): one file, mode 0600 (it
 * holds keys), locked against a second daemon with flock(2), WAL journal,
 * synchronous=FULL (a change that returned is on disk), secure_delete (the
 * pages of removed keys are zeroed), a schema version in user_version.
 */
#ifndef _NTM_DB_H
#define _NTM_DB_H

#include <limits.h>
#include <stddef.h>

#include <sqlite3.h>

struct ntm_db {
	sqlite3 *db;
	int lock_fd;			/* flock: one daemon per store */
	char path[PATH_MAX];
};

/*
 * Create or open @path (its directory too, mode 0700), lock it for @daemon
 * ("ntm-dc", in the message when another one holds it), set the pragmas,
 * run @schema (CREATE ... IF NOT EXISTS) and check the schema @version
 * (a new file gets it). 0, or -1 with @err set and nothing left open.
 */
int ntm_db_open(struct ntm_db *db, const char *path, const char *daemon,
		const char *schema, int version, char *err, size_t errlen);
void ntm_db_close(struct ntm_db *db);
/* sqlite3_exec, the failure logged. 0 or -EIO. */
int ntm_db_exec(struct ntm_db *db, const char *sql);
/* Log "store PATH: @what: SQLite's message" (an error). -EIO. */
int ntm_db_fail(struct ntm_db *db, const char *what);

/*
 * Prepare the @n statements @sql into @st, to be kept for the store's life.
 * 0, or -1 with @err set; what was prepared stays in @st for
 * ntm_db_finalize().
 */
int ntm_db_prepare(struct ntm_db *db, const char *const *sql, int n,
		   sqlite3_stmt **st, char *err, size_t errlen);
/* Finalize the @n statements of @st (NULL ones are skipped). */
void ntm_db_finalize(sqlite3_stmt **st, int n);
/* Reset a statement for its next use; its bindings are cleared too, so no
 * key stays bound. */
void ntm_db_done(sqlite3_stmt *st);

#endif /* _NTM_DB_H */
