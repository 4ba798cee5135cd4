/* procfs_parse.c - pure parsers for the text of Linux /proc files.
 *
 * Hand-rolled scanners over (pointer, length): a refresh may parse tens of
 * thousands of socket lines, so no sscanf/strtok and no allocation per field.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procfs_parse.h"

#include <arpa/inet.h>
#include <string.h>

/* ---- scanning helpers --------------------------------------------------- */

typedef struct {
    const char *p;
    const char *end;
} cursor;

static gboolean
is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* The next whitespace-separated token, or FALSE at the end of the text. */
static gboolean
next_token(cursor *c, const char **token, gsize *token_len)
{
    while (c->p < c->end && is_blank(*c->p))
        c->p++;
    if (c->p >= c->end)
        return FALSE;
    *token = c->p;
    while (c->p < c->end && !is_blank(*c->p))
        c->p++;
    *token_len = (gsize)(c->p - *token);
    return TRUE;
}

static int
hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* 1 to 8 hex digits. */
static gboolean
parse_hex_u32(const char *s, gsize len, guint32 *out)
{
    guint32 v = 0;

    if (len == 0 || len > 8)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        int d = hex_value(s[i]);
        if (d < 0)
            return FALSE;
        v = (v << 4) | (guint32)d;
    }
    *out = v;
    return TRUE;
}

/* Decimal digits only, no sign, overflow rejected. */
static gboolean
parse_dec_u64(const char *s, gsize len, guint64 *out)
{
    guint64 v = 0;

    if (len == 0)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        guint d;
        if (s[i] < '0' || s[i] > '9')
            return FALSE;
        d = (guint)(s[i] - '0');
        if (v > (G_MAXUINT64 - d) / 10)
            return FALSE;
        v = v * 10 + d;
    }
    *out = v;
    return TRUE;
}

/* ---- lines -------------------------------------------------------------- */

void
pm_line_splitter_init(pm_line_splitter *splitter, char *buf, gsize cap)
{
    splitter->buf = buf;
    splitter->cap = cap;
    splitter->fill = 0;
    splitter->discarding = FALSE;
}

char *
pm_line_splitter_space(pm_line_splitter *splitter, gsize *room)
{
    *room = splitter->cap - splitter->fill;
    return splitter->buf + splitter->fill;
}

gboolean
pm_line_splitter_push(pm_line_splitter *splitter, gsize n, pm_line_fn fn, gpointer data)
{
    char *buf = splitter->buf;
    gsize end = splitter->fill + n, start = 0, scan = splitter->fill;
    const char *nl;

    while ((nl = memchr(buf + scan, '\n', end - scan)) != NULL) {
        gsize nl_at = (gsize)(nl - buf);
        gboolean go_on = splitter->discarding ? fn(NULL, 0, TRUE, data)
                                              : fn(buf + start, nl_at - start, FALSE, data);
        splitter->discarding = FALSE;
        if (!go_on)
            return FALSE;
        start = scan = nl_at + 1;
    }
    if (end - start == splitter->cap)
        splitter->discarding = TRUE;  /* the buffer holds one unfinished line */
    if (splitter->discarding) {
        splitter->fill = 0;
    } else {
        memmove(buf, buf + start, end - start);
        splitter->fill = end - start;
    }
    return TRUE;
}

void
pm_line_splitter_finish(pm_line_splitter *splitter, pm_line_fn fn, gpointer data)
{
    if (splitter->discarding)
        fn(NULL, 0, TRUE, data);
    else if (splitter->fill > 0)
        fn(splitter->buf, splitter->fill, FALSE, data);
    splitter->fill = 0;
    splitter->discarding = FALSE;
}

/* ---- socket tables ------------------------------------------------------ */

/* The bytes of @word as the host of @byte_order stores them in memory, i.e.
 * what memcpy(out, &word, 4) gives on that host. */
static gboolean
store_word(guint32 word, int byte_order, guint8 out[4])
{
    if (byte_order == G_BIG_ENDIAN) {
        out[0] = (guint8)(word >> 24);
        out[1] = (guint8)(word >> 16);
        out[2] = (guint8)(word >> 8);
        out[3] = (guint8)word;
    } else if (byte_order == G_LITTLE_ENDIAN) {
        out[0] = (guint8)word;
        out[1] = (guint8)(word >> 8);
        out[2] = (guint8)(word >> 16);
        out[3] = (guint8)(word >> 24);
    } else {
        return FALSE;
    }
    return TRUE;
}

gboolean
pm_parse_hex_ipv4(const char *hex, gsize len, int byte_order, guint8 out[4])
{
    guint32 word;

    if (len != 8 || !parse_hex_u32(hex, 8, &word))
        return FALSE;
    return store_word(word, byte_order, out);
}

gboolean
pm_parse_hex_ipv6(const char *hex, gsize len, int byte_order, guint8 out[16])
{
    guint8 bytes[16];

    if (len != 32)
        return FALSE;
    for (int i = 0; i < 4; i++) {
        guint32 word;
        if (!parse_hex_u32(hex + 8 * i, 8, &word) || !store_word(word, byte_order, bytes + 4 * i))
            return FALSE;
    }
    memcpy(out, bytes, 16);
    return TRUE;
}

/* "ADDR:PORT" with an 8 or 32 digit address and a hex port. */
static gboolean
parse_hex_endpoint(const char *token, gsize len, gboolean v6, int byte_order,
                   pm_endpoint *out)
{
    const char *colon = memchr(token, ':', len);
    gsize addr_len, port_len;
    guint32 port;

    if (colon == NULL)
        return FALSE;
    addr_len = (gsize)(colon - token);
    port_len = len - addr_len - 1;
    if (port_len > 4 || !parse_hex_u32(colon + 1, port_len, &port))
        return FALSE;
    if (v6) {
        guint8 bytes[16];
        if (!pm_parse_hex_ipv6(token, addr_len, byte_order, bytes))
            return FALSE;
        pm_addr_from_ipv6(&out->addr, bytes);
    } else {
        guint8 bytes[4];
        if (!pm_parse_hex_ipv4(token, addr_len, byte_order, bytes))
            return FALSE;
        pm_addr_from_ipv4(&out->addr, bytes);
    }
    out->port = (guint16)port;
    return TRUE;
}

/* Field numbers of a socket line, as the kernel prints them (tcp4_seq_show,
 * udp4_format_sock and their v6 twins share the first ten). */
enum {
    FIELD_SL, FIELD_LOCAL, FIELD_REMOTE, FIELD_STATE, FIELD_QUEUES,
    FIELD_TIMER, FIELD_RETRANSMITS, FIELD_UID, FIELD_TIMEOUT, FIELD_INODE,
    FIELD_NEEDED
};

pm_parse_result
pm_parse_socket_line(const char *line, gsize len, gboolean v6_table, int byte_order,
                     pm_socket *out)
{
    cursor c = { line, line + len };
    const char *tok[FIELD_NEEDED];
    gsize tok_len[FIELD_NEEDED];
    guint64 sl, uid, inode;
    guint32 state;
    pm_socket s;

    if (!next_token(&c, &tok[0], &tok_len[0]))
        return PM_PARSE_SKIP;
    if (tok_len[0] == 2 && memcmp(tok[0], "sl", 2) == 0)
        return PM_PARSE_SKIP;
    for (int i = 1; i < FIELD_NEEDED; i++) {
        if (!next_token(&c, &tok[i], &tok_len[i]))
            return PM_PARSE_MALFORMED;
    }

    /* "<slot>:" */
    if (tok_len[FIELD_SL] < 2 || tok[FIELD_SL][tok_len[FIELD_SL] - 1] != ':'
        || !parse_dec_u64(tok[FIELD_SL], tok_len[FIELD_SL] - 1, &sl))
        return PM_PARSE_MALFORMED;

    memset(&s, 0, sizeof s);
    if (!parse_hex_endpoint(tok[FIELD_LOCAL], tok_len[FIELD_LOCAL], v6_table, byte_order, &s.local)
        || !parse_hex_endpoint(tok[FIELD_REMOTE], tok_len[FIELD_REMOTE], v6_table, byte_order,
                               &s.remote))
        return PM_PARSE_MALFORMED;
    if (tok_len[FIELD_STATE] > 2 || !parse_hex_u32(tok[FIELD_STATE], tok_len[FIELD_STATE], &state))
        return PM_PARSE_MALFORMED;
    if (!parse_dec_u64(tok[FIELD_UID], tok_len[FIELD_UID], &uid) || uid > G_MAXUINT32)
        return PM_PARSE_MALFORMED;
    if (!parse_dec_u64(tok[FIELD_INODE], tok_len[FIELD_INODE], &inode))
        return PM_PARSE_MALFORMED;

    s.state = (guint8)state;
    s.from_v6_table = v6_table;
    s.v6only = PM_V6ONLY_UNKNOWN;
    s.uid = (guint32)uid;
    s.inode = inode;
    *out = s;
    return PM_PARSE_OK;
}

/* ---- fd links ----------------------------------------------------------- */

#define SOCKET_LINK_PREFIX "socket:["

pm_fd_link
pm_parse_fd_link(const char *target, gsize len, guint64 *inode)
{
    const gsize prefix_len = sizeof SOCKET_LINK_PREFIX - 1;

    if (len < prefix_len || memcmp(target, SOCKET_LINK_PREFIX, prefix_len) != 0)
        return PM_FD_LINK_OTHER;
    /* Digits, then ']' as the very last byte. */
    if (len < prefix_len + 2 || target[len - 1] != ']'
        || !parse_dec_u64(target + prefix_len, len - prefix_len - 1, inode))
        return PM_FD_LINK_MALFORMED;
    return PM_FD_LINK_SOCKET;
}

/* ---- per-process files -------------------------------------------------- */

gboolean
pm_parse_pid_name(const char *name, gint32 *out)
{
    gint64 v = 0;

    if (*name == '\0')
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (*p < '0' || *p > '9')
            return FALSE;
        v = v * 10 + (*p - '0');
        if (v > G_MAXINT32)
            return FALSE;
    }
    *out = (gint32)v;
    return TRUE;
}

/* Fields of /proc/<pid>/stat counted from 1; comm is field 2. */
#define STAT_FIELD_STATE     3
#define STAT_FIELD_PPID      4
#define STAT_FIELD_STARTTIME 22

gboolean
pm_parse_proc_stat(const char *text, gsize len, pm_proc_stat *out)
{
    const char *open = memchr(text, '(', len);
    const char *close = NULL;
    cursor c;
    const char *tok;
    gsize tok_len;
    guint64 ppid = 0, start = 0;

    if (open == NULL)
        return FALSE;
    /* The last ')': a task may name itself "a) R 1 (b". */
    for (const char *p = text + len; p > open + 1; p--) {
        if (p[-1] == ')') {
            close = p - 1;
            break;
        }
    }
    if (close == NULL)
        return FALSE;

    c.p = close + 1;
    c.end = text + len;
    for (int field = STAT_FIELD_STATE; field <= STAT_FIELD_STARTTIME; field++) {
        if (!next_token(&c, &tok, &tok_len))
            return FALSE;
        /* The kernel ends the line with '\n': not part of a field. */
        while (tok_len > 0 && (tok[tok_len - 1] == '\n' || tok[tok_len - 1] == '\r'))
            tok_len--;
        if (field == STAT_FIELD_PPID
            && (!parse_dec_u64(tok, tok_len, &ppid) || ppid > G_MAXINT32))
            return FALSE;
        if (field == STAT_FIELD_STARTTIME && !parse_dec_u64(tok, tok_len, &start))
            return FALSE;
    }
    out->comm = open + 1;
    out->comm_len = (gsize)(close - open - 1);
    out->ppid = (gint32)ppid;
    out->start_ticks = start;
    return TRUE;
}

gboolean
pm_parse_status_uid(const char *text, gsize len, guint32 *uid)
{
    const char *p = text;
    const char *end = text + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (gsize)(end - p));
        const char *line_end = nl ? nl : end;

        if (line_end - p > 4 && memcmp(p, "Uid:", 4) == 0) {
            cursor c = { p + 4, line_end };
            const char *tok;
            gsize tok_len;
            guint64 v;

            if (!next_token(&c, &tok, &tok_len) || !parse_dec_u64(tok, tok_len, &v)
                || v > G_MAXUINT32)
                return FALSE;
            *uid = (guint32)v;
            return TRUE;
        }
        p = line_end + 1;
    }
    return FALSE;
}

GPtrArray *
pm_parse_cmdline(const char *text, gsize len)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    const char *p = text;
    const char *end;

    if (len == 0)
        return argv;  /* kernel thread or zombie */
    if (text[len - 1] == '\0')
        len--;
    end = text + len;
    /* At least one argument: "\0" is argv = { "" }. */
    for (;;) {
        const char *nul = memchr(p, '\0', (gsize)(end - p));
        const char *arg_end = nul ? nul : end;

        g_ptr_array_add(argv, g_strndup(p, (gsize)(arg_end - p)));
        if (nul == NULL)
            break;
        p = nul + 1;
    }
    return argv;
}

gboolean
pm_parse_btime_line(const char *line, gsize len, guint64 *btime)
{
    cursor c = { line, line + len };
    const char *tok;
    gsize tok_len;
    guint64 v;

    if (!next_token(&c, &tok, &tok_len) || tok_len != 5 || memcmp(tok, "btime", 5) != 0)
        return FALSE;
    if (!next_token(&c, &tok, &tok_len) || !parse_dec_u64(tok, tok_len, &v))
        return FALSE;
    *btime = v;
    return TRUE;
}

guint64
pm_start_time_ns(guint64 btime_s, guint64 start_ticks, long clk_tck)
{
    const guint64 ns_per_s = G_GUINT64_CONSTANT(1000000000);
    guint64 hz;

    if (clk_tck <= 0)
        return 0;
    hz = (guint64)clk_tck;
    /* Whole seconds and the remainder apart: no overflow, no lost ticks. */
    return (btime_s + start_ticks / hz) * ns_per_s + (start_ticks % hz) * ns_per_s / hz;
}

#define DELETED_SUFFIX " (deleted)"

gsize
pm_strip_deleted_suffix(const char *path, gsize len)
{
    const gsize suffix_len = sizeof DELETED_SUFFIX - 1;

    if (len > suffix_len && memcmp(path + len - suffix_len, DELETED_SUFFIX, suffix_len) == 0)
        return len - suffix_len;
    return len;
}

/* ---- local addresses ---------------------------------------------------- */

gboolean
pm_parse_if_inet6_line(const char *line, gsize len, pm_addr *out)
{
    cursor c = { line, line + len };
    const char *tok;
    gsize tok_len;
    guint8 bytes[16];

    if (!next_token(&c, &tok, &tok_len) || tok_len != 32)
        return FALSE;
    for (int i = 0; i < 16; i++) {
        int hi = hex_value(tok[2 * i]);
        int lo = hex_value(tok[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return FALSE;
        bytes[i] = (guint8)(hi << 4 | lo);
    }
    pm_addr_from_ipv6(out, bytes);
    return TRUE;
}

void
pm_fib_trie_init(pm_fib_trie_state *state)
{
    memset(state, 0, sizeof *state);
}

gboolean
pm_fib_trie_feed(pm_fib_trie_state *state, const char *line, gsize len, pm_addr *out)
{
    cursor c = { line, line + len };
    const char *tok;
    gsize tok_len;

    if (!next_token(&c, &tok, &tok_len)) {
        state->has_pending = FALSE;
        return FALSE;
    }
    if (tok_len == 3 && memcmp(tok, "|--", 3) == 0) {
        char text[INET_ADDRSTRLEN];

        /* A leaf: its address, then one line per prefix it belongs to. */
        state->has_pending = FALSE;
        if (next_token(&c, &tok, &tok_len) && tok_len < sizeof text) {
            memcpy(text, tok, tok_len);
            text[tok_len] = '\0';
            state->has_pending = inet_pton(AF_INET, text, state->pending) == 1;
        }
        return FALSE;
    }
    if (tok[0] != '/') {
        state->has_pending = FALSE;  /* an inner node or a table name */
        return FALSE;
    }
    if (!state->has_pending || tok_len != 3 || memcmp(tok, "/32", 3) != 0)
        return FALSE;
    if (!next_token(&c, &tok, &tok_len) || tok_len != 4 || memcmp(tok, "host", 4) != 0)
        return FALSE;
    if (!next_token(&c, &tok, &tok_len) || tok_len != 5 || memcmp(tok, "LOCAL", 5) != 0)
        return FALSE;
    pm_addr_from_ipv4(out, state->pending);
    state->has_pending = FALSE;  /* once per leaf */
    return TRUE;
}
