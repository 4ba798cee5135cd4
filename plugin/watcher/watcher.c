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

void
pm_watcher_changed(pm_watcher *watcher)
{
    /* Process-wide: an epoch names one watcher's state, never another's. */
    static gsize last_epoch;

    watcher->epoch = (guint64)g_atomic_pointer_add(&last_epoch, 1) + 1;
}

guint64
pm_watcher_epoch(pm_watcher *watcher)
{
    return watcher->epoch;
}

void
pm_watcher_note_reused(pm_watcher *watcher, guint n)
{
    watcher->stats.answers_reused += n;
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
    watcher->conntrack_cache = pm_conntrack_cache_new();
    pm_watcher_changed(watcher);
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
    pm_watcher_forget_owners(watcher);
    g_hash_table_unref(watcher->last_owners);
    g_hash_table_unref(watcher->conntrack_cache);
    free_aliases(watcher);
    pm_backend_free(watcher->backend);
    g_free(watcher);
}

void
pm_watcher_set_config(pm_watcher *watcher, const pm_watcher_config *config)
{
    watcher->config = *config;
    pm_watcher_changed(watcher);
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
    pm_watcher_changed(watcher);
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
    pm_watcher_forget_owners(watcher);
    g_hash_table_remove_all(watcher->last_owners);
    watcher->table_built_us = 0;
    watcher->refresh_attempted = FALSE;
    watcher->last_refresh_failed = FALSE;
    watcher->exact_budget.used = 0;
    watcher->conntrack_budget.used = 0;
    g_hash_table_remove_all(watcher->conntrack_cache);
    pm_watcher_changed(watcher);
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
    /* The table's rule (socket_table.c still_valid) at the packet's time;
     * the caller bounds it further for answers that took more than the
     * tuple. */
    out->stable_until_us = entry->last_seen_us + watcher->config.mapping_ttl_us;
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

/* Where the socket of one end was found, or why it was not. */
typedef struct {
    pm_socket_entry *entry;
    pm_table_hit     hit;
    gboolean         by_local_endpoint;
    gboolean         table_as_it_was; /* the table's answer before any lookup or refresh */
    pm_reason        reason;         /* entry NULL */
} resolution;

/* Step (4): the only connected socket with this local end, as the table
 * knows it.  Returns whether it answered; *@shared tells that the table
 * knows several there (the rule refuses). */
static gboolean
by_local_endpoint(pm_watcher *watcher, pm_transport transport, const pm_endpoint *local,
                  gint64 reference, resolution *out, gboolean *shared)
{
    guint count = 0;

    out->entry = pm_socket_table_find_local(&watcher->tables[transport], local, reference,
                                            watcher->config.mapping_ttl_us, &count);
    *shared = count > 1;
    if (out->entry == NULL)
        return FALSE;
    out->by_local_endpoint = TRUE;
    return TRUE;
}

/* Steps (1), (3) and, if @local_endpoint_allowed, (4) for one end: the
 * table; on a miss, an exact lookup or a refresh when the table is older
 * than the packet. */
static void
resolve(pm_watcher *watcher, pm_transport transport, const pm_endpoint *local,
        const pm_endpoint *remote, gint64 packet_time_us, gint64 now,
        gboolean local_endpoint_allowed, resolution *out)
{
    pm_socket_table *table = &watcher->tables[transport];
    const pm_watcher_config *config = &watcher->config;
    /* A mapping is judged at the packet's time: a socket a refresh saw stays
     * true for frames up to mapping_ttl after it, however long the
     * dissection of a file takes (never later than now). */
    gint64 reference = MIN(now, packet_time_us);
    gboolean table_too_old, shared = FALSE;
    pm_exact_outcome exact;

    memset(out, 0, sizeof *out);
    out->reason = PM_REASON_NO_SOCKET;
    out->entry = pm_socket_table_find(table, local, remote, reference,
                                      config->mapping_ttl_us, &out->hit);
    if (out->entry != NULL) {
        out->table_as_it_was = TRUE;
        return;
    }
    table_too_old = watcher->table_built_us == 0 || watcher->table_built_us < packet_time_us
                    || config->refresh_on_every_miss;
    if (!table_too_old) {
        if (local_endpoint_allowed)
            (void)by_local_endpoint(watcher, transport, local, reference, out, &shared);
        return;
    }
    /* The kernel first: a new connection on a local port the table knows
     * for another remote end is not that other one's. */
    exact = pm_watcher_exact_lookup(watcher, transport, local, remote, now, &out->entry,
                                    &out->hit);
    if (exact == PM_EXACT_FOUND)
        return;
    if (exact == PM_EXACT_ABSENT) {
        /* No socket would receive it as it is: settled - unless the rule
         * may apply: a NAT'ed connection conntrack could not tell of has
         * its socket on this end with another remote end, which the table
         * may know, and else only a refresh can show. */
        if (!local_endpoint_allowed
            || by_local_endpoint(watcher, transport, local, reference, out, &shared) || shared) {
            watcher->stats.exact_lookup_answers++;
            return;
        }
    }
    if (exact == PM_EXACT_BUSY || !refresh_allowed(watcher, now)) {
        if (local_endpoint_allowed
            && by_local_endpoint(watcher, transport, local, reference, out, &shared))
            return;
        watcher->stats.refreshes_suppressed++;
        /* After a failed refresh the truth is that the table is unreadable. */
        out->reason = watcher->last_refresh_failed ? PM_REASON_BACKEND_FAILED
                                                   : PM_REASON_REFRESH_SUPPRESSED;
        return;
    }
    if (!pm_watcher_refresh(watcher, NULL)) {
        out->reason = PM_REASON_BACKEND_FAILED;
        return;
    }
    reference = MIN(pm_watcher_now(watcher), packet_time_us);
    out->entry = pm_socket_table_find(table, local, remote, reference,
                                      config->mapping_ttl_us, &out->hit);
    if (out->entry == NULL && local_endpoint_allowed)
        (void)by_local_endpoint(watcher, transport, local, reference, out, &shared);
}

/* Whether conntrack said nothing of the packet: the local-endpoint rule
 * is the last resort then, and only then. */
static gboolean
nat_unknown(pm_nat_state nat)
{
    return nat == PM_NAT_NO_PERMISSION || nat == PM_NAT_UNAVAILABLE || nat == PM_NAT_FAILED
           || nat == PM_NAT_BUSY;
}

/* Step (2) translated the end: its socket by its own ends. */
static void
lookup_translated(pm_watcher *watcher, pm_transport transport, gint64 packet_time_us,
                  gint64 now, pm_endpoint_answer *out)
{
    resolution found;

    if (!pm_watcher_is_local(watcher, &out->socket_local.addr)
        && !pm_watcher_address_became_local(watcher, &out->socket_local.addr,
                                            packet_time_us)) {
        /* DNAT to a container, a VM or another host; a masqueraded client
         * behind this router: whatever listens here never sees it. */
        out->reason = PM_REASON_FORWARDED;
        return;
    }
    resolve(watcher, transport, &out->socket_local, &out->socket_remote, packet_time_us, now,
            FALSE, &found);
    if (found.entry == NULL) {
        out->reason = found.reason;
        return;
    }
    answer_from_entry(watcher, found.entry, found.hit, out);
    out->socket_match = out->match;
    out->match = PM_MATCH_CONNTRACK;
    watcher->stats.conntrack_translations++;
}

void
pm_watcher_lookup_endpoint(pm_watcher *watcher, pm_transport transport,
                           const pm_endpoint *local, const pm_endpoint *remote,
                           gint64 packet_time_us, pm_endpoint_answer *out)
{
    const pm_watcher_config *config = &watcher->config;
    pm_socket_entry *entry;
    resolution found;
    gint64 now, nat_stable_until_us = 0;

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

    if (!pm_watcher_is_local(watcher, &local->addr)
        && !pm_watcher_address_became_local(watcher, &local->addr, packet_time_us)) {
        /* Without the host's addresses, "not local" would be a guess. */
        out->reason = watcher->local_addresses_known ? PM_REASON_NOT_LOCAL
                                                     : PM_REASON_BACKEND_FAILED;
        /* What the watcher knows of the addresses is newer than packets
         * before it (pm_watcher_address_became_local): not asked again. */
        if (out->reason == PM_REASON_NOT_LOCAL && pm_watcher_now(watcher)
                                                  >= watcher->addresses_checked_us)
            out->stable_until_us = watcher->addresses_checked_us;
        return;
    }
    now = pm_watcher_now(watcher);
    if (remote != NULL) {
        /* (1) The connection itself, as the table knows it. */
        entry = pm_socket_table_find_tuple(&watcher->tables[transport], local, remote,
                                           MIN(now, packet_time_us), config->mapping_ttl_us);
        if (entry != NULL) {
            answer_from_entry(watcher, entry, PM_TABLE_HIT_TUPLE, out);
            return;
        }
        /* (2) Before any listener: a DNAT'ed port's listener here never
         * receives what the rule sends elsewhere. */
        out->nat = pm_watcher_translate(watcher, transport, local, remote, packet_time_us, now,
                                        &out->socket_local, &out->socket_remote,
                                        &nat_stable_until_us);
        if (out->nat == PM_NAT_TRANSLATED) {
            lookup_translated(watcher, transport, packet_time_us, now, out);
            out->stable_until_us = 0;
            return;
        }
    }
    /* (3), and (4) if conntrack said nothing. */
    resolve(watcher, transport, local, remote, packet_time_us, now,
            remote != NULL && nat_unknown(out->nat), &found);
    if (found.entry == NULL) {
        out->reason = found.reason;
        return;
    }
    answer_from_entry(watcher, found.entry, found.hit, out);
    if (found.by_local_endpoint) {
        out->match = PM_MATCH_LOCAL_ENDPOINT;
        watcher->stats.local_endpoint_answers++;
    }
    /* Past the tuple, the answer also rests on conntrack's (a settled one
     * only) and on the table as it was: an exact lookup or a refresh
     * changed the epoch anyway. */
    if (!found.table_as_it_was)
        out->stable_until_us = 0;
    else if (remote != NULL)
        out->stable_until_us = MIN(out->stable_until_us, nat_stable_until_us);
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

