/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemons' configuration files (ntm-rsd, ntm-dc, ntm-node): one
 * directive per line, "keyword value...", words separated by blanks, "#"
 * starts a comment (values contain no blanks and no "#"). Each directive is
 * given at most once unless it says it repeats. A wrong line is reported as
 * "FILE:LINE: what is wrong" and the caller uses nothing of the file.
 *
 * The caller describes its directives in a table and gets each line as
 * words; it reports its own errors with ntm_conf_error(), which also works
 * after the file was read ("FILE: no zone ...").
 */
#ifndef _NTM_CONF_H
#define _NTM_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NTM_CONF_MAX_WORDS	32

struct ntm_conf_directive {
	const char *name;
	int id;				/* 0..63, the caller's */
	int min_args, max_args;		/* words after the keyword */
	bool repeat;
	const char *args;		/* for "expected \"name ARGS\"" */
};

struct ntm_conf {
	const char *name;		/* the file, in messages */
	unsigned long line;		/* 0: not on a line */
	char *err;
	size_t errlen;
	uint64_t seen;			/* ids of the directives given */
};

/*
 * One line's directive: @w[0] is the keyword, @w[1..n-1] its values, with
 * min_args <= n - 1 <= max_args checked already. 0, or the -1 of
 * ntm_conf_error().
 */
typedef int ntm_conf_fn(struct ntm_conf *p, void *arg,
			const struct ntm_conf_directive *d, int n, char **w);

__attribute__((format(printf, 2, 3)))
int ntm_conf_error(struct ntm_conf *p, const char *fmt, ...);

/*
 * Read @f (named @name in messages) line by line. 0, or -1 with the message
 * in @err. Afterwards p->line is 0 and p->seen says which directives were
 * given, for the caller's checks of the whole file.
 */
int ntm_conf_parse(struct ntm_conf *p, FILE *f, const char *name,
		   const struct ntm_conf_directive *dirs, size_t ndirs,
		   ntm_conf_fn *fn, void *arg, char *err, size_t errlen);

/*
 * A daemon's configuration file: its directives, the function that takes
 * each line, and @check, the checks of the whole file after its last line
 * (0, or the -1 of ntm_conf_error()). @arg of the functions below is the
 * daemon's configuration, handed to @fn and @check.
 */
struct ntm_conf_file {
	const struct ntm_conf_directive *dirs;
	size_t ndirs;
	ntm_conf_fn *fn;
	int (*check)(struct ntm_conf *p, void *arg);
};

/* ntm_conf_parse() of @f with @cf's directives, then cf->check(). 0, or -1
 * with the message in @err. */
int ntm_conf_read(FILE *f, const char *name, const struct ntm_conf_file *cf,
		  void *arg, char *err, size_t errlen);
/* ntm_conf_read() of the file @file, which it opens and closes ("FILE: why"
 * in @err if it cannot open it). */
int ntm_conf_load(const char *file, const struct ntm_conf_file *cf,
		  void *arg, char *err, size_t errlen);

/* 1 if the directive with @id was given. */
static inline bool ntm_conf_seen(const struct ntm_conf *p, int id)
{
	return p->seen & (1ull << id);
}

/*
 * The words w[1] w[2] of a rate limit directive @name: "PKTS/S BURST"
 * (lib/ntm_ratelimit.h); a rate of 0 turns the limit off and then wants a
 * burst of 0. 0, or -1 with the error recorded in @p.
 */
int ntm_conf_rate(struct ntm_conf *p, const char *name, char **w,
		  uint32_t *rate, uint32_t *burst);

/* "log stderr|syslog": @v into @syslog. 0, or -1 with the error recorded
 * in @p. */
int ntm_conf_log(struct ntm_conf *p, const char *v, bool *syslog);
/* "log-level error|warn|info|debug": @v into @level (NTM_LOG_*). 0, or -1
 * with the error recorded in @p. */
int ntm_conf_log_level(struct ntm_conf *p, const char *v, int *level);

#endif /* _NTM_CONF_H */
