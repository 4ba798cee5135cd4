/* capture_comments.h - the packet comments the extcap writes.
 *
 * Two formats on every attributed packet:
 *  - procmap's own, version 1 (docs/capture-comments.md): one comment per
 *    side whose first line names the side, "procmap-src" or "procmap-dst",
 *    then "Version: 1" and "Key: value" lines: both ends of a loopback
 *    flow, each its own process;
 *  - ptcpdump's (internal/writer/pcapng.go): one process per packet, in one
 *    comment per group ("PID/Cmd/Args", "ThreadId/ThreadName", "UserId",
 *    "ParentPID/ParentCmd/ParentArgs", "ContainerName/ContainerId/
 *    ContainerImage/ContainerLabels"), so ptcpdump-aware tools read it too.
 * ptcpdump's comments come last: its reader lets a later key win, so its
 * own groups must override the PID lines of procmap's comments (and a
 * container group another side's comment names is written empty for the
 * same reason).  procmap's reader ignores them when a procmap comment is
 * valid.  The thread (ThreadId) goes into ptcpdump's group only: it says
 * which thread sent one packet, not who owns the socket.
 *
 * Pure GLib; values are cut at PM_COMMENT_VALUE_MAX bytes (at a character
 * boundary, ending in "...") and line breaks in them become spaces.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_CAPTURE_COMMENTS_H
#define PROCMAP_EXTCAP_CAPTURE_COMMENTS_H

#include <glib.h>

#include "packet_parse.h"
#include "process.h"

G_BEGIN_DECLS

#define PM_COMMENT_VALUE_MAX 4096

/* One end's process and what is known around it. */
typedef struct {
    const pm_process *process;      /* NULL: no process at this end */
    const pm_process *parent;       /* may be NULL */
    guint32           tid;          /* the thread seen using the socket; 0 */
    const char       *thread_name;  /* may be NULL */
    const char       *container_id; /* may be NULL */
    const char       *container_name;
} pm_comment_subject;

typedef enum {
    PM_COMMENT_SIDE_SRC = 0,
    PM_COMMENT_SIDE_DST = 1
} pm_comment_side;

/* procmap's comment for one side; NULL when @subject has no process. */
char *pm_comment_procmap(pm_comment_side side, const pm_comment_subject *subject);

/* Appends ptcpdump's group comments of @subject (newly allocated strings)
 * to @out.  @other, the other side (may be NULL): a container group only
 * it has is written empty (see above). */
void pm_comment_ptcpdump(const pm_comment_subject *subject, GPtrArray *out);
void pm_comment_ptcpdump_with_other(const pm_comment_subject *subject,
                                    const pm_comment_subject *other, GPtrArray *out);

/* The one process ptcpdump's format holds: the end the direction names
 * (outbound: the source, inbound: the destination; NULL when that end has
 * none), and without a direction the sender (the source; on loopback both
 * ends are local), else the destination.  NULL when there is none. */
const pm_comment_subject *pm_comment_ptcpdump_subject(const pm_comment_subject *src,
                                                      const pm_comment_subject *dst,
                                                      pm_direction direction);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_CAPTURE_COMMENTS_H */
