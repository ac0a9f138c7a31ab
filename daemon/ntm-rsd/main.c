// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-rsd: command line, start-up (store, datapath, nft, reconcile, control
 * socket), the event loop and the signals. The work is elsewhere (rsd.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ntm_daemon.h"
#include "rsd.h"

#define MAX_DP_FDS	8

static const char usage[] =
"Usage: ntm-rsd [--config FILE] [--foreground] [--check-config] [OPTIONS]\n"
"\n"
"The NTMobile Relay Server daemon. It answers the DC's Relay Directions and\n"
"Path Teardowns and the nodes' Tunnel Requests on the control port (UDP 7700\n"
"by default), installs each path in the relay datapath (nf_ntm.ko, or the\n"
"user-space one) and in the nftables table inet ntmobile, and keeps every\n"
"path with its keys in its store, so that the paths are installed again after\n"
"a restart, a module reload or a reboot.\n"
"\n"
NTM_DAEMON_OPTIONS_HELP(RSD_NAME, RSD_DEFAULT_CONFIG, "rsd.conf.example")
"\n"
"Signals:\n"
"  SIGTERM, SIGINT  stop. Paths stay installed in the kernel datapath, which\n"
"                   relays on; the next start takes them over as they are,\n"
"                   learned endpoints included\n"
"  SIGHUP           read the configuration file again and apply its dc-key,\n"
"                   log-level and control-rate* lines (other changes need a\n"
"                   restart)\n"
"  SIGUSR1          log every path of the datapath (legs, endpoints,\n"
"                   counters) and the daemon's counters (control port, rate\n"
"                   limiter), at level info\n"
"\n"
"Files:\n"
"  " RSD_DEFAULT_CONFIG "      the configuration (it holds keys: mode 0600)\n"
"  " RSD_DEFAULT_STORE "    the store, SQLite (it holds keys: mode 0600)\n"
"\n"
"Environment:\n"
"  " RSD_CRASH_ENV "=after-store|after-datapath|after-nft\n"
"                   test hook: abort() at that point of every path change,\n"
"                   to test crash recovery. Never set it in production.\n"
"\n"
"Exit status: 0 stopped cleanly (or the configuration is valid), 1 failure,\n"
"2 bad command line.\n";

/* ---- start-up --------------------------------------------------------------- */

static int control_open(const struct rsd_config *c)
{
	const struct sockaddr_storage *ss = &c->control;
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						    sizeof(struct sockaddr_in);
	char buf[64];
	int fd, off = 0;

	fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rsd_err("control socket: %s", strerror(errno));
		return -1;
	}
	/* [::]:PORT answers IPv4 too. */
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0) {
		rsd_err("control socket: bind %s: %s",
			ntm_nl_fmt_endpoint(ss, buf, sizeof(buf)), strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Does nf_ntm have a tunnel in this namespace already (a daemon restart),
 * or is it new (module just loaded, reboot)? */
static bool kernel_tunnel_exists(void)
{
	struct ntm_tunnel_info ti;
	struct ntm_nl *nl = calloc(1, sizeof(*nl));
	bool ret = false;

	if (!nl)
		return false;
	if (ntm_nl_open(nl) == 0) {
		ret = ntm_nl_tunnel_get(nl, &ti) == 0;
		ntm_nl_close(nl);
	}
	free(nl);
	return ret;
}

/* datapath auto|kernel|user: the ops to use, or NULL (logged). */
static const struct ntm_dp_ops *dp_choose(enum rsd_dp_mode mode)
{
	struct ntm_nl *nl;
	int ret;

	if (mode == RSD_DP_USER)
		return &ntm_dp_user_ops;
	if (mode == RSD_DP_KERNEL)
		return &ntm_dp_kernel_ops;
	/* Requesting the family loads nf_ntm.ko if it is installed. */
	nl = calloc(1, sizeof(*nl));
	if (!nl) {
		rsd_err("out of memory");
		return NULL;
	}
	ret = ntm_nl_open(nl);
	if (ret == 0) {
		ntm_nl_close(nl);
		free(nl);
		rsd_info("datapath auto: the nf_ntm generic netlink family resolves: kernel datapath");
		return &ntm_dp_kernel_ops;
	}
	if (ret == -ENOENT) {
		rsd_warn("datapath auto: nf_ntm is not available (%s): user-space datapath",
			 ntm_nl_strerror(nl, ret));
		free(nl);
		return &ntm_dp_user_ops;
	}
	rsd_err("datapath auto: cannot ask for nf_ntm: %s", ntm_nl_strerror(nl, ret));
	free(nl);
	return NULL;
}

static int dp_start(struct rsd *r)
{
	struct ntm_tunnel_info ti;
	struct ntm_dp_config dc;
	int ret;

	r->dp_ops = dp_choose(r->cfg->datapath);
	if (!r->dp_ops)
		return -1;
	memset(&dc, 0, sizeof(dc));
	dc.tunnel.port = r->cfg->tunnel_port;
	snprintf(dc.tunnel.ifname, sizeof(dc.tunnel.ifname), "%s",
		 r->cfg->tunnel_dev);
	dc.tunnel.max_paths = r->cfg->max_paths;
	dc.event = rsd_dp_event;
	dc.event_arg = r;
	r->dp_fresh = r->dp_ops != &ntm_dp_kernel_ops || !kernel_tunnel_exists();
	ret = r->dp_ops->open(&r->dp, &dc);
	if (ret < 0) {
		rsd_err("%s datapath: cannot open it: %s%s", r->dp_ops->name,
			strerror(-ret),
			ret == -EOPNOTSUPP ? " (not available in this build)" : "");
		r->dp = NULL;
		return -1;
	}
	ret = r->dp_ops->tunnel_get(r->dp, &ti);
	if (ret < 0) {
		rsd_err("%s datapath: no tunnel: %s", r->dp_ops->name, strerror(-ret));
		return -1;
	}
	if (ti.port != r->cfg->tunnel_port)
		rsd_warn("%s datapath: the tunnel is on UDP port %u, not %u",
			 r->dp_ops->name, ti.port, r->cfg->tunnel_port);
	/* Its device carries RS-N and RS-T traffic only when it is up. */
	ret = rsd_dev_up(ti.ifname);
	if (ret < 0) {
		rsd_err("%s datapath: cannot set %s up: %s", r->dp_ops->name,
			ti.ifname, strerror(-ret));
		return -1;
	}
	rsd_routes_apply(r->cfg, ti.ifname);
	return 0;
}

/* SIGUSR1: every path of the datapath, one line each, at level info. */
static int show_cb(const struct ntm_path *p, void *arg)
{
	char line[512], ep[64], vip[64];
	size_t n;
	int leg;

	snprintf(line, sizeof(line), "path %" PRIu32 " (%s): refresh %" PRIu32 " s, idle %" PRIu64 " ms",
		 p->id, rsd_type_name(p->type), p->refresh, p->idle_ms);
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		const struct ntm_path_leg *l = &p->leg[leg];

		n = strlen(line);
		snprintf(line + n, sizeof(line) - n,
			 "; leg %c VIP %s endpoint %s rx %" PRIu64 " tx %" PRIu64 " dropped %" PRIu64,
			 leg == NTM_LEG_A ? 'A' : 'B',
			 ntm_nl_fmt_vip(&l->vip, vip, sizeof(vip)),
			 ntm_nl_fmt_endpoint(&l->endpoint, ep, sizeof(ep)),
			 l->stats.rx_packets, l->stats.tx_packets,
			 l->stats.drop_auth + l->stats.drop_replay +
			 l->stats.drop_malformed + l->stats.drop_noroute);
	}
	rsd_info("%s", line);
	return 0;
}

static void show(struct rsd *r)
{
	const struct rsd_stats *s = &r->stats;
	int n;

	rsd_info("control: %" PRIu64 " received, %" PRIu64 " dropped, %" PRIu64 " rate-limited, %" PRIu64 " retransmissions, %" PRIu64 " Errors sent, %" PRIu64 " Tunnel Requests",
		 s->rx, s->dropped, s->rate_limited, s->retransmissions, s->errors,
		 s->tunnel_requests);
	if (r->rl) {
		struct ntm_ratelimit_stats st;

		ntm_ratelimit_get_stats(r->rl, &st);
		rsd_info("control rate limit: %" PRIu64 " passed, %" PRIu64 " exempt, %" PRIu64 " over a source's rate, %" PRIu64 " over the total rate, %" PRIu64 " with the source table full; %" PRIu32 " of %" PRIu32 " sources, %" PRIu64 " forgotten",
			 st.passed, st.exempt, st.limited_source, st.limited_total,
			 st.limited_full, st.sources, st.max_sources, st.gc_freed);
	}
	rsd_info("paths: %" PRIu64 " installed, %" PRIu64 " updated, %" PRIu64 " removed, %" PRIu64 " expired since start; %d in the store",
		 s->installed, s->updated, s->removed, s->expired,
		 rsd_store_count(r->store));
	n = r->dp_ops->path_dump(r->dp, show_cb, r);
	if (n < 0)
		rsd_warn("%s datapath: cannot list its paths: %s", r->dp_ops->name,
			 strerror(-n));
}

/* ---- SIGHUP ---------------------------------------------------------------- */

static void reload(struct rsd *r, int cmd_log_level)
{
	struct rsd_config n;
	char err[512];

	ntm_sd_notify("RELOADING=1");
	if (rsd_config_load(r->cfg->file, &n, err, sizeof(err)) < 0) {
		rsd_err("reload: %s; keeping the keys in use", err);
		goto out;
	}
	rsd_config_free(r->cfg);
	r->cfg->keys = n.keys;
	r->cfg->nkeys = n.nkeys;
	n.keys = NULL;
	n.nkeys = 0;
	if (cmd_log_level < 0) {
		r->cfg->log_level = n.log_level;
		rsd_log_set_level(n.log_level);
	}
	if (memcmp(&n.rl, &r->cfg->rl, sizeof(n.rl)) ||
	    n.nrl_exempt != r->cfg->nrl_exempt ||
	    memcmp(n.rl_exempt, r->cfg->rl_exempt, sizeof(n.rl_exempt))) {
		struct ntm_ratelimit_config old_rl = r->cfg->rl;
		struct rsd_route old_ex[RSD_MAX_RL_EXEMPT];
		unsigned int old_n = r->cfg->nrl_exempt;

		memcpy(old_ex, r->cfg->rl_exempt, sizeof(old_ex));
		r->cfg->rl = n.rl;
		memcpy(r->cfg->rl_exempt, n.rl_exempt, sizeof(n.rl_exempt));
		r->cfg->nrl_exempt = n.nrl_exempt;
		if (rsd_control_ratelimit(r) < 0) {
			rsd_err("reload: keeping the control rate limit in use");
			r->cfg->rl = old_rl;
			memcpy(r->cfg->rl_exempt, old_ex, sizeof(old_ex));
			r->cfg->nrl_exempt = old_n;
		}
	}
	if (memcmp(&n.control, &r->cfg->control, sizeof(n.control)) ||
	    !ntm_addr_equal(&n.tunnel_addr, &r->cfg->tunnel_addr) ||
	    n.tunnel_port != r->cfg->tunnel_port ||
	    strcmp(n.tunnel_dev, r->cfg->tunnel_dev) ||
	    strcmp(n.store, r->cfg->store) || n.datapath != r->cfg->datapath ||
	    n.max_paths != r->cfg->max_paths || n.log_syslog != r->cfg->log_syslog)
		rsd_warn("reload: changes other than dc-key, log-level and control-rate* take effect at the next start");
	rsd_info("reload: %zu DC keys", r->cfg->nkeys);
	rsd_config_free(&n);
out:
	ntm_sd_notify("READY=1");
}

/* ---- the loop ----------------------------------------------------------------- */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int run(struct rsd *r, int sfd, int cmd_log_level)
{
	struct pollfd pfd[2 + MAX_DP_FDS];
	int dpfd[MAX_DP_FDS], ndp, i, n;
	uint64_t next_tick = mono_ms() + 1000;

	for (;;) {
		uint64_t now = mono_ms();
		int timeout = next_tick > now ? (int)(next_tick - now) : 0;

		ndp = r->dp_ops->fds(r->dp, dpfd, MAX_DP_FDS);
		if (ndp < 0)
			ndp = 0;
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = r->ctl_fd, .events = POLLIN };
		for (i = 0; i < ndp; i++)
			pfd[n++] = (struct pollfd){ .fd = dpfd[i], .events = POLLIN };
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			rsd_err("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					rsd_info("SIGHUP: reading %s again", r->cfg->file);
					reload(r, cmd_log_level);
				} else if (si.ssi_signo == SIGUSR1) {
					show(r);
				} else {
					rsd_info("signal %u (%s): stopping", si.ssi_signo,
						 strsignal((int)si.ssi_signo));
					return 0;
				}
			}
		}
		/* Datapath events first: an expiry before a new direction. */
		for (i = 0; i < ndp; i++) {
			if (!(pfd[2 + i].revents & (POLLIN | POLLERR)))
				continue;
			if (r->dp_ops->handle(r->dp, dpfd[i]) == -ENOBUFS) {
				rsd_warn("datapath notifications were lost: checking the relay table");
				r->resync = true;
			}
		}
		if (pfd[1].revents & POLLIN)
			rsd_control_read(r);
		now = mono_ms();
		if (now >= next_tick) {
			r->dp_ops->tick(r->dp, ntm_ctl_now_ms(r->env));
			rsd_control_tick(r);
			if (r->resync)
				rsd_resync(r);
			next_tick = now + 1000;
		}
	}
}

int main(int argc, char **argv)
{
	struct rsd_reconcile_stats rs;
	struct rsd_config cfg;
	struct rsd r;
	struct ntm_daemon_opts o;
	char err[512], buf[NTM_ADDR_FMT_LEN], buf2[NTM_ADDR_FMT_LEN];
	sigset_t mask;
	int ret, sfd = -1, ready_fd = -1, status = 1, npaths;
	bool use_syslog;
	const char *crash;

	ret = ntm_daemon_parse_args(argc, argv, RSD_NAME, usage, RSD_DEFAULT_CONFIG,
				    &o);
	if (ret)
		return ret;
	if (rsd_config_load(o.config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "ntm-rsd: %s\n", err);
		return 1;
	}
	if (o.log_level >= 0)
		cfg.log_level = o.log_level;
	if (o.check) {
		char ctl[64];

		printf("%s: valid: control %s, tunnel %s, %zu DC keys, datapath %s, store %s\n",
		       cfg.file, ntm_nl_fmt_endpoint(&cfg.control, ctl, sizeof(ctl)),
		       ntm_addr_fmt(&cfg.tunnel_addr, buf, sizeof(buf)), cfg.nkeys,
		       rsd_dp_mode_name(cfg.datapath), cfg.store);
		rsd_config_free(&cfg);
		return 0;
	}
	crash = getenv(RSD_CRASH_ENV);
	if (crash && *crash && !rsd_crash_point_valid(crash)) {
		fprintf(stderr, "ntm-rsd: %s=%s: expected after-store, after-datapath or after-nft\n",
			RSD_CRASH_ENV, crash);
		rsd_config_free(&cfg);
		return NTM_EXIT_USAGE;
	}
	{
		struct stat sb;

		if (stat(cfg.file, &sb) == 0 && (sb.st_mode & 077))
			fprintf(stderr, "ntm-rsd: warning: %s is readable by others (mode %03o) and holds keys\n",
				cfg.file, sb.st_mode & 0777);
	}

	use_syslog = o.syslog || cfg.log_syslog || !o.foreground;
	if (!o.foreground)
		ready_fd = ntm_daemon_detach(RSD_NAME);
	rsd_log_open(cfg.log_level, use_syslog);
	umask(077);
	signal(SIGPIPE, SIG_IGN);

	memset(&r, 0, sizeof(r));
	r.cfg = &cfg;
	r.ctl_fd = -1;
	r.crash_at = crash && *crash ? crash : NULL;
	if (r.crash_at)
		rsd_warn("%s=%s: this daemon aborts in the middle of every path change (a test hook)",
			 RSD_CRASH_ENV, r.crash_at);
	rsd_control_endpoints(&r);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		rsd_err("signalfd: %s", strerror(errno));
		goto out;
	}
	if (o.pid_file && ntm_write_pid_file(o.pid_file) < 0)
		goto out;
	if (rsd_control_ratelimit(&r) < 0)
		goto out;
	r.nonces = ntm_nonce_cache_new(RSD_NONCE_CACHE, NULL);
	r.txns = rsd_txn_new(RSD_TXN_CACHE);
	if (!r.nonces || !r.txns) {
		rsd_err("out of memory");
		goto out;
	}
	if (rsd_store_open(&r.store, cfg.store, err, sizeof(err)) < 0) {
		rsd_err("%s", err);
		goto out;
	}
	r.ctl_fd = control_open(&cfg);
	if (r.ctl_fd < 0)
		goto out;
	if (dp_start(&r) < 0)
		goto out;
	if (rsd_nft_open(&r) < 0)
		goto out;
	if (rsd_reconcile(&r, &rs) < 0)
		goto out;
	npaths = rsd_store_count(r.store);
	rsd_info("reconciled: %u kept, %u installed again, %u repaired, %u rolled forward, %u removals finished, %u failed, %u expired meanwhile, %u removed from the datapath and %u from nft (not in the store)",
		 rs.kept, rs.reinstalled, rs.repaired, rs.rolled_forward,
		 rs.finished_removal, rs.failed, rs.gone,
		 rs.dp_orphans, rs.nft_orphans);
	rsd_info("ready: control %s, tunnel endpoint %s, %s datapath, %d paths, %zu DC keys, store %s",
		 ntm_addr_fmt(&r.control_ep, buf, sizeof(buf)),
		 ntm_addr_fmt(&r.tunnel_ep, buf2, sizeof(buf2)), r.dp_ops->name,
		 npaths, cfg.nkeys, cfg.store);
	ntm_daemon_ready(ready_fd);
	ready_fd = -1;

	if (run(&r, sfd, o.log_level) == 0)
		status = 0;
	ntm_sd_notify("STOPPING=1");
	npaths = rsd_store_count(r.store);
	if (!strcmp(r.dp_ops->name, "kernel"))
		rsd_info("stopped: %d paths stay installed in the kernel datapath, which relays on",
			 npaths);
	else
		rsd_info("stopped: the %s datapath stopped relaying with the daemon; its %d paths are installed again at the next start",
			 r.dp_ops->name, npaths);
out:
	if (r.ctl_fd >= 0)
		close(r.ctl_fd);
	rsd_nft_close(&r);
	if (r.dp)
		r.dp_ops->close(r.dp);
	rsd_store_close(r.store);
	rsd_txn_free(r.txns);
	ntm_nonce_cache_free(r.nonces);
	ntm_ratelimit_free(r.rl);
	if (sfd >= 0)
		close(sfd);
	if (o.pid_file && status == 0)
		unlink(o.pid_file);
	rsd_config_free(&cfg);
	rsd_log_close();
	return status;
}
