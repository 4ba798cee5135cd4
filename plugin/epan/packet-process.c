/* packet-process.c - the "procmap" postdissector: which local process sent
 * or receives each TCP and UDP frame.
 *
 * The tuple comes from the tcp and udp tap records of the frame, not from
 * pinfo: on an ICMP error pinfo holds the outer addresses with the quoted
 * ports, and in a tunnel the records say which header is the inner one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "process_epan.h"

#include <epan/address.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/dissectors/packet-udp.h>

static int proto_process = -1;
static int process_tap = -1;
static int tcp_tap = -1;
static int udp_tap = -1;
static dissector_handle_t process_handle;
static pm_frame_engine *engine;

static gint ett_process = -1;
static gint ett_process_side = -1;

/* The fields of one side: procmap.src.* or procmap.dst.* */
typedef struct {
    int pid, ppid, name, comm, exe, args, cwd, start_time, uid, user;
    int source, reason, match, owners, endpoint;
} side_fields;

static side_fields hf_src = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };
static side_fields hf_dst = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };

/* Either-side fields, hidden, like ip.addr. */
static int hf_any_pid = -1;
static int hf_any_ppid = -1;
static int hf_any_name = -1;
static int hf_any_comm = -1;
static int hf_any_exe = -1;
static int hf_any_args = -1;
static int hf_any_uid = -1;
static int hf_any_user = -1;
static int hf_icmp_quoted = -1;

/* ---- the tuple ---------------------------------------------------------- */

static gboolean
endpoint_from_address(const address *addr, guint16 port, pm_endpoint *out)
{
    memset(out, 0, sizeof *out);
    if (addr->type == AT_IPv4 && addr->len == 4)
        pm_addr_from_ipv4(&out->addr, addr->data);
    else if (addr->type == AT_IPv6 && addr->len == 16)
        pm_addr_from_ipv6(&out->addr, addr->data);
    else
        return FALSE;
    out->port = port;
    return TRUE;
}

/* The transport header to attribute: the innermost one, which is the last
 * tap record of pinfo's port type whose ports are pinfo's (a VXLAN frame also
 * has the outer UDP record).  The records are queued only when taps run. */
static gboolean
tuple_from_taps(packet_info *pinfo, pm_frame_input *input)
{
    const struct tcpheader *tcp, *chosen_tcp = NULL;
    const e_udphdr *udp, *chosen_udp = NULL;
    gboolean tcp_matches = FALSE, udp_matches = FALSE;

    for (int i = 0; (tcp = fetch_tapped_data(tcp_tap, i)) != NULL; i++) {
        gboolean matches = pinfo->ptype == PT_TCP && tcp->th_sport == pinfo->srcport &&
                           tcp->th_dport == pinfo->destport;
        if (matches || !tcp_matches) {
            chosen_tcp = tcp;
            tcp_matches = matches;
        }
    }
    for (int i = 0; (udp = fetch_tapped_data(udp_tap, i)) != NULL; i++) {
        gboolean matches = pinfo->ptype == PT_UDP && udp->uh_sport == pinfo->srcport &&
                           udp->uh_dport == pinfo->destport;
        if (matches || !udp_matches) {
            chosen_udp = udp;
            udp_matches = matches;
        }
    }
    if (chosen_tcp && (tcp_matches || !udp_matches)) {
        input->transport = PM_TRANSPORT_TCP;
        return endpoint_from_address(&chosen_tcp->ip_src, chosen_tcp->th_sport, &input->src) &&
               endpoint_from_address(&chosen_tcp->ip_dst, chosen_tcp->th_dport, &input->dst);
    }
    if (chosen_udp) {
        input->transport = PM_TRANSPORT_UDP;
        return endpoint_from_address(&chosen_udp->ip_src, chosen_udp->uh_sport, &input->src) &&
               endpoint_from_address(&chosen_udp->ip_dst, chosen_udp->uh_dport, &input->dst);
    }
    return FALSE;
}

/* Without taps (the first pass of tshark -2, the GUI's details pane) pinfo
 * holds the innermost tuple too, except in an ICMP error: there the addresses
 * are the error's and the ports the quoted packet's.  The error goes back to
 * the quoted packet's sender, so the sender's address is the error's
 * destination; the quoted destination is taken to be the error's source,
 * which is true for the common port-unreachable (the destination host
 * answers) and only misses the full-tuple match for an error from a router. */
static gboolean
tuple_from_pinfo(packet_info *pinfo, gboolean icmp, pm_frame_input *input)
{
    const address *src = icmp ? &pinfo->net_dst : &pinfo->net_src;
    const address *dst = icmp ? &pinfo->net_src : &pinfo->net_dst;

    if (pinfo->ptype == PT_TCP)
        input->transport = PM_TRANSPORT_TCP;
    else if (pinfo->ptype == PT_UDP)
        input->transport = PM_TRANSPORT_UDP;
    else
        return FALSE;
    return endpoint_from_address(src, (guint16)pinfo->srcport, &input->src) &&
           endpoint_from_address(dst, (guint16)pinfo->destport, &input->dst);
}

/* The frame's transport tuple and stream; FALSE if it has no TCP or UDP
 * header.  The stream is the conversation, found the same way with or
 * without taps so that every pass keys the same stream. */
static gboolean
frame_tuple(packet_info *pinfo, gboolean icmp, pm_frame_input *input)
{
    conversation_t *conversation;

    if (!tuple_from_taps(pinfo, input) && !tuple_from_pinfo(pinfo, icmp, input))
        return FALSE;
    if (icmp)
        return TRUE;    /* an ICMP error is not part of the quoted stream */
    /* Never create a conversation here; the tcp/udp dissectors did. */
    conversation = find_conversation_pinfo(pinfo, 0);
    if (conversation != NULL) {
        input->has_stream = TRUE;
        input->stream = conversation->conv_index;
    }
    return TRUE;
}

/* ---- the tree ----------------------------------------------------------- */

static void
add_hidden_string(proto_tree *tree, int hf, tvbuff_t *tvb, const char *value)
{
    proto_item *item = proto_tree_add_string(tree, hf, tvb, 0, 0, value);
    proto_item_set_generated(item);
    proto_item_set_hidden(item);
}

static void
add_hidden_uint(proto_tree *tree, int hf, tvbuff_t *tvb, guint32 value)
{
    proto_item *item = proto_tree_add_uint(tree, hf, tvb, 0, 0, value);
    proto_item_set_generated(item);
    proto_item_set_hidden(item);
}

static void
add_string(proto_tree *tree, int hf, tvbuff_t *tvb, const char *value)
{
    if (value != NULL)
        proto_item_set_generated(proto_tree_add_string(tree, hf, tvb, 0, 0, value));
}

static void
add_uint(proto_tree *tree, int hf, tvbuff_t *tvb, guint32 value)
{
    proto_item_set_generated(proto_tree_add_uint(tree, hf, tvb, 0, 0, value));
}

/* "curl (4242)", "uid 1000 (alice)", or "[not a local address]". */
static const char *
side_summary(wmem_allocator_t *scope, const pm_frame_side *side, const char *user)
{
    if (side->process != NULL)
        return wmem_strdup_printf(scope, "%s (%d)",
                                  side->process->name ? side->process->name : "?",
                                  side->process->pid);
    if (side->has_uid)
        return wmem_strdup_printf(scope, "[uid %u%s%s%s: %s]", side->uid,
                                  user ? " (" : "", user ? user : "", user ? ")" : "",
                                  pm_why_description((pm_why)side->why));
    return wmem_strdup_printf(scope, "[%s]", pm_why_description((pm_why)side->why));
}

static void
add_side(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const char *title,
         const side_fields *hf, const pm_frame_side *side, const pm_endpoint *endpoint)
{
    const pm_process *process = side->process;
    const char *user = process ? process->user : pm_frame_engine_user_name(engine, side->uid);
    char text[PM_ENDPOINT_STRLEN];
    proto_tree *subtree;
    proto_item *item;

    subtree = proto_tree_add_subtree_format(tree, tvb, 0, 0, ett_process_side, NULL, "%s: %s",
                                            title, side_summary(pinfo->pool, side, user));
    if (endpoint != NULL)
        add_string(subtree, hf->endpoint, tvb,
                   pm_endpoint_to_string(endpoint, text, sizeof text));
    if (process != NULL) {
        add_uint(subtree, hf->pid, tvb, (guint32)process->pid);
        add_hidden_uint(tree, hf_any_pid, tvb, (guint32)process->pid);
        add_string(subtree, hf->name, tvb, process->name);
        if (process->name)
            add_hidden_string(tree, hf_any_name, tvb, process->name);
        add_string(subtree, hf->comm, tvb, process->comm);
        if (process->comm)
            add_hidden_string(tree, hf_any_comm, tvb, process->comm);
        add_string(subtree, hf->exe, tvb, process->exe);
        if (process->exe)
            add_hidden_string(tree, hf_any_exe, tvb, process->exe);
        add_string(subtree, hf->args, tvb, process->args);
        if (process->args)
            add_hidden_string(tree, hf_any_args, tvb, process->args);
        add_string(subtree, hf->cwd, tvb, process->cwd);
        if (process->ppid >= 0) {
            add_uint(subtree, hf->ppid, tvb, (guint32)process->ppid);
            add_hidden_uint(tree, hf_any_ppid, tvb, (guint32)process->ppid);
        }
        if (process->start_time_ns != 0) {
            nstime_t start;
            start.secs = (time_t)(process->start_time_ns / 1000000000u);
            start.nsecs = (int)(process->start_time_ns % 1000000000u);
            proto_item_set_generated(
                proto_tree_add_time(subtree, hf->start_time, tvb, 0, 0, &start));
        }
    }
    if (process ? process->has_uid : side->has_uid) {
        guint32 uid = process ? process->uid : side->uid;
        add_uint(subtree, hf->uid, tvb, uid);
        add_hidden_uint(tree, hf_any_uid, tvb, uid);
        if (user) {
            add_string(subtree, hf->user, tvb, user);
            add_hidden_string(tree, hf_any_user, tvb, user);
        }
    }
    if (process != NULL) {
        item = proto_tree_add_string_format_value(subtree, hf->source, tvb, 0, 0,
                   pm_source_name((pm_source)side->source), "%s (%s)",
                   pm_source_name((pm_source)side->source),
                   pm_source_description((pm_source)side->source));
        proto_item_set_generated(item);
        if (side->match != PM_MATCH_NONE) {
            item = proto_tree_add_string_format_value(subtree, hf->match, tvb, 0, 0,
                       pm_match_name((pm_match)side->match), "%s%s",
                       pm_match_name((pm_match)side->match),
                       side->v6only_assumed ? " (v6only assumed off)" : "");
            proto_item_set_generated(item);
        }
        if (side->owner_count > 1)
            add_uint(subtree, hf->owners, tvb, side->owner_count);
    } else {
        item = proto_tree_add_string_format_value(subtree, hf->reason, tvb, 0, 0,
                   pm_why_name((pm_why)side->why), "%s (%s)",
                   pm_why_name((pm_why)side->why), pm_why_description((pm_why)side->why));
        proto_item_set_generated(item);
    }
}

static int
dissect_process(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    pm_frame_input input;
    pm_frame_policy policy;
    pm_process_tap_info *info;
    proto_item *root;
    proto_tree *process_tree;
    gboolean icmp;
    (void)data;

    memset(&input, 0, sizeof input);
    icmp = proto_is_frame_protocol(pinfo->layers, "icmp") ||
           proto_is_frame_protocol(pinfo->layers, "icmpv6");
    if (!frame_tuple(pinfo, icmp, &input))
        return 0;
    input.icmp_quoted = icmp;
    input.frame_number = pinfo->num;
    input.frame_time_us = (gint64)pinfo->abs_ts.secs * G_USEC_PER_SEC + pinfo->abs_ts.nsecs / 1000;

    /* Computed with or without a tree: tshark -r and -z dissect without one. */
    info = wmem_new0(pinfo->pool, pm_process_tap_info);
    pm_prefs_policy(&policy);
    pm_frame_engine_attribute(engine, policy.enabled ? pm_prefs_watcher() : NULL, &policy,
                              &input, g_get_real_time(), &info->view);
    info->frame_length = pinfo->fd->pkt_len;
    tap_queue_packet(process_tap, pinfo, info);

    if (tree == NULL)
        return 0;
    {
        const pm_frame_side *src = &info->view.src, *dst = &info->view.dst;
        const char *src_user = src->process ? src->process->user
                                            : pm_frame_engine_user_name(engine, src->uid);
        const char *dst_user = dst->process ? dst->process->user
                                            : pm_frame_engine_user_name(engine, dst->uid);

        root = proto_tree_add_protocol_format(tree, proto_process, tvb, 0, 0,
                   "Process: %s \xe2\x86\x92 %s", side_summary(pinfo->pool, src, src_user),
                   side_summary(pinfo->pool, dst, dst_user));
        proto_item_set_generated(root);
        process_tree = proto_item_add_subtree(root, ett_process);
        if (icmp) {
            proto_item_set_generated(
                proto_tree_add_boolean(process_tree, hf_icmp_quoted, tvb, 0, 0, TRUE));
            /* The error is for the quoted packet's sender. */
            add_side(process_tree, tvb, pinfo, "Source", &hf_src, src, NULL);
            add_side(process_tree, tvb, pinfo, "Destination", &hf_dst, dst, &input.src);
        } else {
            add_side(process_tree, tvb, pinfo, "Source", &hf_src, src, &input.src);
            add_side(process_tree, tvb, pinfo, "Destination", &hf_dst, dst, &input.dst);
        }
    }
    return 0;
}

/* ---- registration ------------------------------------------------------- */

static void
init_process(void)
{
    pm_frame_engine_reset(engine);
}

static void
cleanup_process(void)
{
    pm_frame_engine_reset(engine);
}

static void
shutdown_process(void)
{
    pm_prefs_cleanup();
    g_clear_pointer(&engine, pm_frame_engine_free);
}

#define SIDE_FIELDS(side, Side)                                                          \
    { &hf_##side.pid, { Side " process ID", "procmap." #side ".pid", FT_UINT32, BASE_DEC, \
          NULL, 0x0, "PID of the process at the " #side " end", HFILL } },             \
    { &hf_##side.ppid, { Side " parent process ID", "procmap." #side ".ppid", FT_UINT32, \
          BASE_DEC, NULL, 0x0, NULL, HFILL } },                                         \
    { &hf_##side.name, { Side " process name", "procmap." #side ".name", FT_STRING,      \
          BASE_NONE, NULL, 0x0, "An alias, else the kernel's name (comm), else the "     \
          "executable's basename when comm may be truncated", HFILL } },                 \
    { &hf_##side.comm, { Side " kernel task name", "procmap." #side ".comm", FT_STRING,  \
          BASE_NONE, NULL, 0x0, "comm: at most 15 bytes", HFILL } },                     \
    { &hf_##side.exe, { Side " executable", "procmap." #side ".exe", FT_STRING,          \
          BASE_NONE, NULL, 0x0, NULL, HFILL } },                                        \
    { &hf_##side.args, { Side " arguments", "procmap." #side ".args", FT_STRING,         \
          BASE_NONE, NULL, 0x0, "argv joined by single spaces", HFILL } },               \
    { &hf_##side.cwd, { Side " working directory", "procmap." #side ".cwd", FT_STRING,   \
          BASE_NONE, NULL, 0x0, NULL, HFILL } },                                        \
    { &hf_##side.start_time, { Side " process start time", "procmap." #side ".start_time", \
          FT_ABSOLUTE_TIME, ABSOLUTE_TIME_LOCAL, NULL, 0x0, NULL, HFILL } },             \
    { &hf_##side.uid, { Side " user ID", "procmap." #side ".uid", FT_UINT32, BASE_DEC,   \
          NULL, 0x0, NULL, HFILL } },                                                   \
    { &hf_##side.user, { Side " user", "procmap." #side ".user", FT_STRING, BASE_NONE,   \
          NULL, 0x0, NULL, HFILL } },                                                   \
    { &hf_##side.source, { Side " attribution", "procmap." #side ".source", FT_STRING,   \
          BASE_NONE, NULL, 0x0, "How the process was obtained: live, stream, "           \
          "stream-later", HFILL } },                                                    \
    { &hf_##side.reason, { Side " unattributed reason", "procmap." #side ".reason",      \
          FT_STRING, BASE_NONE, NULL, 0x0, "Why there is no process: not-local, "        \
          "no-socket, no-permission, owner-gone, refresh-suppressed, backend-failed, "   \
          "too-old, live-lookups-off, disabled, icmp-error", HFILL } },                  \
    { &hf_##side.match, { Side " match rule", "procmap." #side ".match", FT_STRING,      \
          BASE_NONE, NULL, 0x0, "Which socket answered: tuple, exact, any-address, "     \
          "dual-stack", HFILL } },                                                      \
    { &hf_##side.owners, { Side " socket owners", "procmap." #side ".owners", FT_UINT32, \
          BASE_DEC, NULL, 0x0, "Processes sharing the socket (fork, SO_REUSEPORT); the "  \
          "oldest is shown", HFILL } },                                                 \
    { &hf_##side.endpoint, { Side " endpoint", "procmap." #side ".endpoint", FT_STRING,  \
          BASE_NONE, NULL, 0x0, "The local address and port that was looked up", HFILL } }

void
proto_register_process(void)
{
    static hf_register_info hf[] = {
        SIDE_FIELDS(src, "Source"),
        SIDE_FIELDS(dst, "Destination"),
        { &hf_any_pid, { "Process ID", "procmap.pid", FT_UINT32, BASE_DEC, NULL, 0x0,
              "Either end's PID", HFILL } },
        { &hf_any_ppid, { "Parent process ID", "procmap.ppid", FT_UINT32, BASE_DEC, NULL, 0x0,
              "Either end's parent PID", HFILL } },
        { &hf_any_name, { "Process name", "procmap.name", FT_STRING, BASE_NONE, NULL, 0x0,
              "Either end's process name", HFILL } },
        { &hf_any_comm, { "Kernel task name", "procmap.comm", FT_STRING, BASE_NONE, NULL, 0x0,
              "Either end's comm", HFILL } },
        { &hf_any_exe, { "Executable", "procmap.exe", FT_STRING, BASE_NONE, NULL, 0x0,
              "Either end's executable", HFILL } },
        { &hf_any_args, { "Arguments", "procmap.args", FT_STRING, BASE_NONE, NULL, 0x0,
              "Either end's arguments", HFILL } },
        { &hf_any_uid, { "User ID", "procmap.uid", FT_UINT32, BASE_DEC, NULL, 0x0,
              "Either end's user ID", HFILL } },
        { &hf_any_user, { "User", "procmap.user", FT_STRING, BASE_NONE, NULL, 0x0,
              "Either end's user name", HFILL } },
        { &hf_icmp_quoted, { "From an ICMP error", "procmap.icmp_quoted", FT_BOOLEAN,
              BASE_NONE, NULL, 0x0, "Attributed from the packet quoted in an ICMP error",
              HFILL } },
    };
    static gint *ett[] = { &ett_process, &ett_process_side };

    proto_process = proto_register_protocol("Process Attribution", "Process", "procmap");
    proto_register_field_array(proto_process, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    pm_prefs_register(proto_process);

    engine = pm_frame_engine_new();
    process_handle = create_dissector_handle(dissect_process, proto_process);
    register_postdissector(process_handle);
    process_tap = register_tap("procmap");
    register_init_routine(init_process);
    register_cleanup_routine(cleanup_process);
    register_shutdown_routine(shutdown_process);
}

void
proto_reg_handoff_process(void)
{
    /* Dissector helpers: the tcp and udp dissectors queue their headers for
     * us on every frame, error packets (ICMP quotes) included. */
    static int tcp_listener, udp_listener;
    GString *error;

    error = register_tap_listener("tcp", &tcp_listener, NULL,
                                  TL_IS_DISSECTOR_HELPER | TL_REQUIRES_ERROR_PACKETS,
                                  NULL, NULL, NULL, NULL);
    if (error)
        g_string_free(error, TRUE);
    error = register_tap_listener("udp", &udp_listener, NULL,
                                  TL_IS_DISSECTOR_HELPER | TL_REQUIRES_ERROR_PACKETS,
                                  NULL, NULL, NULL, NULL);
    if (error)
        g_string_free(error, TRUE);
    tcp_tap = find_tap_id("tcp");
    udp_tap = find_tap_id("udp");
}
