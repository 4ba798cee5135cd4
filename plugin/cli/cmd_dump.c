/* cmd_dump.c - `procmap dump`: every socket of one refresh, like `ss -tuanp`.
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
    gboolean tcp;
    gboolean udp;
} dump_options;

/* The cells of one table line; the addresses are split at the colon so
 * that, as in ss, addresses align right and ports left. */
enum {
    COL_NETID, COL_STATE, COL_LOCAL_ADDR, COL_LOCAL_PORT, COL_PEER_ADDR,
    COL_PEER_PORT, COL_UID, COL_PROCESS, COL_COUNT
};

static const char *const header[COL_COUNT] = {
    "Netid", "State", "Local Address", "Port", "Peer Address", "Port", "UID", "Process"
};

static char *
uid_text(pm_cli_session *session, guint32 uid)
{
    const char *user = pm_watcher_user_name(session->watcher, uid);
    char *printable, *text;

    if (user == NULL)
        return g_strdup_printf("%u", uid);
    printable = pm_cli_printable(user);
    text = g_strdup_printf("%u(%s)", uid, printable);
    g_free(printable);
    return text;
}

/* users:(("name",pid=N),...) exe=PATH, chosen owner first. */
static char *
process_text(const GPtrArray *owners)
{
    GString *text = g_string_new(NULL);
    const pm_process *chosen;

    if (owners == NULL || owners->len == 0)
        return g_string_free(text, FALSE);
    g_string_append(text, "users:(");
    for (guint i = 0; i < owners->len; i++) {
        const pm_process *owner = g_ptr_array_index(owners, i);
        g_string_append(text, i ? ",(\"" : "(\"");
        pm_cli_append_printable(text, owner->name ? owner->name : "?", TRUE);
        g_string_append_printf(text, "\",pid=%d)", owner->pid);
    }
    g_string_append_c(text, ')');
    chosen = g_ptr_array_index(owners, 0);
    if (chosen->exe) {
        g_string_append(text, " exe=");
        pm_cli_append_printable(text, chosen->exe, FALSE);
    }
    return g_string_free(text, FALSE);
}

static gboolean
row_wanted(const pm_table_row *row, const dump_options *options)
{
    if (!options->tcp && !options->udp)
        return TRUE;
    return row->transport == PM_TRANSPORT_TCP ? options->tcp : options->udp;
}

static void
print_table(pm_cli_session *session, GPtrArray *rows, const dump_options *options)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    gsize width[COL_COUNT];
    GString *out = g_string_new(NULL);

    for (int c = 0; c < COL_COUNT; c++)
        width[c] = strlen(header[c]);
    for (guint i = 0; i < rows->len; i++) {
        const pm_table_row *row = g_ptr_array_index(rows, i);
        const pm_socket *socket = &row->socket;
        char **cells;

        if (!row_wanted(row, options))
            continue;
        cells = g_new0(char *, COL_COUNT + 1);
        cells[COL_NETID] = g_strdup(pm_transport_name(row->transport));
        cells[COL_STATE] = g_strdup(pm_cli_state_name(socket->state));
        cells[COL_LOCAL_ADDR] = pm_cli_address_text(&socket->local.addr, socket->v6only);
        cells[COL_LOCAL_PORT] = pm_cli_port_text(socket->local.port);
        cells[COL_PEER_ADDR] = pm_cli_address_text(&socket->remote.addr, socket->v6only);
        cells[COL_PEER_PORT] = pm_cli_port_text(socket->remote.port);
        cells[COL_UID] = uid_text(session, socket->uid);
        cells[COL_PROCESS] = process_text(row->owners);
        for (int c = 0; c < COL_COUNT; c++)
            width[c] = MAX(width[c], (gsize)g_utf8_strlen(cells[c], -1));
        g_ptr_array_add(lines, cells);
    }

    /* Header, then the lines: "%-*s" pads by bytes, so pad by characters. */
    for (guint i = 0; i <= lines->len; i++) {
        const char *const *cells = i == 0 ? header
                                          : (const char *const *)g_ptr_array_index(lines, i - 1);
        g_string_truncate(out, 0);
        for (int c = 0; c < COL_COUNT; c++) {
            gsize pad = width[c] - (gsize)g_utf8_strlen(cells[c], -1);
            gboolean right = c == COL_LOCAL_ADDR || c == COL_PEER_ADDR;

            if (c == COL_LOCAL_PORT || c == COL_PEER_PORT)
                g_string_append_c(out, ':');
            else if (c > 0)
                g_string_append_c(out, ' ');
            if (right)
                g_string_append_printf(out, "%*s", (int)pad, "");
            g_string_append(out, cells[c]);
            if (!right && c != COL_PROCESS)
                g_string_append_printf(out, "%*s", (int)pad, "");
        }
        while (out->len && out->str[out->len - 1] == ' ')
            g_string_truncate(out, out->len - 1);
        g_string_append_c(out, '\n');
        fputs(out->str, stdout);
    }
    g_string_free(out, TRUE);
    g_ptr_array_unref(lines);
}

static void
print_json(pm_cli_session *session, GPtrArray *rows, const dump_options *options)
{
    GString *out = g_string_new("[");
    gboolean first = TRUE;
    pm_json json;

    /* One socket per line: readable, and still one JSON document. */
    pm_json_init(&json, out);
    for (guint i = 0; i < rows->len; i++) {
        const pm_table_row *row = g_ptr_array_index(rows, i);
        const pm_socket *socket = &row->socket;
        guint n_owners = row->owners ? row->owners->len : 0;

        if (!row_wanted(row, options))
            continue;
        g_string_append(out, first ? "\n  " : ",\n  ");
        first = FALSE;
        pm_json_begin_object(&json);
        pm_json_key(&json, "transport");
        pm_json_string(&json, pm_transport_name(row->transport));
        pm_json_key(&json, "state");
        pm_json_string(&json, pm_cli_state_name(socket->state));
        pm_json_key(&json, "local");
        pm_json_endpoint(&json, &socket->local);
        pm_json_key(&json, "remote");
        pm_json_endpoint(&json, &socket->remote);
        pm_json_key(&json, "ipv6_table");
        pm_json_bool(&json, socket->from_v6_table);
        pm_json_key(&json, "uid");
        pm_json_uint(&json, socket->uid);
        pm_json_key(&json, "user");
        pm_json_string(&json, pm_watcher_user_name(session->watcher, socket->uid));
        pm_json_key(&json, "inode");
        pm_json_uint(&json, socket->inode);
        pm_json_key(&json, "owners");
        pm_json_begin_array(&json);
        for (guint o = 0; o < n_owners; o++)
            pm_json_process(&json, g_ptr_array_index(row->owners, o));
        pm_json_end_array(&json);
        pm_json_key(&json, "owner_count");
        pm_json_uint(&json, n_owners);
        pm_json_end_object(&json);
    }
    g_string_append(out, first ? "]\n" : "\n]\n");
    fputs(out->str, stdout);
    pm_json_clear(&json);
    g_string_free(out, TRUE);
}

int
pm_cli_dump(int argc, char **argv)
{
    dump_options options = { 0 };
    const GOptionEntry entries[] = {
        { "json", 'j', 0, G_OPTION_ARG_NONE, &options.json,
          "Print one JSON array of sockets instead of a table", NULL },
        { "tcp", 't', 0, G_OPTION_ARG_NONE, &options.tcp, "Show TCP sockets", NULL },
        { "udp", 'u', 0, G_OPTION_ARG_NONE, &options.udp, "Show UDP sockets", NULL },
        PM_CLI_OPTIONS_END
    };
    GOptionContext *context = g_option_context_new(NULL);
    pm_cli_session session;
    GPtrArray *rows;
    int code = PM_EXIT_OK;

    g_option_context_set_summary(context,
        "Read the socket tables once and list every TCP and UDP socket (both\n"
        "when neither --tcp nor --udp is given) with the processes holding it,\n"
        "the earliest started first, like `ss -tuanp`.");
    g_option_context_set_description(context,
        "JSON keys per socket: transport, state, local {address, port},\n"
        "remote {address, port}, ipv6_table, uid, user, inode, owners [{pid,\n"
        "ppid, name, comm, exe, args, args_truncated, aliased, cwd, start_time,\n"
        "start_time_ns, uid, user}], owner_count.  Unknown values are null.\n"
        "\n" PM_CLI_EXIT_CODES_HELP);
    g_option_context_add_main_entries(context, entries, NULL);
    pm_cli_add_common_options(context, &options.common);
    if (!pm_cli_parse_options(context, "dump", &argc, &argv, &code)) {
        g_option_context_free(context);
        return code;
    }
    g_option_context_free(context);
    if (argc > 1) {
        code = pm_cli_usage_error("dump", "unexpected argument '%s'", argv[1]);
        g_free(options.common.proc_root);
        return code;
    }

    pm_cli_session_open(&session, &options.common);
    if (!pm_cli_session_refresh(&session)) {
        code = PM_EXIT_NO_TABLE;
    } else {
        rows = pm_watcher_snapshot(session.watcher);
        if (options.json)
            print_json(&session, rows, &options);
        else
            print_table(&session, rows, &options);
        g_ptr_array_unref(rows);
    }
    pm_cli_session_close(&session);
    g_free(options.common.proc_root);
    return code;
}
