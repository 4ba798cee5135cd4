/* diag.c - count every problem, tell each cause once.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "diag.h"

#include <string.h>

static const char *const cause_names[PM_DIAG_CAUSE_COUNT] = {
    [PM_DIAG_PROC_ROOT_MISSING] = "proc-root-missing",
    [PM_DIAG_SOCKET_TABLE_UNREADABLE] = "socket-table-unreadable",
    [PM_DIAG_IPV6_TABLE_MISSING] = "ipv6-table-missing",
    [PM_DIAG_MALFORMED_SOCKET_LINE] = "malformed-socket-line",
    [PM_DIAG_FD_DIR_UNREADABLE] = "fd-dir-unreadable",
    [PM_DIAG_PROCESS_UNREADABLE] = "process-unreadable",
    [PM_DIAG_MALFORMED_PROCESS_FILE] = "malformed-process-file",
    [PM_DIAG_PROCESS_VANISHED] = "process-vanished",
    [PM_DIAG_LOCAL_ADDRESSES_UNREADABLE] = "local-addresses-unreadable",
    [PM_DIAG_MALFORMED_FD_LINK] = "malformed-fd-link",
    [PM_DIAG_NETLINK_ERROR] = "netlink-error",
    [PM_DIAG_CONNTRACK] = "conntrack",
};

const char *
pm_diag_cause_name(pm_diag_cause cause)
{
    if ((unsigned)cause >= PM_DIAG_CAUSE_COUNT)
        return "unknown";
    return cause_names[cause];
}

static void
default_sink(pm_diag_level level, pm_diag_cause cause, const char *message,
             gpointer user_data)
{
    (void)cause;
    (void)user_data;
    g_log("procmap", level == PM_DIAG_LEVEL_WARNING ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_INFO,
          "%s", message);
}

void
pm_diag_init(pm_diag *diag, pm_diag_sink sink, gpointer sink_data)
{
    memset(diag, 0, sizeof *diag);
    diag->sink = sink ? sink : default_sink;
    diag->sink_data = sink_data;
}

void
pm_diag_note(pm_diag *diag, pm_diag_cause cause, pm_diag_level level,
             const char *format, ...)
{
    va_list args;
    char *message;

    if (diag == NULL || (unsigned)cause >= PM_DIAG_CAUSE_COUNT)
        return;
    diag->counts[cause]++;
    if (diag->told[cause] || level == PM_DIAG_LEVEL_DEBUG)
        return;
    diag->told[cause] = TRUE;
    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    diag->sink(level, cause, message, diag->sink_data);
    g_free(message);
}
