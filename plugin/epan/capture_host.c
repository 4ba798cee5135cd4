/* capture_host.c - whether a frame was captured on this host: the live
 * capture's sources, from the dissecting process's children.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "capture_host.h"

#include <net/if.h>
#include <stdio.h>
#include <string.h>

struct pm_capture_sources {
    GPtrArray *sources;     /* pm_capture_source * */
};

/* Extcaps shipped with Wireshark that capture on another machine (or make
 * packets up): their frames are never this host's. */
static const char *const remote_extcaps[] = {
    "sshdump", "ciscodump", "udpdump", "wifidump", "androiddump", "randpktdump", NULL
};

/* dumpcap's options that take a value: their value is never an option. */
static const char *const dumpcap_valued[] = {
    "-i", "-f", "-s", "-y", "-B", "-a", "-b", "-c", "-w", "-Z", "-F", "-C", "-k", "-N", "-A",
    "-m",
    "--ifname", "--ifdescr", "--capture-comment", "--log-level", "--log-domains",
    "--log-fatal", "--log-fatal-domains", "--log-debug", "--log-noisy", "--log-file",
    "--temp-dir", "--update-interval", "--time-stamp-type", "--interface",
    "--capture-filter", "--snapshot-length", "--linktype", "--buffer-size",
    "--autostop", "--ring-buffer", NULL
};

/* dumpcap's options that make it list something instead of capturing. */
static const char *const dumpcap_listing[] = {
    "-D", "-L", "-S", "-d", "-M", "-v", "-h", "--list-interfaces",
    "--list-data-link-types", "--list-time-stamp-types", "--version", "--help", NULL
};

static gboolean
in_list(const char *const *list, const char *word)
{
    for (; *list != NULL; list++) {
        if (strcmp(*list, word) == 0)
            return TRUE;
    }
    return FALSE;
}

static const char *
program_name(char **argv)
{
    const char *slash;

    if (argv == NULL || argv[0] == NULL)
        return "";
    slash = strrchr(argv[0], '/');
    return slash != NULL ? slash + 1 : argv[0];
}

/* The value of @option ("--fifo X" or "--fifo=X") in @argv, or NULL. */
static const char *
option_value(char **argv, const char *option)
{
    gsize len = strlen(option);

    for (guint i = 1; argv[i] != NULL; i++) {
        if (strcmp(argv[i], option) == 0)
            return argv[i + 1];
        if (strncmp(argv[i], option, len) == 0 && argv[i][len] == '=')
            return argv[i] + len + 1;
    }
    return NULL;
}

static gboolean
has_word(char **argv, const char *word)
{
    for (guint i = 1; argv[i] != NULL; i++) {
        if (strcmp(argv[i], word) == 0)
            return TRUE;
    }
    return FALSE;
}

static void
source_free(gpointer data)
{
    pm_capture_source *source = data;

    g_free(source->interface);
    g_free(source->idb_name);
    g_free(source->extcap);
    g_free(source);
}

/* The extcap child writing into the FIFO @path, or NULL. */
static const pm_child_process *
extcap_feeding(GPtrArray *children, const char *path)
{
    for (guint i = 0; i < children->len; i++) {
        const pm_child_process *child = g_ptr_array_index(children, i);
        const char *fifo;

        if (child->argv == NULL || !has_word(child->argv, "--capture"))
            continue;
        fifo = option_value(child->argv, "--fifo");
        if (fifo != NULL && strcmp(fifo, path) == 0)
            return child;
    }
    return NULL;
}

/* Where an extcap interface captures. */
static pm_capture_host
extcap_host(const char *program, const char *interface)
{
    if (strcmp(program, "procmap-capture") == 0 && g_str_has_prefix(interface, "procmap-"))
        return PM_CAPTURED_HERE;
    if (in_list(remote_extcaps, program))
        return PM_CAPTURED_ELSEWHERE;
    return PM_CAPTURED_UNKNOWN;
}

static void
classify(pm_capture_source *source, GPtrArray *children, gboolean other_netns,
         pm_is_local_interface is_local, gpointer data)
{
    const char *name = source->interface;
    const pm_child_process *extcap = extcap_feeding(children, name);

    if (extcap != NULL) {
        const char *interface = option_value(extcap->argv, "--extcap-interface");
        source->extcap = g_strdup(interface ? interface : "");
        source->host = extcap_host(program_name(extcap->argv), source->extcap);
        source->any_name = TRUE;    /* a pcapng stream keeps its own names */
        if (source->idb_name == NULL)
            source->idb_name = g_strdup(source->extcap);
    } else if (g_str_has_prefix(name, "rpcap://") || g_str_has_prefix(name, "TCP@")) {
        source->host = PM_CAPTURED_ELSEWHERE;
    } else if (strcmp(name, "-") == 0 || strchr(name, '/') != NULL) {
        source->host = PM_CAPTURED_UNKNOWN;     /* a pipe, a FIFO: anything */
        source->any_name = TRUE;
    } else if (!other_netns && (strcmp(name, "any") == 0 || is_local(name, data))) {
        source->host = PM_CAPTURED_HERE;
    } else {
        source->host = PM_CAPTURED_UNKNOWN;
        source->any_name = TRUE;
    }
    if (source->idb_name == NULL)
        source->idb_name = g_strdup(name);
}

/* The sources of one dumpcap child, added to @out; FALSE if it is not
 * capturing. */
static gboolean
dumpcap_sources(const pm_child_process *dumpcap, GPtrArray *children, GPtrArray *out,
                pm_is_local_interface is_local, gpointer data)
{
    char **argv = dumpcap->argv;
    pm_capture_source *current = NULL;
    guint first = out->len;

    for (guint i = 1; argv[i] != NULL; i++) {
        const char *arg = argv[i];
        const char *value = argv[i + 1];

        if (in_list(dumpcap_listing, arg))
            goto not_capturing;
        if (!in_list(dumpcap_valued, arg))
            continue;
        if (value == NULL)
            break;
        if (strcmp(arg, "-i") == 0 || strcmp(arg, "--interface") == 0) {
            current = g_new0(pm_capture_source, 1);
            current->interface = g_strdup(value);
            g_ptr_array_add(out, current);
        } else if (strcmp(arg, "--ifname") == 0 && current != NULL) {
            g_free(current->idb_name);
            current->idb_name = g_strdup(value);
        }
        i++;
    }
    if (out->len == first)
        return FALSE;   /* dumpcap without -i captures on its first interface: unknown */
    for (guint i = first; i < out->len; i++)
        classify(g_ptr_array_index(out, i), children, dumpcap->other_netns, is_local, data);
    return TRUE;

not_capturing:
    g_ptr_array_remove_range(out, first, out->len - first);
    return FALSE;
}

pm_capture_sources *
pm_capture_sources_from_children(GPtrArray *children, pm_is_local_interface is_local,
                                 gpointer data)
{
    GPtrArray *sources = g_ptr_array_new_with_free_func(source_free);
    pm_capture_sources *result;

    for (guint i = 0; i < children->len; i++) {
        const pm_child_process *child = g_ptr_array_index(children, i);

        if (child->argv != NULL && strcmp(program_name(child->argv), "dumpcap") == 0)
            dumpcap_sources(child, children, sources, is_local, data);
    }
    if (sources->len == 0) {
        g_ptr_array_unref(sources);
        return NULL;
    }
    result = g_new0(pm_capture_sources, 1);
    result->sources = sources;
    return result;
}

void
pm_capture_sources_free(pm_capture_sources *sources)
{
    if (sources == NULL)
        return;
    g_ptr_array_unref(sources->sources);
    g_free(sources);
}

guint
pm_capture_sources_count(const pm_capture_sources *sources)
{
    return sources != NULL ? sources->sources->len : 0;
}

const pm_capture_source *
pm_capture_sources_get(const pm_capture_sources *sources, guint i)
{
    return i < pm_capture_sources_count(sources) ? g_ptr_array_index(sources->sources, i)
                                                  : NULL;
}

/* Whether @source can have given frames of the interface @idb_name. */
static gboolean
may_name(const pm_capture_source *source, const char *idb_name)
{
    return source->any_name || strcmp(source->idb_name, idb_name) == 0 ||
           strcmp(source->interface, idb_name) == 0;
}

pm_capture_host
pm_capture_sources_decide(const pm_capture_sources *sources, const char *idb_name)
{
    guint count = pm_capture_sources_count(sources);
    gboolean found = FALSE;
    pm_capture_host host = PM_CAPTURED_UNKNOWN;

    if (count == 0)
        return PM_CAPTURED_UNKNOWN;         /* no live capture: a file, a pipe */
    if (count == 1)
        return pm_capture_sources_get(sources, 0)->host;    /* every frame is its */
    if (idb_name == NULL)
        return PM_CAPTURED_UNKNOWN;
    /* Several: every source that can have given this name must agree. */
    for (guint i = 0; i < count; i++) {
        const pm_capture_source *source = pm_capture_sources_get(sources, i);

        if (!may_name(source, idb_name))
            continue;
        if (found && source->host != host)
            return PM_CAPTURED_UNKNOWN;
        host = source->host;
        found = TRUE;
    }
    return found ? host : PM_CAPTURED_UNKNOWN;
}

const char *
pm_capture_host_name(pm_capture_host host)
{
    switch (host) {
    case PM_CAPTURED_HERE:      return "this host";
    case PM_CAPTURED_ELSEWHERE: return "another host";
    case PM_CAPTURED_UNKNOWN:   break;
    }
    return "unknown";
}

/* ---- reading /proc ------------------------------------------------------ */

static gboolean
local_interface(const char *name, gpointer data)
{
    (void)data;
    return if_nametoindex(name) != 0;
}

static char **
read_argv(const char *proc_dir, const char *pid)
{
    char *path = g_strdup_printf("%s/%s/cmdline", proc_dir, pid);
    char *contents = NULL;
    gsize length = 0;
    GPtrArray *argv;

    if (!g_file_get_contents(path, &contents, &length, NULL) || length == 0) {
        g_free(path);
        g_free(contents);
        return NULL;        /* gone, or a zombie */
    }
    g_free(path);
    argv = g_ptr_array_new();
    for (gsize at = 0; at < length; at += strlen(contents + at) + 1)
        g_ptr_array_add(argv, g_strndup(contents + at, length - at));
    g_ptr_array_add(argv, NULL);
    g_free(contents);
    return (char **)g_ptr_array_free(argv, FALSE);
}

static char *
netns_of(const char *proc_dir, const char *pid)
{
    char *path = g_strdup_printf("%s/%s/ns/net", proc_dir, pid);
    char *target = g_file_read_link(path, NULL);

    g_free(path);
    return target;
}

static void
child_free(gpointer data)
{
    pm_child_process *child = data;

    g_strfreev(child->argv);
    g_free(child);
}

static void
add_child(GPtrArray *children, const char *proc_dir, const char *pid, const char *own_netns)
{
    pm_child_process *child = g_new0(pm_child_process, 1);
    char *netns;

    child->argv = read_argv(proc_dir, pid);
    if (child->argv == NULL) {
        child_free(child);
        return;
    }
    /* Unreadable (a dumpcap with file capabilities, for its owner): it was
     * forked from us and does not change namespaces. */
    netns = netns_of(proc_dir, pid);
    child->other_netns = netns != NULL && own_netns != NULL && strcmp(netns, own_netns) != 0;
    g_free(netns);
    g_ptr_array_add(children, child);
}

/* The pids in @pid's threads' "children" files; FALSE if the kernel has
 * none (CONFIG_PROC_CHILDREN). */
static gboolean
children_from_tasks(const char *proc_dir, int pid, GPtrArray *pids)
{
    char *tasks = g_strdup_printf("%s/%d/task", proc_dir, pid);
    GDir *dir = g_dir_open(tasks, 0, NULL);
    const char *task;
    gboolean any = FALSE;

    while (dir != NULL && (task = g_dir_read_name(dir)) != NULL) {
        char *path = g_strdup_printf("%s/%s/children", tasks, task);
        char *text = NULL;

        if (g_file_get_contents(path, &text, NULL, NULL)) {
            char **words = g_strsplit_set(g_strstrip(text), " \n", -1);
            any = TRUE;
            for (char **word = words; *word != NULL; word++) {
                if (**word != '\0')
                    g_ptr_array_add(pids, g_strdup(*word));
            }
            g_strfreev(words);
        }
        g_free(text);
        g_free(path);
    }
    if (dir != NULL)
        g_dir_close(dir);
    g_free(tasks);
    return any;
}

/* The slow way: every process whose parent is @pid. */
static void
children_from_stat(const char *proc_dir, int pid, GPtrArray *pids)
{
    GDir *dir = g_dir_open(proc_dir, 0, NULL);
    const char *entry;

    while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
        char *path, *text = NULL, *close;
        int ppid;

        if (!g_ascii_isdigit(entry[0]))
            continue;
        path = g_strdup_printf("%s/%s/stat", proc_dir, entry);
        if (g_file_get_contents(path, &text, NULL, NULL) &&
            (close = strrchr(text, ')')) != NULL &&
            sscanf(close + 1, " %*c %d", &ppid) == 1 && ppid == pid)
            g_ptr_array_add(pids, g_strdup(entry));
        g_free(text);
        g_free(path);
    }
    if (dir != NULL)
        g_dir_close(dir);
}

pm_capture_sources *
pm_capture_sources_read(const char *proc_dir, int pid)
{
    GPtrArray *pids = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *children = g_ptr_array_new_with_free_func(child_free);
    char *self = g_strdup_printf("%d", pid);
    char *own_netns = netns_of(proc_dir, self);
    pm_capture_sources *sources;

    if (!children_from_tasks(proc_dir, pid, pids))
        children_from_stat(proc_dir, pid, pids);
    for (guint i = 0; i < pids->len; i++)
        add_child(children, proc_dir, g_ptr_array_index(pids, i), own_netns);
    sources = pm_capture_sources_from_children(children, local_interface, NULL);
    g_ptr_array_unref(children);
    g_ptr_array_unref(pids);
    g_free(own_netns);
    g_free(self);
    return sources;
}
