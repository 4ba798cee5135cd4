/* extcap_cli.h - what Wireshark asks an extcap before capturing.
 *
 * The extcap protocol (Wireshark's doc/extcap.adoc): --extcap-interfaces
 * lists "interface {value=...}{display=...}" lines, --extcap-dlts the link
 * type of one, --extcap-config its options as "arg {...}" and
 * "value {...}" lines.  procmap offers one interface per libpcap interface,
 * named procmap-<interface>.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_EXTCAP_CLI_H
#define PROCMAP_EXTCAP_EXTCAP_CLI_H

#include <glib.h>

G_BEGIN_DECLS

#define PM_EXTCAP_PREFIX "procmap-"
/* What the Help button of the interface's options dialog opens: the manual
 * page (a man: URL, which the desktop's help viewer opens); it is installed
 * with the program, the README not necessarily. */
#define PM_EXTCAP_HELP "man:procmap-capture(1)"

/* "lo" for "procmap-lo"; NULL for a name that is not ours. */
const char *pm_extcap_device_of(const char *extcap_interface);

/* Whether @device may be captured: "any", or a network interface of this
 * namespace (/sys/class/net/<name>) that libpcap would open as one - never
 * a USB, Bluetooth, D-Bus or netfilter source, a path, "." or "..".
 * Checked before anything privileged is opened. */
gboolean pm_extcap_network_interface(const char *device, GError **error);

/* Each returns the text to print (newly allocated), or NULL and @error. */
char *pm_extcap_interfaces(GError **error);
char *pm_extcap_dlts(const char *extcap_interface, GError **error);
/* The interface of @extcap_interface ("procmap-lo"), checked as above:
 * the device, or NULL and @error. */
const char *pm_extcap_checked_device(const char *extcap_interface, GError **error);
/* @active_short: which event source a capture would use now, in a word or
 * two ("eBPF"); @active: the same with details (a sentence).  Wireshark
 * makes a preference title of an option's display text, and aborts on one
 * longer than 80 characters: details go into the tooltip. */
char *pm_extcap_config(const char *extcap_interface, const char *active_short,
                       const char *active, GError **error);

/* The answer to --extcap-version alone: "extcap {version=...}{help=...}". */
char *pm_extcap_version_line(void);

/* Wireshark's check of a capture filter for @extcap_interface (it runs
 * "--extcap-interface I --extcap-capture-filter F" and reads standard
 * output): @filter compiled by libpcap for the link type the capture would
 * write, on a dead handle, with no privilege.  Returns "" when it compiles,
 * else libpcap's message on one line; NULL and @error for an interface
 * that is not one of ours. */
char *pm_extcap_check_filter(const char *extcap_interface, const char *filter, GError **error);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_EXTCAP_CLI_H */
