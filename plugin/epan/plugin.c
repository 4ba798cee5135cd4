/* plugin.c - the symbols Wireshark's plugin loader looks for.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"

#include <epan/tap.h>

#ifndef PLUGIN_VERSION
#error "PLUGIN_VERSION must be defined by the build"
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

#ifdef WS_PLUGIN_DESC_DISSECTOR
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t
plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR | WS_PLUGIN_DESC_TAP_LISTENER;
}
#endif

void
plugin_register(void)
{
    static proto_plugin protocol;
    static tap_plugin stats;

    protocol.register_protoinfo = proto_register_procmap;
    protocol.register_handoff = proto_reg_handoff_procmap;
    proto_register_plugin(&protocol);

    stats.register_tap_listener = procmap_stats_register;
    tap_register_plugin(&stats);
}
