/* packet-process.c - the "procmap" postdissector: which local process sent
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

static int
dissect_process(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    pm_frame_input input;
    pm_frame_policy policy;
    pm_frame_carried carried;
    pm_process_tap_info *info;
    gboolean icmp, carries;
    (void)data;

    memset(&input, 0, sizeof input);
    carries = pm_frame_read_carried(pinfo, &carried, &input);
    icmp = proto_is_frame_protocol(pinfo->layers, "icmp") ||
           proto_is_frame_protocol(pinfo->layers, "icmpv6");
    if (frame_tuple(pinfo, icmp, &input))
        input.icmp_quoted = icmp;
    else if (carries)
        addresses_only(pinfo, &input);
    else
        return 0;
    input.frame_number = pinfo->num;
    input.frame_time_us = (gint64)pinfo->abs_ts.secs * G_USEC_PER_SEC + pinfo->abs_ts.nsecs / 1000;

    /* Computed with or without a tree: tshark -r and -z dissect without one. */
    info = wmem_new0(pinfo->pool, pm_process_tap_info);
    pm_prefs_policy(&policy);
    pm_frame_engine_attribute(engine, policy.enabled ? pm_prefs_watcher() : NULL, &policy,
                              &input, g_get_real_time(), &info->view);
    if (!info->view.answered)
        return 0;
    info->frame_length = pinfo->fd->pkt_len;
    tap_queue_packet(process_tap, pinfo, info);

    if (tree != NULL)
        pm_tree_add(tree, tvb, pinfo, proto_process, engine, &input, &info->view);
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

void
proto_register_process(void)
{
    proto_process = proto_register_protocol("Process Attribution", "Process", "procmap");
    pm_tree_register(proto_process);
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
