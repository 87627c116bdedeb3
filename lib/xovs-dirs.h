/* lib/xovs-dirs.h: where xovs daemons keep their run-time files.
 *
 * Every xovs daemon (xovs-agent, xovs-netback, xovs-xenstored) puts its
 * control socket, and by default its other sockets, in one run directory:
 * $XOVS_RUNDIR if set, else /run/xovs.  A daemon creates the directory
 * when it is missing, as OVS's daemons do for theirs, so a documented
 * command line works on a fresh machine with no service running.  OVS's
 * own directories (ovs_rundir(): Debian's /var/run/openvswitch) are
 * libopenvswitch's business and are not touched here. */
#ifndef XOVS_DIRS_H
#define XOVS_DIRS_H 1

/* The run directory: $XOVS_RUNDIR, else XOVS_RUNDIR_DEFAULT.  The string is
 * owned by the module and lives as long as the process. */
#define XOVS_RUNDIR_DEFAULT "/run/xovs"
const char *xovs_rundir(void);

/* "unix:<rundir>/agent.sock", malloc'd: where xovs-agent serves its API and
 * where the xovs CLI looks for it by default. */
char *xovs_default_agent_rpc(void);

/* "<rundir>/<program_name>.ctl", malloc'd: a daemon's default unixctl
 * socket (`ovs-appctl -t /run/xovs/xovs-netback.ctl vif/show`). */
char *xovs_default_unixctl(void);

/* Creates directory 'dir' and its missing parents, each with mode 0755.
 * Returns 0 (also when it existed) or a positive errno; does not log. */
int xovs_mkdirs(const char *dir);

/* Creates the directory that holds file 'path' (everything before its last
 * '/') like xovs_mkdirs().  A 'path' without '/' needs nothing: 0. */
int xovs_mkdirs_for(const char *path);

#endif /* lib/xovs-dirs.h */
