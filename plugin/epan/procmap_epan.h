/* procmap_epan.h - what the files of the epan glue share.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EPAN_H
#define PROCMAP_EPAN_H

#include "ws_compat.h"

#include <epan/packet.h>

#include "frame_attribution.h"

/* What the "procmap" tap carries for each attributed frame. */
typedef struct {
    pm_frame_view view;
    guint32       frame_length;
} procmap_tap_info;

/* packet-procmap.c */
void proto_register_procmap(void);
void proto_reg_handoff_procmap(void);

/* procmap_prefs.c: preferences, the alias table, and the watcher they
 * configure. */
void procmap_prefs_register(int proto);
/* The live-lookup policy of the current preferences. */
void procmap_prefs_policy(pm_frame_policy *policy);
/* The watcher of the current preferences, made on first use. */
pm_watcher *procmap_prefs_watcher(void);
/* Whether the user says every capture is of this host (capture_host). */
gboolean procmap_prefs_captures_here(void);
/* Whether packets mark the records they name as depended upon. */
gboolean procmap_prefs_keep_records_on_export(void);
void procmap_prefs_cleanup(void);

/* procmap_fields.c: the fields, and the tables the tree code reaches them
 * by: one per side, and one of the either-side fields (no id where a side's
 * field has no either-side copy).  Each field also has its registered
 * header_field_info, whose ref_type says whether this dissection reads it
 * (what Wireshark's faking of unreferenced items looks at). */
typedef struct {
    int               *id;
    header_field_info *info;     /* set by procmap_fields_resolve() */
    header_field_info *twin;     /* its process.* twin, or NULL (procmap_synonym.c) */
    gboolean           twin_asked;  /* tshark 4.0's -e names the twin */
    gboolean           asked;       /* tshark 4.0's -e names the field */
} procmap_field;

#define PROCMAP_SIDE_FIELD_NAMES(X) \
    X(pid) X(ppid) X(name) X(comm) X(exe) X(args) X(cwd) X(start_time) X(uid) X(user) \
    X(source) X(reason) X(match) X(owners) X(endpoint) \
    X(tid) X(thread_name) X(parent_exe) X(parent_args) X(container_id) X(container_name) \
    X(container_image) X(pod_name) X(pod_namespace) X(epid) X(ename) X(package)

typedef struct {
#define PROCMAP_FIELD_MEMBER(member) procmap_field member;
    PROCMAP_SIDE_FIELD_NAMES(PROCMAP_FIELD_MEMBER)
#undef PROCMAP_FIELD_MEMBER
} procmap_side_fields;

extern procmap_side_fields procmap_src_fields;
extern procmap_side_fields procmap_dst_fields;
extern procmap_side_fields procmap_either_fields;
extern int hf_procmap_icmp_quoted;
extern int hf_procmap_side_unknown;
extern header_field_info *hf_procmap_icmp_quoted_twin;     /* NULL: none */
extern header_field_info *hf_procmap_side_unknown_twin;
extern gint ett_procmap;
extern gint ett_procmap_side;
/* The words of each vocabulary, built at registration from its one table
 * (the watcher's for reason and match, the frame engine's for source). */
extern value_string procmap_source_vals[];
extern value_string procmap_reason_vals[];
extern value_string procmap_match_vals[];
/* The same, with their description, as a tree item shows them:
 * "live (live lookup on this host ...)", "no-socket (...)". */
extern const char *procmap_source_labels[];
extern const char *procmap_reason_labels[];

void procmap_fields_register(int proto);
/* Looks up the header_field_info of every field of the tables, and of its
 * process.* twin (at handoff, once every field and twin is registered). */
void procmap_fields_resolve(void);

/* procmap_tree.c: the Process tree of a frame. */
typedef struct {
    proto_item *root;
    proto_item *src_reason;     /* a side's reason, if it has no process */
    proto_item *dst_reason;
} procmap_tree_items;

/* Adds the frame's Process tree.  Only what the dissection reads is built
 * (the protocol item always: Wireshark's protocol hierarchy counts it): a
 * visible tree gets every item and label; an invisible one only the
 * fields a filter, column or -e asks for, without labels; @with_expert
 * builds it whole, as Expert Info hangs on its items. */
void procmap_tree_add(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, int proto,
                      pm_frame_engine *engine, const pm_frame_input *input,
                      const pm_frame_view *view, gboolean with_expert,
                      procmap_tree_items *items);

/* "curl (4242)", "pid 4", "Example (uid 10123)" (an app, no process:
 * PCAPdroid): how the tree and the statistics name a process. */
const char *procmap_process_label(wmem_allocator_t *scope, const pm_process *process);

/* carried_epan.c: what the capture file carries for a frame. */
typedef struct {
    const char       *comments[PM_CARRIED_COMMENTS_MAX + 1];
    pm_carried_darwin darwin;
    pm_carried_tag    tag;
} procmap_frame_carried;
/* Points @input's comments, direction flag, Darwin process and tag (a
 * trailer after the IP packet of an Ethernet frame @tvb, or PCAPdroid's
 * "u-<uid>" comment looked up in the file's uid map) at the frame's (valid
 * while it is dissected; @carried holds them).  The block's options are
 * read only if @options (the block has some).  TRUE if it has a comment, a
 * Darwin process or a tag. */
gboolean procmap_read_carried(packet_info *pinfo, tvbuff_t *tvb, gboolean options,
                              procmap_frame_carried *carried, pm_frame_input *input);
/* A pcapng custom block record: PCAPdroid's uid map blocks are kept for the
 * packets after them.  Returns what is wrong with one (a static text), or
 * NULL. */
const char *procmap_read_custom_block(packet_info *pinfo, tvbuff_t *tvb);
/* Forgets the uid map and the process records (a new file). */
void procmap_carried_reset(void);
void procmap_carried_shutdown(void);

/* process_records_epan.c: the capture's process records.  dissect: a
 * custom-block record with Wireshark's PEN (a process information block is
 * kept and shown as a row; TRUE), *@malformed what is wrong with it;
 * FALSE for other PENs. */
void procmap_records_register(int proto);
void procmap_records_reset(void);
/* At exit (a shutdown routine): the tables themselves. */
void procmap_records_shutdown(void);
gboolean procmap_records_dissect(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int proto,
                                 const char **malformed);
/* The comments (procmap's version 1) of the records a packet's block
 * names, into @out (at most 2); *@missing when it names one that is not
 * there (not in the file before the packet, or claimed twice). */
guint procmap_records_comments(packet_info *pinfo, wtap_block_t block, const char **out,
                               gboolean *missing);
/* Each dissection of a packet whose answer came from records: marks them
 * as frames it depends on (kept when only displayed packets are saved). */
void procmap_records_mark_depended_upon(packet_info *pinfo);

/* capture_host_epan.c: where each frame was captured (capture_host.h),
 * decided once per interface of the file.  init reads the live capture's
 * sources (a register_init_routine: the file was just opened). */
void procmap_capture_host_init(void);
void procmap_capture_host_cleanup(void);
pm_capture_host procmap_capture_host_of(packet_info *pinfo);
/* Whether the frame is the first of its interface to say that it is not
 * known to be of this host (that interface's one expert note). */
gboolean procmap_capture_host_note_here(packet_info *pinfo);

/* procmap_stats.c */
void procmap_stats_register(void);

#endif /* PROCMAP_EPAN_H */
