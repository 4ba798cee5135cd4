/* ebpf_source.h - socket events from the kernel, as they happen (eBPF).
 *
 * Loads sock_events.bpf.c (a libbpf skeleton built against the running
 * kernel's BTF), attaches its BTF tracepoints and reads their ring buffer.
 * Each event is turned into host terms (pm_endpoint, the epoch) and handed
 * to a callback.  Fails (GError) when the kernel refuses: no BTF, no
 * CAP_BPF/CAP_PERFMON, a tracepoint missing; the caller then falls back to
 * polling the socket table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_EBPF_SOURCE_H
#define PROCMAP_EXTCAP_EBPF_SOURCE_H

#include <glib.h>

#include "backend.h"
#include "history.h"
#include "process_info.h"

G_BEGIN_DECLS

typedef struct pm_ebpf_source pm_ebpf_source;

typedef struct {
    /* A process used a socket (@remote port 0: unconnected). */
    void (*socket)(gpointer data, pm_transport transport, const pm_endpoint *local,
                   const pm_endpoint *remote, guint32 netns, const pm_event_process *process,
                   pm_history_origin origin, gint64 time_us);
    /* A TCP tuple closed. */
    void (*close)(gpointer data, const pm_endpoint *local, const pm_endpoint *remote,
                  gint64 time_us);
    /* A program started; @argv NUL-separated. */
    void (*exec)(gpointer data, const pm_event_process *process, const char *filename,
                 const char *argv, gsize argv_len, gint64 time_us);
} pm_ebpf_callbacks;

/* Whether this build has the eBPF programs at all. */
gboolean pm_ebpf_built(void);

/* A quick check that pm_ebpf_source_new() can work here, without loading
 * anything (Wireshark asks each interface's options at start-up, so this
 * must take milliseconds): the kernel's BTF is readable and the kernel
 * lets this process create BPF maps. */
gboolean pm_ebpf_probe(GError **error);

/* What the programs are told before they load (their read-only data: the
 * capture process cannot change it afterwards). */
typedef struct {
    /* The pid namespace whose pids events carry (that of the /proc user
     * space reads; 0: the initial one), and none for processes that
     * namespace cannot see (inside a container, the host's). */
    guint32  pidns;
    /* Events of processes of other uids than @caller_uid: none at all
     * (@others_hidden: the policy or hidepid hides them from the caller),
     * or without exec events and thread names (not @others_full). */
    guint32  caller_uid;
    gboolean others_hidden;
    gboolean others_full;
} pm_ebpf_config;

/* Loads and attaches the programs: call it with cap_bpf and cap_perfmon
 * effective.  The maps whose keys are kernel addresses are then closed in
 * this process: only the ring buffer stays readable. */
pm_ebpf_source *pm_ebpf_source_new(const pm_ebpf_config *config, GError **error);
void pm_ebpf_source_free(pm_ebpf_source *source);

/* Where events go from now on. */
void pm_ebpf_source_set_callbacks(pm_ebpf_source *source, const pm_ebpf_callbacks *callbacks,
                                  gpointer data);

/* A file descriptor that polls readable when events wait. */
int pm_ebpf_source_fd(pm_ebpf_source *source);
/* Hands every waiting event to the callbacks, waiting at most @timeout_ms
 * (0: not at all) for the first.  Returns the number handled, or -1. */
int pm_ebpf_source_poll(pm_ebpf_source *source, int timeout_ms);
/* The tracepoints attached, comma-separated ("inet_sock_set_state, ..."). */
const char *pm_ebpf_source_hooks(pm_ebpf_source *source);
/* The inode of the pid namespace whose pids events carry; 0 for the
 * initial one. */
guint32 pm_ebpf_source_pidns(pm_ebpf_source *source);

/* Re-reads the offset between the boot clock and the epoch (call now and
 * then: the wall clock may be stepped). */
void pm_ebpf_source_sync_clock(pm_ebpf_source *source);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_EBPF_SOURCE_H */
