/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A daemon's life (ntm-rsd, ntm-dc, ntm-node): the command line of ntm-rsd
 * and ntm-dc, detaching with a readiness pipe, systemd's notify socket
 * without libsystemd, a PID file.
 */
#ifndef _NTM_DAEMON_H
#define _NTM_DAEMON_H

#include <stdbool.h>

/* Exit status of a bad command line. */
#define NTM_EXIT_USAGE	2

/* The command line ntm-rsd and ntm-dc share (their --help says it). */
struct ntm_daemon_opts {
	const char *config;
	const char *pid_file;
	bool foreground;
	bool check;
	bool syslog;
	int log_level;			/* -1: the file's */
};

/*
 * The "Options:" part of the daemon @name's --help: string literals, the
 * default configuration file @config and its example file @example.
 */
#define NTM_DAEMON_OPTIONS_HELP(name, config, example) \
"Options:\n" \
"  -c, --config FILE     the configuration file (default " config ");\n" \
"                        " example " and " name "(8) describe it\n" \
"  -f, --foreground      do not detach; log to stderr unless --syslog or\n" \
"                        \"log syslog\" (systemd runs it so). Without it,\n" \
"                        " name " detaches once it is ready and logs to syslog\n" \
"  -t, --check-config    read the configuration, print the first error as\n" \
"                        FILE:LINE: what is wrong, and exit (0: valid)\n" \
"      --syslog          log to syslog (the journal) instead of stderr\n" \
"      --log-level LEVEL error, warn, info or debug; overrides the file's\n" \
"      --pid-file FILE   write the daemon's PID to FILE\n" \
"  -h, --help            this help\n" \
"  -V, --version         the version\n"

/*
 * Parse -c/--config FILE (default @config), -f/--foreground,
 * -t/--check-config, --syslog, --log-level LEVEL, --pid-file FILE; -h/--help
 * prints @usage and -V/--version "@name (ntmobile) protocol version N", and
 * both exit 0. 0, or NTM_EXIT_USAGE after "@name: what is wrong" on stderr.
 */
int ntm_daemon_parse_args(int argc, char **argv, const char *name,
			  const char *usage, const char *config,
			  struct ntm_daemon_opts *o);

/*
 * Fork; the parent waits until the child says it is ready
 * (ntm_daemon_ready()) and exits 0, or 1 if the child failed first
 * ("@name: the daemon failed to start; its reason is in the system log").
 * Returns the pipe's write end in the child, which is in a new session with
 * /dev/null as stdin, stdout and stderr.
 */
int ntm_daemon_detach(const char *name);
/* Tell the parent (fd from ntm_daemon_detach(), or -1: nothing) and
 * systemd (READY=1) that the daemon is ready; closes @fd. */
void ntm_daemon_ready(int fd);
/* sd_notify(3)'s message to $NOTIFY_SOCKET, if there is one. */
void ntm_sd_notify(const char *msg);
/* Our PID into @path. 0 or -1 (logged). */
int ntm_write_pid_file(const char *path);

#endif /* _NTM_DAEMON_H */
