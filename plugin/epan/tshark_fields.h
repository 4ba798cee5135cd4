/* tshark_fields.h - what tshark 4.0's -T fields reads of a dissection
 * (tshark_fields.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_TSHARK_FIELDS_H
#define PROCMAP_TSHARK_FIELDS_H

#include "ws_compat.h"

#include <epan/packet.h>

/* At handoff, once every field has registered: reads the command line of
 * tshark 4.0/4.1 (nothing elsewhere). */
void procmap_tshark_fields_init(void);
void procmap_tshark_fields_cleanup(void);

/* TRUE in tshark 4.0/4.1 with -T fields: the tree it builds is visible,
 * but only the fields of its -e options (and those a filter or tap
 * references) are ever read from it. */
gboolean procmap_tshark_fields_only(void);

/* Whether one of tshark 4.0/4.1's -e options names field @hf. */
gboolean procmap_tshark_asked(int hf);

/* Whether any -e option names a field of protocol @proto (or @proto). */
gboolean procmap_tshark_asks_protocol(int proto);

#endif /* PROCMAP_TSHARK_FIELDS_H */
