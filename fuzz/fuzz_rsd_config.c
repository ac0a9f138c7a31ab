// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ntm-rsd's configuration parser (daemon/ntm-rsd/config.c) and the
 * lib/ntm_cli.c parsers under it, on any file: it never reads past a line,
 * and what it accepts is usable: a tunnel address, at least one key, at most
 * RSD_MAX_ROUTES routes and RSD_MAX_RL_EXEMPT exempt prefixes, a rate limit
 * the limiter takes (ntm-rsd must not start with a limit it then refuses),
 * and an error message that names the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/ntm-rsd/config.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rsd_config c;
	char err[512];
	FILE *f;
	int ret;

	if (!size || size > 8192)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	rsd_config_init(&c);
	err[0] = '\0';
	ret = rsd_config_parse(f, "fuzz.conf", &c, err, sizeof(err));
	fclose(f);
	if (ret == 0) {
		if (c.tunnel_addr.family == NTM_AF_NONE || !c.nkeys || !c.keys ||
		    c.nroutes > RSD_MAX_ROUTES || c.nrl_exempt > RSD_MAX_RL_EXEMPT ||
		    ntm_ratelimit_config_check(&c.rl, NULL) != NTM_OK ||
		    c.tunnel_addr.port != c.tunnel_port || !c.tunnel_port)
			abort();
	} else if (strncmp(err, "fuzz.conf", 9) || !memchr(err, '\0', sizeof(err))) {
		abort();
	}
	rsd_config_free(&c);
	return 0;
}
