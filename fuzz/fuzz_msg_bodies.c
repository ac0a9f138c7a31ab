// SPDX-License-Identifier: MIT
/*
 * The body decoders without the AEAD: the first byte is the message type,
 * the rest the body. Whatever decodes must pass the encoder's checks and
 * encode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ntm/msg.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[NTM_BODY_MAX_LEN];
	union ntm_body b;
	ssize_t n;
	uint8_t type;

	if (size < 1)
		return 0;
	type = data[0];
	if (ntm_body_decode(type, data + 1, size - 1, &b) != NTM_OK)
		return 0;
	if (!ntm_ctl_type_valid(type) || ntm_body_check(type, &b) != NTM_OK ||
	    ntm_body_len(type, &b) != (ssize_t)(size - 1))
		abort();
	n = ntm_body_encode(type, &b, out, sizeof(out));
	if (n != (ssize_t)(size - 1) || memcmp(out, data + 1, size - 1))
		abort();
	return 0;
}
