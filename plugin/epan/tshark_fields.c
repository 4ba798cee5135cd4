/* tshark_fields.c - tshark 4.0's -T fields, as 4.2 later made it.
 *
 * From Wireshark 4.2 on, tshark primes the fields of its -e options
 * (output_fields_prime_edt) and dissects with an invisible tree, so a
 * dissector sees what is read through ref_type, like a filter's fields.
 * tshark 4.0 (Debian 12's) builds a *visible* tree for -T fields, every
 * dissector's every item, and then picks the -e fields out of it
 * (write_fields_proto_tree): nothing in epan says which fields those are,
 * and the Process tree, ~45 items a frame, cost 15-30 % of tshark's time
 * there even when no procmap field was asked for (issue 12).
 *
 * So on 4.0 and 4.1, and only in tshark, the plugin reads tshark's command
 * line once (/proc/self/cmdline): with -T fields the tree is treated as
 * invisible, and the fields of -e options are added as if referenced.
 * What tshark prints is the same; filters, columns and taps still mark
 * what they read (ref_type) as on every version.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tshark_fields.h"
#include "tshark_options.h"

#include <string.h>

#if PM_WS_VERSION < 402
static gboolean fields_only;
/* hf ids (fields and protocols) named by -e options; NULL: none */
static GHashTable *asked;
/* protocol ids with a field named by -e options (or named themselves) */
static GHashTable *asked_protocols;

static void
ask(const char *name)
{
    header_field_info *field = proto_registrar_get_byname(name);

    if (field == NULL)
        return;     /* tshark refuses it before the first packet */
    if (asked == NULL) {
        asked = g_hash_table_new(g_direct_hash, g_direct_equal);
        asked_protocols = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    g_hash_table_add(asked, GINT_TO_POINTER(field->id));
    g_hash_table_add(asked_protocols,
                     GINT_TO_POINTER(field->parent == -1 ? field->id : field->parent));
}

#endif

void
procmap_tshark_fields_init(void)
{
#if PM_WS_VERSION < 402
    char *cmdline = NULL, *program;
    gsize length = 0;

    if (!g_file_get_contents("/proc/self/cmdline", &cmdline, &length, NULL))
        return;
    program = g_path_get_basename(cmdline);
    if (strstr(program, "tshark") != NULL && strlen(cmdline) < length) {
        const char *arguments = cmdline + strlen(cmdline) + 1;
        GPtrArray *names = g_ptr_array_new();
        const char *format = pm_tshark_options_read(arguments,
                                                    length - (gsize)(arguments - cmdline), names);

        fields_only = format != NULL && strcmp(format, "fields") == 0;
        for (guint i = 0; i < names->len; i++)
            ask(g_ptr_array_index(names, i));
        g_ptr_array_free(names, TRUE);
    }
    g_free(program);
    g_free(cmdline);
#endif
}

void
procmap_tshark_fields_cleanup(void)
{
#if PM_WS_VERSION < 402
    g_clear_pointer(&asked, g_hash_table_destroy);
    g_clear_pointer(&asked_protocols, g_hash_table_destroy);
    fields_only = FALSE;
#endif
}

gboolean
procmap_tshark_fields_only(void)
{
#if PM_WS_VERSION < 402
    return fields_only;
#else
    return FALSE;
#endif
}

gboolean
procmap_tshark_asked(int hf)
{
#if PM_WS_VERSION < 402
    return asked != NULL && hf >= 0 && g_hash_table_contains(asked, GINT_TO_POINTER(hf));
#else
    (void)hf;
    return FALSE;
#endif
}

gboolean
procmap_tshark_asks_protocol(int proto)
{
#if PM_WS_VERSION < 402
    return asked_protocols != NULL &&
           g_hash_table_contains(asked_protocols, GINT_TO_POINTER(proto));
#else
    (void)proto;
    return FALSE;
#endif
}
