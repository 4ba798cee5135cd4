/* fuzz_common.h - what the libFuzzer targets of tests/fuzz share.
 *
 * Each target defines LLVMFuzzerTestOneInput().  Built with -DPROCMAP_FUZZ=ON
 * (clang) it links libFuzzer; in every other build it links replay_main.c,
 * which feeds it the files of the seed corpus, so the corpus and its
 * regression entries run under ctest (and under ASan/UBSan with
 * -DPROCMAP_SANITIZE=ON).
 *
 * A target checks properties of what the parser returned, not only that it
 * returned: FUZZ_CHECK() aborts, which libFuzzer reports as a crash.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_FUZZ_COMMON_H
#define PROCMAP_FUZZ_COMMON_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* Reads an input as a sequence of choices and chunks. */
typedef struct {
    const uint8_t *p;
    size_t         left;
} fuzz_input;

static inline guint8
fuzz_byte(fuzz_input *in)
{
    if (in->left == 0)
        return 0;
    in->left--;
    return *in->p++;
}

/* The bytes up to the next @sep (consumed, not included), or to the end. */
static inline const uint8_t *
fuzz_until(fuzz_input *in, guint8 sep, size_t *len)
{
    const uint8_t *start = in->p;
    const uint8_t *hit = in->left ? memchr(in->p, sep, in->left) : NULL;
    size_t n = hit ? (size_t)(hit - in->p) : in->left;

    in->p += n + (hit ? 1 : 0);
    in->left -= n + (hit ? 1 : 0);
    *len = n;
    return start;
}

/* An exact-size heap copy, so ASan sees any read past the parser's length. */
static inline char *
fuzz_copy(const uint8_t *data, size_t len)
{
    /* A zero-size block for an empty input: ASan flags any read of it.
     * calloc, as gcc cannot tell that nothing reads an empty copy. */
    char *copy = calloc(1, len);
    if (len)
        memcpy(copy, data, len);
    return copy;
}

/* A NUL-terminated heap copy. */
static inline char *
fuzz_strndup(const uint8_t *data, size_t len)
{
    char *copy = malloc(len + 1);
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    return copy;
}

#endif /* PROCMAP_FUZZ_COMMON_H */
