/* process_epan.h - what the files of the epan glue share.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_PROCESS_EPAN_H
#define PROCMAP_PROCESS_EPAN_H

#include "ws_compat.h"

#include <epan/packet.h>

#include "frame_attribution.h"

/* What the "process" tap carries for each attributed frame. */
typedef struct {
    pm_frame_view view;
    guint32       frame_length;
} pm_process_tap_info;

/* packet-process.c */
void proto_register_process(void);
void proto_reg_handoff_process(void);

/* process_prefs.c: preferences, the alias table, and the watcher they
 * configure. */
void pm_prefs_register(int proto);
/* The live-lookup policy of the current preferences. */
void pm_prefs_policy(pm_frame_policy *policy);
/* The watcher of the current preferences, made on first use. */
pm_watcher *pm_prefs_watcher(void);
void pm_prefs_cleanup(void);

/* process_stats.c */
void pm_stats_register(void);

#endif /* PROCMAP_PROCESS_EPAN_H */
