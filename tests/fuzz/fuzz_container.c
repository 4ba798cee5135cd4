/* fuzz_container.c - container identity (plugin/extcap/container.c): the
 * text of /proc/<pid>/cgroup, and docker's config.v2.json.
 *
 * Input: a byte choosing the parser (even: cgroup, odd: JSON), then the
 * text.
 *
 * A container is named only from a path whose top is one of the runtimes'
 * places (never user.slice); an id is 64 lowercase hex digits; a name is
 * printable UTF-8 of at most PM_CONTAINER_NAME_MAX bytes; docker's name is
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "container.h"

static const char *const tops[] = {
    "/system.slice/", "/docker/", "/kubepods/", "/kubepods.slice/", "/machine.slice/",
    "/libpod_parent/",
};

static gboolean
has_runtime_path(const char *text)
{
    char **lines = g_strsplit(text, "\n", -1);
    gboolean found = FALSE;

    for (guint i = 0; lines[i] != NULL && !found; i++) {
        const char *path = strchr(lines[i], ':');

        path = path ? strchr(path + 1, ':') : NULL;
        for (guint j = 0; path != NULL && j < G_N_ELEMENTS(tops) && !found; j++)
            found = g_str_has_prefix(path + 1, tops[j]);
    }
    g_strfreev(lines);
    return found;
}

static void
check_id(const char *id)
{
    FUZZ_CHECK(strlen(id) == 64);
    for (const char *p = id; *p; p++)
        FUZZ_CHECK(g_ascii_isdigit(*p) || (*p >= 'a' && *p <= 'f'));
}

static void
check_cgroup(const char *text)
{
    pm_container container;
    gboolean found = pm_container_from_cgroup(text, &container);

    if (!found) {
        FUZZ_CHECK(container.id == NULL && container.name == NULL && container.runtime == NULL);
        return;
    }
    FUZZ_CHECK(has_runtime_path(text));
    FUZZ_CHECK(container.runtime != NULL);
    FUZZ_CHECK((container.id != NULL) != (container.name != NULL));
    if (container.id != NULL)
        check_id(container.id);
    if (container.name != NULL) {
        FUZZ_CHECK(strcmp(container.runtime, "systemd") == 0);
        FUZZ_CHECK(*container.name != '\0' && strlen(container.name) <= PM_CONTAINER_NAME_MAX);
        FUZZ_CHECK(g_utf8_validate(container.name, -1, NULL));
        for (const char *p = container.name; *p; p++)
            FUZZ_CHECK((guchar)*p >= 0x20 && *p != 0x7f);
    }
    pm_container_clear(&container);
}

static void
check_docker_name(const char *json)
{
    char *name = pm_container_docker_name(json);

    if (name == NULL)
        return;
    /* (Not that the text spells "Name": a JSON escape may write any of it.) */
    FUZZ_CHECK(*name != '\0' && strlen(name) <= PM_CONTAINER_NAME_MAX);
    FUZZ_CHECK(g_ascii_isalnum(name[0]));
    for (const char *p = name; *p; p++)
        FUZZ_CHECK(g_ascii_isalnum(*p) || *p == '_' || *p == '.' || *p == '-');
    g_free(name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 which = fuzz_byte(&in);
    char *text = fuzz_strndup(in.p, in.left);

    if (which & 1)
        check_docker_name(text);
    else
        check_cgroup(text);
    free(text);
    return 0;
}
