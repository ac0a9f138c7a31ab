// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-dc: command line, start-up (store, sockets), the event loop and the
 * signals. The work is elsewhere (dc.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ntm_daemon.h"
#include "dc.h"

#define TICK_MS		1000
#define DNS_TCP_MAX	8

static const char usage[] =
"Usage: ntm-dc [--config FILE] [--foreground] [--check-config] [OPTIONS]\n"
"\n"
"The NTMobile Direction Coordinator. It registers the NTM nodes of its zone\n"
"(each gets a VIP of its own, kept in its store across restarts), answers\n"
"DNS for the zone (A records, and the NTM records of the registered nodes),\n"
"and answers the nodes' Direction Requests with Route Directions: direct, or\n"
"through a Relay Server (RS-S, RS-N, RS-T) that it directs with a Relay\n"
"Direction first.\n"
"\n"
NTM_DAEMON_OPTIONS_HELP(DC_NAME, DC_DEFAULT_CONFIG, "dc.conf.example")
"\n"
"Signals:\n"
"  SIGTERM, SIGINT  stop. Registrations, VIPs and paths stay in the store;\n"
"                   the next start goes on with them\n"
"  SIGUSR1          log every node and path and the daemon's counters, at\n"
"                   level info\n"
"  SIGHUP           ignored (logged): a configuration change needs a restart\n"
"\n"
"Files:\n"
"  " DC_DEFAULT_CONFIG "      the configuration (it holds keys: mode 0600)\n"
"  " DC_DEFAULT_STORE "     the store, SQLite (it holds path keys: mode 0600)\n"
"\n"
"Exit status: 0 stopped cleanly (or the configuration is valid), 1 failure,\n"
"2 bad command line.\n";

/* ---- sockets ------------------------------------------------------------- */

static socklen_t ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

static int sock_open(const struct sockaddr_storage *ss, int type,
		     const char *what)
{
	struct ntm_addr a;
	char buf[NTM_ADDR_FMT_LEN];
	int fd, off = 0, on = 1;

	fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dc_err("%s socket: %s", what, strerror(errno));
		return -1;
	}
	/* [::]:PORT answers IPv4 too. */
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)ss, ss_len(ss)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0)) {
		memset(&a, 0, sizeof(a));
		ntm_addr_from_sockaddr(&a, ss);
		dc_err("%s socket: bind %s: %s", what, ntm_addr_fmt(&a, buf, sizeof(buf)),
		       strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

struct dns_tcp {
	int fd;
	uint64_t since;
	size_t have;
	uint8_t buf[2 + 512];
};

struct io {
	struct dc *d;
	int ctl_fd, dns_fd, tcp_fd;
	int family;			/* of the control socket */
	struct dns_tcp tcp[DNS_TCP_MAX];
	/* Before any AEAD open or DNS answer; NULL: no limit. */
	struct ntm_ratelimit *ctl_rl, *dns_rl;
	struct ntm_log_limit ctl_log, dns_log;
};

#define RL_LOG_MS	10000

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* true: go on with the datagram from @src; false: dropped unopened, counted
 * in *@count, and said at most every RL_LOG_MS. */
static bool rl_pass(struct ntm_ratelimit *rl, struct ntm_log_limit *log,
		    const char *what, const struct sockaddr_storage *src,
		    uint64_t *count)
{
	enum ntm_rl_verdict v;
	struct ntm_addr a;
	uint64_t now = mono_ns(), suppressed;
	char from[NTM_ADDR_FMT_LEN];

	if (!rl)
		return true;
	v = ntm_ratelimit_allow(rl, src, now);
	if (v == NTM_RL_PASS || v == NTM_RL_EXEMPT)
		return true;
	(*count)++;
	if (ntm_log_limit_ok(log, now / 1000000, &suppressed)) {
		memset(&a, 0, sizeof(a));
		ntm_addr_from_sockaddr(&a, src);
		dc_warn("%s: rate limit: datagram from %s dropped unopened (%s); %" PRIu64 " more dropped since the last such line, which come at most every %d s",
			what, ntm_addr_fmt(&a, from, sizeof(from)),
			ntm_rl_verdict_name(v), suppressed, RL_LOG_MS / 1000);
	}
	return false;
}

static int rl_exempt(struct ntm_ratelimit *rl, const struct ntm_addr *a)
{
	if (a->family == NTM_AF_INET)
		return ntm_ratelimit_exempt(rl, AF_INET, a->addr, 32);
	if (a->family == NTM_AF_INET6)
		return ntm_ratelimit_exempt(rl, AF_INET6, a->addr, 128);
	return 0;
}

/* The limiters of the configuration: 0, or -1 (logged). */
static int rl_open(struct io *io, const struct dc_config *c)
{
	const struct ntm_ratelimit_config *cf[2] = { &c->control_rl, &c->dns_rl };
	struct ntm_ratelimit **rl[2] = { &io->ctl_rl, &io->dns_rl };
	const char *what[2] = { "control-rate", "dns-rate" }, *why;
	size_t i, k;

	io->ctl_log = (struct ntm_log_limit){ .interval_ms = RL_LOG_MS };
	io->dns_log = io->ctl_log;
	for (i = 0; i < 2; i++) {
		if (ntm_ratelimit_config_check(cf[i], &why) != NTM_OK) {
			dc_err("%s: %s", what[i], why);
			return -1;
		}
		if (!cf[i]->rate && !cf[i]->total_rate) {
			dc_warn("%s 0 0: no rate limit: a flood costs %s per datagram",
				what[i], i ? "an answer" : "an AEAD open");
			continue;
		}
		*rl[i] = ntm_ratelimit_new(cf[i], NULL);
		if (!*rl[i]) {
			dc_err("%s: %s", what[i], strerror(errno));
			return -1;
		}
		dc_info("%s: %" PRIu32 "/s burst %" PRIu32 " per source, %" PRIu32 "/s in total",
			what[i], cf[i]->rate, cf[i]->burst, cf[i]->total_rate);
	}
	/* The RSs answer Relay Directions and the peer DCs forward: never
	 * limited. */
	for (k = 0; io->ctl_rl && k < c->nrs + c->npeers; k++) {
		const struct ntm_addr *a = k < c->nrs ? &c->rs[k].control :
					   &c->peers[k - c->nrs].control;

		if (rl_exempt(io->ctl_rl, a) < 0) {
			dc_err("control-rate: exempting the RSs and peer DCs: out of memory");
			return -1;
		}
	}
	return 0;
}

static int send_ctl(void *arg, const struct ntm_addr *to, const uint8_t *buf,
		    size_t len)
{
	struct io *io = arg;
	struct sockaddr_storage ss;
	socklen_t slen;

	if ((io->family == AF_INET6 ? ntm_addr_to_sockaddr6(to, &ss, &slen) :
	     ntm_addr_to_sockaddr(to, &ss, &slen)) != NTM_OK)
		return -EINVAL;
	if (sendto(io->ctl_fd, buf, len, 0, (struct sockaddr *)&ss, slen) < 0)
		return -errno;
	return 0;
}

static void control_read(struct io *io)
{
	uint8_t in[NTM_CTL_MAX_LEN + 1];
	int i;

	/* A bounded batch: DNS and the timers get their turn. */
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		struct ntm_addr a;
		ssize_t len;

		len = recvfrom(io->ctl_fd, in, sizeof(in), MSG_TRUNC,
			       (struct sockaddr *)&src, &slen);
		if (len < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				dc_warn("control: recvfrom: %s", strerror(errno));
			return;
		}
		if (!rl_pass(io->ctl_rl, &io->ctl_log, "control", &src,
			     &io->d->stats.rate_limited))
			continue;
		if ((size_t)len > sizeof(in) ||
		    ntm_addr_from_sockaddr(&a, &src) != NTM_OK) {
			io->d->stats.rx++;
			io->d->stats.dropped++;
			continue;
		}
		dc_control_input(io->d, in, (size_t)len, &a);
		ntm_wipe(in, (size_t)len);
	}
}

static void zone_of(struct dc *d, struct dc_dns_zone *z)
{
	uint32_t a = 0;

	memset(z, 0, sizeof(*z));
	z->zone = d->cfg->zone;
	dc_addr_to_v4(&d->cfg->address, &a);
	z->ns_addr = a;
	z->serial = d->dns_serial;
	z->ttl = DC_DNS_TTL;
	z->lookup = dc_dns_lookup;
	z->arg = d;
}

static void dns_read(struct io *io)
{
	uint8_t in[4096], out[512];
	struct dc_dns_zone z;
	int i;

	zone_of(io->d, &z);
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		ssize_t len;
		size_t n;

		len = recvfrom(io->dns_fd, in, sizeof(in), 0,
			       (struct sockaddr *)&src, &slen);
		if (len < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				dc_warn("dns: recvfrom: %s", strerror(errno));
			return;
		}
		if (!rl_pass(io->dns_rl, &io->dns_log, "dns", &src,
			     &io->d->stats.dns_rate_limited))
			continue;
		io->d->stats.dns_queries++;
		n = dc_dns_answer(&z, in, (size_t)len, out, sizeof(out));
		if (n && sendto(io->dns_fd, out, n, 0, (struct sockaddr *)&src,
				slen) < 0)
			dc_dbg("dns: sendto: %s", strerror(errno));
	}
}

/* DNS over TCP: one query per connection, read without blocking; a
 * connection idle for 5 s is closed. */
static void tcp_accept(struct io *io)
{
	int fd, i;

	while ((fd = accept4(io->tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < DNS_TCP_MAX && io->tcp[i].fd >= 0; i++)
			;
		if (i == DNS_TCP_MAX) {
			close(fd);
			continue;
		}
		io->tcp[i].fd = fd;
		io->tcp[i].have = 0;
		io->tcp[i].since = dc_now(io->d);
	}
}

static void tcp_close(struct io *io, int i)
{
	close(io->tcp[i].fd);
	io->tcp[i].fd = -1;
}

static void tcp_read(struct io *io, int i)
{
	struct dns_tcp *t = &io->tcp[i];
	uint8_t out[2 + 512];
	struct dc_dns_zone z;
	size_t want, n;
	ssize_t r;

	r = read(t->fd, t->buf + t->have, sizeof(t->buf) - t->have);
	if (r <= 0) {
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			tcp_close(io, i);
		return;
	}
	t->have += (size_t)r;
	if (t->have < 2)
		return;
	want = (size_t)t->buf[0] << 8 | t->buf[1];
	if (want > sizeof(t->buf) - 2) {
		tcp_close(io, i);
		return;
	}
	if (t->have < 2 + want)
		return;
	io->d->stats.dns_queries++;
	zone_of(io->d, &z);
	n = dc_dns_answer(&z, t->buf + 2, want, out + 2, sizeof(out) - 2);
	if (n) {
		out[0] = (uint8_t)(n >> 8);
		out[1] = (uint8_t)n;
		if (write(t->fd, out, n + 2) < 0)
			dc_dbg("dns: tcp write: %s", strerror(errno));
	}
	tcp_close(io, i);
}

/* ---- SIGUSR1 ------------------------------------------------------------- */

static void show(struct dc *d)
{
	const struct dc_stats *s = &d->stats;
	char v[16], o[NTM_ADDR_FMT_LEN], t[NTM_ADDR_FMT_LEN];
	size_t i;

	dc_info("control: %" PRIu64 " received, %" PRIu64 " dropped, %" PRIu64 " retransmissions, %" PRIu64 " Errors sent; %" PRIu64 " Registration Requests (%" PRIu64 " refused), %" PRIu64 " Direction Requests, %" PRIu64 " Relay Directions; %" PRIu64 " DNS queries; rate-limited: %" PRIu64 " control, %" PRIu64 " DNS",
		s->rx, s->dropped, s->retransmissions, s->errors, s->registrations,
		s->refused, s->directions, s->relay_directions, s->dns_queries,
		s->rate_limited, s->dns_rate_limited);
	for (i = 0; i < d->nnodes; i++) {
		const struct dc_node *n = &d->nodes[i];

		dc_info("node %" PRIu32 " (%s): VIP %s, %s, observed %s",
			n->id, n->name[0] ? n->name : "no name",
			n->vip ? dc_v4_fmt(n->vip, v, sizeof(v)) : "none",
			dc_node_live(d, n) ? "registered" : "not registered",
			ntm_addr_fmt(&n->observed, o, sizeof(o)));
	}
	for (i = 0; i < d->npaths; i++) {
		const struct dc_path *p = &d->paths[i];

		dc_info("path %" PRIu32 " (%s): node %" PRIu32 " - %s %" PRIu32 ", RS %s, tunnel %s%s",
			p->id, ntm_route_name(p->route), p->node_a,
			p->node_b ? "node" : "host",
			p->node_b ? p->node_b : p->host,
			p->rs >= 0 ? d->cfg->rs[p->rs].name : "none",
			ntm_addr_fmt(&p->tunnel, t, sizeof(t)),
			p->state == DC_PATH_PENDING ? " (Relay Direction in flight)" : "");
	}
}

/* ---- the loop ------------------------------------------------------------ */

static int run(struct io *io, int sfd)
{
	struct dc *d = io->d;
	uint64_t next_tick = dc_now(d);

	for (;;) {
		struct pollfd pfd[4 + DNS_TCP_MAX];
		int idx[DNS_TCP_MAX];
		uint64_t now = dc_now(d), next_out, until;
		int n = 0, i, nt = 0, timeout;

		if (now >= next_tick) {
			dc_expire(d);
			for (i = 0; i < DNS_TCP_MAX; i++)
				if (io->tcp[i].fd >= 0 && now - io->tcp[i].since > 5000)
					tcp_close(io, i);
			next_tick = now + TICK_MS;
		}
		next_out = dc_out_run(d);
		until = next_out < next_tick ? next_out : next_tick;
		now = dc_now(d);
		timeout = until > now ? (int)(until - now) : 0;

		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = io->ctl_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = io->dns_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = io->tcp_fd, .events = POLLIN };
		for (i = 0; i < DNS_TCP_MAX; i++)
			if (io->tcp[i].fd >= 0) {
				idx[nt++] = i;
				pfd[n++] = (struct pollfd){ .fd = io->tcp[i].fd,
							    .events = POLLIN };
			}
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			dc_err("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGUSR1) {
					show(d);
				} else if (si.ssi_signo == SIGHUP) {
					dc_warn("SIGHUP: ntm-dc does not read its configuration again; restart it to apply changes (registrations and paths are kept)");
				} else {
					dc_info("signal %u (%s): stopping", si.ssi_signo,
						strsignal((int)si.ssi_signo));
					return 0;
				}
			}
		}
		if (pfd[1].revents & POLLIN)
			control_read(io);
		if (pfd[2].revents & POLLIN)
			dns_read(io);
		if (pfd[3].revents & POLLIN)
			tcp_accept(io);
		for (i = 0; i < nt; i++)
			if (pfd[4 + i].revents & (POLLIN | POLLHUP | POLLERR))
				tcp_read(io, idx[i]);
	}
}

int main(int argc, char **argv)
{
	struct dc_config cfg;
	struct dc d;
	struct io io;
	struct ntm_daemon_opts o;
	struct ntm_addr ctl;
	char err[512], buf[NTM_ADDR_FMT_LEN], dnsb[NTM_ADDR_FMT_LEN];
	char pool[16];
	sigset_t mask;
	int ret, sfd = -1, ready_fd = -1, status = 1, i;
	size_t k, registered = 0;
	bool use_syslog;
	struct dc_store *store = NULL;

	ret = ntm_daemon_parse_args(argc, argv, DC_NAME, usage, DC_DEFAULT_CONFIG,
				    &o);
	if (ret)
		return ret;
	if (dc_config_load(o.config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "ntm-dc: %s\n", err);
		return 1;
	}
	if (o.log_level >= 0)
		cfg.log_level = o.log_level;
	memset(&ctl, 0, sizeof(ctl));
	ntm_addr_from_sockaddr(&ctl, &cfg.control);
	if (o.check) {
		struct ntm_addr da;

		memset(&da, 0, sizeof(da));
		ntm_addr_from_sockaddr(&da, &cfg.dns);
		printf("%s: valid: zone %s, address %s, control %s, dns %s, vip-pool %s/%u, %zu nodes, %zu RSs, %zu hosts, store %s\n",
		       cfg.file, cfg.zone, ntm_addr_fmt(&cfg.address, buf, sizeof(buf)),
		       ntm_addr_fmt(&ctl, err, sizeof(err)),
		       cfg.dns_off ? "off" : ntm_addr_fmt(&da, dnsb, sizeof(dnsb)),
		       dc_v4_fmt(cfg.vip_pool.net, pool, sizeof(pool)),
		       cfg.vip_pool.plen, cfg.nnodes, cfg.nrs, cfg.nhosts, cfg.store);
		dc_config_free(&cfg);
		return 0;
	}
	{
		struct stat sb;

		if (stat(cfg.file, &sb) == 0 && (sb.st_mode & 077))
			fprintf(stderr, "ntm-dc: warning: %s is readable by others (mode %03o) and holds keys\n",
				cfg.file, sb.st_mode & 0777);
	}

	use_syslog = o.syslog || cfg.log_syslog || !o.foreground;
	if (!o.foreground)
		ready_fd = ntm_daemon_detach(DC_NAME);
	ntm_log_open(DC_NAME, cfg.log_level, use_syslog);
	umask(077);
	signal(SIGPIPE, SIG_IGN);

	memset(&d, 0, sizeof(d));
	memset(&io, 0, sizeof(io));
	io.d = &d;
	io.ctl_fd = io.dns_fd = io.tcp_fd = -1;
	for (i = 0; i < DNS_TCP_MAX; i++)
		io.tcp[i].fd = -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		dc_err("signalfd: %s", strerror(errno));
		goto out;
	}
	if (o.pid_file && ntm_write_pid_file(o.pid_file) < 0)
		goto out;
	if (dc_store_open(&store, cfg.store, err, sizeof(err)) < 0) {
		dc_err("%s", err);
		goto out;
	}
	d.send = send_ctl;
	d.send_arg = &io;
	if (dc_init(&d, &cfg, store) < 0)
		goto out;
	if (rl_open(&io, &cfg) < 0)
		goto out;
	io.family = cfg.control.ss_family;
	io.ctl_fd = sock_open(&cfg.control, SOCK_DGRAM, "control");
	if (io.ctl_fd < 0)
		goto out;
	if (!cfg.dns_off) {
		io.dns_fd = sock_open(&cfg.dns, SOCK_DGRAM, "dns");
		if (io.dns_fd < 0)
			goto out;
		io.tcp_fd = sock_open(&cfg.dns, SOCK_STREAM, "dns (tcp)");
		if (io.tcp_fd < 0)
			dc_warn("dns: no TCP (UDP only)");
	}
	for (k = 0; k < d.nnodes; k++)
		if (dc_node_live(&d, &d.nodes[k]))
			registered++;
	{
		struct ntm_addr da;

		memset(&da, 0, sizeof(da));
		ntm_addr_from_sockaddr(&da, &cfg.dns);
		dc_info("ready: zone %s, control %s, dns %s, %zu nodes configured (%zu registered), %zu paths, %zu RSs, store %s",
			cfg.zone, ntm_addr_fmt(&ctl, buf, sizeof(buf)),
			cfg.dns_off ? "off" : ntm_addr_fmt(&da, dnsb, sizeof(dnsb)),
			cfg.nnodes, registered, d.npaths, cfg.nrs, cfg.store);
	}
	ntm_daemon_ready(ready_fd);
	ready_fd = -1;

	if (run(&io, sfd) == 0)
		status = 0;
	ntm_sd_notify("STOPPING=1");
	dc_info("stopped: %zu paths and every node's VIP stay in the store", d.npaths);
out:
	for (i = 0; i < DNS_TCP_MAX; i++)
		if (io.tcp[i].fd >= 0)
			close(io.tcp[i].fd);
	if (io.ctl_fd >= 0)
		close(io.ctl_fd);
	if (io.dns_fd >= 0)
		close(io.dns_fd);
	if (io.tcp_fd >= 0)
		close(io.tcp_fd);
	ntm_ratelimit_free(io.ctl_rl);
	ntm_ratelimit_free(io.dns_rl);
	dc_fini(&d);
	dc_store_close(store);
	if (sfd >= 0)
		close(sfd);
	if (o.pid_file && status == 0)
		unlink(o.pid_file);
	dc_config_free(&cfg);
	ntm_log_close();
	return status;
}
