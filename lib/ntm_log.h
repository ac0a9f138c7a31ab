/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemons' log (ntm-rsd, ntm-dc, ntm-node): four levels, to stderr or to
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

/* @ident: the program's name, a string that lives as long as the process
 * ("ntm-dc"). @use_syslog: syslog(3), facility daemon; otherwise stderr. */
void ntm_log_open(const char *ident, int level, bool use_syslog);
void ntm_log_set_level(int level);
void ntm_log_close(void);
bool ntm_log_enabled(int level);
__attribute__((format(printf, 2, 3)))
void ntm_log(int level, const char *fmt, ...);
/* "error", "warn", "info", "debug"; -1 for anything else. */
int ntm_log_level_parse(const char *s);

#define ntm_err(...)	ntm_log(NTM_LOG_ERROR, __VA_ARGS__)
#define ntm_warn(...)	ntm_log(NTM_LOG_WARN, __VA_ARGS__)
#define ntm_info(...)	ntm_log(NTM_LOG_INFO, __VA_ARGS__)
#define ntm_dbg(...)	ntm_log(NTM_LOG_DEBUG, __VA_ARGS__)

#endif /* _NTM_LOG_H */
