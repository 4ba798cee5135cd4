/* container.c - the container a process runs in, from its cgroup.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "container.h"

#include <string.h>

#define ID_LEN 64

static gboolean
is_id(const char *text, gsize len)
{
    if (len != ID_LEN)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isxdigit(text[i]) || g_ascii_isupper(text[i]))
            return FALSE;
    }
    return TRUE;
}

static const struct {
    const char *prefix;
    const char *runtime;
} id_prefixes[] = {
    { "docker-", "docker" },
    { "cri-containerd-", "containerd" },
    { "crio-conmon-", "cri-o" },
    { "crio-", "cri-o" },
    { "libpod-conmon-", "podman" },
    { "libpod-", "podman" },
    { "", NULL },      /* a bare id: docker's cgroupfs driver, kubepods */
};

/* One path component: "<prefix><id>[.scope]" or "machine-<name>.scope". */
static gboolean
parse_component(const char *part, const char *parent, gboolean kubernetes, pm_container *out)
{
    gsize len = strlen(part);

    if (g_str_has_suffix(part, ".scope"))
        len -= strlen(".scope");
    for (guint i = 0; i < G_N_ELEMENTS(id_prefixes); i++) {
        gsize prefix_len = strlen(id_prefixes[i].prefix);

        if (len < prefix_len || strncmp(part, id_prefixes[i].prefix, prefix_len) != 0 ||
            !is_id(part + prefix_len, len - prefix_len))
            continue;
        out->id = g_strndup(part + prefix_len, ID_LEN);
        /* A bare id: docker's own cgroup, or a pod's container (the CRI
         * runtime cannot be told; containerd is the common one). */
        out->runtime = g_strdup(id_prefixes[i].runtime ? id_prefixes[i].runtime
                                : g_strcmp0(parent, "docker") == 0 ? "docker"
                                : kubernetes ? "containerd" : NULL);
        return TRUE;
    }
    if (g_str_has_prefix(part, "machine-") && len > strlen("machine-")) {
        /* machined escapes '-' in names as "\x2d". */
        char *escaped = g_strndup(part + strlen("machine-"), len - strlen("machine-"));
        char **pieces = g_strsplit(escaped, "\\x2d", -1);

        out->name = g_strjoinv("-", pieces);
        out->runtime = g_strdup("systemd");
        g_strfreev(pieces);
        g_free(escaped);
        return TRUE;
    }
    return FALSE;
}

gboolean
pm_container_from_cgroup(const char *text, pm_container *out)
{
    char **lines;
    gboolean found = FALSE;

    memset(out, 0, sizeof *out);
    if (text == NULL)
        return FALSE;
    lines = g_strsplit(text, "\n", -1);
    /* Lines are "hierarchy:controllers:path"; cgroup v2 has one, "0::path". */
    for (guint i = 0; lines[i] != NULL && !found; i++) {
        const char *path = strchr(lines[i], ':');
        char **parts;

        path = path ? strchr(path + 1, ':') : NULL;
        if (path == NULL)
            continue;
        parts = g_strsplit(path + 1, "/", -1);
        for (guint j = g_strv_length(parts); j-- > 0 && !found;) {
            if (*parts[j] != '\0')
                found = parse_component(parts[j], j > 0 ? parts[j - 1] : NULL,
                                        strstr(path, "/kubepods") != NULL, out);
        }
        g_strfreev(parts);
    }
    g_strfreev(lines);
    return found;
}

char *
pm_container_docker_name(const char *config_json)
{
    static const char key[] = "\"Name\":\"";
    const char *start, *end;

    if (config_json == NULL || (start = strstr(config_json, key)) == NULL)
        return NULL;
    start += strlen(key);
    if (*start == '/')
        start++;
    end = strchr(start, '"');
    if (end == NULL || end == start)
        return NULL;
    for (const char *p = start; p < end; p++) {
        if (*p == '\\' || (guchar)*p < 0x20)
            return NULL;        /* docker names are [a-zA-Z0-9_.-]: not one */
    }
    return g_strndup(start, (gsize)(end - start));
}

gboolean
pm_container_of_pid(const char *proc_root, const char *docker_root, gint32 pid,
                    pm_container *out)
{
    char *path = g_strdup_printf("%s/%d/cgroup", proc_root ? proc_root : "/proc", pid);
    char *text = NULL;
    gboolean found;

    memset(out, 0, sizeof *out);
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        g_free(path);
        return FALSE;
    }
    g_free(path);
    found = pm_container_from_cgroup(text, out);
    g_free(text);
    if (found && out->id != NULL && out->name == NULL &&
        g_strcmp0(out->runtime, "docker") == 0) {
        char *config = g_strdup_printf("%s/containers/%s/config.v2.json",
                                       docker_root ? docker_root : "/var/lib/docker", out->id);
        char *json = NULL;

        if (g_file_get_contents(config, &json, NULL, NULL))
            out->name = pm_container_docker_name(json);
        g_free(json);
        g_free(config);
    }
    return found;
}

void
pm_container_clear(pm_container *container)
{
    g_clear_pointer(&container->id, g_free);
    g_clear_pointer(&container->name, g_free);
    g_clear_pointer(&container->runtime, g_free);
}
