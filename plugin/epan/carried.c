/* carried.c - process information a capture file carries with its packets:
 * the processes built from a packet's comments (carried_read.c sorts them by
 * format and says which formats there are), from Darwin's process metadata,
 * or from a frame's trailer, which comes as a tag that carried_trailer.c
 * read and is the last choice.  Values are checked here: numbers in range,
 * text valid UTF-8 and capped, anything wrong counted once per packet.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "carried_read.h"

/* ---- slices --------------------------------------------------------------- */

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
    carried_comments read;

    memset(out, 0, sizeof *out);
    out->unresolved = darwin != NULL && darwin->unresolved;
    if (n_comments > PM_CARRIED_COMMENTS_MAX) {
        note_malformed(out, "more comments on one packet than are read");
        n_comments = PM_CARRIED_COMMENTS_MAX;
    }
    pm_carried_read_comments(comments, n_comments, &read);

    /* Both of procmap's sides are built, whichever is valid. */
    gboolean src = build_from_keys(&read.procmap[PM_CARRIED_SRC], out,
                                   &out->process[PM_CARRIED_SRC]);
    gboolean dst = build_from_keys(&read.procmap[PM_CARRIED_DST], out,
                                   &out->process[PM_CARRIED_DST]);
    if (src || dst)
        out->kind = PM_CARRIED_PROCMAP;
    else if (build_from_keys(&read.procmap[PM_CARRIED_EITHER], out,
                             &out->process[PM_CARRIED_EITHER]))
        out->kind = PM_CARRIED_PIB;
    else if (build_from_darwin(darwin, out, &out->process[PM_CARRIED_EITHER]))
        out->kind = PM_CARRIED_DARWIN;
    else if (build_from_keys(&read.ptcpdump, out, &out->process[PM_CARRIED_EITHER]))
        out->kind = PM_CARRIED_PTCPDUMP;
    else if (build_from_etl(&read.etl, out, &out->process[PM_CARRIED_EITHER]))
        out->kind = PM_CARRIED_ETL2PCAPNG;
    else if (build_from_pcapd(&read.pcapd, out, &out->process[PM_CARRIED_EITHER]))
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
