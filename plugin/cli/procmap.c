/* procmap.c - the `procmap` tool: which process owns a local socket.
 *
 * `procmap dump` lists every TCP/UDP socket with its processes, like
 * `ss -tuanp`; `procmap lookup` answers for one endpoint exactly as the
 * Wireshark plugin would.  Both read /proc through the same watcher.
 * `procmap add-records` works on capture files (cmd_add_records.c).
 *
 * This file: the command dispatch, error messages and the session the
 * commands share.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "cli.h"
#include "netlink.h"
#include "procfs.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#ifndef PROCMAP_VERSION
#define PROCMAP_VERSION "unknown"
#endif

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} pm_cli_command;

static const pm_cli_command commands[] = {
    { "dump", "list every TCP/UDP socket with its processes, like `ss -tuanp`",
      pm_cli_dump },
    { "lookup", "tell which process owns one local TCP/UDP endpoint",
      pm_cli_lookup },
    { "add-records", "give a piece cut from a capture the process records it refers to",
      pm_cli_add_records },
};

static gboolean log_verbose;

void
pm_cli_error(const char *format, ...)
{
    va_list args;
    char *message;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    fprintf(stderr, "procmap: %s\n", message);
    g_free(message);
}

int
pm_cli_usage_error(const char *command, const char *format, ...)
{
    va_list args;
    char *message;

    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    fprintf(stderr, "procmap: %s\nTry 'procmap%s%s --help' for more information.\n",
            message, command ? " " : "", command ? command : "");
    g_free(message);
    return PM_EXIT_USAGE;
}

/* Every GLib message, ours or the library's, reads like the tool's own:
 * one "procmap: " line, no GLib-WARNING banner; debug and info only with
 * --verbose. */
static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
           gpointer user_data)
{
    const char *message = NULL;
    const char *kind = NULL;

    for (gsize i = 0; i < n_fields; i++) {
        if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
            message = fields[i].value;
    }
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        kind = "internal error: ";
    else if (level & G_LOG_LEVEL_WARNING)
        kind = "warning: ";
    else if (log_verbose)
        kind = "";
    if (kind && message)
        fprintf(stderr, "procmap: %s%s\n", kind, message);
    return G_LOG_WRITER_HANDLED;
}

static void
diag_sink(pm_diag_level level, pm_diag_cause cause, const char *message,
          gpointer user_data)
{
    pm_cli_session *session = user_data;
    char *line;

    /* pm_diag already tells each cause once. */
    if (level == PM_DIAG_LEVEL_WARNING)
        line = g_strdup_printf("procmap: warning: %s\n", message);
    else if (session->verbose)
        line = g_strdup_printf("procmap: %s (%s)\n", message, pm_diag_cause_name(cause));
    else
        return;
    if (session->held_messages) {
        g_ptr_array_add(session->held_messages, line);
    } else {
        fputs(line, stderr);
        g_free(line);
    }
}

gboolean
pm_cli_parse_options(GOptionContext *context, const char *command,
                     int *argc, char ***argv, int *exit_code)
{
    GError *error = NULL;
    char *usage_name = g_strdup_printf("procmap %s", command);

    /* GOption prints "Usage: <prgname> [OPTION...] <parameters>". */
    g_set_prgname(usage_name);
    g_free(usage_name);
    if (!g_option_context_parse(context, argc, argv, &error)) {
        *exit_code = pm_cli_usage_error(command, "%s", error->message);
        g_error_free(error);
        return FALSE;
    }
    return TRUE;
}

/* The options --backend fills (GOptionArgFunc has no data of its own in the
 * main group). */
static pm_cli_common_options *backend_options;

static gboolean
parse_backend(const char *option_name, const char *value, gpointer data, GError **error)
{
    pm_cli_common_options *options = backend_options;
    (void)data;

    if (g_strcmp0(value, "auto") == 0)
        options->backend = PM_CLI_BACKEND_AUTO;
    else if (g_strcmp0(value, "netlink") == 0)
        options->backend = PM_CLI_BACKEND_NETLINK;
    else if (g_strcmp0(value, "procfs") == 0)
        options->backend = PM_CLI_BACKEND_PROCFS;
    else {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s must be auto, netlink or procfs, not \"%s\"", option_name, value);
        return FALSE;
    }
    return TRUE;
}

void
pm_cli_add_common_options(GOptionContext *context, pm_cli_common_options *options)
{
    const GOptionEntry entries[] = {
        { "proc-root", 'r', 0, G_OPTION_ARG_FILENAME, &options->proc_root,
          "Read DIR instead of /proc (e.g. /host/proc)", "DIR" },
        { "backend", 'b', 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_backend,
          "Where sockets are listed from: auto (netlink for /proc, else files), netlink, "
          "procfs (/proc/net files)", "NAME" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose,
          "Also tell minor problems met and statistics", NULL },
        PM_CLI_OPTIONS_END
    };

    backend_options = options;
    g_option_context_add_main_entries(context, entries, NULL);
}

void
pm_cli_session_open(pm_cli_session *session, const pm_cli_common_options *options)
{
    pm_watcher_config config;

    memset(session, 0, sizeof *session);
    session->verbose = options->verbose;
    log_verbose = options->verbose;
    switch (options->backend) {
    case PM_CLI_BACKEND_NETLINK:
        session->backend = pm_netlink_backend_new(options->proc_root);
        break;
    case PM_CLI_BACKEND_PROCFS:
        session->backend = pm_procfs_backend_new(options->proc_root);
        break;
    case PM_CLI_BACKEND_AUTO:
        session->backend = pm_backend_new_default(options->proc_root);
        break;
    }
    pm_watcher_config_init(&config);
    session->watcher = pm_watcher_new(session->backend, &config, NULL, NULL);
    pm_watcher_set_diag_sink(session->watcher, diag_sink, session);
}

static void
print_stats(pm_cli_session *session)
{
    pm_watcher_stats stats;
    pm_diag *diag = pm_watcher_diag(session->watcher);

    pm_watcher_get_stats(session->watcher, &stats);
    fprintf(stderr,
            "procmap: %" G_GUINT64_FORMAT " refresh(es), %" G_GUINT64_FORMAT
            " process read(s), %u process record(s), %u tcp / %u udp endpoint(s)\n",
            stats.refreshes, stats.process_reads, stats.process_records,
            stats.endpoint_entries[PM_TRANSPORT_TCP], stats.endpoint_entries[PM_TRANSPORT_UDP]);
    for (int cause = 0; diag && cause < PM_DIAG_CAUSE_COUNT; cause++) {
        if (diag->counts[cause])
            fprintf(stderr, "procmap: %s: %" G_GUINT64_FORMAT " time(s)\n",
                    pm_diag_cause_name((pm_diag_cause)cause), diag->counts[cause]);
    }
}

void
pm_cli_session_close(pm_cli_session *session)
{
    if (session->watcher && session->verbose)
        print_stats(session);
    if (session->watcher)
        pm_watcher_free(session->watcher);
    memset(session, 0, sizeof *session);
}

gboolean
pm_cli_session_refresh(pm_cli_session *session)
{
    GError *error = NULL;
    gboolean ok;

    /* When the table cannot be read, the error says it all: the warnings
     * that led to it would only repeat it (except with --verbose). */
    session->held_messages = g_ptr_array_new_with_free_func(g_free);
    ok = pm_watcher_refresh(session->watcher, &error);
    for (guint i = 0; i < session->held_messages->len; i++) {
        if (ok || session->verbose)
            fputs(g_ptr_array_index(session->held_messages, i), stderr);
    }
    g_clear_pointer(&session->held_messages, g_ptr_array_unref);
    if (!ok) {
        pm_cli_error("cannot read the socket table: %s",
                     error ? error->message : "unknown error");
        g_clear_error(&error);
    }
    return ok;
}


/* ---- the top level ---- */

static GOptionContext *
top_level_context(gboolean *show_version)
{
    const GOptionEntry entries[] = {
        { "version", 'V', 0, G_OPTION_ARG_NONE, show_version,
          "Print the version and exit", NULL },
        PM_CLI_OPTIONS_END
    };
    GOptionContext *context = g_option_context_new("COMMAND [ARGUMENTS...]");
    GString *description = g_string_new("Commands:\n");

    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        g_string_append_printf(description, "  %-12s %s\n", commands[i].name, commands[i].summary);
    g_string_append(description,
        "\n"
        "Examples:\n"
        "  procmap dump --tcp\n"
        "  procmap dump --json > sockets.json\n"
        "  procmap lookup tcp 127.0.0.1:8080\n"
        "  procmap lookup udp [::1]:53 [::1]:41000\n"
        "  procmap add-records capture.pcapng part.pcapng part-with-processes.pcapng\n"
        "\n"
        "Run 'procmap COMMAND --help' for the options of a command.\n"
        "\n" PM_CLI_EXIT_CODES_HELP);
    g_option_context_set_summary(context,
        "Tell which local process owns a TCP or UDP socket, as the procmap\n"
        "Wireshark plugin does for each packet.");
    g_option_context_set_description(context, description->str);
    g_string_free(description, TRUE);
    g_option_context_add_main_entries(context, entries, NULL);
    return context;
}

int
main(int argc, char **argv)
{
    gboolean show_version = FALSE;
    GOptionContext *context;
    GError *error = NULL;
    int command_index = 1;
    char **top_argv;
    int code = -1;

    setlocale(LC_ALL, "");
    g_log_set_writer_func(log_writer, NULL, NULL);

    /* Options before the command are the tool's own (--help, --version). */
    while (command_index < argc && argv[command_index][0] == '-')
        command_index++;

    /* Parse a copy: GOption rewrites the vector it is given. */
    top_argv = g_new0(char *, (gsize)command_index + 1);
    for (int i = 0; i < command_index; i++)
        top_argv[i] = g_strdup(argv[i]);
    g_set_prgname("procmap");
    context = top_level_context(&show_version);
    if (!g_option_context_parse_strv(context, &top_argv, &error)) {
        code = pm_cli_usage_error(NULL, "%s", error->message);
        g_error_free(error);
    } else if (show_version) {
        printf("procmap %s\n", PROCMAP_VERSION);
        code = PM_EXIT_OK;
    } else if (g_strv_length(top_argv) > 1) {
        code = pm_cli_usage_error(NULL, "unexpected argument '%s' before the command",
                                  top_argv[1]);
    }
    g_option_context_free(context);
    g_strfreev(top_argv);
    if (code >= 0)
        return code;

    if (command_index >= argc)
        return pm_cli_usage_error(NULL, "missing command (dump or lookup)");
    if (strcmp(argv[command_index], "help") == 0) {
        context = top_level_context(&show_version);
        char *help = g_option_context_get_help(context, TRUE, NULL);
        fputs(help, stdout);
        g_free(help);
        g_option_context_free(context);
        return PM_EXIT_OK;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(argv[command_index], commands[i].name) == 0)
            return commands[i].run(argc - command_index, argv + command_index);
    }
    return pm_cli_usage_error(NULL, "unknown command '%s' (expected dump or lookup)",
                              argv[command_index]);
}
