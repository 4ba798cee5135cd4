/* process_owner_plugin.c - a test-only Wireshark plugin that registers the
 * protocol "process", as Wireshark 4.6's Falco Events plugin does, so that
 * test_synonym.py can check that procmap then keeps to procmap.* and loads
 * cleanly (no second "process", no abort) on any Wireshark version.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ws_compat.h"

#include <epan/packet.h>

WS_DLL_PUBLIC_DEF const char plugin_version[] = "0.0.1";
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

#ifdef WS_PLUGIN_DESC_DISSECTOR
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t
plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

static int proto_owner = -1;
static int hf_owner_test_only = -1;

static void
register_owner(void)
{
    static hf_register_info hf[] = {
        { &hf_owner_test_only,
          { "Test only", "process.test_only", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
    };

    proto_owner = proto_register_protocol("Process owner (test)", "process_owner_test",
                                          "process");
    proto_register_field_array(proto_owner, hf, array_length(hf));
}

void
plugin_register(void)
{
    static proto_plugin protocol;

    protocol.register_protoinfo = register_owner;
    protocol.register_handoff = NULL;
    proto_register_plugin(&protocol);
}
