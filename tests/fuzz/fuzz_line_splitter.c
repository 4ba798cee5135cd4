/* fuzz_line_splitter.c - the fixed-buffer line splitter every /proc/net and
 * /proc/stat reader uses, against a plain reference splitter.
 *
 * Input: the buffer size (1..64 bytes, so over-long lines are common), after
 * how many lines the callback asks to stop (0: never), a seed for the read
 * sizes, then the stream.  The splitter must hand out exactly the
 * reference's lines - those shorter than the buffer, others as "overlong" -
 * however the stream is cut into reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "procfs_parse.h"

typedef struct {
    GPtrArray *lines;     /* GBytes*, NULL for an overlong line */
    guint      stop_after;
} collected;

static gboolean
collect(const char *line, gsize len, gboolean overlong, gpointer data)
{
    collected *c = data;

    FUZZ_CHECK(overlong == (line == NULL));
    if (!overlong)
        FUZZ_CHECK(memchr(line, '\n', len) == NULL);
    g_ptr_array_add(c->lines, overlong ? NULL : g_bytes_new(line, len));
    return c->stop_after == 0 || c->lines->len < c->stop_after;
}

static void
free_line(gpointer line)
{
    if (line)
        g_bytes_unref(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    gsize cap = 1 + fuzz_byte(&in) % 64;
    guint stop_after = fuzz_byte(&in) % 8;
    guint32 rng = fuzz_byte(&in) * 2654435761u + 1;
    const uint8_t *stream = in.p;
    size_t stream_len = in.left, fed = 0;
    char *buf = malloc(cap);
    collected got = { g_ptr_array_new_with_free_func(free_line), stop_after };
    GPtrArray *want = g_ptr_array_new_with_free_func(free_line);
    gboolean stopped = FALSE;
    pm_line_splitter splitter;

    /* The reference: split at '\n'; no empty piece after a final '\n'. */
    for (size_t start = 0; start < stream_len;) {
        const uint8_t *nl = memchr(stream + start, '\n', stream_len - start);
        size_t end = nl ? (size_t)(nl - stream) : stream_len;
        g_ptr_array_add(want, end - start < cap ? g_bytes_new(stream + start, end - start)
                                                : NULL);
        start = end + 1;
    }

    pm_line_splitter_init(&splitter, buf, cap);
    while (fed < stream_len && !stopped) {
        gsize room, n;
        char *space = pm_line_splitter_space(&splitter, &room);

        FUZZ_CHECK(room >= 1 && room <= cap && space >= buf && space + room <= buf + cap);
        rng = rng * 1103515245u + 12345u;
        n = MIN(1 + (rng >> 8) % room, stream_len - fed);
        memcpy(space, stream + fed, n);
        fed += n;
        stopped = !pm_line_splitter_push(&splitter, n, collect, &got);
    }
    if (!stopped)
        pm_line_splitter_finish(&splitter, collect, &got);

    if (stop_after != 0 && want->len > stop_after)
        g_ptr_array_set_size(want, stop_after);
    FUZZ_CHECK(got.lines->len == want->len);
    for (guint i = 0; i < want->len; i++) {
        GBytes *a = g_ptr_array_index(got.lines, i), *b = g_ptr_array_index(want, i);
        FUZZ_CHECK((a == NULL) == (b == NULL));
        FUZZ_CHECK(a == NULL || g_bytes_equal(a, b));
    }
    g_ptr_array_unref(got.lines);
    g_ptr_array_unref(want);
    free(buf);
    return 0;
}
