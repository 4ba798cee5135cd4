/* container.h - the container a process runs in, from its cgroup.
 *
 * /proc/<pid>/cgroup names the container runtimes' cgroups:
 *   docker      /docker/<id>, /system.slice/docker-<id>.scope
 *   containerd  /system.slice/cri-containerd-<id>.scope, /kubepods/.../<id>
 *   CRI-O       /crio-<id>.scope, /crio-conmon-<id>.scope
 *   podman      /machine.slice/libpod-<id>.scope, /libpod_parent/libpod-<id>
 *   systemd     /machine.slice/machine-<name>.scope (systemd-nspawn, machined:
 *               a name, no id)
 * where <id> is 64 hex digits.  The innermost match wins.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_CONTAINER_H
#define PROCMAP_EXTCAP_CONTAINER_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    char *id;         /* 64 hex digits, or NULL */
    char *name;       /* a systemd machine's name, docker's container name; or NULL */
    char *runtime;    /* "docker", "containerd", "cri-o", "podman", "systemd"; or NULL */
} pm_container;

/* Parses the text of /proc/<pid>/cgroup.  FALSE (and @out empty) for a
 * process in no container. */
gboolean pm_container_from_cgroup(const char *text, pm_container *out);

/* Reads /proc/<pid>/cgroup under @proc_root, and docker's name for the id
 * from @docker_root/containers/<id>/config.v2.json when readable (NULL:
 * /var/lib/docker). */
gboolean pm_container_of_pid(const char *proc_root, const char *docker_root, gint32 pid,
                             pm_container *out);

/* The "Name" of docker's config.v2.json text, without the leading '/'. */
char *pm_container_docker_name(const char *config_json);

void pm_container_clear(pm_container *container);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_CONTAINER_H */
