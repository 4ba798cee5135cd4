/* ebpf_decode.h - one record of the eBPF ring buffer, checked and decoded.
 *
 * The records of sock_events.h come from the kernel, but they are read in
 * the unprivileged capture process like any outside input: a record of the
 * wrong size, an unknown type, family, protocol or origin is rejected, and
 * every string is cut at its field.  Pure: no I/O, no clock (times stay
 * boot-clock nanoseconds).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_EBPF_DECODE_H
#define PROCMAP_EXTCAP_EBPF_DECODE_H

#include <glib.h>

#include "backend.h"
#include "history.h"
#include "sock_events.h"

G_BEGIN_DECLS

typedef enum {
    PM_EBPF_RECORD_SOCKET = 1,   /* a process used a socket */
    PM_EBPF_RECORD_CLOSE,        /* a TCP tuple closed */
    PM_EBPF_RECORD_EXEC          /* a program started */
} pm_ebpf_record_kind;

typedef struct {
    gint32  pid, tid, ppid;      /* 0: not told (never for a socket record) */
    guint32 uid;
    guint64 start_boot_ns;       /* 0: unknown */
    char    comm[PM_EV_COMM_LEN + 1];
} pm_ebpf_process;

typedef struct {
    pm_ebpf_record_kind kind;
    guint64           time_boot_ns;
    /* SOCKET and CLOSE */
    pm_transport      transport;
    pm_endpoint       local;
    pm_endpoint       remote;    /* port 0: unconnected */
    guint32           netns;
    pm_history_origin origin;    /* SOCKET */
    /* SOCKET and EXEC */
    pm_ebpf_process   process;
    /* EXEC */
    char              filename[PM_EV_FILENAME_LEN + 1];
    const char       *args;      /* NUL-separated argv, inside the record */
    gsize             args_len;
} pm_ebpf_record;

/* FALSE for anything that is not one well-formed record. */
gboolean pm_ebpf_decode(const void *data, gsize size, pm_ebpf_record *out);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_EBPF_DECODE_H */
