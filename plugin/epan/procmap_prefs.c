/* procmap_prefs.c - the procmap protocol's preferences, its alias table, and
 * the watcher they configure.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"

#include <stdio.h>
#include <string.h>

#include <epan/prefs.h>
#include <epan/uat.h>

#include "procfs.h"

static gint       pref_live_mode = PM_LIVE_AUTO;
static guint      pref_live_window_s = 30;
static guint      pref_mapping_ttl_s = 10;
static guint      pref_process_ttl_s = 30;
static guint      pref_min_refresh_ms = 250;
static const char *pref_proc_root = PM_PROCFS_DEFAULT_ROOT;
static gint       pref_capture_host = 0;      /* capture_host_values */
/* Cheap on 4.0 only (ws_compat.h): on by default there. */
static pm_ws_bool pref_keep_records_on_export = PM_DEPENDED_UPON_IS_CHEAP;

static const enum_val_t live_mode_values[] = {
    { "auto", "Auto: only frames captured within the live window", PM_LIVE_AUTO },
    { "always", "Always, whatever the frame's age (old captures: usually wrong)",
      PM_LIVE_ALWAYS },
    { "never", "Never", PM_LIVE_NEVER },
    { NULL, NULL, 0 }
};

#define CAPTURE_HOST_THIS_HOST 1
static const enum_val_t capture_host_values[] = {
    { "auto", "Auto: live captures of this host's interfaces only (not files, pipes, sshdump)",
      0 },
    { "this-host", "This host: every capture, files and pipes too, was made on this host",
      CAPTURE_HOST_THIS_HOST },
    { NULL, NULL, 0 }
};

/* The alias table: cmdline substring -> name, first match wins. */
typedef struct {
    char *substring;
    char *name;
} alias_record;

static alias_record *alias_records;
static guint n_alias_records;

UAT_CSTRING_CB_DEF(alias_records, substring, alias_record)
UAT_CSTRING_CB_DEF(alias_records, name, alias_record)

static pm_watcher *watcher;
static char *watcher_proc_root;     /* the root the watcher was made for */

/* Benchmark and diagnosis hooks (environment, read when used):
 *   PROCMAP_STATS=stderr|PATH       the watcher's statistics when it is freed
 *                                   (tshark exit, a new proc root);
 *   PROCMAP_REFRESH_ON_EVERY_MISS=1 Packetbeat's rule: a full refresh on every
 *                                   miss, no interval, no exact lookups. */
#define ENV_STATS "PROCMAP_STATS"
#define ENV_EVERY_MISS "PROCMAP_REFRESH_ON_EVERY_MISS"

static void *
alias_copy_cb(void *dest, const void *source, size_t len _U_)
{
    alias_record *to = dest;
    const alias_record *from = source;
    to->substring = g_strdup(from->substring);
    to->name = g_strdup(from->name);
    return to;
}

static void
alias_free_cb(void *record)
{
    alias_record *alias = record;
    g_free(alias->substring);
    g_free(alias->name);
}

static pm_ws_bool
alias_update_cb(void *record, char **error)
{
    alias_record *alias = record;
    if (alias->name == NULL || alias->name[0] == '\0') {
        *error = g_strdup("The alias name must not be empty");
        return FALSE;
    }
    return TRUE;
}

static void
apply_aliases(void)
{
    pm_alias_rule *rules;

    if (watcher == NULL)
        return;
    rules = g_new0(pm_alias_rule, n_alias_records ? n_alias_records : 1);
    for (guint i = 0; i < n_alias_records; i++) {
        rules[i].cmdline_substring = alias_records[i].substring;
        rules[i].name = alias_records[i].name;
    }
    pm_watcher_set_aliases(watcher, rules, n_alias_records);
    g_free(rules);
    /* Records already made carry the old names. */
    pm_watcher_flush(watcher);
}

static void
apply_config(void)
{
    pm_watcher_config config;

    if (watcher == NULL)
        return;
    pm_watcher_config_init(&config);
    config.mapping_ttl_us = (gint64)pref_mapping_ttl_s * G_USEC_PER_SEC;
    config.process_ttl_us = (gint64)pref_process_ttl_s * G_USEC_PER_SEC;
    config.min_refresh_interval_us = (gint64)pref_min_refresh_ms * 1000;
    if (g_strcmp0(g_getenv(ENV_EVERY_MISS), "1") == 0) {
        config.refresh_on_every_miss = TRUE;
        config.min_refresh_interval_us = 0;
    }
    pm_watcher_set_config(watcher, &config);
}

static void
prefs_applied(void)
{
    const char *root = pref_proc_root && *pref_proc_root ? pref_proc_root
                                                         : PM_PROCFS_DEFAULT_ROOT;

    if (watcher != NULL && g_strcmp0(root, watcher_proc_root) != 0)
        procmap_prefs_cleanup();     /* made again for the new root on next use */
    apply_config();
}

static void
aliases_updated(void)
{
    apply_aliases();
}

/* The watcher's problems (an unreadable proc root, other users' processes),
 * each told once, go to Wireshark's log like its own warnings. */
static void
log_once(pm_diag_level level, pm_diag_cause cause _U_, const char *message,
         gpointer user_data _U_)
{
    ws_log(WS_LOG_DOMAIN, level == PM_DIAG_LEVEL_WARNING ? LOG_LEVEL_WARNING : LOG_LEVEL_INFO,
           "%s", message);
}

pm_watcher *
procmap_prefs_watcher(void)
{
    const char *root;

    if (watcher != NULL)
        return watcher;
    root = pref_proc_root && *pref_proc_root ? pref_proc_root : PM_PROCFS_DEFAULT_ROOT;
    watcher = pm_watcher_new(pm_backend_new_default(root), NULL, NULL, NULL);
    pm_watcher_set_diag_sink(watcher, log_once, NULL);
    watcher_proc_root = g_strdup(root);
    apply_config();
    apply_aliases();
    return watcher;
}

static void
write_stats(void)
{
    const char *target = g_getenv(ENV_STATS);
    pm_watcher_stats stats;
    FILE *out;

    if (target == NULL || *target == '\0' || watcher == NULL)
        return;
    out = strcmp(target, "stderr") == 0 ? stderr : fopen(target, "a");
    if (out == NULL)
        return;
    pm_watcher_get_stats(watcher, &stats);
    fprintf(out, "procmap stats: lookups=%" G_GUINT64_FORMAT " refreshes=%" G_GUINT64_FORMAT
            " refreshes_suppressed=%" G_GUINT64_FORMAT " exact_lookups=%" G_GUINT64_FORMAT
            " exact_lookup_answers=%" G_GUINT64_FORMAT " process_reads=%" G_GUINT64_FORMAT
            " process_cache_hits=%" G_GUINT64_FORMAT " refresh_time_total_us=%" G_GINT64_FORMAT
            " refresh_time_max_us=%" G_GINT64_FORMAT " answers_reused=%" G_GUINT64_FORMAT
            " owner_scans_partial=%" G_GUINT64_FORMAT " owner_scans_skipped=%" G_GUINT64_FORMAT
            " owners_reused=%" G_GUINT64_FORMAT " proc_root=%s\n",
            stats.lookups, stats.refreshes, stats.refreshes_suppressed, stats.exact_lookups,
            stats.exact_lookup_answers, stats.process_reads, stats.process_cache_hits,
            stats.refresh_time_total_us, stats.refresh_time_max_us, stats.answers_reused,
            stats.owner_scans_partial, stats.owner_scans_skipped, stats.owners_reused,
            watcher_proc_root);
    if (out != stderr)
        fclose(out);
}

void
procmap_prefs_cleanup(void)
{
    write_stats();
    g_clear_pointer(&watcher, pm_watcher_free);
    g_clear_pointer(&watcher_proc_root, g_free);
}

void
procmap_prefs_policy(pm_frame_policy *policy)
{
    policy->live_mode = (pm_live_mode)pref_live_mode;
    policy->live_window_us = (gint64)pref_live_window_s * G_USEC_PER_SEC;
}

gboolean
procmap_prefs_captures_here(void)
{
    return pref_capture_host == CAPTURE_HOST_THIS_HOST;
}

gboolean
procmap_prefs_keep_records_on_export(void)
{
    return pref_keep_records_on_export;
}

void
procmap_prefs_register(int proto)
{
    module_t *module = prefs_register_protocol(proto, prefs_applied);
    static uat_field_t alias_fields[] = {
        UAT_FLD_CSTRING(alias_records, substring, "Command-line substring",
                        "Processes whose arguments, joined by single spaces, contain this "
                        "text (case-sensitive; empty matches every process)"),
        UAT_FLD_CSTRING(alias_records, name, "Name",
                        "The name to show for such processes"),
        UAT_END_FIELDS
    };
    uat_t *aliases;

    /* Analyze > Enabled Protocols (--disable-protocol procmap) is the one
     * switch; profiles that still set procmap.enabled load (Wireshark notes
     * the line as obsolete until the preferences are saved again). */
    prefs_register_obsolete_preference(module, "enabled");
    prefs_register_enum_preference(module, "live_lookups", "Live lookups",
        "When to ask this host which process owns a socket. Auto does it only for frames "
        "captured within the live window of now: the processes that own a port today say "
        "nothing about an old capture.", &pref_live_mode, live_mode_values, FALSE);
    prefs_register_uint_preference(module, "live_window", "Live window (seconds)",
        "In auto mode, frames captured longer ago than this get no live lookup",
        10, &pref_live_window_s);
    prefs_register_enum_preference(module, "capture_host", "Captured on this host",
        "Live lookups ask this host, so they are made only for frames captured here. Auto: "
        "frames of a live capture on this host's interfaces or procmap-capture's; not a file "
        "or a pipe (not known: host-unknown), nor sshdump, udpdump, rpcap and other remote "
        "sources (other-host). This host: you know that every capture you open was made on "
        "this host (files and pipes too).", &pref_capture_host, capture_host_values, FALSE);
    prefs_register_uint_preference(module, "mapping_ttl", "Socket mapping lifetime (seconds)",
        "How long a socket seen by a table refresh keeps answering after it was last seen",
        10, &pref_mapping_ttl_s);
    prefs_register_uint_preference(module, "cache_ttl", "Process cache lifetime (seconds)",
        "How long a process's name, arguments and user are kept before they are read again",
        10, &pref_process_ttl_s);
    prefs_register_uint_preference(module, "min_refresh_interval",
        "Minimum refresh interval (milliseconds)",
        "A miss re-reads the socket table at most this often; bounds the cost of a storm of "
        "packets to closed ports", 10, &pref_min_refresh_ms);
    prefs_register_bool_preference(module, "keep_records_on_export",
        "Keep process records with exported packets",
        "A packet whose process a capture file's process record names marks that record as "
        "a frame it depends on, so that saving only the displayed packets (File > Export "
        "Specified Packets) keeps the records they need. On by default on Wireshark 4.0, "
        "where it costs 12 bytes a packet; from 4.2 on Wireshark keeps about 220 bytes for "
        "each such packet, so it is off there unless you turn it on (or run procmap "
        "add-records on the exported file).", &pref_keep_records_on_export);
    prefs_register_directory_preference(module, "proc_root", "Proc root",
        "Where the proc file system is: /proc normally, /host/proc in a container",
        &pref_proc_root);

    aliases = uat_new("Process aliases", sizeof(alias_record), "procmap_aliases", TRUE,
                      &alias_records, &n_alias_records, UAT_AFFECTS_DISSECTION,
                      NULL, alias_copy_cb, alias_update_cb, alias_free_cb,
                      aliases_updated, NULL, alias_fields);
    prefs_register_uat_preference(module, "aliases", "Process aliases",
        "Rename processes by command line: the first rule whose substring occurs in the "
        "arguments wins", aliases);
}
