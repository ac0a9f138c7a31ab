// SPDX-License-Identifier: GPL-2.0-or-later
/* ntm-peer: logging, the UDP socket, the receive checks, main(). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

/* Set once in main() before anything logs. */
static int log_level = PEER_LOG_INFO;
static char log_leg = 'a';

void peer_log_init(int level, enum ntm_leg leg)
{
	log_level = level;
	log_leg = leg == NTM_LEG_B ? 'b' : 'a';
}

void peer_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	va_list ap;

	if (level > log_level)
		return;
	fprintf(stderr, "ntm-peer %c: %s: ", log_leg, names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void peer_stats_print(const struct peer_stats *s)
{
	fprintf(stderr, "ntm-peer %c: stats: rx_packets=%" PRIu64
		" rx_bytes=%" PRIu64 " rx_keepalives=%" PRIu64
		" tx_packets=%" PRIu64 " tx_bytes=%" PRIu64
		" tx_keepalives=%" PRIu64 " drop_auth=%" PRIu64
		" drop_replay=%" PRIu64 " drop_malformed=%" PRIu64
		" drop_path=%" PRIu64 " drop_leg=%" PRIu64
		" drop_noendpoint=%" PRIu64 " drop_tun=%" PRIu64
		" drop_send=%" PRIu64 "\n", log_leg,
		s->rx_packets, s->rx_bytes, s->rx_keepalives, s->tx_packets,
		s->tx_bytes, s->tx_keepalives, s->drop_auth, s->drop_replay,
		s->drop_malformed, s->drop_path, s->drop_leg,
		s->drop_noendpoint, s->drop_tun, s->drop_send);
}

socklen_t peer_sockaddr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

char *peer_fmt_sockaddr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s->sin6_port));
	} else {
		snprintf(buf, len, "none");
	}
	return buf;
}

int peer_socket(const struct peer_opts *o)
{
	const struct sockaddr_storage *bind_to = &o->local;
	int family = o->local.ss_family ? o->local.ss_family :
		     o->remote.ss_family ? o->remote.ss_family :
		     o->tunnel_request.ss_family ? o->tunnel_request.ss_family :
		     AF_INET;
	int fd, size = 4 << 20;
	char buf[64];

	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0) {
		peer_log(PEER_LOG_ERROR, "socket: %s", strerror(errno));
		return -1;
	}
	/* Bursts from send mode must not be lost before we count them. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind_to->ss_family &&
	    bind(fd, (const struct sockaddr *)bind_to,
		 peer_sockaddr_len(bind_to)) < 0) {
		peer_log(PEER_LOG_ERROR, "bind %s: %s",
			 peer_fmt_sockaddr(bind_to, buf, sizeof(buf)),
			 strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int peer_open(const struct peer_opts *o, const struct ntm_path_keys *k,
	      struct ntm_replay *win, uint8_t *pkt, size_t len,
	      struct ntm_data_hdr *hdr, size_t *plain_len,
	      struct peer_stats *s)
{
	enum ntm_leg from = o->leg == NTM_LEG_A ? NTM_LEG_B : NTM_LEG_A;
	int ret;

	*plain_len = 0;
	memset(hdr, 0, sizeof(*hdr));
	/* Another path's packet, or our own reflected: cheap checks first. */
	if (len >= NTM_DATA_HDR_LEN && ntm_is_dataplane(pkt, (ntm_u32)len)) {
		if (ntm_get_be32(pkt + 4) != o->path_id) {
			s->drop_path++;
			return NTM_E_UNKNOWN_PATH;
		}
		if (((pkt[2] & NTM_DATA_F_LEG_B) ? NTM_LEG_B : NTM_LEG_A) != from) {
			s->drop_leg++;
			return NTM_E_MALFORMED;
		}
	}
	ret = ntm_data_open_leg(k, from, win, pkt, len, hdr,
				pkt + NTM_DATA_HDR_LEN,
				len > NTM_DATA_HDR_LEN ? len - NTM_DATA_HDR_LEN : 0,
				plain_len);
	switch (ret) {
	case NTM_OK:
		s->rx_packets++;
		s->rx_bytes += len;
		if (hdr->type == NTM_MSG_KEEPALIVE)
			s->rx_keepalives++;
		break;
	case NTM_E_AUTH:
		s->drop_auth++;
		break;
	case NTM_E_REPLAY:
		s->drop_replay++;
		break;
	default:
		s->drop_malformed++;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct peer_opts o;
	int ret;

	ret = peer_parse(argc, argv, &o);
	if (ret) {
		fprintf(stderr, "ntm-peer: %s\nTry 'ntm-peer --help'.\n", o.err);
		ntm_wipe(o.path_key, sizeof(o.path_key));
		return PEER_USAGE;
	}
	if (o.mode == PEER_HELP) {
		peer_usage(stdout);
		return PEER_OK;
	}
	peer_log_init(o.log_level, o.leg);
	setvbuf(stdout, NULL, _IOLBF, 0);
	switch (o.mode) {
	case PEER_SEND:
		ret = peer_send(&o);
		break;
	case PEER_RECV:
		ret = peer_recv(&o);
		break;
	default:
		ret = peer_run(&o);
	}
	ntm_wipe(o.path_key, sizeof(o.path_key));
	return ret;
}
