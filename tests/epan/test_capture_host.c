/* test_capture_host.c - where a frame was captured, from the command lines
 * of the dissecting process's children: dumpcap's sources and the extcaps
 * feeding them, as tshark and Wireshark 4.0, 4.4 and 4.6 start them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "capture_host.h"

/* This host's interfaces, for these tests. */
static gboolean
fake_local(const char *name, gpointer data)
{
    (void)data;
    return strcmp(name, "lo") == 0 || strcmp(name, "eth0") == 0;
}

static void
child_free(gpointer data)
{
    pm_child_process *child = data;
    g_strfreev(child->argv);
    g_free(child);
}

/* Children written as command lines (split on spaces; "|" for a space
 * inside an argument); a NULL-terminated list. */
static pm_capture_sources *
sources_of(const char *first, ...)
{
    GPtrArray *children = g_ptr_array_new_with_free_func(child_free);
    pm_capture_sources *sources;
    va_list args;

    va_start(args, first);
    for (const char *line = first; line != NULL; line = va_arg(args, const char *)) {
        pm_child_process *child = g_new0(pm_child_process, 1);
        child->argv = g_strsplit(line, " ", -1);
        for (char **arg = child->argv; *arg != NULL; arg++)
            g_strdelimit(*arg, "|", ' ');
        g_ptr_array_add(children, child);
    }
    va_end(args);
    sources = pm_capture_sources_from_children(children, fake_local, NULL);
    g_ptr_array_unref(children);
    return sources;
}

#define assert_host(sources, name, expected) \
    g_assert_cmpstr(pm_capture_host_name(pm_capture_sources_decide((sources), (name))), ==, \
                    pm_capture_host_name(expected))

static void
test_local_interface(void)
{
    /* tshark -i lo (4.0), with the extcap listers it starts first. */
    pm_capture_sources *sources = sources_of(
        "/usr/lib/x86_64-linux-gnu/wireshark/extcap/sshdump --extcap-interfaces "
        "--extcap-version=4.0",
        "/usr/bin/dumpcap -n -a duration:14.000000 -i lo -Z none", NULL);

    g_assert_cmpuint(pm_capture_sources_count(sources), ==, 1);
    assert_host(sources, "lo", PM_CAPTURED_HERE);
    assert_host(sources, NULL, PM_CAPTURED_HERE);     /* its only source */
    pm_capture_sources_free(sources);

    /* 4.4 and 4.6 write their options differently. */
    sources = sources_of("/usr/bin/dumpcap --log-level MESSAGE -F pcapng -i any -w "
                         "/tmp/x.pcapng -Z 8", NULL);
    assert_host(sources, "any", PM_CAPTURED_HERE);
    pm_capture_sources_free(sources);
}

static void
test_no_live_capture(void)
{
    /* tshark -r: no child; the GUI's dumpcap listing interfaces or their
     * statistics; a zombie dumpcap has no arguments. */
    pm_capture_sources *sources = sources_of(NULL, NULL);

    g_assert_null(sources);
    assert_host(NULL, "lo", PM_CAPTURED_UNKNOWN);
    g_assert_null(sources_of("/usr/bin/dumpcap -S -Z none", NULL));
    g_assert_null(sources_of("/usr/bin/dumpcap -D -Z none", NULL));
    g_assert_null(sources_of("/usr/bin/dumpcap -i lo -L", NULL));
    g_assert_null(sources_of("", NULL));
}

static void
test_sshdump_is_another_host(void)
{
    /* tshark -i sshdump, 4.0: the remote pcapng's own "lo" comes through. */
    pm_capture_sources *sources = sources_of(
        "/usr/lib/x86_64-linux-gnu/wireshark/extcap/sshdump --capture --extcap-interface "
        "sshdump --fifo /tmp/wireshark_extcap_sshdumpNGS0Z3 --remote-host 10.0.0.2",
        "/usr/bin/dumpcap -n -i /tmp/wireshark_extcap_sshdumpNGS0Z3 --ifname sshdump "
        "--ifdescr SSH|remote|capture -Z none", NULL);

    assert_host(sources, "lo", PM_CAPTURED_ELSEWHERE);
    assert_host(sources, "sshdump", PM_CAPTURED_ELSEWHERE);
    g_assert_cmpstr(pm_capture_sources_get(sources, 0)->extcap, ==, "sshdump");
    pm_capture_sources_free(sources);

    /* 4.4 / 4.6: a FIFO in a directory of its own, --fifo=. */
    sources = sources_of(
        "/usr/lib/x86_64-linux-gnu/wireshark/extcap/udpdump --capture --extcap-interface "
        "udpdump --fifo=/tmp/wireshark_extcap_udpdump_E221Z3/fifo --port 5555",
        "/usr/bin/dumpcap --log-level MESSAGE -F pcapng -i "
        "/tmp/wireshark_extcap_udpdump_E221Z3/fifo --ifname udpdump -Z 8", NULL);
    assert_host(sources, "udpdump", PM_CAPTURED_ELSEWHERE);
    pm_capture_sources_free(sources);

    sources = sources_of("/usr/bin/dumpcap -i rpcap://10.0.0.2/eth0 -Z none", NULL);
    assert_host(sources, "rpcap://10.0.0.2/eth0", PM_CAPTURED_ELSEWHERE);
    pm_capture_sources_free(sources);
}

static void
test_procmap_capture_is_this_host(void)
{
    pm_capture_sources *sources = sources_of(
        "/usr/lib/x86_64-linux-gnu/wireshark/extcap/procmap-capture --capture "
        "--extcap-interface procmap-lo --fifo /tmp/wireshark_extcap_procmap-loAB12Z3",
        "/usr/bin/dumpcap -n -i /tmp/wireshark_extcap_procmap-loAB12Z3 --ifname procmap-lo "
        "-Z none", NULL);

    assert_host(sources, "lo", PM_CAPTURED_HERE);
    pm_capture_sources_free(sources);

    /* Another program's procmap-* interface is not procmap-capture. */
    sources = sources_of(
        "/opt/x/extcap/lookalike --capture --extcap-interface procmap-lo --fifo /tmp/f",
        "/usr/bin/dumpcap -i /tmp/f -Z none", NULL);
    assert_host(sources, "lo", PM_CAPTURED_UNKNOWN);
    pm_capture_sources_free(sources);
}

static void
test_pipes_and_unknown_sources(void)
{
    pm_capture_sources *sources = sources_of("/usr/bin/dumpcap -n -i - -Z none", NULL);

    /* tshark -i -: anything may come down the pipe. */
    assert_host(sources, "lo", PM_CAPTURED_UNKNOWN);
    pm_capture_sources_free(sources);
    sources = sources_of("/usr/bin/dumpcap -n -i /tmp/capture.fifo -Z none", NULL);
    assert_host(sources, "lo", PM_CAPTURED_UNKNOWN);
    pm_capture_sources_free(sources);
    /* An extcap not known here; a name that is no interface of this host. */
    sources = sources_of("/opt/x/extcap/mystery --capture --extcap-interface m --fifo /tmp/m",
                         "/usr/bin/dumpcap -i /tmp/m -Z none", NULL);
    assert_host(sources, "m", PM_CAPTURED_UNKNOWN);
    pm_capture_sources_free(sources);
    sources = sources_of("/usr/bin/dumpcap -i wlan7 -Z none", NULL);
    assert_host(sources, "wlan7", PM_CAPTURED_UNKNOWN);
    pm_capture_sources_free(sources);
}

static void
test_several_sources(void)
{
    /* Local interfaces only: each frame's own. */
    pm_capture_sources *sources = sources_of("/usr/bin/dumpcap -i lo -i eth0 -Z none", NULL);

    assert_host(sources, "lo", PM_CAPTURED_HERE);
    assert_host(sources, "eth0", PM_CAPTURED_HERE);
    assert_host(sources, "wlan7", PM_CAPTURED_UNKNOWN);
    assert_host(sources, NULL, PM_CAPTURED_UNKNOWN);
    pm_capture_sources_free(sources);

    /* lo with sshdump: the remote side may call its interface lo too. */
    sources = sources_of(
        "/usr/lib/x86_64-linux-gnu/wireshark/extcap/sshdump --capture --extcap-interface "
        "sshdump --fifo /tmp/wireshark_extcap_sshdumpX",
        "/usr/bin/dumpcap -i lo -i /tmp/wireshark_extcap_sshdumpX --ifname sshdump -Z none",
        NULL);
    assert_host(sources, "lo", PM_CAPTURED_UNKNOWN);
    assert_host(sources, "sshdump", PM_CAPTURED_ELSEWHERE);
    pm_capture_sources_free(sources);

    /* lo with procmap-eth0: both this host. */
    sources = sources_of(
        "/usr/lib/x86_64-linux-gnu/wireshark/extcap/procmap-capture --capture "
        "--extcap-interface procmap-eth0 --fifo /tmp/wireshark_extcap_procmap-eth0X",
        "/usr/bin/dumpcap -i lo -i /tmp/wireshark_extcap_procmap-eth0X -Z none", NULL);
    assert_host(sources, "lo", PM_CAPTURED_HERE);
    assert_host(sources, "eth0", PM_CAPTURED_HERE);
    pm_capture_sources_free(sources);
}

static void
test_other_network_namespace(void)
{
    GPtrArray *children = g_ptr_array_new_with_free_func(child_free);
    pm_child_process *dumpcap = g_new0(pm_child_process, 1);
    pm_capture_sources *sources;

    dumpcap->argv = g_strsplit("/usr/bin/dumpcap -i lo -Z none", " ", -1);
    dumpcap->other_netns = TRUE;    /* its lo is not ours */
    g_ptr_array_add(children, dumpcap);
    sources = pm_capture_sources_from_children(children, fake_local, NULL);
    assert_host(sources, "lo", PM_CAPTURED_UNKNOWN);
    pm_capture_sources_free(sources);
    g_ptr_array_unref(children);
}

static void
write_file(const char *dir, const char *name, const char *contents, gssize length)
{
    char *path = g_build_filename(dir, name, NULL);
    char *parent = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, contents, length, NULL));
    g_free(parent);
    g_free(path);
}

static void
remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR))
            remove_tree(child);
        else
            g_unlink(child);
        g_free(child);
    }
    if (dir != NULL)
        g_dir_close(dir);
    g_rmdir(path);
}

/* A /proc with process 100 (threads 100 and 101) and its children. */
static void
test_read_from_proc(void)
{
    char *proc = g_dir_make_tmp("capture-host-XXXXXX", NULL);
    static const char extcap[] = "/x/sshdump\0--capture\0--extcap-interface\0sshdump\0"
                                 "--fifo\0/tmp/f\0";
    static const char dumpcap[] = "/usr/bin/dumpcap\0-i\0/tmp/f\0--ifname\0sshdump\0";
    pm_capture_sources *sources;

    write_file(proc, "100/task/100/children", "", 0);
    write_file(proc, "100/task/101/children", "201 202 ", -1);
    write_file(proc, "201/cmdline", extcap, sizeof extcap - 1);
    write_file(proc, "202/cmdline", dumpcap, sizeof dumpcap - 1);
    sources = pm_capture_sources_read(proc, 100);
    g_assert_cmpuint(pm_capture_sources_count(sources), ==, 1);
    assert_host(sources, "lo", PM_CAPTURED_ELSEWHERE);
    pm_capture_sources_free(sources);

    /* Without "children" files (a kernel without CONFIG_PROC_CHILDREN):
     * the parent in each process's stat. */
    remove_tree(proc);
    write_file(proc, "100/stat", "100 (tshark) S 1 100", -1);
    write_file(proc, "202/stat", "202 (dumpcap) S 100 100", -1);
    write_file(proc, "202/cmdline", dumpcap, sizeof dumpcap - 1);
    write_file(proc, "203/stat", "203 (a) b) S 100 100", -1);   /* no cmdline: gone */
    write_file(proc, "300/stat", "300 (dumpcap) S 1 1", -1);
    write_file(proc, "300/cmdline", dumpcap, sizeof dumpcap - 1);
    sources = pm_capture_sources_read(proc, 100);
    g_assert_cmpuint(pm_capture_sources_count(sources), ==, 1);
    assert_host(sources, "lo", PM_CAPTURED_UNKNOWN);    /* a FIFO without its extcap */
    pm_capture_sources_free(sources);

    remove_tree(proc);
    g_assert_null(pm_capture_sources_read(proc, 100));     /* nothing at all */
    g_free(proc);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/capture-host/local-interface", test_local_interface);
    g_test_add_func("/capture-host/no-live-capture", test_no_live_capture);
    g_test_add_func("/capture-host/sshdump-is-another-host", test_sshdump_is_another_host);
    g_test_add_func("/capture-host/procmap-capture-is-this-host",
                    test_procmap_capture_is_this_host);
    g_test_add_func("/capture-host/pipes-and-unknown-sources", test_pipes_and_unknown_sources);
    g_test_add_func("/capture-host/several-sources", test_several_sources);
    g_test_add_func("/capture-host/other-network-namespace", test_other_network_namespace);
    g_test_add_func("/capture-host/read-from-proc", test_read_from_proc);
    return g_test_run();
}
