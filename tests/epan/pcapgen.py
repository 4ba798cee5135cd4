# SPDX-License-Identifier: GPL-2.0-or-later
"""A small pcap writer for the plugin tests: Ethernet or raw-IP link type,
IPv4/IPv6, TCP (flags, seq/ack), UDP, ICMP/ICMPv6 port unreachable quoting a
packet, VXLAN carrying an Ethernet frame, and the process trailers of
PCAPdroid, tcpshark and eCapture (docs/capture-comments.md).  Lengths and checksums are
right, so Wireshark shows no malformed or bad-checksum items."""
import ipaddress
import struct
import time
import zlib

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101          # raw IPv4/IPv6, the version nibble tells which

PROTO_ICMP, PROTO_TCP, PROTO_UDP, PROTO_ICMPV6 = 1, 6, 17, 58
VXLAN_PORT = 4789

TCP_FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10}


def recent(offset=0.0):
    """A capture time a few seconds ago (inside the default live window of
    30 s), plus @offset seconds."""
    return time.time() - 3.0 + offset


def old(offset=0.0):
    """A capture time two hours ago: far outside any live window."""
    return time.time() - 2 * 3600.0 + offset


def _addr(text):
    return ipaddress.ip_address(text)


def _checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _pseudo_header(src, dst, proto, length):
    s, d = _addr(src), _addr(dst)
    if s.version == 4:
        return struct.pack("!4s4sBBH", s.packed, d.packed, 0, proto, length)
    return struct.pack("!16s16sIxxxB", s.packed, d.packed, length, proto)


# ---- network layer ---------------------------------------------------------

def ipv4(src, dst, proto, payload, ttl=64, ident=0x1234):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000,
                         ttl, proto, 0, _addr(src).packed, _addr(dst).packed)
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return header + payload


def ipv6(src, dst, next_header, payload, hop_limit=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), next_header, hop_limit,
                       _addr(src).packed, _addr(dst).packed) + payload


def ip(src, dst, proto, payload):
    """An IPv4 or IPv6 packet, by the family of @src."""
    if _addr(src).version == 4:
        return ipv4(src, dst, proto, payload)
    return ipv6(src, dst, proto, payload)


def ether(ip_packet, src_mac=b"\x02\0\0\0\0\x01", dst_mac=b"\x02\0\0\0\0\x02"):
    ethertype = 0x0800 if ip_packet[0] >> 4 == 4 else 0x86DD
    return dst_mac + src_mac + struct.pack("!H", ethertype) + ip_packet


# ---- process trailers (docs/capture-comments.md) ----------------------------

PCAPDROID_MAGIC, TCPSHARK_MAGIC, ECAPTURE_MAGIC = 0x01072021, 0xA1BFF3D4, 0xCC0C4CFC
PCAPDROID_PEN = 62652


def pcapdroid_frame(ip_packet, uid, app_name, magic=PCAPDROID_MAGIC, cut=0):
    """PCAPdroid's pcap frame: an Ethernet header with zero MACs, the IP
    packet, zeros up to a multiple of 4, then its 32-byte trailer (magic and
    uid big-endian, the app name NUL-padded to 20 bytes, a CRC-32 of the
    frame before it); @app_name str or bytes as they are.  @cut drops that
    many bytes from the end (a truncated trailer)."""
    ethertype = 0x0800 if ip_packet[0] >> 4 == 4 else 0x86DD
    frame = b"\0" * 12 + struct.pack("!H", ethertype) + ip_packet
    frame += b"\0" * (-len(frame) % 4)
    name = app_name.encode("utf-8") if isinstance(app_name, str) else bytes(app_name)
    frame += struct.pack("!Ii", magic, uid) + name[:20].ljust(20, b"\0")
    frame += struct.pack("<I", zlib.crc32(frame))
    return frame[:len(frame) - cut] if cut else frame


def gopacket_trailer_frame(ip_packet, magic, pid, cmd, args=None, cut=0):
    """tcpshark's (@args not None) or eCapture's frame: Ethernet, the IP
    packet, zeros up to 60 bytes, the trailer (magic, pid, cmd length and
    cmd, for tcpshark args length and args; big-endian), 4 zero bytes.
    @cut drops that many bytes from the end."""
    frame = ether(ip_packet)
    frame += b"\0" * max(0, 60 - len(frame))
    cmd = cmd.encode("utf-8") if isinstance(cmd, str) else bytes(cmd)
    frame += struct.pack("!IIB", magic, pid, len(cmd)) + cmd
    if args is not None:
        args = args.encode("utf-8") if isinstance(args, str) else bytes(args)
        frame += struct.pack("!H", len(args)) + args
    frame += b"\0" * 4
    return frame[:len(frame) - cut] if cut else frame


def pcapdroid_uid_map(uid, package, app, big_endian=False, version=1, block_type=1):
    """The data of PCAPdroid's uid map custom block (after the PEN)."""
    order = ">" if big_endian else "<"
    package = package.encode("utf-8") if isinstance(package, str) else bytes(package)
    app = app.encode("utf-8") if isinstance(app, str) else bytes(app)
    return struct.pack(order + "HBBiBB", version, block_type, 0, uid, len(package),
                       len(app)) + package + app


# ---- transport layer -------------------------------------------------------

def tcp_packet(src, sport, dst, dport, flags="A", seq=1, ack=0, payload=b"", window=64240):
    """An IP packet carrying one TCP segment; @flags like "S", "SA", "PA"."""
    bits = 0
    for flag in flags:
        bits |= TCP_FLAG_BITS[flag]
    if ack and not bits & TCP_FLAG_BITS["A"]:
        raise ValueError("an ack number needs the A flag")
    segment = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, bits, window, 0, 0) + payload
    csum = _checksum(_pseudo_header(src, dst, PROTO_TCP, len(segment)) + segment)
    segment = segment[:16] + struct.pack("!H", csum) + segment[18:]
    return ip(src, dst, PROTO_TCP, segment)


def udp_packet(src, sport, dst, dport, payload=b""):
    datagram = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    csum = _checksum(_pseudo_header(src, dst, PROTO_UDP, len(datagram)) + datagram) or 0xFFFF
    datagram = datagram[:6] + struct.pack("!H", csum) + datagram[8:]
    return ip(src, dst, PROTO_UDP, datagram)


def icmp_port_unreachable(router, dst, quoted):
    """An ICMP (IPv4) or ICMPv6 "port unreachable" from @router to @dst that
    quotes the IP packet @quoted (which @dst sent)."""
    if _addr(router).version == 4:
        body = struct.pack("!BBHI", 3, 3, 0, 0) + quoted[:28 + 512]
        body = body[:2] + struct.pack("!H", _checksum(body)) + body[4:]
        return ipv4(router, dst, PROTO_ICMP, body)
    body = struct.pack("!BBHI", 1, 4, 0, 0) + quoted[:1232]
    csum = _checksum(_pseudo_header(router, dst, PROTO_ICMPV6, len(body)) + body)
    body = body[:2] + struct.pack("!H", csum) + body[4:]
    return ipv6(router, dst, PROTO_ICMPV6, body)


def vxlan_packet(outer_src, outer_sport, outer_dst, inner_frame, vni=42):
    """An IP/UDP packet to port 4789 carrying the Ethernet frame @inner_frame."""
    header = struct.pack("!BxxxI", 0x08, vni << 8)
    return udp_packet(outer_src, outer_sport, outer_dst, VXLAN_PORT, header + inner_frame)


class TcpConversation:
    """The packets of one TCP connection with consistent sequence numbers:
    client() / server() send a segment from that end, acking the other."""

    def __init__(self, client, server, client_isn=1000, server_isn=50000):
        self.client, self.server = client, server
        self.next_seq = {"c": client_isn, "s": server_isn}
        self.acked = {"c": 0, "s": 0}

    def _send(self, who, flags, payload):
        other = "s" if who == "c" else "c"
        src, dst = (self.client, self.server) if who == "c" else (self.server, self.client)
        ack = self.next_seq[other] if "A" in flags else 0
        packet = tcp_packet(src[0], src[1], dst[0], dst[1], flags, self.next_seq[who], ack,
                            payload)
        self.next_seq[who] += len(payload) + (1 if "S" in flags or "F" in flags else 0)
        return packet

    def client_send(self, flags="PA", payload=b""):
        return self._send("c", flags, payload)

    def server_send(self, flags="PA", payload=b""):
        return self._send("s", flags, payload)

    def handshake(self):
        return [self._send("c", "S", b""), self._send("s", "SA", b""),
                self._send("c", "A", b"")]

    def exchange(self, request=b"GET / HTTP/1.0\r\n\r\n", response=b"HTTP/1.0 200 OK\r\n\r\nhi"):
        """Handshake, a request, its response, and the client's ack."""
        return self.handshake() + [self.client_send("PA", request),
                                   self.server_send("PA", response),
                                   self.client_send("A")]


# ---- the file --------------------------------------------------------------

def file_header(linktype=LINKTYPE_ETHERNET, snaplen=262144):
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)


def record(frame, timestamp):
    seconds = int(timestamp)
    micros = int(round((timestamp - seconds) * 1e6))
    if micros >= 1000000:
        seconds, micros = seconds + 1, micros - 1000000
    return struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame


class Pcap:
    """Frames with their capture times; IP packets are wrapped in Ethernet
    unless the link type is raw IP."""

    def __init__(self, linktype=LINKTYPE_ETHERNET):
        self.linktype = linktype
        self.frames = []        # (frame bytes, timestamp)

    def add(self, ip_packet, timestamp=None, step=0.001):
        """Appends @ip_packet at @timestamp (default: @step after the last
        frame, or recent()).  Returns the frame number (1-based)."""
        if timestamp is None:
            timestamp = self.frames[-1][1] + step if self.frames else recent()
        frame = ether(ip_packet) if self.linktype == LINKTYPE_ETHERNET else ip_packet
        self.frames.append((frame, timestamp))
        return len(self.frames)

    def add_frame(self, frame, timestamp=None, step=0.001):
        """Appends the link-layer @frame as it is."""
        if timestamp is None:
            timestamp = self.frames[-1][1] + step if self.frames else recent()
        self.frames.append((frame, timestamp))
        return len(self.frames)

    def add_all(self, ip_packets, timestamp=None, step=0.001):
        numbers = []
        for i, packet in enumerate(ip_packets):
            numbers.append(self.add(packet, timestamp + i * step if timestamp is not None
                                    else None, step))
        return numbers

    def frame_length(self, number):
        return len(self.frames[number - 1][0])

    def to_bytes(self):
        return file_header(self.linktype) + b"".join(record(f, t) for f, t in self.frames)

    def write(self, path):
        with open(path, "wb") as out:
            out.write(self.to_bytes())
        return str(path)


# ---- pcapng: packet comments, the direction flag, Darwin process blocks ---

PCAPNG_SHB, PCAPNG_IDB, PCAPNG_EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
PCAPNG_DARWIN_PIB = 0x80000001          # Apple's process information block
OPT_ENDOFOPT, OPT_COMMENT, OPT_EPB_FLAGS = 0, 1, 2
OPT_DARWIN_PIB_NAME = 2
OPT_EPB_DARWIN_PIB_ID, OPT_EPB_DARWIN_EFFECTIVE_PIB_ID = 0x8001, 0x8003
DIRECTION_INBOUND, DIRECTION_OUTBOUND = 1, 2   # epb_flags bits 0-1


def _pad4(data):
    return data + b"\0" * (-len(data) % 4)


def pcapng_options(options, order="<"):
    """(code, bytes) pairs -> the encoded options and opt_endofopt; nothing
    for no options.  A value may be at most 65535 bytes."""
    if not options:
        return b""
    out = b""
    for code, value in options:
        if len(value) > 0xFFFF:
            raise ValueError("a pcapng option holds at most 65535 bytes")
        out += struct.pack(order + "HH", code, len(value)) + _pad4(value)
    return out + struct.pack(order + "HH", OPT_ENDOFOPT, 0)


def pcapng_block(block_type, body, order="<"):
    body = _pad4(body)
    return struct.pack(order + "II", block_type, 12 + len(body)) + body + \
        struct.pack(order + "I", 12 + len(body))


PCAPNG_CUSTOM_COPYABLE = 0x00000BAD


class PcapNg(Pcap):
    """Like Pcap, written as pcapng (little-endian, or big-endian) with one
    interface, where each frame may carry comments (str, or bytes as they
    are: binary input), the direction flag, and raw options; Darwin process
    blocks that frames refer to (Wireshark 4.6 resolves them); and custom
    blocks (PCAPdroid's uid map) between the frames."""

    def __init__(self, linktype=LINKTYPE_ETHERNET, big_endian=False):
        super().__init__(linktype)
        self.order = ">" if big_endian else "<"     # the section's byte order
        self.frame_options = []        # per frame: [(code, bytes)]
        self.darwin_processes = []     # (pid, name), index = position
        self.custom_blocks = []        # (frames before it, PEN, data)

    def add(self, ip_packet, timestamp=None, step=0.001, comments=(), direction=None,
            options=()):
        number = super().add(ip_packet, timestamp, step)
        encoded = [(OPT_COMMENT, c.encode("utf-8") if isinstance(c, str) else bytes(c))
                   for c in comments]
        if direction is not None:
            encoded.append((OPT_EPB_FLAGS, struct.pack(self.order + "I", direction)))
        encoded += list(options)
        self.frame_options.append(encoded)
        return number

    def add_frame(self, frame, timestamp=None, step=0.001, comments=(), direction=None):
        number = Pcap.add_frame(self, frame, timestamp, step)
        encoded = [(OPT_COMMENT, c.encode("utf-8") if isinstance(c, str) else bytes(c))
                   for c in comments]
        if direction is not None:
            encoded.append((OPT_EPB_FLAGS, struct.pack(self.order + "I", direction)))
        self.frame_options.append(encoded)
        return number

    def add_custom_block(self, pen, data):
        """A copyable custom block (type 0xBAD) after the frames so far.
        Wireshark shows it as a frame (record) of its own: it takes a frame
        number."""
        self.custom_blocks.append((len(self.frames), pen, data))

    def add_darwin_process(self, pid, name):
        """A Darwin process information block; returns its index."""
        self.darwin_processes.append((pid, name))
        return len(self.darwin_processes) - 1

    @staticmethod
    def darwin_options(pib, effective_pib=None):
        """The EPB options naming a frame's Darwin process (and effective one)."""
        options = [(OPT_EPB_DARWIN_PIB_ID, struct.pack("<I", pib))]
        if effective_pib is not None:
            options.append((OPT_EPB_DARWIN_EFFECTIVE_PIB_ID, struct.pack("<I", effective_pib)))
        return options

    def to_bytes(self):
        # Blocks joined once: appending to bytes would copy the file per frame.
        o = self.order
        out = [pcapng_block(PCAPNG_SHB, struct.pack(o + "IHHq", 0x1A2B3C4D, 1, 0, -1), o)]
        # No if_tsresol: microseconds.
        out.append(pcapng_block(PCAPNG_IDB, struct.pack(o + "HHI", self.linktype, 0, 262144), o))
        for pid, name in self.darwin_processes:
            out.append(pcapng_block(PCAPNG_DARWIN_PIB, struct.pack(o + "I", pid) + pcapng_options(
                [(OPT_DARWIN_PIB_NAME, name.encode("utf-8"))], o), o))
        customs = list(self.custom_blocks)
        for index, ((frame, timestamp), options) in enumerate(zip(self.frames,
                                                                  self.frame_options)):
            while customs and customs[0][0] <= index:
                _, pen, data = customs.pop(0)
                out.append(pcapng_block(PCAPNG_CUSTOM_COPYABLE, struct.pack(o + "I", pen) + data,
                                        o))
            micros = int(round(timestamp * 1e6))
            body = struct.pack(o + "IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(frame),
                               len(frame)) + _pad4(frame) + pcapng_options(options, o)
            out.append(pcapng_block(PCAPNG_EPB, body, o))
        for _, pen, data in customs:
            out.append(pcapng_block(PCAPNG_CUSTOM_COPYABLE, struct.pack(o + "I", pen) + data, o))
        return b"".join(out)


# ---- Wireshark's process information blocks (5.1) and procmap's references --

WIRESHARK_PEN = 32622
PROCMAP_PEN = 0x70726D70               # procmap's custom options (process_record.h)
PIB_ENTRY_PROCESS = 3
OPT_EPB_PROCESS_THREAD = 8             # epb_processid_threadid
OPT_CUSTOM_BINARY_COPY = 2989


def process_information_block(pid, name=None, path=None, cmdline=None, ppid=None, uid=None,
                              user=None, uuid=None, start_ns=None, comment=None,
                              extra_options=(), entry_type=PIB_ENTRY_PROCESS):
    """The data (after the PEN) of a Wireshark custom block holding a
    process information entry, upstream's layout: entry type and length
    (u32, little-endian whatever the section), the entry padded to 4 bytes:
    u32 pid, then options (little-endian).  @cmdline: the argument list
    (NUL-separated in the file); @extra_options: more (code, bytes)."""
    options = []
    for code, text in ((2, name), (3, path)):
        if text is not None:
            options.append((code, text.encode("utf-8") if isinstance(text, str) else text))
    if cmdline is not None:
        options.append((4, b"\0".join(a.encode("utf-8") for a in cmdline) + b"\0"))
    if ppid is not None:
        options.append((5, struct.pack("<I", ppid)))
    if uid is not None:
        options.append((6, struct.pack("<I", uid)))
    if user is not None:
        options.append((7, user.encode("utf-8")))
    if uuid is not None:
        options.append((8, uuid))
    if start_ns is not None:
        options.append((9, struct.pack("<Q", start_ns)))
    if comment is not None:
        options.append((OPT_COMMENT, comment.encode("utf-8")))
    options += list(extra_options)
    entry = struct.pack("<I", pid) + pcapng_options(options, "<")
    return struct.pack("<II", entry_type, len(entry)) + _pad4(entry)


def procmap_record_comment(ref, run=0, **extra):
    """procmap's comment of a record: its number (and its run's tag), then
    Key: value lines."""
    return ("procmap\nRef: %d" % ref + ("\nRun: %d" % run if run else "")
            + "".join("\n%s: %s" % kv for kv in extra.items()))


def _varint(value):
    out = b""
    while True:
        byte, value = value & 0x7F, value >> 7
        out += bytes([byte | (0x80 if value else 0)])
        if not value:
            return out


def procmap_refs_option(src_ref, dst_ref, order="<", version=1, run=0):
    """A packet's procmap custom option naming its ends' records (0: none);
    with @run, version 2: the run's tag after the version byte."""
    head = bytes([2, run]) if run else bytes([version])
    return (OPT_CUSTOM_BINARY_COPY, struct.pack(order + "I", PROCMAP_PEN) + head
            + _varint(src_ref) + _varint(dst_ref))


def process_thread_option(pid, tid, order="<"):
    return (OPT_EPB_PROCESS_THREAD, struct.pack(order + "II", pid, tid))
