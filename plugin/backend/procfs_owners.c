/* procfs_owners.c - the owner scan of the procfs backend: which processes
 * hold some socket inodes, from one pass over <root>/<pid>/fd.
 *
 * A whole pass reads every fd of every process, and must: nothing tells that
 * an fd table is unchanged since an earlier scan (an fd closed and reused
 * for another socket keeps its number and its /proc entry), a process can
 * gain a socket it did not create (fork, dup, SCM_RIGHTS) whatever its uid
 * or the socket's, and a kernel thread is only known to have no fds once its
 * fd directory is read, which costs as much as the check.  A partial pass
 * (the watcher knows the other sockets' owners) stops after the process
 * that gives the last wanted inode its first owner; /proc lists pids in
 * ascending order, so that owner is usually the oldest.  The pass is kept
 * to the syscalls it cannot avoid: per process an openat, getdents64 into a
 * buffer kept by the backend (no DIR, no malloc) and a close; per fd one
 * readlinkat (d_type is DT_LNK for every entry, and stat would cost the same
 * lookup); the target is parsed in place and checked against a flat inode
 * set built once per scan.
 *
 * What a scan can reuse from the previous one is the start time of each
 * owning process (process_start, the watcher's check that a kept owner
 * lives, reads the same records): /proc/<pid>/stat is read (~10 us) only
 * when the identity of that file - device, inode number, size and times,
 * one fstatat - differs from the previous scan's.  A /proc inode belongs to one process for its
 * whole life (a recycled pid gets new inodes), and a fake tree rewritten by
 * replacing the file changes at least its inode number.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE  /* getdents64, struct dirent64 */
#include "procfs_owners.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Room for "socket:[<20 digits>]" and a byte to tell it was cut. */
#define FD_LINK_MAX 64
/* One getdents64 call lists ~1000 fds with this. */
#define DENTS_BUFFER_SIZE (32 * 1024)

/* ---- a set of inodes ---------------------------------------------------- */

/* Open addressing over plain guint64 (0 marks a free slot: no socket has
 * inode 0): one cache line per lookup, where the caller's GHashTable of
 * pointers costs a call and a pointer chase per fd.  Each slot also says
 * whether the running scan found an owner for it (a partial scan stops when
 * all have one). */
typedef struct {
    guint64 *slots;
    guint8  *found;
    gsize    mask;    /* capacity - 1; capacity a power of two */
    gsize    count;
    gsize    count_found;
} inode_set;

static gsize
inode_slot(guint64 inode, gsize mask)
{
    /* Fibonacci hashing: inode numbers come in runs. */
    return (gsize)((inode * G_GUINT64_CONSTANT(0x9E3779B97F4A7C15)) >> 32) & mask;
}

/* Fills @set with the inodes of @wanted (a set of guint64*), keeping its
 * storage across scans. */
static void
inode_set_fill(inode_set *set, GHashTable *wanted)
{
    gsize need = 16;
    GHashTableIter iter;
    gpointer key;

    while (need < 2 * (gsize)g_hash_table_size(wanted))
        need *= 2;
    if (set->slots == NULL || set->mask + 1 < need || set->mask + 1 > 4 * need) {
        g_free(set->slots);
        g_free(set->found);
        set->slots = g_new(guint64, need);
        set->found = g_new(guint8, need);
        set->mask = need - 1;
    }
    memset(set->slots, 0, (set->mask + 1) * sizeof *set->slots);
    memset(set->found, 0, (set->mask + 1) * sizeof *set->found);
    set->count = 0;
    set->count_found = 0;
    g_hash_table_iter_init(&iter, wanted);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        guint64 inode = *(const guint64 *)key;
        gsize i = inode_slot(inode, set->mask);

        if (inode == 0)
            continue;
        while (set->slots[i] != 0 && set->slots[i] != inode)
            i = (i + 1) & set->mask;
        if (set->slots[i] == 0) {
            set->slots[i] = inode;
            set->count++;
        }
    }
}

/* Whether @inode is in @set; if so it counts as found. */
static gboolean
inode_set_take(inode_set *set, guint64 inode)
{
    gsize i = inode_slot(inode, set->mask);

    for (;;) {
        if (set->slots[i] == inode && inode != 0) {
            if (!set->found[i]) {
                set->found[i] = 1;
                set->count_found++;
            }
            return TRUE;
        }
        if (set->slots[i] == 0)
            return FALSE;
        i = (i + 1) & set->mask;
    }
}

/* ---- what is kept between scans ----------------------------------------- */

/* The start time of one process, and the identity of the stat file it was
 * read from. */
typedef struct {
    dev_t           dev;
    ino_t           ino;
    off_t           size;
    struct timespec mtime;
    struct timespec ctime;
    guint64         start_ns;
} start_record;

struct pm_procfs_owners {
    char       *dents;          /* DENTS_BUFFER_SIZE bytes */
    inode_set   wanted;
    GHashTable *start_times;    /* pid -> start_record*, from the previous scan */
    GHashTable *next_start_times; /* filled by the running scan */
};

pm_procfs_owners *
pm_procfs_owners_new(void)
{
    pm_procfs_owners *cache = g_new0(pm_procfs_owners, 1);

    cache->dents = g_malloc(DENTS_BUFFER_SIZE);
    cache->start_times = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    cache->next_start_times = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return cache;
}

void
pm_procfs_owners_free(pm_procfs_owners *cache)
{
    if (cache == NULL)
        return;
    g_free(cache->dents);
    g_free(cache->wanted.slots);
    g_free(cache->wanted.found);
    g_hash_table_unref(cache->start_times);
    g_hash_table_unref(cache->next_start_times);
    g_free(cache);
}

static gboolean
same_file(const start_record *record, const struct stat *st)
{
    return record->dev == st->st_dev && record->ino == st->st_ino
           && record->size == st->st_size
           && record->mtime.tv_sec == st->st_mtim.tv_sec
           && record->mtime.tv_nsec == st->st_mtim.tv_nsec
           && record->ctime.tv_sec == st->st_ctim.tv_sec
           && record->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* ---- the scan ----------------------------------------------------------- */

typedef struct {
    pm_procfs_root   *root;
    pm_procfs_owners *cache;
    GArray         *owners;
    pm_owner_scan  *scan;
    pm_diag        *diag;
    int             root_fd;
    guint           unreadable;       /* in this call */
    gint32          first_unreadable_pid;
} owner_scan;

/* Appends the owners among the fds of one process; @fd_dir_fd is consumed.
 * FALSE when the links are not ours to read: the directory may open (root
 * without CAP_SYS_PTRACE, a target with more capabilities) while readlink
 * is refused. */
static gboolean
scan_fd_dir(owner_scan *os, gint32 pid, int fd_dir_fd)
{
    char *buf = os->cache->dents;
    gboolean readable = TRUE;
    ssize_t n = 0;

    while (readable && (n = getdents64(fd_dir_fd, buf, DENTS_BUFFER_SIZE)) > 0) {
        for (ssize_t offset = 0; offset < n;) {
            const struct dirent64 *entry = (const struct dirent64 *)(buf + offset);
            char target[FD_LINK_MAX];
            ssize_t len;
            gint32 fd;
            guint64 inode;

            offset += entry->d_reclen;
            if (!pm_parse_pid_name(entry->d_name, &fd))
                continue;  /* "." and ".." */
            os->scan->fds_scanned++;
            len = readlinkat(fd_dir_fd, entry->d_name, target, sizeof target);
            if (len < 0 && pm_procfs_denied_errno(errno)) {
                readable = FALSE;
                break;
            }
            if (len < 0)
                continue;  /* closed since the listing */
            switch (pm_parse_fd_link(target, (gsize)len, &inode)) {
            case PM_FD_LINK_OTHER:
                continue;
            case PM_FD_LINK_MALFORMED:
                pm_diag_note(os->diag, PM_DIAG_MALFORMED_FD_LINK, PM_DIAG_LEVEL_INFO,
                             "%s/%d/fd/%s: malformed socket link: skipped",
                             os->root->path, pid, entry->d_name);
                continue;
            case PM_FD_LINK_SOCKET:
                break;
            }
            if (inode_set_take(&os->cache->wanted, inode)) {
                pm_owner owner = { inode, pid, fd, 0 };
                g_array_append_val(os->owners, owner);
            }
        }
    }
    if (n < 0 && pm_procfs_gone_errno(errno))
        pm_procfs_note_vanished(os->diag, pid);
    close(fd_dir_fd);
    if (readable)
        os->scan->processes_scanned++;
    return readable;
}

static void
note_unreadable_fd_dir(owner_scan *os, const char *pid_name, gint32 pid)
{
    struct stat st;

    os->scan->fd_dirs_unreadable++;
    if (os->unreadable++ == 0)
        os->first_unreadable_pid = pid;
    /* The owner of /proc/<pid> is the process's uid. */
    if (fstatat(os->root_fd, pid_name, &st, 0) != 0)
        return;
    if (os->scan->unreadable_uids == NULL)
        os->scan->unreadable_uids = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_add(os->scan->unreadable_uids, GUINT_TO_POINTER((guint)st.st_uid + 1));
}

/* The start time of @pid from its stat file @stat_path (relative to
 * @dir_fd): the cached one when the file is the same file, else read; 0 if
 * unknown, with *@vanished set when the process is gone.  The record goes
 * into @into. */
static guint64
start_time_at(pm_procfs_owners *cache, pm_procfs_root *root, int dir_fd,
              const char *stat_path, gint32 pid, GHashTable *into, guint *reused,
              pm_diag *diag, gboolean *vanished)
{
    char text[PM_PROCFS_STAT_MAX];
    struct stat st;
    start_record *record;
    pm_proc_stat stat_fields;
    gsize len;
    guint64 start_ns = 0;
    /* The identity before the read: a process replaced in between leaves a
     * record that cannot match its successor's file. */
    gboolean identified;

    *vanished = FALSE;
    identified = fstatat(dir_fd, stat_path, &st, 0) == 0;
    if (!identified && pm_procfs_gone_errno(errno)) {
        *vanished = TRUE;
        return 0;
    }
    record = identified ? g_hash_table_lookup(cache->start_times, GINT_TO_POINTER(pid))
                        : NULL;
    if (record != NULL && same_file(record, &st)) {
        (*reused)++;
        start_ns = record->start_ns;
    } else {
        int err = pm_procfs_read_at(dir_fd, stat_path, text, sizeof text, &len);
        if (err == 0 && pm_parse_proc_stat(text, len, &stat_fields))
            start_ns = pm_procfs_start_time_ns(root, stat_fields.start_ticks, diag);
        else
            *vanished = err != 0 && pm_procfs_gone_errno(err);
    }
    if (identified && start_ns != 0) {
        record = g_new(start_record, 1);
        record->dev = st.st_dev;
        record->ino = st.st_ino;
        record->size = st.st_size;
        record->mtime = st.st_mtim;
        record->ctime = st.st_ctim;
        record->start_ns = start_ns;
        g_hash_table_replace(into, GINT_TO_POINTER(pid), record);
    }
    return start_ns;
}

/* The start time of @pid, which holds wanted sockets. */
static guint64
owner_start_time(owner_scan *os, const char *pid_name, gint32 pid)
{
    char path[32];
    gboolean vanished;

    g_snprintf(path, sizeof path, "%s/stat", pid_name);
    return start_time_at(os->cache, os->root, os->root_fd, path, pid,
                         os->cache->next_start_times, &os->scan->start_times_reused,
                         os->diag, &vanished);
}

pm_read_status
pm_procfs_owners_start_time(pm_procfs_owners *cache, pm_procfs_root *root, gint32 pid,
                            guint64 *start_time_ns, pm_diag *diag)
{
    char path[PATH_MAX];
    guint reused = 0;
    gboolean vanished;

    g_snprintf(path, sizeof path, "%s/%d/stat", root->path, pid);
    *start_time_ns = start_time_at(cache, root, AT_FDCWD, path, pid, cache->start_times,
                                   &reused, diag, &vanished);
    if (*start_time_ns != 0)
        return PM_READ_OK;
    return vanished ? PM_READ_VANISHED : PM_READ_FAILED;
}

static void
scan_process(owner_scan *os, const char *pid_name, gint32 pid)
{
    char path[32];
    guint first_owner = os->owners->len;
    guint64 start_ns;
    int fd_dir_fd;

    g_snprintf(path, sizeof path, "%s/fd", pid_name);
    fd_dir_fd = openat(os->root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_dir_fd < 0) {
        if (pm_procfs_denied_errno(errno))
            note_unreadable_fd_dir(os, pid_name, pid);
        else if (pm_procfs_gone_errno(errno))
            pm_procfs_note_vanished(os->diag, pid);
        else
            pm_diag_note(os->diag, PM_DIAG_PROCESS_UNREADABLE, PM_DIAG_LEVEL_INFO,
                         "cannot open %s/%s: %s", os->root->path, path, g_strerror(errno));
        return;
    }
    if (!scan_fd_dir(os, pid, fd_dir_fd))
        note_unreadable_fd_dir(os, pid_name, pid);  /* keeps what it found before */
    if (os->owners->len == first_owner)
        return;

    /* Only processes holding a wanted socket pay for their start time. */
    start_ns = owner_start_time(os, pid_name, pid);
    for (guint i = first_owner; i < os->owners->len; i++)
        g_array_index(os->owners, pm_owner, i).start_time_ns = start_ns;
}

gboolean
pm_procfs_owners_find(pm_procfs_owners *cache, pm_procfs_root *root, GHashTable *wanted,
                      GArray *owners, pm_owner_scan *scan, pm_diag *diag, GError **error)
{
    pm_owner_scan local_scan = { 0 };
    owner_scan os = { root, cache, owners, scan ? scan : &local_scan, diag, -1, 0, 0 };
    struct dirent *entry;
    GHashTable *swap;
    DIR *pids;

    os.root_fd = open(root->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (os.root_fd < 0 || (pids = fdopendir(os.root_fd)) == NULL) {
        int err = errno;
        if (os.root_fd >= 0)
            close(os.root_fd);
        pm_procfs_report_root_missing(root, err, diag, error);
        return FALSE;
    }
    if (wanted != NULL && g_hash_table_size(wanted) > 0) {
        inode_set_fill(&os.cache->wanted, wanted);
        g_hash_table_remove_all(os.cache->next_start_times);
        while ((entry = readdir(pids)) != NULL) {
            gint32 pid;
            /* Numeric entries are thread-group leaders; threads share their fds. */
            if (pm_parse_pid_name(entry->d_name, &pid))
                scan_process(&os, entry->d_name, pid);
            /* Pids come in ascending order, so the first owner found is
             * usually the oldest, the one a whole scan would name. */
            if (os.scan->partial && os.cache->wanted.count_found == os.cache->wanted.count) {
                os.scan->stopped_early = TRUE;
                break;
            }
        }
        if (os.scan->partial) {
            /* The owners the caller keeps were not visited: keep theirs. */
            GHashTableIter iter;
            gpointer pid, record;
            g_hash_table_iter_init(&iter, os.cache->next_start_times);
            while (g_hash_table_iter_next(&iter, &pid, &record)) {
                g_hash_table_iter_steal(&iter);
                g_hash_table_replace(os.cache->start_times, pid, record);
            }
        } else {
            /* Owners of this scan only: the cache stays as small as they are. */
            swap = os.cache->start_times;
            os.cache->start_times = os.cache->next_start_times;
            os.cache->next_start_times = swap;
            g_hash_table_remove_all(os.cache->next_start_times);
        }
    }
    closedir(pids);

    if (os.unreadable > 0)
        pm_diag_note(diag, PM_DIAG_FD_DIR_UNREADABLE, PM_DIAG_LEVEL_WARNING,
                     "cannot read the open files of %u processes (first: %s/%d/fd, permission "
                     "denied): their sockets stay unattributed; for full answers give the "
                     "program cap_sys_ptrace,cap_dac_read_search (setcap "
                     "cap_sys_ptrace,cap_dac_read_search+ep <program>), or capture in "
                     "Wireshark through the procmap-capture interfaces (procmap-<interface>)",
                     os.unreadable, root->path, os.first_unreadable_pid);
    if (local_scan.unreadable_uids)
        g_hash_table_unref(local_scan.unreadable_uids);
    return TRUE;
}
