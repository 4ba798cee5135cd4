/* netns.c - the network namespaces of this host, and sockets inside them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netns.h"

#include "extcap_error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Descriptors kept for everything else a capture holds. */
#define FDS_RESERVED 256

/* The sockets of one namespace, most recently used last. */
typedef struct {
    guint32       netns;
    gconstpointer user;    /* whose: a socket is never shared by two threads */
    int           fds[2];  /* NETLINK_SOCK_DIAG, NETLINK_ROUTE */
} pooled;

struct pm_netns_registry {
    pm_monitor *monitor;
    guint32     self;
    guint       limit;
    GMutex      lock;          /* guards everything below */
    GArray     *watched;       /* guint32 inodes, by priority */
    guint       generation;
    guint       skipped;
    gboolean    told_limit;
    GArray     *pool;          /* of pooled */
};

guint32
pm_netns_of_pid(const char *proc_root, gint32 pid)
{
    char path[64];
    struct stat st;

    g_snprintf(path, sizeof path, "%s/%d/ns/net", proc_root ? proc_root : "/proc", pid);
    if (stat(path, &st) != 0)
        return 0;
    return (guint32)st.st_ino;
}

void
pm_netns_raise_fd_limit(void)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &limit);
    }
}

guint
pm_netns_watch_limit(void)
{
    struct rlimit limit;
    rlim_t room;

    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur == RLIM_INFINITY)
        return PM_NETNS_WATCH_MAX;
    room = limit.rlim_cur > FDS_RESERVED + 2 * PM_NETNS_POOL
           ? limit.rlim_cur - FDS_RESERVED - 2 * PM_NETNS_POOL : 0;
    return (guint)MIN(room, (rlim_t)PM_NETNS_WATCH_MAX);
}

pm_netns_registry *
pm_netns_registry_new(pm_monitor *monitor, GError **error)
{
    const pm_mon_hello *hello = pm_monitor_hello(monitor);
    pm_netns_registry *registry;

    if (!hello->can_enter_netns) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "cannot enter network namespaces (setns: %s; needs CAP_SYS_ADMIN)",
                    g_strerror(hello->netns_errno ? hello->netns_errno : EPERM));
        return NULL;
    }
    registry = g_new0(pm_netns_registry, 1);
    registry->monitor = monitor;
    registry->self = hello->own_netns;
    registry->limit = pm_netns_watch_limit();
    g_mutex_init(&registry->lock);
    registry->watched = g_array_new(FALSE, FALSE, sizeof(guint32));
    registry->pool = g_array_new(FALSE, FALSE, sizeof(pooled));
    return registry;
}

static void
pooled_close(pooled *entry)
{
    for (int i = 0; i < 2; i++) {
        if (entry->fds[i] >= 0)
            close(entry->fds[i]);
    }
}

void
pm_netns_registry_free(pm_netns_registry *registry)
{
    if (registry == NULL)
        return;
    for (guint i = 0; i < registry->pool->len; i++)
        pooled_close(&g_array_index(registry->pool, pooled, i));
    g_array_unref(registry->pool);
    g_array_unref(registry->watched);
    g_mutex_clear(&registry->lock);
    g_free(registry);
}

guint32
pm_netns_self(pm_netns_registry *registry)
{
    return registry->self;
}

gboolean
pm_netns_registry_rescan(pm_netns_registry *registry)
{
    GArray *found = pm_monitor_netns_list(registry->monitor, NULL);
    GArray *watched;
    gboolean changed;
    guint skipped;

    if (found == NULL)
        return FALSE;       /* no monitor: keep what was known */
    watched = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = 0; i < found->len && watched->len < registry->limit; i++) {
        guint32 inode = (guint32)g_array_index(found, pm_mon_netns, i).inode;

        if (inode != registry->self)
            g_array_append_val(watched, inode);
    }
    skipped = found->len - MIN(found->len, watched->len);
    g_array_unref(found);

    g_mutex_lock(&registry->lock);
    /* An empty GArray's data may be NULL, which memcmp must not see. */
    changed = watched->len != registry->watched->len ||
              (watched->len > 0 &&
               memcmp(watched->data, registry->watched->data, watched->len * sizeof(guint32)) != 0);
    if (changed) {
        g_array_unref(registry->watched);
        registry->watched = watched;
        registry->generation++;
        watched = NULL;
    }
    registry->skipped = skipped;
    if (skipped > 0 && !registry->told_limit) {
        registry->told_limit = TRUE;
        g_message("procmap-capture: %u network namespaces in use; only %u are watched "
                  "(the limit, from the descriptor limit and %u): the sockets of the others "
                  "are not attributed", skipped + registry->limit, registry->limit,
                  PM_NETNS_WATCH_MAX);
    }
    /* A namespace no longer watched gives its sockets back. */
    for (guint i = registry->pool->len; changed && i-- > 0;) {
        pooled *entry = &g_array_index(registry->pool, pooled, i);
        gboolean still = FALSE;

        for (guint j = 0; j < registry->watched->len && !still; j++)
            still = g_array_index(registry->watched, guint32, j) == entry->netns;
        if (!still) {
            pooled_close(entry);
            g_array_remove_index(registry->pool, i);
        }
    }
    g_mutex_unlock(&registry->lock);
    if (watched)
        g_array_unref(watched);
    return changed;
}

GArray *
pm_netns_list(pm_netns_registry *registry, guint *generation)
{
    GArray *list;

    g_mutex_lock(&registry->lock);
    list = g_array_copy(registry->watched);
    if (generation)
        *generation = registry->generation;
    g_mutex_unlock(&registry->lock);
    return list;
}

guint
pm_netns_generation(pm_netns_registry *registry)
{
    guint generation;

    g_mutex_lock(&registry->lock);
    generation = registry->generation;
    g_mutex_unlock(&registry->lock);
    return generation;
}

guint
pm_netns_skipped(pm_netns_registry *registry)
{
    guint skipped;

    g_mutex_lock(&registry->lock);
    skipped = registry->skipped;
    g_mutex_unlock(&registry->lock);
    return skipped;
}

int
pm_netns_open_netlink(pm_netns_registry *registry, guint32 netns, int protocol,
                      gconstpointer user)
{
    int slot = protocol == NETLINK_ROUTE ? 1 : 0;
    pooled entry = { netns, user, { -1, -1 } };
    int fd = -1, err = 0;
    gboolean found = FALSE;

    if (netns == 0 || (protocol != NETLINK_ROUTE && protocol != NETLINK_SOCK_DIAG)) {
        errno = EINVAL;
        return -1;
    }
    g_mutex_lock(&registry->lock);
    for (guint i = 0; i < registry->pool->len && !found; i++) {
        const pooled *kept = &g_array_index(registry->pool, pooled, i);

        if (kept->netns == netns && kept->user == user) {
            entry = g_array_index(registry->pool, pooled, i);
            g_array_remove_index(registry->pool, i);
            found = TRUE;
        }
    }
    if (!found) {
        err = pm_monitor_netns_sockets(registry->monitor, netns, entry.fds);
        if (err == 0 && registry->pool->len >= PM_NETNS_POOL) {
            pooled_close(&g_array_index(registry->pool, pooled, 0));   /* the least used */
            g_array_remove_index(registry->pool, 0);
        }
    }
    if (err == 0) {
        fd = fcntl(entry.fds[slot], F_DUPFD_CLOEXEC, 0);
        err = fd < 0 ? errno : 0;
        g_array_append_val(registry->pool, entry);
    }
    g_mutex_unlock(&registry->lock);
    errno = err;
    return fd;
}
