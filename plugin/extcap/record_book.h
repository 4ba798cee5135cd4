/* record_book.h - which process records a capture has written.
 *
 * procmap-capture writes each process it attributes once as a Process
 * Information Block (process_record.h), before the first packet that
 * refers to it, and again when what it says changes (a new record, a new
 * number) or when a new section starts.  Each record gets a number, unique
 * within the run, that packets refer to.  A record is known by what it
 * says: the same process seen through a new pm_process with the same
 * details keeps its number.
 *
 * Pure GLib.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_RECORD_BOOK_H
#define PROCMAP_EXTCAP_RECORD_BOOK_H

#include <glib.h>

#include "capture_comments.h"

G_BEGIN_DECLS

typedef struct pm_record_book pm_record_book;

/* @run: the run's tag (1-255, chosen at random by the caller), written
 * with each record and each packet's references, so that the numbers of
 * captures merged into one section (mergecap) do not clash; 0: none. */
pm_record_book *pm_record_book_new(guint8 run);
void pm_record_book_free(pm_record_book *book);
guint8 pm_record_book_run(const pm_record_book *book);

/* The number of @subject's record (0 if it has no process).  When the
 * section has no record saying this yet, its PIB data (what follows the
 * PEN of a custom block) is appended to @to_write, which the caller writes
 * before the packet. */
guint32 pm_record_book_ref(pm_record_book *book, const pm_comment_subject *subject,
                           GByteArray *to_write);

/* A new section: every record is written again when next referred to. */
void pm_record_book_new_section(pm_record_book *book);

/* Records written since the book was made. */
guint64 pm_record_book_written(const pm_record_book *book);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_RECORD_BOOK_H */
