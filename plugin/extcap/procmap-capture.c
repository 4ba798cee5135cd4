/* procmap-capture.c - a Wireshark extcap that records each packet's process.
 *
 * Installed in Wireshark's extcap directory, it shows one interface per
 * network interface ("procmap: lo (with processes)"), usable from the GUI's
 * interface list and as `tshark -i procmap-lo`.  It captures with libpcap
 * and attributes every TCP/UDP packet when it is captured - from socket
 * events (eBPF, else netlink polling), live lookups, and the sockets of
 * other network namespaces - then writes pcapng whose packet comments carry
 * both ends' processes (docs/capture-comments.md) for the procmap plugin,
 * live and in the saved file.
 *
 *   procmap-capture --extcap-interfaces
 *   procmap-capture --extcap-version[=4.0]
 *   procmap-capture --extcap-interface procmap-lo --extcap-dlts | --extcap-config
 *   procmap-capture --extcap-interface procmap-lo --extcap-capture-filter F   (check F)
 *   procmap-capture --capture --extcap-interface procmap-lo --fifo PATH
 *                   [--extcap-capture-filter F] [--source auto|ebpf|netlink]
 *                   [--snaplen N] [--poll-interval MS] [--no-namespaces]
 *                   [--comments none|ptcpdump|procmap|both]
 *                   [--ring-filesize KB] [--ring-packets N]
 *
 * It runs with file capabilities as its caller (a member of the group
 * wireshark): main() empties the effective set before anything else, every
 * path from the command line is opened with the caller's own rights, and
 * the capture itself is split between a monitor that keeps three
 * capabilities and parses nothing, and a capture process that holds none
 * once it reads packets (capture.h, monitor.h, docs/security.md).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib.h>

#include "capture.h"
#include "ebpf_source.h"
#include "extcap_error.h"
#include "monitor_policy.h"
#include "extcap_cli.h"
#include "privileges.h"

typedef struct {
    gboolean list_interfaces, list_dlts, config, capture, no_namespaces, no_containers;
    gboolean keep_privileges, version;
    char *interface, *fifo, *filter, *source, *stats_file, *comments;
    char *debug_file;
    gboolean debug;
    gint snaplen, poll_interval, packets, ring_filesize, ring_packets;
} arguments;

/* Wireshark reports anything an extcap writes to standard error as a
 * failed capture, so log messages (the watcher's "cannot read the open
 * files of ..." and the like) go to --debug-file, or with --debug to
 * standard error, or nowhere: they are counted either way. */
static FILE *log_stream;

static void
log_message(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
    if (log_stream == NULL)
        return;
    fprintf(log_stream, "%s: %s\n", domain ? domain : "procmap-capture", message);
    fflush(log_stream);
}

/* Wireshark's version, from --extcap-version[=VERSION] ("" without one):
 * extcap-base takes the value as optional, which GOption does only through
 * a callback. */
static char *extcap_version;

static gboolean
on_extcap_version(const gchar *option G_GNUC_UNUSED, const gchar *value,
                  gpointer data G_GNUC_UNUSED, GError **error G_GNUC_UNUSED)
{
    g_free(extcap_version);
    extcap_version = g_strdup(value ? value : "");
    return TRUE;
}

/* Call it with the text already made: arguments are evaluated in no set
 * order, so "print_or_fail(make(&error), error, ...)" could pass a stale
 * error. */
static void
print_or_fail(char *text, GError *error, int *status)
{
    if (text == NULL) {
        g_printerr("procmap-capture: %s\n", error->message);
        /* Bad input (an interface that is not one) is a usage error. */
        *status = g_error_matches(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_INVALID) ? 2 : 1;
        g_error_free(error);
        return;
    }
    fputs(text, stdout);
    g_free(text);
}

/* Which source a capture would use now: eBPF when the kernel lets this
 * process use it, else netlink polling (why, in the sentence). */
static char *
active_source(const char **in_short)
{
    GError *error = NULL;
    gboolean ok;
    char *text;

    (void)pm_privileges_raise(PM_PRIV_EBPF);
    ok = pm_ebpf_probe(&error);
    pm_privileges_lower();
    if (ok) {
        *in_short = "eBPF";
        text = g_strdup("eBPF (BTF tracepoints inet_sock_set_state, sock_send_length, "
                        "sock_recv_length, net_dev_queue, sched_process_exec)");
    } else {
        *in_short = "netlink polling";
        text = g_strdup_printf("netlink polling - %s", error->message);
        g_error_free(error);
    }
    return text;
}

/* What the request main() will serve may use (in the order it picks one). */
static guint
privileges_for(const arguments *args)
{
    if (args->version || args->list_interfaces)
        return 0;
    if (args->list_dlts)
        return PM_PRIV_CAPTURE;
    if (args->config)
        return PM_PRIV_EBPF;
    return args->capture ? PM_PRIV_ALL : 0;
}

int
main(int argc, char **argv)
{
    arguments args = { .snaplen = PM_CAPTURE_DEFAULT_SNAPLEN, .poll_interval = 20 };
    GOptionEntry entries[] = {
        { "extcap-interfaces", 0, 0, G_OPTION_ARG_NONE, &args.list_interfaces,
          "List the interfaces", NULL },
        { "extcap-version", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, on_extcap_version,
          "Wireshark's version; alone: print the extcap version line", "VERSION" },
        { "extcap-interface", 0, 0, G_OPTION_ARG_STRING, &args.interface,
          "The interface (procmap-<interface>)", "NAME" },
        { "extcap-dlts", 0, 0, G_OPTION_ARG_NONE, &args.list_dlts, "List its link type", NULL },
        { "extcap-config", 0, 0, G_OPTION_ARG_NONE, &args.config, "List its options", NULL },
        { "capture", 0, 0, G_OPTION_ARG_NONE, &args.capture, "Capture", NULL },
        { "fifo", 0, 0, G_OPTION_ARG_FILENAME, &args.fifo,
          "Where the pcapng goes (a FIFO, a file, - for standard output)", "PATH" },
        { "extcap-capture-filter", 0, 0, G_OPTION_ARG_STRING, &args.filter,
          "A capture filter", "FILTER" },
        { "source", 0, 0, G_OPTION_ARG_STRING, &args.source,
          "Socket events: auto (default), ebpf, netlink", "SOURCE" },
        { "comments", 0, 0, G_OPTION_ARG_STRING, &args.comments,
          "Packet comments besides the process records: none (default), ptcpdump, procmap, "
          "both", "WHICH" },
        { "ring-filesize", 0, 0, G_OPTION_ARG_INT, &args.ring_filesize,
          "The reader's ring buffer starts a file every KB kilobytes (as -b filesize:KB): "
          "each file gets the process records it needs", "KB" },
        { "ring-packets", 0, 0, G_OPTION_ARG_INT, &args.ring_packets,
          "The same for -b packets:N", "N" },
        { "snaplen", 0, 0, G_OPTION_ARG_INT, &args.snaplen, "Bytes kept per packet", "N" },
        { "poll-interval", 0, 0, G_OPTION_ARG_INT, &args.poll_interval,
          "Milliseconds between polls of the netlink source (default 20)", "MS" },
        { "no-namespaces", 0, 0, G_OPTION_ARG_NONE, &args.no_namespaces,
          "Only this network namespace", NULL },
        { "no-containers", 0, 0, G_OPTION_ARG_NONE, &args.no_containers,
          "Do not read container ids from cgroups", NULL },
        { "packets", 0, 0, G_OPTION_ARG_INT, &args.packets, "Stop after N packets", "N" },
        { "stats-file", 0, 0, G_OPTION_ARG_FILENAME, &args.stats_file,
          "Write counters there at the end", "PATH" },
        /* Gone: refused rather than ignored, so nobody believes it works. */
        { "keep-privileges", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &args.keep_privileges,
          NULL, NULL },
        { "debug", 0, 0, G_OPTION_ARG_NONE, &args.debug,
          "Log messages to standard error", NULL },
        { "debug-file", 0, 0, G_OPTION_ARG_FILENAME, &args.debug_file,
          "Log messages to this file", "PATH" },
        { "version", 0, 0, G_OPTION_ARG_NONE, &args.version, "Print the version", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    GOptionContext *context;
    GError *error = NULL;
    int status = 0;

    /* Before anything else: no capability effective until a call needs it. */
    (void)pm_privileges_init();
    /* Uids that differ would open files as someone else than the caller. */
    if (getuid() != geteuid() || getgid() != getegid()) {
        g_printerr("procmap-capture: refusing to run set-user-ID or set-group-ID; give it "
                   "file capabilities instead (see its manual page)\n");
        return 2;
    }
    context = g_option_context_new("- a Wireshark extcap: capture with the process of each packet");
    g_option_context_add_main_entries(context, entries, NULL);
    /* Wireshark may pass options of newer protocol versions. */
    g_option_context_set_ignore_unknown_options(context, TRUE);
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        g_printerr("procmap-capture: %s\n", error->message);
        g_error_free(error);
        g_option_context_free(context);
        status = 2;
        goto out;
    }
    g_option_context_free(context);
    if (args.keep_privileges) {
        g_printerr("procmap-capture: --keep-privileges is gone: the capture process never "
                   "keeps a capability (docs/security.md)\n");
        status = 2;
        goto out;
    }

    /* With the caller's own rights: the effective set is empty. */
    if (args.debug_file != NULL) {
        log_stream = fopen(args.debug_file, "ae");
        if (log_stream == NULL) {
            g_printerr("procmap-capture: cannot open %s: %s\n", args.debug_file,
                       g_strerror(errno));
            status = 1;
            goto out;
        }
    } else if (args.debug)
        log_stream = stderr;
    /* Each request keeps only the capabilities it may use; a capture splits
     * them between its monitor and itself (capture.h). */
    (void)pm_privileges_limit(privileges_for(&args), NULL);
    g_log_set_default_handler(log_message, NULL);
    g_log_set_handler("procmap", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                      log_message, NULL);

    if (args.version) {
        printf("procmap-capture %s\nconfiguration file: %s\n", PROCMAP_VERSION,
               PM_CAPTURE_CONFIG_FILE);
    } else if (args.list_interfaces) {
        char *text = pm_extcap_interfaces(&error);

        print_or_fail(text, error, &status);
    } else if (extcap_version != NULL && !args.list_dlts && !args.config && !args.capture &&
               args.filter == NULL) {
        /* Asked alone (as extcap-base answers it). */
        print_or_fail(pm_extcap_version_line(), NULL, &status);
    } else if (args.list_dlts) {
        char *text = pm_extcap_dlts(args.interface, &error);

        print_or_fail(text, error, &status);
    } else if (args.config) {
        const char *in_short = NULL;
        char *active, *text;

        if (pm_extcap_checked_device(args.interface, &error) == NULL) {
            print_or_fail(NULL, error, &status);
        } else {
            active = active_source(&in_short);
            text = pm_extcap_config(args.interface, in_short, active, &error);
            print_or_fail(text, error, &status);
            g_free(active);
        }
    } else if (args.capture) {
        pm_capture_options options;
        const char *device = pm_extcap_device_of(args.interface);

        pm_capture_options_init(&options);
        if (device != NULL && !pm_extcap_network_interface(device, &error)) {
            /* Before anything privileged is opened. */
            print_or_fail(NULL, error, &status);
        } else if (device == NULL || args.fifo == NULL || args.snaplen < 0 || args.poll_interval < 1 ||
            args.packets < 0 || args.ring_filesize < 0 || args.ring_packets < 0 ||
            (args.source && !pm_source_choice_parse(args.source, &options.attribution.source)) ||
            (args.comments && !pm_capture_comments_parse(args.comments, &options.comments))) {
            g_printerr("procmap-capture: --capture needs --extcap-interface procmap-<interface> "
                       "and --fifo PATH; --source is auto, ebpf or netlink; --comments is none, "
                       "ptcpdump, procmap or both\n");
            status = 2;
        } else {
            options.interface = device;
            options.output = args.fifo;
            options.filter = args.filter;
            options.snaplen = args.snaplen > 0 ? (guint)args.snaplen : PM_CAPTURE_DEFAULT_SNAPLEN;
            options.packet_limit = (guint)args.packets;
            options.stats_file = args.stats_file;
            options.ring_filesize_kb = (guint)args.ring_filesize;
            options.ring_packets = (guint)args.ring_packets;
            options.attribution.namespaces = !args.no_namespaces;
            options.attribution.containers = !args.no_containers;
            options.attribution.poll_interval_ms = (guint)args.poll_interval;
            status = pm_capture_run(&options);
        }
    } else if (args.filter != NULL && args.interface != NULL) {
        /* Wireshark checking a capture filter: a verdict on standard
         * output and exit 0 either way.  No capability is left (the
         * effective and permitted sets were emptied above). */
        char *verdict = pm_extcap_check_filter(args.interface, args.filter, &error);

        print_or_fail(verdict, error, &status);
    } else {
        g_printerr("procmap-capture: a Wireshark extcap; see --help "
                   "(--extcap-interfaces, --capture ...)\n");
        status = 2;
    }
out:
    g_free(extcap_version);
    g_free(args.interface);
    g_free(args.fifo);
    g_free(args.filter);
    g_free(args.source);
    g_free(args.comments);
    g_free(args.stats_file);
    g_free(args.debug_file);
    if (log_stream != NULL && log_stream != stderr)
        fclose(log_stream);
    return status;
}
