/* netns.c - the network namespaces of this host, and sockets inside them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netns.h"

#include "extcap_error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netlink.h"

typedef struct {
    int          protocol;
    guint32      netns;       /* 0: a rescan request */
    int          fd;          /* the answer */
    int          err;
    gboolean     done;
} ns_request;

struct pm_netns_registry {
    char        *proc_root;
    int          own_fd;      /* our namespace, to come back to */
    guint32      self;
    GMutex       lock;        /* guards handles, generation, the requests' done */
    GCond        answered;
    GHashTable  *handles;     /* inode -> fd of /proc/<pid>/ns/net */
    guint        generation;
    GAsyncQueue *requests;
    GThread     *thread;
    gboolean     stopping;
    pm_netns_thread_init_fn thread_init;
    gpointer     thread_init_data;
    gboolean     named;       /* also /run/netns and docker's: the real /proc only */
};

static ns_request stop_request;

guint32
pm_netns_of_pid(const char *proc_root, gint32 pid)
{
    char path[64];
    struct stat st;

    g_snprintf(path, sizeof path, "%s/%d/ns/net", proc_root, pid);
    if (stat(path, &st) != 0)
        return 0;
    return (guint32)st.st_ino;
}

/* Where named namespaces live: `ip netns add` (with no process in it yet)
 * and docker's sandboxes. */
static const char *const named_dirs[] = { "/run/netns", "/run/docker/netns" };

/* Notes one namespace handle at @path: opened once per namespace. */
static gboolean
note_namespace(pm_netns_registry *registry, const char *path, GHashTable *seen)
{
    struct stat st;
    guint32 inode;
    gboolean added = FALSE;
    int fd;

    if (stat(path, &st) != 0)
        return FALSE;       /* gone, a kernel thread, or not ours to see */
    inode = (guint32)st.st_ino;
    if (inode == registry->self || g_hash_table_contains(seen, GUINT_TO_POINTER(inode)))
        return FALSE;
    g_hash_table_add(seen, GUINT_TO_POINTER(inode));
    g_mutex_lock(&registry->lock);
    if (!g_hash_table_contains(registry->handles, GUINT_TO_POINTER(inode))) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        /* The handle must be the namespace we saw (the pid may be new). */
        if (fd >= 0 && (fstat(fd, &st) != 0 || (guint32)st.st_ino != inode)) {
            close(fd);
            fd = -1;
        }
        if (fd >= 0) {
            g_hash_table_insert(registry->handles, GUINT_TO_POINTER(inode), GINT_TO_POINTER(fd));
            added = TRUE;
        }
    }
    g_mutex_unlock(&registry->lock);
    return added;
}

/* Every namespace in use by some process or named: adds new ones, drops
 * gone ones. */
static void
rescan(pm_netns_registry *registry)
{
    GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    GDir *dir = g_dir_open(registry->proc_root, 0, NULL);
    const char *name;
    GHashTableIter iter;
    gpointer key, value;
    gboolean changed = FALSE;

    if (dir == NULL) {
        g_hash_table_unref(seen);
        return;
    }
    while ((name = g_dir_read_name(dir)) != NULL) {
        char path[64];

        if (!g_ascii_isdigit(*name))
            continue;
        g_snprintf(path, sizeof path, "%s/%s/ns/net", registry->proc_root, name);
        changed |= note_namespace(registry, path, seen);
    }
    g_dir_close(dir);
    for (guint i = 0; i < G_N_ELEMENTS(named_dirs) && registry->named; i++) {
        GDir *named = g_dir_open(named_dirs[i], 0, NULL);

        while (named != NULL && (name = g_dir_read_name(named)) != NULL) {
            char *path = g_build_filename(named_dirs[i], name, NULL);

            changed |= note_namespace(registry, path, seen);
            g_free(path);
        }
        if (named)
            g_dir_close(named);
    }

    g_mutex_lock(&registry->lock);
    g_hash_table_iter_init(&iter, registry->handles);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        if (!g_hash_table_contains(seen, key)) {
            close(GPOINTER_TO_INT(value));    /* lets the namespace go */
            g_hash_table_iter_remove(&iter);
            changed = TRUE;
        }
    }
    if (changed)
        registry->generation++;
    g_mutex_unlock(&registry->lock);
    g_hash_table_unref(seen);
}

/* On the helper thread: a socket made inside @netns. */
static int
open_inside(pm_netns_registry *registry, guint32 netns, int protocol, int *err)
{
    int ns_fd, fd = -1;

    g_mutex_lock(&registry->lock);
    ns_fd = GPOINTER_TO_INT(g_hash_table_lookup(registry->handles, GUINT_TO_POINTER(netns)));
    if (!g_hash_table_contains(registry->handles, GUINT_TO_POINTER(netns)))
        ns_fd = -1;
    g_mutex_unlock(&registry->lock);
    if (ns_fd < 0) {
        *err = ENOENT;
        return -1;
    }
    if (setns(ns_fd, CLONE_NEWNET) != 0) {
        *err = errno;
        return -1;
    }
    fd = pm_netlink_open_kernel(protocol, NULL);
    *err = fd < 0 ? errno : 0;
    if (setns(registry->own_fd, CLONE_NEWNET) != 0)
        g_error("procmap-capture: cannot return to its own network namespace: %s",
                g_strerror(errno));   /* every later socket would be wrong */
    return fd;
}

static gpointer
helper_main(gpointer data)
{
    pm_netns_registry *registry = data;

    if (registry->thread_init)
        registry->thread_init(registry->thread_init_data);
    for (;;) {
        ns_request *request = g_async_queue_timeout_pop(registry->requests,
                                                        PM_NETNS_RESCAN_S * G_USEC_PER_SEC);

        if (request == &stop_request)
            break;
        if (request == NULL || request->netns == 0) {
            rescan(registry);
        } else {
            request->fd = open_inside(registry, request->netns, request->protocol,
                                      &request->err);
        }
        if (request != NULL) {
            g_mutex_lock(&registry->lock);
            request->done = TRUE;
            g_cond_broadcast(&registry->answered);
            g_mutex_unlock(&registry->lock);
        }
    }
    return NULL;
}

static void
ask(pm_netns_registry *registry, ns_request *request)
{
    g_async_queue_push(registry->requests, request);
    g_mutex_lock(&registry->lock);
    while (!request->done)
        g_cond_wait(&registry->answered, &registry->lock);
    g_mutex_unlock(&registry->lock);
}

pm_netns_registry *
pm_netns_registry_new(const char *proc_root, pm_netns_thread_init_fn thread_init,
                      gpointer thread_init_data, GError **error)
{
    pm_netns_registry *registry;
    char path[64];
    struct stat st;
    int own_fd;

    proc_root = proc_root ? proc_root : "/proc";
    g_snprintf(path, sizeof path, "%s/thread-self/ns/net", proc_root);
    own_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (own_fd < 0 || fstat(own_fd, &st) != 0) {
        int err = errno;
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "cannot open %s: %s", path, g_strerror(err));
        if (own_fd >= 0)
            close(own_fd);
        return NULL;
    }
    /* Entering our own namespace is refused exactly when entering any is. */
    if (setns(own_fd, CLONE_NEWNET) != 0) {
        int err = errno;
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "cannot enter network namespaces (setns: %s; needs CAP_SYS_ADMIN)",
                    g_strerror(err));
        close(own_fd);
        return NULL;
    }
    registry = g_new0(pm_netns_registry, 1);
    registry->proc_root = g_strdup(proc_root);
    registry->named = g_strcmp0(proc_root, "/proc") == 0;
    registry->own_fd = own_fd;
    registry->self = (guint32)st.st_ino;
    g_mutex_init(&registry->lock);
    g_cond_init(&registry->answered);
    registry->handles = g_hash_table_new(g_direct_hash, g_direct_equal);
    registry->requests = g_async_queue_new();
    registry->thread_init = thread_init;
    registry->thread_init_data = thread_init_data;
    registry->thread = g_thread_new("procmap-netns", helper_main, registry);

    ns_request scan = { .netns = 0 };
    ask(registry, &scan);
    return registry;
}

void
pm_netns_registry_free(pm_netns_registry *registry)
{
    GHashTableIter iter;
    gpointer value;

    if (registry == NULL)
        return;
    g_async_queue_push(registry->requests, &stop_request);
    g_thread_join(registry->thread);
    g_hash_table_iter_init(&iter, registry->handles);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        close(GPOINTER_TO_INT(value));
    g_hash_table_unref(registry->handles);
    g_async_queue_unref(registry->requests);
    g_cond_clear(&registry->answered);
    g_mutex_clear(&registry->lock);
    close(registry->own_fd);
    g_free(registry->proc_root);
    g_free(registry);
}

guint32
pm_netns_self(pm_netns_registry *registry)
{
    return registry->self;
}

static gint
compare_inodes(gconstpointer a, gconstpointer b)
{
    guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;

    return (x > y) - (x < y);
}

GArray *
pm_netns_list(pm_netns_registry *registry, guint *generation)
{
    GArray *list = g_array_new(FALSE, FALSE, sizeof(guint32));
    GHashTableIter iter;
    gpointer key;

    g_mutex_lock(&registry->lock);
    g_hash_table_iter_init(&iter, registry->handles);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        guint32 inode = GPOINTER_TO_UINT(key);
        g_array_append_val(list, inode);
    }
    if (generation)
        *generation = registry->generation;
    g_mutex_unlock(&registry->lock);
    g_array_sort(list, compare_inodes);
    return list;
}

int
pm_netns_open_netlink(pm_netns_registry *registry, guint32 netns, int protocol)
{
    ns_request request = { .protocol = protocol, .netns = netns, .fd = -1 };

    if (netns == 0) {
        errno = EINVAL;
        return -1;
    }
    ask(registry, &request);
    if (request.fd < 0)
        errno = request.err;
    return request.fd;
}
