/* cli_format.h - text and JSON output for `procmap`.
 *
 * GLib has no JSON writer; this one is small: it escapes strings (output is
 * always valid UTF-8, control characters escaped) and places the commas.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_CLI_FORMAT_H
#define PROCMAP_CLI_FORMAT_H

#include <glib.h>

#include "watcher.h"

G_BEGIN_DECLS

/* ---- JSON ---- */

typedef struct {
    GString *out;
    GArray  *has_items;  /* gboolean per open container: a comma is due */
    gboolean after_key;  /* the next value follows "key": */
} pm_json;

void pm_json_init(pm_json *json, GString *out);
void pm_json_clear(pm_json *json);

/* Appends @text as a JSON string: invalid UTF-8 becomes U+FFFD, quotes,
 * backslashes and control characters are escaped. */
void pm_json_append_escaped(GString *out, const char *text);

void pm_json_begin_object(pm_json *json);
void pm_json_end_object(pm_json *json);
void pm_json_begin_array(pm_json *json);
void pm_json_end_array(pm_json *json);
void pm_json_key(pm_json *json, const char *key);
void pm_json_string(pm_json *json, const char *text);  /* NULL writes null */
void pm_json_int(pm_json *json, gint64 value);
void pm_json_uint(pm_json *json, guint64 value);
void pm_json_bool(pm_json *json, gboolean value);
void pm_json_null(pm_json *json);

/* {"address": "...", "port": N} */
void pm_json_endpoint(pm_json *json, const pm_endpoint *endpoint);
/* {pid, ppid, name, comm, exe, args, args_truncated, aliased, cwd,
 *  start_time, start_time_ns, uid, user}; NULL writes null. */
void pm_json_process(pm_json *json, const pm_process *process);

/* ---- text ---- */

/* ss's name of a socket state: LISTEN, ESTAB, TIME-WAIT, UNCONN... */
const char *pm_cli_state_name(guint8 state);

/* Appends @text for a terminal: valid UTF-8, control characters as \n, \t
 * or \xNN, and (when @quote) '"' and '\\' escaped. */
void pm_cli_append_printable(GString *out, const char *text, gboolean quote);
/* The same, newly allocated; "-" for NULL. */
char *pm_cli_printable(const char *text);

/* "2024-05-01T12:00:00.120Z", or NULL when @ns is 0 (unknown). */
char *pm_cli_format_start_time(guint64 ns);

/* The address as ss prints it: dotted quad, "[v6]", "*" for a dual-stack
 * "::" socket. */
char *pm_cli_address_text(const pm_addr *addr, pm_v6only v6only);
/* The port as ss prints it: "*" for 0. */
char *pm_cli_port_text(guint16 port);

G_END_DECLS

#endif /* PROCMAP_CLI_FORMAT_H */
