/* fuzz_fd_link.c - /proc/<pid>/fd/<n> link targets ("socket:[<inode>]"),
 * the pid and fd directory names, and the exe link's " (deleted)" suffix.
 *
 * Input: a selector byte, then the text.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include <errno.h>

#include "procfs_parse.h"

#define PREFIX "socket:["

static gboolean
all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return FALSE;
    }
    return len > 0;
}

static void
check_fd_link(const char *text, size_t len)
{
    const size_t prefix_len = sizeof PREFIX - 1;
    guint64 inode = 0;
    pm_fd_link kind = pm_parse_fd_link(text, len, &inode);
    gboolean has_prefix = len >= prefix_len && memcmp(text, PREFIX, prefix_len) == 0;

    FUZZ_CHECK((kind == PM_FD_LINK_OTHER) == !has_prefix);
    if (kind == PM_FD_LINK_SOCKET) {
        char *digits = fuzz_strndup((const uint8_t *)text + prefix_len, len - prefix_len - 1);
        FUZZ_CHECK(text[len - 1] == ']');
        FUZZ_CHECK(all_digits(digits, strlen(digits)) && strlen(digits) == len - prefix_len - 1);
        errno = 0;
        FUZZ_CHECK(g_ascii_strtoull(digits, NULL, 10) == inode && errno == 0);
        free(digits);
    }
}

static void
check_pid_name(const char *text, size_t len)
{
    char *name = fuzz_strndup((const uint8_t *)text, len);
    size_t name_len = strlen(name);  /* a NUL in the input ends the name */
    gint32 pid = -1;
    gboolean ok = pm_parse_pid_name(name, &pid);
    gboolean expected = all_digits(name, name_len);

    if (expected) {
        guint64 value;
        errno = 0;
        value = g_ascii_strtoull(name, NULL, 10);
        expected = errno == 0 && value <= G_MAXINT32;
        if (expected)
            FUZZ_CHECK(!ok || pid == (gint32)value);
    }
    FUZZ_CHECK(ok == expected);
    free(name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 selector = fuzz_byte(&in);
    char *text = fuzz_copy(in.p, in.left);
    size_t stripped;

    switch (selector % 3) {
    case 0:
        check_fd_link(text, in.left);
        break;
    case 1:
        check_pid_name(text, in.left);
        break;
    default:
        stripped = pm_strip_deleted_suffix(text, in.left);
        FUZZ_CHECK(stripped == in.left
                   || (stripped + 10 == in.left && memcmp(text + stripped, " (deleted)", 10) == 0));
        break;
    }
    free(text);
    return 0;
}
