// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-relay-user: the user-space relay datapath (lib/ntm_relay_user.c) run
 * alone, without ntm-rsd: paths come from a file in ntmctl's syntax, the
 * counters go out as JSON. What the host tests and the benchmarks use as
 * the user-space baseline of nf_ntm.
 *
 * The path file is parsed by ntmctl's own command-line parser (args.c,
 * compiled in from tools/ntmctl) and paths are printed by lib/ntm_json.c, so
 * that both tools accept and print exactly the same things.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "../ntmctl/args.c"

#include "ntm_cli.h"
#include "ntm_relay_user.h"

#define RUN_OK		0
#define RUN_FAIL	1
#define RUN_USAGE	2

static const char usage[] =
"Usage: ntm-relay-user [--port PORT] [--dev NAME | --no-dev] [--max-paths N]\n"
"                      [--batch N] [--path-file FILE] [--stats-file FILE]\n"
"\n"
"The NTMobile relay datapath in user space (nf_ntm's relay table, counters\n"
"and wire format on a UDP socket and a TUN), without the RS daemon.\n"
"\n"
"  --port PORT        UDP tunnel port, 1..65535 (default 7701)\n"
"  --dev NAME         the TUN for RS-N/RS-T inner traffic (default ntm0),\n"
"                     created down with nf_ntm's MTU, like its ntm0\n"
"  --no-dev           no TUN: RS-S only\n"
"  --max-paths N      relay table size (default 1048576)\n"
"  --batch N          datagrams per recvmmsg/sendmmsg, 1..1024 (default 32)\n"
"  --path-file FILE   one ntmctl command per line, without \"ntmctl\":\n"
"                     path add|set|del ...; blank lines and # comments\n"
"                     skipped. Read once, at start.\n"
"  --stats-file FILE  where SIGUSR1 writes the counters (atomically, by\n"
"                     rename); default standard output\n"
"\n"
"Standard output: one JSON object per line, {\"event\": \"endpoint\" or\n"
"\"expired\", \"path\": {...}} as `ntmctl -j monitor` prints them; on\n"
"SIGUSR1 (and at exit) the counters: {\"tunnel\": {...}, \"paths\": [...]},\n"
"each path as `ntmctl -j path show` prints it. SIGINT, SIGTERM: stop.\n";

struct run {
	struct ntm_relay_user *ru;
	const char *stats_file;
};

static void on_event(void *arg, const struct ntm_nl_event *ev)
{
	struct ntm_json j;

	ntm_json_init(&j, stdout);
	ntm_json_obj_start(&j);
	ntm_json_kv_str(&j, "event", ev->cmd == NTM_CMD_NOTIFY_ENDPOINT ?
			"endpoint" : "expired");
	ntm_json_key(&j, "path");
	ntm_json_path(&j, &ev->path);
	ntm_json_obj_end(&j);
	fputc('\n', stdout);
	fflush(stdout);
}

static int write_stats(struct ntm_relay_user *ru, FILE *f)
{
	struct ntm_path_list l = { 0 };
	struct ntm_tunnel_info t;
	struct ntm_json j;
	size_t i;
	int ret;

	ret = ntm_relay_user_tunnel_get(ru, &t);
	if (ret < 0)
		return ret;
	ret = ntm_relay_user_path_dump(ru, ntm_path_list_add, &l);
	if (ret < 0) {
		ntm_path_list_free(&l);
		return ret;
	}
	ntm_path_list_sort(&l);
	ntm_json_init(&j, f);
	ntm_json_obj_start(&j);
	ntm_json_key(&j, "tunnel");
	ntm_json_tunnel(&j, &t);
	ntm_json_key(&j, "paths");
	ntm_json_arr_start(&j);
	for (i = 0; i < l.n; i++)
		ntm_json_path(&j, &l.v[i]);
	ntm_json_arr_end(&j);
	ntm_json_obj_end(&j);
	fputc('\n', f);
	ntm_path_list_free(&l);
	return ferror(f) ? -EIO : 0;
}

/* Whole or not at all: a reader never sees half a file. */
static int dump_stats(const struct run *r)
{
	char tmp[4096];
	FILE *f;
	int ret;

	if (!r->stats_file) {
		ret = write_stats(r->ru, stdout);
		fflush(stdout);
		return ret;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", r->stats_file) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	ret = write_stats(r->ru, f);
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, r->stats_file))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

/* ---- the path file ------------------------------------------------------- */

static int apply_cmd(struct ntm_relay_user *ru, struct ntmctl_cmd *cmd,
		     const char *file, unsigned long lineno)
{
	struct ntm_path cur;
	int ret;

	switch (cmd->action) {
	case NTMCTL_PATH_ADD:
		ret = ntm_relay_user_path_put(ru, &cmd->path, true);
		break;
	case NTMCTL_PATH_SET:
		if (cmd->has_path_key) {
			/* RS-S never gets the data key: the type decides. */
			ret = ntm_relay_user_path_get(ru, cmd->path.id, &cur);
			if (!ret && ntmctl_derive_keys(cmd, cur.type)) {
				fprintf(stderr, "ntm-relay-user: %s:%lu: %s\n",
					file, lineno, cmd->err);
				return -EINVAL;
			}
			if (ret)
				break;
		}
		ret = ntm_relay_user_path_put(ru, &cmd->path, false);
		break;
	case NTMCTL_PATH_DEL:
		ret = ntm_relay_user_path_del(ru, cmd->path.id);
		break;
	case NTMCTL_PATH_FLUSH:
		ret = ntm_relay_user_flush(ru);
		break;
	default:
		fprintf(stderr, "ntm-relay-user: %s:%lu: only path add, set, del and flush belong in a path file\n",
			file, lineno);
		return -EINVAL;
	}
	if (ret)
		fprintf(stderr, "ntm-relay-user: %s:%lu: path %" PRIu32 ": %s\n",
			file, lineno, cmd->path.id, strerror(-ret));
	return ret;
}

static int load_paths(struct ntm_relay_user *ru, const char *file)
{
	char *line = NULL, *argv[64];
	unsigned long lineno = 0;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	if (!f) {
		fprintf(stderr, "ntm-relay-user: %s: %s\n", file, strerror(errno));
		return -errno;
	}
	while (!ret && getline(&line, &cap, f) >= 0) {
		struct ntmctl_cmd cmd;
		char *save = NULL, *tok;
		int argc = 1;

		lineno++;
		argv[0] = "ntmctl";
		for (tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (argc == (int)(sizeof(argv) / sizeof(argv[0]))) {
				fprintf(stderr, "ntm-relay-user: %s:%lu: too many words\n",
					file, lineno);
				ret = -E2BIG;
				break;
			}
			argv[argc++] = tok;
		}
		if (ret || argc == 1 || argv[1][0] == '#')
			continue;
		if (ntmctl_parse(argc, argv, &cmd)) {
			fprintf(stderr, "ntm-relay-user: %s:%lu: %s\n", file,
				lineno, cmd.err);
			ret = -EINVAL;
		} else {
			ret = apply_cmd(ru, &cmd, file, lineno);
		}
		ntmctl_cmd_wipe(&cmd);
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "ntm-relay-user: %s: read error\n", file);
		ret = -EIO;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

/* ---- main loop ------------------------------------------------------------- */

/* 1 when asked to stop. */
static int on_signal(const struct run *r, int sfd)
{
	struct signalfd_siginfo si;
	int ret;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo != SIGUSR1)
		return 1;
	ret = dump_stats(r);
	if (ret)
		fprintf(stderr, "ntm-relay-user: writing the counters: %s\n",
			strerror(-ret));
	return 0;
}

static int loop(struct run *r, int sfd, int tfd)
{
	struct pollfd pfd[4];
	int fds[2], nfd, i, ret;
	uint64_t ticks;

	nfd = ntm_relay_user_fds(r->ru, fds, 2);
	if (nfd < 0)
		return nfd;
	for (;;) {
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		for (i = 0; i < nfd; i++)
			pfd[2 + i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(pfd, (nfds_t)(2 + nfd), -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < nfd; i++) {
			if (!(pfd[2 + i].revents & (POLLIN | POLLERR)))
				continue;
			ret = ntm_relay_user_handle(r->ru, fds[i]);
			if (ret < 0)
				fprintf(stderr, "ntm-relay-user: fd %d: %s\n",
					fds[i], strerror(-ret));
		}
		if ((pfd[1].revents & POLLIN) &&
		    read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
			ntm_relay_user_tick(r->ru);
		if ((pfd[0].revents & POLLIN) && on_signal(r, sfd))
			return 0;
	}
}

static int parse_args(int argc, char **argv,
		      struct ntm_relay_user_config *cfg, const char **path_file,
		      const char **stats_file)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "dev", required_argument, NULL, 'd' },
		{ "no-dev", no_argument, NULL, 'N' },
		{ "max-paths", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "path-file", required_argument, NULL, 'f' },
		{ "stats-file", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t v;
	int c;

	cfg->tunnel.port = 7701;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (ntm_cli_parse_u32(optarg, 1, 65535, &v) < 0)
				goto bad;
			cfg->tunnel.port = (uint16_t)v;
			break;
		case 'd':
			if (!valid_ifname(optarg))
				goto bad;
			snprintf(cfg->tunnel.ifname, sizeof(cfg->tunnel.ifname),
				 "%s", optarg);
			break;
		case 'N':
			cfg->dev = NTM_RELAY_USER_DEV_NONE;
			break;
		case 'm':
			if (ntm_cli_parse_u32(optarg, 1, UINT32_MAX, &v) < 0)
				goto bad;
			cfg->tunnel.max_paths = v;
			break;
		case 'b':
			if (ntm_cli_parse_u32(optarg, 1, NTM_RELAY_USER_BATCH_MAX,
					      &v) < 0)
				goto bad;
			cfg->batch = v;
			break;
		case 'f':
			*path_file = optarg;
			break;
		case 's':
			*stats_file = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(RUN_OK);
		default:
			fputs(usage, stderr);
			return RUN_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ntm-relay-user: unexpected argument \"%s\"\n",
			argv[optind]);
		return RUN_USAGE;
	}
	return 0;
bad:
	fprintf(stderr, "ntm-relay-user: --%s: bad value \"%s\"\n",
		opts[c == 'p' ? 0 : c == 'd' ? 1 : c == 'm' ? 3 : 4].name, optarg);
	return RUN_USAGE;
}

int main(int argc, char **argv)
{
	struct ntm_relay_user_config cfg = { .dev = NTM_RELAY_USER_DEV_TUN,
					      .dev_fd = -1 };
	struct itimerspec its = {
		.it_interval = { .tv_sec = 1 },
		.it_value = { .tv_sec = 1 },
	};
	const char *path_file = NULL;
	struct run r = { 0 };
	struct ntm_tunnel_info t;
	int sfd = -1, tfd = -1, ret;
	sigset_t mask;

	ret = parse_args(argc, argv, &cfg, &path_file, &r.stats_file);
	if (ret)
		return ret;
	cfg.event = on_event;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0 ||
	    timerfd_settime(tfd, 0, &its, NULL) < 0) {
		fprintf(stderr, "ntm-relay-user: signalfd, timerfd: %s\n",
			strerror(errno));
		ret = RUN_FAIL;
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	ret = ntm_relay_user_open(&r.ru, &cfg);
	if (ret) {
		fprintf(stderr, "ntm-relay-user: opening port %u%s%s: %s\n",
			cfg.tunnel.port,
			cfg.dev == NTM_RELAY_USER_DEV_TUN ? " and TUN " : "",
			cfg.dev == NTM_RELAY_USER_DEV_TUN ?
			(cfg.tunnel.ifname[0] ? cfg.tunnel.ifname : NTM_DEFAULT_IFNAME) : "",
			strerror(-ret));
		ret = RUN_FAIL;
		goto out;
	}
	if (path_file && load_paths(r.ru, path_file)) {
		ret = RUN_FAIL;
		goto out;
	}
	if (ntm_relay_user_tunnel_get(r.ru, &t) == 0)
		fprintf(stderr, "ntm-relay-user: port %u, dev %s, %" PRIu32
			" paths\n", t.port, t.ifname[0] ? t.ifname : "none",
			t.paths);
	ret = loop(&r, sfd, tfd);
	if (ret)
		fprintf(stderr, "ntm-relay-user: %s\n", strerror(-ret));
	ret = ret ? RUN_FAIL : RUN_OK;
	if (dump_stats(&r))
		ret = RUN_FAIL;
	if (r.stats_file && write_stats(r.ru, stdout))
		ret = RUN_FAIL;
out:
	ntm_relay_user_close(r.ru);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	return ret;
}
