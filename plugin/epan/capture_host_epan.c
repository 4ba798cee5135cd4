/* capture_host_epan.c - where each frame was captured (capture_host.h),
 * decided once per interface of the capture file.
 *
 * The live capture's sources are read when a capture file is opened: for a
 * live capture tshark and Wireshark open dumpcap's file when dumpcap names
 * it, so dumpcap (and its extcap) are running then, even if a short
 * capture is over before its first frame is dissected.  A file dissected
 * again as new after its capture stopped (a preference changed) has no
 * live capture any more: its frames are then of unknown origin.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"

#include <unistd.h>

#include <epan/epan.h>
#include <wiretap/wtap.h>

#include "capture_host.h"

typedef struct {
    guint           section;
    guint32         interface_id;
    pm_capture_host host;
    guint32         noted_frame;    /* the frame with the interface's note; 0: none yet */
} interface_host;

static pm_capture_sources *sources;     /* the live capture at the file's opening, or NULL */
static GArray *interfaces;              /* interface_host, in the order first seen */
static guint last_used;

void
procmap_capture_host_init(void)
{
    procmap_capture_host_cleanup();
    interfaces = g_array_new(FALSE, TRUE, sizeof(interface_host));
    if (procmap_prefs_captures_here())
        return;
    sources = pm_capture_sources_read("/proc", (int)getpid());
    for (guint i = 0; i < pm_capture_sources_count(sources); i++) {
        const pm_capture_source *source = pm_capture_sources_get(sources, i);
        ws_debug("live capture source %s%s%s: %s", source->interface,
                 source->extcap ? " from extcap " : "", source->extcap ? source->extcap : "",
                 pm_capture_host_name(source->host));
    }
}

void
procmap_capture_host_cleanup(void)
{
    g_clear_pointer(&sources, pm_capture_sources_free);
    if (interfaces != NULL)
        g_array_free(interfaces, TRUE);
    interfaces = NULL;
    last_used = 0;
}

/* The interface record of the frame: made, and decided, the first time. */
static interface_host *
interface_of(packet_info *pinfo)
{
    guint section = 0;
    guint32 interface_id = 0;
    interface_host fresh;

    if (interfaces == NULL)
        procmap_capture_host_init();    /* never dissects before an init, but */
    if (pinfo->rec != NULL) {
        section = pinfo->rec->section_number;
        if (pinfo->rec->rec_type == REC_TYPE_PACKET &&
            (pinfo->rec->presence_flags & WTAP_HAS_INTERFACE_ID))
            interface_id = pinfo->rec->rec_header.packet_header.interface_id;
    }
    if (last_used < interfaces->len) {
        interface_host *last = &g_array_index(interfaces, interface_host, last_used);
        if (last->interface_id == interface_id && last->section == section)
            return last;
    }
    for (guint i = 0; i < interfaces->len; i++) {
        interface_host *known = &g_array_index(interfaces, interface_host, i);
        if (known->interface_id == interface_id && known->section == section) {
            last_used = i;
            return known;
        }
    }
    memset(&fresh, 0, sizeof fresh);
    fresh.section = section;
    fresh.interface_id = interface_id;
    fresh.host = pm_capture_sources_decide(
        sources, pm_epan_interface_name(pinfo->epan, interface_id, section));
    g_array_append_val(interfaces, fresh);
    last_used = interfaces->len - 1;
    return &g_array_index(interfaces, interface_host, last_used);
}

pm_capture_host
procmap_capture_host_of(packet_info *pinfo)
{
    if (procmap_prefs_captures_here())
        return PM_CAPTURED_HERE;
    return interface_of(pinfo)->host;
}

gboolean
procmap_capture_host_note_here(packet_info *pinfo)
{
    interface_host *interface = interface_of(pinfo);

    if (interface->noted_frame == 0)
        interface->noted_frame = pinfo->num;
    return interface->noted_frame == pinfo->num;
}
