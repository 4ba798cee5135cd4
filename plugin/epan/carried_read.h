/* carried_read.h - the text of what a packet carries, read but not yet
 * judged: carried_read.c finds each comment's format and its values
 * (slices of the comment), carried.c builds processes from them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_CARRIED_READ_H
#define PROCMAP_CARRIED_READ_H

#include <string.h>

#include "carried.h"

typedef enum {
    KEY_PID = 0,
    KEY_CMD,
    KEY_ARGS,
    KEY_TID,
    KEY_THREAD_NAME,
    KEY_UID,
    KEY_USER,
    KEY_PPID,
    KEY_PARENT_CMD,
    KEY_PARENT_ARGS,
    KEY_CONTAINER_NAME,
    KEY_CONTAINER_ID,
    KEY_CONTAINER_IMAGE,
    KEY_POD_NAME,
    KEY_POD_NAMESPACE,
    KEY_START_TIME,
    KEY_COMM,
    KEY_CWD,
    KEY_COUNT
} key_id;

/* A piece of a comment; text == NULL: absent. */
typedef struct {
    const char *text;
    gsize       len;
} slice;

/* The values of one process's keys, first value of each. */
typedef struct {
    slice values[KEY_COUNT];
    gboolean seen;      /* a comment of this group was read */
} key_group;

typedef struct {
    gboolean seen;
    slice    pid;
    slice    tid;
} etl_comment;

/* iOS pcapd's comment (pymobiledevice3's pcapd.py, one line):
 * "PID: <pid>, ProcName: <comm>, EPID: <epid>, EProcName: <ecomm>, SVC: <svc>".
 * The names may hold ", ": the numbers are found from the ends. */
typedef struct {
    gboolean seen;
    slice    pid;
    slice    name;
    slice    epid;
    slice    ename;
} pcapd_comment;

/* A packet's comments by format: procmap's by side, ptcpdump's key lines,
 * etl2pcapng's and pcapd's one-liners (the first of each). */
typedef struct {
    key_group     procmap[PM_CARRIED_SLOTS];
    key_group     ptcpdump;
    etl_comment   etl;
    pcapd_comment pcapd;
} carried_comments;

static inline gboolean
slice_equal(slice s, const char *word)
{
    gsize len = strlen(word);
    return s.len == len && memcmp(s.text, word, len) == 0;
}

/* Sorts @n_comments comments into @read (zeroed first). */
void pm_carried_read_comments(const char *const *comments, guint n_comments,
                              carried_comments *read);

#endif /* PROCMAP_CARRIED_READ_H */
