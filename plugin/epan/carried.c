/* carried.c - process information a capture file carries with its packets.
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
 * A frame's trailer (PCAPdroid, tcpshark, eCapture) comes as a tag that
 * carried_trailer.c read; it is the last choice.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "carried.h"

#include <string.h>

typedef enum {
    KEY_PID = 0,
    KEY_CMD,
    KEY_ARGS,
    KEY_TID,
    KEY_THREAD_NAME,
    KEY_UID,
    KEY_USER,
    KEY_PPID,
    KEY_PARENT_CMD,
    KEY_PARENT_ARGS,
    KEY_CONTAINER_NAME,
    KEY_CONTAINER_ID,
    KEY_CONTAINER_IMAGE,
    KEY_POD_NAME,
    KEY_POD_NAMESPACE,
    KEY_START_TIME,
    KEY_COMM,
    KEY_CWD,
    KEY_COUNT
} key_id;

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

/* A piece of a comment; text == NULL: absent. */
typedef struct {
    const char *text;
    gsize       len;
} slice;

/* The values of one process's keys, first value of each. */
typedef struct {
    slice values[KEY_COUNT];
    gboolean seen;      /* a comment of this group was read */
} key_group;

/* ---- slices --------------------------------------------------------------- */

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

static gboolean
slice_equal(slice s, const char *word)
{
    gsize len = strlen(word);
    return s.len == len && memcmp(s.text, word, len) == 0;
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

/* A decimal number in [min, max]: digits only, no sign, no spaces. */
static gboolean
slice_to_number(slice s, guint64 min, guint64 max, guint64 *out)
{
    char digits[24];

    if (s.text == NULL || s.len == 0 || s.len >= sizeof digits)
        return FALSE;
    for (gsize i = 0; i < s.len; i++) {
        if (!g_ascii_isdigit(s.text[i]))
            return FALSE;
    }
    memcpy(digits, s.text, s.len);
    digits[s.len] = '\0';
    return g_ascii_string_to_unsigned(digits, 10, min, max, out, NULL);
}

/* Counts a malformed thing in what a packet carries; the first is described
 * (Expert Info shows it). */
static void
note_malformed(pm_carried *notes, const char *what)
{
    if (notes->n_malformed++ == 0)
        notes->malformed = g_strdup(what);
}

/* A copy of @s fit to show: valid UTF-8, control characters as spaces, at
 * most PM_CARRIED_VALUE_MAX bytes (then "..." is appended and *@cut set);
 * NULL if empty. */
static char *
take_value(slice s, pm_carried *notes, gboolean *cut)
{
    gsize len;
    char *text;

    if (cut)
        *cut = FALSE;
    if (s.text == NULL || s.len == 0)
        return NULL;
    len = MIN(s.len, PM_CARRIED_VALUE_MAX);
    text = pm_utf8_sanitize(g_strndup(s.text, len));
    /* Replacement characters may have made it longer than the cap. */
    if (s.len > PM_CARRIED_VALUE_MAX || strlen(text) > PM_CARRIED_VALUE_MAX) {
        char *end = text + MIN(strlen(text), PM_CARRIED_VALUE_MAX - 3);
        if (*end != '\0' && (*end & 0xC0) == 0x80)
            end = g_utf8_find_prev_char(text, end + 1);
        strcpy(end, "...");
        if (cut)
            *cut = TRUE;
        note_malformed(notes, "a value longer than 64 KiB (cut)");
    }
    g_strstrip(text);
    if (*text == '\0') {
        g_free(text);
        return NULL;
    }
    return text;
}

/* ---- reading comments ----------------------------------------------------- */

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

typedef struct {
    gboolean seen;
    slice    pid;
    slice    tid;
} etl_comment;

/* iOS pcapd's comment (pymobiledevice3's pcapd.py, one line):
 * "PID: <pid>, ProcName: <comm>, EPID: <epid>, EProcName: <ecomm>, SVC: <svc>".
 * The names may hold ", ": the numbers are found from the ends. */
typedef struct {
    gboolean seen;
    slice    pid;
    slice    name;
    slice    epid;
    slice    ename;
} pcapd_comment;

#define PCAPD_NAME ", ProcName: "

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

/* ---- building processes --------------------------------------------------- */

static char *
basename_of_first_word(const char *args)
{
    const char *space = strchr(args, ' ');
    char *word = space ? g_strndup(args, (gsize)(space - args)) : g_strdup(args);
    char *base = *word ? g_path_get_basename(word) : NULL;

    g_free(word);
    return base;
}

/* With a comm (procmap's format names it): the live rule, comm or the
 * executable's basename when comm may be cut.  Without (ptcpdump's rule,
 * ProcessBase.Comm()): the executable's basename, or for a program run from
 * a file descriptor (fexecve: "/dev/fd/N") argv[0]'s; argv[0] also when
 * there is no executable. */
static char *
carried_name(const pm_carried_process *process)
{
    const pm_process_raw *raw = &process->raw;

    if (raw->comm != NULL)
        return pm_process_pick_name(raw->comm, raw->exe);
    if (raw->exe != NULL && !(g_str_has_prefix(raw->exe, "/dev/fd/") && process->args))
        return g_path_get_basename(raw->exe);
    if (process->args != NULL)
        return basename_of_first_word(process->args);
    return NULL;
}

/* An optional number: absent is fine, malformed is noted and ignored. */
static gboolean
optional_number(slice s, guint64 min, guint64 max, const char *key, pm_carried *notes,
                guint64 *out)
{
    if (s.text == NULL)
        return FALSE;
    if (slice_to_number(s, min, max, out))
        return TRUE;
    if (s.len > 0) {
        char *what = g_strdup_printf("a malformed or out-of-range %s", key);
        note_malformed(notes, what);
        g_free(what);
    }
    return FALSE;
}

static gboolean
build_from_keys(const key_group *group, pm_carried *notes, pm_carried_process *process)
{
    const slice *v = group->values;
    guint64 number;
    gboolean cut;

    if (!group->seen || v[KEY_PID].text == NULL || v[KEY_PID].len == 0)
        return FALSE;       /* e.g. ptcpdump's container group alone: no process */
    if (!slice_to_number(v[KEY_PID], 1, G_MAXINT32, &number)) {
        note_malformed(notes, "a malformed or out-of-range PID");
        return FALSE;
    }
    memset(process, 0, sizeof *process);
    process->present = TRUE;
    process->raw.pid = (gint32)number;
    process->raw.ppid = optional_number(v[KEY_PPID], 1, G_MAXINT32, "ParentPID", notes, &number)
                        ? (gint32)number : -1;
    if (optional_number(v[KEY_UID], 0, G_MAXUINT32 - 1, "UserId", notes, &number)) {
        process->raw.has_uid = TRUE;
        process->raw.uid = (guint32)number;
    }
    if (optional_number(v[KEY_START_TIME], 1, G_MAXUINT64, "StartTime", notes, &number))
        process->raw.start_time_ns = number;
    if (optional_number(v[KEY_TID], 1, G_MAXUINT32, "ThreadId", notes, &number)) {
        process->context.has_tid = TRUE;
        process->context.tid = (guint32)number;
    }
    process->raw.exe = take_value(v[KEY_CMD], notes, NULL);
    process->args = take_value(v[KEY_ARGS], notes, &cut);
    process->raw.args_truncated = cut || (process->args && g_str_has_suffix(process->args, "..."));
    process->raw.comm = take_value(v[KEY_COMM], notes, NULL);
    process->raw.cwd = take_value(v[KEY_CWD], notes, NULL);
    process->user = take_value(v[KEY_USER], notes, NULL);
    process->raw.carried.parent_exe = take_value(v[KEY_PARENT_CMD], notes, NULL);
    process->raw.carried.parent_args = take_value(v[KEY_PARENT_ARGS], notes, NULL);
    process->raw.carried.container_id = take_value(v[KEY_CONTAINER_ID], notes, NULL);
    process->raw.carried.container_name = take_value(v[KEY_CONTAINER_NAME], notes, NULL);
    process->raw.carried.container_image = take_value(v[KEY_CONTAINER_IMAGE], notes, NULL);
    process->raw.carried.pod_name = take_value(v[KEY_POD_NAME], notes, NULL);
    process->raw.carried.pod_namespace = take_value(v[KEY_POD_NAMESPACE], notes, NULL);
    process->context.thread_name = take_value(v[KEY_THREAD_NAME], notes, NULL);
    process->raw.name = carried_name(process);
    return TRUE;
}

static gboolean
build_from_etl(const etl_comment *etl, pm_carried *notes, pm_carried_process *process)
{
    guint64 number;

    if (!etl->seen)
        return FALSE;
    /* PID 0 is the idle process: etl2pcapng writes it when it knows none. */
    if (slice_equal(etl->pid, "0"))
        return FALSE;
    if (!slice_to_number(etl->pid, 1, G_MAXINT32, &number)) {
        note_malformed(notes, "a malformed or out-of-range etl2pcapng PID");
        return FALSE;
    }
    memset(process, 0, sizeof *process);
    process->present = TRUE;
    process->raw.pid = (gint32)number;
    process->raw.ppid = -1;
    if (optional_number(etl->tid, 1, G_MAXUINT32, "etl2pcapng TID", notes, &number)) {
        process->context.has_tid = TRUE;
        process->context.tid = (guint32)number;
    }
    return TRUE;
}

static gboolean
build_from_pcapd(const pcapd_comment *pcapd, pm_carried *notes, pm_carried_process *process)
{
    guint64 number;

    if (!pcapd->seen)
        return FALSE;
    /* 0 is the kernel (kernel_task), as in Darwin's process blocks. */
    if (!slice_to_number(pcapd->pid, 0, G_MAXINT32, &number)) {
        note_malformed(notes, "a malformed or out-of-range pcapd PID");
        return FALSE;
    }
    memset(process, 0, sizeof *process);
    process->present = TRUE;
    process->raw.pid = (gint32)number;
    process->raw.ppid = -1;
    process->raw.name = take_value(pcapd->name, notes, NULL);
    /* The effective process: the one the packet was sent on behalf of. */
    if (optional_number(pcapd->epid, 0, G_MAXINT32, "pcapd EPID", notes, &number) &&
        (gint32)number != process->raw.pid) {
        process->context.has_epid = TRUE;
        process->context.epid = (guint32)number;
        process->context.ename = take_value(pcapd->ename, notes, NULL);
    }
    return TRUE;
}

static gboolean
build_from_darwin(const pm_carried_darwin *darwin, pm_carried *notes, pm_carried_process *process)
{
    slice name;

    if (darwin == NULL || !darwin->present || darwin->pid < 0)
        return FALSE;
    memset(process, 0, sizeof *process);
    process->present = TRUE;
    process->raw.pid = darwin->pid;
    process->raw.ppid = -1;
    if (darwin->name) {
        name.text = darwin->name;
        name.len = strlen(darwin->name);
        process->raw.name = take_value(name, notes, NULL);
    }
    if (darwin->has_effective && darwin->epid >= 0) {
        process->context.has_epid = TRUE;
        process->context.epid = (guint32)darwin->epid;
        if (darwin->ename) {
            name.text = darwin->ename;
            name.len = strlen(darwin->ename);
            process->context.ename = take_value(name, notes, NULL);
        }
    }
    return TRUE;
}

static const char *
tool_of(pm_carried_kind kind)
{
    switch (kind) {
    case PM_CARRIED_PCAPDROID: return "PCAPdroid";
    case PM_CARRIED_TCPSHARK:  return "tcpshark";
    case PM_CARRIED_ECAPTURE:  return "eCapture";
    default:                   return "carried";
    }
}

/* A trailer's or PCAPdroid's uid map's process (carried_trailer.h).
 * PCAPdroid names an app: its uid, its name, its package, and no pid. */
static gboolean
build_from_tag(const pm_carried_tag *tag, pm_carried *notes, pm_carried_process *process)
{
    slice name, package, args;

    if (tag == NULL || tag->kind == PM_CARRIED_NONE)
        return FALSE;
    if (tag->malformed != NULL)
        note_malformed(notes, tag->malformed);
    if (!tag->has_id)
        return FALSE;
    if (tag->kind != PM_CARRIED_PCAPDROID && (tag->id == 0 || tag->id > G_MAXINT32)) {
        /* tcpshark writes pid 0 for a packet whose socket it did not find. */
        if (tag->id != 0) {
            char *what = g_strdup_printf("an out-of-range %s PID", tool_of(tag->kind));
            note_malformed(notes, what);
            g_free(what);
        }
        return FALSE;
    }
    if (tag->kind == PM_CARRIED_PCAPDROID && tag->id == G_MAXUINT32)
        return FALSE;       /* uid -1: PCAPdroid did not know the app */
    name.text = tag->name;
    name.len = tag->name ? tag->name_len : 0;
    package.text = tag->package;
    package.len = tag->package ? tag->package_len : 0;
    args.text = tag->args;
    args.len = tag->args ? tag->args_len : 0;
    memset(process, 0, sizeof *process);
    process->present = TRUE;
    process->raw.ppid = -1;
    if (tag->kind == PM_CARRIED_PCAPDROID) {
        process->raw.pid = -1;
        process->raw.has_uid = TRUE;
        process->raw.uid = tag->id;
        process->raw.carried.package = take_value(package, notes, NULL);
    } else {
        process->raw.pid = (gint32)tag->id;
        if (tag->kind == PM_CARRIED_ECAPTURE)
            process->raw.comm = take_value(name, notes, NULL);
        process->args = take_value(args, notes, NULL);
    }
    process->raw.name = take_value(name, notes, NULL);
    return TRUE;
}

gboolean
pm_carried_parse(const char *const *comments, guint n_comments,
                 const pm_carried_darwin *darwin, const pm_carried_tag *tag, pm_carried *out)
{
    key_group ptcpdump, procmap[PM_CARRIED_SLOTS];
    etl_comment etl;
    pcapd_comment pcapd;

    memset(out, 0, sizeof *out);
    memset(&ptcpdump, 0, sizeof ptcpdump);
    memset(procmap, 0, sizeof procmap);
    memset(&etl, 0, sizeof etl);
    memset(&pcapd, 0, sizeof pcapd);
    out->unresolved = darwin != NULL && darwin->unresolved;
    if (n_comments > PM_CARRIED_COMMENTS_MAX) {
        note_malformed(out, "more comments on one packet than are read");
        n_comments = PM_CARRIED_COMMENTS_MAX;
    }
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
            if (!procmap[side].seen)        /* a second one for the side is ignored */
                read_key_lines(body, end, &procmap[side]);
        } else if (is_pcapd(text, end)) {
            if (!pcapd.seen)
                read_pcapd(text, end, &pcapd);
        } else if (g_str_has_prefix(text, "PID=")) {
            if (!etl.seen) {
                const char *p = text;
                etl.seen = TRUE;
                etl.pid = etl_word(&p, end, "PID=");
                etl.tid = etl_word(&p, end, "TID=");
            }
        } else {
            read_key_lines(text, end, &ptcpdump);
        }
    }

    /* Both of procmap's sides are built, whichever is valid. */
    gboolean src = build_from_keys(&procmap[PM_CARRIED_SRC], out,
                                   &out->process[PM_CARRIED_SRC]);
    gboolean dst = build_from_keys(&procmap[PM_CARRIED_DST], out,
                                   &out->process[PM_CARRIED_DST]);
    if (src || dst)
        out->kind = PM_CARRIED_PROCMAP;
    else if (build_from_keys(&procmap[PM_CARRIED_EITHER], out,
                             &out->process[PM_CARRIED_EITHER]))
        out->kind = PM_CARRIED_PIB;
    else if (build_from_darwin(darwin, out, &out->process[PM_CARRIED_EITHER]))
        out->kind = PM_CARRIED_DARWIN;
    else if (build_from_keys(&ptcpdump, out, &out->process[PM_CARRIED_EITHER]))
        out->kind = PM_CARRIED_PTCPDUMP;
    else if (build_from_etl(&etl, out, &out->process[PM_CARRIED_EITHER]))
        out->kind = PM_CARRIED_ETL2PCAPNG;
    else if (build_from_pcapd(&pcapd, out, &out->process[PM_CARRIED_EITHER]))
        out->kind = PM_CARRIED_PCAPD;
    else if (build_from_tag(tag, out, &out->process[PM_CARRIED_EITHER]))
        out->kind = tag->kind;
    return out->kind != PM_CARRIED_NONE;
}

static void
process_clear(pm_carried_process *process)
{
    pm_process_raw_clear(&process->raw);
    g_free(process->args);
    g_free(process->user);
    g_free(process->context.thread_name);
    g_free(process->context.ename);
    memset(process, 0, sizeof *process);
}

void
pm_carried_clear(pm_carried *carried)
{
    for (int slot = 0; slot < PM_CARRIED_SLOTS; slot++)
        process_clear(&carried->process[slot]);
    g_free(carried->malformed);
    carried->malformed = NULL;
    carried->n_malformed = 0;
    carried->unresolved = FALSE;
    carried->kind = PM_CARRIED_NONE;
}

void
pm_carried_place(const pm_carried *carried, pm_direction direction,
                 gboolean both_ends_loopback, const pm_carried_process *out[PM_CARRIED_SLOTS])
{
    const pm_carried_process *single = &carried->process[PM_CARRIED_EITHER];

    for (int slot = 0; slot < PM_CARRIED_SLOTS; slot++)
        out[slot] = NULL;
    if (carried->kind == PM_CARRIED_PROCMAP) {
        for (int slot = PM_CARRIED_SRC; slot <= PM_CARRIED_DST; slot++) {
            if (carried->process[slot].present)
                out[slot] = &carried->process[slot];
        }
        return;
    }
    if (!single->present)
        return;
    if (both_ends_loopback)
        out[PM_CARRIED_EITHER] = single;
    else if (direction == PM_DIRECTION_OUTBOUND)
        out[PM_CARRIED_SRC] = single;
    else if (direction == PM_DIRECTION_INBOUND)
        out[PM_CARRIED_DST] = single;
    else
        out[PM_CARRIED_EITHER] = single;
}

static void
copy_text(char **text, gpointer data)
{
    (void)data;
    *text = g_strdup(*text);
}

pm_process *
pm_carried_process_to_process(const pm_carried_process *process)
{
    /* pm_process_new() consumes what it is given: a copy of the raw. */
    pm_process_raw raw = process->raw;

    raw.comm = g_strdup(raw.comm);
    raw.exe = g_strdup(raw.exe);
    raw.cwd = g_strdup(raw.cwd);
    raw.name = g_strdup(raw.name);
    pm_process_carried_foreach(&raw.carried, copy_text, NULL);
    raw.argv = NULL;
    if (process->args != NULL) {
        raw.argv = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(raw.argv, g_strdup(process->args));
    }
    return pm_process_new(&raw, process->user, NULL, 0);
}
