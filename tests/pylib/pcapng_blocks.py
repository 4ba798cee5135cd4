# SPDX-License-Identifier: GPL-2.0-or-later
"""A small pcapng reader for tests and measurements: the blocks of a file
with their options, in either byte order; Wireshark's process information
blocks (PEN 32622, entry type 3) and procmap's packet references decoded."""
import struct

SHB, IDB, EPB, CUSTOM_COPY, CUSTOM_NO_COPY = 0x0A0D0D0A, 1, 6, 0x00000BAD, 0x40000BAD
WIRESHARK_PEN, PROCMAP_PEN = 32622, 0x70726D70
OPT_COMMENT, EPB_FLAGS, EPB_PROCESS_THREAD, OPT_CUSTOM_BINARY = 1, 2, 8, 2989


def options(data, order):
    """[(code, value bytes)] until opt_endofopt or the end."""
    out, at = [], 0
    while at + 4 <= len(data):
        code, length = struct.unpack_from(order + "HH", data, at)
        if code == 0:
            break
        out.append((code, data[at + 4:at + 4 + length]))
        at += 4 + (length + 3) // 4 * 4
    return out


def blocks(path):
    """Yields dicts: type, order, body (bytes after the length), and per
    kind: EPB: interface, captured, original, options; custom: pen, data."""
    with open(path, "rb") as f:
        data = f.read()
    at, order = 0, "<"
    while at + 12 <= len(data):
        (block_type,) = struct.unpack_from("<I", data, at)
        if block_type == SHB:
            magic = data[at + 8:at + 12]
            order = "<" if magic == b"\x4d\x3c\x2b\x1a" else ">"
        (length,) = struct.unpack_from(order + "I", data, at + 4)
        (block_type,) = struct.unpack_from(order + "I", data, at)
        body = data[at + 8:at + length - 4]
        block = {"type": block_type, "order": order, "length": length, "body": body}
        if block_type == EPB:
            interface, _, _, captured, original = struct.unpack_from(order + "IIIII", body)
            padded = (captured + 3) // 4 * 4
            block.update(captured=captured, original=original,
                         options=options(body[20 + padded:], order))
        elif block_type in (CUSTOM_COPY, CUSTOM_NO_COPY):
            (block["pen"],) = struct.unpack_from(order + "I", body)
            block["data"] = body[4:]
        yield block
        at += length


def varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def packet_refs(block):
    """procmap's (src record, dst record) of an EPB, or None."""
    found = packet_refs_and_run(block)
    return found[1:] if found else None


def packet_refs_and_run(block):
    """procmap's (run tag, src record, dst record) of an EPB (tag 0: version
    1, none), or None."""
    for code, value in block["options"]:
        if code == OPT_CUSTOM_BINARY and len(value) >= 4:
            (pen,) = struct.unpack_from(block["order"] + "I", value)
            if pen == PROCMAP_PEN and value[4] in (1, 2):
                run, at = (value[5], 6) if value[4] == 2 else (0, 5)
                src, at = varint(value, at)
                dst, _ = varint(value, at)
                return run, src, dst
    return None


def packet_process(block):
    """epb_processid_threadid: (pid, tid), or None."""
    for code, value in block["options"]:
        if code == EPB_PROCESS_THREAD and len(value) == 8:
            return struct.unpack(block["order"] + "II", value)
    return None


def process_record(block):
    """A process information block's {pid, name, path, cmdline, ppid, uid,
    user, start, comment}, or None for any other block."""
    if block.get("pen") != WIRESHARK_PEN or len(block["data"]) < 12:
        return None
    entry_type, entry_len = struct.unpack_from("<II", block["data"])
    if entry_type != 3:
        return None
    entry = block["data"][8:8 + entry_len]
    record = {"pid": struct.unpack_from("<I", entry)[0]}
    names = {2: "name", 3: "path", 4: "cmdline", 5: "ppid", 6: "uid", 7: "user", 8: "uuid",
             9: "start", 1: "comment"}
    for code, value in options(entry[4:], "<"):
        key = names.get(code)
        if key in ("ppid", "uid"):
            record[key] = struct.unpack("<I", value)[0]
        elif key == "start":
            record[key] = struct.unpack("<Q", value)[0]
        elif key in ("name", "path", "user", "comment"):
            record[key] = value.decode("utf-8", "replace")
        elif key:
            record[key] = value
    return record
