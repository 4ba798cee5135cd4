/* cmd_lookup.c - `procmap lookup`: which process owns one local endpoint,
 * answered by the same lookup the Wireshark plugin makes for a packet.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "cli.h"
#include "cli_format.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    pm_cli_common_options common;
    gboolean json;
} lookup_options;

typedef struct {
    pm_transport transport;
    pm_endpoint  local;
    pm_endpoint  remote;
    gboolean     has_remote;
} lookup_query;

static int
exit_code_of(const pm_endpoint_answer *answer)
{
    if (answer->reason == PM_REASON_FOUND && answer->process)
        return PM_EXIT_OK;
    if (answer->reason == PM_REASON_BACKEND_FAILED)
        return PM_EXIT_NO_TABLE;
    return PM_EXIT_NO_PROCESS;
}

static void
append_user(GString *out, gboolean has_uid, guint32 uid, const char *user)
{
    if (user) {
        pm_cli_append_printable(out, user, FALSE);
        g_string_append_printf(out, " (uid %u)", uid);
    } else if (has_uid) {
        g_string_append_printf(out, "uid %u", uid);
    } else {
        g_string_append_c(out, '-');
    }
}

static void
append_field(GString *out, const char *label, const char *value)
{
    g_string_append_printf(out, "  %-11s ", label);
    if (value)
        pm_cli_append_printable(out, value, FALSE);
    else
        g_string_append_c(out, '-');
    g_string_append_c(out, '\n');
}

/* What conntrack said, when it was asked. */
static void
append_nat(GString *out, const pm_endpoint_answer *answer)
{
    char local[PM_ENDPOINT_STRLEN], remote[PM_ENDPOINT_STRLEN];

    if (answer->nat == PM_NAT_NOT_ASKED)
        return;
    g_string_append_printf(out, "  %-11s %s\n", "conntrack:",
                           pm_nat_state_description(answer->nat));
    if (answer->nat != PM_NAT_TRANSLATED)
        return;
    g_string_append_printf(out, "  %-11s %s (peer %s)", "socket:",
                           pm_endpoint_to_string(&answer->socket_local, local, sizeof local),
                           pm_endpoint_to_string(&answer->socket_remote, remote, sizeof remote));
    if (answer->socket_match != PM_MATCH_NONE)
        g_string_append_printf(out, ", matched as %s", pm_match_name(answer->socket_match));
    g_string_append_c(out, '\n');
}

static void
print_text(const lookup_query *query, const pm_endpoint_answer *answer)
{
    GString *out = g_string_new(pm_transport_name(query->transport));
    char local[PM_ENDPOINT_STRLEN], remote[PM_ENDPOINT_STRLEN];
    const pm_process *process = answer->process;

    g_string_append_printf(out, " %s", pm_endpoint_to_string(&query->local, local, sizeof local));
    if (query->has_remote)
        g_string_append_printf(out, " (peer %s)",
                               pm_endpoint_to_string(&query->remote, remote, sizeof remote));
    g_string_append_c(out, '\n');

    if (answer->reason == PM_REASON_FOUND && process) {
        g_string_append_printf(out, "  %-11s ", "process:");
        pm_cli_append_printable(out, process->name ? process->name : "?", FALSE);
        g_string_append_printf(out, " (pid %d", process->pid);
        if (process->ppid >= 0)
            g_string_append_printf(out, ", ppid %d", process->ppid);
        g_string_append(out, ")\n");
        append_field(out, "exe:", process->exe);
        append_field(out, "args:", process->args);
        g_string_append_printf(out, "  %-11s ", "user:");
        append_user(out, process->has_uid, process->uid, process->user);
        g_string_append_c(out, '\n');
        g_string_append_printf(out, "  %-11s %s (%s)%s\n", "match:", pm_match_name(answer->match),
                               pm_match_description(answer->match),
                               answer->v6only_assumed ? " (assumed: v6only unknown)" : "");
        g_string_append_printf(out, "  %-11s %u%s\n", "owners:", answer->owner_count,
                               answer->owner_count > 1
                                   ? " (processes share the socket; the earliest started is shown)"
                                   : "");
    } else {
        g_string_append_printf(out, "  %-11s %s\n", "no process:",
                               pm_reason_description(answer->reason));
        if (answer->has_uid) {
            g_string_append_printf(out, "  %-11s ", "socket of:");
            append_user(out, TRUE, answer->uid, answer->user);
            g_string_append_c(out, '\n');
        }
        if (answer->match != PM_MATCH_NONE)
            g_string_append_printf(out, "  %-11s %s (%s)\n", "match:",
                                   pm_match_name(answer->match),
                                   pm_match_description(answer->match));
    }
    append_nat(out, answer);
    if (answer->inode)
        g_string_append_printf(out, "  %-11s %" G_GUINT64_FORMAT "\n", "inode:", answer->inode);
    fputs(out->str, stdout);
    g_string_free(out, TRUE);
}

static void
print_json(const lookup_query *query, const pm_endpoint_answer *answer)
{
    GString *out = g_string_new(NULL);
    pm_json json;

    pm_json_init(&json, out);
    pm_json_begin_object(&json);
    pm_json_key(&json, "transport");
    pm_json_string(&json, pm_transport_name(query->transport));
    pm_json_key(&json, "local");
    pm_json_endpoint(&json, &query->local);
    pm_json_key(&json, "remote");
    if (query->has_remote)
        pm_json_endpoint(&json, &query->remote);
    else
        pm_json_null(&json);
    pm_json_key(&json, "found");
    pm_json_bool(&json, exit_code_of(answer) == PM_EXIT_OK);
    pm_json_key(&json, "reason");
    pm_json_string(&json, pm_reason_name(answer->reason));
    pm_json_key(&json, "reason_description");
    pm_json_string(&json, pm_reason_description(answer->reason));
    pm_json_key(&json, "match");
    pm_json_string(&json, answer->match == PM_MATCH_NONE ? NULL : pm_match_name(answer->match));
    pm_json_key(&json, "v6only_assumed");
    pm_json_bool(&json, answer->v6only_assumed);
    pm_json_key(&json, "conntrack");
    pm_json_string(&json, pm_nat_state_name(answer->nat));
    pm_json_key(&json, "socket_local");
    if (answer->nat == PM_NAT_TRANSLATED)
        pm_json_endpoint(&json, &answer->socket_local);
    else
        pm_json_null(&json);
    pm_json_key(&json, "socket_remote");
    if (answer->nat == PM_NAT_TRANSLATED)
        pm_json_endpoint(&json, &answer->socket_remote);
    else
        pm_json_null(&json);
    pm_json_key(&json, "process");
    pm_json_process(&json, answer->process);
    pm_json_key(&json, "owner_count");
    pm_json_uint(&json, answer->owner_count);
    pm_json_key(&json, "uid");
    if (answer->has_uid)
        pm_json_uint(&json, answer->uid);
    else
        pm_json_null(&json);
    pm_json_key(&json, "user");
    pm_json_string(&json, answer->user);
    pm_json_key(&json, "inode");
    if (answer->inode)
        pm_json_uint(&json, answer->inode);
    else
        pm_json_null(&json);
    pm_json_end_object(&json);
    g_string_append_c(out, '\n');
    fputs(out->str, stdout);
    pm_json_clear(&json);
    g_string_free(out, TRUE);
}

#define ENDPOINT_FORMS "a.b.c.d:port or [v6]:port"

/* argv after the options: lookup TRANSPORT LOCAL [REMOTE]. */
static int
parse_query(int argc, char **argv, lookup_query *query)
{
    memset(query, 0, sizeof *query);
    if (argc < 2)
        return pm_cli_usage_error("lookup", "missing transport (tcp or udp) and local endpoint");
    if (!pm_transport_from_name(argv[1], &query->transport))
        return pm_cli_usage_error("lookup", "unknown transport '%s' (expected tcp or udp)",
                                  argv[1]);
    if (argc < 3)
        return pm_cli_usage_error("lookup", "missing local endpoint (" ENDPOINT_FORMS ")");
    if (!pm_endpoint_parse(argv[2], &query->local))
        return pm_cli_usage_error("lookup", "cannot parse local endpoint '%s' (expected "
                                  ENDPOINT_FORMS ")", argv[2]);
    if (argc >= 4) {
        if (!pm_endpoint_parse(argv[3], &query->remote))
            return pm_cli_usage_error("lookup", "cannot parse remote endpoint '%s' (expected "
                                      ENDPOINT_FORMS ")", argv[3]);
        query->has_remote = TRUE;
    }
    if (argc > 4)
        return pm_cli_usage_error("lookup", "unexpected argument '%s'", argv[4]);
    return PM_EXIT_OK;
}

int
pm_cli_lookup(int argc, char **argv)
{
    lookup_options options = { 0 };
    const GOptionEntry entries[] = {
        { "json", 'j', 0, G_OPTION_ARG_NONE, &options.json,
          "Print the answer as one JSON object", NULL },
        PM_CLI_OPTIONS_END
    };
    GOptionContext *context = g_option_context_new("tcp|udp LOCAL [REMOTE]");
    pm_endpoint_answer answer = { 0 };
    pm_cli_session session;
    lookup_query query;
    gint64 asked_at;
    int code = PM_EXIT_OK;

    g_option_context_set_summary(context,
        "Tell which process owns the local end LOCAL of a TCP or UDP flow, as\n"
        "the Wireshark plugin would for a packet seen now.  LOCAL and REMOTE are\n"
        "a.b.c.d:port or [v6]:port.  With REMOTE, a connected socket with both\n"
        "ends is preferred, then the socket conntrack names once NAT is undone\n"
        "(CAP_NET_ADMIN needed to ask it); else a socket bound to LOCAL, to the\n"
        "any-address on its port, or (IPv4) a dual-stack :: socket; last, when\n"
        "conntrack could not be asked, the only connected socket on LOCAL.");
    g_option_context_set_description(context, PM_CLI_EXIT_CODES_HELP);
    g_option_context_add_main_entries(context, entries, NULL);
    pm_cli_add_common_options(context, &options.common);
    if (!pm_cli_parse_options(context, "lookup", &argc, &argv, &code)) {
        g_option_context_free(context);
        return code;
    }
    g_option_context_free(context);
    code = parse_query(argc, argv, &query);
    if (code != PM_EXIT_OK) {
        g_free(options.common.proc_root);
        return code;
    }

    pm_cli_session_open(&session, &options.common);
    /* The question is asked before the tables are read, so a miss in them
     * is final (NO_SOCKET) instead of asking for another refresh. */
    asked_at = g_get_real_time();
    if (!pm_cli_session_refresh(&session)) {
        code = PM_EXIT_NO_TABLE;
    } else {
        pm_watcher_lookup_endpoint(session.watcher, query.transport, &query.local,
                                   query.has_remote ? &query.remote : NULL, asked_at, &answer);
        if (options.json)
            print_json(&query, &answer);
        else
            print_text(&query, &answer);
        code = exit_code_of(&answer);
        if (answer.reason == PM_REASON_NOT_LOCAL && pm_addr_is_any(&query.local.addr))
            /* ss prints listeners as 0.0.0.0:P or *:P; no packet has that. */
            pm_cli_error("hint: %s is the any-address, which no packet carries; "
                         "ask for an address of this host, e.g. %s:%u",
                         query.local.addr.family == PM_AF_INET6 ? "::" : "0.0.0.0",
                         query.local.addr.family == PM_AF_INET6 ? "[::1]" : "127.0.0.1",
                         query.local.port);
        if (code == PM_EXIT_NO_TABLE)
            pm_cli_error("cannot read the socket table: %s",
                         pm_reason_description(answer.reason));
        pm_endpoint_answer_clear(&answer);
    }
    pm_cli_session_close(&session);
    g_free(options.common.proc_root);
    return code;
}
