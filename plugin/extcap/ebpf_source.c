/* ebpf_source.c - socket events from the kernel, as they happen (eBPF).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "ebpf_source.h"

#include "extcap_error.h"

#include <string.h>
#include <time.h>

#ifdef PROCMAP_HAVE_EBPF

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ebpf_decode.h"
#include "sock_events.h"
#include "sock_events.skel.h"

struct pm_ebpf_source {
    struct sock_events *skeleton;
    struct ring_buffer *ring;
    pm_ebpf_callbacks   callbacks;
    gpointer            data;
    gint64              boot_to_epoch_ns;
    char               *hooks;
    guint32             pidns;
};

/* libbpf's messages of the load being tried, for the error. */
static GString *libbpf_log;

static int collect_libbpf_message(enum libbpf_print_level level, const char *format,
                                  va_list args) G_GNUC_PRINTF(2, 0);

static int
collect_libbpf_message(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level != LIBBPF_DEBUG && libbpf_log != NULL) {
        char *line = g_strdup_vprintf(format, args);

        g_string_append(libbpf_log, line);
        g_free(line);
    }
    return 0;
}

gboolean
pm_ebpf_built(void)
{
    return TRUE;
}

gboolean
pm_ebpf_probe(GError **error)
{
    int fd;

    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_UNSUPPORTED,
                    "eBPF: the kernel has no readable BTF (/sys/kernel/btf/vmlinux)");
        return FALSE;
    }
    fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, 4096, NULL);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_UNSUPPORTED,
                    "eBPF: not allowed here (%s; needs cap_bpf,cap_perfmon)", g_strerror(err));
        return FALSE;
    }
    close(fd);
    return TRUE;
}

static gint64
clock_ns(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
pm_ebpf_source_sync_clock(pm_ebpf_source *source)
{
    source->boot_to_epoch_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

static gint64
epoch_us(pm_ebpf_source *source, guint64 boot_ns)
{
    return ((gint64)boot_ns + source->boot_to_epoch_ns) / 1000;
}

static pm_event_process
event_process(pm_ebpf_source *source, const pm_ebpf_process *in)
{
    pm_event_process out = {
        .pid = in->pid, .tid = in->tid, .ppid = in->ppid, .uid = in->uid,
        .start_time_ns = in->start_boot_ns
                         ? (guint64)((gint64)in->start_boot_ns + source->boot_to_epoch_ns) : 0,
        .comm = in->comm,
    };

    return out;
}

static int
on_event(void *ctx, void *data, size_t size)
{
    pm_ebpf_source *source = ctx;
    pm_ebpf_record record;
    pm_event_process process;

    if (!pm_ebpf_decode(data, size, &record))
        return 0;           /* not a record of ours: skipped */
    switch (record.kind) {
    case PM_EBPF_RECORD_CLOSE:
        if (source->callbacks.close)
            source->callbacks.close(source->data, &record.local, &record.remote,
                                    epoch_us(source, record.time_boot_ns));
        break;
    case PM_EBPF_RECORD_SOCKET:
        if (source->callbacks.socket == NULL)
            break;
        process = event_process(source, &record.process);
        source->callbacks.socket(source->data, record.transport, &record.local, &record.remote,
                                 record.netns, &process, record.origin,
                                 epoch_us(source, record.time_boot_ns));
        break;
    case PM_EBPF_RECORD_EXEC:
        if (source->callbacks.exec == NULL)
            break;
        process = event_process(source, &record.process);
        source->callbacks.exec(source->data, &process, record.filename, record.args,
                               record.args_len, epoch_us(source, record.time_boot_ns));
        break;
    }
    return 0;
}

/* The tracepoints: the first three are needed, the others help. */
static const struct {
    const char *tracepoint;
    gboolean    required;
} hooks[] = {
    { "inet_sock_set_state", TRUE },
    { "sock_send_length", TRUE },
    { "sock_recv_length", TRUE },
    { "net_dev_queue", FALSE },
    { "sched_process_exec", FALSE },
};

static struct bpf_program *
program_of(struct sock_events *skeleton, guint i)
{
    struct bpf_program *programs[] = {
        skeleton->progs.on_set_state, skeleton->progs.on_send, skeleton->progs.on_recv,
        skeleton->progs.on_dev_queue, skeleton->progs.on_exec,
    };

    return programs[i];
}

static struct bpf_link **
link_of(struct sock_events *skeleton, guint i)
{
    struct bpf_link **links[] = {
        &skeleton->links.on_set_state, &skeleton->links.on_send, &skeleton->links.on_recv,
        &skeleton->links.on_dev_queue, &skeleton->links.on_exec,
    };

    return links[i];
}

static void
fail(GError **failure, const char *what, int err)
{
    g_set_error(failure, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_UNSUPPORTED, "eBPF: %s: %s%s%s", what,
                g_strerror(err < 0 ? -err : err), libbpf_log->len ? "; libbpf: " : "",
                g_strstrip(libbpf_log->str));
}

/* The maps keyed by kernel addresses (sockets) stay the programs' alone:
 * their descriptors in this process are pointed at /dev/null, so that
 * libbpf's later close() closes that instead. */
static void
seal_map(struct bpf_map *map)
{
    int fd = bpf_map__fd(map);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

    if (fd >= 0 && null >= 0 && dup3(null, fd, O_CLOEXEC) < 0)
        g_error("procmap-capture: cannot close an eBPF map: %s", g_strerror(errno));
    if (null >= 0)
        close(null);
}

pm_ebpf_source *
pm_ebpf_source_new(const pm_ebpf_config *config, GError **error)
{
    pm_ebpf_source *source = g_new0(pm_ebpf_source, 1);
    GString *attached = g_string_new(NULL);
    GError *failure = NULL;
    struct btf *vmlinux;
    int err;

    pm_ebpf_source_sync_clock(source);
    libbpf_log = g_string_new(NULL);
    libbpf_set_print(collect_libbpf_message);

    vmlinux = btf__load_vmlinux_btf();
    if (vmlinux == NULL) {
        err = errno;
        fail(&failure, "the kernel has no BTF (/sys/kernel/btf/vmlinux)", err);
        goto out;
    }
    source->skeleton = sock_events__open();
    if (source->skeleton == NULL) {
        err = errno;
        btf__free(vmlinux);
        fail(&failure, "opening the programs", err);
        goto out;
    }
    /* A tracepoint this kernel lacks would fail the whole load. */
    for (guint i = 0; i < G_N_ELEMENTS(hooks); i++) {
        char *type = g_strconcat("btf_trace_", hooks[i].tracepoint, NULL);
        gboolean exists = btf__find_by_name_kind(vmlinux, type, BTF_KIND_TYPEDEF) >= 0;

        g_free(type);
        if (!exists && hooks[i].required) {
            btf__free(vmlinux);
            fail(&failure, hooks[i].tracepoint, ENOENT);
            goto out;
        }
        if (!exists)
            bpf_program__set_autoload(program_of(source->skeleton, i), false);
    }
    btf__free(vmlinux);
    source->pidns = config->pidns;
    source->skeleton->rodata->pidns_inum = config->pidns;
    source->skeleton->rodata->caller_uid = config->caller_uid;
    source->skeleton->rodata->others_hidden = config->others_hidden ? 1 : 0;
    source->skeleton->rodata->others_full = config->others_full ? 1 : 0;
    err = sock_events__load(source->skeleton);
    if (err != 0) {
        fail(&failure, "loading the programs", err);
        goto out;
    }
    for (guint i = 0; i < G_N_ELEMENTS(hooks); i++) {
        struct bpf_program *program = program_of(source->skeleton, i);
        struct bpf_link *link;

        if (!bpf_program__autoload(program))
            continue;
        link = bpf_program__attach(program);
        if (link == NULL) {
            err = errno;
            if (!hooks[i].required)
                continue;
            fail(&failure, hooks[i].tracepoint, err);
            goto out;
        }
        *link_of(source->skeleton, i) = link;
        g_string_append_printf(attached, "%s%s", attached->len ? ", " : "",
                               hooks[i].tracepoint);
    }
    source->hooks = g_string_free(attached, FALSE);
    attached = NULL;
    source->ring = ring_buffer__new(bpf_map__fd(source->skeleton->maps.events), on_event,
                                    source, NULL);
    if (source->ring == NULL) {
        fail(&failure, "opening the ring buffer", errno);
        goto out;
    }
    seal_map(source->skeleton->maps.connecting);
    seal_map(source->skeleton->maps.seen);
out:
    libbpf_set_print(NULL);
    g_string_free(libbpf_log, TRUE);
    libbpf_log = NULL;
    if (attached != NULL)
        g_string_free(attached, TRUE);
    if (failure != NULL) {
        g_propagate_error(error, failure);
        pm_ebpf_source_free(source);
        return NULL;
    }
    return source;
}

void
pm_ebpf_source_set_callbacks(pm_ebpf_source *source, const pm_ebpf_callbacks *callbacks,
                             gpointer data)
{
    source->callbacks = *callbacks;
    source->data = data;
}

void
pm_ebpf_source_free(pm_ebpf_source *source)
{
    if (source == NULL)
        return;
    if (source->ring)
        ring_buffer__free(source->ring);
    if (source->skeleton)
        sock_events__destroy(source->skeleton);
    g_free(source->hooks);
    g_free(source);
}

int
pm_ebpf_source_fd(pm_ebpf_source *source)
{
    return ring_buffer__epoll_fd(source->ring);
}

int
pm_ebpf_source_poll(pm_ebpf_source *source, int timeout_ms)
{
    return timeout_ms > 0 ? ring_buffer__poll(source->ring, timeout_ms)
                          : ring_buffer__consume(source->ring);
}

const char *
pm_ebpf_source_hooks(pm_ebpf_source *source)
{
    return source->hooks;
}

guint32
pm_ebpf_source_pidns(pm_ebpf_source *source)
{
    return source->pidns;
}

#else /* !PROCMAP_HAVE_EBPF */

struct pm_ebpf_source {
    int unused;
};

gboolean
pm_ebpf_built(void)
{
    return FALSE;
}

gboolean
pm_ebpf_probe(GError **error)
{
    return pm_ebpf_source_new(NULL, error) != NULL;
}

pm_ebpf_source *
pm_ebpf_source_new(const pm_ebpf_config *config, GError **error)
{
    g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_UNSUPPORTED,
                "eBPF: this build has no eBPF programs (clang, bpftool or the build "
                "machine's BTF were missing)");
    return NULL;
}

void pm_ebpf_source_free(pm_ebpf_source *source) { g_free(source); }
void pm_ebpf_source_set_callbacks(pm_ebpf_source *source, const pm_ebpf_callbacks *callbacks,
                                  gpointer data) { }
int pm_ebpf_source_fd(pm_ebpf_source *source) { return -1; }
int pm_ebpf_source_poll(pm_ebpf_source *source, int timeout_ms) { return -1; }
const char *pm_ebpf_source_hooks(pm_ebpf_source *source) { return ""; }
guint32 pm_ebpf_source_pidns(pm_ebpf_source *source) { return 0; }
void pm_ebpf_source_sync_clock(pm_ebpf_source *source) { }

#endif /* PROCMAP_HAVE_EBPF */
