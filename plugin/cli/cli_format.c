/* cli_format.c - text and JSON output for `procmap`.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "cli_format.h"

#include <string.h>

/* ---- JSON ---- */

void
pm_json_init(pm_json *json, GString *out)
{
    json->out = out;
    json->has_items = g_array_new(FALSE, FALSE, sizeof(gboolean));
    json->after_key = FALSE;
}

void
pm_json_clear(pm_json *json)
{
    g_array_unref(json->has_items);
    json->has_items = NULL;
}

void
pm_json_append_escaped(GString *out, const char *text)
{
    /* Process strings come from /proc and may hold anything: make them valid
     * UTF-8 first, then escape byte by byte (multi-byte sequences are >= 0x80
     * and pass through). */
    char *valid = g_utf8_make_valid(text, -1);

    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)valid; *p; p++) {
        switch (*p) {
        case '"':  g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\b': g_string_append(out, "\\b"); break;
        case '\f': g_string_append(out, "\\f"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
    g_free(valid);
}

/* Before any value or key: the comma that separates it from the previous
 * item of the same container. */
static void
json_separate(pm_json *json)
{
    gboolean *has_items;

    if (json->after_key) {
        json->after_key = FALSE;
        return;
    }
    if (json->has_items->len == 0)
        return;
    has_items = &g_array_index(json->has_items, gboolean, json->has_items->len - 1);
    if (*has_items)
        g_string_append(json->out, ", ");
    *has_items = TRUE;
}

static void
json_open(pm_json *json, char bracket)
{
    gboolean empty = FALSE;

    json_separate(json);
    g_string_append_c(json->out, bracket);
    g_array_append_val(json->has_items, empty);
}

static void
json_close(pm_json *json, char bracket)
{
    g_return_if_fail(json->has_items->len > 0);
    g_array_set_size(json->has_items, json->has_items->len - 1);
    g_string_append_c(json->out, bracket);
}

void pm_json_begin_object(pm_json *json) { json_open(json, '{'); }
void pm_json_end_object(pm_json *json) { json_close(json, '}'); }
void pm_json_begin_array(pm_json *json) { json_open(json, '['); }
void pm_json_end_array(pm_json *json) { json_close(json, ']'); }

void
pm_json_key(pm_json *json, const char *key)
{
    json_separate(json);
    pm_json_append_escaped(json->out, key);
    g_string_append(json->out, ": ");
    json->after_key = TRUE;
}

void
pm_json_string(pm_json *json, const char *text)
{
    json_separate(json);
    if (text)
        pm_json_append_escaped(json->out, text);
    else
        g_string_append(json->out, "null");
}

void
pm_json_int(pm_json *json, gint64 value)
{
    json_separate(json);
    g_string_append_printf(json->out, "%" G_GINT64_FORMAT, value);
}

void
pm_json_uint(pm_json *json, guint64 value)
{
    json_separate(json);
    g_string_append_printf(json->out, "%" G_GUINT64_FORMAT, value);
}

void
pm_json_bool(pm_json *json, gboolean value)
{
    json_separate(json);
    g_string_append(json->out, value ? "true" : "false");
}

void
pm_json_null(pm_json *json)
{
    json_separate(json);
    g_string_append(json->out, "null");
}

void
pm_json_endpoint(pm_json *json, const pm_endpoint *endpoint)
{
    char address[PM_ADDR_STRLEN];

    pm_json_begin_object(json);
    pm_json_key(json, "address");
    pm_json_string(json, pm_addr_to_string(&endpoint->addr, address, sizeof address));
    pm_json_key(json, "port");
    pm_json_uint(json, endpoint->port);
    pm_json_end_object(json);
}

void
pm_json_process(pm_json *json, const pm_process *process)
{
    char *start_time;

    if (process == NULL) {
        pm_json_null(json);
        return;
    }
    pm_json_begin_object(json);
    pm_json_key(json, "pid");
    pm_json_int(json, process->pid);
    pm_json_key(json, "ppid");
    if (process->ppid >= 0)
        pm_json_int(json, process->ppid);
    else
        pm_json_null(json);
    pm_json_key(json, "name");
    pm_json_string(json, process->name);
    pm_json_key(json, "comm");
    pm_json_string(json, process->comm);
    pm_json_key(json, "exe");
    pm_json_string(json, process->exe);
    pm_json_key(json, "args");
    pm_json_string(json, process->args);
    pm_json_key(json, "args_truncated");
    pm_json_bool(json, process->args_truncated);
    pm_json_key(json, "aliased");
    pm_json_bool(json, process->aliased);
    pm_json_key(json, "cwd");
    pm_json_string(json, process->cwd);
    start_time = pm_cli_format_start_time(process->start_time_ns);
    pm_json_key(json, "start_time");
    pm_json_string(json, start_time);
    g_free(start_time);
    pm_json_key(json, "start_time_ns");
    if (process->start_time_ns)
        pm_json_uint(json, process->start_time_ns);
    else
        pm_json_null(json);
    pm_json_key(json, "uid");
    if (process->has_uid)
        pm_json_uint(json, process->uid);
    else
        pm_json_null(json);
    pm_json_key(json, "user");
    pm_json_string(json, process->user);
    pm_json_end_object(json);
}

/* ---- text ---- */

const char *
pm_cli_state_name(guint8 state)
{
    /* ss's sstate_name[], indexed by the kernel's TCP state number; UDP
     * reuses them (7, TCP_CLOSE, is an unconnected socket). */
    static const char *const names[] = {
        [0] = "UNKNOWN",
        [1] = "ESTAB",
        [2] = "SYN-SENT",
        [3] = "SYN-RECV",
        [4] = "FIN-WAIT-1",
        [5] = "FIN-WAIT-2",
        [6] = "TIME-WAIT",
        [7] = "UNCONN",
        [8] = "CLOSE-WAIT",
        [9] = "LAST-ACK",
        [10] = "LISTEN",
        [11] = "CLOSING",
        [12] = "NEW-SYN-RECV",
    };

    if (state < G_N_ELEMENTS(names))
        return names[state];
    return "UNKNOWN";
}

void
pm_cli_append_printable(GString *out, const char *text, gboolean quote)
{
    char *valid = g_utf8_make_valid(text, -1);

    for (const unsigned char *p = (const unsigned char *)valid; *p; p++) {
        if (quote && (*p == '"' || *p == '\\')) {
            g_string_append_c(out, '\\');
            g_string_append_c(out, (char)*p);
        } else if (*p == '\n') {
            g_string_append(out, "\\n");
        } else if (*p == '\t') {
            g_string_append(out, "\\t");
        } else if (*p < 0x20 || *p == 0x7f) {
            g_string_append_printf(out, "\\x%02x", *p);
        } else {
            g_string_append_c(out, (char)*p);
        }
    }
    g_free(valid);
}

char *
pm_cli_printable(const char *text)
{
    GString *out;

    if (text == NULL)
        return g_strdup("-");
    out = g_string_new(NULL);
    pm_cli_append_printable(out, text, FALSE);
    return g_string_free(out, FALSE);
}

char *
pm_cli_format_start_time(guint64 ns)
{
    const guint64 ns_per_s = G_GUINT64_CONSTANT(1000000000);
    GDateTime *time;
    char *seconds, *text;

    if (ns == 0)
        return NULL;
    time = g_date_time_new_from_unix_utc((gint64)(ns / ns_per_s));
    if (time == NULL)
        return NULL;
    seconds = g_date_time_format(time, "%Y-%m-%dT%H:%M:%S");
    g_date_time_unref(time);
    if (seconds == NULL)
        return NULL;
    /* Milliseconds: /proc gives the start in clock ticks (10 ms). */
    text = g_strdup_printf("%s.%03uZ", seconds, (unsigned)((ns % ns_per_s) / 1000000));
    g_free(seconds);
    return text;
}

char *
pm_cli_address_text(const pm_addr *addr, pm_v6only v6only)
{
    char text[PM_ADDR_STRLEN];

    if (addr->family == PM_AF_INET6 && pm_addr_is_any(addr) && v6only == PM_V6ONLY_NO)
        return g_strdup("*");
    pm_addr_to_string(addr, text, sizeof text);
    if (addr->family == PM_AF_INET6)
        return g_strdup_printf("[%s]", text);
    return g_strdup(text);
}

char *
pm_cli_port_text(guint16 port)
{
    return port ? g_strdup_printf("%u", port) : g_strdup("*");
}
