/* udp_pace.c - small UDP datagrams on loopback at a steady rate, for the
 * capture-loss figure of tests/extcap/measure.py (issue 12).
 *
 *   bench_udp_pace PORT RATE SECONDS
 *
 * Sends 64-byte datagrams to 127.0.0.1:PORT, RATE a second for SECONDS, in
 * batches of BATCH (sendmmsg) released on an absolute schedule, so a late
 * batch is caught up rather than the rate lowered.  Prints "sent N in S s"
 * (N what the kernel accepted) and exits 0; 1 if the rate was not reached
 * (the figure would not be the one asked for).  Plain C, no project code.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE  /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 50
#define PAYLOAD 64

static double
seconds_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
add_ns(struct timespec *t, long long ns)
{
    long long total = (long long)t->tv_nsec + ns;

    t->tv_sec += (time_t)(total / 1000000000LL);
    t->tv_nsec = (long)(total % 1000000000LL);
}

int
main(int argc, char **argv)
{
    struct sockaddr_in to;
    struct mmsghdr messages[BATCH];
    struct iovec vector;
    char payload[PAYLOAD];
    struct timespec start, next, end;
    long long rate, batches, sent = 0;
    double seconds, elapsed;
    int fd;

    if (argc != 4 || (rate = atoll(argv[2])) <= 0 || (seconds = atof(argv[3])) <= 0) {
        fprintf(stderr, "usage: %s PORT RATE SECONDS\n", argv[0]);
        return 2;
    }
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons((unsigned short)atoi(argv[1]));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        perror("udp_pace: socket");
        return 2;
    }
    memset(payload, 'x', sizeof payload);
    vector.iov_base = payload;
    vector.iov_len = sizeof payload;
    memset(messages, 0, sizeof messages);
    for (int i = 0; i < BATCH; i++) {
        messages[i].msg_hdr.msg_iov = &vector;
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    batches = (long long)(rate * seconds) / BATCH;
    clock_gettime(CLOCK_MONOTONIC, &start);
    next = start;
    for (long long b = 0; b < batches; b++) {
        int done = 0;

        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        while (done < BATCH) {
            int n = sendmmsg(fd, messages + done, (unsigned)(BATCH - done), 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                /* ECONNREFUSED: the sink is gone; what was sent counts. */
                done = BATCH;
                break;
            }
            done += n;
            sent += n;
        }
        add_ns(&next, 1000000000LL * BATCH / rate);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    elapsed = seconds_between(&start, &end);
    printf("sent %lld in %.3f s\n", sent, elapsed);
    close(fd);
    return elapsed > seconds * 1.05 ? 1 : 0;
}
