/* process_records_private.h - the capture's process records as
 * process_records_epan.c keeps them, for process_refs_epan.c, which
 * resolves packets' references to them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EPAN_PROCESS_RECORDS_PRIVATE_H
#define PROCMAP_EPAN_PROCESS_RECORDS_PRIVATE_H

#include "procmap_epan.h"
#include "process_record.h"

/* A record of the file, kept for the file's life. */
typedef struct {
    pm_process_record record;
    guint             section;
    guint32           frame;
    /* The frame of a later record of the section that claims the same
     * number with other details (files of two runs merged): from there on
     * the number resolves to nothing.  0: none. */
    guint32           ambiguous_from;
    /* The comment it reads as when a packet names it by pid alone
     * (PM_CARRIED_PIB_MARKER), made the first time; NULL until then. */
    char             *pid_comment;
} stored_record;

/* The section of the frame being dissected (0 when the file has none). */
guint procmap_records_section_of(packet_info *pinfo);
/* The record that claims number @ref of run @run in @section, wherever it
 * is in the file; NULL if none. */
const stored_record *procmap_records_claiming(guint section, guint8 run, guint32 ref);
/* The records of @section with pid @pid, in file order; NULL if none. */
GPtrArray *procmap_records_with_pid(guint section, guint32 pid);

/* process_refs_epan.c: its tables, emptied with the records' (reset) and
 * freed at exit (shutdown); register: the option parser 4.0 and 4.4 need. */
void procmap_record_refs_reset(void);
void procmap_record_refs_shutdown(void);
void procmap_record_refs_register(void);

#endif /* PROCMAP_EPAN_PROCESS_RECORDS_PRIVATE_H */
