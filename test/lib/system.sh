# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The whole NTMobile system on the shared topology (topo.sh): a DC (ntm-dc),
# the RS (ntm-rsd), two NTM nodes (ntm-node in MN and CN, each behind its own
# NAT), a general host GH (a web server and a SIP server), and a second NAT
# router, NAT_MN2, for MN to move to. Works in the VM (kernel datapath) and on
# the host (user datapath) alike.
#
#        10.1.0.0/24                198.51.100.0/24 "public"
#  +----+ eth0   lan0 +--------+ .1   +-----------+ .10  +----+
#  |    |-------------| NAT_MN |------|           |------| RS |  ntm-rsd, RS-T pool 203.0.113.0/28
#  | MN |             +--------+      |           | .20  +----+
#  |    | eth1   lan0 +---------+ .3  |  br0 PUB  |------| DC |  ntm-dc, zone ntm.test, DNS
#  |    |- - - - - - -| NAT_MN2 |-----|           | .30  +----+
#  +----+ 10.3.0.0/24 +---------+     |           |------| GH |  http :8080; .31 SIP :5060
#  +----+ eth0   lan0 +--------+ .2   |           |      +----+
#  | CN |-------------| NAT_CN |------|           |
#  +----+ 10.2.0.0/24 +--------+      +-----------+
#
# Names in the zone: mn.ntm.test (node 11), cn.ntm.test (node 12),
# gh.ntm.test (host 198.51.100.30, RS-N), sip.ntm.test (GH's second address,
# 198.51.100.31, always RS-T: the DC's policy is per host address).
#
# The DC, its keys and names are dc.sh's, the nodes' daemon node.sh's,
# NAT_MN2 and the NATs' firewall topo.sh's. Here: what only the whole-system
# scenario needs.
#
#   sys_up DATAPATH          the topology with NAT_MN2 and the NATs'
#                            firewall, ntm-rsd (DATAPATH kernel|user), ntm-dc
#                            (registrations live 60 s), the web and SIP
#                            servers on GH; nodes register for 30 s and send
#                            keepalives every 5 s
#   resolve NS NAME          getent ahostsv4 NAME in NS: the first address

# shellcheck source=test/lib/node.sh
source "$(dirname "${BASH_SOURCE[0]}")/node.sh"

export DC_LIFETIME=60 NODE_LIFETIME=30 NODE_KEEPALIVE=5

sys_up() {
	local dp=$1

	rsd_topo_up
	topo_nat_mn2_up
	topo_nat_firewall "$NAT_MN" "$NAT_CN" "$NAT_MN2" || die "firewall on the NATs"

	rsd_conf "$dp" "route $HOST_VIP_NET"
	# shellcheck disable=SC2119
	rsd_start

	# shellcheck disable=SC2119 # no extra lines
	dc_conf
	dc_start

	# SIP: a UAS answering every call on GH's second address.
	n "$GH" ip addr add "$SIP_IP/32" dev eth0
	n_bg "$GH" sipp -sn uas -i "$SIP_IP" -p 5060 -nostdin -trace_msg \
		-message_file "$NTM_LOGDIR/sipp-uas-msg.log" >"$NTM_LOGDIR/sipp-uas.log" 2>&1
	wait_for 30 listening "$GH" udp 5060 || die "no SIP server on GH"
}

resolve() {
	ip netns exec "$1" getent ahostsv4 "$2" | awk 'NR == 1 { print $1 }'
}
