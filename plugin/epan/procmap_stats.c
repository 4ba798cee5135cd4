/* procmap_stats.c - `tshark -z procmap,tree` and Statistics > Process:
 * packets and bytes per process, per side.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"

#include <epan/stats_tree.h>

static const char *const node_packets = "Packets by process (either end)";
static const char *const node_src_packets = "Packets by source process";
static const char *const node_dst_packets = "Packets by destination process";
static const char *const node_src_bytes = "Bytes by source process";
static const char *const node_dst_bytes = "Bytes by destination process";

static int st_packets = -1;
static int st_src_packets = -1;
static int st_dst_packets = -1;
static int st_src_bytes = -1;
static int st_dst_bytes = -1;

/* "curl (4242)", "pid 4" (a carried process without a name), "Example (uid
 * 10123)" (an Android app), or "(not-local)" for a side without a process. */
static const char *
node_name(wmem_allocator_t *scope, const pm_frame_side *side)
{
    if (side->process != NULL)
        return procmap_process_label(scope, side->process);
    return wmem_strdup_printf(scope, "(%s)",
                              val_to_str_const(side->reason, procmap_reason_vals, "unknown"));
}

static void
stats_init(stats_tree *st)
{
    st_packets = stats_tree_create_node(st, node_packets, 0, STAT_DT_INT, TRUE);
    st_src_packets = stats_tree_create_node(st, node_src_packets, 0, STAT_DT_INT, TRUE);
    st_dst_packets = stats_tree_create_node(st, node_dst_packets, 0, STAT_DT_INT, TRUE);
    st_src_bytes = stats_tree_create_node(st, node_src_bytes, 0, STAT_DT_INT, TRUE);
    st_dst_bytes = stats_tree_create_node(st, node_dst_bytes, 0, STAT_DT_INT, TRUE);
}

static tap_packet_status
stats_packet(stats_tree *st, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
             tap_flags_t flags _U_)
{
    const procmap_tap_info *info = data;
    const pm_frame_side *src = &info->view.src, *dst = &info->view.dst;
    const pm_frame_side *either = &info->view.either;
    const char *src_name = node_name(pinfo->pool, src);
    const char *dst_name = node_name(pinfo->pool, dst);

    /* Either end: a frame counts once per distinct process on it; a
     * carried process whose end is unknown is on either end. */
    tick_stat_node(st, node_packets, 0, TRUE);
    if (src->process)
        tick_stat_node(st, src_name, st_packets, FALSE);
    if (dst->process && dst->process != src->process)
        tick_stat_node(st, dst_name, st_packets, FALSE);
    if (either->process && either->process != src->process && either->process != dst->process)
        tick_stat_node(st, node_name(pinfo->pool, either), st_packets, FALSE);

    tick_stat_node(st, node_src_packets, 0, TRUE);
    tick_stat_node(st, src_name, st_src_packets, FALSE);
    tick_stat_node(st, node_dst_packets, 0, TRUE);
    tick_stat_node(st, dst_name, st_dst_packets, FALSE);

    increase_stat_node(st, node_src_bytes, 0, TRUE, info->frame_length);
    increase_stat_node(st, src_name, st_src_bytes, FALSE, info->frame_length);
    increase_stat_node(st, node_dst_bytes, 0, TRUE, info->frame_length);
    increase_stat_node(st, dst_name, st_dst_bytes, FALSE, info->frame_length);
    return TAP_PACKET_REDRAW;
}

void
procmap_stats_register(void)
{
    stats_tree_register_plugin("procmap", "procmap",
                               "Process" STATS_TREE_MENU_SEPARATOR "Packets and bytes", 0,
                               stats_packet, stats_init, NULL);
}
