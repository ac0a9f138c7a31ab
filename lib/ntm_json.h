/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON output of the project's tools (ntmctl -j, ntm-relay-user): a
 * small streaming writer, and the one printer of a path in the shape
 * `ntmctl -j path show` documents.
 */
#ifndef _NTM_JSON_H
#define _NTM_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ntm_nl.h"

#define NTM_JSON_DEPTH 16

struct ntm_json {
	FILE *f;
	int depth;
	bool first[NTM_JSON_DEPTH];	/* no member written yet at this level */
	bool after_key;
};

void ntm_json_init(struct ntm_json *j, FILE *f);
void ntm_json_obj_start(struct ntm_json *j);
void ntm_json_obj_end(struct ntm_json *j);
void ntm_json_arr_start(struct ntm_json *j);
void ntm_json_arr_end(struct ntm_json *j);
void ntm_json_key(struct ntm_json *j, const char *key);
void ntm_json_str(struct ntm_json *j, const char *s);
void ntm_json_u64(struct ntm_json *j, uint64_t v);
void ntm_json_bool(struct ntm_json *j, bool v);
void ntm_json_null(struct ntm_json *j);
/* key + value in one call */
void ntm_json_kv_str(struct ntm_json *j, const char *key, const char *s);
void ntm_json_kv_u64(struct ntm_json *j, const char *key, uint64_t v);
/* A JSON string literal of @s into @f (quotes, escapes, \u00XX). */
void ntm_json_write_string(FILE *f, const char *s);

/* "stats": { rx_packets, ..., drop_noroute } of a leg. */
void ntm_json_leg_stats(struct ntm_json *j, const struct ntm_stats *s);
/* The tunnel (ntmctl -j tunnel show) as one JSON object. */
void ntm_json_tunnel(struct ntm_json *j, const struct ntm_tunnel_info *t);
/* A path (struct ntm_path, keys never printed) as one JSON object. */
void ntm_json_path(struct ntm_json *j, const struct ntm_path *p);

#endif /* _NTM_JSON_H */
