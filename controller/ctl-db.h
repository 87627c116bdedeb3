/* controller/ctl-db.h: xovs-controller's pool records, their durable store
 * and the request executor behind its RPC socket.
 *
 * The records are one JSON object, kept in memory as it is on disk:
 *
 *   {"networks": {UUID: {"name-label": "...", "name-description": "...",
 *                        "physical-network": "" | "physnet1",
 *                        "vlan": -1 | 0..4094}, ...},
 *    "vifs":     {UUID: {"network-uuid": "...", "mac": "02:..:..",
 *                        "host": "system-id", "vm-uuid": "..."}, ...},
 *    "acls":     {UUID: {...}, ...}}     (ctl-acl.h)
 *
 * A pool network is private (overlay only: an OVN logical switch whose
 * ports reach each other over Geneve) or bridged to a physical network
 * ("physical-network", a name hosts map to a bridge in
 * ovn-bridge-mappings; "vlan" on it, or -1 for untagged) by a localnet
 * port.  A VIF is placed on a network and a host (the host's OVN system-id);
 * its uuid is the VIF record's on that host, which the host's agent puts in
 * the OVS interface's external_ids:iface-id, so OVN binds the two.
 *
 * ctl_db_call() checks a request completely before it changes anything, so
 * a rejected request leaves the records as they were; ctl_db_handle_line()
 * writes a change durably before it answers.
 *
 * On disk the store is a snapshot PATH (the JSON above) and a journal
 * PATH.journal (ctl-journal.c): each change appends the records it changed
 * and fsyncs, and the journal is folded into a new snapshot when it has
 * grown as large as the snapshot, so one change costs the same in a pool
 * of 10 or 10000 VIFs. */
#ifndef CTL_DB_H
#define CTL_DB_H 1

#include <stdbool.h>
#include <stddef.h>

struct ctl_plan;
struct ctl_sb_host;
struct json_object;

/* Largest store file accepted (bytes). */
#define CTL_STORE_MAX_SIZE (64 * 1024 * 1024)

/* An empty database: {"networks": {}, "vifs": {}, "acls": {}}.  Caller puts
 * it. */
struct json_object *ctl_db_new(void);

/* Loads 'path' and replays PATH.journal over it into '*db' (a missing file
 * is an empty database), then folds the journal into a new snapshot so
 * that PATH alone holds the records (also done at exit).  Returns NULL or
 * a malloc'd one-line message ('*db' then NULL): a file that is not a
 * valid store is refused, never replaced.  A torn last journal entry (a
 * change that was never answered) is dropped with a warning in the log, as
 * is a failure to write the snapshot; other errors are not logged. */
char *ctl_store_load(const char *path, struct json_object **db);

/* Writes the snapshot 'db' to 'path' durably: PATH.tmp, fsync, rename,
 * fsync of the directory (the journal is not touched: ctl-journal.c's
 * compaction empties it after this).  Returns NULL or a malloc'd message
 * (the old file is then intact).  Does not log. */
char *ctl_store_save(const char *path, struct json_object *db);

/* What the store at 'path' did in this process. */
struct ctl_store_stats {
    long long journal_bytes;
    unsigned long long n_appends;
    unsigned long long n_compactions;
};
void ctl_store_get_stats(const char *path, struct ctl_store_stats *);

/* Fills 'plan' (empty) with the records of 'db' (a checked store). */
void ctl_db_plan(struct json_object *db, struct ctl_plan *plan);

/* What the executor asks of the rest of the daemon: whether a record is in
 * OVN's northbound database ("applied" or "pending") and whether a VIF's
 * logical port is bound by a host.  NULL members: not reported. */
struct ctl_env {
    const char *(*network_status)(void *aux, const char *uuid);
    const char *(*vif_status)(void *aux, const char *uuid);
    bool (*vif_bound)(void *aux, const char *uuid);
    const char *(*acl_status)(void *aux, const char *uuid);
    void *aux;
    /* What OVN's southbound database says of a host (ctl-sb.h). */
    void (*host_sb)(void *sb_aux, const char *host, struct ctl_sb_host *);
    void *sb_aux;
};

/* Executes 'method' with 'params' (an object of strings, or NULL) on 'db'.
 * Returns 0 ('*result' set, caller puts it), 1 (rejected) or 2 (usage), with
 * '*error' a malloc'd one-line message on 1 and 2, 'db' then unchanged.
 * '*changed' is true iff 'db' was modified. */
int ctl_db_call(struct json_object *db, const struct ctl_env *,
                const char *method, struct json_object *params,
                struct json_object **result, char **error, bool *changed);

/* One request line end to end: parses it, runs ctl_db_call(), appends the
 * records it changed to 'store_path''s journal and only then answers; if
 * the append fails, '*db' is as it was.  The verbs whose records are known
 * from their parameters run on '*db' itself (the records they may touch
 * are copied first, to be put back); the others on a copy of '*db' that
 * replaces it (the old one is put).  Returns the response line (malloc'd,
 * ending in '\n'); '*changed' is true iff '*db' was changed. */
char *ctl_db_handle_line(struct json_object **db, const struct ctl_env *,
                         const char *store_path, const char *line, size_t len,
                         bool *changed);

/* The records the last change of ctl_db_handle_line() changed, as they are
 * now in 'db': fills 'delta' (empty) for ctl_nb_update(). */
struct ctl_plan_delta;
void ctl_db_take_delta(struct json_object *db, struct ctl_plan_delta *delta);

#endif /* controller/ctl-db.h */
