// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemons' log: four levels, to stderr or to syslog(3). See ntm_log.h.
 * Its state is the process's one log, so it is global.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ntm_log.h"

static int log_level = NTM_LOG_INFO;
static bool log_syslog;
static bool log_prio_prefix;
static const char *log_ident = "ntmobile";

static const char *const level_names[] = {
	[NTM_LOG_ERROR] = "error",
	[NTM_LOG_WARN] = "warn",
	[NTM_LOG_INFO] = "info",
	[NTM_LOG_DEBUG] = "debug",
};

static const int level_prio[] = {
	[NTM_LOG_ERROR] = LOG_ERR,
	[NTM_LOG_WARN] = LOG_WARNING,
	[NTM_LOG_INFO] = LOG_INFO,
	[NTM_LOG_DEBUG] = LOG_DEBUG,
};

int ntm_log_level_parse(const char *s)
{
	int i;

	for (i = NTM_LOG_ERROR; i <= NTM_LOG_DEBUG; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

void ntm_log_open(const char *ident, int level, bool use_syslog)
{
	ntm_log_close();
	if (ident)
		log_ident = ident;
	log_level = level;
	log_syslog = use_syslog;
	log_prio_prefix = !use_syslog && getenv("JOURNAL_STREAM");
	if (use_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void ntm_log_set_level(int level)
{
	log_level = level;
}

void ntm_log_close(void)
{
	if (log_syslog)
		closelog();
	log_syslog = false;
}

bool ntm_log_enabled(int level)
{
	return level <= log_level;
}

void ntm_log(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level < NTM_LOG_ERROR || level > NTM_LOG_DEBUG || level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(level_prio[level], "%s: %s", level_names[level], msg);
		return;
	}
	if (log_prio_prefix)
		fprintf(stderr, "<%d>%s: %s\n", level_prio[level],
			level_names[level], msg);
	else
		fprintf(stderr, "%s: %s: %s\n", log_ident, level_names[level], msg);
}
