/* process.c - immutable, reference-counted process records.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "process.h"

#include <string.h>

char *
pm_utf8_sanitize(char *text)
{
    char *valid;

    if (text == NULL)
        return NULL;
    valid = g_utf8_make_valid(text, -1);
    g_free(text);
    /* Control characters would break a one-line tree item or a column. */
    for (char *p = valid; *p; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    return valid;
}

static char *
empty_to_null(char *text)
{
    if (text != NULL && *text == '\0') {
        g_free(text);
        return NULL;
    }
    return text;
}

static void
sanitize_text(char **text, gpointer data)
{
    (void)data;
    *text = empty_to_null(pm_utf8_sanitize(*text));
}

static char *
join_args(const GPtrArray *argv)
{
    GString *joined;

    if (argv == NULL)
        return NULL;
    joined = g_string_new(NULL);
    for (guint i = 0; i < argv->len; i++) {
        if (i > 0)
            g_string_append_c(joined, ' ');
        g_string_append(joined, g_ptr_array_index(argv, i));
    }
    return g_string_free(joined, FALSE);
}

/* Each argument sanitised and NUL-terminated, one after the other: the
 * command line with its argument boundaries. */
static char *
nul_separated_args(const GPtrArray *argv, gsize *len)
{
    GString *joined;

    *len = 0;
    if (argv == NULL || argv->len == 0)
        return NULL;
    joined = g_string_new(NULL);
    for (guint i = 0; i < argv->len; i++) {
        char *argument = pm_utf8_sanitize(g_strdup(g_ptr_array_index(argv, i)));

        g_string_append(joined, argument);
        g_string_append_c(joined, '\0');
        g_free(argument);
    }
    *len = joined->len;
    return g_string_free(joined, FALSE);
}

char *
pm_process_pick_name(const char *comm, const char *exe)
{
    /* comm is capped at 15 bytes by the kernel: at exactly 15 it may be cut,
     * so the executable's basename is the better name.  argv[0] is never
     * used: the process chooses it. */
    if (comm != NULL && *comm != '\0') {
        if (strlen(comm) < PM_COMM_MAX || exe == NULL || *exe == '\0')
            return g_strdup(comm);
    }
    if (exe != NULL && *exe != '\0')
        return g_path_get_basename(exe);
    return NULL;
}

int
pm_alias_match(const pm_alias_rule *rules, guint n_rules, const char *args)
{
    if (args == NULL)
        return -1;
    for (guint i = 0; i < n_rules; i++) {
        const char *substring = rules[i].cmdline_substring ? rules[i].cmdline_substring : "";
        if (strstr(args, substring) != NULL)
            return (int)i;
    }
    return -1;
}

pm_process *
pm_process_new(pm_process_raw *raw, const char *user,
               const pm_alias_rule *rules, guint n_rules)
{
    pm_process *process = g_rc_box_new0(pm_process);
    int rule;

    process->pid = raw->pid;
    process->ppid = raw->ppid;
    process->comm = empty_to_null(pm_utf8_sanitize(g_steal_pointer(&raw->comm)));
    process->exe = empty_to_null(pm_utf8_sanitize(g_steal_pointer(&raw->exe)));
    process->cwd = empty_to_null(pm_utf8_sanitize(g_steal_pointer(&raw->cwd)));
    /* Aliases match the raw bytes joined (the user typed them); the stored
     * args are sanitised. */
    process->args = join_args(raw->argv);
    process->argv = nul_separated_args(raw->argv, &process->argv_len);
    process->args_truncated = raw->args_truncated;
    process->start_time_ns = raw->start_time_ns;
    process->has_uid = raw->has_uid;
    process->uid = raw->uid;
    process->user = pm_utf8_sanitize(g_strdup(user));
    process->carried = raw->carried;
    memset(&raw->carried, 0, sizeof raw->carried);
    pm_process_carried_foreach(&process->carried, sanitize_text, NULL);

    rule = pm_alias_match(rules, n_rules, process->args);
    process->args = pm_utf8_sanitize(process->args);
    if (rule >= 0 && rules[rule].name != NULL && *rules[rule].name != '\0') {
        process->name = pm_utf8_sanitize(g_strdup(rules[rule].name));
        process->aliased = TRUE;
    } else if (raw->name != NULL && *raw->name != '\0') {
        process->name = pm_utf8_sanitize(g_steal_pointer(&raw->name));
    } else {
        process->name = pm_process_pick_name(process->comm, process->exe);
    }
    pm_process_raw_clear(raw);
    return process;
}

pm_process *
pm_process_ref(pm_process *process)
{
    return process ? g_rc_box_acquire(process) : NULL;
}

static void
process_clear(gpointer data)
{
    pm_process *process = data;

    g_free(process->name);
    g_free(process->comm);
    g_free(process->exe);
    g_free(process->args);
    g_free(process->argv);
    g_free(process->cwd);
    g_free(process->user);
    pm_process_carried_clear(&process->carried);
}

void
pm_process_unref(pm_process *process)
{
    if (process)
        g_rc_box_release_full(process, process_clear);
}

gint
pm_process_compare_age(gconstpointer a, gconstpointer b)
{
    const pm_process *x = *(pm_process *const *)a;
    const pm_process *y = *(pm_process *const *)b;
    /* Oldest first (unknown start times last), then lowest pid: the creator
     * of a socket shared across fork comes first. */
    guint64 sx = x->start_time_ns ? x->start_time_ns : G_MAXUINT64;
    guint64 sy = y->start_time_ns ? y->start_time_ns : G_MAXUINT64;

    if (sx != sy)
        return sx < sy ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

pm_process_key *
pm_process_key_new(gint32 pid, guint64 start_time_ns)
{
    pm_process_key *key = g_new(pm_process_key, 1);

    key->pid = pid;
    key->start_time_ns = start_time_ns;
    return key;
}

guint
pm_process_key_hash(gconstpointer key)
{
    const pm_process_key *k = key;
    return (guint)k->pid * 2654435761u ^ (guint)(k->start_time_ns ^ (k->start_time_ns >> 32));
}

gboolean
pm_process_key_equal(gconstpointer a, gconstpointer b)
{
    const pm_process_key *x = a, *y = b;
    return x->pid == y->pid && x->start_time_ns == y->start_time_ns;
}

GHashTable *
pm_process_key_table_new(GDestroyNotify value_free)
{
    return g_hash_table_new_full(pm_process_key_hash, pm_process_key_equal, g_free, value_free);
}
