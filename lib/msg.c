// SPDX-License-Identifier: MIT
/*
 * Control message bodies and the NTM record: one encoder, one decoder and
 * one checker per table of docs/protocol.md. Offsets are written as the
 * tables give them so the two can be read side by side.
 *
 * The checker runs on the decoded struct, for the encoder and the decoder
 * alike: what we accept and what we send are the same set.
 */
#include <string.h>

#include <ntm/msg.h>

static int ntm_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static int ntm_status_valid(uint8_t status)
{
	return status <= NTM_STATUS_MAX;
}

static int ntm_leg_byte_valid(uint8_t leg)
{
	return leg == NTM_LEG_A || leg == NTM_LEG_B;
}

/* Check a run of address fields; the first failure wins. */
static int ntm_addrs_check(const struct ntm_addr *const *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ntm_addr_check(a[i]) != NTM_OK)
			return NTM_E_MALFORMED;
	return NTM_OK;
}

#define NTM_ADDRS_CHECK(...)						\
	ntm_addrs_check((const struct ntm_addr *const[]){ __VA_ARGS__ },	\
			sizeof((const struct ntm_addr *const[]){ __VA_ARGS__ }) / \
			sizeof(const struct ntm_addr *))

/* Encode an address already checked by the body checker. */
static void ntm_put_addr(uint8_t *out, const struct ntm_addr *a)
{
	(void)ntm_addr_encode(a, out);
}

int ntm_ctl_type_valid(unsigned int type)
{
	return type >= NTM_MSG_REGISTRATION_REQUEST && type <= NTM_MSG_ERROR;
}

const char *ntm_msg_type_name(unsigned int type)
{
	static const char *const names[] = {
		[NTM_MSG_REGISTRATION_REQUEST]	= "Registration Request",
		[NTM_MSG_REGISTRATION_RESPONSE]	= "Registration Response",
		[NTM_MSG_DIRECTION_REQUEST]	= "Direction Request",
		[NTM_MSG_ROUTE_DIRECTION]	= "Route Direction",
		[NTM_MSG_RELAY_DIRECTION]	= "Relay Direction",
		[NTM_MSG_DIRECTION_RESPONSE]	= "Direction Response",
		[NTM_MSG_TUNNEL_REQUEST]	= "Tunnel Request",
		[NTM_MSG_TUNNEL_RESPONSE]	= "Tunnel Response",
		[NTM_MSG_PATH_TEARDOWN]		= "Path Teardown",
		[NTM_MSG_ERROR]			= "Error",
	};

	if (ntm_ctl_type_valid(type))
		return names[type];
	if (type == NTM_MSG_DATA)
		return "Data";
	if (type == NTM_MSG_KEEPALIVE)
		return "Keepalive";
	return "unknown";
}

const char *ntm_route_name(unsigned int route)
{
	switch (route) {
	case NTM_ROUTE_DIRECT:
		return "direct";
	case NTM_ROUTE_RS_S:
		return "RS-S";
	case NTM_ROUTE_RS_N:
		return "RS-N";
	case NTM_ROUTE_RS_T:
		return "RS-T";
	}
	return "?";
}

static int ntm_msg_type_known(unsigned int type)
{
	return ntm_ctl_type_valid(type) || type == NTM_MSG_DATA ||
	       type == NTM_MSG_KEEPALIVE;
}

static int ntm_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/*
 * An FQDN as DNS can serve it: 1..253 characters of letters, digits, '-'
 * and '.', labels of 1..63 (so no leading, double or trailing dot).
 */
int ntm_fqdn_check(const char *name, size_t len)
{
	size_t i, label = 0;

	if (!len || len > NTM_NAME_MAX)
		return NTM_E_MALFORMED;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (!label)
				return NTM_E_MALFORMED;
			label = 0;
		} else if (!ntm_label_char(name[i]) || ++label > NTM_LABEL_MAX) {
			return NTM_E_MALFORMED;
		}
	}
	return label ? NTM_OK : NTM_E_MALFORMED;
}

/* ---- Registration Request (0x01) --------------------------------------- */

static size_t ntm_name_len(const struct ntm_registration_request *m)
{
	return strnlen(m->name, sizeof(m->name));
}

static int ntm_reg_req_check(const struct ntm_registration_request *m)
{
	if (NTM_ADDRS_CHECK(&m->local, &m->vip_hint) != NTM_OK)
		return NTM_E_MALFORMED;
	return ntm_fqdn_check(m->name, ntm_name_len(m));
}

static void ntm_reg_req_put(const struct ntm_registration_request *m, uint8_t *out)
{
	size_t n = ntm_name_len(m);

	ntm_put_be32(out + 0, m->node_id);
	ntm_put_addr(out + 4, &m->local);
	ntm_put_addr(out + 24, &m->vip_hint);
	ntm_put_be32(out + 44, m->lifetime);
	out[48] = (uint8_t)n;
	memset(out + 49, 0, 3);
	memcpy(out + 52, m->name, n);
}

static int ntm_reg_req_get(const uint8_t *in, size_t len,
			   struct ntm_registration_request *m)
{
	size_t n;

	if (len < NTM_REGISTRATION_REQUEST_MIN_LEN)
		return NTM_E_TRUNCATED;
	n = in[48];
	/* The name must end exactly at the end of the body. */
	if (len != NTM_REGISTRATION_REQUEST_MIN_LEN + n)
		return len < NTM_REGISTRATION_REQUEST_MIN_LEN + n ?
		       NTM_E_TRUNCATED : NTM_E_LENGTH;
	if (!ntm_zero(in + 49, 3))
		return NTM_E_MALFORMED;
	/* Checked before the copy: a NUL inside would hide the rest. */
	if (ntm_fqdn_check((const char *)in + 52, n) != NTM_OK)
		return NTM_E_MALFORMED;
	m->node_id = ntm_get_be32(in + 0);
	if (ntm_addr_decode(in + 4, &m->local) != NTM_OK ||
	    ntm_addr_decode(in + 24, &m->vip_hint) != NTM_OK)
		return NTM_E_MALFORMED;
	m->lifetime = ntm_get_be32(in + 44);
	memcpy(m->name, in + 52, n);
	m->name[n] = '\0';
	return NTM_OK;
}

/* ---- Registration Response (0x02) -------------------------------------- */

static int ntm_reg_resp_check(const struct ntm_registration_response *m)
{
	if (!ntm_status_valid(m->status))
		return NTM_E_MALFORMED;
	if (m->status != NTM_OK && !ntm_addr_is_none(&m->vip))
		return NTM_E_MALFORMED;
	return NTM_ADDRS_CHECK(&m->vip, &m->observed);
}

static void ntm_reg_resp_put(const struct ntm_registration_response *m,
			     uint8_t *out)
{
	out[0] = m->status;
	memset(out + 1, 0, 3);
	ntm_put_be32(out + 4, m->node_id);
	ntm_put_addr(out + 8, &m->vip);
	ntm_put_addr(out + 28, &m->observed);
	ntm_put_be32(out + 48, m->lifetime);
}

static int ntm_reg_resp_get(const uint8_t *in, struct ntm_registration_response *m)
{
	if (!ntm_zero(in + 1, 3))
		return NTM_E_MALFORMED;
	m->status = in[0];
	m->node_id = ntm_get_be32(in + 4);
	if (ntm_addr_decode(in + 8, &m->vip) != NTM_OK ||
	    ntm_addr_decode(in + 28, &m->observed) != NTM_OK)
		return NTM_E_MALFORMED;
	m->lifetime = ntm_get_be32(in + 48);
	return ntm_reg_resp_check(m);
}

/* ---- Direction Request (0x03) ------------------------------------------ */

static int ntm_dir_req_check(const struct ntm_direction_request *m)
{
	if (m->peer_kind != NTM_PEER_NODE && m->peer_kind != NTM_PEER_HOST)
		return NTM_E_MALFORMED;
	/* A general host has no node id and no VIP. */
	if (m->peer_kind == NTM_PEER_HOST &&
	    (m->peer_node_id || !ntm_addr_is_none(&m->peer_vip)))
		return NTM_E_MALFORMED;
	return NTM_ADDRS_CHECK(&m->peer_vip, &m->peer_addr, &m->peer_dc);
}

static void ntm_dir_req_put(const struct ntm_direction_request *m, uint8_t *out)
{
	ntm_put_be32(out + 0, m->node_id);
	out[4] = m->peer_kind;
	out[5] = m->proto;
	ntm_put_be16(out + 6, m->port);
	ntm_put_be32(out + 8, m->peer_node_id);
	ntm_put_addr(out + 12, &m->peer_vip);
	ntm_put_addr(out + 32, &m->peer_addr);
	ntm_put_addr(out + 52, &m->peer_dc);
}

static int ntm_dir_req_get(const uint8_t *in, struct ntm_direction_request *m)
{
	m->node_id = ntm_get_be32(in + 0);
	m->peer_kind = in[4];
	m->proto = in[5];
	m->port = ntm_get_be16(in + 6);
	m->peer_node_id = ntm_get_be32(in + 8);
	if (ntm_addr_decode(in + 12, &m->peer_vip) != NTM_OK ||
	    ntm_addr_decode(in + 32, &m->peer_addr) != NTM_OK ||
	    ntm_addr_decode(in + 52, &m->peer_dc) != NTM_OK)
		return NTM_E_MALFORMED;
	return ntm_dir_req_check(m);
}

/* ---- Route Direction (0x04) -------------------------------------------- */

static int ntm_route_dir_check(const struct ntm_route_direction *m)
{
	if (!ntm_status_valid(m->status) || !ntm_leg_byte_valid(m->leg) ||
	    m->route < NTM_ROUTE_DIRECT || m->route > NTM_ROUTE_RS_T)
		return NTM_E_MALFORMED;
	if (m->status == NTM_OK && !m->path_id)
		return NTM_E_MALFORMED;
	return NTM_ADDRS_CHECK(&m->tunnel, &m->control, &m->local_vip,
			       &m->peer_vip);
}

static void ntm_route_dir_put(const struct ntm_route_direction *m, uint8_t *out)
{
	out[0] = m->status;
	out[1] = m->route;
	out[2] = m->leg;
	out[3] = 0;
	ntm_put_be32(out + 4, m->path_id);
	ntm_put_be32(out + 8, m->peer_node_id);
	ntm_put_be32(out + 12, m->refresh);
	ntm_put_addr(out + 16, &m->tunnel);
	ntm_put_addr(out + 36, &m->control);
	ntm_put_addr(out + 56, &m->local_vip);
	ntm_put_addr(out + 76, &m->peer_vip);
	memcpy(out + 96, m->path_key, 32);
}

static int ntm_route_dir_get(const uint8_t *in, struct ntm_route_direction *m)
{
	if (in[3])
		return NTM_E_MALFORMED;
	m->status = in[0];
	m->route = in[1];
	m->leg = in[2];
	m->path_id = ntm_get_be32(in + 4);
	m->peer_node_id = ntm_get_be32(in + 8);
	m->refresh = ntm_get_be32(in + 12);
	if (ntm_addr_decode(in + 16, &m->tunnel) != NTM_OK ||
	    ntm_addr_decode(in + 36, &m->control) != NTM_OK ||
	    ntm_addr_decode(in + 56, &m->local_vip) != NTM_OK ||
	    ntm_addr_decode(in + 76, &m->peer_vip) != NTM_OK)
		return NTM_E_MALFORMED;
	memcpy(m->path_key, in + 96, 32);
	return ntm_route_dir_check(m);
}

/* ---- Relay Direction (0x05) -------------------------------------------- */

static int ntm_relay_dir_check(const struct ntm_relay_direction *m)
{
	if (!m->path_id || m->rs_type < NTM_RS_TYPE_S || m->rs_type > NTM_RS_TYPE_T)
		return NTM_E_MALFORMED;
	/* An RS-S never holds the data key; only RS-N translates to a host. */
	if (m->rs_type == NTM_RS_TYPE_S && !ntm_zero(m->data_key, sizeof(m->data_key)))
		return NTM_E_MALFORMED;
	if (m->rs_type != NTM_RS_TYPE_N && !ntm_addr_is_none(&m->host))
		return NTM_E_MALFORMED;
	return NTM_ADDRS_CHECK(&m->leg_a_tunnel, &m->leg_a_vip, &m->leg_b_tunnel,
			       &m->leg_b_vip, &m->host);
}

static void ntm_relay_dir_put(const struct ntm_relay_direction *m, uint8_t *out)
{
	ntm_put_be32(out + 0, m->path_id);
	out[4] = m->rs_type;
	memset(out + 5, 0, 3);
	ntm_put_be32(out + 8, m->refresh);
	ntm_put_addr(out + 12, &m->leg_a_tunnel);
	ntm_put_addr(out + 32, &m->leg_a_vip);
	ntm_put_addr(out + 52, &m->leg_b_tunnel);
	ntm_put_addr(out + 72, &m->leg_b_vip);
	ntm_put_addr(out + 92, &m->host);
	memcpy(out + 112, m->relay_key, 16);
	memcpy(out + 128, m->data_key, 32);
	memcpy(out + 160, m->tunnel_key, 32);
}

static int ntm_relay_dir_get(const uint8_t *in, struct ntm_relay_direction *m)
{
	if (!ntm_zero(in + 5, 3))
		return NTM_E_MALFORMED;
	m->path_id = ntm_get_be32(in + 0);
	m->rs_type = in[4];
	m->refresh = ntm_get_be32(in + 8);
	if (ntm_addr_decode(in + 12, &m->leg_a_tunnel) != NTM_OK ||
	    ntm_addr_decode(in + 32, &m->leg_a_vip) != NTM_OK ||
	    ntm_addr_decode(in + 52, &m->leg_b_tunnel) != NTM_OK ||
	    ntm_addr_decode(in + 72, &m->leg_b_vip) != NTM_OK ||
	    ntm_addr_decode(in + 92, &m->host) != NTM_OK)
		return NTM_E_MALFORMED;
	memcpy(m->relay_key, in + 112, 16);
	memcpy(m->data_key, in + 128, 32);
	memcpy(m->tunnel_key, in + 160, 32);
	return ntm_relay_dir_check(m);
}

/* ---- Direction Response (0x06) ----------------------------------------- */

static int ntm_dir_resp_check(const struct ntm_direction_response *m)
{
	if (!ntm_status_valid(m->status) || !m->path_id)
		return NTM_E_MALFORMED;
	return NTM_ADDRS_CHECK(&m->tunnel, &m->control);
}

static void ntm_dir_resp_put(const struct ntm_direction_response *m, uint8_t *out)
{
	out[0] = m->status;
	memset(out + 1, 0, 3);
	ntm_put_be32(out + 4, m->path_id);
	ntm_put_addr(out + 8, &m->tunnel);
	ntm_put_addr(out + 28, &m->control);
}

static int ntm_dir_resp_get(const uint8_t *in, struct ntm_direction_response *m)
{
	if (!ntm_zero(in + 1, 3))
		return NTM_E_MALFORMED;
	m->status = in[0];
	m->path_id = ntm_get_be32(in + 4);
	if (ntm_addr_decode(in + 8, &m->tunnel) != NTM_OK ||
	    ntm_addr_decode(in + 28, &m->control) != NTM_OK)
		return NTM_E_MALFORMED;
	return ntm_dir_resp_check(m);
}

/* ---- Tunnel Request (0x07) / Tunnel Response (0x08) -------------------- */

static int ntm_tun_req_check(const struct ntm_tunnel_request *m)
{
	if (!m->path_id || !ntm_leg_byte_valid(m->leg))
		return NTM_E_MALFORMED;
	return NTM_ADDRS_CHECK(&m->vip, &m->local);
}

static void ntm_tun_req_put(const struct ntm_tunnel_request *m, uint8_t *out)
{
	ntm_put_be32(out + 0, m->path_id);
	out[4] = m->leg;
	memset(out + 5, 0, 3);
	ntm_put_addr(out + 8, &m->vip);
	ntm_put_addr(out + 28, &m->local);
}

static int ntm_tun_req_get(const uint8_t *in, struct ntm_tunnel_request *m)
{
	if (!ntm_zero(in + 5, 3))
		return NTM_E_MALFORMED;
	m->path_id = ntm_get_be32(in + 0);
	m->leg = in[4];
	if (ntm_addr_decode(in + 8, &m->vip) != NTM_OK ||
	    ntm_addr_decode(in + 28, &m->local) != NTM_OK)
		return NTM_E_MALFORMED;
	return ntm_tun_req_check(m);
}

static int ntm_tun_resp_check(const struct ntm_tunnel_response *m)
{
	if (!ntm_status_valid(m->status) || !ntm_leg_byte_valid(m->leg) ||
	    !m->path_id)
		return NTM_E_MALFORMED;
	return ntm_addr_check(&m->observed);
}

static void ntm_tun_resp_put(const struct ntm_tunnel_response *m, uint8_t *out)
{
	out[0] = m->status;
	out[1] = m->leg;
	memset(out + 2, 0, 2);
	ntm_put_be32(out + 4, m->path_id);
	ntm_put_addr(out + 8, &m->observed);
}

static int ntm_tun_resp_get(const uint8_t *in, struct ntm_tunnel_response *m)
{
	if (!ntm_zero(in + 2, 2))
		return NTM_E_MALFORMED;
	m->status = in[0];
	m->leg = in[1];
	m->path_id = ntm_get_be32(in + 4);
	if (ntm_addr_decode(in + 8, &m->observed) != NTM_OK)
		return NTM_E_MALFORMED;
	return ntm_tun_resp_check(m);
}

/* ---- Path Teardown (0x09) / Error (0x0a) ------------------------------- */

static int ntm_teardown_check(const struct ntm_path_teardown *m)
{
	if (!m->path_id || m->reason > NTM_TEARDOWN_ERROR)
		return NTM_E_MALFORMED;
	return NTM_OK;
}

static void ntm_teardown_put(const struct ntm_path_teardown *m, uint8_t *out)
{
	ntm_put_be32(out + 0, m->path_id);
	out[4] = m->reason;
	memset(out + 5, 0, 3);
}

static int ntm_teardown_get(const uint8_t *in, struct ntm_path_teardown *m)
{
	if (!ntm_zero(in + 5, 3))
		return NTM_E_MALFORMED;
	m->path_id = ntm_get_be32(in + 0);
	m->reason = in[4];
	return ntm_teardown_check(m);
}

static int ntm_error_check(const struct ntm_error_msg *m)
{
	/* An Error reports a failure, about a message we could authenticate. */
	if (m->status == NTM_OK || !ntm_status_valid(m->status) ||
	    !ntm_msg_type_known(m->type))
		return NTM_E_MALFORMED;
	return NTM_OK;
}

static void ntm_error_put(const struct ntm_error_msg *m, uint8_t *out)
{
	out[0] = m->status;
	out[1] = m->type;
	memset(out + 2, 0, 2);
	ntm_put_be32(out + 4, m->path_id);
}

static int ntm_error_get(const uint8_t *in, struct ntm_error_msg *m)
{
	if (!ntm_zero(in + 2, 2))
		return NTM_E_MALFORMED;
	m->status = in[0];
	m->type = in[1];
	m->path_id = ntm_get_be32(in + 4);
	return ntm_error_check(m);
}

/* ---- dispatch ---------------------------------------------------------- */

static const size_t ntm_body_fixed_len[] = {
	[NTM_MSG_REGISTRATION_REQUEST]	= 0,	/* variable */
	[NTM_MSG_REGISTRATION_RESPONSE]	= NTM_REGISTRATION_RESPONSE_LEN,
	[NTM_MSG_DIRECTION_REQUEST]	= NTM_DIRECTION_REQUEST_LEN,
	[NTM_MSG_ROUTE_DIRECTION]	= NTM_ROUTE_DIRECTION_LEN,
	[NTM_MSG_RELAY_DIRECTION]	= NTM_RELAY_DIRECTION_LEN,
	[NTM_MSG_DIRECTION_RESPONSE]	= NTM_DIRECTION_RESPONSE_LEN,
	[NTM_MSG_TUNNEL_REQUEST]	= NTM_TUNNEL_REQUEST_LEN,
	[NTM_MSG_TUNNEL_RESPONSE]	= NTM_TUNNEL_RESPONSE_LEN,
	[NTM_MSG_PATH_TEARDOWN]		= NTM_PATH_TEARDOWN_LEN,
	[NTM_MSG_ERROR]			= NTM_ERROR_LEN,
};

int ntm_body_check(uint8_t type, const union ntm_body *b)
{
	switch (type) {
	case NTM_MSG_REGISTRATION_REQUEST:
		return ntm_reg_req_check(&b->registration_request);
	case NTM_MSG_REGISTRATION_RESPONSE:
		return ntm_reg_resp_check(&b->registration_response);
	case NTM_MSG_DIRECTION_REQUEST:
		return ntm_dir_req_check(&b->direction_request);
	case NTM_MSG_ROUTE_DIRECTION:
		return ntm_route_dir_check(&b->route_direction);
	case NTM_MSG_RELAY_DIRECTION:
		return ntm_relay_dir_check(&b->relay_direction);
	case NTM_MSG_DIRECTION_RESPONSE:
		return ntm_dir_resp_check(&b->direction_response);
	case NTM_MSG_TUNNEL_REQUEST:
		return ntm_tun_req_check(&b->tunnel_request);
	case NTM_MSG_TUNNEL_RESPONSE:
		return ntm_tun_resp_check(&b->tunnel_response);
	case NTM_MSG_PATH_TEARDOWN:
		return ntm_teardown_check(&b->path_teardown);
	case NTM_MSG_ERROR:
		return ntm_error_check(&b->error);
	}
	return NTM_E_TYPE;
}

ssize_t ntm_body_len(uint8_t type, const union ntm_body *b)
{
	if (!ntm_ctl_type_valid(type))
		return -NTM_E_TYPE;
	if (type == NTM_MSG_REGISTRATION_REQUEST)
		return (ssize_t)(NTM_REGISTRATION_REQUEST_MIN_LEN +
				 ntm_name_len(&b->registration_request));
	return (ssize_t)ntm_body_fixed_len[type];
}

static void ntm_body_put(uint8_t type, const union ntm_body *b, uint8_t *out)
{
	switch (type) {
	case NTM_MSG_REGISTRATION_REQUEST:
		ntm_reg_req_put(&b->registration_request, out);
		break;
	case NTM_MSG_REGISTRATION_RESPONSE:
		ntm_reg_resp_put(&b->registration_response, out);
		break;
	case NTM_MSG_DIRECTION_REQUEST:
		ntm_dir_req_put(&b->direction_request, out);
		break;
	case NTM_MSG_ROUTE_DIRECTION:
		ntm_route_dir_put(&b->route_direction, out);
		break;
	case NTM_MSG_RELAY_DIRECTION:
		ntm_relay_dir_put(&b->relay_direction, out);
		break;
	case NTM_MSG_DIRECTION_RESPONSE:
		ntm_dir_resp_put(&b->direction_response, out);
		break;
	case NTM_MSG_TUNNEL_REQUEST:
		ntm_tun_req_put(&b->tunnel_request, out);
		break;
	case NTM_MSG_TUNNEL_RESPONSE:
		ntm_tun_resp_put(&b->tunnel_response, out);
		break;
	case NTM_MSG_PATH_TEARDOWN:
		ntm_teardown_put(&b->path_teardown, out);
		break;
	case NTM_MSG_ERROR:
		ntm_error_put(&b->error, out);
		break;
	}
}

ssize_t ntm_body_encode(uint8_t type, const union ntm_body *b, uint8_t *out,
			size_t cap)
{
	ssize_t len = ntm_body_len(type, b);
	int ret;

	if (len < 0)
		return len;
	ret = ntm_body_check(type, b);
	if (ret != NTM_OK)
		return -ret;
	if (cap < (size_t)len)
		return -NTM_E_LENGTH;
	ntm_body_put(type, b, out);
	return len;
}

static int ntm_body_get(uint8_t type, const uint8_t *in, union ntm_body *b)
{
	switch (type) {
	case NTM_MSG_REGISTRATION_RESPONSE:
		return ntm_reg_resp_get(in, &b->registration_response);
	case NTM_MSG_DIRECTION_REQUEST:
		return ntm_dir_req_get(in, &b->direction_request);
	case NTM_MSG_ROUTE_DIRECTION:
		return ntm_route_dir_get(in, &b->route_direction);
	case NTM_MSG_RELAY_DIRECTION:
		return ntm_relay_dir_get(in, &b->relay_direction);
	case NTM_MSG_DIRECTION_RESPONSE:
		return ntm_dir_resp_get(in, &b->direction_response);
	case NTM_MSG_TUNNEL_REQUEST:
		return ntm_tun_req_get(in, &b->tunnel_request);
	case NTM_MSG_TUNNEL_RESPONSE:
		return ntm_tun_resp_get(in, &b->tunnel_response);
	case NTM_MSG_PATH_TEARDOWN:
		return ntm_teardown_get(in, &b->path_teardown);
	case NTM_MSG_ERROR:
		return ntm_error_get(in, &b->error);
	}
	return NTM_E_TYPE;
}

int ntm_body_decode(uint8_t type, const uint8_t *in, size_t len,
		    union ntm_body *b)
{
	size_t want;

	if (!ntm_ctl_type_valid(type))
		return NTM_E_TYPE;
	memset(b, 0, sizeof(*b));
	if (type == NTM_MSG_REGISTRATION_REQUEST)
		return ntm_reg_req_get(in, len, &b->registration_request);
	want = ntm_body_fixed_len[type];
	if (len != want)
		return len < want ? NTM_E_TRUNCATED : NTM_E_LENGTH;
	return ntm_body_get(type, in, b);
}

/* ---- NTM record -------------------------------------------------------- */

static int ntm_record_check(const struct ntm_record *r)
{
	if (r->flags & ~NTM_RECORD_F_NAT)
		return NTM_E_MALFORMED;
	return NTM_ADDRS_CHECK(&r->vip, &r->local, &r->observed, &r->dc);
}

int ntm_record_encode(const struct ntm_record *r, uint8_t out[NTM_RECORD_LEN])
{
	int ret = ntm_record_check(r);

	if (ret != NTM_OK)
		return ret;
	out[0] = NTM_VERSION;
	out[1] = r->flags;
	memset(out + 2, 0, 2);
	ntm_put_be32(out + 4, r->node_id);
	ntm_put_addr(out + 8, &r->vip);
	ntm_put_addr(out + 28, &r->local);
	ntm_put_addr(out + 48, &r->observed);
	ntm_put_addr(out + 68, &r->dc);
	return NTM_OK;
}

int ntm_record_decode(const uint8_t *in, size_t len, struct ntm_record *r)
{
	memset(r, 0, sizeof(*r));
	if (len < NTM_RECORD_LEN)
		return NTM_E_TRUNCATED;
	if (len > NTM_RECORD_LEN)
		return NTM_E_LENGTH;
	if (in[0] != NTM_VERSION)
		return NTM_E_VERSION;
	if (!ntm_zero(in + 2, 2))
		return NTM_E_MALFORMED;
	r->flags = in[1];
	r->node_id = ntm_get_be32(in + 4);
	if (ntm_addr_decode(in + 8, &r->vip) != NTM_OK ||
	    ntm_addr_decode(in + 28, &r->local) != NTM_OK ||
	    ntm_addr_decode(in + 48, &r->observed) != NTM_OK ||
	    ntm_addr_decode(in + 68, &r->dc) != NTM_OK)
		return NTM_E_MALFORMED;
	return ntm_record_check(r);
}
