/* sock_events.bpf.c - which process uses which socket, told as it happens.
 *
 * BTF-typed raw tracepoints only (tp_btf): they need no tracefs and no
 * kprobes, which kernels may lack (fentry and kprobes are refused on the
 * machine this was written on).  Every process identity is taken in that
 * process's own context:
 *
 *   inet_sock_set_state  CLOSE -> SYN_SENT is connect(), in the caller's
 *                        context, but before the local port is chosen: the
 *                        caller is remembered per socket (`connecting`) ...
 *   net_dev_queue        ... and told with the full tuple when the SYN
 *                        leaves (before any packet tap sees it), or at the
 *                        next state change if it never leaves.
 *                        Any -> CLOSE tells user space the tuple closed.
 *   sock_send_length     a send or receive by a process on a TCP or UDP
 *   sock_recv_length     socket; told once per (socket, process, tuple).
 *   sched_process_exec   a new program's path and arguments, for processes
 *                        gone before user space could read /proc.
 *
 * Pids are those of the pid namespace user space reads /proc in
 * (`pidns_inum`, set before load): the kernel's tgid is the initial
 * namespace's, wrong inside a container.  A process that namespace cannot
 * see (the host, a sibling container) is not told at all: user space then
 * answers from its live lookups, which cannot see it either.
 *
 * The ring buffer is read by the capture process, which runs as its caller
 * (a member of the group wireshark) with no capability: what the caller may
 * not learn of other users' processes is never put into it (monitor_policy.h).
 * Processes of other uids than `caller_uid` are not told at all when
 * `others_hidden` (the policy says none, or /proc's hidepid hides them from
 * the caller); otherwise, unless `others_full`, without their exec events
 * (path and arguments) and with the process's name instead of the thread's.
 *
 * Built with clang -target bpf against the running kernel's BTF
 * (vmlinux.h), loaded through a libbpf skeleton (ebpf_source.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sock_events.h"

#define AF_INET  2
#define AF_INET6 10
#define PM_TCP_ESTABLISHED 1
#define PM_TCP_SYN_SENT    2
#define PM_TCP_CLOSE       7

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/* Sockets in connect(), by address, with the process that called it. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, __u64);
    __type(value, struct pm_ev_process);
} connecting SEC(".maps");

struct seen_key {
    __u64 sk;
    __u32 tgid;
    __u32 pad;
};

/* The tuple last told for (socket, process): a change is told again. */
struct seen_value {
    __u32 ports;
    __u32 local_mix;
    __u32 remote_mix;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 65536);
    __type(key, struct seen_key);
    __type(value, struct seen_value);
} seen SEC(".maps");

/* The inode of the pid namespace whose pids are told; 0: the initial one
 * (the kernel's own pids, read directly). */
const volatile __u32 pidns_inum = 0;

/* Who reads the ring buffer, and what it may learn of others (see above).
 * The defaults tell everything (a root caller). */
const volatile __u32 caller_uid = 0;
const volatile __u8 others_hidden = 0;
const volatile __u8 others_full = 1;

/* MAX_PID_NS_LEVEL: namespaces nest at most this deep. */
#define PM_PIDNS_MAX_LEVEL 32

/* @pid's number in the pid namespace `pidns_inum`, or 0 when that
 * namespace is not @pid's own nor one of its ancestors.  A struct pid holds
 * one number per level, from the initial namespace (0) down to the
 * process's own; the levels above the process's are walked up until the
 * namespace is met (bpf_get_ns_current_pid_tgid() would only answer for the
 * current task, and only in that namespace itself, not its descendants). */
static __always_inline __u32
number_in_pidns(struct pid *pid)
{
    int level;

    if (!pid)
        return 0;
    level = BPF_CORE_READ(pid, level);
    for (int i = 0; i < PM_PIDNS_MAX_LEVEL && level >= 0; i++, level--) {
        struct upid upid;

        if (bpf_core_read(&upid, sizeof upid, &pid->numbers[level]) != 0)
            return 0;
        if (BPF_CORE_READ(upid.ns, ns.inum) == pidns_inum)
            return (__u32)upid.nr;
    }
    return 0;
}

/* Whether the current process's uid is another user's than the caller's. */
static __always_inline int
another_users(__u32 uid)
{
    return uid != caller_uid && caller_uid != 0;
}

/* FALSE when the process is not visible from `pidns_inum`, or not to be
 * told to the caller at all. */
static __always_inline int
current_process(struct pm_ev_process *out)
{
    struct task_struct *task = bpf_get_current_task_btf();
    __u32 uid = (__u32)bpf_get_current_uid_gid();

    if (another_users(uid) && others_hidden)
        return 0;
    if (pidns_inum == 0) {
        __u64 pid_tgid = bpf_get_current_pid_tgid();

        out->pid = pid_tgid >> 32;
        out->tid = (__u32)pid_tgid;
        out->ppid = BPF_CORE_READ(task, real_parent, tgid);
    } else {
        out->pid = number_in_pidns(BPF_CORE_READ(task, group_leader, thread_pid));
        if (out->pid == 0)
            return 0;
        out->tid = number_in_pidns(BPF_CORE_READ(task, thread_pid));
        /* 0 when the parent is outside (the namespace's init): as /proc says. */
        out->ppid = number_in_pidns(BPF_CORE_READ(task, real_parent, group_leader, thread_pid));
    }
    out->uid = uid;
    out->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
    if (another_users(uid) && !others_full)     /* its name, not its thread's */
        BPF_CORE_READ_STR_INTO(&out->comm, task, group_leader, comm);
    else
        bpf_get_current_comm(out->comm, sizeof out->comm);
    return 1;
}

/* The socket's tuple and namespace; FALSE for what is not TCP/UDP over IP. */
static __always_inline int
read_tuple(const struct sock *sk, struct pm_ev_socket *ev)
{
    __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
    __u16 protocol = BPF_CORE_READ(sk, sk_protocol);

    if ((family != AF_INET && family != AF_INET6) ||
        (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP))
        return 0;
    ev->family = family;
    ev->protocol = (__u8)protocol;
    ev->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
    ev->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
    ev->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
    if (family == AF_INET) {
        __u32 local = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
        __u32 remote = BPF_CORE_READ(sk, __sk_common.skc_daddr);
        __builtin_memcpy(ev->local_addr, &local, 4);
        __builtin_memcpy(ev->remote_addr, &remote, 4);
    } else {
        BPF_CORE_READ_INTO(&ev->local_addr, sk, __sk_common.skc_v6_rcv_saddr);
        BPF_CORE_READ_INTO(&ev->remote_addr, sk, __sk_common.skc_v6_daddr);
    }
    return 1;
}

static __always_inline void
emit_socket(const struct sock *sk, __u8 type, __u8 origin, const struct pm_ev_process *process)
{
    struct pm_ev_socket *ev = bpf_ringbuf_reserve(&events, sizeof *ev, 0);

    if (!ev)
        return;
    __builtin_memset(ev, 0, sizeof *ev);
    if (!read_tuple(sk, ev)) {
        bpf_ringbuf_discard(ev, 0);
        return;
    }
    ev->type = type;
    ev->origin = origin;
    ev->time_ns = bpf_ktime_get_boot_ns();
    if (process)
        ev->process = *process;
    bpf_ringbuf_submit(ev, 0);
}

/* A connect() that has a port now: told once, with its caller. */
static __always_inline void
tell_connecting(const struct sock *sk)
{
    __u64 key = (__u64)sk;
    struct pm_ev_process *caller = bpf_map_lookup_elem(&connecting, &key);

    if (!caller)
        return;
    if (BPF_CORE_READ(sk, __sk_common.skc_num) != 0)
        emit_socket(sk, PM_EV_SOCKET, PM_ORIGIN_CONNECT, caller);
    bpf_map_delete_elem(&connecting, &key);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
    if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
        return 0;
    if (newstate == PM_TCP_SYN_SENT) {
        struct pm_ev_process caller = {};
        __u64 key = (__u64)sk;

        if (current_process(&caller))
            bpf_map_update_elem(&connecting, &key, &caller, BPF_ANY);
        else    /* not an older socket's caller at the same address */
            bpf_map_delete_elem(&connecting, &key);
        return 0;
    }
    tell_connecting(sk);
    if (newstate == PM_TCP_CLOSE && oldstate != PM_TCP_SYN_SENT)
        emit_socket(sk, PM_EV_CLOSE, 0, 0);
    return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(on_dev_queue, struct sk_buff *skb)
{
    struct sock *sk = BPF_CORE_READ(skb, sk);
    __u64 key = (__u64)sk;

    /* One hash lookup per packet sent; only sockets in connect() match. */
    if (!sk || !bpf_map_lookup_elem(&connecting, &key))
        return 0;
    tell_connecting(sk);
    return 0;
}

static __always_inline __u32
mix(const unsigned char *addr)
{
    __u32 words[4];

    __builtin_memcpy(words, addr, 16);
    return words[0] ^ words[1] ^ words[2] ^ words[3];
}

static __always_inline int
on_use(struct sock *sk, __u8 origin)
{
    struct pm_ev_socket tuple = {};
    struct seen_key key = {};
    struct seen_value value = {}, *old;

    if (!sk || !read_tuple(sk, &tuple))
        return 0;
    key.sk = (__u64)sk;
    key.tgid = bpf_get_current_pid_tgid() >> 32;   /* the kernel's: a key only */
    value.ports = ((__u32)tuple.local_port << 16) | tuple.remote_port;
    value.local_mix = mix(tuple.local_addr);
    value.remote_mix = mix(tuple.remote_addr);
    old = bpf_map_lookup_elem(&seen, &key);
    if (old && old->ports == value.ports && old->local_mix == value.local_mix &&
        old->remote_mix == value.remote_mix)
        return 0;
    bpf_map_update_elem(&seen, &key, &value, BPF_ANY);

    struct pm_ev_process process = {};
    if (current_process(&process))
        emit_socket(sk, PM_EV_SOCKET, origin, &process);
    return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_send, struct sock *sk, int ret, int flags)
{
    return ret < 0 ? 0 : on_use(sk, PM_ORIGIN_SEND);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_recv, struct sock *sk, int ret, int flags)
{
    return ret < 0 ? 0 : on_use(sk, PM_ORIGIN_RECV);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
    struct pm_ev_exec *ev = bpf_ringbuf_reserve(&events, sizeof *ev, 0);
    unsigned long arg_start, arg_end, len;

    if (!ev)
        return 0;
    /* A program's path and arguments: another user's only in full. */
    if (another_users((__u32)bpf_get_current_uid_gid()) && !others_full) {
        bpf_ringbuf_discard(ev, 0);
        return 0;
    }
    ev->type = PM_EV_EXEC;
    ev->time_ns = bpf_ktime_get_boot_ns();
    __builtin_memset(&ev->process, 0, sizeof ev->process);
    if (!current_process(&ev->process)) {
        bpf_ringbuf_discard(ev, 0);
        return 0;
    }
    if (bpf_probe_read_kernel_str(ev->filename, sizeof ev->filename,
                                  BPF_CORE_READ(bprm, filename)) < 0)
        ev->filename[0] = 0;
    arg_start = BPF_CORE_READ(task, mm, arg_start);
    arg_end = BPF_CORE_READ(task, mm, arg_end);
    len = arg_end > arg_start ? arg_end - arg_start : 0;
    if (len > PM_EV_ARGS_LEN - 1)
        len = PM_EV_ARGS_LEN - 1;
    len &= PM_EV_ARGS_LEN - 1;
    ev->args_len = 0;
    if (len > 0 && bpf_probe_read_user(ev->args, len, (const void *)arg_start) == 0)
        ev->args_len = (unsigned int)len;
    bpf_ringbuf_submit(ev, 0);
    return 0;
}
