// SPDX-License-Identifier: GPL-2.0
/*
 * A namespace's tunnel. NTM_CMD_TUNNEL_SET opens the UDP tunnel socket and
 * creates the ntm device; NTM_CMD_TUNNEL_DEL and the namespace's exit flush
 * the relay table and take both down. Paths exist only while a tunnel does.
 */

#include <linux/timer.h>

#include "tunnel.h"
#include "socket.h"
#include "device.h"

unsigned int ntm_net_id __read_mostly;

#define NTM_EXPIRY_PERIOD	HZ

static void ntm_tunnel_expiry(struct work_struct *work)
{
	struct ntm_net *nn = container_of(to_delayed_work(work),
					  struct ntm_net, expiry);

	mutex_lock(&nn->lock);
	if (nn->sock) {
		ntm_relay_expire(nn);
		queue_delayed_work(system_power_efficient_wq, &nn->expiry,
				   round_jiffies_relative(NTM_EXPIRY_PERIOD));
	}
	mutex_unlock(&nn->lock);
}

/*
 * Open the tunnel on @port (0: any), or move an open tunnel's socket to
 * @port. @ifname names the device when it is created.
 */
int ntm_tunnel_set(struct ntm_net *nn, u16 port, const char *ifname,
		   struct netlink_ext_ack *extack)
{
	struct socket *sock, *old = nn->sock;
	struct net_device *dev;
	int err;

	lockdep_assert_held(&nn->lock);
	if (old && (!port || port == nn->port))
		return 0;

	err = ntm_socket_open(nn, port, &sock);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot open the UDP tunnel socket");
		return err;
	}
	if (old) {
		nn->sock = sock;
		nn->port = ntm_socket_port(sock);
		rcu_assign_pointer(nn->sk, sock->sk);
		synchronize_net();
		ntm_socket_close(old);
		return 0;
	}

	err = ntm_device_create(nn, ifname, &dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot create the ntm device");
		goto err_sock;
	}
	nn->sock = sock;
	nn->port = ntm_socket_port(sock);
	nn->relay.max = NTM_DEFAULT_MAX_PATHS;
	atomic64_set(&nn->stats.drop_nopath, 0);
	atomic64_set(&nn->stats.drop_malformed, 0);
	atomic64_set(&nn->stats.rx_control, 0);
	rcu_assign_pointer(nn->sk, sock->sk);
	rcu_assign_pointer(nn->dev, dev);
	queue_delayed_work(system_power_efficient_wq, &nn->expiry,
			   NTM_EXPIRY_PERIOD);
	return 0;

err_sock:
	ntm_socket_close(sock);
	return err;
}

static void ntm_tunnel_teardown(struct ntm_net *nn)
{
	struct net_device *dev = ntm_tunnel_dev(nn);
	struct socket *sock = nn->sock;

	if (!sock)
		return;
	ntm_relay_flush(&nn->relay);
	RCU_INIT_POINTER(nn->sk, NULL);
	RCU_INIT_POINTER(nn->dev, NULL);
	nn->sock = NULL;
	nn->port = 0;
	synchronize_net();
	ntm_socket_close(sock);
	ntm_device_destroy(dev);
	cancel_delayed_work(&nn->expiry);
}

int ntm_tunnel_del(struct ntm_net *nn)
{
	lockdep_assert_held(&nn->lock);
	if (!nn->sock)
		return -ENOENT;
	ntm_tunnel_teardown(nn);
	return 0;
}

static int __net_init ntm_net_init(struct net *net)
{
	struct ntm_net *nn = ntm_net(net);

	nn->net = net;
	mutex_init(&nn->lock);
	INIT_DELAYED_WORK(&nn->expiry, ntm_tunnel_expiry);
	return ntm_relay_init(&nn->relay);
}

static void __net_exit ntm_net_exit(struct net *net)
{
	struct ntm_net *nn = ntm_net(net);

	cancel_delayed_work_sync(&nn->expiry);
	mutex_lock(&nn->lock);
	ntm_tunnel_teardown(nn);
	mutex_unlock(&nn->lock);
	ntm_relay_destroy(&nn->relay);
	mutex_destroy(&nn->lock);
}

/*
 * A pernet device: its exit runs before the core's default_device_exit, so
 * the ntm device (which has no rtnl_link_ops) is gone before the core would
 * try to move it to init_net.
 */
static struct pernet_operations ntm_net_ops = {
	.init = ntm_net_init,
	.exit = ntm_net_exit,
	.id = &ntm_net_id,
	.size = sizeof(struct ntm_net),
};

int __init ntm_tunnel_module_init(void)
{
	return register_pernet_device(&ntm_net_ops);
}

void ntm_tunnel_module_exit(void)
{
	unregister_pernet_device(&ntm_net_ops);
}
