/* procfs_parse.h - pure parsers for the text of Linux /proc files.
 *
 * No I/O and no global state: every function takes bytes and a length (no
 * NUL terminator needed), so unit tests and fuzzers can call them directly.
 * The procfs backend (procfs.c) does the reading and calls these.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_PROCFS_PARSE_H
#define PROCMAP_PROCFS_PARSE_H

#include <glib.h>

#include "addr.h"
#include "backend.h"

G_BEGIN_DECLS

/* ---- lines -------------------------------------------------------------- */

/* Called per line (without '\n').  @overlong: a line longer than the buffer
 * was skipped (@line is NULL).  Return FALSE to stop. */
typedef gboolean (*pm_line_fn)(const char *line, gsize len, gboolean overlong, gpointer data);

/* Splits a byte stream into lines inside one fixed buffer: lines are handed
 * out in place, only an unfinished tail is moved to the front.  A line of
 * @cap bytes or more (its '\n' included) is skipped and reported overlong. */
typedef struct {
    char    *buf;
    gsize    cap;
    gsize    fill;        /* bytes of an unfinished line at the front */
    gboolean discarding;  /* inside an overlong line */
} pm_line_splitter;

void pm_line_splitter_init(pm_line_splitter *splitter, char *buf, gsize cap);
/* Where the next bytes go, and how many fit (never 0). */
char *pm_line_splitter_space(pm_line_splitter *splitter, gsize *room);
/* @n bytes were written at the space.  FALSE once @fn asked to stop. */
gboolean pm_line_splitter_push(pm_line_splitter *splitter, gsize n, pm_line_fn fn,
                               gpointer data);
/* End of input: a last line without '\n' is still a line. */
void pm_line_splitter_finish(pm_line_splitter *splitter, pm_line_fn fn, gpointer data);

/* ---- /proc/net/{tcp,tcp6,udp,udp6} ------------------------------------ */

/* The kernel prints each 32-bit word of an address as "%08X" of the word
 * loaded in host byte order from network-order bytes.  @byte_order is
 * G_LITTLE_ENDIAN or G_BIG_ENDIAN: the order of the host that wrote the text
 * (G_BYTE_ORDER for the live system). */
gboolean pm_parse_hex_ipv4(const char *hex, gsize len, int byte_order, guint8 out[4]);
gboolean pm_parse_hex_ipv6(const char *hex, gsize len, int byte_order, guint8 out[16]);

typedef enum {
    PM_PARSE_OK = 0,
    PM_PARSE_SKIP,       /* header or blank line: nothing to report */
    PM_PARSE_MALFORMED
} pm_parse_result;

/* One line of a socket table (without its '\n').  @v6_table: the line comes
 * from tcp6/udp6, so addresses must have 32 hex digits (else 8).  Fills every
 * field of @out on PM_PARSE_OK (v6only is PM_V6ONLY_UNKNOWN). */
pm_parse_result pm_parse_socket_line(const char *line, gsize len, gboolean v6_table,
                                     int byte_order, pm_socket *out);

/* ---- /proc/<pid>/fd/<n> link targets ----------------------------------- */

typedef enum {
    PM_FD_LINK_OTHER = 0,   /* not a socket (file, pipe, anon inode, ...) */
    PM_FD_LINK_SOCKET,      /* "socket:[<decimal inode>]" */
    PM_FD_LINK_MALFORMED    /* starts with "socket:[" but the rest is garbage */
} pm_fd_link;

pm_fd_link pm_parse_fd_link(const char *target, gsize len, guint64 *inode);

/* ---- /proc/<pid>/{stat,status,cmdline}, /proc/stat ---------------------- */

/* A directory entry name that is a pid or fd number: decimal digits only,
 * at most G_MAXINT32 ("self", "." and "12abc" are not). */
gboolean pm_parse_pid_name(const char *name, gint32 *out);

typedef struct {
    const char *comm;       /* points into the parsed text; not NUL-terminated */
    gsize       comm_len;
    gint32      ppid;
    guint64     start_ticks; /* field 22: clock ticks after boot */
} pm_proc_stat;

/* comm lies between the first '(' and the LAST ')': it may hold spaces and
 * parentheses of its own. */
gboolean pm_parse_proc_stat(const char *text, gsize len, pm_proc_stat *out);

/* The real uid (first number of the "Uid:" line). */
gboolean pm_parse_status_uid(const char *text, gsize len, guint32 *uid);

/* NUL-separated argv; one trailing NUL is dropped; empty text gives an empty
 * array.  Bytes are copied as they are.  Returns a GPtrArray of char*
 * (free func g_free). */
GPtrArray *pm_parse_cmdline(const char *text, gsize len);

/* One line of /proc/stat: TRUE and @btime for "btime <seconds>". */
gboolean pm_parse_btime_line(const char *line, gsize len, guint64 *btime);

/* Nanoseconds since the epoch of a process started @start_ticks clock ticks
 * after a boot at @btime_s; exact to the tick.  0 if @clk_tck is not positive. */
guint64 pm_start_time_ns(guint64 btime_s, guint64 start_ticks, long clk_tck);

/* Length of @path without a trailing " (deleted)" (an exe link whose file
 * was replaced or removed). */
gsize pm_strip_deleted_suffix(const char *path, gsize len);

/* ---- local addresses --------------------------------------------------- */

/* One line of /proc/net/if_inet6: the first column is 32 hex digits in plain
 * network order (not word-swapped like the socket tables). */
gboolean pm_parse_if_inet6_line(const char *line, gsize len, pm_addr *out);

/* /proc/net/fib_trie, fed line by line: an address line "|-- a.b.c.d"
 * followed by prefix lines, one of which is "/32 host LOCAL", is a local
 * address. */
typedef struct {
    guint8   pending[4];
    gboolean has_pending;
} pm_fib_trie_state;

void pm_fib_trie_init(pm_fib_trie_state *state);
/* TRUE when this line proves an address local (written to @out). */
gboolean pm_fib_trie_feed(pm_fib_trie_state *state, const char *line, gsize len,
                          pm_addr *out);

G_END_DECLS

#endif /* PROCMAP_PROCFS_PARSE_H */
