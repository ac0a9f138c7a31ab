// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-rsd's log: four levels, to stderr or to syslog(3). Under systemd with
 * stderr connected to the journal (JOURNAL_STREAM), each line starts with
 * its syslog priority ("<6>"), so that the journal keeps the level.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "rsd.h"

static int log_level = RSD_LOG_INFO;
static bool log_syslog;
static bool log_prio_prefix;

static const char *const level_names[] = {
	[RSD_LOG_ERROR] = "error",
	[RSD_LOG_WARN] = "warn",
	[RSD_LOG_INFO] = "info",
	[RSD_LOG_DEBUG] = "debug",
};

static const int level_prio[] = {
	[RSD_LOG_ERROR] = LOG_ERR,
	[RSD_LOG_WARN] = LOG_WARNING,
	[RSD_LOG_INFO] = LOG_INFO,
	[RSD_LOG_DEBUG] = LOG_DEBUG,
};

int rsd_log_level_parse(const char *s)
{
	int i;

	for (i = RSD_LOG_ERROR; i <= RSD_LOG_DEBUG; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

void rsd_log_open(int level, bool use_syslog)
{
	rsd_log_close();
	log_level = level;
	log_syslog = use_syslog;
	log_prio_prefix = !use_syslog && getenv("JOURNAL_STREAM");
	if (use_syslog)
		openlog(RSD_NAME, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void rsd_log_set_level(int level)
{
	log_level = level;
}

void rsd_log_close(void)
{
	if (log_syslog)
		closelog();
	log_syslog = false;
}

bool rsd_log_enabled(int level)
{
	return level <= log_level;
}

void rsd_log(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level < RSD_LOG_ERROR || level > RSD_LOG_DEBUG || level > log_level)
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
		fprintf(stderr, RSD_NAME ": %s: %s\n", level_names[level], msg);
}
