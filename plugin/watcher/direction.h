/* direction.h - a frame's direction as seen from the capturing host.
 *
 * The values are pcapng's epb_flags direction bits (01 inbound, 10 outbound,
 * 00 not available), so the capture side writes them as they are and the
 * plugin reads PACK_FLAGS_DIRECTION into them.  Here, not in either program,
 * because procmap-capture writes what the plugin reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_DIRECTION_H
#define PROCMAP_DIRECTION_H

typedef enum {
    PM_DIRECTION_UNKNOWN = 0,
    PM_DIRECTION_INBOUND = 1,
    PM_DIRECTION_OUTBOUND = 2
} pm_direction;

#endif /* PROCMAP_DIRECTION_H */
