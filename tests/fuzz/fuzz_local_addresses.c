/* fuzz_local_addresses.c - /proc/net/fib_trie (a line-by-line state
 * machine), /proc/net/if_inet6 lines and the btime line of /proc/stat.
 *
 * Input: a selector byte, then text split into lines at '\n'.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "procfs_parse.h"

static const char *
skip_blanks(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static void
check_fib_line(pm_fib_trie_state *state, const char *line, size_t len)
{
    pm_addr addr;
    const char *end = line + len;
    const char *first;

    if (!pm_fib_trie_feed(state, line, len, &addr))
        return;
    FUZZ_CHECK(addr.family == PM_AF_INET);
    /* Only a "/32 host LOCAL" line proves an address. */
    first = skip_blanks(line, end);
    FUZZ_CHECK(end - first >= 3 && memcmp(first, "/32", 3) == 0);
    FUZZ_CHECK(g_strstr_len(line, (gssize)len, "LOCAL") != NULL);
}

static void
check_if_inet6_line(const char *line, size_t len)
{
    pm_addr addr;
    const char *token;
    char hex[33];
    guint8 bytes[16];

    if (!pm_parse_if_inet6_line(line, len, &addr))
        return;
    token = skip_blanks(line, line + len);
    FUZZ_CHECK(line + len - token >= 32);
    FUZZ_CHECK(addr.family == PM_AF_INET || addr.family == PM_AF_INET6);
    /* Back to the 16 bytes (a v4-mapped address is stored as IPv4). */
    memset(bytes, 0, sizeof bytes);
    if (addr.family == PM_AF_INET) {
        bytes[10] = bytes[11] = 0xff;
        memcpy(bytes + 12, addr.bytes, 4);
    } else {
        memcpy(bytes, addr.bytes, 16);
    }
    for (int i = 0; i < 16; i++)
        g_snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    FUZZ_CHECK(g_ascii_strncasecmp(hex, token, 32) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 selector = fuzz_byte(&in);
    pm_fib_trie_state state;

    pm_fib_trie_init(&state);
    while (in.left > 0) {
        size_t len;
        const uint8_t *raw = fuzz_until(&in, '\n', &len);
        char *line = fuzz_copy(raw, len);
        guint64 btime = 0;

        switch (selector % 3) {
        case 0:
            check_fib_line(&state, line, len);
            break;
        case 1:
            check_if_inet6_line(line, len);
            break;
        default:
            if (pm_parse_btime_line(line, len, &btime))
                FUZZ_CHECK(g_strstr_len(line, (gssize)len, "btime") != NULL);
            break;
        }
        free(line);
    }
    return 0;
}
