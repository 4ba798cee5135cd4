/* comment_cache.h - each process's comments, formatted once.
 *
 * A busy flow repeats the same two processes on every packet; formatting
 * their comments is most of the per-packet cost.  Records are immutable, so
 * the text of (record, side) never changes: it is kept, with a reference
 * that keeps the record's address from being reused, until the cache is
 * cleared (pm_comment_cache_trim, between packets).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_COMMENT_CACHE_H
#define PROCMAP_EXTCAP_COMMENT_CACHE_H

#include <glib.h>

#include "capture_comments.h"

G_BEGIN_DECLS

typedef struct pm_comment_cache pm_comment_cache;

pm_comment_cache *pm_comment_cache_new(void);
void pm_comment_cache_free(pm_comment_cache *cache);

/* Appends the comments of a packet to @out (borrowed strings, valid until
 * the next trim): procmap's per side, then ptcpdump's for @one (one of
 * @src and @dst, or NULL). */
void pm_comment_cache_append(pm_comment_cache *cache, const pm_comment_subject *src,
                             const pm_comment_subject *dst, const pm_comment_subject *one,
                             GPtrArray *out);

/* Forgets everything when it holds more than @max texts. */
void pm_comment_cache_trim(pm_comment_cache *cache, guint max);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_COMMENT_CACHE_H */
