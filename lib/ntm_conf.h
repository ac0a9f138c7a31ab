/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemons' configuration files (ntm-rsd, ntm-node): one directive per
 * line, "keyword value...", words separated by blanks, "#" starts a
 * comment. A wrong line is reported as "FILE:LINE: what is wrong", and the
 * reader stops at the first one.
 */
#ifndef _NTM_CONF_H
#define _NTM_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define NTM_CONF_MAX_WORDS	8

struct ntm_conf_directive {
	const char *name;
	int id;				/* 0..31, the caller's */
	int nargs;			/* exact; -N: 1..N */
	bool repeat;			/* may be given more than once */
	const char *args;		/* for "expected ..." */
};

struct ntm_conf_parser {
	const char *name;		/* the file, in messages */
	unsigned long line;		/* 0: not about one line */
	char *err;
	size_t errlen;
	unsigned int seen;		/* directives given once, by id */
};

/* One directive of a line: w[0] is its keyword, w[1..n-1] its values. 0 or
 * -1 (after ntm_conf_error()). */
typedef int ntm_conf_fn(struct ntm_conf_parser *p,
			const struct ntm_conf_directive *d, char **w, int n,
			void *arg);

/* "FILE:LINE: " + the message into p->err; returns -1. */
__attribute__((format(printf, 2, 3)))
int ntm_conf_error(struct ntm_conf_parser *p, const char *fmt, ...);

/*
 * Read @f (named @name in messages) line by line and call @fn for each
 * directive of @dirs: unknown keywords, a wrong number of values and a
 * directive given twice that may not be are errors. The line buffer is
 * wiped (a line may hold a key). 0, or -1 with the message in @err.
 */
int ntm_conf_read(FILE *f, const char *name,
		  const struct ntm_conf_directive *dirs, size_t ndirs,
		  ntm_conf_fn *fn, void *arg, char *err, size_t errlen);

#endif /* _NTM_CONF_H */
