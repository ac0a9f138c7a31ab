// SPDX-License-Identifier: GPL-2.0-or-later
/* ntm-dc-stub: seal, send, retransmit, open the answer, print it. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ntm_ctl_client.h"
#include "stub.h"

/* Prints the answer; STUB_OK if its status is OK. */
static int print_answer(const struct ntm_ctl_hdr *h, const union ntm_body *b)
{
	char t[NTM_ADDR_FMT_LEN], c[NTM_ADDR_FMT_LEN];

	if (h->type == NTM_MSG_DIRECTION_RESPONSE) {
		const struct ntm_direction_response *dr = &b->direction_response;

		printf("path %" PRIu32 ": %s, tunnel endpoint %s, control endpoint %s\n",
		       dr->path_id, ntm_status_name(dr->status),
		       ntm_addr_fmt(&dr->tunnel, t, sizeof(t)),
		       ntm_addr_fmt(&dr->control, c, sizeof(c)));
		return dr->status == NTM_OK ? STUB_OK : STUB_FAIL;
	}
	printf("path %" PRIu32 ": error %s (%s)\n", b->error.path_id,
	       ntm_status_name(b->error.status), ntm_msg_type_name(b->error.type));
	return STUB_FAIL;
}

int main(int argc, char **argv)
{
	struct ntm_ctl_request rq;
	struct stub_opts o;
	struct ntm_ctl_hdr h;
	union ntm_body body, ans;
	uint8_t type;
	unsigned int tries = 0;
	char rs[NTM_ADDR_FMT_LEN];
	struct ntm_addr rsa;
	int fd = -1, ret = STUB_FAIL, err;

	if (stub_parse(argc, argv, &o)) {
		fprintf(stderr, "ntm-dc-stub: %s\nTry 'ntm-dc-stub --help'.\n", o.err);
		ntm_wipe(&o, sizeof(o));
		return STUB_USAGE;
	}
	if (o.cmd == STUB_HELP) {
		stub_usage(stdout);
		return STUB_OK;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&body, 0, sizeof(body));
	if (o.cmd == STUB_RELAY) {
		type = NTM_MSG_RELAY_DIRECTION;
		body.relay_direction = o.rd;
	} else {
		type = NTM_MSG_PATH_TEARDOWN;
		body.path_teardown = o.td;
	}
	if (!o.has_txn && ntm_ctl_random(NULL, (uint8_t *)&o.txn, sizeof(o.txn)) != NTM_OK) {
		fprintf(stderr, "ntm-dc-stub: no randomness\n");
		goto out;
	}
	fd = socket(o.rs.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "ntm-dc-stub: socket: %s\n", strerror(errno));
		goto out;
	}
	if (o.local.ss_family &&
	    bind(fd, (struct sockaddr *)&o.local,
		 o.local.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						 sizeof(struct sockaddr_in)) < 0) {
		fprintf(stderr, "ntm-dc-stub: bind: %s\n", strerror(errno));
		goto out;
	}
	ntm_addr_from_sockaddr(&rsa, &o.rs);
	ntm_addr_fmt(&rsa, rs, sizeof(rs));
	if (!o.quiet)
		fprintf(stderr, "ntm-dc-stub: %s for path %" PRIu32 " to %s, key id %" PRIu32 ", transaction 0x%016" PRIx64 "\n",
			ntm_msg_type_name(type), body.relay_direction.path_id, rs,
			o.key_id, o.txn);
	memset(&rq, 0, sizeof(rq));
	rq.fd = fd;
	rq.to = o.rs;
	rq.type = type;
	rq.key_id = o.key_id;
	rq.key = o.key;
	rq.txn_id = o.txn;
	rq.body = &body;
	rq.timeout_ms = o.timeout_ms;
	rq.answer_types[0] = NTM_MSG_DIRECTION_RESPONSE;
	rq.answer_types[1] = NTM_MSG_ERROR;
	rq.who = "ntm-dc-stub";
	rq.quiet = o.quiet;
	err = ntm_ctl_transact(&rq, &h, &ans, &tries);
	if (err == -ETIMEDOUT)
		fprintf(stderr, "ntm-dc-stub: no answer from %s after %u tries in %" PRIu32 " ms\n",
			rs, tries, o.timeout_ms);
	else if (err == 0)
		ret = print_answer(&h, &ans);
out:
	if (fd >= 0)
		close(fd);
	ntm_wipe(&body, sizeof(body));
	ntm_wipe(&o, sizeof(o));
	return ret;
}
