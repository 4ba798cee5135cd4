/* cli.h - what the `procmap` commands share: exit codes, error messages,
 * and a session (a procfs backend under a watcher) to ask questions of.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_CLI_H
#define PROCMAP_CLI_H

#include <glib.h>

#include "procfs.h"
#include "watcher.h"

G_BEGIN_DECLS

/* Exit codes, documented in `procmap --help`. */
#define PM_EXIT_OK      0   /* success; for lookup: attributed to a process */
#define PM_EXIT_NO_PROCESS 1   /* lookup answered, but without a process */
#define PM_EXIT_USAGE      2   /* bad command line */
#define PM_EXIT_NO_TABLE   3   /* the socket table could not be read */
#define PM_EXIT_FILE       4   /* add-records: a capture file could not be read or written */

#define PM_CLI_EXIT_CODES_HELP \
    "Exit status:\n" \
    "  0  success (lookup: the socket belongs to a process)\n" \
    "  1  lookup answered without a process (reason not-local, no-socket,\n" \
    "     no-permission, owner-gone or forwarded)\n" \
    "  2  usage error (unknown command or option, bad transport or endpoint)\n" \
    "  3  the socket table could not be read (e.g. a wrong --proc-root)\n"

/* The end of a GOptionEntry array (GLib's G_OPTION_ENTRY_NULL is 2.70, past
 * the GLib floor). */
#define PM_CLI_OPTIONS_END { NULL, 0, 0, 0, NULL, NULL, NULL }

/* "procmap: <message>" on stderr. */
void pm_cli_error(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* Prints "procmap: <message>" and a hint to `procmap [COMMAND] --help`;
 * returns PM_EXIT_USAGE.  @command may be NULL. */
int pm_cli_usage_error(const char *command, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* Parses @argv with @context (GLib's --help exits 0 there); a parse error is
 * a usage error.  Sets the usage line to "procmap COMMAND". */
gboolean pm_cli_parse_options(GOptionContext *context, const char *command,
                              int *argc, char ***argv, int *exit_code);

typedef enum {
    PM_CLI_BACKEND_AUTO = 0,  /* netlink for /proc, procfs for another root */
    PM_CLI_BACKEND_NETLINK,
    PM_CLI_BACKEND_PROCFS
} pm_cli_backend;

/* Shared by the commands: --proc-root, --backend and --verbose. */
typedef struct {
    char    *proc_root;
    gboolean verbose;
    pm_cli_backend backend;
} pm_cli_common_options;

/* Appends the --proc-root, --backend and --verbose entries to @context. */
void pm_cli_add_common_options(GOptionContext *context, pm_cli_common_options *options);

typedef struct {
    pm_watcher *watcher;
    pm_backend *backend;      /* borrowed: the watcher owns it */
    gboolean    verbose;
    GPtrArray  *held_messages; /* diag lines held back during a refresh */
} pm_cli_session;

void pm_cli_session_open(pm_cli_session *session, const pm_cli_common_options *options);
void pm_cli_session_close(pm_cli_session *session);

/* Reads the socket tables once.  On failure prints why and returns FALSE. */
gboolean pm_cli_session_refresh(pm_cli_session *session);


int pm_cli_dump(int argc, char **argv);
int pm_cli_lookup(int argc, char **argv);
int pm_cli_add_records(int argc, char **argv);

G_END_DECLS

#endif /* PROCMAP_CLI_H */
