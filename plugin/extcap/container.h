/* container.h - the container a process runs in, from its cgroup.
 *
 * Only the cgroup layouts the container runtimes make, in the places only
 * root (systemd, the runtime) can make them, name a container; the first
 * component of the path decides:
 *
 *   /system.slice/docker-<id>.scope[/...]             docker (systemd driver)
 *   /docker/<id>[/...]                                docker (cgroupfs driver)
 *   /system.slice/cri-containerd-<id>.scope[/...]     containerd
 *   /system.slice/crio[-conmon]-<id>.scope[/...]      CRI-O
 *   /kubepods[.slice]/.../<id>, .../cri-containerd-<id>.scope,
 *       .../crio-<id>.scope, .../docker-<id>.scope    a Kubernetes pod's container
 *   /machine.slice/libpod[-conmon]-<id>.scope[/...]   podman (as root)
 *   /libpod_parent/libpod-<id>[/...]                  podman (cgroupfs driver)
 *   /machine.slice/machine-<name>.scope[/...]         systemd-nspawn, machined
 *
 * where <id> is 64 lowercase hex digits.  Nothing under user.slice (or any
 * other place a user's own `systemd --user` can make scopes) counts, however
 * it is named: a user's scope called docker-<id>.scope is no container.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_CONTAINER_H
#define PROCMAP_EXTCAP_CONTAINER_H

#include <glib.h>

G_BEGIN_DECLS

/* Names longer than this are not kept. */
#define PM_CONTAINER_NAME_MAX 128
/* docker's config.v2.json nests a few levels; deeper is not docker's. */
#define PM_CONTAINER_JSON_DEPTH_MAX 64

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
 * /var/lib/docker).  For tests and a fake /proc: the capture asks its
 * monitor instead (monitor.h). */
gboolean pm_container_of_pid(const char *proc_root, const char *docker_root, gint32 pid,
                             pm_container *out);

/* The top-level "Name" of docker's config.v2.json (a JSON parser's answer:
 * not any "Name" deeper inside), without the leading '/'; NULL when there is
 * none, the text is not JSON, nests deeper than PM_CONTAINER_JSON_DEPTH_MAX,
 * or the name is not one docker allows ([a-zA-Z0-9][a-zA-Z0-9_.-]*). */
char *pm_container_docker_name(const char *config_json);

void pm_container_clear(pm_container *container);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_CONTAINER_H */
