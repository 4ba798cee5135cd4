/* fuzz_process.c - the watcher's text handling: a process record made from
 * arbitrary bytes (pm_process_new: UTF-8 sanitising, naming, aliases), and
 * pm_utf8_sanitize and pm_alias_match alone.
 *
 * Input: a flags byte, then length-prefixed fields (one length byte each):
 * comm, exe, cwd, user, a count byte and that many arguments, with flag
 * 0x10 a carried name, parent exe and container id, a count byte and that
 * many alias rules (substring, name), and the rest of the input as one more
 * text for pm_utf8_sanitize.  Strings end at a NUL, as the C
 * strings the backend makes do.
 *
 * Every string of a record must be valid UTF-8 without control characters
 * (the tree and the columns show them), and the name must follow its rule.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "fuzz_common.h"

#include "process.h"

#define MAX_ARGS  8
#define MAX_RULES 4

static char *
take_string(fuzz_input *in)
{
    size_t want = fuzz_byte(in);
    size_t len = MIN(want, in->left);
    char *text = g_strndup((const char *)in->p, len);

    in->p += len;
    in->left -= len;
    return text;
}

static gboolean
clean_text(const char *text)
{
    if (text == NULL)
        return TRUE;
    if (!g_utf8_validate(text, -1, NULL))
        return FALSE;
    for (const char *p = text; *p; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f)
            return FALSE;
    }
    return TRUE;
}

static char *
sanitized_copy(const char *text)
{
    char *copy = pm_utf8_sanitize(g_strdup(text));
    if (copy != NULL && *copy == '\0')
        g_clear_pointer(&copy, g_free);
    return copy;
}

static void
check_sanitize(fuzz_input *in)
{
    char *text = g_strndup((const char *)in->p, in->left);
    char *before = g_strdup(text);
    char *clean = pm_utf8_sanitize(text);

    FUZZ_CHECK(clean != NULL && clean_text(clean));
    if (clean_text(before))
        FUZZ_CHECK(strcmp(before, clean) == 0);  /* clean text is left alone */
    g_free(before);
    g_free(clean);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    guint8 flags = fuzz_byte(&in);
    pm_process_raw raw;
    pm_alias_rule rules[MAX_RULES];
    guint n_args, n_rules;
    char *user, *joined, *expected_name;
    int rule;
    pm_process *process;

    memset(&raw, 0, sizeof raw);
    raw.pid = (gint32)(flags * 7919);
    raw.ppid = flags & 0x40 ? -1 : 1;
    raw.has_uid = flags & 1;
    raw.uid = flags;
    raw.args_truncated = (flags & 2) != 0;
    raw.start_time_ns = flags;
    raw.comm = take_string(&in);
    raw.exe = take_string(&in);
    raw.cwd = take_string(&in);
    user = take_string(&in);
    n_args = fuzz_byte(&in) % (MAX_ARGS + 1);
    if (!(flags & 4)) {  /* else: the cmdline could not be read */
        raw.argv = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < n_args; i++)
            g_ptr_array_add(raw.argv, take_string(&in));
    }
    if (flags & 0x10) {  /* what only a capture file carries */
        raw.name = take_string(&in);
        raw.carried.parent_exe = take_string(&in);
        raw.carried.container_id = take_string(&in);
    }
    n_rules = fuzz_byte(&in) % (MAX_RULES + 1);
    for (guint i = 0; i < n_rules; i++) {
        rules[i].cmdline_substring = take_string(&in);
        rules[i].name = take_string(&in);
    }

    /* What the record must say, worked out before it consumes @raw. */
    if (raw.argv != NULL) {
        g_ptr_array_add(raw.argv, NULL);
        joined = g_strjoinv(" ", (char **)raw.argv->pdata);
        g_ptr_array_remove_index(raw.argv, raw.argv->len - 1);
    } else {
        joined = NULL;
    }
    rule = pm_alias_match(rules, n_rules, joined);
    FUZZ_CHECK(rule < (int)n_rules);
    if (rule >= 0) {
        FUZZ_CHECK(joined != NULL && strstr(joined, rules[rule].cmdline_substring) != NULL);
        for (int i = 0; i < rule; i++)
            FUZZ_CHECK(strstr(joined, rules[i].cmdline_substring) == NULL);
    }
    if (rule >= 0 && *rules[rule].name != '\0') {
        expected_name = pm_utf8_sanitize(g_strdup(rules[rule].name));
    } else if (raw.name != NULL && *raw.name != '\0') {
        expected_name = pm_utf8_sanitize(g_strdup(raw.name));
    } else {
        char *comm = sanitized_copy(raw.comm), *exe = sanitized_copy(raw.exe);
        expected_name = pm_process_pick_name(comm, exe);
        g_free(comm);
        g_free(exe);
    }

    process = pm_process_new(&raw, (flags & 8) ? NULL : user, rules, n_rules);
    FUZZ_CHECK(raw.comm == NULL && raw.exe == NULL && raw.cwd == NULL && raw.argv == NULL);
    FUZZ_CHECK(raw.name == NULL && raw.carried.parent_exe == NULL &&
               raw.carried.container_id == NULL);
    FUZZ_CHECK(clean_text(process->name) && clean_text(process->comm));
    FUZZ_CHECK(clean_text(process->exe) && clean_text(process->cwd));
    FUZZ_CHECK(clean_text(process->args) && clean_text(process->user));
    FUZZ_CHECK(clean_text(process->carried.parent_exe) &&
               clean_text(process->carried.container_id));
    FUZZ_CHECK(process->carried.parent_exe == NULL || *process->carried.parent_exe != '\0');
    FUZZ_CHECK(process->comm == NULL || *process->comm != '\0');
    FUZZ_CHECK(process->exe == NULL || *process->exe != '\0');
    FUZZ_CHECK(process->cwd == NULL || *process->cwd != '\0');
    FUZZ_CHECK((process->args == NULL) == (joined == NULL));
    FUZZ_CHECK(process->aliased == (rule >= 0 && *rules[rule].name != '\0'));
    FUZZ_CHECK(g_strcmp0(process->name, expected_name) == 0);
    FUZZ_CHECK(process->pid == (gint32)(flags * 7919) && process->uid == flags);

    FUZZ_CHECK(pm_process_ref(process) == process);
    pm_process_unref(process);
    pm_process_unref(process);

    check_sanitize(&in);

    g_free(expected_name);
    g_free(joined);
    g_free(user);
    for (guint i = 0; i < n_rules; i++) {
        g_free((char *)rules[i].cmdline_substring);
        g_free((char *)rules[i].name);
    }
    return 0;
}
