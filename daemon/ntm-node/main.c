// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-node: the command line, start and stop, and the one event loop (epoll)
 * over the signals, the UDP socket, the TUN, the nfqueue socket, the DNS
 * socket, the rtnetlink monitor and a NODE_TICK_MS timer.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <libmnl/libmnl.h>

#include "ntm_daemon.h"
#include "ntm_nft.h"
#include "ntm_tun.h"
#include "node.h"

uint64_t node_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ntm-node [--config FILE] [--check-config] [--foreground] [--once]\n"
"                [--log-level LEVEL] [--help] [--version]\n"
"\n"
"The NTMobile node daemon: registers the node with its DC (Direction\n"
"Coordinator) and keeps the registration fresh, gives the node its virtual\n"
"address (VIP) on a TUN device, holds the applications' DNS answers (an\n"
"NFQUEUE hook, nft table inet ntm_node) while it sets up a path to the name\n"
"(through a Relay Server or direct), carries the VIP traffic over its paths,\n"
"follows the node's moves between networks, and switches RS-S paths to\n"
"direct when the DC offers it.\n"
"\n"
"  -c, --config FILE     configuration file (default " NODE_DEFAULT_CONFIG ");\n"
"                        see node.conf.example\n"
"  -t, --check-config    read the configuration, report the first error or\n"
"                        \"FILE: OK\", and exit (0 if it is OK, 1 if not)\n"
"  -f, --foreground      stay in the foreground; log to stderr unless the\n"
"                        configuration says syslog (without it: daemon, syslog)\n"
"  -1, --once            register once, print the VIP and the observed\n"
"                        endpoint, and exit: 0 registered, 1 refused or no\n"
"                        answer (no TUN, no DNS hook)\n"
"  -l, --log-level LEVEL error, warn, info or debug (overrides the file)\n"
"  -h, --help            this text\n"
"  -V, --version         the version\n"
"\n"
"Signals: SIGTERM and SIGINT stop it: the paths are torn down at the DC,\n"
"the nft table inet ntm_node, the routes and the TUN are removed.\n"
"Exit status: 0 on a clean stop, 1 on an error, 2 on a usage error.\n");
}

struct opts {
	const char *config;
	bool check, foreground, once;
	int log_level;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "once", no_argument, NULL, '1' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config = NODE_DEFAULT_CONFIG;
	o->log_level = -1;
	while ((c = getopt_long(argc, argv, "c:tf1l:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 't':
			o->check = true;
			break;
		case 'f':
			o->foreground = true;
			break;
		case '1':
			o->once = true;
			break;
		case 'l':
			o->log_level = ntm_log_level_parse(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "ntm-node: --log-level: expected error, warn, info or debug, got \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("ntm-node (ntmobile) protocol version %d\n", NTM_VERSION);
			exit(0);
		default:
			fprintf(stderr, "Try 'ntm-node --help'.\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ntm-node: unexpected argument \"%s\"\nTry 'ntm-node --help'.\n",
			argv[optind]);
		return 2;
	}
	return 0;
}

static int udp_open(struct node *n)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(n->cfg.tunnel_port),
	};
	int fd, size = 4 << 20;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		node_err("socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		node_err("binding the tunnel socket to 0.0.0.0:%u: %s",
			 n->cfg.tunnel_port, strerror(errno));
		close(fd);
		return -1;
	}
	n->udp = fd;
	return 0;
}

static int tun_open(struct node *n)
{
	int err;

	n->tun = ntm_tun_create(n->cfg.tun_dev, NTM_TUN_NONBLOCK, n->tun_name,
				&n->tun_ifindex);
	if (n->tun < 0) {
		node_err("creating TUN %s: %s", n->cfg.tun_dev, strerror(-n->tun));
		return -1;
	}
	err = ntm_rtnl_link_set(n->rtnl, n->tun_ifindex, true, NODE_MTU);
	if (err < 0) {
		node_err("setting TUN %s up: %s", n->tun_name, strerror(-err));
		return -1;
	}
	return 0;
}

static int ep_add(struct node *n, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	if (fd < 0)
		return 0;
	if (epoll_ctl(n->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		node_err("epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

enum { EV_SIGNAL, EV_TIMER, EV_UDP, EV_TUN, EV_NFQ, EV_DNS, EV_RTMON };

static void udp_rx(struct node *n)
{
	int i;

	for (i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct ntm_addr src;
		ssize_t len;

		len = recvfrom(n->udp, n->buf, sizeof(n->buf), MSG_TRUNC,
			       (struct sockaddr *)&ss, &sl);
		if (len < 0) {
			if (errno != EAGAIN && errno != EINTR)
				node_warn("recvfrom: %s", strerror(errno));
			return;
		}
		if ((size_t)len > sizeof(n->buf) ||
		    ntm_addr_from_sockaddr(&src, &ss) != NTM_OK)
			continue;
		if (len >= 2 && (n->buf[1] & 0x80))
			node_path_data_rx(n, n->buf, (size_t)len, &src);
		else
			node_ctl_rx(n, n->buf, (size_t)len, &src);
	}
}

static void tun_rx(struct node *n)
{
	int i;

	for (i = 0; i < 64; i++) {
		uint8_t *inner = n->buf + NTM_DATA_HDR_LEN;
		ssize_t len = read(n->tun, inner, NTM_DATA_MAX_INNER);

		if (len <= 0) {
			if (len < 0 && errno != EAGAIN && errno != EINTR)
				node_warn("reading TUN %s: %s", n->tun_name,
					  strerror(errno));
			return;
		}
		node_path_tun_rx(n, n->buf, (size_t)len);
	}
}

static void tick(struct node *n)
{
	uint64_t now = node_now_ms();

	node_reg_tick(n, now);
	node_path_tick(n, now);
	node_dns_tick(n, now);
	node_rtmon_tick(n, now);
}

static int run(struct node *n)
{
	struct itimerspec its = {
		.it_interval = { .tv_nsec = NODE_TICK_MS * 1000000L },
		.it_value = { .tv_nsec = NODE_TICK_MS * 1000000L },
	};
	int sfd = -1, tfd = -1;
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		node_err("signalfd: %s", strerror(errno));
		return 1;
	}
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (tfd < 0 || n->epfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0) {
		node_err("timerfd/epoll: %s", strerror(errno));
		goto out;
	}
	if (ep_add(n, sfd, EV_SIGNAL) || ep_add(n, tfd, EV_TIMER) ||
	    ep_add(n, n->udp, EV_UDP) || ep_add(n, n->tun, EV_TUN) ||
	    ep_add(n, n->nfq ? mnl_socket_get_fd(n->nfq) : -1, EV_NFQ) ||
	    ep_add(n, n->dns, EV_DNS) ||
	    ep_add(n, n->rtmon ? mnl_socket_get_fd(n->rtmon) : -1, EV_RTMON))
		goto out;

	node_reg_start(n);
	while (n->exit_code < 0) {
		struct epoll_event ev[16];
		int i, k;

		k = epoll_wait(n->epfd, ev, 16, -1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			node_err("epoll_wait: %s", strerror(errno));
			n->exit_code = 1;
			break;
		}
		for (i = 0; i < k; i++) {
			switch (ev[i].data.u32) {
			case EV_SIGNAL: {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					break;
				if (si.ssi_signo == SIGHUP) {
					node_info("SIGHUP: registering again");
					node_reg_start(n);
					break;
				}
				node_info("signal %u: stopping", si.ssi_signo);
				n->exit_code = 0;
				break;
			}
			case EV_TIMER: {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
					tick(n);
				break;
			}
			case EV_UDP:
				udp_rx(n);
				break;
			case EV_TUN:
				tun_rx(n);
				break;
			case EV_NFQ:
				node_dns_queue_rx(n);
				break;
			case EV_DNS:
				node_dns_sock_rx(n);
				break;
			case EV_RTMON:
				node_rtmon_rx(n);
				break;
			}
		}
		/* Before anything else can happen: a test that saw the DNS
		 * answer reads a state file that already has the path. */
		if (n->state_dirty)
			node_state_write(n);
	}
out:
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	return n->exit_code < 0 ? 1 : n->exit_code;
}

/* Tell the DC the paths are gone (best effort, once, no wait). */
static void teardown_all(struct node *n)
{
	struct node_path *p;

	if (!n->registered)
		return;
	for (p = n->paths; p; p = p->next) {
		union ntm_body b;

		memset(&b, 0, sizeof(b));
		b.path_teardown.path_id = p->id;
		b.path_teardown.reason = NTM_TEARDOWN_CLOSED;
		node_ctl_send(n, NTM_MSG_PATH_TEARDOWN, n->cfg.node_id,
			      node_random64(), n->cfg.key, &b, &n->cfg.dc);
	}
}

int main(int argc, char **argv)
{
	struct ntm_rtnl rtnl;
	struct node *n;
	struct opts o;
	char err[512];
	int ret, ready_fd = -1;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	n = calloc(1, sizeof(*n));
	if (!n) {
		fprintf(stderr, "ntm-node: out of memory\n");
		return 1;
	}
	n->udp = n->tun = n->dns = n->epfd = -1;
	n->exit_code = -1;
	n->once = o.once;
	if (node_config_load(o.config, &n->cfg, err, sizeof(err))) {
		fprintf(stderr, "ntm-node: %s\n", err);
		free(n);
		return 1;
	}
	if (o.log_level >= 0)
		n->cfg.log_level = o.log_level;
	if (o.check) {
		printf("%s: OK\n", o.config);
		node_config_wipe(&n->cfg);
		free(n);
		return 0;
	}
	if (!o.foreground && !o.once) {
		/* The parent exits once we are ready (or failed: exit 1). */
		ready_fd = ntm_daemon_detach(NODE_NAME);
		n->cfg.log_syslog = true;
	}
	ntm_log_open(NODE_NAME, n->cfg.log_level, n->cfg.log_syslog);
	setvbuf(stderr, NULL, _IOLBF, 0);

	{
		struct stat sb;

		if (!n->cfg.has_key_file && stat(n->cfg.file, &sb) == 0 &&
		    (sb.st_mode & 077))
			node_warn("%s holds the node's key and is mode %03o: make it 0600",
				  n->cfg.file, sb.st_mode & 0777);
	}
	ret = 1;
	memset(&rtnl, 0, sizeof(rtnl));
	n->rtnl = &rtnl;
	n->nonces = ntm_nonce_cache_new(4096, NULL);
	if (!n->nonces) {
		node_err("out of memory");
		goto out;
	}
	if (udp_open(n))
		goto out;
	if (!o.once) {
		int e = ntm_rtnl_open(&rtnl);

		if (e < 0) {
			node_err("rtnetlink: %s", strerror(-e));
			goto out;
		}
		if (tun_open(n) || node_dns_open(n) || node_rtmon_open(n))
			goto out;
	}
	{
		char d[NTM_ADDR_FMT_LEN], s[NTM_ADDR_FMT_LEN];

		node_info("ready: node %" PRIu32 " (%s), DC %s, DNS %s, tunnel port %u%s%s",
			  n->cfg.node_id, n->cfg.name, node_fmt(&n->cfg.dc, d),
			  node_fmt(&n->cfg.dns, s), n->cfg.tunnel_port,
			  o.once ? "" : ", TUN ", o.once ? "" : n->tun_name);
	}
	node_state_dirty(n);
	if (!o.once)
		ntm_daemon_ready(ready_fd);	/* and READY=1 to systemd */
	ready_fd = -1;
	ret = run(n);
	ntm_sd_notify("STOPPING=1");
	teardown_all(n);
out:
	node_dns_close(n);
	node_path_free_all(n);
	if (n->rtmon)
		mnl_socket_close(n->rtmon);
	if (n->tun >= 0)
		close(n->tun);	/* the TUN goes, with its addresses and routes */
	ntm_rtnl_close(&rtnl);
	if (n->udp >= 0)
		close(n->udp);
	if (n->epfd >= 0)
		close(n->epfd);
	ntm_nonce_cache_free(n->nonces);
	if (!o.once && unlink(n->cfg.state) < 0 && errno != ENOENT)
		node_warn("removing %s: %s", n->cfg.state, strerror(errno));
	if (ready_fd >= 0)
		close(ready_fd);	/* the waiting parent exits 1 */
	node_info("stopped (exit %d)", ret);
	ntm_log_close();
	node_config_wipe(&n->cfg);
	free(n);
	return ret;
}
