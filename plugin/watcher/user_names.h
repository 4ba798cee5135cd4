/* user_names.h - the user name of a uid, read once and kept.
 *
 * A name is read through a backend's user_name (getpwuid_r) the first time
 * its uid is asked for, or remembered from an answer that carried it (the
 * frame engine keeps the names of the frames it stored).  Either way it is
 * made valid UTF-8 without control characters (pm_utf8_sanitize): names end
 * in tree items, table cells and JSON.  Public so that every program that
 * shows users (the plugin, the procmap tool, procmap-capture) uses this one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_USER_NAMES_H
#define PROCMAP_USER_NAMES_H

#include <glib.h>

#include "backend.h"

G_BEGIN_DECLS

typedef struct pm_user_names pm_user_names;

/* @backend (borrowed, may be NULL) reads the names not yet known; without
 * one only remembered names are known. */
pm_user_names *pm_user_names_new(pm_backend *backend);
void pm_user_names_free(pm_user_names *names);
/* Forgets every name (a flush, a new capture file). */
void pm_user_names_clear(pm_user_names *names);

/* The name of @uid, or NULL if it has none; valid until the next clear.  A
 * uid the backend cannot name is asked once. */
const char *pm_user_names_get(pm_user_names *names, guint32 uid);
/* Keeps a copy of @name (NULL: nothing) for @uid, unless one is known. */
void pm_user_names_remember(pm_user_names *names, guint32 uid, const char *name);

G_END_DECLS

#endif /* PROCMAP_USER_NAMES_H */
