// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The generic netlink client of nf_ntm. See ntm_nl.h.
 *
 * Requests follow the libmnl examples: a builder fills a buffer, it is sent,
 * and the answer is read with mnl_cb_run2() until an ack, an error or the end
 * of a dump. Every answer is read to its end even after a failure, so that a
 * handle never sees a stale message of an earlier request.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "ntm/ntm.h"
#include "ntm_array.h"
#include "ntm_nl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What a request is, to word its errors. */
#define NTM_NL_OP_FAMILY	0xff

/* ---- attribute parsing ---------------------------------------------------- */

/* A policy: the libmnl type of each known attribute; MNL_TYPE_UNSPEC skips. */
#define NTM_NL_MAX_ERRNO	4095	/* the kernel's MAX_ERRNO */

struct attr_table {
	const struct nlattr **tb;
	const uint8_t *policy;
	uint16_t max;
};

static int parse_attr_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, t->max) < 0)
		return MNL_CB_OK;	/* newer kernel: skip what we don't know */
	if (t->policy[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;	/* padding */
	if (mnl_attr_validate(attr, t->policy[type]) < 0)
		return MNL_CB_ERROR;
	t->tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * Like mnl_attr_parse_payload(), but an attribute that runs past the end, or
 * trailing bytes that are not an attribute, make the message malformed
 * instead of being ignored silently.
 */
static int parse_attrs(const void *start, size_t len, const uint8_t *policy,
		       uint16_t max, const struct nlattr **tb)
{
	struct attr_table t = { .tb = tb, .policy = policy, .max = max };
	const struct nlattr *attr = start;

	memset(tb, 0, sizeof(*tb) * ((size_t)max + 1));
	while (len > 0) {
		size_t step;

		if (len > INT32_MAX || !mnl_attr_ok(attr, (int)len))
			return -EPROTO;
		if (parse_attr_cb(attr, &t) != MNL_CB_OK)
			return -EPROTO;
		step = MNL_ALIGN(attr->nla_len);
		if (step >= len)
			break;		/* the last attribute may lack its padding */
		len -= step;
		attr = (const struct nlattr *)((const uint8_t *)attr + step);
	}
	return 0;
}

static int parse_nested(const struct nlattr *nest, const uint8_t *policy,
			uint16_t max, const struct nlattr **tb)
{
	return parse_attrs(mnl_attr_get_payload(nest),
			   mnl_attr_get_payload_len(nest), policy, max, tb);
}

/* The attributes of a genetlink message of family @family (0: any). */
static int parse_genl(const struct nlmsghdr *nlh, const uint8_t *policy,
		      uint16_t max, const struct nlattr **tb)
{
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
		return -EPROTO;
	return parse_attrs(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
			   nlh->nlmsg_len - MNL_NLMSG_HDRLEN - GENL_HDRLEN,
			   policy, max, tb);
}

static const uint8_t top_policy[NTMA_MAX + 1] = {
	[NTMA_TUNNEL_PORT]	= MNL_TYPE_U16,
	[NTMA_TUNNEL_IFNAME]	= MNL_TYPE_NUL_STRING,
	[NTMA_TUNNEL_MAX_PATHS]	= MNL_TYPE_U32,
	[NTMA_TUNNEL_IFINDEX]	= MNL_TYPE_U32,
	[NTMA_TUNNEL_PATHS]	= MNL_TYPE_U32,
	[NTMA_TUNNEL_STATS]	= MNL_TYPE_NESTED,
	[NTMA_PATH_ID]		= MNL_TYPE_U32,
	[NTMA_PATH_TYPE]	= MNL_TYPE_U8,
	[NTMA_PATH_REFRESH]	= MNL_TYPE_U32,
	[NTMA_PATH_RELAY_KEY]	= MNL_TYPE_BINARY,
	[NTMA_PATH_DATA_KEY]	= MNL_TYPE_BINARY,
	[NTMA_PATH_LEG_A]	= MNL_TYPE_NESTED,
	[NTMA_PATH_LEG_B]	= MNL_TYPE_NESTED,
	[NTMA_PATH_IDLE_MS]	= MNL_TYPE_U64,
};

static const uint8_t leg_policy[NTMA_LEG_MAX + 1] = {
	[NTMA_LEG_ENDPOINT]	= MNL_TYPE_BINARY,
	[NTMA_LEG_VIP]		= MNL_TYPE_BINARY,
	[NTMA_LEG_STATS]	= MNL_TYPE_NESTED,
};

static const uint8_t stats_policy[NTMA_STATS_MAX + 1] = {
	[NTMA_STATS_RX_PACKETS]		= MNL_TYPE_U64,
	[NTMA_STATS_RX_BYTES]		= MNL_TYPE_U64,
	[NTMA_STATS_TX_PACKETS]		= MNL_TYPE_U64,
	[NTMA_STATS_TX_BYTES]		= MNL_TYPE_U64,
	[NTMA_STATS_DROP_AUTH]		= MNL_TYPE_U64,
	[NTMA_STATS_DROP_REPLAY]	= MNL_TYPE_U64,
	[NTMA_STATS_DROP_MALFORMED]	= MNL_TYPE_U64,
	[NTMA_STATS_DROP_NOROUTE]	= MNL_TYPE_U64,
	[NTMA_STATS_DROP_NOPATH]	= MNL_TYPE_U64,
	[NTMA_STATS_RX_CONTROL]		= MNL_TYPE_U64,
};

static int stats_parse(const struct nlattr *nest, struct ntm_stats *s)
{
	const struct nlattr *tb[NTMA_STATS_MAX + 1];
	static const struct {
		uint16_t attr;
		size_t off;
	} map[] = {
		{ NTMA_STATS_RX_PACKETS, offsetof(struct ntm_stats, rx_packets) },
		{ NTMA_STATS_RX_BYTES, offsetof(struct ntm_stats, rx_bytes) },
		{ NTMA_STATS_TX_PACKETS, offsetof(struct ntm_stats, tx_packets) },
		{ NTMA_STATS_TX_BYTES, offsetof(struct ntm_stats, tx_bytes) },
		{ NTMA_STATS_DROP_AUTH, offsetof(struct ntm_stats, drop_auth) },
		{ NTMA_STATS_DROP_REPLAY, offsetof(struct ntm_stats, drop_replay) },
		{ NTMA_STATS_DROP_MALFORMED,
		  offsetof(struct ntm_stats, drop_malformed) },
		{ NTMA_STATS_DROP_NOROUTE, offsetof(struct ntm_stats, drop_noroute) },
		{ NTMA_STATS_DROP_NOPATH, offsetof(struct ntm_stats, drop_nopath) },
		{ NTMA_STATS_RX_CONTROL, offsetof(struct ntm_stats, rx_control) },
	};
	size_t i;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = parse_nested(nest, stats_policy, NTMA_STATS_MAX, tb);
	if (ret < 0)
		return ret;
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		uint64_t v;

		if (!tb[map[i].attr])
			continue;
		v = mnl_attr_get_u64(tb[map[i].attr]);
		memcpy((uint8_t *)s + map[i].off, &v, sizeof(v));
	}
	return 0;
}

static int endpoint_parse(const struct nlattr *attr, struct sockaddr_storage *ss)
{
	uint16_t len = mnl_attr_get_payload_len(attr);
	sa_family_t family;

	if (len < sizeof(family))
		return -EPROTO;
	memcpy(&family, mnl_attr_get_payload(attr), sizeof(family));
	if (!(family == AF_INET && len == sizeof(struct sockaddr_in)) &&
	    !(family == AF_INET6 && len == sizeof(struct sockaddr_in6)))
		return -EPROTO;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, mnl_attr_get_payload(attr), len);
	return 0;
}

static int vip_parse(const struct nlattr *attr, struct ntm_vip *vip)
{
	uint16_t len = mnl_attr_get_payload_len(attr);

	memset(vip, 0, sizeof(*vip));
	if (len == 4)
		vip->family = AF_INET;
	else if (len == 16)
		vip->family = AF_INET6;
	else
		return -EPROTO;
	memcpy(vip->addr, mnl_attr_get_payload(attr), len);
	return 0;
}

static int leg_parse(const struct nlattr *nest, struct ntm_path_leg *leg)
{
	const struct nlattr *tb[NTMA_LEG_MAX + 1];
	int ret;

	memset(leg, 0, sizeof(*leg));
	ret = parse_nested(nest, leg_policy, NTMA_LEG_MAX, tb);
	if (ret < 0)
		return ret;
	if (tb[NTMA_LEG_ENDPOINT]) {
		ret = endpoint_parse(tb[NTMA_LEG_ENDPOINT], &leg->endpoint);
		if (ret < 0)
			return ret;
	}
	if (tb[NTMA_LEG_VIP]) {
		ret = vip_parse(tb[NTMA_LEG_VIP], &leg->vip);
		if (ret < 0)
			return ret;
	}
	if (tb[NTMA_LEG_STATS]) {
		ret = stats_parse(tb[NTMA_LEG_STATS], &leg->stats);
		if (ret < 0)
			return ret;
		leg->has_stats = true;
	}
	return 0;
}

int ntm_nl_path_parse(const struct nlmsghdr *nlh, struct ntm_path *p)
{
	const struct nlattr *tb[NTMA_MAX + 1];
	int ret;

	memset(p, 0, sizeof(*p));
	ret = parse_genl(nlh, top_policy, NTMA_MAX, tb);
	if (ret < 0)
		return ret;
	if (!tb[NTMA_PATH_ID] || !mnl_attr_get_u32(tb[NTMA_PATH_ID]))
		return -EPROTO;
	p->id = mnl_attr_get_u32(tb[NTMA_PATH_ID]);
	if (tb[NTMA_PATH_TYPE]) {
		p->type = mnl_attr_get_u8(tb[NTMA_PATH_TYPE]);
		p->has |= NTM_PATH_HAS_TYPE;
	}
	if (tb[NTMA_PATH_REFRESH]) {
		p->refresh = mnl_attr_get_u32(tb[NTMA_PATH_REFRESH]);
		p->has |= NTM_PATH_HAS_REFRESH;
	}
	if (tb[NTMA_PATH_IDLE_MS]) {
		p->idle_ms = mnl_attr_get_u64(tb[NTMA_PATH_IDLE_MS]);
		p->has |= NTM_PATH_HAS_IDLE;
	}
	if (tb[NTMA_PATH_LEG_A]) {
		ret = leg_parse(tb[NTMA_PATH_LEG_A], &p->leg[NTM_LEG_A]);
		if (ret < 0)
			return ret;
		p->has |= NTM_PATH_HAS_LEG_A;
	}
	if (tb[NTMA_PATH_LEG_B]) {
		ret = leg_parse(tb[NTMA_PATH_LEG_B], &p->leg[NTM_LEG_B]);
		if (ret < 0)
			return ret;
		p->has |= NTM_PATH_HAS_LEG_B;
	}
	return 0;
}

int ntm_nl_tunnel_parse(const struct nlmsghdr *nlh, struct ntm_tunnel_info *info)
{
	const struct nlattr *tb[NTMA_MAX + 1];
	int ret;

	memset(info, 0, sizeof(*info));
	ret = parse_genl(nlh, top_policy, NTMA_MAX, tb);
	if (ret < 0)
		return ret;
	if (tb[NTMA_TUNNEL_PORT]) {
		info->port = mnl_attr_get_u16(tb[NTMA_TUNNEL_PORT]);
		info->has |= NTM_TUNNEL_HAS_PORT;
	}
	if (tb[NTMA_TUNNEL_IFNAME]) {
		const char *name = mnl_attr_get_str(tb[NTMA_TUNNEL_IFNAME]);

		if (strlen(name) >= sizeof(info->ifname))
			return -EPROTO;
		strcpy(info->ifname, name);
		info->has |= NTM_TUNNEL_HAS_IFNAME;
	}
	if (tb[NTMA_TUNNEL_MAX_PATHS]) {
		info->max_paths = mnl_attr_get_u32(tb[NTMA_TUNNEL_MAX_PATHS]);
		info->has |= NTM_TUNNEL_HAS_MAX;
	}
	if (tb[NTMA_TUNNEL_IFINDEX]) {
		info->ifindex = mnl_attr_get_u32(tb[NTMA_TUNNEL_IFINDEX]);
		info->has |= NTM_TUNNEL_HAS_IFINDEX;
	}
	if (tb[NTMA_TUNNEL_PATHS]) {
		info->paths = mnl_attr_get_u32(tb[NTMA_TUNNEL_PATHS]);
		info->has |= NTM_TUNNEL_HAS_PATHS;
	}
	if (tb[NTMA_TUNNEL_STATS]) {
		ret = stats_parse(tb[NTMA_TUNNEL_STATS], &info->stats);
		if (ret < 0)
			return ret;
		info->has |= NTM_TUNNEL_HAS_STATS;
	}
	return 0;
}

int ntm_nl_event_parse(const struct nlmsghdr *nlh, struct ntm_nl_event *ev)
{
	const struct genlmsghdr *genl;

	memset(ev, 0, sizeof(*ev));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + GENL_HDRLEN)
		return -EPROTO;
	genl = mnl_nlmsg_get_payload(nlh);
	if (genl->cmd != NTM_CMD_NOTIFY_ENDPOINT &&
	    genl->cmd != NTM_CMD_NOTIFY_EXPIRED)
		return -EOPNOTSUPP;
	ev->cmd = genl->cmd;
	return ntm_nl_path_parse(nlh, &ev->path);
}

static const uint8_t ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID]		= MNL_TYPE_U16,
	[CTRL_ATTR_FAMILY_NAME]		= MNL_TYPE_NUL_STRING,
	[CTRL_ATTR_MCAST_GROUPS]	= MNL_TYPE_NESTED,
};

static const uint8_t grp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME]	= MNL_TYPE_NUL_STRING,
	[CTRL_ATTR_MCAST_GRP_ID]	= MNL_TYPE_U32,
};

int ntm_nl_family_parse(const struct nlmsghdr *nlh, const char *grp,
			uint16_t *family_id, uint32_t *grp_id)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *pos;
	int ret;

	*grp_id = 0;
	ret = parse_genl(nlh, ctrl_policy, CTRL_ATTR_MAX, tb);
	if (ret < 0)
		return ret;
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	*family_id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS] || !grp)
		return 0;
	/* An array: each element's type is its index, its payload a nest. */
	mnl_attr_for_each_nested(pos, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];

		if (mnl_attr_validate(pos, MNL_TYPE_NESTED) < 0)
			return -EPROTO;
		ret = parse_nested(pos, grp_policy, CTRL_ATTR_MCAST_GRP_MAX, gtb);
		if (ret < 0)
			return ret;
		if (gtb[CTRL_ATTR_MCAST_GRP_NAME] && gtb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]), grp))
			*grp_id = mnl_attr_get_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

/* ---- builders ------------------------------------------------------------- */

struct nlmsghdr *ntm_nl_msg_start(void *buf, size_t buflen, uint16_t family,
				  uint8_t cmd, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	if (buflen < MNL_NLMSG_HDRLEN + MNL_ALIGN(GENL_HDRLEN))
		return NULL;
	/* Attribute padding is sent as is: no stack bytes in it (valgrind,
	 * test/vm/soak.sh). Every request fits in NTM_NL_REQ_SIZE. */
	memset(buf, 0, buflen < NTM_NL_REQ_SIZE ? buflen : NTM_NL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = family == GENL_ID_CTRL ? 1 : NTM_GENL_VERSION;
	return nlh;
}

struct nlmsghdr *ntm_nl_getfamily_build(void *buf, size_t buflen, uint32_t seq,
					const char *name)
{
	struct nlmsghdr *nlh;

	nlh = ntm_nl_msg_start(buf, buflen, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
			       NLM_F_REQUEST | NLM_F_ACK, seq);
	if (!nlh || !mnl_attr_put_strz_check(nlh, buflen, CTRL_ATTR_FAMILY_NAME,
					     name))
		return NULL;
	return nlh;
}

struct nlmsghdr *ntm_nl_simple_build(void *buf, size_t buflen, uint16_t family,
				     uint8_t cmd, uint32_t seq)
{
	return ntm_nl_msg_start(buf, buflen, family, cmd,
				NLM_F_REQUEST | NLM_F_ACK, seq);
}

struct nlmsghdr *ntm_nl_tunnel_set_build(void *buf, size_t buflen,
					 uint16_t family, uint32_t seq,
					 const struct ntm_tunnel_cfg *cfg)
{
	struct nlmsghdr *nlh;

	nlh = ntm_nl_msg_start(buf, buflen, family, NTM_CMD_TUNNEL_SET,
			       NLM_F_REQUEST | NLM_F_ACK, seq);
	if (!nlh ||
	    !mnl_attr_put_u16_check(nlh, buflen, NTMA_TUNNEL_PORT, cfg->port))
		return NULL;
	if (cfg->ifname[0] &&
	    (strnlen(cfg->ifname, sizeof(cfg->ifname)) >= sizeof(cfg->ifname) ||
	     !mnl_attr_put_strz_check(nlh, buflen, NTMA_TUNNEL_IFNAME,
				      cfg->ifname)))
		return NULL;
	if (cfg->max_paths &&
	    !mnl_attr_put_u32_check(nlh, buflen, NTMA_TUNNEL_MAX_PATHS,
				    cfg->max_paths))
		return NULL;
	return nlh;
}

static bool leg_put(struct nlmsghdr *nlh, size_t buflen, uint16_t type,
		    const struct ntm_path_leg *leg)
{
	const struct sockaddr_storage *ss = &leg->endpoint;
	struct nlattr *nest;

	if (ss->ss_family == AF_UNSPEC && leg->vip.family == AF_UNSPEC)
		return true;
	nest = mnl_attr_nest_start_check(nlh, buflen, type);
	if (!nest)
		return false;
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, ss, sizeof(sin));
		memset(sin.sin_zero, 0, sizeof(sin.sin_zero));
		if (!mnl_attr_put_check(nlh, buflen, NTMA_LEG_ENDPOINT,
					sizeof(sin), &sin))
			return false;
	} else if (ss->ss_family == AF_INET6) {
		if (!mnl_attr_put_check(nlh, buflen, NTMA_LEG_ENDPOINT,
					sizeof(struct sockaddr_in6), ss))
			return false;
	} else if (ss->ss_family != AF_UNSPEC) {
		return false;
	}
	if (leg->vip.family == AF_INET) {
		if (!mnl_attr_put_check(nlh, buflen, NTMA_LEG_VIP, 4,
					leg->vip.addr))
			return false;
	} else if (leg->vip.family == AF_INET6) {
		if (!mnl_attr_put_check(nlh, buflen, NTMA_LEG_VIP, 16,
					leg->vip.addr))
			return false;
	} else if (leg->vip.family != AF_UNSPEC) {
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

struct nlmsghdr *ntm_nl_path_build(void *buf, size_t buflen, uint16_t family,
				   uint8_t cmd, uint32_t seq,
				   const struct ntm_path *p)
{
	struct nlmsghdr *nlh;

	/*
	 * No NLM_F_CREATE/EXCL: the family validates nlmsg_flags strictly
	 * (resv_start_op) and NEW is exclusive by definition.
	 */
	if (cmd != NTM_CMD_PATH_NEW && cmd != NTM_CMD_PATH_SET)
		return NULL;
	nlh = ntm_nl_msg_start(buf, buflen, family, cmd,
			       NLM_F_REQUEST | NLM_F_ACK, seq);
	if (!nlh || !mnl_attr_put_u32_check(nlh, buflen, NTMA_PATH_ID, p->id))
		return NULL;
	if ((p->has & NTM_PATH_HAS_TYPE) &&
	    !mnl_attr_put_u8_check(nlh, buflen, NTMA_PATH_TYPE, p->type))
		return NULL;
	if ((p->has & NTM_PATH_HAS_REFRESH) &&
	    !mnl_attr_put_u32_check(nlh, buflen, NTMA_PATH_REFRESH, p->refresh))
		return NULL;
	if ((p->has & NTM_PATH_HAS_RELAY_KEY) &&
	    !mnl_attr_put_check(nlh, buflen, NTMA_PATH_RELAY_KEY,
				sizeof(p->relay_key), p->relay_key))
		return NULL;
	if ((p->has & NTM_PATH_HAS_DATA_KEY) &&
	    !mnl_attr_put_check(nlh, buflen, NTMA_PATH_DATA_KEY,
				sizeof(p->data_key), p->data_key))
		return NULL;
	if (!leg_put(nlh, buflen, NTMA_PATH_LEG_A, &p->leg[NTM_LEG_A]) ||
	    !leg_put(nlh, buflen, NTMA_PATH_LEG_B, &p->leg[NTM_LEG_B]))
		return NULL;
	return nlh;
}

struct nlmsghdr *ntm_nl_path_id_build(void *buf, size_t buflen, uint16_t family,
				      uint8_t cmd, uint32_t seq, uint32_t id)
{
	struct nlmsghdr *nlh;

	if (cmd != NTM_CMD_PATH_DEL && cmd != NTM_CMD_PATH_GET)
		return NULL;
	nlh = ntm_nl_msg_start(buf, buflen, family, cmd,
			       NLM_F_REQUEST | NLM_F_ACK, seq);
	if (!nlh || !mnl_attr_put_u32_check(nlh, buflen, NTMA_PATH_ID, id))
		return NULL;
	return nlh;
}

struct nlmsghdr *ntm_nl_path_dump_build(void *buf, size_t buflen,
					uint16_t family, uint32_t seq)
{
	return ntm_nl_msg_start(buf, buflen, family, NTM_CMD_PATH_GET,
				NLM_F_REQUEST | NLM_F_DUMP, seq);
}

/* ---- errors ---------------------------------------------------------------- */

static const char *const top_names[NTMA_MAX + 1] = {
	[NTMA_TUNNEL_PORT] = "NTMA_TUNNEL_PORT",
	[NTMA_TUNNEL_IFNAME] = "NTMA_TUNNEL_IFNAME",
	[NTMA_TUNNEL_MAX_PATHS] = "NTMA_TUNNEL_MAX_PATHS",
	[NTMA_TUNNEL_IFINDEX] = "NTMA_TUNNEL_IFINDEX",
	[NTMA_TUNNEL_PATHS] = "NTMA_TUNNEL_PATHS",
	[NTMA_TUNNEL_STATS] = "NTMA_TUNNEL_STATS",
	[NTMA_PATH_ID] = "NTMA_PATH_ID",
	[NTMA_PATH_TYPE] = "NTMA_PATH_TYPE",
	[NTMA_PATH_REFRESH] = "NTMA_PATH_REFRESH",
	[NTMA_PATH_RELAY_KEY] = "NTMA_PATH_RELAY_KEY",
	[NTMA_PATH_DATA_KEY] = "NTMA_PATH_DATA_KEY",
	[NTMA_PATH_LEG_A] = "NTMA_PATH_LEG_A",
	[NTMA_PATH_LEG_B] = "NTMA_PATH_LEG_B",
	[NTMA_PATH_IDLE_MS] = "NTMA_PATH_IDLE_MS",
	[NTMA_PAD] = "NTMA_PAD",
};

static const char *const leg_names[NTMA_LEG_MAX + 1] = {
	[NTMA_LEG_ENDPOINT] = "NTMA_LEG_ENDPOINT",
	[NTMA_LEG_VIP] = "NTMA_LEG_VIP",
	[NTMA_LEG_STATS] = "NTMA_LEG_STATS",
};

static void name_attr(char *out, size_t len, bool leg, unsigned int type)
{
	const char *name = NULL;

	if (!leg && type <= NTMA_MAX)
		name = top_names[type];
	else if (leg && type <= NTMA_LEG_MAX)
		name = leg_names[type];
	if (name)
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "%s attribute %u", leg ? "leg" : "", type);
}

/*
 * The attribute at byte @off of the request (NLMSGERR_ATTR_OFFS), or the nest
 * at @off (NLMSGERR_ATTR_MISS_NEST), named into @out.
 */
static bool find_attr(const struct nlmsghdr *req, uint32_t off, char *out,
		      size_t len)
{
	const uint8_t *base = (const uint8_t *)req;
	const struct nlattr *attr;
	size_t start = MNL_NLMSG_HDRLEN + GENL_HDRLEN;

	if (!req || req->nlmsg_len <= start || off >= req->nlmsg_len)
		return false;
	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		size_t a = (const uint8_t *)attr - base;
		uint16_t type = mnl_attr_get_type(attr);
		const struct nlattr *inner;

		if (off == a) {
			name_attr(out, len, false, type);
			return true;
		}
		if (off < a || off >= a + attr->nla_len)
			continue;
		if (type == NTMA_PATH_LEG_A || type == NTMA_PATH_LEG_B) {
			mnl_attr_for_each_nested(inner, attr) {
				if ((size_t)((const uint8_t *)inner - base) == off) {
					char leg[40];

					name_attr(leg, sizeof(leg), true,
						  mnl_attr_get_type(inner));
					snprintf(out, len, "%s/%s",
						 top_names[type], leg);
					return true;
				}
			}
		}
		name_attr(out, len, false, type);
		return true;
	}
	return false;
}

static const uint8_t ext_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG]		= MNL_TYPE_NUL_STRING,
	[NLMSGERR_ATTR_OFFS]		= MNL_TYPE_U32,
	[NLMSGERR_ATTR_MISS_TYPE]	= MNL_TYPE_U32,
	[NLMSGERR_ATTR_MISS_NEST]	= MNL_TYPE_U32,
};

/* The extended ack TLVs at @tlv (@len bytes), saved into the handle. */
static void ext_ack_parse(struct ntm_nl *nl, const void *tlv, size_t len)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (parse_attrs(tlv, len, ext_policy, NLMSGERR_ATTR_MAX, tb) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
			 mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_MISS_TYPE]) {
		char name[40], nest[40];
		uint32_t type = mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
		bool in_leg = false;

		if (tb[NLMSGERR_ATTR_MISS_NEST] &&
		    find_attr(nl->req, mnl_attr_get_u32(tb[NLMSGERR_ATTR_MISS_NEST]),
			      nest, sizeof(nest)))
			in_leg = !strncmp(nest, "NTMA_PATH_LEG_", 14);
		name_attr(name, sizeof(name), in_leg, type);
		snprintf(nl->ext_attr, sizeof(nl->ext_attr), "missing %s", name);
	} else if (tb[NLMSGERR_ATTR_OFFS]) {
		find_attr(nl->req, mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]),
			  nl->ext_attr, sizeof(nl->ext_attr));
	}
}

/* ---- requests ---------------------------------------------------------------- */

struct req_ctx {
	struct ntm_nl *nl;
	uint32_t seq;
	uint16_t type;		/* nlmsg_type of the answers */
	mnl_cb_t cb;		/* each answer, 0 for none */
	void *data;
	int err;		/* first error */
	bool intr;		/* NLM_F_DUMP_INTR seen */
};

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;

	/* Notifications (seq 0) on a subscribed handle are not ours. */
	if (nlh->nlmsg_seq != ctx->seq || nlh->nlmsg_type != ctx->type)
		return MNL_CB_OK;
	if (ctx->err || !ctx->cb)
		return MNL_CB_OK;	/* keep reading to the end */
	return ctx->cb(nlh, ctx);
}

/* A kernel error code as -errno: anything but 1..4095 (either sign) is a
 * malformed answer (-INT_MIN would overflow; found by fuzz/fuzz_nl.c). */
static int nl_errno(int32_t err)
{
	if (err < 0)
		err = err < -NTM_NL_MAX_ERRNO ? 0 : -err;
	return err > 0 && err <= NTM_NL_MAX_ERRNO ? -err : -EPROTO;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	size_t off = sizeof(*e);

	if (nlh->nlmsg_seq != ctx->seq)
		return MNL_CB_OK;
	if (plen < sizeof(*e)) {
		if (!ctx->err)
			ctx->err = -EBADMSG;
		return MNL_CB_STOP;
	}
	if (e->error == 0)
		return MNL_CB_STOP;	/* the ack */
	if (!ctx->err)
		ctx->err = nl_errno(e->error);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len > sizeof(e->msg) ?
		       e->msg.nlmsg_len - sizeof(e->msg) : 0;
	off = MNL_ALIGN(off);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen)
		ext_ack_parse(ctx->nl, (const uint8_t *)e + off, plen - off);
	return MNL_CB_STOP;
}

/* End of a dump: its payload may carry the error that ended it. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	int err;

	if (nlh->nlmsg_seq != ctx->seq)
		return MNL_CB_OK;
	if (plen < sizeof(err))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err < 0 && !ctx->err) {
		ctx->err = nl_errno(err);
		if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
		    plen > MNL_ALIGN(sizeof(err)))
			ext_ack_parse(ctx->nl,
				      (const uint8_t *)mnl_nlmsg_get_payload(nlh) +
				      MNL_ALIGN(sizeof(err)),
				      plen - MNL_ALIGN(sizeof(err)));
	}
	return MNL_CB_STOP;
}

/*
 * libmnl fails a whole buffer on NLM_F_DUMP_INTR; we want to read the dump to
 * its end and report it once. Note and clear the flag first.
 */
static void note_dump_intr(struct req_ctx *ctx, void *buf, size_t len)
{
	struct nlmsghdr *nlh = buf;
	int rest = (int)len;

	while (mnl_nlmsg_ok(nlh, rest)) {
		if (nlh->nlmsg_seq == ctx->seq &&
		    (nlh->nlmsg_flags & NLM_F_DUMP_INTR)) {
			ctx->intr = true;
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
		}
		nlh = mnl_nlmsg_next(nlh, &rest);
	}
}

/*
 * Every message of the @len bytes at @buf lies within them. libmnl's
 * mnl_nlmsg_ok() compares (int)nlmsg_len with what is left, so a length of
 * 2 GiB or more passes as negative and mnl_nlmsg_next() walks off the buffer
 * (found by fuzz/fuzz_nl.c): check with unsigned arithmetic first.
 */
static bool nl_buf_ok(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (len > NTM_NL_RECV_SIZE)
		return false;
	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		size_t step;

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
			return false;
		step = MNL_ALIGN((size_t)nlh->nlmsg_len);
		if (step >= len)
			return true;
		p += step;
		len -= step;
	}
	return len == 0;
}

/*
 * Handle the @n bytes one recv() put in nl->buf: MNL_CB_OK (> 0) to read
 * more, MNL_CB_STOP (0) when the answer is complete, or -errno.
 */
static int nl_process(struct ntm_nl *nl, struct req_ctx *ctx, size_t n)
{
	/* Not static const: mnl_cb_run2() takes a non-const array. */
	mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	int ret;

	if (!nl_buf_ok(nl->buf, n))
		return -EPROTO;
	note_dump_intr(ctx, nl->buf, n);
	ret = mnl_cb_run2(nl->buf, n, ctx->seq, nl->portid, data_cb, ctx,
			  ctl_cbs, ARRAY_SIZE(ctl_cbs));
	if (ret == MNL_CB_ERROR)
		return -errno;
	return ret;
}

static void nl_begin(struct ntm_nl *nl, struct req_ctx *ctx,
		     const struct nlmsghdr *nlh, uint8_t op, mnl_cb_t cb)
{
	ctx->nl = nl;
	ctx->seq = nlh->nlmsg_seq;
	ctx->type = nlh->nlmsg_type;
	ctx->cb = cb;
	nl->req = nlh;
	nl->last_op = op;
	nl->ext_msg[0] = '\0';
	nl->ext_attr[0] = '\0';
}

/* The result of a request whose last nl_process() returned @ret. */
static int nl_end(struct ntm_nl *nl, struct req_ctx *ctx, int ret)
{
	nl->req = NULL;		/* the caller's buffer */
	if (ret == MNL_CB_STOP)
		ret = ctx->err;
	if (!ret && ctx->intr)
		ret = -EINTR;
	return ret;
}

static int nl_talk(struct ntm_nl *nl, struct nlmsghdr *nlh, uint8_t op,
		   mnl_cb_t cb, struct req_ctx *ctx)
{
	int ret;

	nl_begin(nl, ctx, nlh, op, cb);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		return nl_end(nl, ctx, ret);
	}
	ret = MNL_CB_OK;
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		ret = nl_process(nl, ctx, (size_t)n);
	} while (ret > 0);
	return nl_end(nl, ctx, ret);
}

static uint32_t next_seq(struct ntm_nl *nl)
{
	if (++nl->seq == 0)
		nl->seq = 1;
	return nl->seq;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;
	int ret;

	ret = ntm_nl_family_parse(nlh, NTM_GENL_MCGRP, &ctx->nl->family_id,
				  &ctx->nl->mcgrp_events);
	if (ret < 0)
		ctx->err = ret;
	return MNL_CB_OK;
}

int ntm_nl_open(struct ntm_nl *nl)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct req_ctx ctx = { 0 };
	struct nlmsghdr *nlh;
	int on = 1, ret;

	memset(nl, 0, offsetof(struct ntm_nl, buf));
	nl->last_op = NTM_NL_OP_FAMILY;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err;
	}
	/* Best effort: older kernels answer without the extended ack. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &on, sizeof(on));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);

	nlh = ntm_nl_getfamily_build(req, sizeof(req), next_seq(nl),
				     NTM_GENL_NAME);
	if (!nlh) {
		ret = -EMSGSIZE;
		goto err;
	}
	ret = nl_talk(nl, nlh, NTM_NL_OP_FAMILY, family_cb, &ctx);
	if (!ret && !nl->family_id)
		ret = -EPROTO;
	if (ret < 0)
		goto err;
	return 0;
err:
	mnl_socket_close(nl->sock);
	nl->sock = NULL;
	return ret;
}

void ntm_nl_close(struct ntm_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

int ntm_nl_fd(const struct ntm_nl *nl)
{
	return nl->sock ? mnl_socket_get_fd(nl->sock) : -1;
}

const char *ntm_nl_strerror(struct ntm_nl *nl, int err)
{
	uint8_t op = nl->last_op;
	size_t len = sizeof(nl->errbuf);
	const char *what;
	int n;

	if (err == INT_MIN)
		err = EPROTO;
	else if (err < 0)
		err = -err;
	if (err == EPERM || err == EACCES)
		what = "need CAP_NET_ADMIN";
	else if (op == NTM_NL_OP_FAMILY && err == ENOENT)
		what = "nf_ntm module not loaded (modprobe nf_ntm)";
	else if (op == NTM_NL_OP_FAMILY && err == EPROTO)
		what = "malformed answer from the generic netlink controller";
	else if (err == EPROTO)
		what = "malformed answer from nf_ntm";
	else if (err == EINTR && op == NTM_CMD_PATH_GET)
		what = "the relay table changed during the dump; retry";
	else if (err == ENOENT && (op == NTM_CMD_PATH_SET ||
				   op == NTM_CMD_PATH_DEL ||
				   op == NTM_CMD_PATH_GET))
		what = "no such path";
	else if (err == EEXIST && op == NTM_CMD_PATH_NEW)
		what = "path exists";
	else if (err == ENOSPC && op == NTM_CMD_PATH_NEW)
		what = "relay table full (max-paths)";
	else if (err == EADDRINUSE &&
		 (op == NTM_CMD_PATH_NEW || op == NTM_CMD_PATH_SET))
		what = "VIP pair already in use by another path";
	else if (err == ENODEV || (err == ENOENT && (op == NTM_CMD_TUNNEL_GET ||
						     op == NTM_CMD_TUNNEL_DEL)))
		what = "no tunnel in this network namespace";
	else
		what = strerror(err);

	n = snprintf(nl->errbuf, len, "%s", what);
	if (nl->ext_msg[0] && n >= 0 && (size_t)n < len)
		n += snprintf(nl->errbuf + n, len - (size_t)n, ": %s", nl->ext_msg);
	if (nl->ext_attr[0] && n >= 0 && (size_t)n < len)
		snprintf(nl->errbuf + n, len - (size_t)n, " (%s)", nl->ext_attr);
	return nl->errbuf;
}

static int simple_request(struct ntm_nl *nl, uint8_t cmd)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct req_ctx ctx = { 0 };
	struct nlmsghdr *nlh;

	nlh = ntm_nl_simple_build(req, sizeof(req), nl->family_id, cmd,
				  next_seq(nl));
	if (!nlh)
		return -EMSGSIZE;
	return nl_talk(nl, nlh, cmd, NULL, &ctx);
}

int ntm_nl_tunnel_set(struct ntm_nl *nl, const struct ntm_tunnel_cfg *cfg)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct req_ctx ctx = { 0 };
	struct nlmsghdr *nlh;

	nlh = ntm_nl_tunnel_set_build(req, sizeof(req), nl->family_id,
				      next_seq(nl), cfg);
	if (!nlh)
		return -EINVAL;
	return nl_talk(nl, nlh, NTM_CMD_TUNNEL_SET, NULL, &ctx);
}

static int tunnel_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;
	int ret = ntm_nl_tunnel_parse(nlh, ctx->data);

	if (ret < 0)
		ctx->err = ret;
	return MNL_CB_OK;
}

int ntm_nl_tunnel_get(struct ntm_nl *nl, struct ntm_tunnel_info *info)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct req_ctx ctx = { .data = info };
	struct nlmsghdr *nlh;
	int ret;

	memset(info, 0, sizeof(*info));
	nlh = ntm_nl_simple_build(req, sizeof(req), nl->family_id,
				  NTM_CMD_TUNNEL_GET, next_seq(nl));
	if (!nlh)
		return -EMSGSIZE;
	ret = nl_talk(nl, nlh, NTM_CMD_TUNNEL_GET, tunnel_cb, &ctx);
	if (!ret && !info->has)
		ret = -EPROTO;		/* acked without an answer */
	return ret;
}

int ntm_nl_tunnel_del(struct ntm_nl *nl)
{
	return simple_request(nl, NTM_CMD_TUNNEL_DEL);
}

static int path_change(struct ntm_nl *nl, uint8_t cmd, const struct ntm_path *p)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct req_ctx ctx = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = ntm_nl_path_build(req, sizeof(req), nl->family_id, cmd,
				next_seq(nl), p);
	if (!nlh)
		return -EINVAL;
	ret = nl_talk(nl, nlh, cmd, NULL, &ctx);
	/* The request held keys. */
	ntm_wipe(req, sizeof(req));
	return ret;
}

int ntm_nl_path_new(struct ntm_nl *nl, const struct ntm_path *p)
{
	return path_change(nl, NTM_CMD_PATH_NEW, p);
}

int ntm_nl_path_set(struct ntm_nl *nl, const struct ntm_path *p)
{
	return path_change(nl, NTM_CMD_PATH_SET, p);
}

int ntm_nl_path_del(struct ntm_nl *nl, uint32_t id)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct req_ctx ctx = { 0 };
	struct nlmsghdr *nlh;

	nlh = ntm_nl_path_id_build(req, sizeof(req), nl->family_id,
				   NTM_CMD_PATH_DEL, next_seq(nl), id);
	if (!nlh)
		return -EMSGSIZE;
	return nl_talk(nl, nlh, NTM_CMD_PATH_DEL, NULL, &ctx);
}

struct path_get {
	struct ntm_path *out;
	bool found;
};

static int path_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;
	struct path_get *g = ctx->data;
	int ret = ntm_nl_path_parse(nlh, g->out);

	if (ret < 0)
		ctx->err = ret;
	else
		g->found = true;
	return MNL_CB_OK;
}

int ntm_nl_path_get(struct ntm_nl *nl, uint32_t id, struct ntm_path *out)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct path_get g = { .out = out };
	struct req_ctx ctx = { .data = &g };
	struct nlmsghdr *nlh;
	int ret;

	memset(out, 0, sizeof(*out));
	nlh = ntm_nl_path_id_build(req, sizeof(req), nl->family_id,
				   NTM_CMD_PATH_GET, next_seq(nl), id);
	if (!nlh)
		return -EMSGSIZE;
	ret = nl_talk(nl, nlh, NTM_CMD_PATH_GET, path_get_cb, &ctx);
	if (!ret && (!g.found || out->id != id))
		ret = -EPROTO;
	return ret;
}

struct path_dump {
	ntm_nl_path_cb cb;
	void *data;
	int count;
};

static int path_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;
	struct path_dump *d = ctx->data;
	struct ntm_path p;
	int ret;

	ret = ntm_nl_path_parse(nlh, &p);
	if (ret == 0 && d->cb)
		ret = d->cb(&p, d->data);
	if (ret < 0)
		ctx->err = ret;
	else
		d->count++;
	return MNL_CB_OK;
}

int ntm_nl_path_dump(struct ntm_nl *nl, ntm_nl_path_cb cb, void *data)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct path_dump d = { .cb = cb, .data = data };
	struct req_ctx ctx = { .data = &d };
	struct nlmsghdr *nlh;
	int ret;

	nlh = ntm_nl_path_dump_build(req, sizeof(req), nl->family_id,
				     next_seq(nl));
	if (!nlh)
		return -EMSGSIZE;
	ret = nl_talk(nl, nlh, NTM_CMD_PATH_GET, path_dump_cb, &ctx);
	return ret < 0 ? ret : d.count;
}

int ntm_nl_path_flush(struct ntm_nl *nl)
{
	return simple_request(nl, NTM_CMD_PATH_FLUSH);
}

/* ---- batches ---------------------------------------------------------------- */

void ntm_nl_batch_init(struct ntm_nl_batch *b, struct ntm_nl *nl)
{
	int size = 1 << 20;

	b->nl = nl;
	b->n = 0;
	b->len = 0;
	b->seq0 = 0;
	/*
	 * Room for an error per request: every request of a batch that all
	 * fails (a file installed twice) is answered before we read any.
	 */
	if (setsockopt(ntm_nl_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) < 0)
		setsockopt(ntm_nl_fd(nl), SOL_SOCKET, SO_RCVBUF, &size,
			   sizeof(size));
}

int ntm_nl_batch_add(struct ntm_nl_batch *b, uint8_t cmd,
		     const struct ntm_path *p)
{
	uint8_t req[NTM_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	size_t len;
	uint32_t seq;

	if (!b->n) {
		/* Consecutive seqs, none of them 0 (a notification's). */
		if (b->nl->seq > UINT32_MAX - NTM_NL_BATCH_MAX - 1)
			b->nl->seq = 0;
		b->seq0 = b->nl->seq + 1;
	}
	seq = b->seq0 + b->n;
	if (cmd == NTM_CMD_PATH_DEL)
		nlh = ntm_nl_path_id_build(req, sizeof(req), b->nl->family_id,
					   cmd, seq, p->id);
	else
		nlh = ntm_nl_path_build(req, sizeof(req), b->nl->family_id,
					cmd, seq, p);
	if (!nlh)
		return -EINVAL;
	len = MNL_ALIGN(nlh->nlmsg_len);
	if (b->n == NTM_NL_BATCH_MAX || len > sizeof(b->buf) - b->len) {
		ntm_wipe(req, sizeof(req));
		return -ENOSPC;
	}
	memcpy(b->buf + b->len, req, nlh->nlmsg_len);
	ntm_wipe(req, sizeof(req));
	b->off[b->n] = (uint32_t)b->len;
	b->len += len;
	b->nl->seq = seq;
	return (int)b->n++;
}

struct batch_ctx {
	struct ntm_nl_batch *b;
	ntm_nl_batch_cb cb;
	void *data;
	int failed;		/* requests that failed */
	int err;		/* first error of a callback, or -EPROTO */
	bool done;		/* the last request's answer was read */
};

static int batch_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct batch_ctx *ctx = data;
	struct ntm_nl_batch *b = ctx->b;
	struct ntm_nl *nl = b->nl;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	uint32_t idx = nlh->nlmsg_seq - b->seq0;
	size_t off = sizeof(*e);
	int err, ret;

	if (nlh->nlmsg_seq == 0 || idx >= b->n)
		return MNL_CB_OK;	/* not an answer of this batch */
	if (idx == b->n - 1)
		ctx->done = true;
	if (plen < sizeof(*e)) {
		if (!ctx->err)
			ctx->err = -EBADMSG;
		return ctx->done ? MNL_CB_STOP : MNL_CB_OK;
	}
	if (e->error == 0)
		return ctx->done ? MNL_CB_STOP : MNL_CB_OK;
	err = e->error < 0 ? e->error : -e->error;
	ctx->failed++;
	nl->req = (const struct nlmsghdr *)(b->buf + b->off[idx]);
	nl->last_op = ((const struct genlmsghdr *)
		       mnl_nlmsg_get_payload(nl->req))->cmd;
	nl->ext_msg[0] = '\0';
	nl->ext_attr[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len > sizeof(e->msg) ?
		       e->msg.nlmsg_len - sizeof(e->msg) : 0;
	off = MNL_ALIGN(off);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen)
		ext_ack_parse(nl, (const uint8_t *)e + off, plen - off);
	if (ctx->cb) {
		ret = ctx->cb(idx, err, ctx->data);
		if (ret < 0 && !ctx->err)
			ctx->err = ret;
	}
	return ctx->done ? MNL_CB_STOP : MNL_CB_OK;
}

/* Answers in nl->buf (@n bytes): MNL_CB_STOP when the batch is answered. */
static int batch_process(struct batch_ctx *ctx, size_t n)
{
	mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = batch_error_cb,
	};
	struct ntm_nl *nl = ctx->b->nl;
	int ret;

	/* seq 0: answers carry the seq of their own request, checked above. */
	ret = mnl_cb_run2(nl->buf, n, 0, nl->portid, NULL, ctx, ctl_cbs,
			  ARRAY_SIZE(ctl_cbs));
	if (ret == MNL_CB_ERROR)
		return -errno;
	return ctx->done ? MNL_CB_STOP : MNL_CB_OK;
}

int ntm_nl_batch_flush(struct ntm_nl_batch *b, ntm_nl_batch_cb cb, void *data)
{
	struct batch_ctx ctx = { .b = b, .cb = cb, .data = data };
	struct ntm_nl *nl = b->nl;
	bool lost = false;
	unsigned int i;
	int ret = 0;

	if (!b->n)
		return 0;
	/* An ack for the last request only; errors come anyway. */
	for (i = 0; i + 1 < b->n; i++)
		((struct nlmsghdr *)(b->buf + b->off[i]))->nlmsg_flags &=
			(uint16_t)~NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, b->buf, b->len) < 0) {
		ret = -errno;
		goto out;
	}
	/*
	 * The kernel ran every request inside that sendmsg(): each answer is
	 * queued on the socket by now, or was dropped on an overrun, which the
	 * next recv() reports as ENOBUFS. After one, read what is left without
	 * waiting for an answer that may never come.
	 */
	while (!ctx.done) {
		ssize_t n = recv(ntm_nl_fd(nl), nl->buf, sizeof(nl->buf),
				 lost ? MSG_DONTWAIT : 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				lost = true;
				continue;
			}
			if (lost && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			ret = -errno;
			goto out;
		}
		ret = batch_process(&ctx, (size_t)n);
		if (ret < 0)
			goto out;
	}
	if (lost)
		ret = -ENOBUFS;
	else if (ctx.err)
		ret = ctx.err;
	else
		ret = ctx.failed;
out:
	nl->req = NULL;
	ntm_wipe(b->buf, b->len);
	b->n = 0;
	b->len = 0;
	return ret;
}

/* ---- notifications ---------------------------------------------------------- */

int ntm_nl_subscribe(struct ntm_nl *nl)
{
	int grp = (int)nl->mcgrp_events;
	int size = 4 << 20;

	if (!nl->mcgrp_events)
		return -EOPNOTSUPP;
	/* Bursts of expiries: a large buffer, forced when we may. */
	if (setsockopt(ntm_nl_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size,
		       sizeof(size)) < 0)
		setsockopt(ntm_nl_fd(nl), SOL_SOCKET, SO_RCVBUF, &size,
			   sizeof(size));
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	return 0;
}

struct event_ctx {
	struct ntm_nl *nl;
	ntm_nl_event_cb cb;
	void *data;
	int count;
	int err;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct event_ctx *e = data;
	struct ntm_nl_event ev;
	int ret;

	if (nlh->nlmsg_type != e->nl->family_id)
		return MNL_CB_OK;
	ret = ntm_nl_event_parse(nlh, &ev);
	if (ret == -EOPNOTSUPP)
		return MNL_CB_OK;	/* an event newer than us */
	if (ret == 0)
		ret = e->cb(&ev, e->data);
	if (ret < 0) {
		e->err = ret;
		return MNL_CB_STOP;
	}
	e->count++;
	return MNL_CB_OK;
}

int ntm_nl_event_recv(struct ntm_nl *nl, ntm_nl_event_cb cb, void *data)
{
	struct event_ctx e = { .nl = nl, .cb = cb, .data = data };
	ssize_t n;
	int ret;

	nl->ext_msg[0] = '\0';
	nl->ext_attr[0] = '\0';
	nl->last_op = 0;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (!nl_buf_ok(nl->buf, (size_t)n))
		return -EPROTO;
	ret = mnl_cb_run(nl->buf, (size_t)n, 0, 0, event_cb, &e);
	if (ret == MNL_CB_ERROR)
		return e.err ? e.err : -errno;
	return e.err ? e.err : e.count;
}

/* ---- helpers ---------------------------------------------------------------- */

const char *ntm_path_type_name(uint8_t type)
{
	switch (type) {
	case NTM_PATH_RS_S:
		return "RS-S";
	case NTM_PATH_RS_N:
		return "RS-N";
	case NTM_PATH_RS_T:
		return "RS-T";
	default:
		return "unknown";
	}
}

char *ntm_nl_fmt_endpoint(const struct sockaddr_storage *ss, char *buf,
			  size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, ss, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(sin.sin_port));
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, ss, sizeof(sin6));
		inet_ntop(AF_INET6, &sin6.sin6_addr, addr, sizeof(addr));
		snprintf(buf, len, "[%s]:%u", addr, ntohs(sin6.sin6_port));
	} else {
		snprintf(buf, len, "unset");
	}
	return buf;
}

char *ntm_nl_fmt_vip(const struct ntm_vip *vip, char *buf, size_t len)
{
	if ((vip->family != AF_INET && vip->family != AF_INET6) ||
	    !inet_ntop(vip->family, vip->addr, buf, (socklen_t)len))
		snprintf(buf, len, "unset");
	return buf;
}

void ntm_stats_add(struct ntm_stats *a, const struct ntm_stats *b)
{
	a->rx_packets += b->rx_packets;
	a->rx_bytes += b->rx_bytes;
	a->tx_packets += b->tx_packets;
	a->tx_bytes += b->tx_bytes;
	a->drop_auth += b->drop_auth;
	a->drop_replay += b->drop_replay;
	a->drop_malformed += b->drop_malformed;
	a->drop_noroute += b->drop_noroute;
	a->drop_nopath += b->drop_nopath;
	a->rx_control += b->rx_control;
}

int ntm_path_list_add(const struct ntm_path *path, void *list)
{
	struct ntm_path_list *l = list;

	if (l->n == l->cap) {
		struct ntm_path *v = ntm_array_grow(l->v, &l->cap,
						    sizeof(*v), 256);

		if (!v)
			return -ENOMEM;
		l->v = v;
	}
	l->v[l->n++] = *path;
	return 0;
}

static int ntm_path_by_id(const void *a, const void *b)
{
	const struct ntm_path *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

void ntm_path_list_sort(struct ntm_path_list *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), ntm_path_by_id);
}

void ntm_path_list_free(struct ntm_path_list *l)
{
	if (l->v)
		ntm_wipe(l->v, l->cap * sizeof(*l->v));
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
