/* tshark_options.h - the -T and -e options of a tshark command line (pure
 * GLib, so that the unit tests can drive it; used by tshark_fields.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_TSHARK_OPTIONS_H
#define PROCMAP_TSHARK_OPTIONS_H

#include <glib.h>

/* Reads tshark's arguments, NUL-separated as in /proc/<pid>/cmdline (the
 * program's name excluded), @length bytes: returns the last -T's format
 * ("fields", "pdml" ...; NULL: none) and appends every -e's field name to
 * @fields.  Both point into @arguments. */
const char *pm_tshark_options_read(const char *arguments, gsize length, GPtrArray *fields);

#endif /* PROCMAP_TSHARK_OPTIONS_H */
