/* container.c - the container a process runs in, from its cgroup.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "container.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define ID_LEN 64

static gboolean
is_id(const char *text, gsize len)
{
    if (len != ID_LEN)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isdigit(text[i]) && !(text[i] >= 'a' && text[i] <= 'f'))
            return FALSE;
    }
    return TRUE;
}

/* "<prefix><id><suffix>" exactly: the id, or NULL. */
static char *
id_between(const char *part, const char *prefix, const char *suffix)
{
    gsize len = strlen(part), prefix_len = strlen(prefix), suffix_len = strlen(suffix);

    if (len != prefix_len + ID_LEN + suffix_len || strncmp(part, prefix, prefix_len) != 0 ||
        strcmp(part + len - suffix_len, suffix) != 0 || !is_id(part + prefix_len, ID_LEN))
        return NULL;
    return g_strndup(part + prefix_len, ID_LEN);
}

static gboolean
found(pm_container *out, char *id, const char *runtime)
{
    if (id == NULL)
        return FALSE;
    out->id = id;
    out->runtime = g_strdup(runtime);
    return TRUE;
}

/* A machine's name: machined escapes '-' as "\x2d"; printable, bounded. */
static gboolean
machine(const char *part, pm_container *out)
{
    gsize len = strlen(part);
    char *escaped, **pieces, *name;

    if (!g_str_has_prefix(part, "machine-") || !g_str_has_suffix(part, ".scope") ||
        len <= strlen("machine-.scope"))
        return FALSE;
    escaped = g_strndup(part + strlen("machine-"), len - strlen("machine-.scope"));
    pieces = g_strsplit(escaped, "\\x2d", -1);
    name = g_strjoinv("-", pieces);
    g_strfreev(pieces);
    g_free(escaped);
    for (const char *p = name; *p; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f) {
            *name = '\0';
            break;
        }
    }
    if (*name == '\0' || strlen(name) > PM_CONTAINER_NAME_MAX || !g_utf8_validate(name, -1, NULL)) {
        g_free(name);
        return FALSE;
    }
    out->name = name;
    out->runtime = g_strdup("systemd");
    return TRUE;
}

/* A container inside a Kubernetes pod: the innermost component that is one. */
static gboolean
kubernetes(char **parts, guint n, pm_container *out)
{
    static const struct {
        const char *prefix, *suffix, *runtime;
    } forms[] = {
        { "cri-containerd-", ".scope", "containerd" },
        { "crio-", ".scope", "cri-o" },
        { "docker-", ".scope", "docker" },
        { "", "", "containerd" },          /* cgroupfs driver: the CRI runtime cannot be told */
    };

    for (guint j = n; j-- > 2;) {
        for (guint k = 0; k < G_N_ELEMENTS(forms); k++) {
            if (found(out, id_between(parts[j], forms[k].prefix, forms[k].suffix),
                      forms[k].runtime))
                return TRUE;
        }
    }
    return FALSE;
}

/* One cgroup path ("/a/b/c"). */
static gboolean
from_path(const char *path, pm_container *out)
{
    char **parts = g_strsplit(path, "/", -1);
    guint n = g_strv_length(parts);
    const char *top = n > 1 ? parts[1] : "", *second = n > 2 ? parts[2] : "";
    gboolean ok = FALSE;

    /* parts[0] is the empty text before the leading '/'. */
    if (n < 3 || *parts[0] != '\0') {
        g_strfreev(parts);
        return FALSE;
    }
    if (strcmp(top, "system.slice") == 0) {
        ok = found(out, id_between(second, "docker-", ".scope"), "docker") ||
             found(out, id_between(second, "cri-containerd-", ".scope"), "containerd") ||
             found(out, id_between(second, "crio-conmon-", ".scope"), "cri-o") ||
             found(out, id_between(second, "crio-", ".scope"), "cri-o");
    } else if (strcmp(top, "docker") == 0) {
        ok = found(out, id_between(second, "", ""), "docker");
    } else if (strcmp(top, "kubepods") == 0 || strcmp(top, "kubepods.slice") == 0) {
        ok = kubernetes(parts, n, out);
    } else if (strcmp(top, "machine.slice") == 0) {
        ok = found(out, id_between(second, "libpod-conmon-", ".scope"), "podman") ||
             found(out, id_between(second, "libpod-", ".scope"), "podman") ||
             machine(second, out);
    } else if (strcmp(top, "libpod_parent") == 0) {
        ok = found(out, id_between(second, "libpod-", ""), "podman");
    }
    g_strfreev(parts);
    return ok;
}

gboolean
pm_container_from_cgroup(const char *text, pm_container *out)
{
    char **lines;
    gboolean ok = FALSE;

    memset(out, 0, sizeof *out);
    if (text == NULL)
        return FALSE;
    lines = g_strsplit(text, "\n", -1);
    /* Lines are "hierarchy:controllers:path"; cgroup v2 has one, "0::path". */
    for (guint i = 0; lines[i] != NULL && !ok; i++) {
        const char *path = strchr(lines[i], ':');

        path = path ? strchr(path + 1, ':') : NULL;
        if (path != NULL)
            ok = from_path(path + 1, out);
    }
    g_strfreev(lines);
    if (!ok)
        pm_container_clear(out);
    return ok;
}

/* How deep @json nests (outside strings); stops counting past @max. */
static guint
json_depth(const char *json, guint max)
{
    guint depth = 0, deepest = 0;
    gboolean in_string = FALSE;

    for (const char *p = json; *p && deepest <= max; p++) {
        if (in_string) {
            if (*p == '\\' && p[1] != '\0')
                p++;
            else if (*p == '"')
                in_string = FALSE;
        } else if (*p == '"') {
            in_string = TRUE;
        } else if (*p == '{' || *p == '[') {
            deepest = MAX(deepest, ++depth);
        } else if ((*p == '}' || *p == ']') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

static gboolean
docker_name_valid(const char *name)
{
    gsize len = strlen(name);

    if (len == 0 || len > PM_CONTAINER_NAME_MAX || !g_ascii_isalnum(name[0]))
        return FALSE;
    for (gsize i = 1; i < len; i++) {
        if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
            return FALSE;
    }
    return TRUE;
}

char *
pm_container_docker_name(const char *config_json)
{
    JsonParser *parser;
    JsonNode *root;
    JsonObject *object;
    JsonNode *member;
    const char *name;
    char *result = NULL;

    /* The parser recurses per level: refuse what no docker writes. */
    if (config_json == NULL || json_depth(config_json, PM_CONTAINER_JSON_DEPTH_MAX) >
                               PM_CONTAINER_JSON_DEPTH_MAX)
        return NULL;
    parser = json_parser_new_immutable();
    if (json_parser_load_from_data(parser, config_json, -1, NULL) &&
        (root = json_parser_get_root(parser)) != NULL && JSON_NODE_HOLDS_OBJECT(root)) {
        object = json_node_get_object(root);
        member = json_object_get_member(object, "Name");
        if (member != NULL && JSON_NODE_HOLDS_VALUE(member) &&
            json_node_get_value_type(member) == G_TYPE_STRING) {
            name = json_node_get_string(member);
            if (name != NULL && *name == '/')
                name++;
            if (name != NULL && docker_name_valid(name))
                result = g_strdup(name);
        }
    }
    g_object_unref(parser);
    return result;
}

gboolean
pm_container_of_pid(const char *proc_root, const char *docker_root, gint32 pid,
                    pm_container *out)
{
    char *path = g_strdup_printf("%s/%d/cgroup", proc_root ? proc_root : "/proc", pid);
    char *text = NULL;
    gboolean ok;

    memset(out, 0, sizeof *out);
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        g_free(path);
        return FALSE;
    }
    g_free(path);
    ok = pm_container_from_cgroup(text, out);
    g_free(text);
    if (ok && out->id != NULL && out->name == NULL && g_strcmp0(out->runtime, "docker") == 0) {
        char *config = g_strdup_printf("%s/containers/%s/config.v2.json",
                                       docker_root ? docker_root : "/var/lib/docker", out->id);
        char *json = NULL;

        if (g_file_get_contents(config, &json, NULL, NULL))
            out->name = pm_container_docker_name(json);
        g_free(json);
        g_free(config);
    }
    return ok;
}

void
pm_container_clear(pm_container *container)
{
    g_clear_pointer(&container->id, g_free);
    g_clear_pointer(&container->name, g_free);
    g_clear_pointer(&container->runtime, g_free);
}
