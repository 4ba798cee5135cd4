/* unset_preload.c - preloaded after libasan into tshark and wireshark by
 * `./run sanitize`: drops LD_PRELOAD from the environment once the loader
 * has used it, so that the programs they start (dumpcap, extcap tools) run
 * as they are.  ASan preloaded into an extcap tool hangs at its exit (a
 * setlocale lock in p11-kit's destructor), and those are not ours to test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>

__attribute__((constructor)) static void
unset_preload(void)
{
    unsetenv("LD_PRELOAD");
}
