/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A daemon's life (ntm-rsd, ntm-dc, ntm-node): detaching with a readiness
 * pipe, systemd's notify socket without libsystemd, a PID file.
 */
#ifndef _NTM_DAEMON_H
#define _NTM_DAEMON_H

/*
 * Fork; the parent waits until the child says it is ready
 * (ntm_daemon_ready()) and exits 0, or 1 if the child failed first
 * ("@name: the daemon failed to start; its reason is in the system log").
 * Returns the pipe's write end in the child, which is in a new session with
 * /dev/null as stdin, stdout and stderr.
 */
int ntm_daemon_detach(const char *name);
/* Tell the parent (fd from ntm_daemon_detach(), or -1: nothing) and
 * systemd (READY=1) that the daemon is ready; closes @fd. */
void ntm_daemon_ready(int fd);
/* sd_notify(3)'s message to $NOTIFY_SOCKET, if there is one. */
void ntm_sd_notify(const char *msg);
/* Our PID into @path. 0 or -1 (logged). */
int ntm_write_pid_file(const char *path);

#endif /* _NTM_DAEMON_H */
