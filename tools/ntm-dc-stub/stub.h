/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntm-dc-stub: the DC's side of the DC-RS protocol (docs/protocol.md), to
 * drive ntm-rsd before the real DC exists. It sends one Relay Direction or
 * Path Teardown, retransmits it as a real requester does (same transaction
 * id, new nonce and timestamp, after 1, 2, 4, 8, 8... s) and prints the
 * Direction Response (or Error) it gets.
 *
 *   args.c  the command line, into struct stub_opts (unit-tested)
 *   main.c  sealing, the socket, retransmission, printing
 */
#ifndef _NTM_DC_STUB_H
#define _NTM_DC_STUB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <ntm/msg.h>
#include <ntm/ntm.h>

#define STUB_OK		0
#define STUB_FAIL	1	/* no answer, or an answer that is not OK */
#define STUB_USAGE	2

#define STUB_DEFAULT_TIMEOUT_MS	15000

enum stub_cmd {
	STUB_HELP,
	STUB_RELAY,
	STUB_TEARDOWN,
};

struct stub_opts {
	enum stub_cmd cmd;
	struct sockaddr_storage rs;	/* --rs: the RS's control endpoint */
	struct sockaddr_storage local;	/* --local, or AF_UNSPEC */
	uint32_t key_id;
	uint8_t key[NTM_CTL_KEY_BYTES];
	bool has_txn;
	uint64_t txn;			/* --txn, else random */
	uint32_t timeout_ms;		/* give up after, all tries together */
	bool quiet;
	/* relay: the Relay Direction, keys derived from path_key */
	struct ntm_relay_direction rd;
	uint8_t path_key[NTM_PATH_KEY_BYTES];
	/* teardown */
	struct ntm_path_teardown td;
	char err[256];
};

/* Parse argv; 0, or STUB_USAGE with o->err set. For relay, o->rd is
 * complete: its keys are derived here. */
int stub_parse(int argc, char **argv, struct stub_opts *o);
void stub_usage(FILE *f);

#endif /* _NTM_DC_STUB_H */
