// SPDX-License-Identifier: GPL-2.0-or-later
/* The daemons' configuration file syntax. See ntm_conf.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <ntm/ntm.h>

#include "ntm_cli.h"
#include "ntm_conf.h"
#include "ntm_log.h"
#include "ntm_ratelimit.h"

int ntm_conf_error(struct ntm_conf *p, const char *fmt, ...)
{
	size_t n = 0;
	va_list ap;
	int ret;

	if (!p->err || !p->errlen)
		return -1;
	if (p->line)
		ret = snprintf(p->err, p->errlen, "%s:%lu: ", p->name, p->line);
	else
		ret = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (ret > 0)
		n = (size_t)ret < p->errlen ? (size_t)ret : p->errlen - 1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Split @line into words, at most NTM_CONF_MAX_WORDS (-1 beyond). */
static int split(char *line, char **w)
{
	char *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == NTM_CONF_MAX_WORDS)
			return -1;
		w[n++] = tok;
	}
	return n;
}

static int one_line(struct ntm_conf *p, const struct ntm_conf_directive *dirs,
		    size_t ndirs, ntm_conf_fn *fn, void *arg, char *s)
{
	const struct ntm_conf_directive *d = NULL;
	char *hash, *w[NTM_CONF_MAX_WORDS];
	size_t i;
	int n;

	/* "#" after a word starts a comment too; no value contains one. */
	hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	n = split(s, w);
	if (n == 0)
		return 0;
	if (n < 0)
		return ntm_conf_error(p, "more than %d words on a line",
				      NTM_CONF_MAX_WORDS);
	for (i = 0; i < ndirs; i++)
		if (!strcmp(w[0], dirs[i].name))
			d = &dirs[i];
	if (!d)
		return ntm_conf_error(p, "unknown directive \"%s\"", w[0]);
	if (n - 1 < d->min_args || n - 1 > d->max_args)
		return ntm_conf_error(p, "%s: expected \"%s %s\"", d->name,
				      d->name, d->args);
	if (!d->repeat && ntm_conf_seen(p, d->id))
		return ntm_conf_error(p, "%s is given twice", d->name);
	p->seen |= 1ull << d->id;
	return fn(p, arg, d, n, w);
}

int ntm_conf_parse(struct ntm_conf *p, FILE *f, const char *name,
		   const struct ntm_conf_directive *dirs, size_t ndirs,
		   ntm_conf_fn *fn, void *arg, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->err = err;
	p->errlen = errlen;
	while ((n = getline(&buf, &cap, f)) >= 0) {
		p->line++;
		if ((size_t)n != strlen(buf)) {
			ret = ntm_conf_error(p, "a NUL byte in the line");
			break;
		}
		ret = one_line(p, dirs, ndirs, fn, arg, buf);
		if (ret)
			break;
	}
	if (buf) {
		ntm_wipe(buf, cap);	/* it held a key, perhaps */
		free(buf);
	}
	if (ret)
		return ret;
	if (ferror(f))
		return ntm_conf_error(p, "read error");
	p->line = 0;
	return 0;
}

int ntm_conf_read(FILE *f, const char *name, const struct ntm_conf_file *cf,
		  void *arg, char *err, size_t errlen)
{
	struct ntm_conf p;

	if (ntm_conf_parse(&p, f, name, cf->dirs, cf->ndirs, cf->fn, arg, err,
			   errlen))
		return -1;
	return cf->check ? cf->check(&p, arg) : 0;
}

int ntm_conf_load(const char *file, const struct ntm_conf_file *cf,
		  void *arg, char *err, size_t errlen)
{
	FILE *f;
	int ret;

	f = fopen(file, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	ret = ntm_conf_read(f, file, cf, arg, err, errlen);
	fclose(f);
	return ret;
}

int ntm_conf_rate(struct ntm_conf *p, const char *name, char **w,
		  uint32_t *rate, uint32_t *burst)
{
	if (ntm_cli_parse_u32(w[1], 0, NTM_RL_MAX_RATE, rate) < 0)
		return ntm_conf_error(p, "%s: PKTS/S: expected 0 (no limit) .. %u datagrams per second, got \"%s\"",
				      name, NTM_RL_MAX_RATE, w[1]);
	if (ntm_cli_parse_u32(w[2], *rate ? 1 : 0, UINT32_MAX, burst) < 0)
		return ntm_conf_error(p, "%s: BURST: expected %s, got \"%s\"", name,
				      *rate ? "1..4294967295 datagrams" : "0 with a rate of 0",
				      w[2]);
	if (!*rate && *burst)
		return ntm_conf_error(p, "%s: BURST: expected 0 with a rate of 0, got \"%s\"",
				      name, w[2]);
	return 0;
}

int ntm_conf_log(struct ntm_conf *p, const char *v, bool *syslog)
{
	if (!strcmp(v, "syslog"))
		*syslog = true;
	else if (!strcmp(v, "stderr"))
		*syslog = false;
	else
		return ntm_conf_error(p, "log: expected stderr or syslog, got \"%s\"", v);
	return 0;
}

int ntm_conf_log_level(struct ntm_conf *p, const char *v, int *level)
{
	int lvl = ntm_log_level_parse(v);

	if (lvl < 0)
		return ntm_conf_error(p, "log-level: expected error, warn, info or debug, got \"%s\"", v);
	*level = lvl;
	return 0;
}
