/* packet-procmap.c - the "procmap" postdissector: which local process sent
 * or receives each TCP and UDP frame.
 *
 * The tuple comes from the tcp and udp tap records of the frame, not from
 * pinfo: on an ICMP error pinfo holds the outer addresses with the quoted
 * ports, and in a tunnel the records say which header is the inner one.
 *
 * A process the capture file carries (carried_epan.c) wins over a live
 * lookup, and is shown on any frame that carries one, with or without a
 * TCP or UDP header.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"
#include "procmap_synonym.h"

#include <epan/address.h>
#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/dissectors/packet-udp.h>
#include <wiretap/wtap.h>
#include <wiretap/wtap_opttypes.h>

static int proto_procmap = -1;
static int procmap_tap = -1;
static int tcp_tap = -1;
static int udp_tap = -1;
static int proto_tcp = -1;
static int proto_udp = -1;
static int proto_icmp = -1;
static int proto_icmpv6 = -1;
static dissector_handle_t procmap_handle;
static pm_frame_engine *engine;

/* Expert Info: why a frame has no process where the user can do something
 * about it, and what is wrong with the process information a capture
 * carries.  Ordinary answers (not-local, no-socket) get none. */
static expert_field ei_procmap_no_permission = EI_INIT;
static expert_field ei_procmap_backend_failed = EI_INIT;
static expert_field ei_procmap_too_old = EI_INIT;
static expert_field ei_procmap_other_host = EI_INIT;
static expert_field ei_procmap_host_unknown = EI_INIT;
static expert_field ei_procmap_carried_malformed = EI_INIT;
static expert_field ei_procmap_carried_unresolved = EI_INIT;

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

/* A tcp or udp tap record, read the same way. */
typedef struct {
    const address *src;
    const address *dst;
    guint32        sport;
    guint32        dport;
    guint32        stream;      /* tcp.stream / udp.stream */
} tap_tuple;

static void
read_tcp_record(const void *record, tap_tuple *out)
{
    const struct tcpheader *tcp = record;

    out->src = &tcp->ip_src;
    out->dst = &tcp->ip_dst;
    out->sport = tcp->th_sport;
    out->dport = tcp->th_dport;
    out->stream = tcp->th_stream;
}

static void
read_udp_record(const void *record, tap_tuple *out)
{
    const e_udphdr *udp = record;

    out->src = &udp->ip_src;
    out->dst = &udp->ip_dst;
    out->sport = udp->uh_sport;
    out->dport = udp->uh_dport;
    out->stream = udp->uh_stream;
}

/* The last record on @tap of the frame whose ports are pinfo's (and pinfo's
 * port type @ptype), else the last one; FALSE if none.  *@matches says
 * which. */
static gboolean
innermost_record(int tap, port_type ptype, void (*read)(const void *, tap_tuple *),
                 packet_info *pinfo, tap_tuple *out, gboolean *matches)
{
    const void *record;
    gboolean found = FALSE;
    tap_tuple tuple;

    *matches = FALSE;
    for (int i = 0; (record = fetch_tapped_data(tap, i)) != NULL; i++) {
        gboolean these;

        read(record, &tuple);
        these = pinfo->ptype == ptype && tuple.sport == pinfo->srcport &&
                tuple.dport == pinfo->destport;
        if (these || !*matches) {
            *out = tuple;
            *matches = these;
            found = TRUE;
        }
    }
    return found;
}

/* The transport header to attribute: the innermost one, which is the last
 * tap record of pinfo's port type whose ports are pinfo's (a VXLAN frame also
 * has the outer UDP record).  The records are queued only when taps run.
 * @stream gets the header's tcp.stream / udp.stream. */
static gboolean
tuple_from_taps(packet_info *pinfo, pm_frame_input *input, guint32 *stream)
{
    tap_tuple tcp, udp;
    gboolean has_tcp = FALSE, has_udp = FALSE, tcp_matches = FALSE, udp_matches = FALSE;
    const tap_tuple *chosen;

    /* pinfo's transport first: when one of its records matches, the other
     * transport's records cannot change the choice. */
    if (pinfo->ptype != PT_UDP) {
        has_tcp = innermost_record(tcp_tap, PT_TCP, read_tcp_record, pinfo, &tcp, &tcp_matches);
        if (!tcp_matches)
            has_udp = innermost_record(udp_tap, PT_UDP, read_udp_record, pinfo, &udp,
                                       &udp_matches);
    } else {
        has_udp = innermost_record(udp_tap, PT_UDP, read_udp_record, pinfo, &udp, &udp_matches);
        if (!udp_matches)
            has_tcp = innermost_record(tcp_tap, PT_TCP, read_tcp_record, pinfo, &tcp,
                                       &tcp_matches);
    }
    if (has_tcp && (tcp_matches || !udp_matches)) {
        input->transport = PM_TRANSPORT_TCP;
        chosen = &tcp;
    } else if (has_udp) {
        input->transport = PM_TRANSPORT_UDP;
        chosen = &udp;
    } else {
        return FALSE;
    }
    *stream = chosen->stream;
    return endpoint_from_address(chosen->src, (guint16)chosen->sport, &input->src) &&
           endpoint_from_address(chosen->dst, (guint16)chosen->dport, &input->dst);
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

/* Whether the frame is an ICMP error, whose TCP/UDP header is the quoted
 * packet's: its layers include icmp or icmpv6 (by id, not by name). */
static gboolean
inside_icmp_error(packet_info *pinfo)
{
    for (wmem_list_frame_t *layer = wmem_list_head(pinfo->layers); layer != NULL;
         layer = wmem_list_frame_next(layer)) {
        int id = GPOINTER_TO_INT(wmem_list_frame_data(layer));
        if (id == proto_icmp || id == proto_icmpv6)
            return TRUE;
    }
    return FALSE;
}

/* Without taps, the stream of pinfo's conversation, as the tcp and udp
 * dissectors number them (the same tcp.stream / udp.stream the tap records
 * carry).  Never creates a conversation: the tcp/udp dissectors did. */
static void
stream_from_conversation(packet_info *pinfo, pm_frame_input *input)
{
    conversation_t *conversation = find_conversation_pinfo(pinfo, 0);

    if (conversation == NULL)
        return;
    if (input->transport == PM_TRANSPORT_TCP) {
        const struct tcp_analysis *tcpd = conversation_get_proto_data(conversation, proto_tcp);
        if (tcpd != NULL) {
            input->has_stream = TRUE;
            input->stream = tcpd->stream;
        }
    } else {
        const struct udp_analysis *udpd = conversation_get_proto_data(conversation, proto_udp);
        if (udpd != NULL) {
            input->has_stream = TRUE;
            input->stream = udpd->stream;
        }
    }
}

/* The frame's transport tuple, and with @want_stream its stream (only the
 * first dissection needs it); FALSE if it has no TCP or UDP header. */
static gboolean
frame_tuple(packet_info *pinfo, gboolean want_stream, pm_frame_input *input)
{
    guint32 stream = 0;
    gboolean from_taps = tuple_from_taps(pinfo, input, &stream);

    if (!from_taps && pinfo->ptype != PT_TCP && pinfo->ptype != PT_UDP)
        return FALSE;   /* most frames without a TCP/UDP header end here */
    input->icmp_quoted = inside_icmp_error(pinfo);
    if (!from_taps && !tuple_from_pinfo(pinfo, input->icmp_quoted, input)) {
        input->icmp_quoted = FALSE;
        return FALSE;
    }
    if (input->icmp_quoted || !want_stream)
        return TRUE;    /* an ICMP error is not part of the quoted stream */
    if (from_taps) {
        input->has_stream = TRUE;
        input->stream = stream;
    } else {
        stream_from_conversation(pinfo, input);
    }
    return TRUE;
}

static pm_ws_bool
count_option(wtap_block_t block _U_, guint option_id _U_, wtap_opttype_e type _U_,
             wtap_optval_t *option _U_, void *count)
{
    ++*(guint *)count;
    return TRUE;
}

/* Whether the frame's block may carry anything for carried_epan.c to read:
 * a block edited in the GUI, or one with any option.  Asking for each option
 * by id costs more than the rest of a frame's attribution, and most blocks
 * (pcap, dumpcap's pcapng) have none. */
static gboolean
frame_may_carry(packet_info *pinfo)
{
    guint options = 0;

    if (pinfo->fd->has_modified_block)
        return TRUE;
    if (pinfo->rec == NULL || pinfo->rec->block == NULL)
        return FALSE;
    wtap_block_foreach_option(pinfo->rec->block, count_option, &options);
    return options > 0;
}

/* A frame without a TCP or UDP header is shown only if the capture carries
 * its process (ptcpdump's ICMP echo requests); its ends are the network
 * addresses, if any. */
static void
addresses_only(packet_info *pinfo, pm_frame_input *input)
{
    endpoint_from_address(&pinfo->net_src, 0, &input->src);
    endpoint_from_address(&pinfo->net_dst, 0, &input->dst);
    input->no_transport = TRUE;
}

/* ---- Expert Info -------------------------------------------------------- */

static gboolean
either_side_says(const pm_frame_view *view, pm_reason reason)
{
    return view->src.reason == reason || view->dst.reason == reason;
}

/* Whether the frame gets any Expert Info (add_expert_info's cases). */
static gboolean
has_expert_info(const pm_frame_view *view)
{
    return either_side_says(view, PM_REASON_NO_PERMISSION) ||
           either_side_says(view, PM_REASON_BACKEND_FAILED) ||
           either_side_says(view, PM_REASON_TOO_OLD) ||
           view->carried_malformed != NULL || view->carried_unresolved;
}

/* Added on every dissection, with or without a tree (@items' members are
 * NULL without one): tshark -z expert and the expert filter see them. */
static void
add_expert_info(packet_info *pinfo, const pm_frame_view *view, const procmap_tree_items *items)
{
    if (view->src.reason == PM_REASON_NO_PERMISSION)
        expert_add_info(pinfo, items->src_reason, &ei_procmap_no_permission);
    if (view->dst.reason == PM_REASON_NO_PERMISSION)
        expert_add_info(pinfo, items->dst_reason, &ei_procmap_no_permission);
    /* Once a frame: both sides have these. */
    if (either_side_says(view, PM_REASON_BACKEND_FAILED))
        expert_add_info(pinfo, items->root, &ei_procmap_backend_failed);
    if (either_side_says(view, PM_REASON_TOO_OLD))
        expert_add_info(pinfo, items->root, &ei_procmap_too_old);
    /* Once an interface: every frame of a remote capture says so. */
    if (either_side_says(view, PM_REASON_OTHER_HOST) && procmap_capture_host_note_here(pinfo))
        expert_add_info(pinfo, items->root, &ei_procmap_other_host);
    if (either_side_says(view, PM_REASON_HOST_UNKNOWN) && procmap_capture_host_note_here(pinfo))
        expert_add_info(pinfo, items->root, &ei_procmap_host_unknown);
    if (view->carried_malformed != NULL)
        expert_add_info_format(pinfo, items->root, &ei_procmap_carried_malformed,
                               "Malformed process information in the capture: %s",
                               view->carried_malformed);
    if (view->carried_unresolved)
        expert_add_info(pinfo, items->root, &ei_procmap_carried_unresolved);
}

static void
register_expert_info(int proto)
{
    static ei_register_info ei[] = {
        { &ei_procmap_no_permission,
          { "procmap.no_permission", PI_UNDECODED, PI_NOTE,
            "No permission to see the socket's owner: capture through the procmap "
            "interfaces, or give the reading program cap_sys_ptrace,cap_dac_read_search",
            EXPFILL } },
        { &ei_procmap_backend_failed,
          { "procmap.backend_failed", PI_UNDECODED, PI_WARN,
            "The socket table could not be read: no live lookup (see the proc_root "
            "preference)", EXPFILL } },
        { &ei_procmap_too_old,
          { "procmap.too_old", PI_UNDECODED, PI_NOTE,
            "Captured too long ago for a live lookup of its processes (the live_window "
            "and live_lookups preferences)", EXPFILL } },
        { &ei_procmap_other_host,
          { "procmap.other_host", PI_UNDECODED, PI_NOTE,
            "Captured on another host (sshdump, udpdump, rpcap, ...): no live lookup of its "
            "processes here; procmap-capture on that host carries them (noted on the first "
            "such frame of each interface)", EXPFILL } },
        { &ei_procmap_host_unknown,
          { "procmap.host_unknown", PI_UNDECODED, PI_NOTE,
            "Not known to be captured on this host (a file, a pipe): no live lookup; set the "
            "capture_host preference to this-host if it was (noted on the first such frame of "
            "each interface)", EXPFILL } },
        { &ei_procmap_carried_malformed,
          { "procmap.carried.malformed", PI_MALFORMED, PI_WARN,
            "Malformed process information in the capture", EXPFILL } },
        { &ei_procmap_carried_unresolved,
          { "procmap.carried.unresolved", PI_MALFORMED, PI_WARN,
            "The packet refers to a process information block the capture does not have",
            EXPFILL } },
    };

    expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));
}

/* ---- the postdissector --------------------------------------------------- */

static int
dissect_procmap(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    pm_frame_input input;
    pm_frame_policy policy;
    procmap_frame_carried carried;
    pm_frame_view local_view, *view = &local_view;
    procmap_tap_info *info = NULL;
    procmap_tree_items items = { NULL, NULL, NULL };
    /* Later dissections render the stored answer: no stream, no carried
     * data, no clock. */
    gboolean known = pm_frame_engine_known(engine, pinfo->num);
    gboolean has_tuple;

    if (pinfo->rec != NULL && pinfo->rec->rec_type == REC_TYPE_CUSTOM_BLOCK) {
        /* Process information blocks (shown as rows, kept for the packets
         * after them) and PCAPdroid's uid map. */
        const char *malformed = NULL;

        if (!procmap_records_dissect(tvb, pinfo, tree, proto_procmap, &malformed))
            malformed = procmap_read_custom_block(pinfo, tvb);
        if (malformed != NULL) {
            items.root = proto_tree_add_item(tree, proto_procmap, tvb, 0, 0, ENC_NA);
            expert_add_info_format(pinfo, items.root, &ei_procmap_carried_malformed,
                                   "Malformed process information in the capture: %s",
                                   malformed);
        }
        return 0;
    }
    memset(&input, 0, sizeof input);
    has_tuple = frame_tuple(pinfo, !known, &input);
    if (known) {
        if (!has_tuple)
            addresses_only(pinfo, &input);
    } else if (procmap_read_carried(pinfo, tvb, frame_may_carry(pinfo), &carried, &input) &&
               !has_tuple) {
        addresses_only(pinfo, &input);
    } else if (!has_tuple) {
        return 0;
    }
    /* On every dissection: the records the answer came from go with the
     * frame when only displayed packets are saved. */
    procmap_records_mark_depended_upon(pinfo);
    if (!known)
        input.capture_host = procmap_capture_host_of(pinfo);
    input.frame_number = pinfo->num;
    input.frame_time_us = (gint64)pinfo->abs_ts.secs * G_USEC_PER_SEC + pinfo->abs_ts.nsecs / 1000;

    /* Computed with or without a tree: tshark -r and -z dissect without one.
     * The tap's record lives as long as the packet; only made if listened. */
    if (have_tap_listener(procmap_tap)) {
        info = wmem_new0(pinfo->pool, procmap_tap_info);
        view = &info->view;
    }
    procmap_prefs_policy(&policy);
    pm_frame_engine_attribute(engine, known ? NULL : procmap_prefs_watcher(),
                              &policy, &input, known ? 0 : g_get_real_time(), view);
    if (!view->answered) {
        /* Nothing to show but what is wrong with the capture's comments. */
        if (view->carried_malformed != NULL || view->carried_unresolved) {
            items.root = proto_tree_add_item(tree, proto_procmap, tvb, 0, 0, ENC_NA);
            add_expert_info(pinfo, view, &items);
        }
        return 0;
    }
    if (info != NULL) {
        info->frame_length = pinfo->fd->pkt_len;
        tap_queue_packet(procmap_tap, pinfo, info);
    }

    if (tree != NULL)
        procmap_tree_add(tree, tvb, pinfo, proto_procmap, engine, &input, view,
                         has_expert_info(view), &items);
    add_expert_info(pinfo, view, &items);
    return 0;
}

/* ---- registration ------------------------------------------------------- */

/* A new capture file, or none: every frame is forgotten. */
static void
forget_frames(void)
{
    pm_frame_engine_reset(engine);
    procmap_carried_reset();
}

static void
shutdown_procmap(void)
{
    procmap_prefs_cleanup();
    procmap_synonym_cleanup();
    procmap_tshark_fields_cleanup();
    procmap_carried_shutdown();
    g_clear_pointer(&engine, pm_frame_engine_free);
}

void
proto_register_procmap(void)
{
    proto_procmap = proto_register_protocol("Process Attribution", "Process", "procmap");
    procmap_fields_register(proto_procmap);
    procmap_records_register(proto_procmap);
    register_expert_info(proto_procmap);
    procmap_prefs_register(proto_procmap);

    engine = pm_frame_engine_new();
    procmap_handle = register_dissector("procmap", dissect_procmap, proto_procmap);
    register_postdissector(procmap_handle);
    procmap_tap = register_tap("procmap");
    register_init_routine(forget_frames);
    register_cleanup_routine(forget_frames);
    register_init_routine(procmap_capture_host_init);
    register_cleanup_routine(procmap_capture_host_cleanup);
    register_shutdown_routine(shutdown_procmap);
}

/* Registers a dissector helper on @tap: the tcp and udp dissectors then
 * queue their headers for us on every frame, error packets (ICMP quotes)
 * included.  Returns the tap's id. */
static int
listen_as_helper(const char *tap, void *listener)
{
    GString *error = register_tap_listener(tap, listener, NULL,
                                           TL_IS_DISSECTOR_HELPER | TL_REQUIRES_ERROR_PACKETS,
                                           NULL, NULL, NULL, NULL);
    if (error)
        g_string_free(error, TRUE);
    return find_tap_id(tap);
}

void
proto_reg_handoff_procmap(void)
{
    static int tcp_listener, udp_listener;

    tcp_tap = listen_as_helper("tcp", &tcp_listener);
    udp_tap = listen_as_helper("udp", &udp_listener);
    proto_tcp = proto_get_id_by_filter_name("tcp");
    proto_udp = proto_get_id_by_filter_name("udp");
    proto_icmp = proto_get_id_by_filter_name("icmp");
    proto_icmpv6 = proto_get_id_by_filter_name("icmpv6");
    /* Every protocol has registered by now: is "process" ours to take? */
    procmap_synonym_register(proto_procmap);
    /* After the twins: tshark 4.0's -e may name them. */
    procmap_tshark_fields_init();
    procmap_fields_resolve();
}
