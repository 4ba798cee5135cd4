/* extcap_cli.c - what Wireshark asks an extcap before capturing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "extcap_cli.h"

#include "extcap_error.h"

#include <net/if.h>
#include <pcap/pcap.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"

const char *
pm_extcap_device_of(const char *extcap_interface)
{
    if (extcap_interface == NULL || !g_str_has_prefix(extcap_interface, PM_EXTCAP_PREFIX) ||
        extcap_interface[strlen(PM_EXTCAP_PREFIX)] == '\0')
        return NULL;
    return extcap_interface + strlen(PM_EXTCAP_PREFIX);
}

/* Names libpcap opens as something else than a network interface, whatever
 * /sys/class/net holds (pcap_create() asks these sources first). */
static const char *const pcap_special_prefixes[] = {
    "usbmon", "bluetooth", "nflog", "nfqueue", "dbus", "netmap:", "vale", "rdma",
    "canusb", "dag", "snf", "septel",
};

gboolean
pm_extcap_network_interface(const char *device, GError **error)
{
    char *path;
    struct stat st;
    gboolean ok = TRUE;

    if (g_strcmp0(device, "any") == 0)
        return TRUE;
    if (device == NULL || *device == '\0' || strlen(device) >= IFNAMSIZ ||
        strcmp(device, ".") == 0 || strcmp(device, "..") == 0 || strpbrk(device, "/: \t\n") ||
        !g_utf8_validate(device, -1, NULL))
        ok = FALSE;
    for (guint i = 0; ok && i < G_N_ELEMENTS(pcap_special_prefixes); i++)
        ok = !g_str_has_prefix(device, pcap_special_prefixes[i]);
    if (ok) {
        path = g_strdup_printf("/sys/class/net/%s", device);
        ok = lstat(path, &st) == 0;
        g_free(path);
    }
    if (!ok) {
        char *shown = g_strescape(device ? device : "", NULL);

        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_INVALID,
                    "\"%s\" is not a network interface of this host: procmap-capture "
                    "captures only the interfaces of /sys/class/net and \"any\"", shown);
        g_free(shown);
    }
    return ok;
}

const char *
pm_extcap_checked_device(const char *extcap_interface, GError **error)
{
    const char *device = pm_extcap_device_of(extcap_interface);

    if (device == NULL) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_INVALID,
                    "not a procmap interface: %s", extcap_interface ? extcap_interface : "(none)");
        return NULL;
    }
    return pm_extcap_network_interface(device, error) ? device : NULL;
}

/* Devices that carry IP: network interfaces (/sys/class/net) and "any";
 * not USB, Bluetooth, D-Bus or netfilter queues. */
static gboolean
carries_ip(const pcap_if_t *device)
{
    return pm_extcap_network_interface(device->name, NULL);
}

char *
pm_extcap_interfaces(GError **error)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_if_t *devices = NULL;
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "extcap {version=%s}{help=%s}{display=procmap: capture with "
                           "the process of each packet}\n", PROCMAP_VERSION, PM_EXTCAP_HELP);
    if (pcap_findalldevs(&devices, errbuf) != 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED, "listing interfaces: %s", errbuf);
        g_string_free(out, TRUE);
        return NULL;
    }
    for (pcap_if_t *device = devices; device != NULL; device = device->next) {
        if (!carries_ip(device))
            continue;
        g_string_append_printf(out, "interface {value=" PM_EXTCAP_PREFIX "%s}"
                               "{display=procmap: %s (with processes)}\n",
                               device->name, device->name);
    }
    pcap_freealldevs(devices);
    return g_string_free(out, FALSE);
}

char *
pm_extcap_dlts(const char *extcap_interface, GError **error)
{
    const char *device = pm_extcap_checked_device(extcap_interface, error);
    int linktype;
    const char *name, *description;

    if (device == NULL)
        return NULL;
    linktype = pm_capture_linktype(device);
    if (linktype < 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_NOT_FOUND, "no such interface: %s", device);
        return NULL;
    }
    name = pcap_datalink_val_to_name(linktype);
    description = pcap_datalink_val_to_description(linktype);
    return g_strdup_printf("dlt {number=%d}{name=%s}{display=%s}\n", linktype,
                           name ? name : "USER", description ? description : "unknown");
}

/* An "arg" line's number: counted, so that options can come and go. */
static guint
next_arg(guint *count)
{
    return (*count)++;
}

char *
pm_extcap_config(const char *extcap_interface, const char *active_short, const char *active,
                 GError **error)
{
    GString *out;
    char *escaped, *escaped_short;
    guint count = 0, source, comments;

    if (pm_extcap_checked_device(extcap_interface, error) == NULL)
        return NULL;
    /* Braces and brackets would end a field early. */
    escaped = g_strdelimit(g_strdup(active), "{}[]", '/');
    escaped_short = g_strdelimit(g_strndup(active_short, 40), "{}[]", '/');
    out = g_string_new(NULL);
    source = next_arg(&count);
    g_string_append_printf(out,
        "arg {number=%u}{call=--source}{display=Event source (now: %s)}{type=selector}"
        "{tooltip=Where socket events come from. auto: eBPF when the kernel allows it, "
        "else netlink polling. Active now: %s}{group=Processes}\n", source, escaped_short, escaped);
    g_string_append_printf(out,
        "value {arg=%u}{value=auto}{display=auto (eBPF if it loads, else netlink)}{default=true}\n"
        "value {arg=%u}{value=ebpf}{display=eBPF only}{default=false}\n"
        "value {arg=%u}{value=netlink}{display=netlink polling and live lookups}{default=false}\n",
        source, source, source);
    g_string_append_printf(out,
        "arg {number=%u}{call=--snaplen}{display=Snapshot length}{type=integer}"
        "{range=0,%d}{default=%d}{tooltip=Bytes kept of each packet}{group=Capture}\n",
        next_arg(&count), PM_CAPTURE_DEFAULT_SNAPLEN, PM_CAPTURE_DEFAULT_SNAPLEN);
    g_string_append_printf(out,
        "arg {number=%u}{call=--poll-interval}{display=Polling interval (ms)}{type=integer}"
        "{range=1,10000}{default=20}{tooltip=How often the netlink source reads the socket "
        "tables}{group=Processes}\n", next_arg(&count));
    comments = next_arg(&count);
    g_string_append_printf(out,
        "arg {number=%u}{call=--comments}{display=Packet comments}{type=selector}"
        "{tooltip=Processes are always recorded once each (process information blocks) and "
        "named by each packet; comments repeat them on every packet, for tools that read "
        "ptcpdump's or procmap's comments}{group=Capture}\n", comments);
    g_string_append_printf(out,
        "value {arg=%u}{value=none}{display=none (process records only)}{default=true}\n"
        "value {arg=%u}{value=ptcpdump}{display=ptcpdump's comments too}{default=false}\n"
        "value {arg=%u}{value=procmap}{display=procmap's version 1 comments too}"
        "{default=false}\n"
        "value {arg=%u}{value=both}{display=both}{default=false}\n",
        comments, comments, comments, comments);
    g_string_append_printf(out,
        "arg {number=%u}{call=--ring-filesize}{display=Ring buffer: new file every (kB)}"
        "{type=integer}{range=0,2147483647}{default=0}{tooltip=When you also write a ring "
        "buffer of files of this size (tshark -b filesize:KB): each file then gets the process "
        "records its packets refer to. 0: no ring buffer}{group=Capture}\n", next_arg(&count));
    g_string_append_printf(out,
        "arg {number=%u}{call=--ring-packets}{display=Ring buffer: new file every (packets)}"
        "{type=integer}{range=0,2147483647}{default=0}{tooltip=The same for a ring buffer of "
        "files of this many packets (tshark -b packets:N)}{group=Capture}\n", next_arg(&count));
    g_string_append_printf(out,
        "arg {number=%u}{call=--no-namespaces}{display=Only this network namespace}"
        "{type=boolflag}{default=false}{tooltip=Do not look for the sockets of containers and "
        "other network namespaces}{group=Processes}\n", next_arg(&count));
    /* As extcap-base's extcap_config_debug() offers them (sshdump and the
     * others), with this program's options: messages to standard error
     * (which Wireshark shows as the capture's error), or to a file. */
    g_string_append_printf(out,
        "arg {number=%u}{call=--debug}{display=Run in debug mode}{type=boolflag}"
        "{default=false}{tooltip=Print debug messages on standard error (Wireshark reports "
        "them as an error of the capture)}{required=false}{group=Debug}\n", next_arg(&count));
    g_string_append_printf(out,
        "arg {number=%u}{call=--debug-file}{display=Use a file for debug}{type=fileselect}"
        "{mustexist=false}{tooltip=Set a file where the debug messages are written (opened "
        "with your own rights)}{required=false}{group=Debug}\n", next_arg(&count));
    g_free(escaped);
    g_free(escaped_short);
    return g_string_free(out, FALSE);
}

char *
pm_extcap_version_line(void)
{
    return g_strdup_printf("extcap {version=%s}{help=%s}\n", PROCMAP_VERSION, PM_EXTCAP_HELP);
}

char *
pm_extcap_check_filter(const char *extcap_interface, const char *filter, GError **error)
{
    const char *device = pm_extcap_checked_device(extcap_interface, error);
    int linktype;
    pcap_t *dead;
    struct bpf_program program;
    char *verdict;

    if (device == NULL)
        return NULL;
    linktype = pm_capture_linktype_of_type(device);
    if (linktype < 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_NOT_FOUND, "no such interface: %s",
                    device);
        return NULL;
    }
    /* The capture's own call (capture.c), on a handle that captures nothing. */
    dead = pcap_open_dead(linktype, PM_CAPTURE_DEFAULT_SNAPLEN);
    if (dead == NULL) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED, "pcap_open_dead failed");
        return NULL;
    }
    if (pcap_compile(dead, &program, filter ? filter : "", 1, PCAP_NETMASK_UNKNOWN) != 0) {
        /* One line: Wireshark shows the first line of what it reads. */
        verdict = g_strdelimit(g_strdup_printf("%s\n", pcap_geterr(dead)), "\r", ' ');
    } else {
        pcap_freecode(&program);
        verdict = g_strdup("");
    }
    pcap_close(dead);
    return verdict;
}
