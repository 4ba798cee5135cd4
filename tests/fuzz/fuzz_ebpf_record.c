/* fuzz_ebpf_record.c - the records of the eBPF ring buffer, as the
 * unprivileged capture process reads them: pm_ebpf_decode()
 * (plugin/extcap/ebpf_decode.c), then what process_info.c makes of them -
 * an exec record's path and NUL-separated arguments, and the process built
 * from a socket event once /proc no longer has it.
 *
 * Input: a byte choosing the record size (the exact size of a socket or
 * exec record, or the input's own), then the record's bytes (zero-padded),
 * repeated: several records against one process_info.
 *
 * A decoded record has a known kind, family and protocol; its strings end
 * within their fields; a process built from events has valid UTF-8 without
 * control characters in every string.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "ebpf_decode.h"
#include "process_info.h"

#define RECORDS_MAX 4

static gboolean
clean(const char *text)
{
    if (text == NULL)
        return TRUE;
    if (!g_utf8_validate(text, -1, NULL))
        return FALSE;
    for (const char *p = text; *p; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f)
            return FALSE;
    }
    return TRUE;
}

static void
check_process(const pm_process *process)
{
    FUZZ_CHECK(process->pid > 0);
    FUZZ_CHECK(clean(process->comm) && clean(process->exe) && clean(process->args) &&
               clean(process->name) && clean(process->user) && clean(process->cwd));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    /* No /proc to read: every process is built from its events.  One for
     * every input (its user names are read once); emptied after each. */
    static pm_process_info *info;

    if (info == NULL)
        info = pm_process_info_new("/nonexistent-proc-root", FALSE);

    for (int r = 0; r < RECORDS_MAX && in.left > 0; r++) {
        guint8 choice = fuzz_byte(&in);
        gsize want = choice % 3 == 0 ? sizeof(struct pm_ev_socket)
                     : choice % 3 == 1 ? sizeof(struct pm_ev_exec) : MIN(in.left, 1024u);
        gsize take = MIN(want, in.left);
        char *record = calloc(1, want ? want : 1);
        pm_ebpf_record decoded;

        memcpy(record, in.p, take);
        in.p += take;
        in.left -= take;
        if (pm_ebpf_decode(record, want, &decoded)) {
            pm_event_process event = {
                .pid = decoded.process.pid, .tid = decoded.process.tid,
                .ppid = decoded.process.ppid, .uid = decoded.process.uid,
                .start_time_ns = decoded.process.start_boot_ns, .comm = decoded.process.comm,
            };

            FUZZ_CHECK(strlen(decoded.process.comm) <= PM_EV_COMM_LEN);
            switch (decoded.kind) {
            case PM_EBPF_RECORD_SOCKET:
            case PM_EBPF_RECORD_CLOSE:
                FUZZ_CHECK(decoded.transport == PM_TRANSPORT_TCP ||
                           decoded.transport == PM_TRANSPORT_UDP);
                /* Families may differ: an unconnected dual-stack socket
                 * bound to ::ffff:a.b.c.d reads as IPv4 with a "::" peer. */
                FUZZ_CHECK(decoded.local.addr.family == PM_AF_INET ||
                           decoded.local.addr.family == PM_AF_INET6);
                FUZZ_CHECK(decoded.remote.addr.family == PM_AF_INET ||
                           decoded.remote.addr.family == PM_AF_INET6);
                FUZZ_CHECK(decoded.local.port != 0);
                if (decoded.kind == PM_EBPF_RECORD_SOCKET) {
                    pm_process *process;

                    FUZZ_CHECK(decoded.process.pid > 0);
                    process = pm_process_info_from_event(info, &event, 1000);
                    if (process != NULL) {
                        check_process(process);
                        pm_process_unref(process);
                    }
                }
                break;
            case PM_EBPF_RECORD_EXEC:
                FUZZ_CHECK(decoded.process.pid > 0);
                FUZZ_CHECK(strlen(decoded.filename) <= PM_EV_FILENAME_LEN);
                FUZZ_CHECK(decoded.args_len <= PM_EV_ARGS_LEN);
                FUZZ_CHECK(decoded.args >= record && decoded.args + decoded.args_len <= record + want);
                pm_process_info_exec(info, &event, decoded.filename, decoded.args,
                                     decoded.args_len, 1000);
                break;
            default:
                FUZZ_CHECK(!"an unknown kind was decoded");
            }
        }
        free(record);
    }
    pm_process_info_expire(info, G_MAXINT64 / 2);
    return 0;
}
