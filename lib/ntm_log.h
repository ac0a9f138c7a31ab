/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemons' log (ntm-rsd, ntm-node): four levels, to stderr or to
 * syslog(3). Under systemd with stderr connected to the journal
 * (JOURNAL_STREAM), each line starts with its syslog priority ("<6>"), so
 * that the journal keeps the level. One log per process.
 */
#ifndef _NTM_LOG_H
#define _NTM_LOG_H

#include <stdbool.h>

enum ntm_log_level {
	NTM_LOG_ERROR,
	NTM_LOG_WARN,
	NTM_LOG_INFO,
	NTM_LOG_DEBUG,
};

/* @ident prefixes every stderr line and names the syslog entries; it must
 * outlive the log. @use_syslog: syslog(3), facility daemon. */
void ntm_log_open(const char *ident, int level, bool use_syslog);
void ntm_log_set_level(int level);
void ntm_log_close(void);
bool ntm_log_enabled(int level);
__attribute__((format(printf, 2, 3)))
void ntm_log(int level, const char *fmt, ...);
/* "error", "warn", "info", "debug"; -1 for anything else. */
int ntm_log_level_parse(const char *s);

#endif /* _NTM_LOG_H */
