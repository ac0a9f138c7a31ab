// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The smallest JSON writer the tools need: nesting, commas, string
 * escaping (RFC 8259: quote, backslash and every control character), unsigned
 * numbers and booleans.
 */
#include <inttypes.h>
#include <sys/socket.h>

#include <ntm/wire.h>

#include "ntm_json.h"

void ntm_json_init(struct ntm_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

/* Separator before a value or a key at the current level. */
static void sep(struct ntm_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
}

static void open_level(struct ntm_json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth < NTM_JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_level(struct ntm_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void ntm_json_obj_start(struct ntm_json *j)
{
	open_level(j, '{');
}

void ntm_json_obj_end(struct ntm_json *j)
{
	close_level(j, '}');
}

void ntm_json_arr_start(struct ntm_json *j)
{
	open_level(j, '[');
}

void ntm_json_arr_end(struct ntm_json *j)
{
	close_level(j, ']');
}

void ntm_json_write_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void ntm_json_key(struct ntm_json *j, const char *key)
{
	sep(j);
	ntm_json_write_string(j->f, key);
	fputc(':', j->f);
	j->after_key = true;
}

void ntm_json_str(struct ntm_json *j, const char *s)
{
	sep(j);
	ntm_json_write_string(j->f, s);
}

void ntm_json_u64(struct ntm_json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void ntm_json_bool(struct ntm_json *j, bool v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void ntm_json_null(struct ntm_json *j)
{
	sep(j);
	fputs("null", j->f);
}

void ntm_json_kv_str(struct ntm_json *j, const char *key, const char *s)
{
	ntm_json_key(j, key);
	ntm_json_str(j, s);
}

void ntm_json_kv_u64(struct ntm_json *j, const char *key, uint64_t v)
{
	ntm_json_key(j, key);
	ntm_json_u64(j, v);
}

/* ---- paths --------------------------------------------------------------- */

void ntm_json_leg_stats(struct ntm_json *j, const struct ntm_stats *s)
{
	ntm_json_key(j, "stats");
	ntm_json_obj_start(j);
	ntm_json_kv_u64(j, "rx_packets", s->rx_packets);
	ntm_json_kv_u64(j, "rx_bytes", s->rx_bytes);
	ntm_json_kv_u64(j, "tx_packets", s->tx_packets);
	ntm_json_kv_u64(j, "tx_bytes", s->tx_bytes);
	ntm_json_kv_u64(j, "drop_auth", s->drop_auth);
	ntm_json_kv_u64(j, "drop_replay", s->drop_replay);
	ntm_json_kv_u64(j, "drop_malformed", s->drop_malformed);
	ntm_json_kv_u64(j, "drop_noroute", s->drop_noroute);
	ntm_json_obj_end(j);
}

void ntm_json_path(struct ntm_json *j, const struct ntm_path *p)
{
	char buf[64];
	int leg;

	ntm_json_obj_start(j);
	ntm_json_kv_u64(j, "id", p->id);
	if (p->has & NTM_PATH_HAS_TYPE)
		ntm_json_kv_str(j, "type", ntm_path_type_name(p->type));
	if (p->has & NTM_PATH_HAS_REFRESH)
		ntm_json_kv_u64(j, "refresh", p->refresh);
	if (p->has & NTM_PATH_HAS_IDLE)
		ntm_json_kv_u64(j, "idle_ms", p->idle_ms);
	for (leg = NTM_LEG_A; leg <= NTM_LEG_B; leg++) {
		const struct ntm_path_leg *l = &p->leg[leg];

		if (!(p->has & (leg == NTM_LEG_A ? NTM_PATH_HAS_LEG_A :
						   NTM_PATH_HAS_LEG_B)))
			continue;
		ntm_json_key(j, leg == NTM_LEG_A ? "leg_a" : "leg_b");
		ntm_json_obj_start(j);
		if (l->endpoint.ss_family != AF_UNSPEC)
			ntm_json_kv_str(j, "endpoint",
					ntm_nl_fmt_endpoint(&l->endpoint, buf,
							    sizeof(buf)));
		if (l->vip.family != AF_UNSPEC)
			ntm_json_kv_str(j, "vip",
					ntm_nl_fmt_vip(&l->vip, buf, sizeof(buf)));
		if (l->has_stats)
			ntm_json_leg_stats(j, &l->stats);
		ntm_json_obj_end(j);
	}
	ntm_json_obj_end(j);
}

void ntm_json_tunnel(struct ntm_json *j, const struct ntm_tunnel_info *t)
{
	ntm_json_obj_start(j);
	if (t->has & NTM_TUNNEL_HAS_PORT)
		ntm_json_kv_u64(j, "port", t->port);
	if (t->has & NTM_TUNNEL_HAS_IFNAME)
		ntm_json_kv_str(j, "dev", t->ifname);
	if (t->has & NTM_TUNNEL_HAS_IFINDEX)
		ntm_json_kv_u64(j, "ifindex", t->ifindex);
	if (t->has & NTM_TUNNEL_HAS_PATHS)
		ntm_json_kv_u64(j, "paths", t->paths);
	if (t->has & NTM_TUNNEL_HAS_MAX)
		ntm_json_kv_u64(j, "max_paths", t->max_paths);
	if (t->has & NTM_TUNNEL_HAS_STATS) {
		ntm_json_key(j, "stats");
		ntm_json_obj_start(j);
		ntm_json_kv_u64(j, "drop_nopath", t->stats.drop_nopath);
		ntm_json_kv_u64(j, "drop_malformed", t->stats.drop_malformed);
		ntm_json_kv_u64(j, "rx_control", t->stats.rx_control);
		ntm_json_obj_end(j);
	}
	ntm_json_obj_end(j);
}
