/* sock_events.h - what the eBPF socket programs tell user space.
 *
 * Shared by sock_events.bpf.c (kernel side, built with clang -target bpf)
 * and ebpf_source.c.  Fixed-size records on one BPF ring buffer; the first
 * byte says which.  Addresses are in network order, ports in host order,
 * times are CLOCK_BOOTTIME nanoseconds (bpf_ktime_get_boot_ns()).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_SOCK_EVENTS_H
#define PROCMAP_SOCK_EVENTS_H

#define PM_EV_SOCKET 1   /* a process used a socket: its tuple and the process */
#define PM_EV_CLOSE  2   /* a TCP socket reached CLOSE: its tuple, no process */
#define PM_EV_EXEC   3   /* a process image started: path and arguments */

/* How a PM_EV_SOCKET was learnt (all in the process's own context). */
#define PM_ORIGIN_CONNECT 1  /* connect(): recorded at SYN_SENT, sent with the SYN */
#define PM_ORIGIN_SEND    2  /* sock_send_length */
#define PM_ORIGIN_RECV    3  /* sock_recv_length */

#define PM_EV_COMM_LEN     16
#define PM_EV_FILENAME_LEN 256
#define PM_EV_ARGS_LEN     512

/* Pids as user space's pid namespace sees them (never 0: a process it
 * cannot see is not told); ppid 0: the parent is outside it. */
struct pm_ev_process {
    unsigned int       pid;       /* tgid */
    unsigned int       tid;
    unsigned int       ppid;
    unsigned int       uid;
    unsigned long long start_ns;  /* the process's start, boot time */
    char               comm[PM_EV_COMM_LEN];  /* the thread's name */
};

struct pm_ev_socket {
    unsigned char      type;      /* PM_EV_SOCKET or PM_EV_CLOSE */
    unsigned char      origin;    /* PM_ORIGIN_*; 0 for PM_EV_CLOSE */
    unsigned char      protocol;  /* IPPROTO_TCP or IPPROTO_UDP */
    unsigned char      pad;
    unsigned short     family;    /* AF_INET or AF_INET6 */
    unsigned short     local_port;
    unsigned short     remote_port;  /* 0: unconnected */
    unsigned short     pad2;
    unsigned int       netns;     /* the socket's network namespace inode */
    unsigned long long time_ns;
    unsigned char      local_addr[16];   /* AF_INET: the first 4 bytes */
    unsigned char      remote_addr[16];
    struct pm_ev_process process;  /* PM_EV_SOCKET only */
};

struct pm_ev_exec {
    unsigned char      type;      /* PM_EV_EXEC */
    unsigned char      pad[3];
    unsigned int       args_len;  /* bytes of args used: NUL-separated argv */
    unsigned long long time_ns;
    struct pm_ev_process process;
    char               filename[PM_EV_FILENAME_LEN];
    char               args[PM_EV_ARGS_LEN];
};

#endif /* PROCMAP_SOCK_EVENTS_H */
