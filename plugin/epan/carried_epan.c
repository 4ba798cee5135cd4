/* carried_epan.c - what the capture file carries for a frame, read from
 * Wireshark: the packet block's comments and direction flag, (4.6+) the
 * Darwin process blocks its options refer to, the trailer after an
 * Ethernet frame's IP packet, and PCAPdroid's uid map blocks (custom blocks
 * with PEN 62652, which Wireshark hands over as records of their own, in
 * file order).  carried.c and carried_trailer.c read them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"

#include <epan/epan.h>
#include <wiretap/wtap.h>
#include <wiretap/wtap_opttypes.h>

#include "carried_trailer.h"

/* PCAPdroid's uid map: uid -> its entry, the first one a file has for it
 * (PCAPdroid writes one per uid, before the uid's first packet). */
typedef struct {
    char *package;
    gsize package_len;
    char *app;
    gsize app_len;
} uid_entry;

static GHashTable *uid_map;

static void
uid_entry_free(gpointer data)
{
    uid_entry *entry = data;

    g_free(entry->package);
    g_free(entry->app);
    g_free(entry);
}

void
procmap_carried_reset(void)
{
    if (uid_map != NULL)
        g_hash_table_remove_all(uid_map);
    procmap_records_reset();
}

void
procmap_carried_shutdown(void)
{
    g_clear_pointer(&uid_map, g_hash_table_destroy);
    procmap_records_shutdown();
}

const char *
procmap_read_custom_block(packet_info *pinfo, tvbuff_t *tvb)
{
    pm_pcapdroid_uid_entry read;
    const char *malformed;
    uid_entry *entry;
    guint len;

    if (pinfo->rec == NULL || pinfo->rec->rec_type != REC_TYPE_CUSTOM_BLOCK ||
        pinfo->rec->rec_header.custom_block_header.pen != PM_PCAPDROID_PEN)
        return NULL;
    len = tvb_captured_length(tvb);
    if (!pm_pcapdroid_block_read(len ? tvb_get_ptr(tvb, 0, len) : NULL, len, &read, &malformed))
        return malformed;
    if (uid_map == NULL)
        uid_map = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, uid_entry_free);
    if (g_hash_table_contains(uid_map, GUINT_TO_POINTER(read.uid)))
        return NULL;
    entry = g_new0(uid_entry, 1);
    /* Kept as the file has them: carried.c makes them fit to show. */
    entry->package = g_malloc(read.package_len + 1);
    memcpy(entry->package, read.package, read.package_len);
    entry->package[read.package_len] = '\0';
    entry->package_len = read.package_len;
    entry->app = g_malloc(read.app_len + 1);
    memcpy(entry->app, read.app, read.app_len);
    entry->app[read.app_len] = '\0';
    entry->app_len = read.app_len;
    g_hash_table_insert(uid_map, GUINT_TO_POINTER(read.uid), entry);
    return NULL;
}

/* PCAPdroid's "u-<uid>" comment, with what the uid map says of the uid
 * (nothing if the file has no entry for it: the uid alone). */
static gboolean
read_pcapdroid_uid(const procmap_frame_carried *carried, guint n, pm_carried_tag *tag)
{
    for (guint i = 0; i < n && i < PM_CARRIED_COMMENTS_MAX; i++) {
        guint32 uid;
        const uid_entry *entry;

        if (!pm_pcapdroid_comment_uid(carried->comments[i], &uid))
            continue;
        memset(tag, 0, sizeof *tag);
        tag->kind = PM_CARRIED_PCAPDROID;
        tag->has_id = TRUE;
        tag->id = uid;
        entry = uid_map ? g_hash_table_lookup(uid_map, GUINT_TO_POINTER(uid)) : NULL;
        if (entry != NULL) {
            tag->name = entry->app;
            tag->name_len = entry->app_len;
            tag->package = entry->package;
            tag->package_len = entry->package_len;
        }
        return TRUE;
    }
    return FALSE;
}

/* A trailer after the IP packet of an Ethernet frame. */
static gboolean
read_trailer(packet_info *pinfo, tvbuff_t *tvb, pm_carried_tag *tag)
{
    guint len;

    if (pinfo->rec == NULL || pinfo->rec->rec_type != REC_TYPE_PACKET ||
        pinfo->rec->rec_header.packet_header.pkt_encap != WTAP_ENCAP_ETHERNET || tvb == NULL)
        return FALSE;
    len = tvb_captured_length(tvb);
    return len > 0 && pm_trailer_read(tvb_get_ptr(tvb, 0, len), len, tag);
}

/* The packet's block: the one edited in the GUI (comments added or
 * removed), else the file's.  NULL for records without one. */
static wtap_block_t
frame_block(packet_info *pinfo)
{
    if (pinfo->fd->has_modified_block)
        return epan_get_modified_block(pinfo->epan, pinfo->fd);
    return pinfo->rec ? pinfo->rec->block : NULL;
}

/* Darwin process information (Apple's tcpdump -k, pktap): the EPB options
 * name process blocks by index, which Wireshark 4.6 resolves per section,
 * as its own packet-darwin.c does. */
static void
read_darwin(packet_info *pinfo _U_, wtap_block_t block _U_, pm_carried_darwin *darwin)
{
    memset(darwin, 0, sizeof *darwin);
#if PM_WS_VERSION >= 406
    {
        uint32_t id, effective;
        unsigned section = (pinfo->rec->presence_flags & WTAP_HAS_SECTION_NUMBER)
                           ? pinfo->rec->section_number : 0;

        if (wtap_block_get_uint32_option_value(block, OPT_PKT_DARWIN_PIB_ID, &id) !=
            WTAP_OPTTYPE_SUCCESS)
            return;
        darwin->pid = epan_get_process_id(pinfo->epan, id, section);
        darwin->name = epan_get_process_name(pinfo->epan, id, section);
        darwin->present = darwin->pid >= 0;
        /* The packet names a process block the section does not have. */
        darwin->unresolved = !darwin->present;
        if (wtap_block_get_uint32_option_value(block, OPT_PKT_DARWIN_EFFECTIVE_PIB_ID,
                                               &effective) == WTAP_OPTTYPE_SUCCESS &&
            effective != id) {
            darwin->epid = epan_get_process_id(pinfo->epan, effective, section);
            darwin->ename = epan_get_process_name(pinfo->epan, effective, section);
            darwin->has_effective = darwin->epid >= 0;
            darwin->unresolved = darwin->unresolved || !darwin->has_effective;
        }
    }
#endif
    /* Before 4.6 pinfo and block are unused: Darwin process blocks are
     * resolved from Wireshark 4.6 on. */
}

gboolean
procmap_read_carried(packet_info *pinfo, tvbuff_t *tvb, gboolean options,
                     procmap_frame_carried *carried, pm_frame_input *input)
{
    wtap_block_t block = options ? frame_block(pinfo) : NULL;
    guint32 flags;
    guint n = 0;
    gboolean records_missing;

    input->comments = NULL;
    input->n_comments = 0;
    input->darwin = NULL;
    input->tag = NULL;
    input->direction = PM_DIRECTION_UNKNOWN;
    memset(&carried->darwin, 0, sizeof carried->darwin);
    memset(&carried->tag, 0, sizeof carried->tag);
    if (read_trailer(pinfo, tvb, &carried->tag))
        input->tag = &carried->tag;
    if (block == NULL)
        return input->tag != NULL;
    /* The process records the packet names come first: procmap-capture
     * wrote them, before any comment an editor added. */
    n = procmap_records_comments(pinfo, block, carried->comments, &records_missing);
    /* One more than the reader reads, so that it can say some were left. */
    for (guint nth = 0; n < G_N_ELEMENTS(carried->comments); nth++) {
        const char *text;
        char *comment;

        if (wtap_block_get_nth_string_option_value(block, OPT_COMMENT, nth, &comment) !=
            WTAP_OPTTYPE_SUCCESS)
            break;
        /* The plugin's own marker is never taken from a file. */
        for (text = comment; g_ascii_isspace(*text); text++)
            ;
        if (g_str_has_prefix(text, PM_CARRIED_PIB_MARKER))
            continue;
        carried->comments[n++] = comment;
    }
    if (n > 0) {
        input->comments = carried->comments;
        input->n_comments = n;
        /* A trailer is the frame's own: it wins over a comment. */
        if (input->tag == NULL && read_pcapdroid_uid(carried, n, &carried->tag))
            input->tag = &carried->tag;
    }
    if (wtap_block_get_uint32_option_value(block, OPT_PKT_FLAGS, &flags) == WTAP_OPTTYPE_SUCCESS)
        input->direction = (pm_direction)PACK_FLAGS_DIRECTION(flags);
    read_darwin(pinfo, block, &carried->darwin);
    /* A record the packet names that the file does not have: said as a
     * Darwin block the file lacks is (the same reason, the same words). */
    if (records_missing)
        carried->darwin.unresolved = TRUE;
    if (carried->darwin.present || carried->darwin.unresolved)
        input->darwin = &carried->darwin;
    return input->comments != NULL || input->darwin != NULL || input->tag != NULL;
}
