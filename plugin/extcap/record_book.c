/* record_book.c - which process records a capture has written.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "record_book.h"

#include <string.h>

#include "process_record.h"

/* Both tables are emptied beyond this: records are written again, which
 * costs bytes, never a wrong reference. */
#define BOOK_MAX 16384

typedef struct {
    const pm_process *process;
    const pm_process *parent;
    const char       *container_id;
    const char       *container_name;
} subject_key;

struct pm_record_book {
    /* What a subject's pointers were last seen to say: subject_key* -> ref.
     * The processes are referenced so that their addresses are not reused
     * while keyed. */
    GHashTable *by_subject;
    GPtrArray  *held;
    /* What was written in this section: the entry's bytes (its number
     * left out) -> ref. */
    GHashTable *by_content;
    guint32     next_ref;
    guint8      run;        /* the run's tag: records and references carry it */
    guint64     written;
};

static guint
subject_hash(gconstpointer data)
{
    const subject_key *key = data;

    return g_direct_hash(key->process) ^ (g_direct_hash(key->parent) * 31u) ^
           g_str_hash(key->container_id ? key->container_id : "") ^
           (g_str_hash(key->container_name ? key->container_name : "") * 17u);
}

static gboolean
subject_equal(gconstpointer a, gconstpointer b)
{
    const subject_key *x = a, *y = b;

    return x->process == y->process && x->parent == y->parent &&
           g_strcmp0(x->container_id, y->container_id) == 0 &&
           g_strcmp0(x->container_name, y->container_name) == 0;
}

static void
subject_key_free(gpointer data)
{
    subject_key *key = data;

    g_free((char *)key->container_id);
    g_free((char *)key->container_name);
    g_free(key);
}

pm_record_book *
pm_record_book_new(guint8 run)
{
    pm_record_book *book = g_new0(pm_record_book, 1);

    book->run = run;
    book->by_subject = g_hash_table_new_full(subject_hash, subject_equal, subject_key_free, NULL);
    book->held = g_ptr_array_new_with_free_func((GDestroyNotify)pm_process_unref);
    book->by_content = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                             (GDestroyNotify)g_bytes_unref, NULL);
    book->next_ref = 1;
    return book;
}

void
pm_record_book_free(pm_record_book *book)
{
    if (book == NULL)
        return;
    g_hash_table_unref(book->by_subject);
    g_ptr_array_unref(book->held);
    g_hash_table_unref(book->by_content);
    g_free(book);
}

void
pm_record_book_new_section(pm_record_book *book)
{
    g_hash_table_remove_all(book->by_subject);
    g_ptr_array_set_size(book->held, 0);
    g_hash_table_remove_all(book->by_content);
}

guint8
pm_record_book_run(const pm_record_book *book)
{
    return book->run;
}

guint64
pm_record_book_written(const pm_record_book *book)
{
    return book->written;
}

/* One line, as a comment line must be: control characters become spaces. */
static void
add_extra(GString *extra, const char *key, const char *value)
{
    if (value == NULL || *value == '\0')
        return;
    if (extra->len)
        g_string_append_c(extra, '\n');
    g_string_append_printf(extra, "%s: ", key);
    for (const char *c = value; *c; c++)
        g_string_append_c(extra, (guchar)*c < 0x20 || *c == 0x7f ? ' ' : *c);
}

/* The record of @subject, its number left out. */
static void
record_of(const pm_comment_subject *subject, pm_process_record *record, GString *extra)
{
    const pm_process *process = subject->process;
    const pm_process *parent = subject->parent;

    memset(record, 0, sizeof *record);
    record->pid = (guint32)process->pid;
    record->has_ppid = process->ppid > 0;
    record->ppid = (guint32)MAX(process->ppid, 0);
    record->has_uid = process->has_uid;
    record->uid = process->uid;
    record->start_time_ns = process->start_time_ns;
    record->name = process->comm;
    record->path = process->exe;
    record->args = process->args;
    record->argv = process->argv;
    record->argv_len = process->argv_len;
    record->user = process->user;
    add_extra(extra, "Cwd", process->cwd);
    add_extra(extra, "ContainerId", subject->container_id);
    add_extra(extra, "ContainerName", subject->container_name);
    if (parent != NULL && process->ppid > 0 && parent->pid == process->ppid) {
        add_extra(extra, "ParentCmd", parent->exe);
        add_extra(extra, "ParentArgs", parent->args);
    }
    record->extra = extra->len ? extra->str : NULL;
}

static void
trim(pm_record_book *book)
{
    if (g_hash_table_size(book->by_subject) > BOOK_MAX) {
        g_hash_table_remove_all(book->by_subject);
        g_ptr_array_set_size(book->held, 0);
    }
    if (g_hash_table_size(book->by_content) > BOOK_MAX)
        g_hash_table_remove_all(book->by_content);
}

guint32
pm_record_book_ref(pm_record_book *book, const pm_comment_subject *subject,
                   GByteArray *to_write)
{
    subject_key key = {
        .process = subject->process,
        .parent = subject->parent,
        .container_id = subject->container_id,
        .container_name = subject->container_name,
    };
    pm_process_record record;
    GString *extra;
    GByteArray *entry;
    GBytes *content;
    guint32 ref;

    if (subject->process == NULL || subject->process->pid <= 0)
        return 0;
    ref = GPOINTER_TO_UINT(g_hash_table_lookup(book->by_subject, &key));
    if (ref != 0)
        return ref;

    extra = g_string_new(NULL);
    record_of(subject, &record, extra);
    entry = g_byte_array_new();
    pm_process_record_encode(&record, entry);
    content = g_byte_array_free_to_bytes(entry);
    ref = GPOINTER_TO_UINT(g_hash_table_lookup(book->by_content, content));
    if (ref == 0) {
        trim(book);
        ref = book->next_ref++;
        if (book->next_ref == 0)      /* 4 G records in one run: numbers go round */
            book->next_ref = 1;
        record.ref = ref;
        record.run = book->run;
        pm_process_record_encode(&record, to_write);
        book->written++;
        g_hash_table_insert(book->by_content, g_bytes_ref(content), GUINT_TO_POINTER(ref));
    }
    g_bytes_unref(content);
    g_string_free(extra, TRUE);

    trim(book);
    key.container_id = g_strdup(key.container_id);
    key.container_name = g_strdup(key.container_name);
    g_hash_table_insert(book->by_subject, g_memdup2(&key, sizeof key), GUINT_TO_POINTER(ref));
    g_ptr_array_add(book->held, pm_process_ref((pm_process *)subject->process));
    if (subject->parent != NULL)
        g_ptr_array_add(book->held, pm_process_ref((pm_process *)subject->parent));
    return ref;
}
