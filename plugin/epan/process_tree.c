/* process_tree.c - the procmap fields and the Process tree of a frame.
 *
 * Each side (procmap.src.*, procmap.dst.*) gets a subtree; every process
 * field is also added, hidden, as an either-side field (procmap.pid ...,
 * like ip.addr).  A carried process whose end is not known gets its own
 * subtree, "Process (side unknown)", where the either-side fields are
 * visible: it is in no side's fields.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "process_epan.h"

#include <stddef.h>

/* The fields of one side (procmap.src.*, procmap.dst.*) or of either side
 * (procmap.*: only some exist, the rest stay -1). */
typedef struct {
    int pid, ppid, name, comm, exe, args, cwd, start_time, uid, user;
    int source, reason, match, owners, endpoint;
    int tid, thread_name, parent_exe, parent_args, container_id, container_name,
        container_image, pod_name, pod_namespace, epid, ename;
} side_fields;

static side_fields hf_src;
static side_fields hf_dst;
static side_fields hf_any;
static int hf_icmp_quoted = -1;
static int hf_side_unknown = -1;

static gint ett_process = -1;
static gint ett_process_side = -1;

#define FIELD(fields, member) (*(const int *)((const char *)(fields) + (member)))
#define F(member) offsetof(side_fields, member)

/* Where a process's fields go: visible under @tree with @hf, and hidden
 * either-side copies under @hidden (NULL: none). */
typedef struct {
    proto_tree        *tree;
    const side_fields *hf;
    proto_tree        *hidden;
    tvbuff_t          *tvb;
} field_sink;

static void
put_string(const field_sink *sink, size_t member, const char *value)
{
    proto_item *item;

    if (value == NULL)
        return;
    if (FIELD(sink->hf, member) >= 0)
        proto_item_set_generated(proto_tree_add_string(sink->tree, FIELD(sink->hf, member),
                                                       sink->tvb, 0, 0, value));
    if (sink->hidden != NULL && FIELD(&hf_any, member) >= 0) {
        item = proto_tree_add_string(sink->hidden, FIELD(&hf_any, member), sink->tvb, 0, 0,
                                     value);
        proto_item_set_generated(item);
        proto_item_set_hidden(item);
    }
}

static void
put_uint(const field_sink *sink, size_t member, guint32 value)
{
    proto_item *item;

    if (FIELD(sink->hf, member) >= 0)
        proto_item_set_generated(proto_tree_add_uint(sink->tree, FIELD(sink->hf, member),
                                                     sink->tvb, 0, 0, value));
    if (sink->hidden != NULL && FIELD(&hf_any, member) >= 0) {
        item = proto_tree_add_uint(sink->hidden, FIELD(&hf_any, member), sink->tvb, 0, 0,
                                   value);
        proto_item_set_generated(item);
        proto_item_set_hidden(item);
    }
}

/* "curl (4242)", "pid 4" (no name: etl2pcapng), "uid 1000 (alice): ...",
 * or "[not a local address]". */
static const char *
side_summary(wmem_allocator_t *scope, const pm_frame_side *side, const char *user)
{
    if (side->process != NULL && side->process->name != NULL)
        return wmem_strdup_printf(scope, "%s (%d)", side->process->name, side->process->pid);
    if (side->process != NULL)
        return wmem_strdup_printf(scope, "pid %d", side->process->pid);
    if (side->has_uid)
        return wmem_strdup_printf(scope, "[uid %u%s%s%s: %s]", side->uid,
                                  user ? " (" : "", user ? user : "", user ? ")" : "",
                                  pm_why_description((pm_why)side->why));
    return wmem_strdup_printf(scope, "[%s]", pm_why_description((pm_why)side->why));
}

static const char *
side_user(pm_frame_engine *engine, const pm_frame_side *side)
{
    return side->process ? side->process->user : pm_frame_engine_user_name(engine, side->uid);
}

static void
add_process(const field_sink *sink, const pm_process *process,
            const pm_carried_context *context)
{
    put_uint(sink, F(pid), (guint32)process->pid);
    put_string(sink, F(name), process->name);
    put_string(sink, F(comm), process->comm);
    put_string(sink, F(exe), process->exe);
    put_string(sink, F(args), process->args);
    put_string(sink, F(cwd), process->cwd);
    if (process->ppid >= 0)
        put_uint(sink, F(ppid), (guint32)process->ppid);
    if (process->start_time_ns != 0 && sink->hf->start_time >= 0) {
        nstime_t start;
        start.secs = (time_t)(process->start_time_ns / 1000000000u);
        start.nsecs = (int)(process->start_time_ns % 1000000000u);
        proto_item_set_generated(
            proto_tree_add_time(sink->tree, sink->hf->start_time, sink->tvb, 0, 0, &start));
    }
    put_string(sink, F(parent_exe), process->parent_exe);
    put_string(sink, F(parent_args), process->parent_args);
    put_string(sink, F(container_id), process->container_id);
    put_string(sink, F(container_name), process->container_name);
    put_string(sink, F(container_image), process->container_image);
    put_string(sink, F(pod_name), process->pod_name);
    put_string(sink, F(pod_namespace), process->pod_namespace);
    if (context != NULL) {
        if (context->has_tid)
            put_uint(sink, F(tid), context->tid);
        put_string(sink, F(thread_name), context->thread_name);
        if (context->has_epid)
            put_uint(sink, F(epid), context->epid);
        put_string(sink, F(ename), context->ename);
    }
}

static void
add_source(const field_sink *sink, const pm_frame_side *side)
{
    proto_item *item;
    pm_source source = (pm_source)side->source;

    item = proto_tree_add_string_format_value(sink->tree, sink->hf->source, sink->tvb, 0, 0,
               pm_source_name(source), "%s (%s)", pm_source_name(source),
               pm_source_description(source));
    proto_item_set_generated(item);
    if (sink->hidden != NULL) {
        item = proto_tree_add_string(sink->hidden, hf_any.source, sink->tvb, 0, 0,
                                     pm_source_name(source));
        proto_item_set_generated(item);
        proto_item_set_hidden(item);
    }
}

static void
add_side(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, pm_frame_engine *engine,
         const char *title, const side_fields *hf, const pm_frame_side *side,
         const pm_carried_context *context, const pm_endpoint *endpoint)
{
    const pm_process *process = side->process;
    const char *user = side_user(engine, side);
    char text[PM_ENDPOINT_STRLEN];
    field_sink sink;
    proto_item *item;

    sink.tree = proto_tree_add_subtree_format(tree, tvb, 0, 0, ett_process_side, NULL,
                                              "%s: %s", title,
                                              side_summary(pinfo->pool, side, user));
    sink.hf = hf;
    sink.hidden = tree;
    sink.tvb = tvb;
    if (endpoint != NULL)
        put_string(&sink, F(endpoint), pm_endpoint_to_string(endpoint, text, sizeof text));
    if (process != NULL)
        add_process(&sink, process, context);
    if (process ? process->has_uid : side->has_uid) {
        put_uint(&sink, F(uid), process ? process->uid : side->uid);
        put_string(&sink, F(user), user);
    }
    if (process != NULL) {
        add_source(&sink, side);
        if (side->match != PM_MATCH_NONE) {
            item = proto_tree_add_string_format_value(sink.tree, hf->match, tvb, 0, 0,
                       pm_match_name((pm_match)side->match), "%s%s",
                       pm_match_name((pm_match)side->match),
                       side->v6only_assumed ? " (v6only assumed off)" : "");
            proto_item_set_generated(item);
        }
        if (side->owner_count > 1)
            put_uint(&sink, F(owners), side->owner_count);
    } else {
        item = proto_tree_add_string_format_value(sink.tree, hf->reason, tvb, 0, 0,
                   pm_why_name((pm_why)side->why), "%s (%s)",
                   pm_why_name((pm_why)side->why), pm_why_description((pm_why)side->why));
        proto_item_set_generated(item);
    }
}

/* A carried process at an unknown end: its own subtree, the either-side
 * fields visible in it. */
static void
add_either(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const pm_frame_side *side,
           const pm_carried_context *context)
{
    const pm_process *process = side->process;
    field_sink sink;

    sink.tree = proto_tree_add_subtree_format(tree, tvb, 0, 0, ett_process_side, NULL,
                                              "Process (side unknown): %s",
                                              side_summary(pinfo->pool, side, process->user));
    sink.hf = &hf_any;
    sink.hidden = NULL;
    sink.tvb = tvb;
    proto_item_set_generated(proto_tree_add_boolean(sink.tree, hf_side_unknown, tvb, 0, 0, TRUE));
    add_process(&sink, process, context);
    if (process->has_uid) {
        put_uint(&sink, F(uid), process->uid);
        put_string(&sink, F(user), process->user);
    }
    add_source(&sink, side);
}

void
pm_tree_add(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, int proto,
            pm_frame_engine *engine, const pm_frame_input *input, const pm_frame_view *view)
{
    const pm_frame_side *src = &view->src, *dst = &view->dst;
    const pm_endpoint *src_endpoint = input->no_transport ? NULL : &input->src;
    const pm_endpoint *dst_endpoint = input->no_transport ? NULL : &input->dst;
    proto_item *root;
    proto_tree *process_tree;

    if (view->either.process != NULL)
        root = proto_tree_add_protocol_format(tree, proto, tvb, 0, 0,
                   "Process: %s [side unknown]",
                   side_summary(pinfo->pool, &view->either, view->either.process->user));
    else
        root = proto_tree_add_protocol_format(tree, proto, tvb, 0, 0,
                   "Process: %s \xe2\x86\x92 %s",
                   side_summary(pinfo->pool, src, side_user(engine, src)),
                   side_summary(pinfo->pool, dst, side_user(engine, dst)));
    proto_item_set_generated(root);
    process_tree = proto_item_add_subtree(root, ett_process);
    if (view->icmp_quoted) {
        proto_item_set_generated(
            proto_tree_add_boolean(process_tree, hf_icmp_quoted, tvb, 0, 0, TRUE));
        /* The error is for the quoted packet's sender. */
        dst_endpoint = src_endpoint;
        src_endpoint = NULL;
    }
    add_side(process_tree, tvb, pinfo, engine, "Source", &hf_src, src,
             view->context[PM_CARRIED_SRC], src_endpoint);
    add_side(process_tree, tvb, pinfo, engine, "Destination", &hf_dst, dst,
             view->context[PM_CARRIED_DST], dst_endpoint);
    if (view->either.process != NULL)
        add_either(process_tree, tvb, pinfo, &view->either, view->context[PM_CARRIED_EITHER]);
}

/* ---- registration ------------------------------------------------------- */

#define SIDE_STRING(side, Side, member, label, blurb)                                    \
    { &hf_##side.member, { Side " " label, "procmap." #side "." #member, FT_STRING,       \
          BASE_NONE, NULL, 0x0, blurb, HFILL } }
#define SIDE_UINT(side, Side, member, label, blurb)                                      \
    { &hf_##side.member, { Side " " label, "procmap." #side "." #member, FT_UINT32,       \
          BASE_DEC, NULL, 0x0, blurb, HFILL } }

#define SIDE_FIELDS(side, Side)                                                          \
    SIDE_UINT(side, Side, pid, "process ID", "PID of the process at the " #side " end"), \
    SIDE_UINT(side, Side, ppid, "parent process ID", NULL),                               \
    SIDE_STRING(side, Side, name, "process name", "An alias, else the kernel's name "    \
        "(comm), else the executable's basename when comm may be truncated; for a "      \
        "process the capture carries, the name its tool gives"),                         \
    SIDE_STRING(side, Side, comm, "kernel task name", "comm: at most 15 bytes"),          \
    SIDE_STRING(side, Side, exe, "executable", NULL),                                     \
    SIDE_STRING(side, Side, args, "arguments", "argv joined by single spaces"),           \
    SIDE_STRING(side, Side, cwd, "working directory", NULL),                              \
    { &hf_##side.start_time, { Side " process start time", "procmap." #side ".start_time", \
          FT_ABSOLUTE_TIME, ABSOLUTE_TIME_LOCAL, NULL, 0x0, NULL, HFILL } },             \
    SIDE_UINT(side, Side, uid, "user ID", NULL),                                         \
    SIDE_STRING(side, Side, user, "user", NULL),                                         \
    SIDE_STRING(side, Side, source, "attribution", "How the process was obtained: live, " \
        "stream, stream-later, or carried in the capture by procmap-capture, darwin, "   \
        "ptcpdump, etl2pcapng"),                                                         \
    SIDE_STRING(side, Side, reason, "unattributed reason", "Why there is no process: "   \
        "not-local, no-socket, no-permission, owner-gone, refresh-suppressed, "          \
        "backend-failed, too-old, live-lookups-off, disabled, icmp-error, side-unknown, " \
        "not-carried, forwarded"),                                                       \
    SIDE_STRING(side, Side, match, "match rule", "Which socket answered: tuple, exact, "  \
        "any-address, dual-stack, conntrack (NAT undone), local-endpoint"),              \
    SIDE_UINT(side, Side, owners, "socket owners", "Processes sharing the socket (fork, " \
        "SO_REUSEPORT); the oldest is shown"),                                           \
    SIDE_STRING(side, Side, endpoint, "endpoint", "The local address and port that was " \
        "looked up"),                                                                    \
    SIDE_UINT(side, Side, tid, "thread ID", "The sending thread, as the capture carries it"), \
    SIDE_STRING(side, Side, thread_name, "thread name", NULL),                           \
    SIDE_STRING(side, Side, parent_exe, "parent executable", NULL),                      \
    SIDE_STRING(side, Side, parent_args, "parent arguments", NULL),                      \
    SIDE_STRING(side, Side, container_id, "container ID", NULL),                         \
    SIDE_STRING(side, Side, container_name, "container name", NULL),                     \
    SIDE_STRING(side, Side, container_image, "container image", NULL),                   \
    SIDE_STRING(side, Side, pod_name, "pod name", NULL),                                 \
    SIDE_STRING(side, Side, pod_namespace, "pod namespace", NULL),                       \
    SIDE_UINT(side, Side, epid, "effective process ID", "macOS: the process the packet " \
        "was sent on behalf of"),                                                        \
    SIDE_STRING(side, Side, ename, "effective process name", NULL)

/* Either-side fields: hidden copies of both sides' (filter procmap.name ==
 * "curl" matches either end), visible under "Process (side unknown)". */
#define ANY_STRING(member, label, what) \
    { &hf_any.member, { label, "procmap." #member, FT_STRING, BASE_NONE, NULL, 0x0, \
          "Either end's " what, HFILL } }
#define ANY_UINT(member, label, what) \
    { &hf_any.member, { label, "procmap." #member, FT_UINT32, BASE_DEC, NULL, 0x0, \
          "Either end's " what, HFILL } }

void
pm_tree_register(int proto)
{
    static hf_register_info hf[] = {
        SIDE_FIELDS(src, "Source"),
        SIDE_FIELDS(dst, "Destination"),
        ANY_UINT(pid, "Process ID", "PID"),
        ANY_UINT(ppid, "Parent process ID", "parent PID"),
        ANY_STRING(name, "Process name", "process name"),
        ANY_STRING(comm, "Kernel task name", "comm"),
        ANY_STRING(exe, "Executable", "executable"),
        ANY_STRING(args, "Arguments", "arguments"),
        ANY_UINT(uid, "User ID", "user ID"),
        ANY_STRING(user, "User", "user name"),
        ANY_STRING(source, "Attribution", "attribution (how obtained)"),
        ANY_UINT(tid, "Thread ID", "thread ID"),
        ANY_STRING(thread_name, "Thread name", "thread name"),
        ANY_STRING(parent_exe, "Parent executable", "parent executable"),
        ANY_STRING(parent_args, "Parent arguments", "parent arguments"),
        ANY_STRING(container_id, "Container ID", "container ID"),
        ANY_STRING(container_name, "Container name", "container name"),
        ANY_STRING(container_image, "Container image", "container image"),
        ANY_STRING(pod_name, "Pod name", "pod name"),
        ANY_STRING(pod_namespace, "Pod namespace", "pod namespace"),
        ANY_UINT(epid, "Effective process ID", "effective PID (macOS)"),
        ANY_STRING(ename, "Effective process name", "effective process name (macOS)"),
        { &hf_icmp_quoted, { "From an ICMP error", "procmap.icmp_quoted", FT_BOOLEAN,
              BASE_NONE, NULL, 0x0, "Attributed from the packet quoted in an ICMP error",
              HFILL } },
        { &hf_side_unknown, { "Side unknown", "procmap.side_unknown", FT_BOOLEAN,
              BASE_NONE, NULL, 0x0, "The capture names this process without saying at "
              "which end (no direction flag, or both ends local)", HFILL } },
    };
    static gint *ett[] = { &ett_process, &ett_process_side };

    /* Either-side members without a field stay -1: put_*() skips them. */
    memset(&hf_src, 0xff, sizeof hf_src);
    memset(&hf_dst, 0xff, sizeof hf_dst);
    memset(&hf_any, 0xff, sizeof hf_any);
    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
}
