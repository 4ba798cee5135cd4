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
    /* Not containers: a user session, a service, ids that are not 64 hex. */
    check("0::/user.slice/user-1000.slice/session-2.scope\n", NULL, NULL, NULL);
    check("0::/system.slice/docker.service\n", NULL, NULL, NULL);
    check("0::/docker/" "4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C9D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B\n",
          NULL, NULL, NULL);
    check("0::/docker/abc\n", NULL, NULL, NULL);
    check("garbage without colons\n\n::\n", NULL, NULL, NULL);
    check("", NULL, NULL, NULL);
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
    g_test_add_func("/extcap/container/docker-name", test_docker_name);
    g_test_add_func("/extcap/container/of-pid", test_of_pid);
    return g_test_run();
}
