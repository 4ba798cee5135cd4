/* cmd_add_records.c - `procmap add-records ORIGINAL PIECE OUTPUT`: a piece
 * cut from a capture (editcap -r, -c or -i; packets exported from
 * Wireshark) gets back the process records its packets refer to.
 *
 * procmap-capture writes each process once per section, as a Process
 * Information Block, and each packet names its two ends' records by number.
 * Tools that cut a file copy blocks as they come, so a piece whose packets'
 * records stayed in another piece shows no process for them (the plugin
 * says the record is missing; it never guesses).  This copies PIECE to
 * OUTPUT and puts before each packet the records it refers to that its
 * section lacks, taken from ORIGINAL.  A number ORIGINAL gives to two
 * different records (sections of different runs) is not copied: which one
 * the piece meant cannot be told.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "pcapng_blocks.h"

/* What ORIGINAL says a record number is. */
typedef struct {
    GBytes  *data;          /* the PIB's data after the PEN */
    gboolean ambiguous;     /* two different records claim the number */
} original_record;

static void
original_record_free(gpointer data)
{
    original_record *record = data;

    g_bytes_unref(record->data);
    g_free(record);
}

/* A file's blocks, with the path and the place for messages. */
typedef struct {
    const char      *path;
    FILE            *stream;
    pm_pcapng_reader reader;
    guint64          offset;
} block_file;

static gboolean
block_file_open(block_file *file, const char *path)
{
    memset(file, 0, sizeof *file);
    file->path = path;
    file->stream = fopen(path, "rb");
    if (file->stream == NULL) {
        pm_cli_error("%s: %s", path, g_strerror(errno));
        return FALSE;
    }
    pm_pcapng_reader_init(&file->reader, file->stream);
    return TRUE;
}

static void
block_file_close(block_file *file)
{
    pm_pcapng_reader_clear(&file->reader);
    if (file->stream != NULL)
        fclose(file->stream);
    file->stream = NULL;
}

/* The next block: 1, 0 at the end, -1 after telling why not. */
static int
block_file_next(block_file *file, pm_pcapng_block *block)
{
    const char *why = NULL;

    switch (pm_pcapng_read_block(&file->reader, block, &why)) {
    case PM_PCAPNG_BLOCK:
        file->offset += block->len;
        return 1;
    case PM_PCAPNG_END:
        return 0;
    case PM_PCAPNG_READ_ERROR:
        pm_cli_error("%s: %s", file->path, g_strerror(errno));
        return -1;
    case PM_PCAPNG_MALFORMED:
        break;
    }
    if (file->offset == 0)
        pm_cli_error("%s: %s", file->path, why);
    else
        pm_cli_error("%s: %s (at byte %" G_GUINT64_FORMAT ")", file->path, why, file->offset);
    return -1;
}

/* A record number of a run (its tag; 0: none) as one key, for tables of
 * g_int64_hash keys. */
static guint64 *
number_key(guint8 run, guint32 ref)
{
    guint64 *key = g_new(guint64, 1);

    *key = ((guint64)run << 32) | ref;
    return key;
}

/* ORIGINAL's numbered records: number_key -> original_record. */
static GHashTable *
read_original(const char *path)
{
    GHashTable *records = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                                original_record_free);
    block_file file;
    pm_pcapng_block block;
    int more;

    if (!block_file_open(&file, path)) {
        g_hash_table_unref(records);
        return NULL;
    }
    while ((more = block_file_next(&file, &block)) > 0) {
        pm_process_record parsed;
        const guint8 *data;
        gsize len;
        original_record *known;

        if (!pm_pcapng_block_record(&block, &parsed, &data, &len))
            continue;
        if (parsed.ref != 0) {
            GBytes *bytes = g_bytes_new(data, len);
            guint64 *key = number_key(parsed.run, parsed.ref);

            known = g_hash_table_lookup(records, key);
            if (known == NULL) {
                known = g_new0(original_record, 1);
                known->data = g_bytes_ref(bytes);
                g_hash_table_insert(records, g_steal_pointer(&key), known);
            } else if (!g_bytes_equal(known->data, bytes)) {
                known->ambiguous = TRUE;
            }
            g_free(key);
            g_bytes_unref(bytes);
        }
        pm_process_record_clear(&parsed);
    }
    block_file_close(&file);
    if (more < 0) {
        g_hash_table_unref(records);
        return NULL;
    }
    return records;
}

/* Whether @a and @b name one file (OUTPUT must not overwrite an input). */
static gboolean
same_file(const char *a, const char *b)
{
    GStatBuf first, second;

    return g_stat(a, &first) == 0 && g_stat(b, &second) == 0 &&
           first.st_dev == second.st_dev && first.st_ino == second.st_ino;
}

typedef struct {
    GHashTable *original;     /* read_original() */
    GHashTable *present;      /* number_keys the current section has a record of */
    GHashTable *unresolved;   /* number_keys told of (once each) */
    GByteArray *out;
    guint       added;
    guint       still_missing;  /* references left without their record */
} piece_state;

/* Before a packet: the record numbered @ref by run @run, if its section
 * lacks it. */
static void
add_record(piece_state *state, const char *original_path, guint8 run, guint32 ref,
           gboolean big_endian)
{
    const original_record *record;
    gsize len;
    const guint8 *data;
    guint64 *key;
    char run_text[24] = "";

    if (ref == 0)
        return;
    key = number_key(run, ref);
    if (g_hash_table_contains(state->present, key)) {
        g_free(key);
        return;
    }
    record = g_hash_table_lookup(state->original, key);
    if (record == NULL || record->ambiguous) {
        state->still_missing++;
        if (run != 0)
            g_snprintf(run_text, sizeof run_text, " (run %u)", run);
        if (g_hash_table_add(state->unresolved, g_memdup2(key, sizeof *key))) {
            if (record == NULL)
                pm_cli_error("warning: %s has no process record numbered %u%s: packets "
                             "referring to it stay without that process", original_path, ref,
                             run_text);
            else
                pm_cli_error("warning: %s has two different process records numbered %u%s "
                             "(sections of different captures): not added", original_path,
                             ref, run_text);
        }
        g_free(key);
        return;
    }
    data = g_bytes_get_data(record->data, &len);
    pm_pcapng_append_record_block(state->out, big_endian, data, len);
    g_hash_table_add(state->present, key);
    state->added++;
}

/* Copies PIECE to @output with the records added; FALSE after telling why. */
static gboolean
copy_piece(piece_state *state, const char *original_path, const char *piece_path,
           FILE *output, const char *output_path)
{
    block_file piece;
    pm_pcapng_block block;
    int more;

    if (!block_file_open(&piece, piece_path))
        return FALSE;
    while ((more = block_file_next(&piece, &block)) > 0) {
        pm_process_record parsed;
        const guint8 *data;
        gsize len;
        guint32 src_ref, dst_ref;
        guint8 run;

        g_byte_array_set_size(state->out, 0);
        if (block.type == PM_PCAPNG_SHB) {
            g_hash_table_remove_all(state->present);
        } else if (pm_pcapng_block_record(&block, &parsed, &data, &len)) {
            if (parsed.ref != 0)
                g_hash_table_add(state->present, number_key(parsed.run, parsed.ref));
            pm_process_record_clear(&parsed);
        } else if (pm_pcapng_block_refs(&block, &run, &src_ref, &dst_ref)) {
            add_record(state, original_path, run, src_ref, block.big_endian);
            add_record(state, original_path, run, dst_ref, block.big_endian);
        }
        g_byte_array_append(state->out, block.bytes, (guint)block.len);
        if (fwrite(state->out->data, 1, state->out->len, output) != state->out->len) {
            pm_cli_error("%s: %s", output_path, g_strerror(errno));
            more = -1;
            break;
        }
    }
    block_file_close(&piece);
    return more == 0;
}

int
pm_cli_add_records(int argc, char **argv)
{
    gboolean verbose = FALSE;
    const GOptionEntry entries[] = {
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
          "Tell how many records were added", NULL },
        PM_CLI_OPTIONS_END
    };
    GOptionContext *context = g_option_context_new("ORIGINAL PIECE OUTPUT");
    piece_state state;
    FILE *output;
    int code;

    g_option_context_set_summary(context,
        "Write PIECE, a part cut from the capture ORIGINAL (editcap -r, -c or -i,\n"
        "packets exported from Wireshark), to OUTPUT with the process records its\n"
        "packets refer to: procmap-capture writes each process once, and a piece\n"
        "whose records stayed in another piece shows no process for them.");
    g_option_context_set_description(context,
        "Example:\n"
        "  editcap -r capture.pcapng part.pcapng 1000-2000\n"
        "  procmap add-records capture.pcapng part.pcapng part-with-processes.pcapng\n"
        "\n"
        "Exit status:\n"
        "  0  every packet of OUTPUT has the records it refers to\n"
        "  1  OUTPUT is written, but ORIGINAL lacks some records (or has two\n"
        "     different ones with one number): those packets name no process\n"
        "  2  usage error\n"
        "  4  a file could not be read or written (OUTPUT is removed)\n");
    g_option_context_add_main_entries(context, entries, NULL);
    if (!pm_cli_parse_options(context, "add-records", &argc, &argv, &code)) {
        g_option_context_free(context);
        return code;
    }
    g_option_context_free(context);
    if (argc != 4)
        return pm_cli_usage_error("add-records", "ORIGINAL, PIECE and OUTPUT are needed");
    if (same_file(argv[3], argv[1]) || same_file(argv[3], argv[2]))
        return pm_cli_usage_error("add-records", "OUTPUT must be a new file, not %s",
                                  argv[3]);

    memset(&state, 0, sizeof state);
    state.original = read_original(argv[1]);
    if (state.original == NULL)
        return PM_EXIT_FILE;
    output = fopen(argv[3], "wb");
    if (output == NULL) {
        pm_cli_error("%s: %s", argv[3], g_strerror(errno));
        g_hash_table_unref(state.original);
        return PM_EXIT_FILE;
    }
    state.present = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    state.unresolved = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    state.out = g_byte_array_new();
    code = copy_piece(&state, argv[1], argv[2], output, argv[3]) ? PM_EXIT_OK : PM_EXIT_FILE;
    if (fclose(output) != 0 && code == PM_EXIT_OK) {
        pm_cli_error("%s: %s", argv[3], g_strerror(errno));
        code = PM_EXIT_FILE;
    }
    if (code == PM_EXIT_FILE)
        (void)g_unlink(argv[3]);
    else if (state.still_missing > 0)
        code = PM_EXIT_NO_PROCESS;
    if (verbose && code != PM_EXIT_FILE)
        fprintf(stderr, "procmap: %u process record%s added\n", state.added,
                state.added == 1 ? "" : "s");
    g_byte_array_unref(state.out);
    g_hash_table_unref(state.present);
    g_hash_table_unref(state.unresolved);
    g_hash_table_unref(state.original);
    return code;
}
