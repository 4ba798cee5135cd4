/* privileges.c - capabilities raised only around the calls that need them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "privileges.h"

#include "extcap_error.h"

#include <errno.h>
#include <stdio.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static const struct {
    pm_privilege set;
    cap_value_t  cap;
} known[] = {
    { PM_PRIV_CAPTURE, CAP_NET_RAW },
    { PM_PRIV_CAPTURE, CAP_NET_ADMIN },
    { PM_PRIV_EBPF, CAP_BPF },
    { PM_PRIV_EBPF, CAP_PERFMON },
    /* Old kernels charge BPF maps to RLIMIT_MEMLOCK; libbpf raises it. */
    { PM_PRIV_EBPF, CAP_SYS_RESOURCE },
    { PM_PRIV_NETNS, CAP_SYS_ADMIN },
    { PM_PRIV_READ_PROCS, CAP_SYS_PTRACE },
    { PM_PRIV_READ_PROCS, CAP_DAC_READ_SEARCH },
    { PM_PRIV_CONNTRACK, CAP_NET_ADMIN },
};

static gboolean
flag_set(cap_t caps, cap_value_t cap, cap_flag_t flag)
{
    cap_flag_value_t value = CAP_CLEAR;

    return cap_get_flag(caps, cap, flag, &value) == 0 && value == CAP_SET;
}

gboolean
pm_privileges_init(void)
{
    cap_t caps = cap_get_proc();
    gboolean ok;

    if (caps == NULL)
        return FALSE;
    ok = cap_clear_flag(caps, CAP_EFFECTIVE) == 0 && cap_clear_flag(caps, CAP_INHERITABLE) == 0 &&
         cap_set_proc(caps) == 0;
    cap_free(caps);
    /* Ambient capabilities would survive an exec; none is wanted. */
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    return ok;
}

gboolean
pm_privileges_raise(guint sets)
{
    cap_t caps = cap_get_proc();
    gboolean any = FALSE, ok;

    if (caps == NULL)
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
        if ((sets & known[i].set) && flag_set(caps, known[i].cap, CAP_PERMITTED)) {
            (void)cap_set_flag(caps, CAP_EFFECTIVE, 1, &known[i].cap, CAP_SET);
            any = TRUE;
        }
    }
    ok = any && cap_set_proc(caps) == 0;
    cap_free(caps);
    return ok;
}

void
pm_privileges_lower(void)
{
    cap_t caps = cap_get_proc();

    if (caps == NULL)
        return;
    if (cap_clear_flag(caps, CAP_EFFECTIVE) != 0 || cap_set_proc(caps) != 0)
        g_error("procmap-capture: cannot lower its capabilities: %s", g_strerror(errno));
    cap_free(caps);
}

guint
pm_privileges_permitted(void)
{
    cap_t caps = cap_get_proc();
    guint sets = 0;

    if (caps == NULL)
        return 0;
    for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
        if (flag_set(caps, known[i].cap, CAP_PERMITTED))
            sets |= known[i].set;
    }
    cap_free(caps);
    return sets;
}

static gboolean
set_failed(GError **error, const char *what, int err)
{
    g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED, "cannot %s: %s", what,
                g_strerror(err));
    return FALSE;
}

gboolean
pm_privileges_limit(guint sets, GError **error)
{
    cap_t current = cap_get_proc();
    cap_t wanted = cap_init();     /* all clear */
    int err = 0;

    if (current == NULL || wanted == NULL) {
        err = errno;
    } else {
        for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
            if ((sets & known[i].set) && flag_set(current, known[i].cap, CAP_PERMITTED))
                (void)cap_set_flag(wanted, CAP_PERMITTED, 1, &known[i].cap, CAP_SET);
        }
        if (cap_set_proc(wanted) != 0)
            err = errno;
    }
    if (current)
        cap_free(current);
    if (wanted)
        cap_free(wanted);
    if (err != 0)
        return set_failed(error, "limit its capabilities", err);
    return TRUE;
}

guint
pm_privileges_thread_count(void)
{
    FILE *status = fopen("/proc/self/status", "re");
    char line[256];
    guint threads = 0;

    if (status == NULL)
        return 0;
    while (fgets(line, sizeof line, status) != NULL) {
        if (sscanf(line, "Threads: %u", &threads) == 1)
            break;
    }
    fclose(status);
    return threads;
}

gboolean
pm_privileges_drop_all(GError **error)
{
    cap_t none = cap_init();
    guint threads = pm_privileges_thread_count();

    if (threads != 1) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "cannot give up its capabilities: %u threads would keep theirs", threads);
        cap_free(none);
        return FALSE;
    }
    if (none == NULL || cap_set_proc(none) != 0) {
        int err = errno;
        if (none)
            cap_free(none);
        return set_failed(error, "give up its capabilities", err);
    }
    cap_free(none);
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    /* Nothing this process runs later may gain privileges, and no other
     * process of the caller may read its memory (it held capabilities). */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return set_failed(error, "set no_new_privs", errno);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return set_failed(error, "stay non-dumpable", errno);
    return TRUE;
}

char *
pm_privileges_describe(void)
{
    cap_t caps = cap_get_proc();
    char *text, *copy;

    if (caps == NULL)
        return g_strdup("?");
    text = cap_to_text(caps, NULL);
    copy = g_strdup(text ? text : "?");
    cap_free(text);
    cap_free(caps);
    return copy;
}
