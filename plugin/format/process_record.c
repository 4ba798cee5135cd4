/* process_record.c - process records in pcapng files.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "process_record.h"

#include <string.h>

#define OPT_END       0
#define OPT_COMMENT   1
#define OPT_NAME      2
#define OPT_PATH      3
#define OPT_CMDLINE   4
#define OPT_PPID      5
#define OPT_UID       6
#define OPT_USER      7
#define OPT_UUID      8
#define OPT_STARTTIME 9
#define OPTION_MAX    65532u
#define COMMENT_FIRST_LINE "procmap"

/* What procmap's comment may add: keys a PIB has no option for. */
static const char *const extra_keys[] = {
    "Cwd", "ContainerId", "ContainerName", "ParentCmd", "ParentArgs",
};

void
pm_process_record_clear(pm_process_record *record)
{
    g_free(record->name);
    g_free(record->path);
    g_free(record->args);
    g_free(record->user);
    g_free(record->extra);
    memset(record, 0, sizeof *record);
}

/* ---- writing ---------------------------------------------------------- */

static void
put32le(GByteArray *out, guint32 value)
{
    guint32 le = GUINT32_TO_LE(value);

    g_byte_array_append(out, (const guint8 *)&le, 4);
}

static void
pad4(GByteArray *out, guint start)
{
    static const guint8 zeros[4];
    guint len = out->len - start;

    if (len % 4)
        g_byte_array_append(out, zeros, 4 - len % 4);
}

static void
put_option(GByteArray *out, guint16 code, const void *value, gsize len)
{
    guint16 header[2];
    guint start = out->len;

    len = MIN(len, OPTION_MAX);
    header[0] = GUINT16_TO_LE(code);
    header[1] = GUINT16_TO_LE((guint16)len);
    g_byte_array_append(out, (const guint8 *)header, 4);
    g_byte_array_append(out, value, (guint)len);
    pad4(out, start);
}

static void
put_string(GByteArray *out, guint16 code, const char *text)
{
    if (text != NULL && *text)
        put_option(out, code, text, strlen(text));
}

static void
put_u32_option(GByteArray *out, guint16 code, guint32 value)
{
    guint32 le = GUINT32_TO_LE(value);

    put_option(out, code, &le, 4);
}

void
pm_process_record_encode(const pm_process_record *record, GByteArray *out)
{
    guint entry_start, length_at;
    guint32 entry_len;

    put32le(out, PM_PIB_ENTRY_PROCESS);
    length_at = out->len;
    put32le(out, 0);
    entry_start = out->len;
    put32le(out, record->pid);
    put_string(out, OPT_NAME, record->name);
    put_string(out, OPT_PATH, record->path);
    if (record->argv != NULL && record->argv_len > 0 && record->argv[record->argv_len - 1] == '\0')
        put_option(out, OPT_CMDLINE, record->argv, record->argv_len);
    else if (record->args != NULL && *record->args)
        put_option(out, OPT_CMDLINE, record->args, strlen(record->args) + 1);
    if (record->has_ppid)
        put_u32_option(out, OPT_PPID, record->ppid);
    if (record->has_uid)
        put_u32_option(out, OPT_UID, record->uid);
    put_string(out, OPT_USER, record->user);
    if (record->has_uuid)
        put_option(out, OPT_UUID, record->uuid, 16);
    if (record->start_time_ns != 0) {
        guint64 le = GUINT64_TO_LE(record->start_time_ns);
        put_option(out, OPT_STARTTIME, &le, 8);
    }
    if (record->ref != 0 || (record->extra != NULL && *record->extra)) {
        GString *comment = g_string_new(COMMENT_FIRST_LINE);

        if (record->ref != 0)
            g_string_append_printf(comment, "\nRef: %u", record->ref);
        if (record->ref != 0 && record->run != 0)
            g_string_append_printf(comment, "\nRun: %u", record->run);
        if (record->extra != NULL && *record->extra)
            g_string_append_printf(comment, "\n%s", record->extra);
        put_option(out, OPT_COMMENT, comment->str, comment->len);
        g_string_free(comment, TRUE);
    }
    put_option(out, OPT_END, NULL, 0);
    entry_len = GUINT32_TO_LE(out->len - entry_start);
    memcpy(out->data + length_at, &entry_len, 4);
}

/* A varint: 7 bits a byte, low first, the high bit says more follow. */
static gsize
put_varint(guint8 *out, guint32 value)
{
    gsize n = 0;

    do {
        guint8 byte = value & 0x7f;

        value >>= 7;
        out[n++] = byte | (value ? 0x80 : 0);
    } while (value);
    return n;
}

gsize
pm_record_refs_encode(guint8 run, guint32 src_ref, guint32 dst_ref, guint8 out[16])
{
    gsize n = 0;

    if (run != 0) {
        out[n++] = PM_PROCMAP_OPT_VERSION_RUN;
        out[n++] = run;
    } else {
        out[n++] = PM_PROCMAP_OPT_VERSION;
    }
    n += put_varint(out + n, src_ref);
    n += put_varint(out + n, dst_ref);
    return n;
}

/* ---- reading ---------------------------------------------------------- */

static gboolean
get_varint(const guint8 *data, gsize len, gsize *at, guint32 *value)
{
    guint64 result = 0;

    for (int shift = 0; shift < 35 && *at < len; shift += 7) {
        guint8 byte = data[(*at)++];

        result |= (guint64)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            /* One way to write a number: no last byte of zeros. */
            if (byte == 0 && shift > 0)
                return FALSE;
            return result <= G_MAXUINT32 && (*value = (guint32)result, TRUE);
        }
    }
    return FALSE;
}

gboolean
pm_record_refs_parse(const guint8 *data, gsize len, guint8 *run, guint32 *src_ref,
                     guint32 *dst_ref)
{
    gsize at = 1;

    *run = 0;
    *src_ref = *dst_ref = 0;
    if (data == NULL || len < 3)
        return FALSE;
    if (data[0] == PM_PROCMAP_OPT_VERSION_RUN) {
        if (len < 4 || data[1] == 0)
            return FALSE;
        at = 2;
    } else if (data[0] != PM_PROCMAP_OPT_VERSION) {
        return FALSE;
    }
    if (!get_varint(data, len, &at, src_ref) || !get_varint(data, len, &at, dst_ref)) {
        *src_ref = *dst_ref = 0;
        return FALSE;
    }
    /* Padding the writer added is not ours to reject: zeros only. */
    for (; at < len; at++) {
        if (data[at] != 0) {
            *src_ref = *dst_ref = 0;
            return FALSE;
        }
    }
    if (data[0] == PM_PROCMAP_OPT_VERSION_RUN)
        *run = data[1];
    return TRUE;
}

static guint32
get32le(const guint8 *data)
{
    guint32 value;

    memcpy(&value, data, 4);
    return GUINT32_FROM_LE(value);
}

static guint16
get16le(const guint8 *data)
{
    guint16 value;

    memcpy(&value, data, 2);
    return GUINT16_FROM_LE(value);
}

/* A string option's text, cut at a NUL. */
static char *
string_of(const guint8 *value, gsize len)
{
    const guint8 *nul = memchr(value, '\0', len);

    if (nul != NULL)
        len = (gsize)(nul - value);
    return len ? g_strndup((const char *)value, len) : NULL;
}

/* NUL-separated arguments joined by single spaces (an empty one kept as
 * nothing between two spaces); a last NUL ends the list. */
static char *
args_of(const guint8 *value, gsize len)
{
    GString *args;

    if (len > 0 && value[len - 1] == '\0')
        len--;
    if (len == 0)
        return NULL;
    args = g_string_sized_new(len);
    for (gsize i = 0; i < len; i++)
        g_string_append_c(args, value[i] == '\0' ? ' ' : (char)value[i]);
    return g_string_free(args, FALSE);
}

static gboolean
is_extra_key(const char *key, gsize len)
{
    for (guint i = 0; i < G_N_ELEMENTS(extra_keys); i++) {
        if (strlen(extra_keys[i]) == len && g_ascii_strncasecmp(key, extra_keys[i], len) == 0)
            return TRUE;
    }
    return FALSE;
}

/* procmap's comment: its number and the lines of known keys.  Another
 * writer's comment (not starting "procmap") says nothing to procmap. */
static void
read_comment(const guint8 *value, gsize len, pm_process_record *out)
{
    char *text = string_of(value, len);
    char **lines;
    GString *extra;

    if (text == NULL)
        return;
    lines = g_strsplit(text, "\n", -1);
    g_free(text);
    if (lines[0] == NULL || strcmp(g_strchomp(lines[0]), COMMENT_FIRST_LINE) != 0 ||
        out->ref != 0 || out->extra != NULL) {
        g_strfreev(lines);
        return;
    }
    extra = g_string_new(NULL);
    for (guint i = 1; lines[i] != NULL; i++) {
        char *colon = strchr(lines[i], ':');
        char *key = lines[i], *val;
        guint64 number;

        if (colon == NULL)
            continue;
        *colon = '\0';
        g_strstrip(key);
        val = g_strstrip(colon + 1);
        if (g_ascii_strcasecmp(key, "Ref") == 0) {
            if (out->ref == 0 && g_ascii_string_to_unsigned(val, 10, 1, G_MAXUINT32, &number,
                                                            NULL))
                out->ref = (guint32)number;
        } else if (g_ascii_strcasecmp(key, "Run") == 0) {
            if (out->run == 0 && g_ascii_string_to_unsigned(val, 10, 1, G_MAXUINT8, &number,
                                                            NULL))
                out->run = (guint8)number;
        } else if (is_extra_key(key, strlen(key)) && *val) {
            g_string_append_printf(extra, "%s%s: %s", extra->len ? "\n" : "", key, val);
        }
    }
    g_strfreev(lines);
    out->extra = extra->len ? g_string_free(extra, FALSE) : (g_string_free(extra, TRUE), NULL);
}

/* Replaces a string option seen twice: the first one stays. */
static void
set_once(char **field, char *value)
{
    if (*field == NULL)
        *field = value;
    else
        g_free(value);
}

void
pm_record_process_thread_pack(guint8 out[PM_PROCMAP_PROCESS_THREAD_LEN], guint32 pid,
                              guint32 tid)
{
    guint32 pid_le = GUINT32_TO_LE(pid), tid_le = GUINT32_TO_LE(tid);

    out[0] = PM_PROCMAP_OPT_PROCESS_THREAD;
    memcpy(out + 1, &pid_le, 4);
    memcpy(out + 5, &tid_le, 4);
}

gboolean
pm_record_process_thread_unpack(const guint8 *data, gsize len, guint32 *pid, guint32 *tid)
{
    guint32 pid_le, tid_le;

    if (data == NULL || len != PM_PROCMAP_PROCESS_THREAD_LEN ||
        data[0] != PM_PROCMAP_OPT_PROCESS_THREAD)
        return FALSE;
    memcpy(&pid_le, data + 1, 4);
    memcpy(&tid_le, data + 5, 4);
    *pid = GUINT32_FROM_LE(pid_le);
    *tid = GUINT32_FROM_LE(tid_le);
    return TRUE;
}

pm_record_result
pm_process_record_parse(const guint8 *data, gsize len, pm_process_record *out,
                        const char **malformed)
{
    guint32 entry_type, entry_len;
    const guint8 *entry;
    gsize at;
    gboolean bad_option = FALSE;

    memset(out, 0, sizeof *out);
    *malformed = NULL;
    if (data == NULL || len < 8) {
        *malformed = "a Wireshark custom block too short for its entry header";
        return PM_RECORD_MALFORMED;
    }
    entry_type = get32le(data);
    entry_len = get32le(data + 4);
    if (entry_len > len - 8) {
        *malformed = "a Wireshark custom block entry longer than its block";
        return PM_RECORD_MALFORMED;
    }
    if (entry_type != PM_PIB_ENTRY_PROCESS)
        return PM_RECORD_OTHER_ENTRY;
    if (entry_len < 4) {
        *malformed = "a process information block without its process id";
        return PM_RECORD_MALFORMED;
    }
    entry = data + 8;
    out->pid = get32le(entry);
    for (at = 4; at + 4 <= entry_len;) {
        guint16 code = get16le(entry + at), option_len = get16le(entry + at + 2);
        const guint8 *value = entry + at + 4;

        if (code == OPT_END)
            break;
        if (option_len > entry_len - at - 4) {
            bad_option = TRUE;
            break;
        }
        switch (code) {
        case OPT_NAME:
            set_once(&out->name, string_of(value, option_len));
            break;
        case OPT_PATH:
            set_once(&out->path, string_of(value, option_len));
            break;
        case OPT_CMDLINE:
            set_once(&out->args, args_of(value, option_len));
            break;
        case OPT_USER:
            set_once(&out->user, string_of(value, option_len));
            break;
        case OPT_PPID:
        case OPT_UID:
            if (option_len != 4) {
                bad_option = TRUE;
            } else if (code == OPT_PPID && !out->has_ppid) {
                out->has_ppid = TRUE;
                out->ppid = get32le(value);
            } else if (code == OPT_UID && !out->has_uid) {
                out->has_uid = TRUE;
                out->uid = get32le(value);
            }
            break;
        case OPT_UUID:
            if (option_len != 16) {
                bad_option = TRUE;
            } else if (!out->has_uuid) {
                out->has_uuid = TRUE;
                memcpy(out->uuid, value, 16);
            }
            break;
        case OPT_STARTTIME:
            if (option_len != 8) {
                bad_option = TRUE;
            } else if (out->start_time_ns == 0) {
                guint64 start;
                memcpy(&start, value, 8);
                out->start_time_ns = GUINT64_FROM_LE(start);
            }
            break;
        case OPT_COMMENT:
            read_comment(value, option_len, out);
            break;
        default:
            break;   /* unknown options are skipped, as upstream does */
        }
        at += 4 + ((gsize)option_len + 3) / 4 * 4;
    }
    if (bad_option)
        *malformed = "a process information block option of the wrong length";
    return PM_RECORD_PROCESS;
}

/* ---- as procmap's comment ------------------------------------------------ */

static void
add_value(GString *out, const char *key, const char *value)
{
    if (value == NULL || *value == '\0')
        return;
    g_string_append(out, key);
    g_string_append(out, ": ");
    for (const char *c = value; *c; c++)
        g_string_append_c(out, (guchar)*c < 0x20 || *c == 0x7f ? ' ' : *c);
    g_string_append_c(out, '\n');
}

char *
pm_process_record_to_comment(const pm_process_record *record, const char *first_line)
{
    GString *out = g_string_sized_new(256);

    g_string_append(out, first_line);
    g_string_append_c(out, '\n');
    g_string_append(out, "Version: 1\n");
    g_string_append_printf(out, "PID: %u\n", record->pid);
    add_value(out, "Cmd", record->path);
    add_value(out, "Args", record->args);
    add_value(out, "Comm", record->name);
    if (record->has_uid)
        g_string_append_printf(out, "UserId: %u\n", record->uid);
    add_value(out, "User", record->user);
    if (record->has_ppid)
        g_string_append_printf(out, "ParentPID: %u\n", record->ppid);
    if (record->start_time_ns != 0)
        g_string_append_printf(out, "StartTime: %" G_GUINT64_FORMAT "\n", record->start_time_ns);
    /* Known keys only (read_comment), after the record's own: a repeated
     * key keeps its first value. */
    if (record->extra != NULL) {
        char **lines = g_strsplit(record->extra, "\n", -1);

        for (guint i = 0; lines[i] != NULL; i++) {
            char *colon = strchr(lines[i], ':');

            if (colon == NULL)
                continue;
            *colon = '\0';
            if (is_extra_key(g_strstrip(lines[i]), strlen(lines[i])))
                add_value(out, lines[i], g_strstrip(colon + 1));
        }
        g_strfreev(lines);
    }
    if (out->str[out->len - 1] == '\n')
        g_string_truncate(out, out->len - 1);
    return g_string_free(out, FALSE);
}
