/* sockload.c - a socket load for the table-build benchmark (P3): PROCS
 * processes holding SOCKETS sockets each, all real and on loopback.
 *
 *   sockload PROCS SOCKETS
 *
 * Process i holds a listener, a bound UDP socket, and as many TCP
 * connections to process i+1's listener as it accepts from process i-1, so
 * each process holds exactly SOCKETS sockets (SOCKETS even, >= 4) and the
 * table has PROCS * SOCKETS rows plus what the host already had.  Prints
 * "ready N" (N = sockets made) once every process is set up, then holds them
 * until stdin closes or a signal; every child dies with its parent.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE             /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void
die(const char *what)
{
    fprintf(stderr, "sockload: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Enough descriptors for @needed, up to the hard limit. */
static void
raise_nofile(rlim_t needed)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        die("getrlimit");
    if (limit.rlim_cur >= needed)
        return;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed)
        limit.rlim_max = needed;        /* root may raise the hard limit too */
    limit.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        die("setrlimit(RLIMIT_NOFILE)");
}

static struct sockaddr_in
loopback(unsigned short port)
{
    struct sockaddr_in addr;

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
}

static int
bound_socket(int type, unsigned short *port)
{
    struct sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

    if (fd < 0)
        die("socket");
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        die("bind");
    if (port) {
        if (getsockname(fd, (struct sockaddr *)&addr, &len) != 0)
            die("getsockname");
        *port = ntohs(addr.sin_port);
    }
    return fd;
}

/* One child: connect to the next process, accept from the previous one,
 * report readiness on @ready_fd, then wait to be killed. */
static void
child(int listener, unsigned short next_port, int connections, int ready_fd)
{
    struct sockaddr_in next = loopback(next_port);
    char byte = 'r';

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        _exit(1);
    /* The kernel completes the handshakes into the listener's backlog, so
     * connecting first and accepting second cannot deadlock the ring. */
    for (int i = 0; i < connections; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&next, sizeof next) != 0)
            die("connect");
    }
    for (int i = 0; i < connections; i++) {
        if (accept4(listener, NULL, NULL, SOCK_CLOEXEC) < 0)
            die("accept");
    }
    (void)bound_socket(SOCK_DGRAM, NULL);
    if (write(ready_fd, &byte, 1) != 1)
        die("write");
    close(ready_fd);
    for (;;)
        pause();
}

int
main(int argc, char **argv)
{
    int procs = argc == 3 ? atoi(argv[1]) : 0;
    int sockets = argc == 3 ? atoi(argv[2]) : 0;
    int connections = (sockets - 2) / 2;
    int *listeners;
    unsigned short *ports;
    pid_t *pids;
    int ready[2];
    char buf[256];

    if (procs < 2 || sockets < 4 || sockets % 2 != 0) {
        fprintf(stderr, "usage: sockload PROCS SOCKETS   (PROCS >= 2, SOCKETS even, >= 4)\n");
        return 2;
    }
    /* The parent briefly holds every listener; each child its own sockets. */
    raise_nofile((rlim_t)procs + (rlim_t)sockets + 64);
    if (pipe2(ready, O_CLOEXEC) != 0)
        die("pipe");
    listeners = calloc((size_t)procs, sizeof *listeners);
    ports = calloc((size_t)procs, sizeof *ports);
    pids = calloc((size_t)procs, sizeof *pids);
    if (!listeners || !ports || !pids)
        die("calloc");
    for (int i = 0; i < procs; i++) {
        listeners[i] = bound_socket(SOCK_STREAM, &ports[i]);
        if (listen(listeners[i], connections + 16) != 0)
            die("listen");
    }
    for (int i = 0; i < procs; i++) {
        pids[i] = fork();
        if (pids[i] < 0)
            die("fork");
        if (pids[i] == 0) {
            for (int j = 0; j < procs; j++) {
                if (j != i)
                    close(listeners[j]);
            }
            close(ready[0]);
            child(listeners[i], ports[(i + 1) % procs], connections, ready[1]);
        }
    }
    for (int i = 0; i < procs; i++)
        close(listeners[i]);
    close(ready[1]);
    for (int done = 0; done < procs;) {
        ssize_t n = read(ready[0], buf, sizeof buf);
        if (n <= 0) {
            fprintf(stderr, "sockload: a child failed after %d of %d\n", done, procs);
            for (int i = 0; i < procs; i++)
                kill(pids[i], SIGKILL);
            return 1;
        }
        done += (int)n;
    }
    printf("ready %d\n", procs * sockets);
    fflush(stdout);
    while (read(STDIN_FILENO, buf, sizeof buf) > 0)
        ;
    for (int i = 0; i < procs; i++)
        kill(pids[i], SIGKILL);
    for (int i = 0; i < procs; i++)
        waitpid(pids[i], NULL, 0);
    return 0;
}
