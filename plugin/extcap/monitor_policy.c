/* monitor_policy.c - what a caller may learn of other users' processes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_GROUP "capture"
#define CONFIG_KEY   "other-users"

gboolean
pm_policy_parse_config(const char *text, gsize len, pm_policy_level *out)
{
    GKeyFile *file = g_key_file_new();
    GError *error = NULL;
    char *value;
    gboolean ok;

    if (text == NULL || !g_key_file_load_from_data(file, text, len, G_KEY_FILE_NONE, NULL)) {
        g_key_file_free(file);
        return FALSE;
    }
    value = g_key_file_get_string(file, CONFIG_GROUP, CONFIG_KEY, &error);
    if (value == NULL) {
        /* No such group or key: the default; anything else is an error. */
        ok = g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND) ||
             g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
        if (ok)
            *out = PM_POLICY_DEFAULT;
        g_clear_error(&error);
    } else {
        ok = pm_policy_level_parse(g_strstrip(value), out);
        g_free(value);
    }
    g_key_file_free(file);
    return ok;
}

/* Root's, and nobody else may write it. */
static pm_config_status
judge(const struct stat *st)
{
    if (st->st_uid != 0)
        return PM_CONFIG_NOT_ROOT_OWNED;
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return PM_CONFIG_WRITABLE;
    return PM_CONFIG_USED;
}

pm_config_status
pm_policy_load_config(const char *path, pm_policy_level *level)
{
    char *dir = g_path_get_dirname(path);
    char *text = NULL;
    struct stat st;
    pm_config_status status;
    gsize len = 0;
    int fd;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        g_free(dir);
        return err == ENOENT || err == ENOTDIR ? PM_CONFIG_ABSENT : PM_CONFIG_UNREADABLE;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        status = PM_CONFIG_UNREADABLE;
    } else if ((status = judge(&st)) == PM_CONFIG_USED) {
        /* The directory: whoever may write it may replace the file. */
        status = stat(dir, &st) == 0 ? judge(&st) : PM_CONFIG_UNREADABLE;
    }
    if (status == PM_CONFIG_USED) {
        text = g_malloc(PM_CAPTURE_CONFIG_MAX + 1);
        while (len <= PM_CAPTURE_CONFIG_MAX) {
            ssize_t n = read(fd, text + len, PM_CAPTURE_CONFIG_MAX + 1 - len);

            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                status = n < 0 ? PM_CONFIG_UNREADABLE : status;
                break;
            }
            len += (gsize)n;
        }
        if (status == PM_CONFIG_USED &&
            (len > PM_CAPTURE_CONFIG_MAX || !pm_policy_parse_config(text, len, level)))
            status = PM_CONFIG_INVALID;
    }
    close(fd);
    g_free(text);
    g_free(dir);
    return status;
}

/* mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo. */
static char *
unescape(const char *field)
{
    GString *out = g_string_new(NULL);

    for (const char *p = field; *p; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            g_string_append_c(out, (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
            p += 3;
        } else {
            g_string_append_c(out, *p);
        }
    }
    return g_string_free(out, FALSE);
}

static pm_hidepid
hidepid_of(const char *value)
{
    static const struct {
        const char *name;
        pm_hidepid  hidepid;
    } names[] = {
        { "0", PM_HIDEPID_OFF }, { "off", PM_HIDEPID_OFF },
        { "1", PM_HIDEPID_NOACCESS }, { "noaccess", PM_HIDEPID_NOACCESS },
        { "2", PM_HIDEPID_INVISIBLE }, { "invisible", PM_HIDEPID_INVISIBLE },
        { "4", PM_HIDEPID_PTRACEABLE }, { "ptraceable", PM_HIDEPID_PTRACEABLE },
    };

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        if (strcmp(value, names[i].name) == 0)
            return names[i].hidepid;
    }
    /* An unknown value hides at least as much as noaccess: assume so. */
    return PM_HIDEPID_INVISIBLE;
}

gboolean
pm_policy_parse_mountinfo(const char *text, const char *mount_point, pm_hidepid *hidepid,
                          gint64 *gid)
{
    char **lines;
    gboolean found = FALSE;

    *hidepid = PM_HIDEPID_OFF;
    *gid = -1;
    if (text == NULL)
        return FALSE;
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        /* id parent dev root mount-point options [optional...] - type source super-options */
        char **fields = g_strsplit(lines[i], " ", -1);
        guint n = g_strv_length(fields), dash = 0;
        char *point;

        for (guint j = 6; j < n && dash == 0; j++) {
            if (strcmp(fields[j], "-") == 0)
                dash = j;
        }
        if (n < 5 || dash == 0 || dash + 3 >= n || strcmp(fields[dash + 1], "proc") != 0) {
            g_strfreev(fields);
            continue;
        }
        point = unescape(fields[4]);
        if (strcmp(point, mount_point) == 0) {
            char **options = g_strsplit(fields[dash + 3], ",", -1);

            /* A later line is a mount on top of an earlier one. */
            found = TRUE;
            *hidepid = PM_HIDEPID_OFF;
            *gid = -1;
            for (guint k = 0; options[k] != NULL; k++) {
                if (g_str_has_prefix(options[k], "hidepid="))
                    *hidepid = hidepid_of(options[k] + strlen("hidepid="));
                else if (g_str_has_prefix(options[k], "gid="))
                    *gid = g_ascii_strtoll(options[k] + strlen("gid="), NULL, 10);
            }
            g_strfreev(options);
        }
        g_free(point);
        g_strfreev(fields);
    }
    g_strfreev(lines);
    return found;
}

char *
pm_policy_describe(const pm_mon_hello *hello)
{
    GString *out = g_string_new("other users' processes: ");
    gboolean hidden = hello->hidepid != PM_HIDEPID_OFF && !hello->hidepid_exempt;

    if (hello->caller_uid == 0) {
        g_string_append(out, "all details (the caller is root)");
        return g_string_free(out, FALSE);
    }
    switch ((pm_policy_level)hello->level) {
    case PM_POLICY_NONE:
        g_string_append(out, "not attributed");
        break;
    case PM_POLICY_IDENTITY:
        g_string_append(out, "identity only (pid, name, user); arguments hidden");
        break;
    case PM_POLICY_FULL:
        g_string_append(out, "all details (arguments included)");
        break;
    }
    if (hidden)
        g_string_append_printf(out, "; processes /proc hides (hidepid=%s) not attributed",
                               pm_hidepid_name((pm_hidepid)hello->hidepid));
    g_string_append_printf(out, " (%s: %s)", PM_CAPTURE_CONFIG_FILE,
                           pm_config_status_text((pm_config_status)hello->config_status));
    return g_string_free(out, FALSE);
}
