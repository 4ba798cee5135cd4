/* procmap_tree.c - the procmap fields and the Process tree of a frame.
 *
 * Each side (procmap.src.*, procmap.dst.*) gets a subtree; every process
 * field is also added, hidden, as an either-side field (procmap.pid ...,
 * like ip.addr).  A carried process whose end is not known gets its own
 * subtree, "Process (side unknown)", where the either-side fields are
 * visible: it is in no side's fields.
 *
 * Only what the dissection reads is built, the way Wireshark's own
 * dissectors keep an invisible tree cheap.  Wireshark fakes an item nobody
 * references when the tree is invisible (TRY_TO_FAKE_THIS_ITEM in
 * epan/proto.c: the call returns the parent) and formats no label; what it
 * cannot skip is the work done before the call: our labels, our strings.
 * So an invisible tree gets the protocol item and the referenced fields
 * only, under the protocol item, which is where a faked subtree would have
 * put them; a visible tree (-V, the GUI's details, -T fields on 4.0, PDML)
 * gets every item and label, each label made once.
 *
 * The process.* twin of a field (procmap_synonym.c) is added, hidden, only
 * when something reads that twin, visible tree or not: what -V, PDML and
 * the GUI show does not change with the synonym.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"
#include "procmap_synonym.h"

#include <wsutil/utf8_entities.h>

/* Where a process's fields go: visible under @tree, and hidden either-side
 * copies under @hidden (NULL: none).  With @all FALSE (an invisible tree)
 * only the fields this dissection references are added. */
typedef struct {
    proto_tree        *tree;
    const procmap_side_fields *fields;
    proto_tree        *hidden;
    tvbuff_t          *tvb;
    gboolean           all;
    gboolean           twins;   /* a process.* twin may be read (else none is) */
} field_sink;

/* Whether @field is added: it exists, and the tree shows everything or
 * something reads the field (a filter, a column, -e); else Wireshark would
 * fake it anyway. */
static inline gboolean
wanted(const field_sink *sink, const procmap_field *field)
{
    return field->id != NULL &&
           (sink->all || field->info->ref_type != HF_REF_TYPE_NONE || field->asked);
}

/* Whether @field's process.* twin is read (then added, hidden); as
 * procmap_synonym_read(), with tshark 4.0's -e looked up once. */
static inline gboolean
twin_wanted(const field_sink *sink, const procmap_field *field)
{
    return sink->twins && field->twin != NULL &&
           (field->twin->ref_type != HF_REF_TYPE_NONE || field->twin_asked);
}

/* Whether @field's value is needed at all: it or its twin is added. */
static inline gboolean
needed(const field_sink *sink, const procmap_field *field)
{
    return wanted(sink, field) || twin_wanted(sink, field);
}

/* Whether a filter, column, tap or tshark 4.0's -e reads field @hf: what
 * proto_field_is_referenced() says of an invisible tree. */
static gboolean
referenced(int hf)
{
    return proto_registrar_get_nth((guint)hf)->ref_type != HF_REF_TYPE_NONE ||
           procmap_tshark_asked(hf);
}

static void
set_hidden(proto_item *item)
{
    proto_item_set_generated(item);
    proto_item_set_hidden(item);
}

/* @visible is the sink's field, @either its either-side copy. */
static void
put_string(const field_sink *sink, const procmap_field *visible, const procmap_field *either,
           const char *value)
{
    if (value == NULL)
        return;
    if (wanted(sink, visible))
        proto_item_set_generated(proto_tree_add_string(sink->tree, *visible->id, sink->tvb, 0,
                                                       0, value));
    if (twin_wanted(sink, visible))
        set_hidden(proto_tree_add_string(sink->tree, visible->twin->id, sink->tvb, 0, 0, value));
    if (sink->hidden == NULL)
        return;
    if (wanted(sink, either))
        set_hidden(proto_tree_add_string(sink->hidden, *either->id, sink->tvb, 0, 0, value));
    if (twin_wanted(sink, either))
        set_hidden(proto_tree_add_string(sink->hidden, either->twin->id, sink->tvb, 0, 0, value));
}

static void
put_uint(const field_sink *sink, const procmap_field *visible, const procmap_field *either,
         guint32 value)
{
    if (wanted(sink, visible))
        proto_item_set_generated(proto_tree_add_uint(sink->tree, *visible->id, sink->tvb, 0, 0,
                                                     value));
    if (twin_wanted(sink, visible))
        set_hidden(proto_tree_add_uint(sink->tree, visible->twin->id, sink->tvb, 0, 0, value));
    if (sink->hidden == NULL)
        return;
    if (wanted(sink, either))
        set_hidden(proto_tree_add_uint(sink->hidden, *either->id, sink->tvb, 0, 0, value));
    if (twin_wanted(sink, either))
        set_hidden(proto_tree_add_uint(sink->hidden, either->twin->id, sink->tvb, 0, 0, value));
}

/* "curl (4242)", "pid 4" (no name), "Example (uid 10123)" (an app without
 * a process: PCAPdroid), "uid 10123": a process as the tree and the
 * statistics name it. */
const char *
procmap_process_label(wmem_allocator_t *scope, const pm_process *process)
{
    if (process->pid < 0 && process->name != NULL)
        return wmem_strdup_printf(scope, "%s (uid %u)", process->name, process->uid);
    if (process->pid < 0)
        return wmem_strdup_printf(scope, "uid %u", process->uid);
    if (process->name != NULL)
        return wmem_strdup_printf(scope, "%s (%d)", process->name, process->pid);
    return wmem_strdup_printf(scope, "pid %d", process->pid);
}

static const procmap_field no_field = { .id = NULL };

/* "curl (4242)", "pid 4" (no name: etl2pcapng), "Example (uid 10123)" (an
 * Android app: PCAPdroid), "uid 1000 (alice): ...",
 * or "[not a local address]". */
static const char *
side_summary(wmem_allocator_t *scope, const pm_frame_side *side, const char *user)
{
    const char *why = pm_reason_description((pm_reason)side->reason);

    if (side->process != NULL)
        return procmap_process_label(scope, side->process);
    if (side->has_uid)
        return wmem_strdup_printf(scope, "[uid %u%s%s%s: %s]", side->uid,
                                  user ? " (" : "", user ? user : "", user ? ")" : "", why);
    return wmem_strdup_printf(scope, "[%s]", why);
}

static const char *
side_user(pm_frame_engine *engine, const pm_frame_side *side)
{
    return side->process ? side->process->user : pm_frame_engine_user_name(engine, side->uid);
}

static void
add_process(const field_sink *sink, const pm_process *process,
            const pm_carried_context *context)
{
    const procmap_side_fields *f = sink->fields, *any = &procmap_either_fields;
    const pm_process_carried *carried = &process->carried;

    if (process->pid >= 0)      /* PCAPdroid names an app (uid), not a process */
        put_uint(sink, &f->pid, &any->pid, (guint32)process->pid);
    put_string(sink, &f->name, &any->name, process->name);
    put_string(sink, &f->comm, &any->comm, process->comm);
    put_string(sink, &f->exe, &any->exe, process->exe);
    put_string(sink, &f->args, &any->args, process->args);
    put_string(sink, &f->cwd, &any->cwd, process->cwd);
    if (process->ppid >= 0)
        put_uint(sink, &f->ppid, &any->ppid, (guint32)process->ppid);
    if (process->start_time_ns != 0 && needed(sink, &f->start_time)) {
        nstime_t start;
        start.secs = (time_t)(process->start_time_ns / 1000000000u);
        start.nsecs = (int)(process->start_time_ns % 1000000000u);
        if (wanted(sink, &f->start_time))
            proto_item_set_generated(
                proto_tree_add_time(sink->tree, *f->start_time.id, sink->tvb, 0, 0, &start));
        if (twin_wanted(sink, &f->start_time))
            set_hidden(proto_tree_add_time(sink->tree, f->start_time.twin->id, sink->tvb, 0, 0,
                                           &start));
    }
    put_string(sink, &f->parent_exe, &any->parent_exe, carried->parent_exe);
    put_string(sink, &f->parent_args, &any->parent_args, carried->parent_args);
    put_string(sink, &f->container_id, &any->container_id, carried->container_id);
    put_string(sink, &f->container_name, &any->container_name, carried->container_name);
    put_string(sink, &f->container_image, &any->container_image, carried->container_image);
    put_string(sink, &f->pod_name, &any->pod_name, carried->pod_name);
    put_string(sink, &f->pod_namespace, &any->pod_namespace, carried->pod_namespace);
    put_string(sink, &f->package, &any->package, carried->package);
    if (context != NULL) {
        if (context->has_tid)
            put_uint(sink, &f->tid, &any->tid, context->tid);
        put_string(sink, &f->thread_name, &any->thread_name, context->thread_name);
        if (context->has_epid)
            put_uint(sink, &f->epid, &any->epid, context->epid);
        put_string(sink, &f->ename, &any->ename, context->ename);
    }
}

static void
add_user(const field_sink *sink, guint32 uid, const char *user)
{
    put_uint(sink, &sink->fields->uid, &procmap_either_fields.uid, uid);
    put_string(sink, &sink->fields->user, &procmap_either_fields.user, user);
}

static void
add_source(const field_sink *sink, const pm_frame_side *side)
{
    const char *name = val_to_str_const(side->source, procmap_source_vals, "unknown");

    if (wanted(sink, &sink->fields->source)) {
        proto_item *item;
        if (side->source < PM_SOURCE_COUNT)
            item = proto_tree_add_string_format_value(sink->tree, *sink->fields->source.id,
                       sink->tvb, 0, 0, name, "%s", procmap_source_labels[side->source]);
        else
            item = proto_tree_add_string_format_value(sink->tree, *sink->fields->source.id,
                       sink->tvb, 0, 0, name, "%s (%s)", name,
                       pm_source_description((pm_source)side->source));
        proto_item_set_generated(item);
    }
    if (twin_wanted(sink, &sink->fields->source))
        set_hidden(proto_tree_add_string(sink->tree, sink->fields->source.twin->id, sink->tvb,
                                         0, 0, name));
    if (sink->hidden != NULL && wanted(sink, &procmap_either_fields.source))
        set_hidden(proto_tree_add_string(sink->hidden, *procmap_either_fields.source.id,
                                         sink->tvb, 0, 0, name));
    if (sink->hidden != NULL && twin_wanted(sink, &procmap_either_fields.source))
        set_hidden(proto_tree_add_string(sink->hidden, procmap_either_fields.source.twin->id,
                                         sink->tvb, 0, 0, name));
}

/* The reason item (NULL if only its twin is read). */
static proto_item *
add_reason(const field_sink *sink, const pm_frame_side *side)
{
    const char *word = val_to_str_const(side->reason, procmap_reason_vals, "unknown");
    proto_item *item;

    if (twin_wanted(sink, &sink->fields->reason))
        set_hidden(proto_tree_add_string(sink->tree, sink->fields->reason.twin->id, sink->tvb,
                                         0, 0, word));
    if (!wanted(sink, &sink->fields->reason))
        return NULL;
    if (side->reason < PM_REASON_COUNT)
        item = proto_tree_add_string_format_value(sink->tree, *sink->fields->reason.id,
                   sink->tvb, 0, 0, word, "%s", procmap_reason_labels[side->reason]);
    else
        item = proto_tree_add_string_format_value(sink->tree, *sink->fields->reason.id,
                   sink->tvb, 0, 0, word, "%s (%s)", word,
                   pm_reason_description((pm_reason)side->reason));
    proto_item_set_generated(item);
    return item;
}

/* The text of a side's subtree and of the protocol item: made once a frame,
 * and only for a visible tree. */
typedef struct {
    const char *src;
    const char *dst;
    const char *either;
} side_texts;

/* Returns the side's reason item (NULL with a process, or when an invisible
 * tree does not read it). */
static proto_item *
add_side(proto_tree *tree, tvbuff_t *tvb, pm_frame_engine *engine, const char *title,
         const char *summary, const procmap_side_fields *fields, const pm_frame_side *side,
         const pm_carried_context *context, const pm_endpoint *endpoint, gboolean all,
         gboolean twins)
{
    const pm_process *process = side->process;
    field_sink sink;

    /* Invisible: the side's subtree would be a faked text item, which is
     * its parent; its fields go there. */
    sink.tree = all ? proto_tree_add_subtree_format(tree, tvb, 0, 0, ett_procmap_side, NULL,
                                                    "%s: %s", title, summary)
                    : tree;
    sink.fields = fields;
    sink.hidden = tree;
    sink.tvb = tvb;
    sink.all = all;
    sink.twins = twins;
    if (endpoint != NULL && needed(&sink, &fields->endpoint)) {
        char text[PM_ENDPOINT_STRLEN];
        put_string(&sink, &fields->endpoint, &no_field,
                   pm_endpoint_to_string(endpoint, text, sizeof text));
    }
    if (process != NULL)
        add_process(&sink, process, context);
    if (process ? process->has_uid : side->has_uid) {
        guint32 uid = process ? process->uid : side->uid;
        /* The user name is looked up only if a user field is added. */
        if (needed(&sink, &fields->uid) || needed(&sink, &procmap_either_fields.uid))
            put_uint(&sink, &fields->uid, &procmap_either_fields.uid, uid);
        if (needed(&sink, &fields->user) || needed(&sink, &procmap_either_fields.user))
            put_string(&sink, &fields->user, &procmap_either_fields.user,
                       process ? process->user : pm_frame_engine_user_name(engine, side->uid));
    }
    if (process == NULL)
        return needed(&sink, &fields->reason) ? add_reason(&sink, side) : NULL;
    add_source(&sink, side);
    if (side->match != PM_MATCH_NONE && needed(&sink, &fields->match)) {
        const char *word = val_to_str_const(side->match, procmap_match_vals, "unknown");
        if (wanted(&sink, &fields->match))
            proto_item_set_generated(proto_tree_add_string_format_value(sink.tree,
                *fields->match.id, tvb, 0, 0, word, "%s%s", word,
                side->v6only_assumed ? " (v6only assumed off)" : ""));
        if (twin_wanted(&sink, &fields->match))
            set_hidden(proto_tree_add_string(sink.tree, fields->match.twin->id, tvb, 0, 0,
                                             word));
    }
    if (side->owner_count > 1)
        put_uint(&sink, &fields->owners, &no_field, side->owner_count);
    return NULL;
}

/* A carried process at an unknown end: its own subtree, the either-side
 * fields visible in it. */
static void
add_either(proto_tree *tree, tvbuff_t *tvb, const char *summary, const pm_frame_side *side,
           const pm_carried_context *context, gboolean all, gboolean twins)
{
    const pm_process *process = side->process;
    field_sink sink;

    sink.tree = all ? proto_tree_add_subtree_format(tree, tvb, 0, 0, ett_procmap_side, NULL,
                                                    "Process (side unknown): %s", summary)
                    : tree;
    sink.fields = &procmap_either_fields;
    sink.hidden = NULL;
    sink.tvb = tvb;
    sink.all = all;
    sink.twins = twins;
    if (all || referenced(hf_procmap_side_unknown))
        proto_item_set_generated(proto_tree_add_boolean(sink.tree, hf_procmap_side_unknown,
                                                        tvb, 0, 0, TRUE));
    if (procmap_synonym_read(hf_procmap_side_unknown_twin))
        set_hidden(proto_tree_add_boolean(sink.tree, hf_procmap_side_unknown_twin->id, tvb, 0,
                                          0, TRUE));
    add_process(&sink, process, context);
    if (process->has_uid)
        add_user(&sink, process->uid, process->user);
    add_source(&sink, side);
}

/* Whether a filter or column reads the protocol item itself ("procmap",
 * "procmap contains ..."), not only fields under it: then its text, which
 * is its value, is made as for a visible tree. */
static gboolean
protocol_item_read(int proto)
{
    hf_ref_type ref = proto_registrar_get_nth((guint)proto)->ref_type;
    return ref != HF_REF_TYPE_NONE && ref != HF_REF_TYPE_INDIRECT;
}

/* The protocol "process" (the synonym): a hidden item when a filter reads
 * it by itself ("process"); TRUE if anything under it may be read. */
static gboolean
add_synonym_protocol(proto_tree *tree, tvbuff_t *tvb)
{
    const header_field_info *process = procmap_synonym_protocol();

    if (process == NULL)
        return FALSE;
    if (process->ref_type == HF_REF_TYPE_DIRECT)
        set_hidden(proto_tree_add_item(tree, process->id, tvb, 0, 0, ENC_NA));
    /* tshark 4.0's -e process.*: read, though nothing says so. */
    return process->ref_type != HF_REF_TYPE_NONE || procmap_tshark_asks_protocol(process->id);
}

void
procmap_tree_add(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, int proto,
                 pm_frame_engine *engine, const pm_frame_input *input,
                 const pm_frame_view *view, gboolean with_expert, procmap_tree_items *items)
{
    const pm_frame_side *src = &view->src, *dst = &view->dst;
    const pm_endpoint *src_endpoint = input->no_transport ? NULL : &input->src;
    const pm_endpoint *dst_endpoint = input->no_transport ? NULL : &input->dst;
    /* tshark 4.0's -T fields: a visible tree of which only fields are read. */
    gboolean visible = PTREE_DATA(tree)->visible && !procmap_tshark_fields_only();
    gboolean all = visible || with_expert || protocol_item_read(proto) ||
                   procmap_tshark_asked(proto);
    side_texts text = { NULL, NULL, NULL };
    proto_tree *procmap_tree;
    gboolean twins;

    if (all) {
        if (view->either.process != NULL)
            text.either = side_summary(pinfo->pool, &view->either,
                                       view->either.process->user);
        text.src = side_summary(pinfo->pool, src, side_user(engine, src));
        text.dst = side_summary(pinfo->pool, dst, side_user(engine, dst));
        if (text.either != NULL)
            items->root = proto_tree_add_protocol_format(tree, proto, tvb, 0, 0,
                              "Process: %s [side unknown]", text.either);
        else
            items->root = proto_tree_add_protocol_format(tree, proto, tvb, 0, 0,
                              "Process: %s " UTF8_RIGHTWARDS_ARROW " %s", text.src, text.dst);
    } else {
        /* Always there, read or not: the protocol hierarchy (tshark -z
         * io,phs) counts the top-level protocol items of invisible trees. */
        items->root = proto_tree_add_item(tree, proto, tvb, 0, 0, ENC_NA);
    }
    proto_item_set_generated(items->root);
    procmap_tree = proto_item_add_subtree(items->root, ett_procmap);
    /* Whether any process.* twin may be read: else no field checks its twin. */
    twins = add_synonym_protocol(tree, tvb);
    if (!twins && !all &&
        proto_registrar_get_nth((guint)proto)->ref_type == HF_REF_TYPE_NONE &&
        !procmap_tshark_asks_protocol(proto))
        return;         /* nothing under it is read */
    if (view->icmp_quoted) {
        if (all || referenced(hf_procmap_icmp_quoted))
            proto_item_set_generated(proto_tree_add_boolean(procmap_tree,
                                                            hf_procmap_icmp_quoted, tvb, 0, 0,
                                                            TRUE));
        if (procmap_synonym_read(hf_procmap_icmp_quoted_twin))
            set_hidden(proto_tree_add_boolean(procmap_tree, hf_procmap_icmp_quoted_twin->id, tvb,
                                              0, 0, TRUE));
        /* The error is for the quoted packet's sender. */
        dst_endpoint = src_endpoint;
        src_endpoint = NULL;
    }
    items->src_reason = add_side(procmap_tree, tvb, engine, "Source", text.src,
                                 &procmap_src_fields, src, view->context[PM_CARRIED_SRC],
                                 src_endpoint, all, twins);
    items->dst_reason = add_side(procmap_tree, tvb, engine, "Destination", text.dst,
                                 &procmap_dst_fields, dst, view->context[PM_CARRIED_DST],
                                 dst_endpoint, all, twins);
    if (view->either.process != NULL)
        add_either(procmap_tree, tvb, text.either, &view->either,
                   view->context[PM_CARRIED_EITHER], all, twins);
}
