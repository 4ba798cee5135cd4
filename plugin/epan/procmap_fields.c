/* procmap_fields.c - the procmap fields: one literal hf_register_info
 * array, the value_strings of the three vocabularies, and the tables the
 * tree code reaches each side's fields by.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"
#include "procmap_synonym.h"

static int hf_procmap_src_pid = -1;
static int hf_procmap_src_ppid = -1;
static int hf_procmap_src_name = -1;
static int hf_procmap_src_comm = -1;
static int hf_procmap_src_exe = -1;
static int hf_procmap_src_args = -1;
static int hf_procmap_src_cwd = -1;
static int hf_procmap_src_start_time = -1;
static int hf_procmap_src_uid = -1;
static int hf_procmap_src_user = -1;
static int hf_procmap_src_source = -1;
static int hf_procmap_src_reason = -1;
static int hf_procmap_src_match = -1;
static int hf_procmap_src_owners = -1;
static int hf_procmap_src_endpoint = -1;
static int hf_procmap_src_tid = -1;
static int hf_procmap_src_thread_name = -1;
static int hf_procmap_src_parent_exe = -1;
static int hf_procmap_src_parent_args = -1;
static int hf_procmap_src_container_id = -1;
static int hf_procmap_src_container_name = -1;
static int hf_procmap_src_container_image = -1;
static int hf_procmap_src_pod_name = -1;
static int hf_procmap_src_pod_namespace = -1;
static int hf_procmap_src_epid = -1;
static int hf_procmap_src_ename = -1;
static int hf_procmap_src_package = -1;

static int hf_procmap_dst_pid = -1;
static int hf_procmap_dst_ppid = -1;
static int hf_procmap_dst_name = -1;
static int hf_procmap_dst_comm = -1;
static int hf_procmap_dst_exe = -1;
static int hf_procmap_dst_args = -1;
static int hf_procmap_dst_cwd = -1;
static int hf_procmap_dst_start_time = -1;
static int hf_procmap_dst_uid = -1;
static int hf_procmap_dst_user = -1;
static int hf_procmap_dst_source = -1;
static int hf_procmap_dst_reason = -1;
static int hf_procmap_dst_match = -1;
static int hf_procmap_dst_owners = -1;
static int hf_procmap_dst_endpoint = -1;
static int hf_procmap_dst_tid = -1;
static int hf_procmap_dst_thread_name = -1;
static int hf_procmap_dst_parent_exe = -1;
static int hf_procmap_dst_parent_args = -1;
static int hf_procmap_dst_container_id = -1;
static int hf_procmap_dst_container_name = -1;
static int hf_procmap_dst_container_image = -1;
static int hf_procmap_dst_pod_name = -1;
static int hf_procmap_dst_pod_namespace = -1;
static int hf_procmap_dst_epid = -1;
static int hf_procmap_dst_ename = -1;
static int hf_procmap_dst_package = -1;

/* Either end: hidden copies of both sides' fields (procmap.name == "curl"
 * matches either end), visible under "Process (side unknown)". */
static int hf_procmap_pid = -1;
static int hf_procmap_ppid = -1;
static int hf_procmap_name = -1;
static int hf_procmap_comm = -1;
static int hf_procmap_exe = -1;
static int hf_procmap_args = -1;
static int hf_procmap_uid = -1;
static int hf_procmap_user = -1;
static int hf_procmap_source = -1;
static int hf_procmap_tid = -1;
static int hf_procmap_thread_name = -1;
static int hf_procmap_parent_exe = -1;
static int hf_procmap_parent_args = -1;
static int hf_procmap_container_id = -1;
static int hf_procmap_container_name = -1;
static int hf_procmap_container_image = -1;
static int hf_procmap_pod_name = -1;
static int hf_procmap_pod_namespace = -1;
static int hf_procmap_epid = -1;
static int hf_procmap_ename = -1;
static int hf_procmap_package = -1;

int hf_procmap_icmp_quoted = -1;
int hf_procmap_side_unknown = -1;
header_field_info *hf_procmap_icmp_quoted_twin;
header_field_info *hf_procmap_side_unknown_twin;

gint ett_procmap = -1;
gint ett_procmap_side = -1;

/* The words of each vocabulary, built at registration from its one table
 * (the watcher's for reason and match, the frame engine's for source). */
value_string procmap_source_vals[PM_SOURCE_COUNT + 1];
value_string procmap_reason_vals[PM_REASON_COUNT + 1];
value_string procmap_match_vals[PM_MATCH_COUNT + 1];

#define SRC_FIELD(member) .member = { .id = &hf_procmap_src_##member },
#define DST_FIELD(member) .member = { .id = &hf_procmap_dst_##member },
procmap_side_fields procmap_src_fields = { PROCMAP_SIDE_FIELD_NAMES(SRC_FIELD) };
procmap_side_fields procmap_dst_fields = { PROCMAP_SIDE_FIELD_NAMES(DST_FIELD) };
#undef SRC_FIELD
#undef DST_FIELD

procmap_side_fields procmap_either_fields = {
    .pid = { .id = &hf_procmap_pid }, .ppid = { .id = &hf_procmap_ppid },
    .name = { .id = &hf_procmap_name }, .comm = { .id = &hf_procmap_comm },
    .exe = { .id = &hf_procmap_exe }, .args = { .id = &hf_procmap_args },
    .uid = { .id = &hf_procmap_uid }, .user = { .id = &hf_procmap_user },
    .source = { .id = &hf_procmap_source }, .tid = { .id = &hf_procmap_tid },
    .thread_name = { .id = &hf_procmap_thread_name },
    .parent_exe = { .id = &hf_procmap_parent_exe },
    .parent_args = { .id = &hf_procmap_parent_args },
    .container_id = { .id = &hf_procmap_container_id },
    .container_name = { .id = &hf_procmap_container_name },
    .container_image = { .id = &hf_procmap_container_image },
    .pod_name = { .id = &hf_procmap_pod_name },
    .pod_namespace = { .id = &hf_procmap_pod_namespace },
    .epid = { .id = &hf_procmap_epid }, .ename = { .id = &hf_procmap_ename },
    .package = { .id = &hf_procmap_package },
};

/* "word (description)" of each source and reason: the labels of the
 * source and reason items, made once instead of per item. */
#define LABEL_LENGTH 192
static char source_labels[PM_SOURCE_COUNT][LABEL_LENGTH];
static char reason_labels[PM_REASON_COUNT][LABEL_LENGTH];
const char *procmap_source_labels[PM_SOURCE_COUNT];
const char *procmap_reason_labels[PM_REASON_COUNT];

/* ---- registration ------------------------------------------------------- */

static void
build_vals(void)
{
    for (guint i = 0; i < PM_SOURCE_COUNT; i++)
        procmap_source_vals[i] = (value_string){ i, pm_source_name((pm_source)i) };
    for (guint i = 0; i < PM_REASON_COUNT; i++)
        procmap_reason_vals[i] = (value_string){ i, pm_reason_name((pm_reason)i) };
    for (guint i = 0; i < PM_MATCH_COUNT; i++)
        procmap_match_vals[i] = (value_string){ i, pm_match_name((pm_match)i) };
    /* The last entry of each stays { 0, NULL }. */
    for (guint i = 0; i < PM_SOURCE_COUNT; i++) {
        g_snprintf(source_labels[i], LABEL_LENGTH, "%s (%s)", pm_source_name((pm_source)i),
                   pm_source_description((pm_source)i));
        procmap_source_labels[i] = source_labels[i];
    }
    for (guint i = 0; i < PM_REASON_COUNT; i++) {
        g_snprintf(reason_labels[i], LABEL_LENGTH, "%s (%s)", pm_reason_name((pm_reason)i),
                   pm_reason_description((pm_reason)i));
        procmap_reason_labels[i] = reason_labels[i];
    }
}

static void
resolve_side(procmap_side_fields *fields)
{
#define RESOLVE(member) \
    if (fields->member.id != NULL) { \
        fields->member.info = proto_registrar_get_nth((guint)*fields->member.id); \
        fields->member.twin = procmap_synonym_twin(*fields->member.id); \
        fields->member.twin_asked = fields->member.twin != NULL && \
            procmap_tshark_asked(fields->member.twin->id); \
        fields->member.asked = procmap_tshark_asked(*fields->member.id); \
    }
    PROCMAP_SIDE_FIELD_NAMES(RESOLVE)
#undef RESOLVE
}

void
procmap_fields_resolve(void)
{
    resolve_side(&procmap_src_fields);
    resolve_side(&procmap_dst_fields);
    resolve_side(&procmap_either_fields);
    hf_procmap_icmp_quoted_twin = procmap_synonym_twin(hf_procmap_icmp_quoted);
    hf_procmap_side_unknown_twin = procmap_synonym_twin(hf_procmap_side_unknown);
}

void
procmap_fields_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_procmap_src_pid,
          { "Source process ID", "procmap.src.pid",
            FT_UINT32, BASE_DEC, NULL, 0x0, "PID of the process at the source end", HFILL } },
        { &hf_procmap_src_ppid,
          { "Source parent process ID", "procmap.src.ppid",
            FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_name,
          { "Source process name", "procmap.src.name",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "An alias, else the kernel's name (comm), else the executable's "
            "basename when comm may be truncated; for a process the capture "
            "carries, the name its tool gives", HFILL } },
        { &hf_procmap_src_comm,
          { "Source kernel task name", "procmap.src.comm",
            FT_STRING, BASE_NONE, NULL, 0x0, "comm: at most 15 bytes", HFILL } },
        { &hf_procmap_src_exe,
          { "Source executable", "procmap.src.exe",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_args,
          { "Source arguments", "procmap.src.args",
            FT_STRING, BASE_NONE, NULL, 0x0, "argv joined by single spaces", HFILL } },
        { &hf_procmap_src_cwd,
          { "Source working directory", "procmap.src.cwd",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_start_time,
          { "Source process start time", "procmap.src.start_time",
            FT_ABSOLUTE_TIME, ABSOLUTE_TIME_LOCAL, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_uid,
          { "Source user ID", "procmap.src.uid",
            FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_user,
          { "Source user", "procmap.src.user",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_source,
          { "Source attribution", "procmap.src.source",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "How the process was obtained: live, stream, stream-later, or carried "
            "in the capture by procmap-capture, darwin, ptcpdump, etl2pcapng, pcapd, "
            "pcapdroid, tcpshark, ecapture", HFILL } },
        { &hf_procmap_src_reason,
          { "Source unattributed reason", "procmap.src.reason",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "Why there is no process: not-local, no-socket, no-permission, "
            "owner-gone, refresh-suppressed, backend-failed, too-old, "
            "live-lookups-off, icmp-error, side-unknown, not-carried, forwarded, "
            "other-host (captured on another host), host-unknown (not known to be "
            "captured on this host: a file, a pipe)", HFILL } },
        { &hf_procmap_src_match,
          { "Source match rule", "procmap.src.match",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "Which socket answered: tuple, conntrack, exact, any-address, dual-stack, "
            "local-endpoint", HFILL } },
        { &hf_procmap_src_owners,
          { "Source socket owners", "procmap.src.owners",
            FT_UINT32, BASE_DEC, NULL, 0x0,
            "Processes sharing the socket (fork, SO_REUSEPORT); the oldest is shown", HFILL } },
        { &hf_procmap_src_endpoint,
          { "Source endpoint", "procmap.src.endpoint",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "The local address and port that was looked up", HFILL } },
        { &hf_procmap_src_tid,
          { "Source thread ID", "procmap.src.tid",
            FT_UINT32, BASE_DEC, NULL, 0x0,
            "The sending thread, as the capture carries it", HFILL } },
        { &hf_procmap_src_thread_name,
          { "Source thread name", "procmap.src.thread_name",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_parent_exe,
          { "Source parent executable", "procmap.src.parent_exe",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_parent_args,
          { "Source parent arguments", "procmap.src.parent_args",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_container_id,
          { "Source container ID", "procmap.src.container_id",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_container_name,
          { "Source container name", "procmap.src.container_name",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_container_image,
          { "Source container image", "procmap.src.container_image",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_pod_name,
          { "Source pod name", "procmap.src.pod_name",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_pod_namespace,
          { "Source pod namespace", "procmap.src.pod_namespace",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_epid,
          { "Source effective process ID", "procmap.src.epid",
            FT_UINT32, BASE_DEC, NULL, 0x0,
            "macOS, iOS: the process the packet was sent on behalf of", HFILL } },
        { &hf_procmap_src_ename,
          { "Source effective process name", "procmap.src.ename",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_src_package,
          { "Source package", "procmap.src.package",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "Android: the app's package name (PCAPdroid)", HFILL } },
        { &hf_procmap_dst_pid,
          { "Destination process ID", "procmap.dst.pid",
            FT_UINT32, BASE_DEC, NULL, 0x0,
            "PID of the process at the destination end", HFILL } },
        { &hf_procmap_dst_ppid,
          { "Destination parent process ID", "procmap.dst.ppid",
            FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_name,
          { "Destination process name", "procmap.dst.name",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "An alias, else the kernel's name (comm), else the executable's "
            "basename when comm may be truncated; for a process the capture "
            "carries, the name its tool gives", HFILL } },
        { &hf_procmap_dst_comm,
          { "Destination kernel task name", "procmap.dst.comm",
            FT_STRING, BASE_NONE, NULL, 0x0, "comm: at most 15 bytes", HFILL } },
        { &hf_procmap_dst_exe,
          { "Destination executable", "procmap.dst.exe",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_args,
          { "Destination arguments", "procmap.dst.args",
            FT_STRING, BASE_NONE, NULL, 0x0, "argv joined by single spaces", HFILL } },
        { &hf_procmap_dst_cwd,
          { "Destination working directory", "procmap.dst.cwd",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_start_time,
          { "Destination process start time", "procmap.dst.start_time",
            FT_ABSOLUTE_TIME, ABSOLUTE_TIME_LOCAL, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_uid,
          { "Destination user ID", "procmap.dst.uid",
            FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_user,
          { "Destination user", "procmap.dst.user",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_source,
          { "Destination attribution", "procmap.dst.source",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "How the process was obtained: live, stream, stream-later, or carried "
            "in the capture by procmap-capture, darwin, ptcpdump, etl2pcapng, pcapd, "
            "pcapdroid, tcpshark, ecapture", HFILL } },
        { &hf_procmap_dst_reason,
          { "Destination unattributed reason", "procmap.dst.reason",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "Why there is no process: not-local, no-socket, no-permission, "
            "owner-gone, refresh-suppressed, backend-failed, too-old, "
            "live-lookups-off, icmp-error, side-unknown, not-carried, forwarded, "
            "other-host (captured on another host), host-unknown (not known to be "
            "captured on this host: a file, a pipe)", HFILL } },
        { &hf_procmap_dst_match,
          { "Destination match rule", "procmap.dst.match",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "Which socket answered: tuple, conntrack, exact, any-address, dual-stack, "
            "local-endpoint", HFILL } },
        { &hf_procmap_dst_owners,
          { "Destination socket owners", "procmap.dst.owners",
            FT_UINT32, BASE_DEC, NULL, 0x0,
            "Processes sharing the socket (fork, SO_REUSEPORT); the oldest is shown", HFILL } },
        { &hf_procmap_dst_endpoint,
          { "Destination endpoint", "procmap.dst.endpoint",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "The local address and port that was looked up", HFILL } },
        { &hf_procmap_dst_tid,
          { "Destination thread ID", "procmap.dst.tid",
            FT_UINT32, BASE_DEC, NULL, 0x0,
            "The sending thread, as the capture carries it", HFILL } },
        { &hf_procmap_dst_thread_name,
          { "Destination thread name", "procmap.dst.thread_name",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_parent_exe,
          { "Destination parent executable", "procmap.dst.parent_exe",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_parent_args,
          { "Destination parent arguments", "procmap.dst.parent_args",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_container_id,
          { "Destination container ID", "procmap.dst.container_id",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_container_name,
          { "Destination container name", "procmap.dst.container_name",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_container_image,
          { "Destination container image", "procmap.dst.container_image",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_pod_name,
          { "Destination pod name", "procmap.dst.pod_name",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_pod_namespace,
          { "Destination pod namespace", "procmap.dst.pod_namespace",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_epid,
          { "Destination effective process ID", "procmap.dst.epid",
            FT_UINT32, BASE_DEC, NULL, 0x0,
            "macOS, iOS: the process the packet was sent on behalf of", HFILL } },
        { &hf_procmap_dst_ename,
          { "Destination effective process name", "procmap.dst.ename",
            FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_procmap_dst_package,
          { "Destination package", "procmap.dst.package",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "Android: the app's package name (PCAPdroid)", HFILL } },
        { &hf_procmap_pid,
          { "Process ID", "procmap.pid",
            FT_UINT32, BASE_DEC, NULL, 0x0, "Either end's PID", HFILL } },
        { &hf_procmap_ppid,
          { "Parent process ID", "procmap.ppid",
            FT_UINT32, BASE_DEC, NULL, 0x0, "Either end's parent PID", HFILL } },
        { &hf_procmap_name,
          { "Process name", "procmap.name",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's process name", HFILL } },
        { &hf_procmap_comm,
          { "Kernel task name", "procmap.comm",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's comm", HFILL } },
        { &hf_procmap_exe,
          { "Executable", "procmap.exe",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's executable", HFILL } },
        { &hf_procmap_args,
          { "Arguments", "procmap.args",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's arguments", HFILL } },
        { &hf_procmap_uid,
          { "User ID", "procmap.uid",
            FT_UINT32, BASE_DEC, NULL, 0x0, "Either end's user ID", HFILL } },
        { &hf_procmap_user,
          { "User", "procmap.user",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's user name", HFILL } },
        { &hf_procmap_source,
          { "Attribution", "procmap.source",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's attribution (how obtained)", HFILL } },
        { &hf_procmap_tid,
          { "Thread ID", "procmap.tid",
            FT_UINT32, BASE_DEC, NULL, 0x0, "Either end's thread ID", HFILL } },
        { &hf_procmap_thread_name,
          { "Thread name", "procmap.thread_name",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's thread name", HFILL } },
        { &hf_procmap_parent_exe,
          { "Parent executable", "procmap.parent_exe",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's parent executable", HFILL } },
        { &hf_procmap_parent_args,
          { "Parent arguments", "procmap.parent_args",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's parent arguments", HFILL } },
        { &hf_procmap_container_id,
          { "Container ID", "procmap.container_id",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's container ID", HFILL } },
        { &hf_procmap_container_name,
          { "Container name", "procmap.container_name",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's container name", HFILL } },
        { &hf_procmap_container_image,
          { "Container image", "procmap.container_image",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's container image", HFILL } },
        { &hf_procmap_pod_name,
          { "Pod name", "procmap.pod_name",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's pod name", HFILL } },
        { &hf_procmap_pod_namespace,
          { "Pod namespace", "procmap.pod_namespace",
            FT_STRING, BASE_NONE, NULL, 0x0, "Either end's pod namespace", HFILL } },
        { &hf_procmap_epid,
          { "Effective process ID", "procmap.epid",
            FT_UINT32, BASE_DEC, NULL, 0x0, "Either end's effective PID (macOS, iOS)", HFILL } },
        { &hf_procmap_ename,
          { "Effective process name", "procmap.ename",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "Either end's effective process name (macOS, iOS)", HFILL } },
        { &hf_procmap_package,
          { "Package", "procmap.package",
            FT_STRING, BASE_NONE, NULL, 0x0,
            "Either end's Android package name (PCAPdroid)", HFILL } },
        { &hf_procmap_icmp_quoted,
          { "From an ICMP error", "procmap.icmp_quoted",
            FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "Attributed from the packet quoted in an ICMP error", HFILL } },
        { &hf_procmap_side_unknown,
          { "Side unknown", "procmap.side_unknown",
            FT_BOOLEAN, BASE_NONE, NULL, 0x0,
            "The capture names this process without saying at which end (no "
            "direction flag, or both ends local)", HFILL } },
    };
    static gint *ett[] = { &ett_procmap, &ett_procmap_side };

    build_vals();
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
}
