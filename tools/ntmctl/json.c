// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The smallest JSON writer that ntmctl -j needs: nesting, commas, string
 * escaping (RFC 8259: quote, backslash and every control character), unsigned
 * numbers and booleans.
 */
#include <inttypes.h>

#include "ntmctl.h"

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
