/* process_record.h - process records in pcapng files, as Wireshark writes
 * them: Process Information Blocks (PIBs), and procmap's short reference
 * from each packet to the records of its two ends.
 *
 * A PIB (upstream Wireshark, wiretap/pcapng-wireshark-custom.c, 5.1) is a
 * custom block (type 0x00000BAD, or 0x40000BAD) with PEN 32622 whose data
 * is an entry: type (u32) and length (u32, without padding), then the
 * entry padded to 4 bytes; entry type 3 is process information: u32
 * process id, then options (name 2, path 3, cmdline 4: NUL-separated argv,
 * ppid 5, uid 6, user 7, uuid 8, start time 9: ns since the epoch; 1 a
 * comment).  Everything in the entry is little-endian, whatever the
 * section's byte order.
 *
 * What a PIB has no option for (the working directory, the container, the
 * parent's executable and arguments) and the record's own number go into
 * the PIB's comment, as "Key: value" lines under a first line "procmap"
 * (docs/capture-records.md).  Each packet names its two ends' records by
 * those numbers in a custom option (PM_PROCMAP_PEN): Wireshark 4.0-4.6 keep
 * such an option in the packet's block where a plugin reads it, which 4.0
 * and 4.4 do for the packet's epb_processid_threadid only through a
 * plugin's option parser (PM_PROCMAP_OPT_PROCESS_THREAD below).
 *
 * Pure GLib: the writer (procmap-capture) and the reader (the plugin) both
 * use it; the reader's side is fuzzed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_FORMAT_PROCESS_RECORD_H
#define PROCMAP_FORMAT_PROCESS_RECORD_H

#include <glib.h>

G_BEGIN_DECLS

#define PM_PIB_BLOCK_TYPE       0x00000BADu   /* a custom block that may be copied */
#define PM_PIB_PEN              32622u        /* Wireshark's */
#define PM_PIB_ENTRY_PROCESS    3u
/* procmap has no IANA Private Enterprise Number yet: its custom options
 * use this one ("prmp"), far above any IANA has given out. */
#define PM_PROCMAP_PEN          0x70726d70u
#define PM_PROCMAP_OPT_VERSION  1u
/* ... and with the run's tag after the version byte (one byte, 1-255). */
#define PM_PROCMAP_OPT_VERSION_RUN 2u
/* The option code of a copyable binary custom option. */
#define PM_PCAPNG_OPT_CUSTOM_BINARY 2989u
/* The packet's epb_processid_threadid option (pcapng, Wireshark 4.6+). */
#define PM_PCAPNG_EPB_PROCESS_THREAD 8u

/* One process record.  Strings are NULL when absent; when parsed from a
 * file they are as the file has them (not yet made fit to show), cut at
 * a NUL.  @args: argv joined by single spaces. */
typedef struct {
    guint32  pid;
    gboolean has_ppid;
    guint32  ppid;
    gboolean has_uid;
    guint32  uid;
    guint64  start_time_ns;   /* 0: unknown */
    char    *name;
    char    *path;
    char    *args;
    /* Writing only: the command line as argv, each argument ending in a
     * NUL (@argv_len bytes); NULL: @args is written as its one argument. */
    const char *argv;
    gsize    argv_len;
    char    *user;
    gboolean has_uuid;
    guint8   uuid[16];
    /* procmap's comment: the record's number (0: none), the tag of the run
     * that numbered it (1-255; 0: none, as version 1 writers) and what else
     * it says ("Cwd: ...\n" lines, the known keys only), or NULL.  A number
     * names a record of its run: merged runs' numbers do not clash. */
    guint32  ref;
    guint8   run;
    char    *extra;
} pm_process_record;

void pm_process_record_clear(pm_process_record *record);

/* Appends a PIB's custom-block data (what follows the PEN) for @record:
 * entry type and length, the entry, padding.  The command line is @argv
 * (NUL-separated, as upstream's cmdline option) when given, else @args as
 * one argument.  @extra lines and @ref go into the comment. */
void pm_process_record_encode(const pm_process_record *record, GByteArray *out);

typedef enum {
    PM_RECORD_PROCESS = 0,     /* a process information entry: @out filled */
    PM_RECORD_OTHER_ENTRY,     /* another entry type of Wireshark's custom block */
    PM_RECORD_MALFORMED        /* *@malformed says what (a static text) */
} pm_record_result;

/* Reads a Wireshark custom block's data (after the PEN).  An option of the
 * wrong length is skipped (counted as malformed only if nothing else is
 * wrong); a process entry without its process id is malformed.  Time is
 * linear in @len. */
pm_record_result pm_process_record_parse(const guint8 *data, gsize len,
                                         pm_process_record *out, const char **malformed);

/* The packet's references: the records of its source and destination
 * (0: none), numbered by run @run (0: no tag, version 1).  encode returns
 * the data's length (at most 12 bytes into @out); parse FALSE for anything
 * else (another version, a tag of 0 in version 2, bytes left). */
gsize pm_record_refs_encode(guint8 run, guint32 src_ref, guint32 dst_ref, guint8 out[16]);
gboolean pm_record_refs_parse(const guint8 *data, gsize len, guint8 *run, guint32 *src_ref,
                              guint32 *dst_ref);

/* A packet's epb_processid_threadid as the plugin keeps it on Wireshark 4.0
 * and 4.4, which drop the option: a kind byte (not a references version),
 * then pid and tid, little-endian.  Only the plugin writes it, into the
 * packet's block in memory, never into a file. */
#define PM_PROCMAP_OPT_PROCESS_THREAD 0xe8u
#define PM_PROCMAP_PROCESS_THREAD_LEN 9u
void pm_record_process_thread_pack(guint8 out[PM_PROCMAP_PROCESS_THREAD_LEN], guint32 pid,
                                   guint32 tid);
gboolean pm_record_process_thread_unpack(const guint8 *data, gsize len, guint32 *pid,
                                         guint32 *tid);

/* procmap's version 1 comment for @record under @first_line ("procmap-src"
 * or "procmap-dst": the end), the form the plugin's carried reader reads:
 * what the record says first, then its extra lines.  Line breaks and other
 * control characters in values become spaces. */
char *pm_process_record_to_comment(const pm_process_record *record, const char *first_line);

G_END_DECLS

#endif /* PROCMAP_FORMAT_PROCESS_RECORD_H */
