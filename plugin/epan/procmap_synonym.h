/* procmap_synonym.h - process.* as a second name of every procmap.* field,
 * where no other protocol owns the filter name "process" (see
 * procmap_synonym.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_SYNONYM_H
#define PROCMAP_SYNONYM_H

#include "ws_compat.h"
#include "tshark_fields.h"

#include <epan/packet.h>

/* At handoff, once every protocol has registered: registers the protocol
 * "process" with a twin of each field of @proto ("procmap.src.pid" ->
 * "process.src.pid") if the name is free; else does nothing (one
 * informational log line). */
void procmap_synonym_register(int proto);

/* At shutdown (after Wireshark's registry is done with the twins): frees
 * what procmap_synonym_register() made. */
void procmap_synonym_cleanup(void);

/* The twin of procmap field @hf, or NULL (no synonym, or no such twin). */
header_field_info *procmap_synonym_twin(int hf);

/* The protocol "process" (NULL without the synonym). */
header_field_info *procmap_synonym_protocol(void);


/* Whether a filter, column or -e reads @twin in this dissection: only then
 * is a (hidden) twin item added, so nothing changes per frame otherwise. */
static inline gboolean
procmap_synonym_read(const header_field_info *twin)
{
    return twin != NULL &&
           (twin->ref_type != HF_REF_TYPE_NONE || procmap_tshark_asked(twin->id));
}

#endif /* PROCMAP_SYNONYM_H */
