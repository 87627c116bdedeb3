/* controller/ctl-host.h: what xovs-controller's main loop asks of the
 * hosts and live-migration module (ctl-host.c; its verbs are run by the
 * request executor, ctl-db.h). */
#ifndef CTL_HOST_H
#define CTL_HOST_H 1

#include <stdbool.h>

struct ctl_env;
struct json_object;

/* Whether VIF 'vif''s migration to host 'target' has happened in OVN
 * (ctl-sb.h's ctl_sb_vif_activated()). */
typedef bool ctl_host_activated_func(void *aux, const char *vif,
                                     const char *target);

/* Completes the live migrations of '*db' that 'activated' says happened,
 * each as pool-vif-migrate-complete does (through ctl_db_handle_line() with
 * 'env' and 'store_path': saved before '*db' is replaced).  '*changed' is
 * true iff '*db' was replaced.  Returns the number of completions that
 * failed (each logged, rate-limited; '*db' keeps them migrating, so a later
 * call tries again). */
int ctl_host_complete_activated(struct json_object **db,
                                const struct ctl_env *env,
                                const char *store_path,
                                ctl_host_activated_func *activated, void *aux,
                                bool *changed);

#endif /* controller/ctl-host.h */
