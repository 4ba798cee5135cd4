/* monitor_protocol.c - what the capture process may ask the monitor.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor_protocol.h"

#include <errno.h>
#include <string.h>

gboolean
pm_mon_container_id_valid(const char *id, gsize len)
{
    if (id == NULL || len != PM_MON_CONTAINER_ID_LEN)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isdigit(id[i]) && !(id[i] >= 'a' && id[i] <= 'f'))
            return FALSE;
    }
    return TRUE;
}

/* An address in canonical form (addr.h): a family, an IPv4 address with
 * nothing after its four bytes. */
static gboolean
addr_ok(const pm_addr *addr)
{
    if (addr->family == PM_AF_INET6)
        return TRUE;
    if (addr->family != PM_AF_INET)
        return FALSE;
    for (guint i = 4; i < sizeof addr->bytes; i++) {
        if (addr->bytes[i] != 0)
            return FALSE;
    }
    return TRUE;
}

/* The two ends of one tuple: canonical, of one family. */
static gboolean
tuple_ok(const pm_endpoint *a, const pm_endpoint *b)
{
    return addr_ok(&a->addr) && addr_ok(&b->addr) && a->addr.family == b->addr.family;
}

int
pm_mon_request_decode(const void *message, gsize len, pm_mon_request *out)
{
    const pm_mon_request *in = message;

    if (message == NULL || len != sizeof *in)
        return EPROTO;
    switch (in->type) {
    case PM_MON_HELLO:
    case PM_MON_OWNERS_RUN:
    case PM_MON_NETNS_LIST:
        break;
    case PM_MON_OWNERS_ADD:
        if (in->count == 0 || in->count > PM_MON_INODES_MAX)
            return EINVAL;
        for (guint i = 0; i < in->count; i++) {
            if (in->inodes[i] == 0)
                return EINVAL;
        }
        break;
    case PM_MON_PROC:
        if (in->pid <= 0 || in->want == 0 || (in->want & ~PM_MON_WANT_ALL) != 0)
            return EINVAL;
        break;
    case PM_MON_NETNS_SOCKETS:
        if (in->netns == 0 || in->netns > G_MAXUINT32)
            return EINVAL;
        break;
    case PM_MON_DOCKER_CONFIG:
        if (in->container_id[PM_MON_CONTAINER_ID_LEN] != '\0' ||
            !pm_mon_container_id_valid(in->container_id, PM_MON_CONTAINER_ID_LEN))
            return EINVAL;
        break;
    case PM_MON_CONNTRACK:
        if (in->netns > G_MAXUINT32 || in->transport >= PM_TRANSPORT_COUNT ||
            !tuple_ok(&in->ends[0], &in->ends[1]))
            return EINVAL;
        break;
    default:
        return EINVAL;
    }
    memcpy(out, in, sizeof *out);
    return 0;
}

guint
pm_mon_reply_fds(guint32 type, const pm_mon_reply *reply)
{
    if (reply->err != 0)
        return 0;
    switch (type) {
    case PM_MON_PROC:
        return (guint)__builtin_popcount(reply->u.proc.granted & PM_MON_WANT_FDS);
    case PM_MON_NETNS_SOCKETS:
        return 2;
    case PM_MON_DOCKER_CONFIG:
        return 1;
    default:
        return 0;
    }
}

/* A text field of @cap bytes holding @len characters and a NUL, or -1. */
static gboolean
text_ok(const char *text, gint32 len, gboolean granted)
{
    if (!granted || len < 0)
        return len == -1;
    return len < PM_MON_PATH_MAX && text[len] == '\0' && strlen(text) == (gsize)len;
}

static gboolean
hello_ok(const pm_mon_hello *hello)
{
    return hello->level <= PM_POLICY_FULL && hello->config_status < PM_CONFIG_STATUS_END &&
           (hello->hidepid == PM_HIDEPID_OFF || hello->hidepid == PM_HIDEPID_NOACCESS ||
            hello->hidepid == PM_HIDEPID_INVISIBLE || hello->hidepid == PM_HIDEPID_PTRACEABLE) &&
           hello->hidepid_exempt <= 1 && hello->can_read_procs <= 1 &&
           hello->can_enter_netns <= 1;
}

int
pm_mon_reply_decode(guint32 type, const void *message, gsize len, guint n_fds,
                    pm_mon_reply *out)
{
    const pm_mon_reply *in = message;

    if (message == NULL || len != sizeof *in || in->type != type || in->more > 1 ||
        in->count > PM_MON_RECORDS_MAX || n_fds != pm_mon_reply_fds(type, in))
        return EPROTO;
    if (in->err != 0) {
        /* A refusal: only the errno counts. */
        if (in->err < 0 || in->more)
            return EPROTO;
        memcpy(out, in, sizeof *out);
        return 0;
    }
    switch (type) {
    case PM_MON_HELLO:
        if (in->more || !hello_ok(&in->u.hello))
            return EPROTO;
        break;
    case PM_MON_OWNERS_RUN:
        for (guint i = 0; i < in->count; i++) {
            const pm_mon_owner *owner = &in->u.owners[i];

            if (owner->inode == 0 || owner->pid <= 0 || owner->fd < 0)
                return EPROTO;
        }
        break;
    case PM_MON_NETNS_LIST:
        for (guint i = 0; i < in->count; i++) {
            if (in->u.netns[i].inode == 0 || in->u.netns[i].inode > G_MAXUINT32 ||
                (in->u.netns[i].flags & ~(PM_MON_NETNS_OWNED_HERE | PM_MON_NETNS_NAMED)) != 0)
                return EPROTO;
        }
        break;
    case PM_MON_PROC: {
        const pm_mon_proc *proc = &in->u.proc;

        if (in->more || (proc->granted & ~PM_MON_WANT_ALL) != 0 ||
            proc->level > PM_POLICY_FULL || proc->own > 1 ||
            !text_ok(proc->exe, proc->exe_len, (proc->granted & PM_MON_WANT_EXE) != 0) ||
            !text_ok(proc->cwd, proc->cwd_len, (proc->granted & PM_MON_WANT_CWD) != 0))
            return EPROTO;
        break;
    }
    case PM_MON_NETNS_SOCKETS:
    case PM_MON_DOCKER_CONFIG:
        if (in->more)
            return EPROTO;
        break;
    case PM_MON_CONNTRACK: {
        const pm_mon_conntrack *answer = &in->u.conntrack;
        const pm_connection *c = &answer->connection;

        if (in->more || answer->result > PM_CONNTRACK_FAILED || answer->err < 0 ||
            (answer->result == PM_CONNTRACK_FOUND &&
             (!tuple_ok(&c->original_src, &c->original_dst) ||
              !tuple_ok(&c->reply_src, &c->reply_dst))))
            return EPROTO;
        break;
    }
    default:
        return EPROTO;
    }
    memcpy(out, in, sizeof *out);
    return 0;
}

static const char *const level_names[] = { "none", "identity", "full" };

const char *
pm_policy_level_name(pm_policy_level level)
{
    return (guint)level < G_N_ELEMENTS(level_names) ? level_names[level] : "?";
}

gboolean
pm_policy_level_parse(const char *text, pm_policy_level *out)
{
    for (guint i = 0; i < G_N_ELEMENTS(level_names); i++) {
        if (g_strcmp0(text, level_names[i]) == 0) {
            *out = (pm_policy_level)i;
            return TRUE;
        }
    }
    return FALSE;
}

const char *
pm_config_status_text(pm_config_status status)
{
    switch (status) {
    case PM_CONFIG_ABSENT: return "absent";
    case PM_CONFIG_USED: return "used";
    case PM_CONFIG_NOT_ROOT_OWNED: return "ignored: it or its directory is not owned by root";
    case PM_CONFIG_WRITABLE: return "ignored: it or its directory is writable by group or others";
    case PM_CONFIG_INVALID: return "ignored: not a valid configuration";
    case PM_CONFIG_UNREADABLE: return "ignored: cannot be read";
    default: return "?";
    }
}

const char *
pm_hidepid_name(pm_hidepid hidepid)
{
    switch (hidepid) {
    case PM_HIDEPID_OFF: return "off";
    case PM_HIDEPID_NOACCESS: return "noaccess";
    case PM_HIDEPID_INVISIBLE: return "invisible";
    case PM_HIDEPID_PTRACEABLE: return "ptraceable";
    default: return "?";
    }
}
