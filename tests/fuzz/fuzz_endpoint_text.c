/* fuzz_endpoint_text.c - addresses and endpoints typed by a user (the
 * procmap tool's arguments): "a.b.c.d:port", "[v6]:port", "v6:port".
 * What parses prints back to text that parses to the same endpoint.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "addr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    char buf[PM_ENDPOINT_STRLEN];
    pm_endpoint ep, again;
    pm_addr addr, addr_again;

    if (pm_endpoint_parse(text, &ep)) {
        FUZZ_CHECK(ep.addr.family == PM_AF_INET || ep.addr.family == PM_AF_INET6);
        pm_endpoint_to_string(&ep, buf, sizeof buf);
        FUZZ_CHECK(pm_endpoint_parse(buf, &again) && pm_endpoint_equal(&ep, &again));
    }
    if (pm_addr_parse(text, &addr)) {
        pm_addr_to_string(&addr, buf, sizeof buf);
        FUZZ_CHECK(pm_addr_parse(buf, &addr_again) && pm_addr_equal(&addr, &addr_again));
    }
    free(text);
    return 0;
}
