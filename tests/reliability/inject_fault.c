/* inject_fault.c - linked only into procmap_plugin_faulty, a copy of the
 * plugin that misbehaves on purpose, so that `./run memcheck` and
 * `./run sanitize` can show they would catch the plugin doing so.
 *
 * The link wraps pm_watcher_lookup_tuple (-Wl,--wrap): every lookup first
 * does what PROCMAP_INJECT_FAULT says - "leak" (the default) leaks a block,
 * "overflow" reads one byte past a block.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "watcher.h"

void __real_pm_watcher_lookup_tuple(pm_watcher *watcher, pm_transport transport,
                                    const pm_endpoint *src, const pm_endpoint *dst,
                                    gint64 packet_time_us, pm_tuple_answer *out);
void __wrap_pm_watcher_lookup_tuple(pm_watcher *watcher, pm_transport transport,
                                    const pm_endpoint *src, const pm_endpoint *dst,
                                    gint64 packet_time_us, pm_tuple_answer *out);

/* The last block stays reachable; all the earlier ones are lost. */
static void *volatile last_block;
static volatile char sink;

void
__wrap_pm_watcher_lookup_tuple(pm_watcher *watcher, pm_transport transport,
                               const pm_endpoint *src, const pm_endpoint *dst,
                               gint64 packet_time_us, pm_tuple_answer *out)
{
    const char *fault = getenv("PROCMAP_INJECT_FAULT");

    if (fault != NULL && strcmp(fault, "overflow") == 0) {
        static volatile gsize past_the_end = 24;
        char *volatile block = g_malloc0(24);  /* volatile: UBSan's object-size
                                                * check must not see it first */
        sink = block[past_the_end];
        g_free(block);
    } else {
        last_block = g_strdup_printf("leaked by lookup at %" G_GINT64_FORMAT, packet_time_us);
    }
    __real_pm_watcher_lookup_tuple(watcher, transport, src, dst, packet_time_us, out);
}
