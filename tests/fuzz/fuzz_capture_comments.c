/* fuzz_capture_comments.c - the comments procmap-capture writes
 * (plugin/extcap/capture_comments.c) from process records made of
 * arbitrary text: what a process names itself (comm, arguments, paths)
 * reaches every reader of the file.
 *
 * Input: a flags byte (bit 0: a parent, bit 1: a container, bit 2: a
 * thread, bits 3-4: the direction), 16-bit numbers, then length-prefixed
 * strings (one length byte, up to 255; the last one takes the rest).
 *
 * procmap's comment is "procmap-src|dst", "Version: 1", then one "Key:
 * value" line per field, every value one line, valid UTF-8, at most
 * PM_COMMENT_VALUE_MAX bytes and "..."; ptcpdump's comments are "Key: value"
 * lines too, and name the process the direction says.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "capture_comments.h"

static char *
take_string(fuzz_input *in, gboolean rest)
{
    size_t want = rest ? in->left : fuzz_byte(in);
    size_t len = MIN(want, in->left);
    char *text = g_strndup((const char *)in->p, len);

    in->p += len;
    in->left -= len;
    return *text ? text : (g_free(text), NULL);
}

static pm_process *
make_process(fuzz_input *in, gint32 pid, gboolean last)
{
    pm_process_raw raw;
    char *user, *args;

    memset(&raw, 0, sizeof raw);
    raw.pid = pid;
    raw.ppid = (gint32)(fuzz_byte(in) | fuzz_byte(in) << 8) - 1;
    raw.has_uid = (fuzz_byte(in) & 1) != 0;
    raw.uid = fuzz_byte(in);
    raw.start_time_ns = (guint64)fuzz_byte(in) << 32;
    raw.comm = take_string(in, FALSE);
    raw.exe = take_string(in, FALSE);
    raw.cwd = take_string(in, FALSE);
    user = take_string(in, FALSE);
    args = take_string(in, last);
    if (args != NULL) {
        raw.argv = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(raw.argv, args);
    }
    {
        pm_process *process = pm_process_new(&raw, user, NULL, 0);

        pm_process_raw_clear(&raw);
        g_free(user);
        return process;
    }
}

static void
check_lines(const char *comment, gboolean procmap)
{
    char **lines = g_strsplit(comment, "\n", -1);

    FUZZ_CHECK(g_utf8_validate(comment, -1, NULL));
    for (guint i = 0; lines[i] != NULL; i++) {
        const char *colon;

        if (procmap && i == 0) {
            FUZZ_CHECK(strcmp(lines[0], "procmap-src") == 0 || strcmp(lines[0], "procmap-dst") == 0);
            continue;
        }
        if (procmap && i == 1) {
            FUZZ_CHECK(strcmp(lines[1], "Version: 1") == 0);
            continue;
        }
        colon = strstr(lines[i], ": ");
        FUZZ_CHECK(colon != NULL && colon > lines[i]);
        for (const char *p = lines[i]; p < colon; p++)
            FUZZ_CHECK(g_ascii_isalpha(*p));
        FUZZ_CHECK(strlen(colon + 2) <= PM_COMMENT_VALUE_MAX + 3);
        for (const char *p = colon + 2; *p; p++)
            FUZZ_CHECK(*p != '\r');
    }
    g_strfreev(lines);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 flags = fuzz_byte(&in);
    gint32 src_pid = (gint32)(fuzz_byte(&in) | fuzz_byte(&in) << 8);
    gint32 dst_pid = (gint32)(fuzz_byte(&in) | fuzz_byte(&in) << 8);
    pm_process *src = make_process(&in, src_pid, FALSE);
    pm_process *dst = make_process(&in, dst_pid, FALSE);
    pm_process *parent = (flags & 1) ? make_process(&in, src->ppid, FALSE) : NULL;
    /* Container names and ids come checked (container.c): clean text. */
    char *container = (flags & 2) ? pm_utf8_sanitize(take_string(&in, FALSE)) : NULL;
    char *thread = (flags & 4) ? pm_utf8_sanitize(take_string(&in, TRUE)) : NULL;
    pm_comment_subject s = { src, parent, (flags & 4) ? 7 : 0, thread, container, thread };
    pm_comment_subject d = { dst, NULL, 0, NULL, NULL, NULL };
    const pm_comment_subject *one;
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    char *text;

    for (int side = 0; side < 2; side++) {
        text = pm_comment_procmap(side ? PM_COMMENT_SIDE_DST : PM_COMMENT_SIDE_SRC,
                                  side ? &d : &s);
        FUZZ_CHECK((text != NULL) == ((side ? dst_pid : src_pid) > 0));
        if (text != NULL) {
            /* The third line names the pid (the last line has no newline). */
            char *expected = g_strdup_printf("\nVersion: 1\nPID: %d", side ? dst_pid : src_pid);
            const char *at = strstr(text, expected);

            check_lines(text, TRUE);
            FUZZ_CHECK(at != NULL && (at[strlen(expected)] == '\n' || at[strlen(expected)] == '\0'));
            g_free(expected);
        }
        g_free(text);
    }
    one = pm_comment_ptcpdump_subject(&s, &d, (pm_direction)((flags >> 3) % 3));
    FUZZ_CHECK(one == NULL || one == &s || one == &d);
    if (one != NULL)
        pm_comment_ptcpdump_with_other(one, one == &s ? &d : &s, out);
    for (guint i = 0; i < out->len; i++)
        check_lines(g_ptr_array_index(out, i), FALSE);
    g_ptr_array_unref(out);
    g_free(container);
    g_free(thread);
    if (parent)
        pm_process_unref(parent);
    pm_process_unref(src);
    pm_process_unref(dst);
    return 0;
}
