/* extcap_error.h - the error domain of procmap-capture.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_ERROR_H
#define PROCMAP_EXTCAP_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define PM_EXTCAP_ERROR pm_extcap_error_quark()
GQuark pm_extcap_error_quark(void);

typedef enum {
    PM_EXTCAP_ERROR_FAILED,        /* the OS refused (the message says why) */
    PM_EXTCAP_ERROR_UNSUPPORTED,   /* not possible here (eBPF, namespaces) */
    PM_EXTCAP_ERROR_INVALID,       /* bad input: a filter, an interface name */
    PM_EXTCAP_ERROR_NOT_FOUND      /* no such interface */
} pm_extcap_error_code;

G_END_DECLS

#endif /* PROCMAP_EXTCAP_ERROR_H */
