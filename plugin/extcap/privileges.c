/* privileges.c - least privilege: keep only the capabilities still needed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "privileges.h"

#include "extcap_error.h"

#include <errno.h>
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
};

static gboolean
permitted(cap_t caps, cap_value_t cap)
{
    cap_flag_value_t value = CAP_CLEAR;

    return cap_get_flag(caps, cap, CAP_PERMITTED, &value) == 0 && value == CAP_SET;
}

gboolean
pm_privileges_raise(void)
{
    cap_t caps = cap_get_proc();
    gboolean ok;

    if (caps == NULL)
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
        if (permitted(caps, known[i].cap))
            (void)cap_set_flag(caps, CAP_EFFECTIVE, 1, &known[i].cap, CAP_SET);
    }
    ok = cap_set_proc(caps) == 0;
    cap_free(caps);
    return ok;
}

gboolean
pm_privileges_keep(guint sets, GError **error)
{
    cap_t current = cap_get_proc();
    cap_t wanted = cap_init();     /* all clear */
    int err = 0;

    if (current == NULL || wanted == NULL) {
        err = errno;
    } else {
        for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
            if ((sets & known[i].set) && permitted(current, known[i].cap)) {
                (void)cap_set_flag(wanted, CAP_PERMITTED, 1, &known[i].cap, CAP_SET);
                (void)cap_set_flag(wanted, CAP_EFFECTIVE, 1, &known[i].cap, CAP_SET);
            }
        }
        if (cap_set_proc(wanted) != 0)
            err = errno;
    }
    if (current)
        cap_free(current);
    if (wanted)
        cap_free(wanted);
    if (err != 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "cannot drop capabilities: %s", g_strerror(err));
        return FALSE;
    }
    /* Nothing this process runs later may gain privileges. */
    (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
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
