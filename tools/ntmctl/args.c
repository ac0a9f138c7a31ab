// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntmctl's command line, parsed into a struct ntmctl_cmd. Nothing here talks
 * to the kernel, so test/unit/test_ntmctl_args.c covers all of it.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "ntm_cli.h"
#include "ntmctl.h"

static const char usage_all[] =
"Usage: ntmctl [OPTIONS] OBJECT COMMAND [ARGUMENTS]\n"
"\n"
"Look at and program the relay table of nf_ntm, the in-kernel datapath of an\n"
"NTMobile Relay Server, and look at what the RS keeps of its paths in\n"
"nftables and conntrack, in one network namespace. Needs CAP_NET_ADMIN.\n"
"\n"
"Options (before OBJECT):\n"
"  -j, --json           JSON output: an array of objects (monitor: one object\n"
"                       per line)\n"
"  -n, --netns NAME     act in the network namespace NAME (/run/netns/NAME)\n"
"  -b, --batch FILE     run the commands of FILE (- for standard input), one\n"
"                       per line without the leading \"ntmctl\"; blank lines\n"
"                       and lines starting with # are skipped. Stops at the\n"
"                       first command that fails and names its line.\n"
"  -h, --help           this help\n"
"\n"
"Commands:\n"
"  tunnel set port PORT [dev NAME] [max-paths N]\n"
"  tunnel show\n"
"  tunnel del\n"
"  path add ID type s|n|t KEYS [refresh SEC] [LEGS]\n"
"  path set ID [refresh SEC] [KEYS] [LEGS]\n"
"  path del ID\n"
"  path show ID\n"
"  path list\n"
"  path flush\n"
"  stats                tunnel counters and the sum over all paths\n"
"  monitor              print notifications (endpoint learned, path expired)\n"
"                       until interrupted\n"
"  flows ID             the relayed flows of a path (conntrack entries whose\n"
"                       ct mark is the PathID)\n"
"  nft ensure           create or repair the nftables table inet ntmobile\n"
"  nft show             the paths in table inet ntmobile, with their counters\n"
"  nft remove           delete table inet ntmobile\n"
"  help [tunnel|path|stats|monitor|flows|nft]\n"
"\n"
"'ntmctl tunnel help' and 'ntmctl path help' explain the arguments.\n"
"flows and nft work without nf_ntm (for a user-space datapath, say).\n"
"\n"
"Exit status: 0 done, 1 the command failed, 2 bad command line.\n";

static const char usage_tunnel[] =
"Usage: ntmctl tunnel set port PORT [dev NAME] [max-paths N]\n"
"       ntmctl tunnel show\n"
"       ntmctl tunnel del\n"
"\n"
"The tunnel is the namespace's UDP tunnel socket, where Data and Keepalive\n"
"messages arrive, and its netdevice, which carries the inner traffic of RS-N\n"
"and RS-T paths.\n"
"\n"
"  set          open the socket on UDP port PORT (1..65535; 7701 by\n"
"               convention), or move it; create the netdevice NAME (default\n"
"               ntm0); hold at most N paths (default 1048576)\n"
"  show         port, device, number of paths, and the counters of packets\n"
"               that matched no path\n"
"  del          flush the relay table, close the socket, remove the device\n";

static const char usage_path[] =
"Usage: ntmctl path add ID type TYPE KEYS [refresh SEC] [LEGS]\n"
"       ntmctl path set ID [refresh SEC] [KEYS] [LEGS]\n"
"       ntmctl path del ID\n"
"       ntmctl path show ID\n"
"       ntmctl path list\n"
"       ntmctl path flush\n"
"\n"
"A path is one PathID of the relay table. It has two legs: leg A toward the\n"
"node that asked for the path, leg B toward the other node (RS-S) or the\n"
"host side (RS-N, RS-T).\n"
"\n"
"  ID                    PathID, 1..4294967295\n"
"  type TYPE             s: RS-S, relays the tunnel unchanged (never holds\n"
"                           the data key)\n"
"                        n: RS-N, decrypts; the kernel's NAT translates\n"
"                        t: RS-T, decrypts; nothing is translated\n"
"  refresh SEC           seconds of idleness before the path expires;\n"
"                        0 = never (default 300)\n"
"  KEYS is either\n"
"    relay-key HEX32     the relay key, 32 hex digits\n"
"    [data-key HEX64]    the data key, 64 hex digits\n"
"  or\n"
"    path-key HEX64      the path key: the relay key and (RS-N, RS-T) the data\n"
"                        key are derived from it as the nodes derive them\n"
"  RS-N and RS-T need the data key; RS-S refuses it. add needs KEYS.\n"
"  LEGS, each optional:\n"
"    a-endpoint ADDR:PORT  leg A's tunnel endpoint; unset, the RS learns it\n"
"                          from the first authenticated packet\n"
"    a-vip ADDR            leg A's VIP (required for RS-N and RS-T; for RS-T,\n"
"                          the RS address the node uses as its VIP)\n"
"    b-endpoint ADDR:PORT  leg B's tunnel endpoint (RS-S only)\n"
"    b-vip ADDR            leg B's VIP (required for RS-N and RS-T; RS-N: the\n"
"                          VIP leg A uses for the host, RS-T: the host's\n"
"                          real address)\n"
"  ADDR is 192.0.2.1 or 2001:db8::1; ADDR:PORT is 192.0.2.1:7701 or\n"
"  [2001:db8::1]:7701.\n"
"\n"
"  set changes only what it is given; the type of a path is fixed.\n"
"  show prints a path with its counters, list every path on one line each.\n"
"  flush removes every path.\n"
"\n"
"Example:\n"
"  ntmctl path add 42 type s path-key $(openssl rand -hex 32) \\\n"
"         a-vip 10.1.0.1 b-vip 10.1.0.2 refresh 60\n";

static const char usage_stats[] =
"Usage: ntmctl stats\n"
"\n"
"The tunnel's counters of packets that matched no path (unknown PathID,\n"
"malformed, control messages on the tunnel port), and the counters of every\n"
"path added up: received, sent, and dropped (bad tag, replay, malformed,\n"
"no route).\n";

static const char usage_monitor[] =
"Usage: ntmctl monitor\n"
"\n"
"Print the relay table's notifications, one line each, until interrupted:\n"
"  endpoint   a leg's tunnel endpoint was learned or changed (roaming)\n"
"  expired    a path was idle past its refresh time and was removed\n"
"With -j, each notification is one JSON object on its own line.\n";

static const char usage_flows[] =
"Usage: ntmctl flows ID\n"
"\n"
"The relayed flows of path ID (RS-N and RS-T): the conntrack entries whose\n"
"ct mark is the PathID, one line each. A flow is shown as leg A sent it\n"
"(VIPs) and as the host side answers it (RS-N: real addresses, translated\n"
"by the ntmobile table), with its protocol state, the seconds before\n"
"conntrack forgets it, and, when net.netfilter.nf_conntrack_acct=1, the\n"
"packets and bytes in each direction. RS-S paths have no such flows: the RS\n"
"never decrypts them.\n"
"\n"
"  conntrack -L -m ID     the same entries in conntrack's words\n";

static const char usage_nft[] =
"Usage: ntmctl nft ensure\n"
"       ntmctl nft show\n"
"       ntmctl nft remove\n"
"\n"
"table inet ntmobile is the RS's one nftables table (nft/ntmobile.nft): the\n"
"NAT of RS-N paths, the identity binding of RS-T paths, and a counter per\n"
"path. The RS daemon keeps it in step with the relay table and never\n"
"touches another table.\n"
"\n"
"  ensure       create the table if it is absent; if present, add what is\n"
"               missing and rewrite a chain that differs, keeping every\n"
"               element. Prints what it changed.\n"
"  show         every path that has state in the table: its type, leg A's\n"
"               VIP, leg B's VIP, the host's address (RS-N), and the packets\n"
"               and bytes of its flows (default command)\n"
"  remove       delete the table and everything in it\n"
"\n"
"  nft list table inet ntmobile   the whole table in nft's words\n";

void ntmctl_usage(FILE *f, enum ntmctl_topic topic)
{
	switch (topic) {
	case NTMCTL_TOPIC_TUNNEL:
		fputs(usage_tunnel, f);
		break;
	case NTMCTL_TOPIC_PATH:
		fputs(usage_path, f);
		break;
	case NTMCTL_TOPIC_STATS:
		fputs(usage_stats, f);
		break;
	case NTMCTL_TOPIC_MONITOR:
		fputs(usage_monitor, f);
		break;
	case NTMCTL_TOPIC_FLOWS:
		fputs(usage_flows, f);
		break;
	case NTMCTL_TOPIC_NFT:
		fputs(usage_nft, f);
		break;
	default:
		fputs(usage_all, f);
	}
}

__attribute__((format(printf, 2, 3)))
static int usage_error(struct ntmctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd->err, sizeof(cmd->err), fmt, ap);
	va_end(ap);
	return NTMCTL_USAGE;
}

static bool is(const char *arg, const char *word)
{
	return !strcmp(arg, word);
}

static bool is_help(const char *arg)
{
	return is(arg, "help") || is(arg, "-h") || is(arg, "--help");
}

static int parse_path_id(struct ntmctl_cmd *cmd, const char *what,
			 const char *arg)
{
	if (!arg)
		return usage_error(cmd, "%s: missing PathID (1..4294967295)", what);
	if (ntm_cli_parse_u32(arg, 1, UINT32_MAX, &cmd->path.id) < 0)
		return usage_error(cmd, "%s: PathID: expected 1..4294967295, got \"%s\"",
			           what, arg);
	return 0;
}

static int parse_type(struct ntmctl_cmd *cmd, const char *arg)
{
	static const struct {
		const char *name;
		uint8_t type;
	} names[] = {
		{ "s", NTM_PATH_RS_S }, { "rs-s", NTM_PATH_RS_S },
		{ "RS-S", NTM_PATH_RS_S },
		{ "n", NTM_PATH_RS_N }, { "rs-n", NTM_PATH_RS_N },
		{ "RS-N", NTM_PATH_RS_N },
		{ "t", NTM_PATH_RS_T }, { "rs-t", NTM_PATH_RS_T },
		{ "RS-T", NTM_PATH_RS_T },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (is(arg, names[i].name)) {
			cmd->path.type = names[i].type;
			cmd->path.has |= NTM_PATH_HAS_TYPE;
			return 0;
		}
	}
	return usage_error(cmd, "path add: type: expected s, n or t (RS-S, RS-N, RS-T), got \"%s\"",
		           arg);
}

static int parse_vip(struct ntmctl_cmd *cmd, const char *what, const char *kw,
		     const char *arg, struct ntm_vip *vip)
{
	if (ntm_cli_parse_ip(arg, &vip->family, vip->addr) < 0)
		return usage_error(cmd, "%s: %s: expected an IPv4 or IPv6 address, got \"%s\"",
			           what, kw, arg);
	return 0;
}

static int parse_endpoint(struct ntmctl_cmd *cmd, const char *what,
			  const char *kw, const char *arg,
			  struct sockaddr_storage *ss)
{
	if (ntm_cli_parse_endpoint(arg, ss) < 0)
		return usage_error(cmd, "%s: %s: expected ADDR:PORT (192.0.2.1:7701 or [2001:db8::1]:7701, port 1..65535), got \"%s\"",
			           what, kw, arg);
	return 0;
}

int ntmctl_derive_keys(struct ntmctl_cmd *cmd, uint8_t type)
{
	struct ntm_path_keys keys;
	int ret;

	ret = ntm_path_keys_derive(cmd->path_key, &keys);
	if (ret != NTM_OK)
		return usage_error(cmd, "path-key: %s", ntm_strstatus(ret));
	memcpy(cmd->path.relay_key, keys.relay, sizeof(cmd->path.relay_key));
	cmd->path.has |= NTM_PATH_HAS_RELAY_KEY;
	if (type != NTM_PATH_RS_S) {
		memcpy(cmd->path.data_key, keys.data, sizeof(cmd->path.data_key));
		cmd->path.has |= NTM_PATH_HAS_DATA_KEY;
	}
	ntm_path_keys_wipe(&keys);
	ntm_wipe(cmd->path_key, sizeof(cmd->path_key));
	cmd->has_path_key = false;
	return 0;
}

void ntmctl_cmd_wipe(struct ntmctl_cmd *cmd)
{
	ntm_wipe(cmd->path_key, sizeof(cmd->path_key));
	ntm_wipe(cmd->path.relay_key, sizeof(cmd->path.relay_key));
	ntm_wipe(cmd->path.data_key, sizeof(cmd->path.data_key));
}

/* Keywords of path add / path set; bit per keyword to refuse repeats. */
enum {
	KW_TYPE = 1 << 0,
	KW_REFRESH = 1 << 1,
	KW_RELAY_KEY = 1 << 2,
	KW_DATA_KEY = 1 << 3,
	KW_PATH_KEY = 1 << 4,
	KW_A_ENDPOINT = 1 << 5,
	KW_A_VIP = 1 << 6,
	KW_B_ENDPOINT = 1 << 7,
	KW_B_VIP = 1 << 8,
};

static const struct {
	const char *word;
	unsigned int bit;
	const char *expects;
} path_kws[] = {
	{ "type", KW_TYPE, "s, n or t" },
	{ "refresh", KW_REFRESH, "seconds, 0..4294967295" },
	{ "relay-key", KW_RELAY_KEY, "32 hex digits" },
	{ "data-key", KW_DATA_KEY, "64 hex digits" },
	{ "path-key", KW_PATH_KEY, "64 hex digits" },
	{ "a-endpoint", KW_A_ENDPOINT, "ADDR:PORT" },
	{ "a-vip", KW_A_VIP, "an address" },
	{ "b-endpoint", KW_B_ENDPOINT, "ADDR:PORT" },
	{ "b-vip", KW_B_VIP, "an address" },
};

static int parse_path_kw(struct ntmctl_cmd *cmd, const char *what,
			 unsigned int bit, const char *kw, const char *arg)
{
	struct ntm_path *p = &cmd->path;

	switch (bit) {
	case KW_TYPE:
		return parse_type(cmd, arg);
	case KW_REFRESH:
		if (ntm_cli_parse_u32(arg, 0, UINT32_MAX, &p->refresh) < 0)
			return usage_error(cmd, "%s: refresh: expected seconds (0..4294967295, 0 = never expires), got \"%s\"",
				           what, arg);
		p->has |= NTM_PATH_HAS_REFRESH;
		return 0;
	case KW_RELAY_KEY:
		if (ntm_cli_parse_hex(arg, p->relay_key, sizeof(p->relay_key)) < 0)
			return usage_error(cmd, "%s: relay-key: expected 32 hex digits (16 bytes), got %zu characters",
				           what, strlen(arg));
		p->has |= NTM_PATH_HAS_RELAY_KEY;
		return 0;
	case KW_DATA_KEY:
		if (ntm_cli_parse_hex(arg, p->data_key, sizeof(p->data_key)) < 0)
			return usage_error(cmd, "%s: data-key: expected 64 hex digits (32 bytes), got %zu characters",
				           what, strlen(arg));
		p->has |= NTM_PATH_HAS_DATA_KEY;
		return 0;
	case KW_PATH_KEY:
		if (ntm_cli_parse_hex(arg, cmd->path_key, sizeof(cmd->path_key)) < 0)
			return usage_error(cmd, "%s: path-key: expected 64 hex digits (32 bytes), got %zu characters",
				           what, strlen(arg));
		cmd->has_path_key = true;
		return 0;
	case KW_A_ENDPOINT:
		return parse_endpoint(cmd, what, kw, arg,
				      &p->leg[NTM_LEG_A].endpoint);
	case KW_A_VIP:
		return parse_vip(cmd, what, kw, arg, &p->leg[NTM_LEG_A].vip);
	case KW_B_ENDPOINT:
		return parse_endpoint(cmd, what, kw, arg,
				      &p->leg[NTM_LEG_B].endpoint);
	case KW_B_VIP:
		return parse_vip(cmd, what, kw, arg, &p->leg[NTM_LEG_B].vip);
	}
	return usage_error(cmd, "%s: internal error", what);
}

/* After the PathID: "keyword value" pairs. */
static int parse_path_change(struct ntmctl_cmd *cmd, bool add, int argc,
			     char **argv)
{
	const char *what = add ? "path add" : "path set";
	struct ntm_path *p = &cmd->path;
	unsigned int seen = 0;
	int i, ret;

	for (i = 0; i < argc; i += 2) {
		const char *kw = argv[i];
		size_t k, nkw = sizeof(path_kws) / sizeof(path_kws[0]);

		for (k = 0; k < nkw; k++)
			if (is(kw, path_kws[k].word))
				break;
		if (k == nkw)
			return usage_error(cmd, "%s: unknown argument \"%s\"", what, kw);
		if (!add && path_kws[k].bit == KW_TYPE)
			return usage_error(cmd, "path set: the type of a path is fixed; delete and add it again");
		if (seen & path_kws[k].bit)
			return usage_error(cmd, "%s: %s given twice", what, kw);
		if (i + 1 >= argc)
			return usage_error(cmd, "%s: %s needs a value (%s)", what, kw,
				           path_kws[k].expects);
		seen |= path_kws[k].bit;
		ret = parse_path_kw(cmd, what, path_kws[k].bit, kw, argv[i + 1]);
		if (ret)
			return ret;
	}

	if ((seen & KW_PATH_KEY) && (seen & (KW_RELAY_KEY | KW_DATA_KEY)))
		return usage_error(cmd, "%s: path-key replaces relay-key and data-key: give one or the others",
			           what);
	if ((seen & KW_DATA_KEY) && !(seen & KW_RELAY_KEY) && add)
		return usage_error(cmd, "%s: data-key needs relay-key", what);

	if (!add) {
		if (!seen)
			return usage_error(cmd, "path set: nothing to change (refresh, keys or legs)");
		return 0;
	}

	if (!(seen & KW_TYPE))
		return usage_error(cmd, "path add: missing type (s, n or t)");
	if (!(seen & (KW_RELAY_KEY | KW_PATH_KEY)))
		return usage_error(cmd, "path add: missing keys: relay-key HEX32 [data-key HEX64], or path-key HEX64");
	if (p->type == NTM_PATH_RS_S) {
		if (seen & KW_DATA_KEY)
			return usage_error(cmd, "path add: an RS-S path never holds the data key: leave data-key out");
	} else {
		const char *t = ntm_path_type_name(p->type);

		if (!(seen & (KW_DATA_KEY | KW_PATH_KEY)))
			return usage_error(cmd, "path add: an %s path needs data-key HEX64 (or path-key)", t);
		if (!(seen & KW_A_VIP) || !(seen & KW_B_VIP))
			return usage_error(cmd, "path add: an %s path needs a-vip and b-vip", t);
		if (seen & KW_B_ENDPOINT)
			return usage_error(cmd, "path add: leg B of an %s path is the host side: it has no b-endpoint", t);
		if (p->leg[NTM_LEG_A].vip.family != p->leg[NTM_LEG_B].vip.family)
			return usage_error(cmd, "path add: a-vip and b-vip must be of the same family (both IPv4 or both IPv6)");
	}
	if (cmd->has_path_key)
		return ntmctl_derive_keys(cmd, p->type);
	return 0;
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IFNAMSIZ || is(s, ".") || is(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int parse_tunnel(struct ntmctl_cmd *cmd, int argc, char **argv)
{
	struct ntm_tunnel_cfg *t = &cmd->tunnel;
	bool port = false, dev = false, max = false;
	int i;

	cmd->topic = NTMCTL_TOPIC_TUNNEL;
	if (argc == 0 || is(argv[0], "show") || is(argv[0], "list")) {
		cmd->action = NTMCTL_TUNNEL_SHOW;
		if (argc > 1)
			return usage_error(cmd, "tunnel show: unexpected argument \"%s\"", argv[1]);
		return 0;
	}
	if (is_help(argv[0])) {
		cmd->action = NTMCTL_HELP;
		return 0;
	}
	if (is(argv[0], "del") || is(argv[0], "delete")) {
		cmd->action = NTMCTL_TUNNEL_DEL;
		if (argc > 1)
			return usage_error(cmd, "tunnel del: unexpected argument \"%s\"", argv[1]);
		return 0;
	}
	if (!is(argv[0], "set"))
		return usage_error(cmd, "tunnel: unknown command \"%s\" (set, show, del)", argv[0]);

	cmd->action = NTMCTL_TUNNEL_SET;
	for (i = 1; i < argc; i += 2) {
		const char *kw = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
		uint32_t v;

		if (is(kw, "port")) {
			if (port)
				return usage_error(cmd, "tunnel set: port given twice");
			if (!arg || ntm_cli_parse_u32(arg, 1, 65535, &v) < 0)
				return usage_error(cmd, "tunnel set: port: expected a UDP port, 1..65535, got %s%s%s",
					           arg ? "\"" : "", arg ? arg : "nothing", arg ? "\"" : "");
			t->port = (uint16_t)v;
			port = true;
		} else if (is(kw, "dev")) {
			if (dev)
				return usage_error(cmd, "tunnel set: dev given twice");
			if (!arg || !valid_ifname(arg))
				return usage_error(cmd, "tunnel set: dev: expected an interface name (1..15 characters, no '/', ':' or spaces), got %s%s%s",
					           arg ? "\"" : "", arg ? arg : "nothing", arg ? "\"" : "");
			strcpy(t->ifname, arg);
			dev = true;
		} else if (is(kw, "max-paths")) {
			if (max)
				return usage_error(cmd, "tunnel set: max-paths given twice");
			if (!arg || ntm_cli_parse_u32(arg, 1, UINT32_MAX, &v) < 0)
				return usage_error(cmd, "tunnel set: max-paths: expected a number of paths, 1..4294967295, got %s%s%s",
					           arg ? "\"" : "", arg ? arg : "nothing", arg ? "\"" : "");
			t->max_paths = v;
			max = true;
		} else {
			return usage_error(cmd, "tunnel set: unknown argument \"%s\" (port, dev, max-paths)", kw);
		}
	}
	if (!port)
		return usage_error(cmd, "tunnel set: missing port PORT");
	return 0;
}

static int parse_path(struct ntmctl_cmd *cmd, int argc, char **argv)
{
	const char *c = argc ? argv[0] : "list";
	int ret;

	cmd->topic = NTMCTL_TOPIC_PATH;
	if (is_help(c)) {
		cmd->action = NTMCTL_HELP;
		return 0;
	}
	if (is(c, "list") || is(c, "ls") || ((is(c, "show") && argc == 1))) {
		cmd->action = NTMCTL_PATH_LIST;
		if (argc > 1)
			return usage_error(cmd, "path list: unexpected argument \"%s\"", argv[1]);
		return 0;
	}
	if (is(c, "flush")) {
		cmd->action = NTMCTL_PATH_FLUSH;
		if (argc > 1)
			return usage_error(cmd, "path flush: unexpected argument \"%s\"", argv[1]);
		return 0;
	}
	if (is(c, "add") || is(c, "set") || is(c, "change")) {
		bool add = is(c, "add");
		const char *what = add ? "path add" : "path set";

		cmd->action = add ? NTMCTL_PATH_ADD : NTMCTL_PATH_SET;
		ret = parse_path_id(cmd, what, argc > 1 ? argv[1] : NULL);
		if (ret)
			return ret;
		return parse_path_change(cmd, add, argc - 2, argv + 2);
	}
	if (is(c, "del") || is(c, "delete") || is(c, "show") || is(c, "get")) {
		bool del = c[0] == 'd';
		const char *what = del ? "path del" : "path show";

		cmd->action = del ? NTMCTL_PATH_DEL : NTMCTL_PATH_SHOW;
		ret = parse_path_id(cmd, what, argc > 1 ? argv[1] : NULL);
		if (ret)
			return ret;
		if (argc > 2)
			return usage_error(cmd, "%s: unexpected argument \"%s\"", what, argv[2]);
		return 0;
	}
	return usage_error(cmd, "path: unknown command \"%s\" (add, set, del, show, list, flush)", c);
}

static int parse_flows(struct ntmctl_cmd *cmd, int argc, char **argv)
{
	int ret;

	cmd->topic = NTMCTL_TOPIC_FLOWS;
	if (argc >= 1 && is_help(argv[0])) {
		cmd->action = NTMCTL_HELP;
		return 0;
	}
	cmd->action = NTMCTL_FLOWS;
	ret = parse_path_id(cmd, "flows", argc ? argv[0] : NULL);
	if (ret)
		return ret;
	if (argc > 1)
		return usage_error(cmd, "flows: unexpected argument \"%s\"", argv[1]);
	return 0;
}

static int parse_nft(struct ntmctl_cmd *cmd, int argc, char **argv)
{
	const char *c = argc ? argv[0] : "show";

	cmd->topic = NTMCTL_TOPIC_NFT;
	if (is_help(c)) {
		cmd->action = NTMCTL_HELP;
		return 0;
	}
	if (is(c, "show") || is(c, "list") || is(c, "ls"))
		cmd->action = NTMCTL_NFT_SHOW;
	else if (is(c, "ensure"))
		cmd->action = NTMCTL_NFT_ENSURE;
	else if (is(c, "remove") || is(c, "del") || is(c, "delete"))
		cmd->action = NTMCTL_NFT_REMOVE;
	else
		return usage_error(cmd, "nft: unknown command \"%s\" (ensure, show, remove)", c);
	if (argc > 1)
		return usage_error(cmd, "nft %s: unexpected argument \"%s\"", c, argv[1]);
	return 0;
}

static int parse_single(struct ntmctl_cmd *cmd, enum ntmctl_action action,
			enum ntmctl_topic topic, const char *name, int argc,
			char **argv)
{
	cmd->topic = topic;
	cmd->action = action;
	if (argc >= 1 && is_help(argv[0])) {
		cmd->action = NTMCTL_HELP;
		return 0;
	}
	if (argc >= 1)
		return usage_error(cmd, "%s: unexpected argument \"%s\"", name, argv[0]);
	return 0;
}

int ntmctl_parse(int argc, char **argv, struct ntmctl_cmd *cmd)
{
	const char *obj;
	int i = 1;

	memset(cmd, 0, sizeof(*cmd));
	cmd->topic = NTMCTL_TOPIC_ALL;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (is(o, "-j") || is(o, "--json") || is(o, "-json")) {
			cmd->json = true;
		} else if (is(o, "-n") || is(o, "--netns") || is(o, "-netns")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return usage_error(cmd, "%s needs a network namespace name", o);
			cmd->netns = argv[++i];
			if (strchr(cmd->netns, '/') || is(cmd->netns, ".") ||
			    is(cmd->netns, ".."))
				return usage_error(cmd, "%s: bad network namespace name \"%s\"",
					           o, cmd->netns);
		} else if (is(o, "-b") || is(o, "--batch") || is(o, "-batch")) {
			if (i + 1 >= argc || !argv[i + 1][0])
				return usage_error(cmd, "%s needs a file name (or -)", o);
			cmd->batch = argv[++i];
		} else if (is(o, "-h") || is(o, "--help")) {
			cmd->action = NTMCTL_HELP;
			return 0;
		} else if (is(o, "--")) {
			i++;
			break;
		} else {
			return usage_error(cmd, "unknown option \"%s\"", o);
		}
	}
	if (cmd->batch) {
		if (i < argc)
			return usage_error(cmd, "--batch takes its commands from the file, not \"%s\"",
					   argv[i]);
		cmd->action = NTMCTL_BATCH;
		return 0;
	}
	if (i >= argc)
		return usage_error(cmd, "missing OBJECT (tunnel, path, stats, monitor, flows, nft, help)");

	obj = argv[i++];
	argc -= i;
	argv += i;
	if (is(obj, "help")) {
		cmd->action = NTMCTL_HELP;
		if (argc == 0)
			return 0;
		if (is(argv[0], "tunnel"))
			cmd->topic = NTMCTL_TOPIC_TUNNEL;
		else if (is(argv[0], "path"))
			cmd->topic = NTMCTL_TOPIC_PATH;
		else if (is(argv[0], "stats"))
			cmd->topic = NTMCTL_TOPIC_STATS;
		else if (is(argv[0], "monitor"))
			cmd->topic = NTMCTL_TOPIC_MONITOR;
		else if (is(argv[0], "flows"))
			cmd->topic = NTMCTL_TOPIC_FLOWS;
		else if (is(argv[0], "nft"))
			cmd->topic = NTMCTL_TOPIC_NFT;
		else
			return usage_error(cmd, "help: unknown topic \"%s\" (tunnel, path, stats, monitor, flows, nft)",
				           argv[0]);
		return 0;
	}
	if (is(obj, "tunnel"))
		return parse_tunnel(cmd, argc, argv);
	if (is(obj, "path"))
		return parse_path(cmd, argc, argv);
	if (is(obj, "stats"))
		return parse_single(cmd, NTMCTL_STATS, NTMCTL_TOPIC_STATS,
				    "stats", argc, argv);
	if (is(obj, "monitor"))
		return parse_single(cmd, NTMCTL_MONITOR, NTMCTL_TOPIC_MONITOR,
				    "monitor", argc, argv);
	if (is(obj, "flows"))
		return parse_flows(cmd, argc, argv);
	if (is(obj, "nft"))
		return parse_nft(cmd, argc, argv);
	return usage_error(cmd, "unknown object \"%s\" (tunnel, path, stats, monitor, flows, nft, help)", obj);
}
