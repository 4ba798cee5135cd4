/* procmap_epan.h - what the files of the epan glue share.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EPAN_H
#define PROCMAP_EPAN_H

#include "ws_compat.h"

#include <epan/packet.h>

#include "frame_attribution.h"

/* What the "process" tap carries for each attributed frame. */
typedef struct {
    pm_frame_view view;
    guint32       frame_length;
} pm_process_tap_info;

/* packet-procmap.c */
void proto_register_process(void);
void proto_reg_handoff_process(void);

/* procmap_prefs.c: preferences, the alias table, and the watcher they
 * configure. */
void pm_prefs_register(int proto);
/* The live-lookup policy of the current preferences. */
void pm_prefs_policy(pm_frame_policy *policy);
/* The watcher of the current preferences, made on first use. */
pm_watcher *pm_prefs_watcher(void);
void pm_prefs_cleanup(void);

/* procmap_tree.c: the fields, and the Process tree of a frame. */
void pm_tree_register(int proto);
void pm_tree_add(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, int proto,
                 pm_frame_engine *engine, const pm_frame_input *input,
                 const pm_frame_view *view);

/* carried_epan.c: what the capture file carries for a frame. */
typedef struct {
    const char       *comments[PM_CARRIED_COMMENTS_MAX + 1];
    pm_carried_darwin darwin;
} pm_frame_carried;
/* Points @input's comments, direction flag and Darwin process at the
 * frame's (valid while it is dissected; @carried holds them).  TRUE if it
 * has a comment or a Darwin process. */
gboolean pm_frame_read_carried(packet_info *pinfo, pm_frame_carried *carried,
                               pm_frame_input *input);

/* procmap_stats.c */
void pm_stats_register(void);

#endif /* PROCMAP_EPAN_H */
