/* ebpf_decode.c - one record of the eBPF ring buffer, checked and decoded.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ebpf_decode.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static void
endpoint_of(guint16 family, const unsigned char *addr, guint16 port, pm_endpoint *out)
{
    memset(out, 0, sizeof *out);
    if (family == AF_INET)
        pm_addr_from_ipv4(&out->addr, addr);
    else
        pm_addr_from_ipv6(&out->addr, addr);
    out->port = port;
}

static void
process_of(const struct pm_ev_process *in, pm_ebpf_process *out)
{
    /* Pids beyond a gint32 are not pids. */
    out->pid = in->pid <= G_MAXINT32 ? (gint32)in->pid : 0;
    out->tid = in->tid <= G_MAXINT32 ? (gint32)in->tid : 0;
    out->ppid = in->ppid <= G_MAXINT32 ? (gint32)in->ppid : 0;
    out->uid = in->uid;
    out->start_boot_ns = in->start_ns;
    memcpy(out->comm, in->comm, PM_EV_COMM_LEN);
    out->comm[PM_EV_COMM_LEN] = '\0';
}

static gboolean
decode_socket(const struct pm_ev_socket *ev, unsigned char type, pm_ebpf_record *out)
{
    if ((ev->family != AF_INET && ev->family != AF_INET6) ||
        (ev->protocol != IPPROTO_TCP && ev->protocol != IPPROTO_UDP) || ev->local_port == 0)
        return FALSE;
    out->transport = ev->protocol == IPPROTO_TCP ? PM_TRANSPORT_TCP : PM_TRANSPORT_UDP;
    endpoint_of(ev->family, ev->local_addr, ev->local_port, &out->local);
    endpoint_of(ev->family, ev->remote_addr, ev->remote_port, &out->remote);
    out->netns = ev->netns;
    if (type == PM_EV_CLOSE) {
        out->kind = PM_EBPF_RECORD_CLOSE;
        return ev->protocol == IPPROTO_TCP;
    }
    switch (ev->origin) {
    case PM_ORIGIN_CONNECT: out->origin = PM_ORIGIN_EBPF_CONNECT; break;
    case PM_ORIGIN_SEND: out->origin = PM_ORIGIN_EBPF_SEND; break;
    case PM_ORIGIN_RECV: out->origin = PM_ORIGIN_EBPF_RECV; break;
    default: return FALSE;
    }
    out->kind = PM_EBPF_RECORD_SOCKET;
    process_of(&ev->process, &out->process);
    /* The programs never tell a socket without its process. */
    return out->process.pid > 0;
}

gboolean
pm_ebpf_decode(const void *data, gsize size, pm_ebpf_record *out)
{
    unsigned char type;

    memset(out, 0, sizeof *out);
    if (data == NULL || size == 0)
        return FALSE;
    type = *(const unsigned char *)data;
    if ((type == PM_EV_SOCKET || type == PM_EV_CLOSE) && size == sizeof(struct pm_ev_socket)) {
        const struct pm_ev_socket *ev = data;

        out->time_boot_ns = ev->time_ns;
        return decode_socket(ev, type, out);
    }
    if (type == PM_EV_EXEC && size == sizeof(struct pm_ev_exec)) {
        const struct pm_ev_exec *ev = data;

        out->kind = PM_EBPF_RECORD_EXEC;
        out->time_boot_ns = ev->time_ns;
        process_of(&ev->process, &out->process);
        memcpy(out->filename, ev->filename, PM_EV_FILENAME_LEN);
        out->filename[PM_EV_FILENAME_LEN] = '\0';
        out->args = ev->args;
        out->args_len = MIN(ev->args_len, (unsigned)PM_EV_ARGS_LEN);
        return out->process.pid > 0;
    }
    return FALSE;
}
