/* test_carried_parse.c - reading the process information a capture carries:
 * ptcpdump's, procmap's, etl2pcapng's and iOS pcapd's comments, Darwin's process blocks,
 * hostile input, and where the process goes in the frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "carried.h"

/* ptcpdump's comments of tcp.pcapng (testdata/format), verbatim. */
#define TCP_PROCESS "PID: 345650\nCmd: /usr/bin/curl\nArgs: curl http://127.0.0.1:8000/notfound"
#define TCP_PARENT "ParentPID: 345626\nParentCmd: /go_workshop/src/github.com/mozillazg/" \
                   "ptcpdump/ptcpdump\nParentArgs: ptcpdump -- curl http://127.0.0.1:8000/notfound"

typedef struct {
    pm_carried carried;
    guint      malformed;      /* malformed values over the test's parses */
} fixture;

static void
setup(fixture *f, gconstpointer data)
{
    (void)data;
    memset(f, 0, sizeof *f);
}

static void
teardown(fixture *f, gconstpointer data)
{
    (void)data;
    pm_carried_clear(&f->carried);
}

static gboolean
parse(fixture *f, const char *const *comments, guint n)
{
    gboolean found;

    pm_carried_clear(&f->carried);
    found = pm_carried_parse(comments, n, NULL, NULL, &f->carried);
    f->malformed += f->carried.n_malformed;
    /* The first malformed value is described, and only then. */
    g_assert_true((f->carried.n_malformed > 0) == (f->carried.malformed != NULL));
    return found;
}

static gboolean
parse1(fixture *f, const char *comment)
{
    return parse(f, &comment, 1);
}

static const pm_carried_process *
single(fixture *f)
{
    g_assert_true(f->carried.process[PM_CARRIED_EITHER].present);
    return &f->carried.process[PM_CARRIED_EITHER];
}

static guint
malformed(fixture *f)
{
    return f->malformed;
}

/* ---- ptcpdump -------------------------------------------------------------- */

static void
test_ptcpdump_real_comments(fixture *f, gconstpointer data)
{
    const char *comments[] = { TCP_PROCESS, TCP_PARENT };
    const pm_carried_process *p;
    (void)data;

    g_assert_true(parse(f, comments, 2));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PTCPDUMP);
    g_assert_false(f->carried.process[PM_CARRIED_SRC].present);
    g_assert_false(f->carried.process[PM_CARRIED_DST].present);
    p = single(f);
    g_assert_cmpint(p->raw.pid, ==, 345650);
    g_assert_cmpstr(p->raw.exe, ==, "/usr/bin/curl");
    g_assert_cmpstr(p->args, ==, "curl http://127.0.0.1:8000/notfound");
    g_assert_false(p->raw.args_truncated);
    g_assert_cmpstr(p->raw.name, ==, "curl");     /* the basename of Cmd */
    g_assert_null(p->raw.comm);
    g_assert_cmpint(p->raw.ppid, ==, 345626);
    g_assert_cmpstr(p->raw.carried.parent_exe, ==,
                    "/go_workshop/src/github.com/mozillazg/ptcpdump/ptcpdump");
    g_assert_cmpstr(p->raw.carried.parent_args, ==,
                    "ptcpdump -- curl http://127.0.0.1:8000/notfound");
    g_assert_false(p->raw.has_uid);
    g_assert_false(p->context.has_tid);
    g_assert_cmpuint(malformed(f), ==, 0);
}

static void
test_ptcpdump_every_group(fixture *f, gconstpointer data)
{
    const char *comments[] = {
        "PID: 122868\nCmd: /usr/bin/curl\nArgs: curl kernel.com",
        "ThreadId: 122870\nThreadName: curl-worker",
        "UserId: 1000",
        "ParentPID: 1\nParentCmd: /usr/bin/bash\nParentArgs: -bash",
        ("ContainerName: web\nContainerId: 0123abcd\nContainerImage: nginx:1.27\n"
         "ContainerLabels: {\"a\":\"b\"}"),
        "PodName: web-0\nPodNamespace: prod\nPodUID: 42\nPodLabels: {}\nPodAnnotations: {}",
    };
    const pm_carried_process *p;
    (void)data;

    g_assert_true(parse(f, comments, G_N_ELEMENTS(comments)));
    p = single(f);
    g_assert_true(p->context.has_tid);
    g_assert_cmpuint(p->context.tid, ==, 122870);
    g_assert_cmpstr(p->context.thread_name, ==, "curl-worker");
    g_assert_true(p->raw.has_uid);
    g_assert_cmpuint(p->raw.uid, ==, 1000);
    g_assert_cmpint(p->raw.ppid, ==, 1);
    g_assert_cmpstr(p->raw.carried.container_name, ==, "web");
    g_assert_cmpstr(p->raw.carried.container_id, ==, "0123abcd");
    g_assert_cmpstr(p->raw.carried.container_image, ==, "nginx:1.27");
    g_assert_cmpstr(p->raw.carried.pod_name, ==, "web-0");
    g_assert_cmpstr(p->raw.carried.pod_namespace, ==, "prod");
}

static void
test_ptcpdump_tolerance(fixture *f, gconstpointer data)
{
    const pm_carried_process *p;
    (void)data;

    /* Aliases, \r\n, spaces, case, unknown keys, lines without ':', a
     * value with ':' in it (split at the first one). */
    g_assert_true(parse1(f, "  pid :  77 \r\nCommand: /opt/x/bin/tool\r\n"
                            "ARGS: tool --url http://h:80/p\r\nTID: 9\r\n"
                            "ParentCommand: /bin/sh\r\nFavouriteColour: blue\r\nno colon\r\n"));
    p = single(f);
    g_assert_cmpint(p->raw.pid, ==, 77);
    g_assert_cmpstr(p->raw.exe, ==, "/opt/x/bin/tool");
    g_assert_cmpstr(p->raw.name, ==, "tool");
    g_assert_cmpstr(p->args, ==, "tool --url http://h:80/p");
    g_assert_true(p->context.has_tid);
    g_assert_cmpuint(p->context.tid, ==, 9);
    g_assert_cmpstr(p->raw.carried.parent_exe, ==, "/bin/sh");
    g_assert_cmpuint(malformed(f), ==, 0);
}

static void
test_ptcpdump_truncated_args(fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_true(parse1(f, "PID: 5\nCmd: /usr/bin/java\nArgs: java -cp a.jar:b.jar..."));
    g_assert_cmpstr(single(f)->args, ==, "java -cp a.jar:b.jar...");
    g_assert_true(single(f)->raw.args_truncated);
}

static void
test_ptcpdump_name_rules(fixture *f, gconstpointer data)
{
    (void)data;
    /* fexecve: the executable is a descriptor, argv[0] names it. */
    g_assert_true(parse1(f, "PID: 13055\nCmd: /dev/fd/5\nArgs: /usr/sbin/dropbear -F -p 22"));
    g_assert_cmpstr(single(f)->raw.name, ==, "dropbear");
    g_assert_cmpstr(single(f)->raw.exe, ==, "/dev/fd/5");
    /* No executable: argv[0]'s basename. */
    g_assert_true(parse1(f, "PID: 5\nArgs: ./bin/server --port 80"));
    g_assert_cmpstr(single(f)->raw.name, ==, "server");
    g_assert_null(single(f)->raw.exe);
    /* Neither: no name. */
    g_assert_true(parse1(f, "PID: 5"));
    g_assert_null(single(f)->raw.name);
    g_assert_null(single(f)->args);
    /* Empty values are absent. */
    g_assert_true(parse1(f, "PID: 5\nCmd:\nArgs:   "));
    g_assert_null(single(f)->raw.exe);
    g_assert_null(single(f)->args);
}

static void
test_repeated_keys_first_wins(fixture *f, gconstpointer data)
{
    const char *comments[] = { "PID: 10\nCmd: /bin/first", "PID: 20\nCmd: /bin/second\nUserId: 7",
                               "UserId: 8" };
    (void)data;

    g_assert_true(parse1(f, "PID: 10\nPID: 20\nCmd: /bin/a\nCmd: /bin/b"));
    g_assert_cmpint(single(f)->raw.pid, ==, 10);
    g_assert_cmpstr(single(f)->raw.exe, ==, "/bin/a");
    /* Across the comments of a packet too: the tool's come first. */
    g_assert_true(parse(f, comments, G_N_ELEMENTS(comments)));
    g_assert_cmpint(single(f)->raw.pid, ==, 10);
    g_assert_cmpstr(single(f)->raw.exe, ==, "/bin/first");
    g_assert_cmpuint(single(f)->raw.uid, ==, 7);
}

static void
test_bad_numbers(fixture *f, gconstpointer data)
{
    static const char *const bad_pids[] = {
        "PID: 0", "PID: -5", "PID: 2147483648", "PID: 12a", "PID: 1 2", "PID: +5",
        "PID: 99999999999999999999999999", "PID: 0x10", "PID:",
    };
    (void)data;

    for (guint i = 0; i < G_N_ELEMENTS(bad_pids); i++) {
        g_assert_false(parse1(f, bad_pids[i]));
        g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_NONE);
    }
    g_assert_cmpuint(malformed(f), ==, G_N_ELEMENTS(bad_pids) - 1);  /* "PID:" is empty */
    g_assert_true(parse1(f, "PID: 2147483647"));
    g_assert_cmpint(single(f)->raw.pid, ==, G_MAXINT32);

    /* A bad optional number loses only itself. */
    g_assert_true(parse1(f, "PID: 5\nUserId: 4294967295\nParentPID: -1\nThreadId: x\n"
                            "StartTime: 18446744073709551616"));
    g_assert_false(single(f)->raw.has_uid);
    g_assert_cmpint(single(f)->raw.ppid, ==, -1);
    g_assert_false(single(f)->context.has_tid);
    g_assert_cmpuint(single(f)->raw.start_time_ns, ==, 0);
    g_assert_true(parse1(f, "PID: 5\nUserId: 0"));
    g_assert_true(single(f)->raw.has_uid);
    g_assert_cmpuint(single(f)->raw.uid, ==, 0);
}

static void
test_not_a_process(fixture *f, gconstpointer data)
{
    const char *comments[] = { NULL, "", "   \n  ", "hello world", "Note: looks odd" };
    (void)data;

    g_assert_false(parse(f, comments, G_N_ELEMENTS(comments)));
    g_assert_false(parse(f, NULL, 0));
    g_assert_false(parse(f, NULL, 3));
    /* ptcpdump writes the container group even without a process. */
    g_assert_false(parse1(f, "ContainerName: web\nContainerId: abc\nContainerImage: x\n"
                             "ContainerLabels: {}"));
    g_assert_cmpuint(malformed(f), ==, 0);
}

/* ---- iOS pcapd ------------------------------------------------------------- */

/* pymobiledevice3's comment (services/pcapd.py, write_to_pcap). */
static void
test_pcapd(fixture *f, gconstpointer data)
{
    const pm_carried_process *p;

    (void)data;
    g_assert_true(parse1(f, "PID: 312, ProcName: nsurlsessiond, EPID: 1204, "
                            "EProcName: MobileSafari, SVC: 0"));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PCAPD);
    p = single(f);
    g_assert_cmpint(p->raw.pid, ==, 312);
    g_assert_cmpstr(p->raw.name, ==, "nsurlsessiond");
    g_assert_true(p->context.has_epid);
    g_assert_cmpuint(p->context.epid, ==, 1204);
    g_assert_cmpstr(p->context.ename, ==, "MobileSafari");
    g_assert_null(p->raw.exe);
    /* The same effective process: none apart.  A name with ", " in it. */
    g_assert_true(parse1(f, "PID: 77, ProcName: a, b, EPID: 77, EProcName: a, b, SVC: 300"));
    p = single(f);
    g_assert_cmpstr(p->raw.name, ==, "a, b");
    g_assert_false(p->context.has_epid);
    /* pid 0: the kernel. */
    g_assert_true(parse1(f, "PID: 0, ProcName: kernel_task, EPID: 0, EProcName: kernel_task, "
                            "SVC: 0"));
    g_assert_cmpint(single(f)->raw.pid, ==, 0);
    g_assert_cmpuint(f->malformed, ==, 0);
    /* A bad pid: no process, malformed; a bad epid: the process, malformed. */
    g_assert_false(parse1(f, "PID: -1, ProcName: x, EPID: 1, EProcName: y, SVC: 0"));
    g_assert_cmpstr(f->carried.malformed, ==, "a malformed or out-of-range pcapd PID");
    g_assert_true(parse1(f, "PID: 5, ProcName: x, EPID: z, EProcName: y, SVC: 0"));
    g_assert_cmpstr(f->carried.malformed, ==, "a malformed or out-of-range pcapd EPID");
    g_assert_false(single(f)->context.has_epid);
    /* Not read as ptcpdump's "PID" (whose value would be malformed). */
    g_assert_true(parse1(f, "PID: 9, ProcName: x\xff"));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PCAPD);
    g_assert_cmpstr(single(f)->raw.name, ==, "x\xef\xbf\xbd");
    g_assert_cmpuint(f->carried.n_malformed, ==, 0);
    /* ptcpdump's comments stay ptcpdump's; they come first. */
    {
        const char *both[] = { "PID: 9, ProcName: x, EPID: 9, EProcName: x, SVC: 0",
                               "PID: 4\nCmd: /bin/sh" };
        g_assert_true(parse(f, both, 2));
        g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PTCPDUMP);
        g_assert_cmpint(single(f)->raw.pid, ==, 4);
    }
}

/* ---- etl2pcapng ------------------------------------------------------------ */

static void
test_etl2pcapng_variants(fixture *f, gconstpointer data)
{
    static const char *const variants[] = {
        "PID=1234 TID=5678",
        "PID=1234 TID=5678 Packet Metadata: ReceiveFlags:0x0, PhyType:HT, CenterCh:2437, "
        "NumMPDUsReceived:1, RSSI:-40, DataRate:130",
        "PID=1234 TID=5678 VlanId=0 SrcPortId=7 SrcNicType=Synthetic SrcNicName=eth0 "
        "SrcPortName=p DstNicCount=1 HashValue=0000abcd",
        "PID=1234 TID=5678 RoutingDomainId={00000000-0000-0000-0000-000000000000} Username=bob",
    };
    (void)data;

    for (guint i = 0; i < G_N_ELEMENTS(variants); i++) {
        g_assert_true(parse1(f, variants[i]));
        g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_ETL2PCAPNG);
        g_assert_cmpint(single(f)->raw.pid, ==, 1234);
        g_assert_true(single(f)->context.has_tid);
        g_assert_cmpuint(single(f)->context.tid, ==, 5678);
        g_assert_null(single(f)->raw.name);     /* etl2pcapng records no name */
        g_assert_null(single(f)->raw.exe);
        g_assert_false(single(f)->raw.has_uid); /* Username= is a RAS user, not the owner */
    }
    g_assert_cmpuint(malformed(f), ==, 0);
    /* PID 0: no process known. */
    g_assert_false(parse1(f, "PID=0 TID=0"));
    g_assert_cmpuint(malformed(f), ==, 0);
    g_assert_false(parse1(f, "PID=-4 TID=1"));
    g_assert_false(parse1(f, "PID=12x TID=1"));
    g_assert_cmpuint(malformed(f), ==, 2);
    g_assert_true(parse1(f, "PID=12"));
    g_assert_false(single(f)->context.has_tid);
    g_assert_true(parse1(f, "PID=12 TID=-1"));
    g_assert_false(single(f)->context.has_tid);
}

/* ---- procmap's own format --------------------------------------------------- */

#define PROCMAP_SRC "procmap-src\nVersion: 1\nPID: 4242\nCmd: /usr/bin/curl\n" \
    "Args: curl -s http://127.0.0.1:8080/\nComm: curl\nUserId: 1000\nUser: alice\n" \
    "ParentPID: 4000\nStartTime: 1700000000123456789\nCwd: /home/alice\n" \
    "ContainerId: c0ffee\nContainerName: client"
#define PROCMAP_DST "procmap-dst\nVersion: 1\nPID: 4100\nCmd: /usr/bin/python3.11\n" \
    "Args: python3 -m http.server 8080\nComm: python3\nUserId: 0\nUser: root"

static void
test_procmap_both_sides(fixture *f, gconstpointer data)
{
    /* With ptcpdump's comment for ptcpdump-aware tools: procmap's wins. */
    const char *comments[] = { "PID: 4242\nCmd: /usr/bin/curl\nArgs: curl", PROCMAP_SRC,
                               PROCMAP_DST };
    const pm_carried_process *src = &f->carried.process[PM_CARRIED_SRC];
    const pm_carried_process *dst = &f->carried.process[PM_CARRIED_DST];
    (void)data;

    g_assert_true(parse(f, comments, G_N_ELEMENTS(comments)));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PROCMAP);
    g_assert_false(f->carried.process[PM_CARRIED_EITHER].present);
    g_assert_true(src->present);
    g_assert_cmpint(src->raw.pid, ==, 4242);
    g_assert_cmpstr(src->raw.name, ==, "curl");
    g_assert_cmpstr(src->raw.comm, ==, "curl");
    g_assert_cmpstr(src->args, ==, "curl -s http://127.0.0.1:8080/");
    g_assert_cmpuint(src->raw.uid, ==, 1000);
    g_assert_cmpstr(src->user, ==, "alice");
    g_assert_cmpint(src->raw.ppid, ==, 4000);
    g_assert_cmpuint(src->raw.start_time_ns, ==, G_GUINT64_CONSTANT(1700000000123456789));
    g_assert_cmpstr(src->raw.cwd, ==, "/home/alice");
    g_assert_cmpstr(src->raw.carried.container_id, ==, "c0ffee");
    g_assert_cmpstr(src->raw.carried.container_name, ==, "client");
    g_assert_true(dst->present);
    g_assert_cmpint(dst->raw.pid, ==, 4100);
    g_assert_cmpstr(dst->raw.name, ==, "python3");
    g_assert_cmpstr(dst->user, ==, "root");
    g_assert_true(dst->raw.has_uid);
    g_assert_cmpuint(dst->raw.uid, ==, 0);
}

static void
test_process_record_by_pid(fixture *f, gconstpointer data)
{
    /* The plugin's comment of a record a packet names by pid alone: one
     * process at no known end, source PIB, ahead of a ptcpdump comment;
     * procmap's own ends win over it. */
    const char *record = PM_CARRIED_PIB_MARKER "\nVersion: 1\nPID: 80\nCmd: /usr/sbin/nginx\n"
                         "Comm: nginx\nUserId: 33";
    const char *with_ptcpdump[] = { record, "PID: 4242\nCmd: /usr/bin/curl" };
    const char *with_procmap[] = { record, PROCMAP_SRC };
    (void)data;

    g_assert_true(parse(f, with_ptcpdump, G_N_ELEMENTS(with_ptcpdump)));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PIB);
    g_assert_false(f->carried.process[PM_CARRIED_SRC].present);
    g_assert_false(f->carried.process[PM_CARRIED_DST].present);
    g_assert_cmpint(single(f)->raw.pid, ==, 80);
    g_assert_cmpstr(single(f)->raw.name, ==, "nginx");
    g_assert_cmpstr(single(f)->raw.exe, ==, "/usr/sbin/nginx");
    g_assert_true(parse(f, with_procmap, G_N_ELEMENTS(with_procmap)));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PROCMAP);
    g_assert_cmpint(f->carried.process[PM_CARRIED_SRC].raw.pid, ==, 4242);
}

static void
test_procmap_rules(fixture *f, gconstpointer data)
{
    const char *one_side[] = { "procmap-dst\nPID: 7\nComm: sshd" };
    const char *twice[] = { "procmap-src\nPID: 7\nComm: first", "procmap-src\nPID: 8\nComm: second" };
    const char *invalid[] = { "procmap-src\nPID: nope", "PID: 9\nCmd: /bin/ptcp" };
    (void)data;

    g_assert_true(parse(f, one_side, 1));
    g_assert_false(f->carried.process[PM_CARRIED_SRC].present);
    g_assert_cmpint(f->carried.process[PM_CARRIED_DST].raw.pid, ==, 7);
    /* A second comment for the same side is ignored. */
    g_assert_true(parse(f, twice, 2));
    g_assert_cmpstr(f->carried.process[PM_CARRIED_SRC].raw.name, ==, "first");
    /* comm of 15 bytes may be cut: the executable's basename names it. */
    g_assert_true(parse1(f, "procmap-src\nPID: 7\nComm: systemd-resolve\n"
                            "Cmd: /usr/lib/systemd/systemd-resolved"));
    g_assert_cmpstr(f->carried.process[PM_CARRIED_SRC].raw.name, ==, "systemd-resolved");
    /* No valid procmap side: the packet's ptcpdump comment is read. */
    g_assert_true(parse(f, invalid, 2));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PTCPDUMP);
    g_assert_cmpint(single(f)->raw.pid, ==, 9);
    /* The header must be the whole first line. */
    g_assert_true(parse1(f, "procmap-src extra\nPID: 3"));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PTCPDUMP);
}

/* ---- Darwin ----------------------------------------------------------------- */

static void
test_darwin(fixture *f, gconstpointer data)
{
    pm_carried_darwin darwin = { TRUE, 501, "mDNSResponder", TRUE, 88, "Safari", FALSE };
    const char *comment = TCP_PROCESS;
    (void)data;

    pm_carried_clear(&f->carried);
    g_assert_true(pm_carried_parse(&comment, 1, &darwin, NULL, &f->carried));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_DARWIN);
    g_assert_cmpint(single(f)->raw.pid, ==, 501);
    g_assert_cmpstr(single(f)->raw.name, ==, "mDNSResponder");
    g_assert_true(single(f)->context.has_epid);
    g_assert_cmpuint(single(f)->context.epid, ==, 88);
    g_assert_cmpstr(single(f)->context.ename, ==, "Safari");
    /* kernel_task is pid 0 on macOS */
    darwin.pid = 0;
    darwin.name = "kernel_task";
    darwin.has_effective = FALSE;
    pm_carried_clear(&f->carried);
    g_assert_true(pm_carried_parse(NULL, 0, &darwin, NULL, &f->carried));
    g_assert_cmpint(single(f)->raw.pid, ==, 0);
    g_assert_false(single(f)->context.has_epid);
    /* A block Wireshark could not resolve: the comments are read instead. */
    darwin.pid = -1;
    pm_carried_clear(&f->carried);
    g_assert_true(pm_carried_parse(&comment, 1, &darwin, NULL, &f->carried));
    g_assert_cmpint(f->carried.kind, ==, PM_CARRIED_PTCPDUMP);
}

/* ---- hostile input ---------------------------------------------------------- */

static void
test_value_cap(fixture *f, gconstpointer data)
{
    GString *comment = g_string_new("PID: 5\nArgs: ");
    GString *cmd = g_string_new("PID: 5\nCmd: /");
    const char *args;
    (void)data;

    for (int i = 0; i < 40000; i++)
        g_string_append(comment, "\xc3\xa9");     /* 80000 bytes of "é" */
    g_assert_true(parse1(f, comment->str));
    args = single(f)->args;
    g_assert_cmpuint(strlen(args), <=, PM_CARRIED_VALUE_MAX);
    g_assert_cmpuint(strlen(args), >, PM_CARRIED_VALUE_MAX - 8);
    g_assert_true(g_utf8_validate(args, -1, NULL));
    g_assert_true(g_str_has_suffix(args, "\xc3\xa9..."));    /* cut between characters */
    g_assert_true(single(f)->raw.args_truncated);
    g_assert_cmpuint(malformed(f), ==, 1);
    /* Invalid bytes grow when replaced: still capped. */
    for (int i = 0; i < PM_CARRIED_VALUE_MAX - 100; i++)
        g_string_append_c(cmd, '\xff');
    g_assert_true(parse1(f, cmd->str));
    g_assert_cmpuint(strlen(single(f)->raw.exe), <=, PM_CARRIED_VALUE_MAX);
    g_assert_true(g_utf8_validate(single(f)->raw.exe, -1, NULL));
    g_assert_true(g_str_has_suffix(single(f)->raw.exe, "..."));
    g_string_free(comment, TRUE);
    g_string_free(cmd, TRUE);
}

static void
test_binary_and_control_bytes(fixture *f, gconstpointer data)
{
    (void)data;
    g_assert_true(parse1(f, "PID: 5\nCmd: /tmp/\xff\xfe\x01x\x7f\nArgs: a\tb\x1b[31mred\n"
                            "ThreadName: \x80\x80"));
    g_assert_true(g_utf8_validate(single(f)->raw.exe, -1, NULL));
    g_assert_cmpstr(single(f)->raw.exe, ==, "/tmp/\xef\xbf\xbd\xef\xbf\xbd x");
    g_assert_cmpstr(single(f)->args, ==, "a b [31mred");
    g_assert_cmpstr(single(f)->raw.name, ==, "\xef\xbf\xbd\xef\xbf\xbd x");
    g_assert_true(g_utf8_validate(single(f)->context.thread_name, -1, NULL));
}

static void
test_many_lines_and_comments(fixture *f, gconstpointer data)
{
    GString *lines = g_string_new(NULL);
    GPtrArray *comments = g_ptr_array_new();
    (void)data;

    /* 200000 lines of junk, then the process: every line is read.  That
     * the time is linear in the input is a figure, not an assertion here:
     * tests/bench/bench_carried.c (./run bench --only C1) prints it. */
    for (int i = 0; i < 200000; i++)
        g_string_append(lines, "Junk: x\n:\n\n");
    g_string_append(lines, "PID: 77\nCmd: /bin/late");
    g_assert_true(parse1(f, lines->str));
    g_assert_cmpint(single(f)->raw.pid, ==, 77);
    /* Only the first PM_CARRIED_COMMENTS_MAX comments are read. */
    for (int i = 0; i < PM_CARRIED_COMMENTS_MAX; i++)
        g_ptr_array_add(comments, (gpointer)"just a note");
    g_ptr_array_add(comments, (gpointer)"PID: 88");
    g_assert_false(parse(f, (const char *const *)comments->pdata, comments->len));
    g_assert_cmpuint(malformed(f), ==, 1);
    g_ptr_array_remove_index(comments, 0);
    g_assert_true(parse(f, (const char *const *)comments->pdata, comments->len));
    g_assert_cmpint(single(f)->raw.pid, ==, 88);
    g_string_free(lines, TRUE);
    g_ptr_array_free(comments, TRUE);
}

/* ---- placing, and process records ------------------------------------------- */

static void
test_place(fixture *f, gconstpointer data)
{
    const pm_carried_process *out[PM_CARRIED_SLOTS];
    const pm_carried_process *curl;
    const char *both[] = { PROCMAP_SRC, PROCMAP_DST };
    (void)data;

    g_assert_true(parse1(f, TCP_PROCESS));
    curl = single(f);
    pm_carried_place(&f->carried, PM_DIRECTION_OUTBOUND, FALSE, out);
    g_assert_true(out[PM_CARRIED_SRC] == curl && !out[PM_CARRIED_DST] && !out[PM_CARRIED_EITHER]);
    pm_carried_place(&f->carried, PM_DIRECTION_INBOUND, FALSE, out);
    g_assert_true(!out[PM_CARRIED_SRC] && out[PM_CARRIED_DST] == curl && !out[PM_CARRIED_EITHER]);
    pm_carried_place(&f->carried, PM_DIRECTION_UNKNOWN, FALSE, out);
    g_assert_true(!out[PM_CARRIED_SRC] && !out[PM_CARRIED_DST] && out[PM_CARRIED_EITHER] == curl);
    /* Both ends loopback: ptcpdump names the client in both directions. */
    pm_carried_place(&f->carried, PM_DIRECTION_OUTBOUND, TRUE, out);
    g_assert_true(!out[PM_CARRIED_SRC] && !out[PM_CARRIED_DST] && out[PM_CARRIED_EITHER] == curl);
    pm_carried_place(&f->carried, PM_DIRECTION_INBOUND, TRUE, out);
    g_assert_true(out[PM_CARRIED_EITHER] == curl);
    /* procmap's sides are explicit, whatever the direction. */
    g_assert_true(parse(f, both, 2));
    pm_carried_place(&f->carried, PM_DIRECTION_INBOUND, TRUE, out);
    g_assert_cmpint(out[PM_CARRIED_SRC]->raw.pid, ==, 4242);
    g_assert_cmpint(out[PM_CARRIED_DST]->raw.pid, ==, 4100);
    g_assert_null(out[PM_CARRIED_EITHER]);
    /* Nothing carried: nothing placed. */
    g_assert_false(parse1(f, "hello"));
    pm_carried_place(&f->carried, PM_DIRECTION_OUTBOUND, FALSE, out);
    g_assert_true(!out[0] && !out[1] && !out[2]);
}

static void
test_to_process(fixture *f, gconstpointer data)
{
    const char *comments[] = { TCP_PROCESS, TCP_PARENT, "UserId: 1000",
                               "ContainerName: web\nContainerId: abc\nContainerImage: img\n"
                               "ContainerLabels: {}",
                               "PodName: p\nPodNamespace: ns\nPodUID: u\nPodLabels: {}\n"
                               "PodAnnotations: {}" };
    pm_process *process;
    (void)data;

    g_assert_true(parse(f, comments, G_N_ELEMENTS(comments)));
    process = pm_carried_process_to_process(single(f));
    g_assert_cmpint(process->pid, ==, 345650);
    g_assert_cmpint(process->ppid, ==, 345626);
    g_assert_cmpstr(process->name, ==, "curl");
    g_assert_false(process->aliased);
    g_assert_null(process->comm);
    g_assert_cmpstr(process->exe, ==, "/usr/bin/curl");
    g_assert_cmpstr(process->args, ==, "curl http://127.0.0.1:8000/notfound");
    g_assert_true(process->has_uid);
    g_assert_cmpuint(process->uid, ==, 1000);
    g_assert_null(process->user);
    g_assert_cmpstr(process->carried.parent_exe, ==,
                    "/go_workshop/src/github.com/mozillazg/ptcpdump/ptcpdump");
    g_assert_cmpstr(process->carried.parent_args, ==,
                    "ptcpdump -- curl http://127.0.0.1:8000/notfound");
    g_assert_cmpstr(process->carried.container_id, ==, "abc");
    g_assert_cmpstr(process->carried.container_name, ==, "web");
    g_assert_cmpstr(process->carried.container_image, ==, "img");
    g_assert_cmpstr(process->carried.pod_name, ==, "p");
    g_assert_cmpstr(process->carried.pod_namespace, ==, "ns");
    pm_process_unref(process);
    /* A process without a name keeps none (etl2pcapng). */
    g_assert_true(parse1(f, "PID=4 TID=8"));
    process = pm_carried_process_to_process(single(f));
    g_assert_cmpint(process->pid, ==, 4);
    g_assert_null(process->name);
    g_assert_null(process->args);
    pm_process_unref(process);
}

/* What is wrong is said with the answer (Expert Info shows it): how many
 * malformed values, the first one described, and a Darwin reference
 * without its block, whether or not a process was found. */
static void
test_problems_described(fixture *f, gconstpointer data)
{
    pm_carried_darwin dangling = { FALSE, -1, NULL, FALSE, 0, NULL, TRUE };
    (void)data;

    g_assert_true(parse1(f, "PID: 5\nUserId: x\nThreadId: -2"));
    g_assert_cmpuint(f->carried.n_malformed, ==, 2);
    g_assert_cmpstr(f->carried.malformed, ==, "a malformed or out-of-range UserId");
    g_assert_false(f->carried.unresolved);
    g_assert_false(parse1(f, "PID: 12a"));
    g_assert_cmpuint(f->carried.n_malformed, ==, 1);
    g_assert_cmpstr(f->carried.malformed, ==, "a malformed or out-of-range PID");
    g_assert_true(parse1(f, TCP_PROCESS));
    g_assert_cmpuint(f->carried.n_malformed, ==, 0);
    g_assert_null(f->carried.malformed);

    pm_carried_clear(&f->carried);
    g_assert_false(pm_carried_parse(NULL, 0, &dangling, NULL, &f->carried));
    g_assert_true(f->carried.unresolved);
    g_assert_cmpuint(f->carried.n_malformed, ==, 0);
    pm_carried_clear(&f->carried);
    g_assert_false(f->carried.unresolved);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name) \
    g_test_add("/carried/" #name, fixture, NULL, setup, test_##name, teardown)
    ADD(ptcpdump_real_comments);
    ADD(problems_described);
    ADD(ptcpdump_every_group);
    ADD(ptcpdump_tolerance);
    ADD(ptcpdump_truncated_args);
    ADD(ptcpdump_name_rules);
    ADD(repeated_keys_first_wins);
    ADD(bad_numbers);
    ADD(not_a_process);
    ADD(etl2pcapng_variants);
    ADD(pcapd);
    ADD(procmap_both_sides);
    ADD(procmap_rules);
    ADD(process_record_by_pid);
    ADD(darwin);
    ADD(value_cap);
    ADD(binary_and_control_bytes);
    ADD(many_lines_and_comments);
    ADD(place);
    ADD(to_process);
#undef ADD
    return g_test_run();
}
