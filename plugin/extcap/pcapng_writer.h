/* pcapng_writer.h - a small pcapng writer: one section, one interface.
 *
 * Section Header Block, Interface Description Block, then Enhanced Packet
 * Blocks with the options procmap needs: opt_comment (1), any number,
 * epb_flags (2, the direction), epb_processid_threadid (8) and one custom
 * option; and custom blocks (the process records).  Host byte order (the SHB's byte-order
 * magic says which).  Blocks are flushed as they are written, or - when
 * the caller batches, pm_pcapng_writer_set_batching() - at
 * pm_pcapng_flush(): after each batch of packets the capture delivered at
 * once, so a reader on a FIFO (Wireshark's live view) still sees every
 * packet as soon as it was captured, at one write per batch.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_PCAPNG_WRITER_H
#define PROCMAP_EXTCAP_PCAPNG_WRITER_H

#include <stdio.h>

#include <glib.h>

G_BEGIN_DECLS

typedef struct pm_pcapng_writer pm_pcapng_writer;

/* Writes to @stream (not closed by the writer). */
pm_pcapng_writer *pm_pcapng_writer_new(FILE *stream);
void pm_pcapng_writer_free(pm_pcapng_writer *writer);

/* Bytes of the blocks written so far. */
guint64 pm_pcapng_written(const pm_pcapng_writer *writer);

void pm_pcapng_writer_set_batching(pm_pcapng_writer *writer, gboolean batching);
gboolean pm_pcapng_flush(pm_pcapng_writer *writer, GError **error);

/* @comment may be NULL. */
gboolean pm_pcapng_write_section(pm_pcapng_writer *writer, const char *application,
                                 const char *comment, GError **error);
/* @tsresol_exponent: 6 (microseconds) or 9 (nanoseconds); @name and
 * @description may be NULL. */
gboolean pm_pcapng_write_interface(pm_pcapng_writer *writer, int linktype, guint32 snaplen,
                                   const char *name, const char *description,
                                   int tsresol_exponent, GError **error);

typedef struct {
    guint64      timestamp;    /* in the interface's resolution */
    const guint8 *data;
    guint32      captured_len;
    guint32      original_len;
    const char *const *comments;  /* NULL-terminated, or NULL */
    guint32      flags;        /* epb_flags; 0: not written */
    /* epb_processid_threadid (8): the packet's one process, if has_process */
    gboolean     has_process;
    guint32      process_id, thread_id;
    /* A copyable binary custom option (2989) with @custom_pen: its data, or
     * NULL */
    guint32      custom_pen;
    const guint8 *custom_data;
    gsize        custom_len;
} pm_pcapng_packet;

/* A custom block that may be copied (0x00000BAD): @pen, then @data. */
gboolean pm_pcapng_write_custom_block(pm_pcapng_writer *writer, guint32 pen,
                                      const guint8 *data, gsize len, GError **error);

gboolean pm_pcapng_write_packet(pm_pcapng_writer *writer, const pm_pcapng_packet *packet,
                                GError **error);


G_END_DECLS

#endif /* PROCMAP_EXTCAP_PCAPNG_WRITER_H */
