// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON state file (the contract's shape; tests read it with jq),
 * rewritten atomically (a temporary file renamed over it) after the events
 * that changed it, before the event loop waits again.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "ntm_json.h"
#include "node.h"

void node_state_dirty(struct node *n)
{
	n->state_dirty = true;
}

static const char *route_str(uint8_t route)
{
	switch (route) {
	case NTM_ROUTE_DIRECT:
		return "direct";
	case NTM_ROUTE_RS_S:
		return "rs-s";
	case NTM_ROUTE_RS_N:
		return "rs-n";
	case NTM_ROUTE_RS_T:
		return "rs-t";
	}
	return "unknown";
}

static void kv_addr(struct ntm_json *j, const char *key, const struct ntm_addr *a)
{
	char buf[NTM_ADDR_FMT_LEN];

	ntm_json_key(j, key);
	if (a->family == NTM_AF_NONE)
		ntm_json_null(j);
	else
		ntm_json_str(j, node_fmt(a, buf));
}

static void write_json(struct node *n, FILE *f)
{
	struct ntm_json j;
	struct node_path *p;

	ntm_json_init(&j, f);
	ntm_json_obj_start(&j);
	ntm_json_kv_u64(&j, "node_id", n->cfg.node_id);
	ntm_json_kv_str(&j, "name", n->cfg.name);
	kv_addr(&j, "vip", &n->vip);
	kv_addr(&j, "local", &n->local);
	kv_addr(&j, "observed", &n->observed);
	ntm_json_key(&j, "registered");
	ntm_json_bool(&j, n->registered);
	ntm_json_key(&j, "paths");
	ntm_json_arr_start(&j);
	for (p = n->paths; p; p = p->next) {
		ntm_json_obj_start(&j);
		ntm_json_kv_u64(&j, "path_id", p->id);
		ntm_json_kv_str(&j, "route", route_str(p->route));
		ntm_json_kv_str(&j, "leg", p->leg ? "b" : "a");
		ntm_json_kv_str(&j, "peer", p->peer);
		ntm_json_kv_u64(&j, "peer_node_id", p->peer_node_id);
		kv_addr(&j, "local_vip", &p->local_vip);
		kv_addr(&j, "peer_vip", &p->peer_vip);
		kv_addr(&j, "tunnel", &p->tunnel);
		ntm_json_kv_str(&j, "active", p->active_direct ? "direct" : "relay");
		kv_addr(&j, "direct", &p->direct);
		ntm_json_key(&j, "up");
		ntm_json_bool(&j, p->up);
		ntm_json_kv_u64(&j, "tx_packets", p->tx_packets);
		ntm_json_kv_u64(&j, "rx_packets", p->rx_packets);
		ntm_json_obj_end(&j);
	}
	ntm_json_arr_end(&j);
	ntm_json_obj_end(&j);
	fputc('\n', f);
}

void node_state_write(struct node *n)
{
	char tmp[PATH_MAX + 8], dir[PATH_MAX];
	FILE *f;
	int fd;

	n->state_dirty = false;
	if (n->once)
		return;
	snprintf(dir, sizeof(dir), "%s", n->cfg.state);
	if (mkdir(dirname(dir), 0755) < 0 && errno != EEXIST) {
		node_warn("state file: mkdir %s: %s", dir, strerror(errno));
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", n->cfg.state);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		node_warn("state file %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	write_json(n, f);
	if (fflush(f) != 0 || ferror(f)) {
		node_warn("state file %s: write error", tmp);
		fclose(f);
		unlink(tmp);
		return;
	}
	fclose(f);
	if (rename(tmp, n->cfg.state) < 0) {
		node_warn("state file: rename to %s: %s", n->cfg.state,
			  strerror(errno));
		unlink(tmp);
	}
}
