/* attribution.c - both ends of a captured packet, at capture time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "attribution.h"

#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "monitor_backend.h"
#include "monitor_policy.h"
#include "ns_watchers.h"
#include "poller.h"
#include "process_info.h"

/* A recent packet whose local end is unknown waits for its event: 10 ms
 * with eBPF, two polls with the poller (at most a second: a host with tens
 * of thousands of sockets polls slowly).  All such waits take at most
 * WAIT_BUDGET_US of each second; packets queue in libpcap's buffer meanwhile. */
#define EVENT_WAIT_MS   10
#define POLL_WAIT_MAX_MS 1000
#define EVENT_RECENT_US (500 * 1000)
#define WAIT_BUDGET_US  (150 * 1000)
#define POLL_WAIT_BUDGET_US (500 * 1000)
#define NS_REFRESH_US   (5 * G_USEC_PER_SEC)

typedef struct {
    pm_process *process;
    gint64      used_us;
} poll_record;

struct pm_attribution {
    pm_attribution_config config;
    pm_monitor        *monitor;
    pm_history        *history;
    pm_process_info   *info;
    pm_watcher        *host;
    guint32            self;
    pm_netns_registry *registry;
    pm_ns_watchers    *others;
    pm_ebpf_source    *ebpf;
    pm_poller         *poller;
    GHashTable        *poll_records;    /* pm_process_key* -> poll_record* */
    char              *description;
    gint64             budget_second;   /* the second the budget is for */
    gint64             budget_used_us;
    gint64             last_ns_refresh;
    gint64             last_ns_scan;
    pm_attribution_stats stats;
};

static const char *const choice_names[] = { "auto", "ebpf", "netlink" };

gboolean
pm_source_choice_parse(const char *text, pm_source_choice *out)
{
    for (guint i = 0; i < G_N_ELEMENTS(choice_names); i++) {
        if (g_strcmp0(text, choice_names[i]) == 0) {
            *out = (pm_source_choice)i;
            return TRUE;
        }
    }
    return FALSE;
}

void
pm_attribution_config_init(pm_attribution_config *config)
{
    memset(config, 0, sizeof *config);
    config->source = PM_SOURCE_AUTO;
    config->namespaces = TRUE;
    config->containers = TRUE;
    config->poll_interval_ms = 20;
}

void
pm_side_answer_clear(pm_side_answer *answer)
{
    g_clear_pointer(&answer->process, pm_process_unref);
}

static void
poll_record_free(gpointer data)
{
    poll_record *record = data;

    pm_process_unref(record->process);
    g_free(record);
}

/* ---- events in ------------------------------------------------------------ */

static void
on_socket(gpointer data, pm_transport transport, const pm_endpoint *local,
          const pm_endpoint *remote, guint32 netns, const pm_event_process *event,
          pm_history_origin origin, gint64 time_us)
{
    pm_attribution *self = data;
    pm_process *process;

    if (event->pid <= 0)    /* not visible here: the programs do not tell these */
        return;
    process = pm_process_info_from_event(self->info, event, g_get_real_time());
    if (process == NULL)    /* not the caller's to see */
        return;
    pm_history_put(self->history, transport, local, remote->port ? remote : NULL, netns,
                   process, (guint32)event->tid, origin, time_us);
    pm_process_unref(process);
    self->stats.events++;
}

static void
on_close(gpointer data, const pm_endpoint *local, const pm_endpoint *remote, gint64 time_us)
{
    pm_attribution *self = data;

    pm_history_close(self->history, local, remote, time_us);
}

static void
on_exec(gpointer data, const pm_event_process *event, const char *filename, const char *argv,
        gsize argv_len, gint64 time_us)
{
    pm_attribution *self = data;

    if (event->pid <= 0)
        return;
    pm_process_info_exec(self->info, event, filename, argv, argv_len, g_get_real_time());
}

static void
take_sightings(pm_attribution *self)
{
    GPtrArray *batch;

    while ((batch = pm_poller_take(self->poller)) != NULL) {
        gint64 now = g_get_real_time();

        for (guint i = 0; i < batch->len; i++) {
            pm_poll_sighting *sighting = g_ptr_array_index(batch, i);
            pm_process_key key = { sighting->process.pid, sighting->process.start_time_ns };
            poll_record *record = g_hash_table_lookup(self->poll_records, &key);

            if (record == NULL) {
                record = g_new0(poll_record, 1);
                record->process = pm_process_new(&sighting->process, sighting->user, NULL, 0);
                g_hash_table_insert(self->poll_records,
                                    pm_process_key_new(key.pid, key.start_time_ns), record);
            }
            record->used_us = now;
            pm_history_put(self->history, sighting->transport, &sighting->local,
                           sighting->remote.port ? &sighting->remote : NULL, sighting->netns,
                           record->process, 0, PM_ORIGIN_POLL, sighting->time_us);
            self->stats.sightings++;
        }
        g_ptr_array_unref(batch);
    }
}

void
pm_attribution_drain(pm_attribution *self)
{
    if (self->ebpf)
        (void)pm_ebpf_source_poll(self->ebpf, 0);
    if (self->poller)
        take_sightings(self);
}

void
pm_attribution_fds(pm_attribution *self, int fds[2])
{
    fds[0] = self->ebpf ? pm_ebpf_source_fd(self->ebpf) : -1;
    fds[1] = self->poller ? pm_poller_fd(self->poller) : -1;
}

/* ---- set-up --------------------------------------------------------------- */

static gboolean
is_local_in(guint32 netns, const pm_addr *addr, gpointer data)
{
    pm_attribution *self = data;
    pm_watcher *watcher;

    if (netns == 0 || netns == self->self)
        return pm_watcher_is_local(self->host, addr);
    /* Loopback traffic on our interfaces is never another namespace's. */
    if (pm_addr_is_loopback(addr))
        return FALSE;
    watcher = pm_ns_watchers_find(self->others, netns);
    return watcher != NULL && pm_watcher_is_local(watcher, addr);
}

static gboolean
container_via_monitor(gpointer data, gint32 pid, pm_container *out)
{
    return pm_monitor_container_of_pid(data, pid, out);
}

pm_attribution *
pm_attribution_new(const pm_attribution_config *config, pm_monitor *monitor,
                   pm_ebpf_source *ebpf, const GError *ebpf_error)
{
    pm_attribution *self = g_new0(pm_attribution, 1);
    const pm_mon_hello *hello = pm_monitor_hello(monitor);
    pm_watcher_config watcher_config;
    GString *description = g_string_new(NULL);
    GError *ns_error = NULL;
    char *policy;
    static const pm_ebpf_callbacks callbacks = { on_socket, on_close, on_exec };

    self->config = *config;
    self->monitor = monitor;
    self->history = pm_history_new();
    self->info = pm_process_info_new_with_backend(pm_monitor_backend_new(monitor, NULL, NULL, 0),
                                                  config->containers ? container_via_monitor
                                                                     : NULL, monitor);
    self->poll_records = pm_process_key_table_new(poll_record_free);
    pm_watcher_config_init(&watcher_config);
    self->host = pm_watcher_new(pm_monitor_backend_new(monitor, NULL, NULL, 0), &watcher_config,
                                NULL, NULL);
    (void)pm_watcher_refresh(self->host, NULL);
    self->self = hello->own_netns;

    if (config->namespaces)
        self->registry = pm_netns_registry_new(monitor, &ns_error);
    self->others = pm_ns_watchers_new(self->registry, monitor);

    self->ebpf = ebpf;
    if (self->ebpf) {
        pm_ebpf_source_set_callbacks(self->ebpf, &callbacks, self);
        g_string_append_printf(description, "eBPF (tracepoints %s)",
                               pm_ebpf_source_hooks(self->ebpf));
        if (pm_ebpf_source_pidns(self->ebpf) != 0)
            g_string_append_printf(description, ", pids of pid namespace %u",
                                   pm_ebpf_source_pidns(self->ebpf));
    } else {
        self->poller = pm_poller_new(monitor, self->registry, config->poll_interval_ms);
        g_string_append_printf(description, "netlink polling every %u ms",
                               config->poll_interval_ms);
        if (ebpf_error)
            g_string_append_printf(description, " (%s)", ebpf_error->message);
        else
            g_string_append(description, " (chosen)");
    }
    g_string_append(description, ", with live lookups");
    if (self->registry)
        g_string_append(description, "; other network namespaces: watched");
    else if (ns_error)
        g_string_append_printf(description, "; other network namespaces: not watched (%s)",
                               ns_error->message);
    else
        g_string_append(description, "; other network namespaces: not watched (off)");
    policy = pm_policy_describe(hello);
    g_string_append_printf(description, "; %s", policy);
    g_free(policy);
    self->description = g_string_free(description, FALSE);
    g_clear_error(&ns_error);
    self->last_ns_refresh = g_get_real_time();
    return self;
}

void
pm_attribution_free(pm_attribution *self)
{
    if (self == NULL)
        return;
    pm_poller_free(self->poller);
    pm_ebpf_source_free(self->ebpf);
    pm_ns_watchers_free(self->others);
    pm_netns_registry_free(self->registry);
    pm_watcher_free(self->host);
    g_hash_table_unref(self->poll_records);
    pm_process_info_free(self->info);
    pm_history_free(self->history);
    g_free(self->description);
    g_free(self);
}

const char *
pm_attribution_describe(pm_attribution *self)
{
    return self->description;
}

gboolean
pm_attribution_uses_ebpf(pm_attribution *self)
{
    return self->ebpf != NULL;
}

/* ---- answers -------------------------------------------------------------- */

static gboolean
from_history(pm_attribution *self, pm_transport transport, const pm_endpoint *local,
             const pm_endpoint *remote, gint64 time_us, pm_side_answer *out)
{
    pm_history_hit hit;

    if (!pm_history_lookup(self->history, transport, local, remote, time_us, is_local_in, self,
                           &hit)) {
        pm_history_hit_clear(&hit);
        return FALSE;
    }
    out->process = g_steal_pointer(&hit.process);
    out->kind = hit.origin == PM_ORIGIN_POLL ? PM_ANSWER_POLL : PM_ANSWER_EVENT;
    out->match = hit.match;
    out->netns = hit.netns;
    out->tid = hit.tid;
    return TRUE;
}

/* What conntrack said of a packet a watcher missed: NAT gave its socket
 * other ends (the socket's own), which may be another namespace's. */
typedef struct {
    gboolean    known;
    pm_endpoint local;
    pm_endpoint remote;
} translation;

static gboolean
from_watcher(pm_watcher *watcher, guint32 netns, pm_transport transport,
             const pm_endpoint *local, const pm_endpoint *remote, gint64 time_us,
             pm_side_answer *out, translation *nat)
{
    pm_endpoint_answer answer;

    pm_watcher_lookup_endpoint(watcher, transport, local, remote, time_us, &answer);
    if (answer.process != NULL) {
        out->process = g_steal_pointer(&answer.process);
        out->kind = PM_ANSWER_LIVE;
        out->match = answer.match;
        out->netns = netns;
    } else if (nat != NULL && !nat->known && answer.nat == PM_NAT_TRANSLATED) {
        nat->known = TRUE;
        nat->local = answer.socket_local;
        nat->remote = answer.socket_remote;
    }
    pm_endpoint_answer_clear(&answer);
    return out->process != NULL;
}

/* The watchers of the namespaces where @local is an address of theirs: ours
 * alone if it is, else every other that has it.  FALSE when none has it. */
static gboolean
from_watchers(pm_attribution *self, pm_transport transport, const pm_endpoint *local,
              const pm_endpoint *remote, gint64 time_us, pm_side_answer *out, translation *nat)
{
    gboolean local_somewhere = FALSE;

    if (pm_watcher_is_local(self->host, &local->addr)) {
        (void)from_watcher(self->host, self->self, transport, local, remote, time_us, out, nat);
        return TRUE;
    }
    for (guint i = 0; i < pm_ns_watchers_count(self->others) && out->process == NULL; i++) {
        guint32 netns;
        pm_watcher *watcher = pm_ns_watchers_get(self->others, i, &netns);

        if (!pm_watcher_is_local(watcher, &local->addr))
            continue;
        local_somewhere = TRUE;
        (void)from_watcher(watcher, netns, transport, local, remote, time_us, out, nat);
    }
    return local_somewhere;
}

/* The socket NAT gave the packet, by its own ends: from its events, else
 * from the namespace that has its local address (a router's capture sees a
 * masqueraded client with the router's address; the client is behind it). */
static gboolean
from_translation(pm_attribution *self, pm_transport transport, const translation *nat,
                 gint64 time_us, pm_side_answer *out)
{
    if (!nat->known)
        return FALSE;
    if (!from_history(self, transport, &nat->local, &nat->remote, time_us, out))
        (void)from_watchers(self, transport, &nat->local, &nat->remote, time_us, out, NULL);
    if (out->process == NULL)
        return FALSE;
    out->match = PM_MATCH_CONNTRACK;
    return TRUE;
}

/* Whether a miss may wait for its event: some of the second's budget left. */
static gboolean
may_wait(pm_attribution *self, gint64 now)
{
    if (now / G_USEC_PER_SEC != self->budget_second) {
        self->budget_second = now / G_USEC_PER_SEC;
        self->budget_used_us = 0;
    }
    return self->budget_used_us < (self->ebpf ? WAIT_BUDGET_US : POLL_WAIT_BUDGET_US);
}

/* How long a miss waits for its event, in ms. */
static gint64
wait_ms(pm_attribution *self)
{
    guint64 polls = 0, busy_us = 0, period_ms;

    if (self->ebpf)
        return EVENT_WAIT_MS;
    pm_poller_get_stats(self->poller, &polls, &busy_us);
    period_ms = self->config.poll_interval_ms + (polls ? busy_us / polls / 1000 : 0);
    return MIN(2 * (gint64)period_ms + 50, POLL_WAIT_MAX_MS);
}

static void
answer_side(pm_attribution *self, pm_transport transport, const pm_endpoint *local,
            const pm_endpoint *remote, gint64 time_us, pm_side_answer *out)
{
    translation nat = { 0 };
    gboolean local_somewhere;
    gint64 now;

    memset(out, 0, sizeof *out);
    if (from_history(self, transport, local, remote, time_us, out))
        return;
    local_somewhere = from_watchers(self, transport, local, remote, time_us, out, &nat);
    if (out->process != NULL || from_translation(self, transport, &nat, time_us, out))
        return;
    now = g_get_real_time();
    if ((self->ebpf || self->poller) && local_somewhere && now - time_us < EVENT_RECENT_US &&
        may_wait(self, now)) {
        gint64 deadline = now + wait_ms(self) * 1000;

        self->stats.event_waits++;
        for (gint64 t = now; t < deadline; t = g_get_real_time()) {
            int fds[2];
            struct pollfd waiting = { .events = POLLIN };

            pm_attribution_fds(self, fds);
            waiting.fd = fds[0] >= 0 ? fds[0] : fds[1];
            if (poll(&waiting, 1, (int)((deadline - t + 999) / 1000)) <= 0)
                break;
            pm_attribution_drain(self);
            if (from_history(self, transport, local, remote, time_us, out))
                break;
            if (nat.known && from_history(self, transport, &nat.local, &nat.remote, time_us, out)) {
                out->match = PM_MATCH_CONNTRACK;
                break;
            }
        }
        self->budget_used_us += g_get_real_time() - now;
    }
}

void
pm_attribution_resolve(pm_attribution *self, const pm_packet_tuple *tuple, gint64 time_us,
                       pm_side_answer *src, pm_side_answer *dst)
{
    answer_side(self, tuple->transport, &tuple->src, &tuple->dst, time_us, src);
    answer_side(self, tuple->transport, &tuple->dst, &tuple->src, time_us, dst);
    self->stats.answers[src->kind]++;
    self->stats.answers[dst->kind]++;
    for (const pm_side_answer *side = src; side != NULL; side = side == src ? dst : NULL) {
        if (side->process != NULL && side->match == PM_MATCH_CONNTRACK)
            self->stats.conntrack_answers++;
        else if (side->process != NULL && side->match == PM_MATCH_LOCAL_ENDPOINT)
            self->stats.local_endpoint_answers++;
    }
}

void
pm_attribution_subject(pm_attribution *self, const pm_side_answer *answer,
                       pm_comment_subject *out)
{
    pm_process_info_subject(self->info, answer->process, answer->tid, NULL, g_get_real_time(),
                            out);
}

static gboolean
poll_record_unused(gpointer key, gpointer value, gpointer data)
{
    return *(gint64 *)data - ((poll_record *)value)->used_us > 2 * PM_POLLER_RENEW_S * G_USEC_PER_SEC;
}

void
pm_attribution_tick(pm_attribution *self)
{
    gint64 now = g_get_real_time();

    pm_history_expire(self->history, now);
    pm_process_info_expire(self->info, now);
    g_hash_table_foreach_remove(self->poll_records, poll_record_unused, &now);
    if (self->registry && now - self->last_ns_scan >= PM_NETNS_RESCAN_S * G_USEC_PER_SEC) {
        (void)pm_netns_registry_rescan(self->registry);
        self->last_ns_scan = now;
    }
    pm_ns_watchers_sync(self->others);
    if (now - self->last_ns_refresh > NS_REFRESH_US) {
        /* Addresses change (DHCP, a container restarts); an address not
         * known as local is never looked up, so no miss would refresh. */
        (void)pm_watcher_refresh(self->host, NULL);
        self->last_ns_refresh = now;
    }
    /* The other namespaces' in turn: a few each tick, not all at once. */
    pm_ns_watchers_refresh_due(self->others, NS_REFRESH_US);
    if (self->ebpf)
        pm_ebpf_source_sync_clock(self->ebpf);
}

void
pm_attribution_catch_up(pm_attribution *self)
{
    if (pm_ns_watchers_pending(self->others))
        pm_ns_watchers_sync(self->others);
}

void
pm_attribution_get_stats(pm_attribution *self, pm_attribution_stats *out)
{
    *out = self->stats;
    out->history_entries = pm_history_size(self->history);
    out->namespaces = pm_ns_watchers_count(self->others);
    out->namespaces_skipped = self->registry ? pm_netns_skipped(self->registry) : 0;
    if (self->poller)
        pm_poller_get_stats(self->poller, &out->polls, &out->poll_busy_us);
}
