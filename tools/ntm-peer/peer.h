/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntm-peer: a test endpoint of the NTMobile tunnel (docs/protocol.md, "Tunnel
 * data header"), to drive nf_ntm before the real NTM node exists.
 *
 *   options.c  the command line, into struct peer_opts (unit-tested)
 *   tun.c      the TUN device and its address and routes (rtnetlink)
 *   tunnel.c   run mode: TUN <-> sealed UDP, keepalives, stats
 *   craft.c    send and recv modes: exact packets for hostile-input tests
 *   inner.c    the IP/UDP plaintext of send --vip (unit-tested)
 *   handshake.c  run --tunnel-request: Tunnel Request / Response with the RS
 *   main.c     logging, sockets, main()
 */
#ifndef _NTM_PEER_H
#define _NTM_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <sys/socket.h>

#include <ntm/ntm.h>

#define PEER_OK		0
#define PEER_FAIL	1
#define PEER_USAGE	2

#define PEER_MAX_ROUTES	16
#define PEER_MAX_XOR	16
#define PEER_DEFAULT_MTU	1400
#define PEER_DEFAULT_PAYLOAD	64
#define PEER_DEFAULT_TIMEOUT_MS	5000
#define PEER_INNER_PORT		9	/* discard: inner UDP of send --vip */
#define PEER_TUNNEL_REQUEST_TIMEOUT_MS	10000

enum peer_mode {
	PEER_RUN,
	PEER_SEND,
	PEER_RECV,
	PEER_HELP,
};

enum peer_log_level {
	PEER_LOG_ERROR,
	PEER_LOG_WARN,
	PEER_LOG_INFO,
	PEER_LOG_DEBUG,
};

struct peer_ip {
	sa_family_t family;	/* AF_UNSPEC: unset */
	uint8_t addr[16];
	uint8_t plen;		/* routes */
};

struct peer_xor {
	uint32_t off;
	uint8_t mask;
};

struct peer_opts {
	enum peer_mode mode;
	/* every mode */
	uint32_t path_id;
	uint8_t path_key[NTM_PATH_KEY_BYTES];
	enum ntm_leg leg;		/* our leg; we accept the other one */
	struct sockaddr_storage remote;	/* AF_UNSPEC: none */
	struct sockaddr_storage local;	/* AF_UNSPEC: any, ephemeral port */
	uint64_t counter_start;
	int log_level;
	/* run */
	char tun[IFNAMSIZ];		/* "": no TUN device */
	struct peer_ip vip;		/* send: inner source */
	struct peer_ip peer_vip;	/* send: inner destination */
	struct peer_ip routes[PEER_MAX_ROUTES];
	unsigned int nroutes;
	uint32_t mtu;
	uint32_t keepalive_sec;		/* 0: none */
	struct sockaddr_storage tunnel_request;	/* RS control port, or AF_UNSPEC */
	/* send, recv */
	uint64_t count;
	/* send */
	uint32_t payload_size;
	bool keepalive;			/* send Keepalives, not Data */
	bool forge_tag;
	bool forge_aead;
	bool replay;
	bool bad_path_id;
	bool has_truncate;
	uint32_t truncate;		/* bytes sent of each packet */
	uint32_t interval_ms;
	uint32_t paths;			/* --paths: PathIDs path_id.. in turn */
	struct peer_xor xors[PEER_MAX_XOR];
	unsigned int nxor;
	/* recv */
	uint32_t timeout_ms;
	uint32_t linger_ms;

	char err[256];
};

/* Counters; bytes are UDP payload bytes (header, ciphertext and tag). */
struct peer_stats {
	uint64_t rx_packets;		/* authentic Data and Keepalives */
	uint64_t rx_bytes;
	uint64_t rx_keepalives;
	uint64_t tx_packets;		/* Data and Keepalives sent */
	uint64_t tx_bytes;
	uint64_t tx_keepalives;
	uint64_t drop_auth;		/* relay tag or AEAD tag wrong */
	uint64_t drop_replay;		/* counter replayed or too old */
	uint64_t drop_malformed;	/* not a valid data-plane message */
	uint64_t drop_path;		/* another PathID */
	uint64_t drop_leg;		/* sent by our own leg (reflected) */
	uint64_t drop_noendpoint;	/* from the TUN, no remote known yet */
	uint64_t drop_tun;		/* the TUN refused the inner packet */
	uint64_t drop_send;		/* sendto() failed */
};

/* Parse argv; 0, PEER_USAGE with o->err set. */
int peer_parse(int argc, char **argv, struct peer_opts *o);
void peer_usage(FILE *f);

/* main.c */
__attribute__((format(printf, 2, 3)))
void peer_log(int level, const char *fmt, ...);
void peer_log_init(int level, enum ntm_leg leg);
void peer_stats_print(const struct peer_stats *s);
/* The UDP socket: bound to --local, connected to nothing. -1 on error. */
int peer_socket(const struct peer_opts *o);
socklen_t peer_sockaddr_len(const struct sockaddr_storage *ss);
char *peer_fmt_sockaddr(const struct sockaddr_storage *ss, char *buf,
			size_t len);
/*
 * Classify a received datagram for our path and the other leg: checks PathID
 * and leg before ntm_data_open_leg(). Returns NTM_OK with *plain_len set, or
 * a status; counts it in @s either way.
 */
int peer_open(const struct peer_opts *o, const struct ntm_path_keys *k,
	      struct ntm_replay *win, uint8_t *pkt, size_t len,
	      struct ntm_data_hdr *hdr, size_t *plain_len,
	      struct peer_stats *s);

/* tun.c: create, address and route the TUN device; returns its fd. */
int peer_tun_open(const struct peer_opts *o);

/* tunnel.c */
int peer_run(const struct peer_opts *o);

/* handshake.c: send a Tunnel Request for our leg from @udp to
 * o->tunnel_request and wait for the Tunnel Response. PEER_OK if the RS
 * accepted it, PEER_FAIL (logged: refused, Error, no answer) otherwise. */
int peer_tunnel_request(const struct peer_opts *o,
			const struct ntm_path_keys *k, int udp);

/* craft.c */
int peer_send(const struct peer_opts *o);
int peer_recv(const struct peer_opts *o);
/* An IPv4/IPv6 UDP packet of exactly @len bytes from @src to @dst. */
int peer_build_inner(const struct peer_ip *src, const struct peer_ip *dst,
		     uint64_t seq, uint8_t *buf, size_t len);

#endif /* _NTM_PEER_H */
