/* extcap_error.c - the error domain of procmap-capture.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "extcap_error.h"

G_DEFINE_QUARK(procmap-capture-error-quark, pm_extcap_error)
