// SPDX-License-Identifier: GPL-2.0-or-later
/* A daemon's life: command line, detach, readiness, PID file. See
 * ntm_daemon.h. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <ntm/wire.h>

#include "ntm_daemon.h"
#include "ntm_log.h"

int ntm_daemon_parse_args(int argc, char **argv, const char *name,
			  const char *usage, const char *config,
			  struct ntm_daemon_opts *o)
{
	enum { O_SYSLOG = 256, O_LOG_LEVEL, O_PID_FILE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 't' },
		{ "syslog", no_argument, NULL, O_SYSLOG },
		{ "log-level", required_argument, NULL, O_LOG_LEVEL },
		{ "pid-file", required_argument, NULL, O_PID_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config = config;
	o->log_level = -1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:fthV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 't':
			o->check = true;
			break;
		case O_SYSLOG:
			o->syslog = true;
			break;
		case O_LOG_LEVEL:
			o->log_level = ntm_log_level_parse(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "%s: --log-level: expected error, warn, info or debug, got \"%s\"\n",
					name, optarg);
				return NTM_EXIT_USAGE;
			}
			break;
		case O_PID_FILE:
			o->pid_file = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case 'V':
			printf("%s (ntmobile) protocol version %d\n", name,
			       NTM_VERSION);
			exit(0);
		case ':':
			fprintf(stderr, "%s: %s needs a value\n", name,
				argv[optind - 1]);
			return NTM_EXIT_USAGE;
		default:
			fprintf(stderr, "%s: unknown option \"%s\"\n", name,
				argv[optind - 1]);
			return NTM_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", name,
			argv[optind]);
		return NTM_EXIT_USAGE;
	}
	return 0;
}

void ntm_sd_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun,
		   len) < 0)
		ntm_dbg("sd_notify: %s", strerror(errno));
	close(fd);
}

int ntm_daemon_detach(const char *name)
{
	int p[2], fd;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "%s: pipe: %s\n", name, strerror(errno));
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", name, strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			exit(0);
		fprintf(stderr, "%s: the daemon failed to start; its reason is in the system log\n",
			name);
		exit(1);
	}
	close(p[0]);
	if (setsid() < 0)
		exit(1);
	if (chdir("/") < 0)
		exit(1);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return p[1];
}

void ntm_daemon_ready(int fd)
{
	ntm_sd_notify("READY=1");
	if (fd < 0)
		return;
	if (write(fd, "r", 1) != 1)
		ntm_warn("cannot tell the parent process we are ready");
	close(fd);
}

int ntm_write_pid_file(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
		ntm_err("pid file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
