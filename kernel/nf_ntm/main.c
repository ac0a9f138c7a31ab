// SPDX-License-Identifier: GPL-2.0
/*
 * nf_ntm: the NTMobile Relay Server datapath (RS-S, RS-N, RS-T).
 * docs/protocol.md describes the wire protocol, include/uapi/nf_ntm.h the
 * generic netlink interface that programs it.
 */

#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/nf_ntm.h>

#include "relay.h"
#include "tunnel.h"
#include "netlink.h"

static int __init ntm_mod_init(void)
{
	int err;

	err = ntm_relay_module_init();
	if (err)
		return err;
#ifdef NTM_SELFTEST
	if (!ntm_relay_selftest()) {
		err = -ENOTRECOVERABLE;
		goto err_relay;
	}
#endif
	err = ntm_tunnel_module_init();
	if (err)
		goto err_relay;
	err = ntm_genl_init();
	if (err)
		goto err_tunnel;
	return 0;

err_tunnel:
	ntm_tunnel_module_exit();
err_relay:
	ntm_relay_module_exit();
	return err;
}

static void __exit ntm_mod_exit(void)
{
	ntm_genl_uninit();
	ntm_tunnel_module_exit();
	ntm_relay_module_exit();
}

module_init(ntm_mod_init);
module_exit(ntm_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NTMobile relay server datapath");
MODULE_AUTHOR("ntmobile");
MODULE_ALIAS_GENL_FAMILY(NTM_GENL_NAME);
