/* report.c - names of answers, statistics and table snapshots.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "watcher_private.h"

#include <string.h>

/* ---- the vocabulary: one table per word list ----------------------------- */

typedef struct {
    const char *name;
    const char *description;
} word;

static const word matches[PM_MATCH_COUNT] = {
    [PM_MATCH_NONE] = { "none", "no socket answered" },
    [PM_MATCH_TUPLE] = { "tuple", "the connected socket with this local and remote end" },
    [PM_MATCH_EXACT] = { "exact", "a socket bound to this address and port" },
    [PM_MATCH_ANY] = { "any-address", "a socket bound to 0.0.0.0 or :: on this port" },
    [PM_MATCH_DUAL_STACK] = { "dual-stack", "an IPv6 :: socket that also accepts IPv4" },
    [PM_MATCH_CONNTRACK] = { "conntrack", "the socket of the connection with NAT undone" },
    [PM_MATCH_LOCAL_ENDPOINT] = { "local-endpoint",
        "the only connected socket with this local address and port" },
};

static const word reasons[PM_REASON_COUNT] = {
    [PM_REASON_FOUND] = { "found", "owned by a local process" },
    [PM_REASON_NOT_LOCAL] = { "not-local", "not a local address" },
    [PM_REASON_NO_SOCKET] = { "no-socket", "no socket has this address and port" },
    [PM_REASON_NO_PERMISSION] = { "no-permission", "no permission to see the socket's owner" },
    [PM_REASON_OWNER_GONE] = { "owner-gone", "the socket exists but no process holds it" },
    [PM_REASON_REFRESH_SUPPRESSED] = { "refresh-suppressed",
        "not in the socket table; refreshed too recently to look again" },
    [PM_REASON_BACKEND_FAILED] = { "backend-failed", "the socket table could not be read" },
    [PM_REASON_FORWARDED] = { "forwarded",
        "NAT sends this end to an address that is not of this host (conntrack)" },
    [PM_REASON_TOO_OLD] = { "too-old", "frame too old for a live lookup" },
    [PM_REASON_LIVE_OFF] = { "live-lookups-off", "live lookups are off" },
    [PM_REASON_ICMP_ERROR] = { "icmp-error", "sent by a network stack (ICMP error)" },
    [PM_REASON_SIDE_UNKNOWN] = { "side-unknown", "the capture names a process but not its end" },
    [PM_REASON_NOT_CARRIED] = { "not-carried", "the capture names no process for this end" },
    [PM_REASON_OTHER_HOST] = { "other-host",
        "captured on another host: no live lookup on this one" },
    [PM_REASON_HOST_UNKNOWN] = { "host-unknown",
        "not known to be captured on this host (a file, a pipe): no live lookup" },
};

static const word unknown = { "unknown", "unknown" };

static const word *
word_of(const word *table, guint count, guint value)
{
    return value < count ? &table[value] : &unknown;
}

const char *
pm_match_name(pm_match match)
{
    return word_of(matches, PM_MATCH_COUNT, match)->name;
}

const char *
pm_match_description(pm_match match)
{
    return word_of(matches, PM_MATCH_COUNT, match)->description;
}

const char *
pm_nat_state_name(pm_nat_state state)
{
    switch (state) {
    case PM_NAT_NOT_ASKED:     return "not-asked";
    case PM_NAT_NONE:          return "not-translated";
    case PM_NAT_TRANSLATED:    return "translated";
    case PM_NAT_NO_PERMISSION: return "no-permission";
    case PM_NAT_UNAVAILABLE:   return "unavailable";
    case PM_NAT_FAILED:        return "failed";
    case PM_NAT_BUSY:          return "busy";
    }
    return "unknown";
}

const char *
pm_nat_state_description(pm_nat_state state)
{
    switch (state) {
    case PM_NAT_NOT_ASKED:
        return "not asked (the connection itself answered, or no remote end)";
    case PM_NAT_NONE:
        return "this end is not translated (or the packet is not tracked)";
    case PM_NAT_TRANSLATED:
        return "translated: the socket has other ends than the packet";
    case PM_NAT_NO_PERMISSION:
        return "not allowed to ask (CAP_NET_ADMIN is needed): the local-endpoint rule "
               "is the last resort";
    case PM_NAT_UNAVAILABLE:
        return "no conntrack to ask: the local-endpoint rule is the last resort";
    case PM_NAT_FAILED:
        return "the question failed: the local-endpoint rule is the last resort";
    case PM_NAT_BUSY:
        return "too many questions in a short time: the local-endpoint rule is the "
               "last resort";
    }
    return "unknown";
}

const char *
pm_reason_name(pm_reason reason)
{
    return word_of(reasons, PM_REASON_COUNT, reason)->name;
}

const char *
pm_reason_description(pm_reason reason)
{
    return word_of(reasons, PM_REASON_COUNT, reason)->description;
}

/* ---- stats and snapshots ------------------------------------------------ */

void
pm_watcher_get_stats(pm_watcher *watcher, pm_watcher_stats *out)
{
    *out = watcher->stats;
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        out->endpoint_entries[t] = g_hash_table_size(watcher->tables[t].by_endpoint);
        out->tuple_entries[t] = g_hash_table_size(watcher->tables[t].by_tuple);
    }
    out->process_records = g_hash_table_size(watcher->process_cache);
    out->table_built_us = watcher->table_built_us;
}

static void
table_row_free(gpointer data)
{
    pm_table_row *row = data;
    g_ptr_array_unref(row->owners);
    g_free(row);
}

static int
compare_addr(const pm_addr *a, const pm_addr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->bytes, b->bytes, sizeof a->bytes);
}

static int
compare_endpoint(const pm_endpoint *a, const pm_endpoint *b)
{
    int c = compare_addr(&a->addr, &b->addr);
    return c != 0 ? c : (a->port > b->port) - (a->port < b->port);
}

static gint
compare_rows(gconstpointer a, gconstpointer b)
{
    const pm_table_row *x = *(pm_table_row *const *)a;
    const pm_table_row *y = *(pm_table_row *const *)b;
    int c;

    if (x->transport != y->transport)
        return x->transport < y->transport ? -1 : 1;
    if ((c = compare_endpoint(&x->socket.local, &y->socket.local)) != 0)
        return c;
    if ((c = compare_endpoint(&x->socket.remote, &y->socket.remote)) != 0)
        return c;
    return (x->socket.inode > y->socket.inode) - (x->socket.inode < y->socket.inode);
}

GPtrArray *
pm_watcher_snapshot(pm_watcher *watcher)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func(table_row_free);

    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        GArray *sockets = watcher->last_sockets[t];
        for (guint i = 0; i < sockets->len; i++) {
            pm_table_row *row = g_new0(pm_table_row, 1);
            GPtrArray *owners;

            row->transport = (pm_transport)t;
            row->socket = g_array_index(sockets, pm_socket, i);
            row->owners = g_ptr_array_new_with_free_func((GDestroyNotify)pm_process_unref);
            owners = row->socket.inode != 0
                         ? g_hash_table_lookup(watcher->last_owners, &row->socket.inode) : NULL;
            for (guint j = 0; owners && j < owners->len; j++)
                g_ptr_array_add(row->owners, pm_process_ref(g_ptr_array_index(owners, j)));
            g_ptr_array_add(rows, row);
        }
    }
    g_ptr_array_sort(rows, compare_rows);
    return rows;
}
