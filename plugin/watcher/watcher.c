/* watcher.c - which local process owns each end of a packet's tuple.
 *
 * See watcher.h for the rules.  This file: life cycle, configuration and
 * lookups; refresh.c builds the tables, report.c names and snapshots.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "watcher_private.h"

#include <string.h>

void
pm_watcher_config_init(pm_watcher_config *config)
{
    memset(config, 0, sizeof *config);
    config->mapping_ttl_us = 10 * G_USEC_PER_SEC;
    config->process_ttl_us = 30 * G_USEC_PER_SEC;
    config->min_refresh_interval_us = 250 * 1000;
    config->exact_lookups_per_interval = 250;
}

static gint64
default_clock(gpointer user_data)
{
    (void)user_data;
    return g_get_real_time();
}

static void
free_aliases(pm_watcher *watcher)
{
    for (guint i = 0; i < watcher->n_aliases; i++) {
        g_free((char *)watcher->aliases[i].cmdline_substring);
        g_free((char *)watcher->aliases[i].name);
    }
    g_clear_pointer(&watcher->aliases, g_free);
    watcher->n_aliases = 0;
}

pm_watcher *
pm_watcher_new(pm_backend *backend, const pm_watcher_config *config,
               pm_clock_fn clock, gpointer clock_data)
{
    pm_watcher *watcher = g_new0(pm_watcher, 1);

    watcher->backend = backend;
    if (config)
        watcher->config = *config;
    else
        pm_watcher_config_init(&watcher->config);
    watcher->clock = clock ? clock : default_clock;
    watcher->clock_data = clock_data;
    pm_diag_init(&watcher->diag, NULL, NULL);
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        pm_socket_table_init(&watcher->tables[t]);
        watcher->last_sockets[t] = g_array_new(FALSE, FALSE, sizeof(pm_socket));
    }
    watcher->local_addresses = g_hash_table_new_full(pm_addr_hash, pm_addr_key_equal, g_free, NULL);
    watcher->process_cache = pm_process_cache_new();
    watcher->user_names = pm_user_names_new(backend);
    watcher->last_owners = pm_owner_index_new();
    return watcher;
}

void
pm_watcher_free(pm_watcher *watcher)
{
    if (watcher == NULL)
        return;
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        pm_socket_table_clear(&watcher->tables[t]);
        g_array_unref(watcher->last_sockets[t]);
    }
    g_hash_table_unref(watcher->local_addresses);
    g_hash_table_unref(watcher->process_cache);
    pm_user_names_free(watcher->user_names);
    g_hash_table_unref(watcher->last_owners);
    free_aliases(watcher);
    pm_backend_free(watcher->backend);
    g_free(watcher);
}

void
pm_watcher_set_config(pm_watcher *watcher, const pm_watcher_config *config)
{
    watcher->config = *config;
}

void
pm_watcher_set_aliases(pm_watcher *watcher, const pm_alias_rule *rules, guint n_rules)
{
    free_aliases(watcher);
    watcher->aliases = g_new0(pm_alias_rule, n_rules ? n_rules : 1);
    for (guint i = 0; i < n_rules; i++) {
        watcher->aliases[i].cmdline_substring = g_strdup(rules[i].cmdline_substring);
        watcher->aliases[i].name = g_strdup(rules[i].name);
    }
    watcher->n_aliases = n_rules;
}

const char *
pm_watcher_user_name(pm_watcher *watcher, guint32 uid)
{
    return pm_user_names_get(watcher->user_names, uid);
}

void
pm_watcher_set_diag_sink(pm_watcher *watcher, pm_diag_sink sink, gpointer user_data)
{
    pm_diag_init(&watcher->diag, sink, user_data);
}

pm_diag *
pm_watcher_diag(pm_watcher *watcher)
{
    return &watcher->diag;
}

void
pm_watcher_flush(pm_watcher *watcher)
{
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        pm_socket_table_clear(&watcher->tables[t]);
        pm_socket_table_init(&watcher->tables[t]);
        g_array_set_size(watcher->last_sockets[t], 0);
    }
    g_hash_table_remove_all(watcher->process_cache);
    pm_user_names_clear(watcher->user_names);
    g_hash_table_remove_all(watcher->last_owners);
    watcher->table_built_us = 0;
    watcher->refresh_attempted = FALSE;
    watcher->last_refresh_failed = FALSE;
    watcher->exact_window_lookups = 0;
}

/* ---- lookups ------------------------------------------------------------ */

gboolean
pm_watcher_is_local(pm_watcher *watcher, const pm_addr *addr)
{
    return pm_addr_is_loopback(addr) || g_hash_table_contains(watcher->local_addresses, addr);
}

static pm_match
match_of_hit(pm_table_hit hit)
{
    switch (hit) {
    case PM_TABLE_HIT_TUPLE:      return PM_MATCH_TUPLE;
    case PM_TABLE_HIT_EXACT:      return PM_MATCH_EXACT;
    case PM_TABLE_HIT_ANY:        return PM_MATCH_ANY;
    case PM_TABLE_HIT_DUAL_STACK: return PM_MATCH_DUAL_STACK;
    case PM_TABLE_HIT_NONE:       break;
    }
    return PM_MATCH_NONE;
}

static void
answer_from_entry(pm_watcher *watcher, const pm_socket_entry *entry, pm_table_hit hit,
                  pm_endpoint_answer *out)
{
    out->match = match_of_hit(hit);
    out->inode = entry->socket.inode;
    out->has_uid = TRUE;
    out->uid = entry->socket.uid;
    out->socket_seen_us = entry->last_seen_us;
    out->owner_count = entry->owners->len;
    out->v6only_assumed = hit == PM_TABLE_HIT_DUAL_STACK &&
                          entry->socket.v6only == PM_V6ONLY_UNKNOWN;
    if (entry->owners->len > 0) {
        out->process = pm_process_ref(g_ptr_array_index(entry->owners, 0));
        out->reason = PM_REASON_FOUND;
        out->user = out->process->has_uid && out->process->uid == out->uid
                        ? out->process->user : pm_watcher_user_name(watcher, out->uid);
    } else {
        out->reason = entry->no_permission ? PM_REASON_NO_PERMISSION : PM_REASON_OWNER_GONE;
        out->user = pm_watcher_user_name(watcher, out->uid);
    }
}

static gboolean
refresh_allowed(pm_watcher *watcher, gint64 now)
{
    if (!watcher->refresh_attempted || now < watcher->last_refresh_us)
        return TRUE;    /* first time, or the clock went back */
    return now - watcher->last_refresh_us >= watcher->config.min_refresh_interval_us;
}

void
pm_watcher_lookup_endpoint(pm_watcher *watcher, pm_transport transport,
                           const pm_endpoint *local, const pm_endpoint *remote,
                           gint64 packet_time_us, pm_endpoint_answer *out)
{
    pm_socket_table *table = &watcher->tables[transport];
    const pm_watcher_config *config = &watcher->config;
    pm_socket_entry *entry;
    pm_table_hit hit;
    pm_exact_outcome exact;
    gint64 now, reference;

    memset(out, 0, sizeof *out);
    watcher->stats.lookups++;
    if ((unsigned)transport >= PM_TRANSPORT_COUNT) {
        out->reason = PM_REASON_NO_SOCKET;
        return;
    }
    /* The first lookup builds the table (and learns the local addresses). */
    if (!watcher->refresh_attempted && !pm_watcher_refresh(watcher, NULL) &&
        watcher->table_built_us == 0) {
        out->reason = PM_REASON_BACKEND_FAILED;
        return;
    }

    if (!pm_watcher_is_local(watcher, &local->addr)) {
        /* Without the host's addresses, "not local" would be a guess. */
        out->reason = watcher->local_addresses_known ? PM_REASON_NOT_LOCAL
                                                     : PM_REASON_BACKEND_FAILED;
        return;
    }
    now = pm_watcher_now(watcher);
    /* A mapping is judged at the packet's time: a socket a refresh saw stays
     * true for frames up to mapping_ttl after it, however long the
     * dissection of a file takes (never later than now). */
    reference = MIN(now, packet_time_us);
    entry = pm_socket_table_find(table, local, remote, reference, config->mapping_ttl_us, &hit);
    if (entry == NULL) {
        gboolean table_too_old = watcher->table_built_us == 0 ||
                                 watcher->table_built_us < packet_time_us ||
                                 config->refresh_on_every_miss;
        if (!table_too_old) {
            out->reason = PM_REASON_NO_SOCKET;
            return;
        }
        exact = pm_watcher_exact_lookup(watcher, transport, local, remote, now, &entry, &hit);
        if (exact == PM_EXACT_ABSENT) {
            out->reason = PM_REASON_NO_SOCKET;
            return;
        }
        if (exact == PM_EXACT_BUSY ||
            (exact == PM_EXACT_NOT_SETTLED && !refresh_allowed(watcher, now))) {
            watcher->stats.refreshes_suppressed++;
            /* After a failed refresh the truth is that the table is unreadable. */
            out->reason = watcher->last_refresh_failed ? PM_REASON_BACKEND_FAILED
                                                       : PM_REASON_REFRESH_SUPPRESSED;
            return;
        }
        if (exact == PM_EXACT_NOT_SETTLED) {
            if (!pm_watcher_refresh(watcher, NULL)) {
                out->reason = PM_REASON_BACKEND_FAILED;
                return;
            }
            reference = MIN(pm_watcher_now(watcher), packet_time_us);
            entry = pm_socket_table_find(table, local, remote, reference,
                                         config->mapping_ttl_us, &hit);
            if (entry == NULL) {
                out->reason = PM_REASON_NO_SOCKET;
                return;
            }
        }
    }
    answer_from_entry(watcher, entry, hit, out);
}

void
pm_watcher_lookup_tuple(pm_watcher *watcher, pm_transport transport,
                        const pm_endpoint *src, const pm_endpoint *dst,
                        gint64 packet_time_us, pm_tuple_answer *out)
{
    pm_watcher_lookup_endpoint(watcher, transport, src, dst, packet_time_us, &out->src);
    pm_watcher_lookup_endpoint(watcher, transport, dst, src, packet_time_us, &out->dst);
}

void
pm_endpoint_answer_clear(pm_endpoint_answer *answer)
{
    g_clear_pointer(&answer->process, pm_process_unref);
    answer->user = NULL;
}

void
pm_tuple_answer_clear(pm_tuple_answer *answer)
{
    pm_endpoint_answer_clear(&answer->src);
    pm_endpoint_answer_clear(&answer->dst);
}

