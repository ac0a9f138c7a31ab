// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the daemon and ntmctl receive from nf_ntm over generic netlink,
 * through lib/ntm_nl.c's own receive code (included here, so its static
 * callbacks are reached exactly as a request reaches them; the Makefile
 * leaves the included file out of the link):
 *
 *   - every parser on every message of the buffer: path (GET answer, dump
 *     part), tunnel, event, family (CTRL_CMD_GETFAMILY answer);
 *   - the answer loop of a path dump (mnl_cb_run2 with data_cb,
 *     path_dump_cb, error_cb with extended ack TLVs naming an attribute of
 *     the request, done_cb, NLM_F_DUMP_INTR), then ntm_nl_strerror();
 *   - the notification loop (event_cb).
 *
 * Input: one mode byte, then the bytes one recv() returned.
 *   bit 0: answer loop, bit 1: notification loop (the parsers always run).
 * The sequence number of the first message is taken as the request's, so
 * the fuzzer need not guess it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/ntm_nl.c"

#define FUZZ_FAMILY	0x1d

static int count_path(const struct ntm_path *p, void *data)
{
	int *n = data;

	/* What a parser hands on is sane: a PathID, known families. */
	if (!p->id || p->leg[0].endpoint.ss_family > AF_INET6 ||
	    p->leg[1].endpoint.ss_family > AF_INET6)
		abort();
	(*n)++;
	return *n > 1000 ? -E2BIG : 0;
}

static int count_event(const struct ntm_nl_event *ev, void *data)
{
	int *n = data;

	if (ev->cmd != NTM_CMD_NOTIFY_ENDPOINT && ev->cmd != NTM_CMD_NOTIFY_EXPIRED)
		abort();
	(*n)++;
	return 0;
}

static void parsers(const uint8_t *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int rest = (int)len;

	while (mnl_nlmsg_ok(nlh, rest)) {
		struct ntm_path p;
		struct ntm_tunnel_info ti;
		struct ntm_nl_event ev;
		uint16_t fam;
		uint32_t grp;

		if (ntm_nl_path_parse(nlh, &p) == 0 && !p.id)
			abort();
		if (ntm_nl_tunnel_parse(nlh, &ti) == 0 &&
		    strnlen(ti.ifname, sizeof(ti.ifname)) >= sizeof(ti.ifname))
			abort();
		(void)ntm_nl_event_parse(nlh, &ev);
		(void)ntm_nl_family_parse(nlh, NTM_GENL_MCGRP, &fam, &grp);
		nlh = mnl_nlmsg_next(nlh, &rest);
	}
}

/* A request with every attribute, for error_cb's offsets to point into. */
static struct nlmsghdr *request(uint8_t *buf, size_t len, uint32_t seq)
{
	struct ntm_path p;
	struct sockaddr_in *a = (struct sockaddr_in *)&p.leg[NTM_LEG_A].endpoint;

	memset(&p, 0, sizeof(p));
	p.id = 7;
	p.has = NTM_PATH_HAS_TYPE | NTM_PATH_HAS_REFRESH | NTM_PATH_HAS_RELAY_KEY |
		NTM_PATH_HAS_DATA_KEY | NTM_PATH_HAS_LEG_A | NTM_PATH_HAS_LEG_B;
	p.type = NTM_PATH_RS_N;
	p.refresh = 300;
	a->sin_family = AF_INET;
	a->sin_port = htons(7701);
	a->sin_addr.s_addr = htonl(0xc0000201);
	p.leg[NTM_LEG_A].vip.family = AF_INET;
	p.leg[NTM_LEG_B].vip.family = AF_INET;
	return ntm_nl_path_build(buf, len, FUZZ_FAMILY, NTM_CMD_PATH_NEW, seq, &p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ntm_nl nl;
	uint8_t req[NTM_NL_REQ_SIZE];
	uint32_t seq = 1;
	uint8_t mode;
	size_t n;

	if (size < 1 || size - 1 > sizeof(nl.buf))
		return 0;
	mode = data[0];
	data++;
	n = size - 1;
	memset(&nl, 0, offsetof(struct ntm_nl, buf));
	nl.family_id = FUZZ_FAMILY;
	nl.mcgrp_events = 3;
	if (n >= sizeof(struct nlmsghdr))
		memcpy(&seq, data + offsetof(struct nlmsghdr, nlmsg_seq), sizeof(seq));

	memcpy(nl.buf, data, n);
	/* What the receive loops do first; the parsers see only such buffers. */
	if (nl_buf_ok(nl.buf, n))
		parsers(nl.buf, n);

	if (mode & 1) {
		struct path_dump d = { .cb = count_path, .data = &(int){ 0 } };
		struct req_ctx ctx = { .data = &d };
		struct nlmsghdr *nlh = request(req, sizeof(req), seq);
		const char *msg;
		int ret;

		if (!nlh)
			abort();
		memcpy(nl.buf, data, n);
		nl_begin(&nl, &ctx, nlh, NTM_CMD_PATH_NEW, path_dump_cb);
		/* As a dump's answer: data messages are PATH_GET answers. */
		ctx.type = FUZZ_FAMILY;
		ret = nl_process(&nl, &ctx, n);
		ret = nl_end(&nl, &ctx, ret);
		if (ret < 0) {
			msg = ntm_nl_strerror(&nl, ret);
			if (!msg || strnlen(msg, sizeof(nl.errbuf)) >= sizeof(nl.errbuf))
				abort();
		}
		if (strnlen(nl.ext_msg, sizeof(nl.ext_msg)) >= sizeof(nl.ext_msg) ||
		    strnlen(nl.ext_attr, sizeof(nl.ext_attr)) >= sizeof(nl.ext_attr))
			abort();
	}
	if (mode & 2) {
		struct event_ctx e = { .nl = &nl, .cb = count_event, .data = &(int){ 0 } };

		memcpy(nl.buf, data, n);
		/* ntm_nl_event_recv() after its recv(). */
		if (nl_buf_ok(nl.buf, n))
			(void)mnl_cb_run(nl.buf, n, 0, 0, event_cb, &e);
	}
	return 0;
}
