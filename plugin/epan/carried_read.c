/* carried_read.c - the comments a capture file carries with its packets,
 * sorted by format.
 *
 * Every comment of a packet is one of:
 *   - procmap's own: first line "procmap-src" or "procmap-dst", then
 *     "Key: value" lines for the process at that end;
 *   - etl2pcapng's: "PID=<n> TID=<n>" and optional words after it;
 *   - iOS pcapd's (pymobiledevice3): "PID: <n>, ProcName: <name>, EPID: <n>,
 *     EProcName: <name>, SVC: <n>" on one line;
 *   - PCAPdroid's "u-<uid>" (the glue looks the uid up in the file's uid map
 *     blocks and passes it as a tag, below; the comment itself reads as no
 *     keys);
 *   - anything else is read as ptcpdump's "Key: value" lines; ptcpdump
 *     writes one comment per group (process, thread, user, parent,
 *     container, pod) and its keys form one set across the comments.
 * A repeated key keeps its first value (the capture tool writes first; a
 * comment added later in an editor does not override it).  Keys are
 * matched without regard to case; unknown keys and lines without ':' are
 * ignored.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "carried_read.h"

static const struct {
    const char *name;
    key_id      id;
} known_keys[] = {
    /* ptcpdump (internal/writer/pcapng.go), with its reader's aliases */
    { "PID", KEY_PID },
    { "Cmd", KEY_CMD },
    { "Command", KEY_CMD },
    { "Args", KEY_ARGS },
    { "ThreadId", KEY_TID },
    { "TID", KEY_TID },
    { "ThreadName", KEY_THREAD_NAME },
    { "UserId", KEY_UID },
    { "ParentPID", KEY_PPID },
    { "ParentCmd", KEY_PARENT_CMD },
    { "ParentCommand", KEY_PARENT_CMD },
    { "ParentArgs", KEY_PARENT_ARGS },
    { "ContainerName", KEY_CONTAINER_NAME },
    { "ContainerId", KEY_CONTAINER_ID },
    { "ContainerImage", KEY_CONTAINER_IMAGE },
    { "PodName", KEY_POD_NAME },
    { "PodNamespace", KEY_POD_NAMESPACE },
    /* procmap's additions (docs/capture-comments.md) */
    { "User", KEY_USER },
    { "StartTime", KEY_START_TIME },
    { "Comm", KEY_COMM },
    { "Cwd", KEY_CWD },
};

#define PCAPD_NAME ", ProcName: "

static slice
trimmed(const char *start, const char *end)
{
    slice s;

    while (start < end && g_ascii_isspace(*start))
        start++;
    while (end > start && g_ascii_isspace(end[-1]))
        end--;
    s.text = start;
    s.len = (gsize)(end - start);
    return s;
}

static int
key_of(slice name)
{
    for (guint i = 0; i < G_N_ELEMENTS(known_keys); i++) {
        gsize len = strlen(known_keys[i].name);
        if (name.len == len && g_ascii_strncasecmp(name.text, known_keys[i].name, len) == 0)
            return known_keys[i].id;
    }
    return -1;
}

/* Adds the "Key: value" lines of @text (up to @end) to @group, each key's
 * first value only.  Splits on '\n' ('\r' is trimmed) and on the first ':'. */
static void
read_key_lines(const char *text, const char *end, key_group *group)
{
    const char *line = text;

    group->seen = TRUE;
    while (line < end) {
        const char *newline = memchr(line, '\n', (gsize)(end - line));
        const char *line_end = newline ? newline : end;
        const char *colon = memchr(line, ':', (gsize)(line_end - line));

        if (colon != NULL) {
            int key = key_of(trimmed(line, colon));
            if (key >= 0 && group->values[key].text == NULL)
                group->values[key] = trimmed(colon + 1, line_end);
        }
        line = newline ? newline + 1 : end;
    }
}

/* "procmap-src" / "procmap-dst" as the first line: the side; the plugin's
 * own PM_CARRIED_PIB_MARKER: PM_CARRIED_EITHER; else -1.  *@body: where the
 * key lines start. */
static int
procmap_side(const char *text, const char *end, const char **body)
{
    const char *newline = memchr(text, '\n', (gsize)(end - text));
    slice first = trimmed(text, newline ? newline : end);

    *body = newline ? newline + 1 : end;
    if (slice_equal(first, "procmap-src"))
        return PM_CARRIED_SRC;
    if (slice_equal(first, "procmap-dst"))
        return PM_CARRIED_DST;
    if (slice_equal(first, PM_CARRIED_PIB_MARKER))
        return PM_CARRIED_EITHER;
    return -1;
}

/* The word after "NAME=" at *@p (digits up to a space or the end), and
 * *@p moved past it and the spaces after. */
static slice
etl_word(const char **p, const char *end, const char *name)
{
    gsize name_len = strlen(name);
    slice word = { NULL, 0 };
    const char *start;

    if ((gsize)(end - *p) < name_len || memcmp(*p, name, name_len) != 0)
        return word;
    start = *p + name_len;
    *p = start;
    while (*p < end && **p != ' ')
        (*p)++;
    word.text = start;
    word.len = (gsize)(*p - start);
    while (*p < end && **p == ' ')
        (*p)++;
    return word;
}

/* Whether @text (to @end) is pcapd's: "PID: " and, on its first line,
 * ", ProcName: ". */
static gboolean
is_pcapd(const char *text, const char *end)
{
    const char *newline = memchr(text, '\n', (gsize)(end - text));
    const char *line_end = newline ? newline : end;

    return g_str_has_prefix(text, "PID: ") &&
           g_strstr_len(text, line_end - text, PCAPD_NAME) != NULL;
}

/* The last @word in [@start, @end), or NULL. */
static const char *
last_word(const char *start, const char *end, const char *word)
{
    gsize len = strlen(word);
    const char *found = NULL;

    for (const char *p = start; p + len <= end; ) {
        const char *hit = g_strstr_len(p, end - p, word);
        if (hit == NULL)
            break;
        found = hit;
        p = hit + 1;
    }
    return found;
}

static void
read_pcapd(const char *text, const char *end, pcapd_comment *pcapd)
{
    const char *newline = memchr(text, '\n', (gsize)(end - text));
    const char *line_end = newline ? newline : end;
    const char *name = g_strstr_len(text, line_end - text, PCAPD_NAME);
    const char *rest = name + strlen(PCAPD_NAME);
    const char *svc = last_word(rest, line_end, ", SVC: ");
    const char *ename = last_word(rest, svc ? svc : line_end, ", EProcName: ");
    const char *epid = last_word(rest, ename ? ename : (svc ? svc : line_end), ", EPID: ");
    const char *name_end = epid ? epid : (ename ? ename : (svc ? svc : line_end));

    pcapd->seen = TRUE;
    pcapd->pid = trimmed(text + strlen("PID: "), name);
    pcapd->name = trimmed(rest, name_end);
    if (epid != NULL)
        pcapd->epid = trimmed(epid + strlen(", EPID: "), ename ? ename : (svc ? svc : line_end));
    if (ename != NULL)
        pcapd->ename = trimmed(ename + strlen(", EProcName: "), svc ? svc : line_end);
}

void
pm_carried_read_comments(const char *const *comments, guint n_comments,
                         carried_comments *read)
{
    memset(read, 0, sizeof *read);
    for (guint i = 0; comments != NULL && i < n_comments; i++) {
        const char *text = comments[i], *end, *body;
        int side;

        if (text == NULL)
            continue;
        end = text + strlen(text);
        while (text < end && g_ascii_isspace(*text))
            text++;
        side = procmap_side(text, end, &body);
        if (side >= 0) {
            if (!read->procmap[side].seen)        /* a second one for the side is ignored */
                read_key_lines(body, end, &read->procmap[side]);
        } else if (is_pcapd(text, end)) {
            if (!read->pcapd.seen)
                read_pcapd(text, end, &read->pcapd);
        } else if (g_str_has_prefix(text, "PID=")) {
            if (!read->etl.seen) {
                const char *p = text;
                read->etl.seen = TRUE;
                read->etl.pid = etl_word(&p, end, "PID=");
                read->etl.tid = etl_word(&p, end, "TID=");
            }
        } else {
            read_key_lines(text, end, &read->ptcpdump);
        }
    }
}
