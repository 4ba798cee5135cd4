/* ws_compat.h - the few Wireshark API differences between the versions the
 * plugin is built for (4.0, 4.4, 4.6), in one place.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_WS_COMPAT_H
#define PROCMAP_WS_COMPAT_H

#ifndef WS_BUILD_DLL
#define WS_BUILD_DLL    /* before any Wireshark header; mandatory from 4.6 */
#endif
#define WS_LOG_DOMAIN "procmap"     /* before wsutil/wslog.h: ws_log's domain */
#include <wireshark.h>

#if defined(__has_include)
#  if __has_include(<wsutil/plugins.h>)
#    include <wsutil/plugins.h>     /* 4.2+: WS_PLUGIN_DESC_* */
#  endif
#endif

#define PM_WS_VERSION (WIRESHARK_VERSION_MAJOR * 100 + WIRESHARK_VERSION_MINOR)

/* 4.4 switched preference and UAT booleans from gboolean (4 bytes) to bool. */
#if PM_WS_VERSION >= 404
#include <stdbool.h>
typedef bool pm_ws_bool;
#else
typedef gboolean pm_ws_bool;
#endif

/* A frame another one needs (saved with it when only displayed packets
 * are).  4.0 collects such frames in the dissection's pinfo, freed after
 * it; from 4.2 on each frame that names one keeps a hash table of its own
 * for the file's life (about 220 bytes, measured on 4.6), which for every
 * packet of a procmap-capture file costs more than the rest of procmap:
 * there the preference procmap.keep_records_on_export is off unless set. */
#if PM_WS_VERSION >= 402
#define PM_DEPENDED_UPON_IS_CHEAP FALSE
#define pm_mark_frame_as_depended_upon(pinfo, frame) \
    mark_frame_as_depended_upon((pinfo)->fd, (frame))
#else
#define PM_DEPENDED_UPON_IS_CHEAP TRUE
#define pm_mark_frame_as_depended_upon(pinfo, frame) mark_frame_as_depended_upon((pinfo), (frame))
#endif

/* Text from a file made fit to show (format_text): in wsutil from 4.2 on,
 * in epan with unsigned chars before. */
#if PM_WS_VERSION >= 402
#include <wsutil/str_util.h>
#define pm_format_text(scope, text) format_text((scope), (text), strlen(text))
#else
#include <epan/strutil.h>
#define pm_format_text(scope, text) format_text((scope), (const guchar *)(text), strlen(text))
#endif

/* stats_tree menu paths use "//" from 4.4 on. */
#ifndef STATS_TREE_MENU_SEPARATOR
#define STATS_TREE_MENU_SEPARATOR "/"
#endif

/* The interface name of a record: 4.4 (and 4.2, unchecked) look it up in
 * the record's section; 4.0 numbers interfaces across sections. */
#if PM_WS_VERSION >= 402
#define pm_epan_interface_name(epan, interface_id, section) \
    epan_get_interface_name((epan), (interface_id), (section))
#else
#define pm_epan_interface_name(epan, interface_id, section) \
    ((void)(section), epan_get_interface_name((epan), (interface_id)))
#endif

#endif /* PROCMAP_WS_COMPAT_H */
