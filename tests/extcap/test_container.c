/* test_container.c - container ids and names from cgroups.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "container.h"

#include <glib/gstdio.h>
#include <string.h>

#define ID "4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"

static void
check(const char *cgroup, const char *id, const char *name, const char *runtime)
{
    pm_container container;
    gboolean found = pm_container_from_cgroup(cgroup, &container);

    g_assert_cmpint(found, ==, id != NULL || name != NULL);
    g_assert_cmpstr(container.id, ==, id);
    g_assert_cmpstr(container.name, ==, name);
    g_assert_cmpstr(container.runtime, ==, runtime);
    pm_container_clear(&container);
}

static void
test_patterns(void)
{
    check("0::/system.slice/docker-" ID ".scope\n", ID, NULL, "docker");
    check("12:pids:/docker/" ID "\n11:cpu:/docker/" ID "\n", ID, NULL, "docker");
    check("0::/system.slice/cri-containerd-" ID ".scope\n", ID, NULL, "containerd");
    check("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/crio-" ID
          ".scope\n", ID, NULL, "cri-o");
    check("1:name=systemd:/kubepods/besteffort/pod12/" ID "\n", ID, NULL, "containerd");
    check("0::/machine.slice/libpod-" ID ".scope/container\n", ID, NULL, "podman");
    check("0::/machine.slice/machine-web\\x2dfront.scope\n", NULL, "web-front", "systemd");
    check("0::/system.slice/docker-" ID ".scope/init.scope\n", ID, NULL, "docker");
    check("0::/system.slice/crio-conmon-" ID ".scope\n", ID, NULL, "cri-o");
    check("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podab.slice/"
          "cri-containerd-" ID ".scope\n", ID, NULL, "containerd");
    check("0::/libpod_parent/libpod-" ID "\n", ID, NULL, "podman");
    /* v1: the first hierarchy that names one. */
    check("12:pids:/user.slice\n11:cpu:/system.slice/docker-" ID ".scope\n", ID, NULL,
          "docker");
    /* Not containers: a user session, a service, ids that are not 64 hex. */
    check("0::/user.slice/user-1000.slice/session-2.scope\n", NULL, NULL, NULL);
    check("0::/system.slice/docker.service\n", NULL, NULL, NULL);
    check("0::/docker/" "4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B\n",
          NULL, NULL, NULL);
    check("0::/docker/abc\n", NULL, NULL, NULL);
    check("garbage without colons\n\n::\n", NULL, NULL, NULL);
    check("", NULL, NULL, NULL);
}

/* What a user can name its own cgroups (systemd --user scopes under
 * user.slice, delegated subtrees): never a container. */
static void
test_spoofs(void)
{
    static const char *const spoofs[] = {
        "0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" ID ".scope\n",
        "0::/user.slice/user-1000.slice/user@1000.service/docker-" ID ".scope\n",
        "0::/user.slice/user-1000.slice/session-3.scope/docker/" ID "\n",
        "0::/user.slice/user-1000.slice/user@1000.service/machine-evil.scope\n",
        "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope\n",
        "0::/user.slice/kubepods/besteffort/pod1/" ID "\n",
        "0::/user.slice/user-1000.slice/user@1000.service/machine.slice/machine-x.scope\n",
        /* Not where the runtimes put them. */
        "0::/docker-" ID ".scope\n",
        "0::/system.slice/user@1000.service/docker-" ID ".scope\n",
        "0::/system.slice/foo.service/docker-" ID ".scope\n",
        "0::/init.scope/docker/" ID "\n",
        "0::/crio-" ID ".scope\n",
        "0::/machine.slice/machine-.scope\n",
        "0::/machine.slice/machine-a\001b.scope\n",
        "0::system.slice/docker-" ID ".scope\n",           /* not an absolute path */
        "0::/system.slice/docker-" ID "0.scope\n",         /* 65 digits */
        "0::/system.slice/docker-" ID ".scope.bak\n",
    };

    for (guint i = 0; i < G_N_ELEMENTS(spoofs); i++)
        check(spoofs[i], NULL, NULL, NULL);
}

static void
test_docker_name(void)
{
    char *name = pm_container_docker_name("{\"ID\":\"x\",\"Name\":\"/web\",\"State\":{}}");

    g_assert_cmpstr(name, ==, "web");
    g_free(name);
    g_assert_null(pm_container_docker_name("{\"Name\":\"\"}"));
    g_assert_null(pm_container_docker_name("{\"Name\":\"/a\\\"b\"}"));
    g_assert_null(pm_container_docker_name("{\"Name\":\"/unterminated"));
    g_assert_null(pm_container_docker_name(NULL));
    /* The top-level "Name", not the first one in the text. */
    name = pm_container_docker_name("{\"Config\":{\"Name\":\"/evil\",\"Env\":[\"A=\\\"Name\\\":\\\"/x\"]},"
                                    "\"Name\":\"/real_one.2-a\"}");
    g_assert_cmpstr(name, ==, "real_one.2-a");
    g_free(name);
    g_assert_null(pm_container_docker_name("{\"Config\":{\"Name\":\"/only-nested\"}}"));
    g_assert_null(pm_container_docker_name("[\"Name\",\"/web\"]"));
    g_assert_null(pm_container_docker_name("{\"Name\":42}"));
    g_assert_null(pm_container_docker_name("{\"Name\":\"/has space\"}"));
    g_assert_null(pm_container_docker_name("{\"Name\":\"/-leading-dash\"}"));
    g_assert_null(pm_container_docker_name("not json"));
    {
        /* Nesting deeper than docker's is refused before the parser recurses. */
        GString *deep = g_string_new("{\"Name\":\"/deep\",\"x\":");

        for (int i = 0; i < 100000; i++)
            g_string_append_c(deep, '[');
        for (int i = 0; i < 100000; i++)
            g_string_append_c(deep, ']');
        g_string_append_c(deep, '}');
        g_assert_null(pm_container_docker_name(deep->str));
        g_string_free(deep, TRUE);
    }
}

static void
test_of_pid(void)
{
    char *root = g_dir_make_tmp("procmap-container-XXXXXX", NULL);
    char *proc = g_build_filename(root, "proc", "42", NULL);
    char *docker = g_build_filename(root, "docker", "containers", ID, NULL);
    char *file;
    pm_container container;
    char *proc_root = g_build_filename(root, "proc", NULL);
    char *docker_root = g_build_filename(root, "docker", NULL);

    g_assert_cmpint(g_mkdir_with_parents(proc, 0755), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(docker, 0755), ==, 0);
    file = g_build_filename(proc, "cgroup", NULL);
    g_assert_true(g_file_set_contents(file, "0::/system.slice/docker-" ID ".scope\n", -1, NULL));
    g_free(file);
    file = g_build_filename(docker, "config.v2.json", NULL);
    g_assert_true(g_file_set_contents(file, "{\"Name\":\"/db\"}", -1, NULL));
    g_free(file);
    g_assert_true(pm_container_of_pid(proc_root, docker_root, 42, &container));
    g_assert_cmpstr(container.id, ==, ID);
    g_assert_cmpstr(container.name, ==, "db");
    pm_container_clear(&container);
    g_assert_false(pm_container_of_pid(proc_root, docker_root, 43, &container));   /* gone */
    g_assert_null(container.id);
    g_free(proc_root);
    g_free(docker_root);
    g_free(proc);
    g_free(docker);
    g_free(root);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/extcap/container/patterns", test_patterns);
    g_test_add_func("/extcap/container/spoofs", test_spoofs);
    g_test_add_func("/extcap/container/docker-name", test_docker_name);
    g_test_add_func("/extcap/container/of-pid", test_of_pid);
    return g_test_run();
}
