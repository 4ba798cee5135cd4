/* fuzz_monitor.c - what the privileged monitor reads
 * (plugin/extcap/monitor_protocol.c, monitor_policy.c): the capture
 * process's requests (the capture process parses packets: the monitor
 * trusts none of it), and, for the other direction, the monitor's replies
 * as the capture process checks them; the administrator's configuration
 * file and /proc/self/mountinfo.
 *
 * Input: a byte choosing the parser and a length adjustment, then the
 * bytes (copied over a zeroed request or reply, or taken as text).
 *
 * A request or reply accepted has every field within its bounds; a
 * configuration gives a known level; a mount gives a known hidepid.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include <errno.h>

#include "monitor_policy.h"
#include "monitor_protocol.h"

/* The bytes over a zeroed buffer of @size (a heap block of exactly that
 * size, so that ASan sees a read past it). */
static void *
message_of(fuzz_input *in, gsize size)
{
    void *message = calloc(1, size);

    memcpy(message, in->p, MIN(size, in->left));
    return message;
}

/* Kept between inputs: a reply is 8 KiB, allocating it per input halves the
 * executions. */
static pm_mon_reply reply_out;

static void
check_request(fuzz_input *in, gboolean own_length)
{
    pm_mon_request *message = message_of(in, sizeof(pm_mon_request));
    pm_mon_request out;
    gsize len = own_length ? in->left : sizeof out;
    int err = pm_mon_request_decode(message, len, &out);

    FUZZ_CHECK(err == 0 || err == EPROTO || err == EINVAL);
    if (err != 0) {
        free(message);
        return;
    }
    FUZZ_CHECK(len == sizeof out && out.type >= PM_MON_HELLO && out.type < PM_MON_TYPE_END);
    switch (out.type) {
    case PM_MON_OWNERS_ADD:
        FUZZ_CHECK(out.count >= 1 && out.count <= PM_MON_INODES_MAX);
        for (guint i = 0; i < out.count; i++)
            FUZZ_CHECK(out.inodes[i] != 0);
        break;
    case PM_MON_PROC:
        FUZZ_CHECK(out.pid > 0 && out.want != 0 && (out.want & ~PM_MON_WANT_ALL) == 0);
        break;
    case PM_MON_NETNS_SOCKETS:
        FUZZ_CHECK(out.netns != 0 && out.netns <= G_MAXUINT32);
        break;
    case PM_MON_DOCKER_CONFIG:
        /* Never a path: exactly 64 hex digits, then the end. */
        FUZZ_CHECK(strlen(out.container_id) == PM_MON_CONTAINER_ID_LEN);
        FUZZ_CHECK(strchr(out.container_id, '/') == NULL && strchr(out.container_id, '.') == NULL);
        break;
    case PM_MON_CONNTRACK:
        /* One transport, two ends of one family: what the monitor builds
         * its one GET from. */
        FUZZ_CHECK(out.transport < PM_TRANSPORT_COUNT && out.netns <= G_MAXUINT32);
        FUZZ_CHECK(out.ends[0].addr.family == out.ends[1].addr.family);
        FUZZ_CHECK(out.ends[0].addr.family == PM_AF_INET || out.ends[0].addr.family == PM_AF_INET6);
        break;
    default:
        break;
    }
    free(message);
}

static void
check_reply(fuzz_input *in, guint8 choice)
{
    guint32 type = PM_MON_HELLO + choice % (PM_MON_TYPE_END - PM_MON_HELLO);
    guint n_fds = (choice >> 3) % (PM_MON_FDS_MAX + 1);
    pm_mon_reply *message = message_of(in, sizeof(pm_mon_reply));
    pm_mon_reply *out = &reply_out;

    if (pm_mon_reply_decode(type, message, sizeof *message, n_fds, out) == 0) {
        FUZZ_CHECK(out->type == type && out->count <= PM_MON_RECORDS_MAX && out->more <= 1);
        FUZZ_CHECK(n_fds == pm_mon_reply_fds(type, out));
        if (out->err == 0 && type == PM_MON_PROC) {
            FUZZ_CHECK(out->u.proc.exe_len < PM_MON_PATH_MAX && out->u.proc.cwd_len < PM_MON_PATH_MAX);
            if (out->u.proc.exe_len >= 0)
                FUZZ_CHECK(strlen(out->u.proc.exe) == (gsize)out->u.proc.exe_len);
            if (out->u.proc.cwd_len >= 0)
                FUZZ_CHECK(strlen(out->u.proc.cwd) == (gsize)out->u.proc.cwd_len);
        }
        if (out->err == 0 && type == PM_MON_OWNERS_RUN) {
            for (guint i = 0; i < out->count; i++)
                FUZZ_CHECK(out->u.owners[i].pid > 0 && out->u.owners[i].inode != 0);
        }
        if (out->err == 0 && type == PM_MON_HELLO)
            FUZZ_CHECK(out->u.hello.level <= PM_POLICY_FULL);
        if (out->err == 0 && type == PM_MON_CONNTRACK) {
            const pm_connection *c = &out->u.conntrack.connection;

            FUZZ_CHECK(out->u.conntrack.result <= PM_CONNTRACK_FAILED && out->u.conntrack.err >= 0);
            if (out->u.conntrack.result == PM_CONNTRACK_FOUND)
                FUZZ_CHECK(c->original_src.addr.family == c->original_dst.addr.family &&
                           c->reply_src.addr.family == c->reply_dst.addr.family);
        }
    }
    free(message);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 choice = fuzz_byte(&in);
    char *text;
    pm_policy_level level;
    pm_hidepid hidepid;
    gint64 gid;

    switch (choice % 5) {
    case 0:
    case 1:
        check_request(&in, choice % 5 == 1);
        break;
    case 2:
        check_reply(&in, fuzz_byte(&in));
        break;
    case 3:
        text = fuzz_strndup(in.p, in.left);
        if (pm_policy_parse_config(text, in.left, &level))
            FUZZ_CHECK(level <= PM_POLICY_FULL);
        free(text);
        break;
    default:
        text = fuzz_strndup(in.p, in.left);
        if (pm_policy_parse_mountinfo(text, "/proc", &hidepid, &gid))
            FUZZ_CHECK(hidepid == PM_HIDEPID_OFF || hidepid == PM_HIDEPID_NOACCESS ||
                       hidepid == PM_HIDEPID_INVISIBLE || hidepid == PM_HIDEPID_PTRACEABLE);
        free(text);
        break;
    }
    return 0;
}
