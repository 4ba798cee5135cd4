/* process_info.c - process records for socket events, parents, containers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "process_info.h"

#include <string.h>

#include "container.h"
#include "procfs.h"
#include "user_names.h"

/* Start times from /proc count from btime, a whole second: a record read
 * there matches an event's exact start time within this. */
#define START_TOLERANCE_NS (2 * G_GUINT64_CONSTANT(1000000000))
#define UNUSED_US (60 * G_USEC_PER_SEC)

typedef struct {
    pm_process *process;
    gint64      used_us;
} event_record;

typedef struct {
    guint64 start_time_ns;
    char   *filename;
    GPtrArray *argv;
    gint64  used_us;
} exec_record;

typedef struct {
    pm_process  *parent;       /* or NULL */
    pm_container container;
    gint64       used_us;
} surroundings;

struct pm_process_info {
    pm_backend *procfs;        /* or the monitor's backend */
    char       *proc_root;     /* the procfs backend's, for containers; or NULL */
    gboolean    read_containers;
    pm_container_fn containers;
    gpointer    containers_data;
    pm_diag     diag;
    GHashTable *events;        /* pid -> event_record* */
    GHashTable *execs;         /* pid -> exec_record* */
    GHashTable *around;        /* process_key* -> surroundings* */
    pm_user_names *users;
};

static void
event_record_free(gpointer data)
{
    event_record *record = data;

    pm_process_unref(record->process);
    g_free(record);
}

static void
exec_record_free(gpointer data)
{
    exec_record *record = data;

    g_free(record->filename);
    if (record->argv)
        g_ptr_array_unref(record->argv);
    g_free(record);
}

static void
surroundings_free(gpointer data)
{
    surroundings *around = data;

    if (around->parent)
        pm_process_unref(around->parent);
    pm_container_clear(&around->container);
    g_free(around);
}

static pm_process_info *
info_new(pm_backend *backend)
{
    pm_process_info *info = g_new0(pm_process_info, 1);

    info->procfs = backend;
    pm_diag_init(&info->diag, NULL, NULL);
    info->events = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, event_record_free);
    info->execs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, exec_record_free);
    info->around = pm_process_key_table_new(surroundings_free);
    info->users = pm_user_names_new(backend);
    return info;
}

static gboolean
container_from_proc_root(gpointer data, gint32 pid, pm_container *out)
{
    return pm_container_of_pid(((pm_process_info *)data)->proc_root, NULL, pid, out);
}

pm_process_info *
pm_process_info_new(const char *proc_root, gboolean read_containers)
{
    pm_process_info *info;

    proc_root = proc_root ? proc_root : "/proc";
    info = info_new(pm_procfs_backend_new(proc_root));
    info->proc_root = g_strdup(proc_root);
    info->read_containers = read_containers;
    info->containers = container_from_proc_root;
    info->containers_data = info;
    return info;
}

pm_process_info *
pm_process_info_new_with_backend(pm_backend *backend, pm_container_fn containers,
                                 gpointer containers_data)
{
    pm_process_info *info = info_new(backend);

    info->read_containers = containers != NULL;
    info->containers = containers;
    info->containers_data = containers_data;
    return info;
}

void
pm_process_info_free(pm_process_info *info)
{
    if (info == NULL)
        return;
    g_hash_table_unref(info->events);
    g_hash_table_unref(info->execs);
    g_hash_table_unref(info->around);
    pm_user_names_free(info->users);
    pm_backend_free(info->procfs);
    g_free(info->proc_root);
    g_free(info);
}

/* One cache of user names for every program (user_names.h): sanitised
 * as the plugin's are. */
static const char *
user_of(pm_process_info *info, guint32 uid)
{
    return pm_user_names_get(info->users, uid);
}

static gboolean
same_start(guint64 a, guint64 b)
{
    if (a == 0 || b == 0)
        return TRUE;        /* unknown: do not refuse */
    return (a > b ? a - b : b - a) <= START_TOLERANCE_NS;
}

/* The exec event of the program @pid runs, if that process started at
 * @start_time_ns (and not an earlier one with the same pid), or NULL. */
static exec_record *
exec_of(pm_process_info *info, gint32 pid, guint64 start_time_ns)
{
    exec_record *exec = g_hash_table_lookup(info->execs, GINT_TO_POINTER(pid));

    return exec != NULL && same_start(exec->start_time_ns, start_time_ns) ? exec : NULL;
}

/* What /proc no longer shows, from the exec event: an exiting process (a
 * zombie its parent has not reaped yet) has given back its memory, so its
 * exe link is gone and its cmdline empty, while its stat still matches -
 * the common case for a one-shot program whose events are read late.  (An
 * exe link we may not read is completed the same way.) */
static void
complete_from_exec(pm_process_info *info, pm_process_raw *raw, guint64 start_time_ns)
{
    gboolean no_args = raw->argv == NULL || raw->argv->len == 0;
    exec_record *exec;

    if (raw->exe != NULL && !no_args)
        return;
    exec = exec_of(info, raw->pid, raw->start_time_ns ? raw->start_time_ns : start_time_ns);
    if (exec == NULL)
        return;
    if (raw->exe == NULL)
        raw->exe = g_strdup(exec->filename);
    if (no_args && exec->argv != NULL) {
        if (raw->argv)
            g_ptr_array_unref(raw->argv);
        raw->argv = g_ptr_array_ref(exec->argv);
        raw->args_truncated = FALSE;
    }
}

/* A record of @pid read from /proc, or NULL (gone, another process now, or
 * not the caller's to see: then @hidden). */
static pm_process *
read_live(pm_process_info *info, gint32 pid, guint64 start_time_ns, gboolean *hidden)
{
    pm_process_raw raw;
    pm_process *process;
    pm_read_status status = info->procfs->ops->read_process(info->procfs, pid, &raw, &info->diag);

    if (hidden)
        *hidden = status == PM_READ_FAILED;
    if (status != PM_READ_OK) {
        pm_process_raw_clear(&raw);
        return NULL;
    }
    if (!same_start(raw.start_time_ns, start_time_ns)) {
        pm_process_raw_clear(&raw);
        return NULL;
    }
    complete_from_exec(info, &raw, start_time_ns);
    process = pm_process_new(&raw, raw.has_uid ? user_of(info, raw.uid) : NULL, NULL, 0);
    pm_process_raw_clear(&raw);
    return process;
}

/* A record from the event alone, and the exec event of its program. */
static pm_process *
from_event(pm_process_info *info, const pm_event_process *event)
{
    exec_record *exec = exec_of(info, event->pid, event->start_time_ns);
    pm_process_raw raw;
    pm_process *process;

    memset(&raw, 0, sizeof raw);
    raw.pid = event->pid;
    raw.ppid = event->ppid > 0 ? event->ppid : -1;
    raw.comm = g_strdup(event->comm);
    raw.start_time_ns = event->start_time_ns;
    raw.has_uid = TRUE;
    raw.uid = event->uid;
    if (exec != NULL) {
        raw.exe = g_strdup(exec->filename);
        if (exec->argv)
            raw.argv = g_ptr_array_ref(exec->argv);
    }
    process = pm_process_new(&raw, user_of(info, event->uid), NULL, 0);
    pm_process_raw_clear(&raw);
    return process;
}

pm_process *
pm_process_info_from_event(pm_process_info *info, const pm_event_process *event,
                           gint64 now_us)
{
    event_record *record = g_hash_table_lookup(info->events, GINT_TO_POINTER(event->pid));
    pm_process *process;
    gboolean hidden;

    /* The same process, still running the same program (an exec renames
     * comm; a thread may have its own name, but then the record is read
     * again at worst). */
    if (record != NULL && same_start(record->process->start_time_ns, event->start_time_ns) &&
        (record->process->comm == NULL || event->comm == NULL || event->tid != event->pid ||
         g_strcmp0(record->process->comm, event->comm) == 0)) {
        record->used_us = now_us;
        return pm_process_ref(record->process);
    }
    process = read_live(info, event->pid, event->start_time_ns, &hidden);
    if (process == NULL && hidden)
        return NULL;
    if (process == NULL)
        process = from_event(info, event);
    record = g_new0(event_record, 1);
    record->process = pm_process_ref(process);
    record->used_us = now_us;
    g_hash_table_replace(info->events, GINT_TO_POINTER(event->pid), record);
    return process;
}

void
pm_process_info_exec(pm_process_info *info, const pm_event_process *event,
                     const char *filename, const char *argv, gsize argv_len, gint64 now_us)
{
    exec_record *exec = g_new0(exec_record, 1);

    exec->start_time_ns = event->start_time_ns;
    exec->filename = g_strdup(filename && *filename ? filename : NULL);
    exec->used_us = now_us;
    if (argv != NULL && argv_len > 0) {
        gsize i = 0;

        exec->argv = g_ptr_array_new_with_free_func(g_free);
        while (i < argv_len) {
            gsize len = strnlen(argv + i, argv_len - i);

            g_ptr_array_add(exec->argv, g_strndup(argv + i, len));
            i += len + 1;
        }
    }
    g_hash_table_replace(info->execs, GINT_TO_POINTER(event->pid), exec);
    g_hash_table_remove(info->events, GINT_TO_POINTER(event->pid));
}

void
pm_process_info_subject(pm_process_info *info, const pm_process *process, guint32 tid,
                        const char *thread_name, gint64 now_us, pm_comment_subject *out)
{
    pm_process_key key;
    surroundings *around;

    memset(out, 0, sizeof *out);
    if (process == NULL)
        return;
    out->process = process;
    out->tid = tid;
    out->thread_name = thread_name;
    key.pid = process->pid;
    key.start_time_ns = process->start_time_ns;
    around = g_hash_table_lookup(info->around, &key);
    if (around == NULL) {
        around = g_new0(surroundings, 1);
        if (process->ppid > 0)
            around->parent = read_live(info, process->ppid, 0, NULL);
        if (info->read_containers && info->containers)
            (void)info->containers(info->containers_data, process->pid, &around->container);
        g_hash_table_insert(info->around, pm_process_key_new(key.pid, key.start_time_ns), around);
    }
    around->used_us = now_us;
    out->parent = around->parent;
    out->container_id = around->container.id;
    out->container_name = around->container.name;
}

static gboolean
event_unused(gpointer key, gpointer value, gpointer data)
{
    return *(gint64 *)data - ((event_record *)value)->used_us > UNUSED_US;
}

static gboolean
exec_unused(gpointer key, gpointer value, gpointer data)
{
    return *(gint64 *)data - ((exec_record *)value)->used_us > UNUSED_US;
}

static gboolean
around_unused(gpointer key, gpointer value, gpointer data)
{
    return *(gint64 *)data - ((surroundings *)value)->used_us > UNUSED_US;
}

void
pm_process_info_expire(pm_process_info *info, gint64 now_us)
{
    g_hash_table_foreach_remove(info->events, event_unused, &now_us);
    g_hash_table_foreach_remove(info->execs, exec_unused, &now_us);
    g_hash_table_foreach_remove(info->around, around_unused, &now_us);
}
