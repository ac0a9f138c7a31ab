// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DNS hook. The node's nft table inet ntm_node queues every UDP packet
 * from port 53 to us (NFQUEUE, bypass: they pass when we are not there). An
 * A answer to an application is held while the node looks up the name's NTM
 * record (type 65300) at the configured DNS server and sets up a path:
 *
 *   NTM record   -> Direction Request (peer NODE) -> Route Direction ->
 *                   route + Tunnel Request -> Tunnel Response -> A = the
 *                   path's peer VIP
 *   no record    -> Direction Request (peer HOST, the A) -> RS-N: A = the
 *                   host VIP; RS-T: A unchanged (the node uses the RS's
 *                   address towards the host)
 *   5 s, or any failure: the answer goes on unchanged, and the log says why.
 *
 * Our own lookups come back to our DNS socket's port and pass at once. A
 * rewritten answer gets its IP and UDP lengths and checksums fixed by
 * libnetfilter_queue's pkt_buff helpers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "ntm_nft.h"
#include "node.h"

#define NFQ_BUF	(0xffff + (MNL_SOCKET_BUFFER_SIZE / 2))

/*
 * The header of a request in @buf (@size bytes), zeroed first: libmnl
 * (1.0.4) leaves an attribute's alignment padding as it finds it.
 */
static struct nlmsghdr *nfq_put_header(uint8_t *buf, size_t size, int type,
				       uint16_t queue)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(queue);
	return nlh;
}

static int nfq_cfg(struct node *n, uint8_t cmd_or_params, bool params)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = nfq_put_header(buf, sizeof(buf), NFQNL_MSG_CONFIG, n->cfg.queue);
	if (params) {
		nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	} else {
		nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, cmd_or_params);
	}
	if (mnl_socket_sendto(n->nfq, nlh, nlh->nlmsg_len) < 0)
		return -1;
	return 0;
}

int node_dns_open(struct node *n)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);
	char dnsaddr[NTM_ADDR_FMT_LEN];
	struct ntm_nft *nft;
	int one = 1, err;

	n->dns = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->dns < 0 || bind(n->dns, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(n->dns, (struct sockaddr *)&sin, &sl) < 0) {
		node_err("the DNS lookup socket: %s", strerror(errno));
		return -1;
	}
	n->dns_port = ntohs(sin.sin_port);

	n->nfq = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!n->nfq || mnl_socket_bind(n->nfq, 0, MNL_SOCKET_AUTOPID) < 0) {
		node_err("nfqueue socket: %s", strerror(errno));
		return -1;
	}
	n->nfq_portid = mnl_socket_get_portid(n->nfq);
	(void)mnl_socket_setsockopt(n->nfq, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	if (nfq_cfg(n, NFQNL_CFG_CMD_BIND, false) < 0 || nfq_cfg(n, 0, true) < 0) {
		node_err("binding NFQUEUE %u: %s", n->cfg.queue, strerror(errno));
		return -1;
	}

	nft = calloc(1, sizeof(*nft));
	if (!nft) {
		node_err("out of memory");
		return -1;
	}
	err = ntm_nft_open(nft);
	if (err >= 0)
		err = ntm_nft_node_install(nft, n->cfg.queue);
	if (err < 0) {
		node_err("installing nft table inet %s: %s", NTM_NFT_NODE_TABLE,
			 ntm_nft_strerror(nft, err));
		ntm_nft_close(nft);
		free(nft);
		return -1;
	}
	ntm_nft_close(nft);
	free(nft);
	n->nft_installed = true;
	node_info("DNS hook: nft table inet %s, udp sport 53 -> queue %u; lookups at %s",
		  NTM_NFT_NODE_TABLE, n->cfg.queue, node_fmt(&n->cfg.dns, dnsaddr));
	return 0;
}

static void verdict(struct node *n, uint32_t id, const void *pkt, size_t len)
{
	uint8_t *buf = malloc(NFQ_BUF);
	struct nlmsghdr *nlh;

	if (!buf) {
		node_err("out of memory for a verdict");
		return;
	}
	nlh = nfq_put_header(buf, NFQ_BUF, NFQNL_MSG_VERDICT, n->cfg.queue);
	nfq_nlmsg_verdict_put(nlh, (int)id, NF_ACCEPT);
	if (pkt)
		nfq_nlmsg_verdict_put_pkt(nlh, pkt, (uint32_t)len);
	if (mnl_socket_sendto(n->nfq, nlh, nlh->nlmsg_len) < 0)
		node_warn("nfqueue verdict for packet %" PRIu32 ": %s", id,
			  strerror(errno));
	free(buf);
}

/* Accept @pkt with its A records rewritten to @a (NULL: unchanged). */
static void release(struct node *n, uint32_t id, const uint8_t *pkt,
		    size_t len, const uint8_t *a)
{
	uint8_t *out = NULL;
	size_t outlen;

	if (!a) {
		verdict(n, id, NULL, 0);
		return;
	}
	if (node_dns_rewrite_packet(pkt, len, a, &out, &outlen) < 0) {
		node_warn("cannot rewrite a DNS answer: released unchanged");
		verdict(n, id, NULL, 0);
		return;
	}
	verdict(n, id, out, outlen);
	free(out);
}

/* The A that applications should see for path @p; NULL: the real one. */
static const uint8_t *answer_for(const struct node_path *p)
{
	if (!p || p->route == NTM_ROUTE_RS_T || p->peer_vip.family != NTM_AF_INET)
		return NULL;
	return p->peer_vip.addr;
}

static void held_free(struct node *n, struct node_held *h)
{
	struct node_held **pp;

	for (pp = &n->held; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			n->nheld--;
			break;
		}
	free(h->pkt);
	free(h);
}

static void held_release(struct node *n, struct node_held *h,
			 const struct node_path *p)
{
	char a[INET_ADDRSTRLEN], v[NTM_ADDR_FMT_LEN];
	const uint8_t *to = answer_for(p);

	/* Whoever got the answer may read the state file at once. */
	if (n->state_dirty)
		node_state_write(n);
	inet_ntop(AF_INET, h->a, a, sizeof(a));
	if (to)
		node_info("DNS %s: A %s -> %s (path %" PRIu32 ", %" PRIu64 " ms)",
			  h->qname, a, node_fmt(&p->peer_vip, v), p->id,
			  node_now_ms() - h->start);
	else if (p)
		node_info("DNS %s: A %s unchanged (path %" PRIu32 ", %" PRIu64 " ms)",
			  h->qname, a, p->id, node_now_ms() - h->start);
	release(n, h->pkt_id, h->pkt, h->len, to);
	held_free(n, h);
}

static void held_unchanged(struct node *n, struct node_held *h, const char *why)
{
	node_info("DNS %s: answer released unchanged: %s", h->qname, why);
	release(n, h->pkt_id, h->pkt, h->len, NULL);
	held_free(n, h);
}

static void send_query(struct node *n, struct node_held *h)
{
	struct sockaddr_storage ss;
	uint8_t *q = NULL;
	size_t qlen;
	socklen_t sl;

	if (node_dns_ntm_query(h->qname, h->qid, &q, &qlen) < 0 ||
	    ntm_addr_to_sockaddr(&n->cfg.dns, &ss, &sl) != NTM_OK) {
		free(q);
		return;
	}
	if (sendto(n->dns, q, qlen, 0, (struct sockaddr *)&ss, sl) < 0)
		node_dbg("NTM record query for %s: %s", h->qname, strerror(errno));
	free(q);
}

static void packet(struct node *n, uint32_t id, const uint8_t *pkt, size_t len)
{
	const uint8_t *dns;
	struct node_held *h;
	struct node_path *p;
	size_t dlen;
	uint16_t dport;
	char qname[NTM_NAME_MAX + 2];
	uint8_t a[4];

	dns = node_dns_udp_payload(pkt, len, &dlen, &dport);
	if (!dns || dport == n->dns_port || !n->registered ||
	    node_dns_answer_a(dns, dlen, qname, sizeof(qname), a) < 0 ||
	    !strcasecmp(qname, n->cfg.name)) {
		verdict(n, id, NULL, 0);
		return;
	}
	p = node_path_by_name(n, qname);
	if (p && p->up) {
		node_dbg("DNS %s: path %" PRIu32 " is live", qname, p->id);
		release(n, id, pkt, len, answer_for(p));
		return;
	}
	if (n->nheld >= NODE_HELD_MAX) {
		node_warn("DNS %s: %u answers held already: released unchanged",
			  qname, n->nheld);
		verdict(n, id, NULL, 0);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (h)
		h->pkt = malloc(len);
	if (!h || !h->pkt) {
		free(h);
		node_err("out of memory: DNS answer released unchanged");
		verdict(n, id, NULL, 0);
		return;
	}
	memcpy(h->pkt, pkt, len);
	h->len = len;
	h->pkt_id = id;
	snprintf(h->qname, sizeof(h->qname), "%s", qname);
	memcpy(h->a, a, 4);
	h->state = HELD_LOOKUP;
	h->start = node_now_ms();
	h->qid = ++n->next_qid;
	h->next = n->held;
	n->held = h;
	n->nheld++;
	node_dbg("DNS %s: answer held, looking up its NTM record", qname);
	send_query(n, h);
}

static int queue_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	struct nfqnl_msg_packet_hdr *ph;
	struct node *n = data;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	if (!attr[NFQA_PAYLOAD]) {
		verdict(n, ntohl(ph->packet_id), NULL, 0);
		return MNL_CB_OK;
	}
	packet(n, ntohl(ph->packet_id), mnl_attr_get_payload(attr[NFQA_PAYLOAD]),
	       mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]));
	return MNL_CB_OK;
}

void node_dns_queue_rx(struct node *n)
{
	uint8_t *buf = malloc(NFQ_BUF);
	ssize_t len;

	if (!buf)
		return;
	while ((len = mnl_socket_recvfrom(n->nfq, buf, NFQ_BUF)) > 0)
		mnl_cb_run(buf, (size_t)len, 0, n->nfq_portid, queue_cb, n);
	free(buf);
}

static void direction_request(struct node *n, struct node_held *h,
			      const struct ntm_record *rec)
{
	struct ntm_direction_request *d = &h->req.direction_request;

	memset(&h->req, 0, sizeof(h->req));
	d->node_id = n->cfg.node_id;
	if (rec) {
		h->node_peer = true;
		d->peer_kind = NTM_PEER_NODE;
		d->peer_node_id = rec->node_id;
		d->peer_vip = rec->vip;
		d->peer_addr = rec->observed;
		if (rec->dc.family != NTM_AF_NONE &&
		    !ntm_addr_equal(&rec->dc, &n->cfg.dc))
			d->peer_dc = rec->dc;
	} else {
		d->peer_kind = NTM_PEER_HOST;
		d->peer_addr.family = NTM_AF_INET;
		memcpy(d->peer_addr.addr, h->a, 4);
	}
	h->state = HELD_DIRECTION;
	h->txn = node_random64();
	h->tries = 0;
	h->next_send = node_now_ms();
}

void node_dns_sock_rx(struct node *n)
{
	uint8_t buf[4096];
	ssize_t len;

	while ((len = recv(n->dns, buf, sizeof(buf), 0)) > 0) {
		struct ntm_record rec;
		struct node_held *h;
		uint16_t id;
		int r = node_dns_ntm_answer(buf, (size_t)len, &id, &rec);

		for (h = n->held; h; h = h->next)
			if (h->state == HELD_LOOKUP && h->qid == id)
				break;
		if (!h)
			continue;
		if (r < 0) {
			held_unchanged(n, h, "the NTM record lookup failed");
			continue;
		}
		if (r == 1 && rec.node_id == n->cfg.node_id) {
			held_unchanged(n, h, "that is this node");
			continue;
		}
		node_dbg("DNS %s: %s", h->qname, r ? "an NTM node" : "a general host");
		direction_request(n, h, r ? &rec : NULL);
	}
}

int node_dns_route_direction(struct node *n, uint64_t txn,
			     const struct ntm_route_direction *rd)
{
	struct node_held *h;
	struct node_path *p;
	char why[96];

	for (h = n->held; h; h = h->next)
		if (h->state == HELD_DIRECTION && h->txn == txn)
			break;
	if (!h)
		return 0;
	if (rd->status != NTM_OK) {
		snprintf(why, sizeof(why), "Route Direction %s",
			 ntm_status_name(rd->status));
		held_unchanged(n, h, why);
		return 1;
	}
	p = node_path_direction(n, rd, h->qname);
	if (!p) {
		held_unchanged(n, h, "the Route Direction could not be used");
		return 1;
	}
	h->path_id = p->id;
	if (p->up) {
		held_release(n, h, p);
		return 1;
	}
	h->state = HELD_TUNNEL;
	return 1;
}

int node_dns_error(struct node *n, uint64_t txn, uint8_t status)
{
	struct node_held *h;
	char why[64];

	for (h = n->held; h; h = h->next)
		if (h->state == HELD_DIRECTION && h->txn == txn)
			break;
	if (!h)
		return 0;
	snprintf(why, sizeof(why), "the DC answered Error %s", ntm_status_name(status));
	held_unchanged(n, h, why);
	return 1;
}

void node_dns_path_up(struct node *n, uint32_t id)
{
	struct node_held *h, *next;
	struct node_path *p = node_path_find(n, id);

	for (h = n->held; h; h = next) {
		next = h->next;
		if (h->state != HELD_TUNNEL || h->path_id != id)
			continue;
		if (p && p->up)
			held_release(n, h, p);
		else
			held_unchanged(n, h, "its path was removed");
	}
}

void node_dns_tick(struct node *n, uint64_t now)
{
	struct node_held *h, *next;

	for (h = n->held; h; h = next) {
		next = h->next;
		if (now - h->start >= NODE_HOLD_MS) {
			held_unchanged(n, h, h->state == HELD_LOOKUP ?
				       "no answer to the NTM record lookup in 5 s" :
				       h->state == HELD_DIRECTION ?
				       "no Route Direction from the DC in 5 s" :
				       "no Tunnel Response in 5 s");
			continue;
		}
		if (h->state == HELD_DIRECTION && now >= h->next_send) {
			node_ctl_send(n, NTM_MSG_DIRECTION_REQUEST, n->cfg.node_id,
				      h->txn, n->cfg.key, &h->req, &n->cfg.dc);
			h->next_send = now + (1000u << (h->tries < 3 ? h->tries : 3));
			h->tries++;
		}
	}
}

void node_dns_close(struct node *n)
{
	struct ntm_nft nft;
	int err;

	while (n->held)
		held_unchanged(n, n->held, "the daemon is stopping");
	if (n->nft_installed) {
		err = ntm_nft_open(&nft);
		if (err >= 0)
			err = ntm_nft_node_remove(&nft);
		if (err < 0)
			node_warn("removing nft table inet %s: %s",
				  NTM_NFT_NODE_TABLE, ntm_nft_strerror(&nft, err));
		ntm_nft_close(&nft);
		n->nft_installed = false;
	}
	if (n->nfq) {
		(void)nfq_cfg(n, NFQNL_CFG_CMD_UNBIND, false);
		mnl_socket_close(n->nfq);
		n->nfq = NULL;
	}
	if (n->dns >= 0)
		close(n->dns);
	n->dns = -1;
}
