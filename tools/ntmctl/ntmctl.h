/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntmctl: look at and program the relay table of nf_ntm, and look at what
 * the RS keeps of its paths in nftables (lib/ntm_nft) and conntrack
 * (lib/ntm_ct).
 *
 * args.c turns argv into a struct ntmctl_cmd without touching the kernel
 * (unit-tested), main.c runs the command; -j output goes through
 * lib/ntm_json.c.
 */
#ifndef _NTMCTL_H
#define _NTMCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ntm/ntm.h>

#include "ntm_json.h"
#include "ntm_nl.h"

/* Exit codes. */
#define NTMCTL_OK	0
#define NTMCTL_FAIL	1	/* the command failed */
#define NTMCTL_USAGE	2	/* the command line is wrong */

enum ntmctl_action {
	NTMCTL_HELP,
	NTMCTL_TUNNEL_SET,
	NTMCTL_TUNNEL_SHOW,
	NTMCTL_TUNNEL_DEL,
	NTMCTL_PATH_ADD,
	NTMCTL_PATH_SET,
	NTMCTL_PATH_DEL,
	NTMCTL_PATH_SHOW,
	NTMCTL_PATH_LIST,
	NTMCTL_PATH_FLUSH,
	NTMCTL_STATS,
	NTMCTL_MONITOR,
	NTMCTL_BATCH,		/* -b FILE: each line is one command */
	NTMCTL_FLOWS,		/* conntrack entries of a path */
	NTMCTL_NFT_ENSURE,	/* table inet ntmobile */
	NTMCTL_NFT_SHOW,
	NTMCTL_NFT_REMOVE,
};

enum ntmctl_topic {
	NTMCTL_TOPIC_ALL,
	NTMCTL_TOPIC_TUNNEL,
	NTMCTL_TOPIC_PATH,
	NTMCTL_TOPIC_STATS,
	NTMCTL_TOPIC_MONITOR,
	NTMCTL_TOPIC_FLOWS,
	NTMCTL_TOPIC_NFT,
};

struct ntmctl_cmd {
	enum ntmctl_action action;
	enum ntmctl_topic topic;	/* NTMCTL_HELP, and usage errors */
	bool json;
	const char *netns;		/* -n NAME, or NULL */
	const char *batch;		/* -b FILE, or NULL */
	struct ntm_tunnel_cfg tunnel;	/* NTMCTL_TUNNEL_SET */
	struct ntm_path path;		/* NTMCTL_PATH_* (id, and for add/set),
					   NTMCTL_FLOWS (id) */
	bool has_path_key;		/* path-key given: keys still to derive */
	uint8_t path_key[NTM_PATH_KEY_BYTES];
	char err[256];			/* why parsing failed */
};

/*
 * Parse argv (argv[0] is the program). Returns 0, or NTMCTL_USAGE with
 * cmd->err set. For "path add ... path-key", the relay key (and the data key
 * unless the type is RS-S) are derived here; "path set ... path-key" leaves
 * has_path_key set: the caller learns the type first, then calls
 * ntmctl_derive_keys().
 */
int ntmctl_parse(int argc, char **argv, struct ntmctl_cmd *cmd);
/* Fill relay key, and data key unless @type is RS-S, from cmd->path_key. */
int ntmctl_derive_keys(struct ntmctl_cmd *cmd, uint8_t type);
/* Wipe the keys the command holds. */
void ntmctl_cmd_wipe(struct ntmctl_cmd *cmd);
void ntmctl_usage(FILE *f, enum ntmctl_topic topic);

#endif /* _NTMCTL_H */
