/* lib/xovs-limits.h: resource limits the xovs daemons set for themselves.
 *
 * xovs-netback holds about seven fds per VIF (tap, the guest's socket,
 * event channel fds, grant mappings' memfd) and xovs-xenstored three per
 * guest (its two connections and the hotplug scripts' ones); a service
 * started by systemd gets a soft limit of 1024 fds (hard: 524288), which
 * 150 VIFs exhaust.  So a daemon raises its soft limit to the hard one at
 * start, as systemd.exec(5) advises programs that need many fds to do. */
#ifndef XOVS_LIMITS_H
#define XOVS_LIMITS_H 1

/* Raises the soft RLIMIT_NOFILE to the hard limit (capped at 'max' when
 * 'max' is not 0: select()-free daemons need no cap, but a sane bound
 * keeps an unlimited hard limit from meaning "millions").  Logs the new
 * limit at INFO, a failure as a WARN (the daemon goes on with what it
 * has).  Returns the soft limit in force afterwards. */
unsigned long xovs_raise_fd_limit(unsigned long max);

/* The bound the daemons pass: 7000 VIFs (1000 VMs x 7) at seven fds each,
 * with room. */
#define XOVS_FD_LIMIT_MAX 65536

#endif /* lib/xovs-limits.h */
