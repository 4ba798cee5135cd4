/* pcapng_blocks.h - a pcapng file block by block, for a tool that copies
 * blocks and adds some (`procmap add-records`): each block's bytes as the
 * file has them, in its section's byte order; the process record a custom
 * block holds; the references a packet block's procmap option holds.
 *
 * Every length is checked against the block before it is used: a file is
 * untrusted input (the reader is fuzzed).  Pure GLib.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_FORMAT_PCAPNG_BLOCKS_H
#define PROCMAP_FORMAT_PCAPNG_BLOCKS_H

#include <stdio.h>

#include <glib.h>

#include "process_record.h"

G_BEGIN_DECLS

#define PM_PCAPNG_SHB 0x0A0D0D0Au
#define PM_PCAPNG_EPB 0x00000006u
/* The largest block read: Wireshark's own limit is 16 MiB of data. */
#define PM_PCAPNG_BLOCK_MAX (32u * 1024u * 1024u)

typedef struct {
    guint32       type;
    const guint8 *bytes;      /* the whole block, header to trailing length */
    gsize         len;
    gboolean      big_endian; /* its section's byte order */
} pm_pcapng_block;

typedef enum {
    PM_PCAPNG_BLOCK = 0,      /* *@block filled (valid until the next read) */
    PM_PCAPNG_END,            /* the end of the file, between blocks */
    PM_PCAPNG_MALFORMED,      /* *@why says what (a static text) */
    PM_PCAPNG_READ_ERROR      /* errno is set */
} pm_pcapng_result;

typedef struct {
    FILE       *stream;
    GByteArray *buffer;
    gboolean    big_endian;
    gboolean    in_section;
} pm_pcapng_reader;

void pm_pcapng_reader_init(pm_pcapng_reader *reader, FILE *stream);
void pm_pcapng_reader_clear(pm_pcapng_reader *reader);

/* The next block.  The first must be a section header; a section header
 * sets the byte order of the blocks after it. */
pm_pcapng_result pm_pcapng_read_block(pm_pcapng_reader *reader, pm_pcapng_block *block,
                                      const char **why);

/* The same, from memory: one block at the start of @data (the first of a
 * file needs no section header here; @big_endian is the section's order
 * unless it is a section header); its length in *@used.  For the fuzzer
 * and the unit tests. */
pm_pcapng_result pm_pcapng_parse_block(const guint8 *data, gsize len, gboolean big_endian,
                                       pm_pcapng_block *block, gsize *used, const char **why);

/* A custom block (PEN 32622) holding a process information entry: TRUE and
 * @out filled (procmap's number in out->ref, 0 for another writer's).
 * Its data after the PEN in *@data / *@data_len. */
gboolean pm_pcapng_block_record(const pm_pcapng_block *block, pm_process_record *out,
                                const guint8 **data, gsize *data_len);

/* An enhanced packet block's procmap references (PM_PROCMAP_PEN option)
 * and their run's tag (0: none): TRUE if it has them. */
gboolean pm_pcapng_block_refs(const pm_pcapng_block *block, guint8 *run, guint32 *src_ref,
                              guint32 *dst_ref);

/* Appends a copyable custom block (0x00000BAD) of Wireshark's PEN with
 * @data, in the given byte order, padded to 4 bytes. */
void pm_pcapng_append_record_block(GByteArray *out, gboolean big_endian, const guint8 *data,
                                   gsize data_len);

G_END_DECLS

#endif /* PROCMAP_FORMAT_PCAPNG_BLOCKS_H */
