/* capture_comments.c - the packet comments the extcap writes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "capture_comments.h"

#include <string.h>

/* Appends "Key: value\n" with the value made one line and cut if long.  A
 * NULL or empty value: nothing, or "Key: " when @keep_empty. */
static void
add_value(GString *out, const char *key, const char *value, gboolean keep_empty)
{
    gsize len, full_len;

    if (value == NULL)
        value = "";
    if (*value == '\0' && !keep_empty)
        return;
    g_string_append(out, key);
    g_string_append(out, ": ");
    full_len = len = strlen(value);
    if (len > PM_COMMENT_VALUE_MAX) {
        const char *end = value + PM_COMMENT_VALUE_MAX;

        /* Back to a character boundary (values are valid UTF-8). */
        while (end > value && ((guchar)*end & 0xc0) == 0x80)
            end--;
        len = (gsize)(end - value);
    }
    for (gsize i = 0; i < len;) {
        gsize run = strcspn(value + i, "\r\n");

        run = MIN(run, len - i);
        g_string_append_len(out, value + i, (gssize)run);
        i += run;
        if (i < len) {
            g_string_append_c(out, ' ');     /* a line break: one line per value */
            i++;
        }
    }
    if (len < full_len)
        g_string_append(out, "...");
    g_string_append_c(out, '\n');
}

static void
add_line(GString *out, const char *key, const char *value)
{
    add_value(out, key, value, FALSE);
}

static void
add_number(GString *out, const char *key, guint64 value)
{
    g_string_append_printf(out, "%s: %" G_GUINT64_FORMAT "\n", key, value);
}

/* Drops the last newline and returns the text. */
static char *
finish(GString *out)
{
    if (out->len > 0 && out->str[out->len - 1] == '\n')
        g_string_truncate(out, out->len - 1);
    return g_string_free(out, FALSE);
}

char *
pm_comment_procmap(pm_comment_side side, const pm_comment_subject *subject)
{
    const pm_process *process = subject->process;
    const pm_process *parent = subject->parent;
    GString *out;

    if (process == NULL || process->pid <= 0)
        return NULL;
    out = g_string_sized_new(256);
    g_string_append(out, side == PM_COMMENT_SIDE_SRC ? "procmap-src\n" : "procmap-dst\n");
    g_string_append(out, "Version: 1\n");
    add_number(out, "PID", (guint64)process->pid);
    add_line(out, "Cmd", process->exe);
    add_line(out, "Args", process->args);
    add_line(out, "Comm", process->comm);
    if (process->has_uid)
        add_number(out, "UserId", process->uid);
    add_line(out, "User", process->user);
    if (process->ppid > 0) {
        add_number(out, "ParentPID", (guint64)process->ppid);
        if (parent != NULL && parent->pid == process->ppid) {
            add_line(out, "ParentCmd", parent->exe);
            add_line(out, "ParentArgs", parent->args);
        }
    }
    if (process->start_time_ns != 0)
        add_number(out, "StartTime", process->start_time_ns);
    add_line(out, "Cwd", process->cwd);
    add_line(out, "ContainerId", subject->container_id);
    add_line(out, "ContainerName", subject->container_name);
    return finish(out);
}

static gboolean
has_container(const pm_comment_subject *subject)
{
    return subject != NULL && subject->process != NULL && subject->container_id != NULL &&
           *subject->container_id != '\0';
}

/* ptcpdump's groups for @subject; @other (may be NULL) is the other side,
 * whose procmap comment a last-key-wins reader also sees. */
static void
ptcpdump_groups(const pm_comment_subject *subject, const pm_comment_subject *other,
                GPtrArray *out)
{
    const pm_process *process = subject->process;
    const pm_process *parent = subject->parent;
    GString *text = g_string_new(NULL);

    /* Always all three keys, as ptcpdump writes them. */
    add_number(text, "PID", (guint64)process->pid);
    add_value(text, "Cmd", process->exe, TRUE);
    add_value(text, "Args", process->args, TRUE);
    g_ptr_array_add(out, finish(text));
    if (subject->tid != 0) {
        text = g_string_new(NULL);
        add_number(text, "ThreadId", subject->tid);
        add_value(text, "ThreadName", subject->thread_name, TRUE);
        g_ptr_array_add(out, finish(text));
    }
    if (process->has_uid)
        g_ptr_array_add(out, g_strdup_printf("UserId: %u", process->uid));
    if (process->ppid > 0) {
        gboolean known = parent != NULL && parent->pid == process->ppid;

        text = g_string_new(NULL);
        add_number(text, "ParentPID", (guint64)process->ppid);
        add_value(text, "ParentCmd", known ? parent->exe : NULL, TRUE);
        add_value(text, "ParentArgs", known ? parent->args : NULL, TRUE);
        g_ptr_array_add(out, finish(text));
    }
    if (has_container(subject) || has_container(other)) {
        gboolean own = has_container(subject);

        text = g_string_new(NULL);
        add_value(text, "ContainerName", own ? subject->container_name : NULL, TRUE);
        add_value(text, "ContainerId", own ? subject->container_id : NULL, TRUE);
        add_value(text, "ContainerImage", NULL, TRUE);
        add_value(text, "ContainerLabels", "{}", TRUE);
        g_ptr_array_add(out, finish(text));
    }
}

void
pm_comment_ptcpdump(const pm_comment_subject *subject, GPtrArray *out)
{
    pm_comment_ptcpdump_with_other(subject, NULL, out);
}

void
pm_comment_ptcpdump_with_other(const pm_comment_subject *subject,
                               const pm_comment_subject *other, GPtrArray *out)
{
    if (subject == NULL || subject->process == NULL || subject->process->pid <= 0)
        return;
    ptcpdump_groups(subject, other, out);
}

const pm_comment_subject *
pm_comment_ptcpdump_subject(const pm_comment_subject *src, const pm_comment_subject *dst,
                            pm_direction direction)
{
    gboolean src_known = src != NULL && src->process != NULL;
    gboolean dst_known = dst != NULL && dst->process != NULL;

    if (direction == PM_DIRECTION_OUTBOUND)
        return src_known ? src : NULL;
    if (direction == PM_DIRECTION_INBOUND)
        return dst_known ? dst : NULL;
    if (src_known)
        return src;
    return dst_known ? dst : NULL;
}
