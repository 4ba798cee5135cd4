/* carried_epan.c - what the capture file carries for a frame, read from
 * Wireshark: the packet block's comments and direction flag, and (4.6+)
 * the Darwin process blocks its options refer to.  carried.c reads them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"

#include <epan/epan.h>
#include <wiretap/wtap.h>
#include <wiretap/wtap_opttypes.h>

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
procmap_read_carried(packet_info *pinfo, procmap_frame_carried *carried,
                     pm_frame_input *input)
{
    wtap_block_t block = frame_block(pinfo);
    guint32 flags;
    guint n = 0;

    input->comments = NULL;
    input->n_comments = 0;
    input->darwin = NULL;
    input->direction = PM_DIRECTION_UNKNOWN;
    memset(&carried->darwin, 0, sizeof carried->darwin);
    if (block == NULL)
        return FALSE;
    /* One more than the reader reads, so that it can say some were left. */
    while (n < G_N_ELEMENTS(carried->comments)) {
        char *comment;
        if (wtap_block_get_nth_string_option_value(block, OPT_COMMENT, n, &comment) !=
            WTAP_OPTTYPE_SUCCESS)
            break;
        carried->comments[n++] = comment;
    }
    if (n > 0) {
        input->comments = carried->comments;
        input->n_comments = n;
    }
    if (wtap_block_get_uint32_option_value(block, OPT_PKT_FLAGS, &flags) == WTAP_OPTTYPE_SUCCESS)
        input->direction = (pm_direction)PACK_FLAGS_DIRECTION(flags);
    read_darwin(pinfo, block, &carried->darwin);
    if (carried->darwin.present || carried->darwin.unresolved)
        input->darwin = &carried->darwin;
    return input->comments != NULL || input->darwin != NULL;
}
