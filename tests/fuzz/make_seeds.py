#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpus of each fuzz target into corpus/<target>/seed-*:
real /proc text of this host, the fixtures of tests/data, kernel netlink
replies (a sock_diag and an RTM_GETADDR dump; as root with nft, a conntrack
entry of a DNAT rule in a network namespace of its own), and the odd cases
the unit tests name.  Regression entries (corpus/<target>/regress-*) are
kept by hand and never overwritten.  Run it again only to refresh the
seeds, of every target or of those named:

    tests/fuzz/make_seeds.py [TARGET...]
"""
import os
import shutil
import socket
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
MAX_SEED = 4096        # keep the corpus in the repository small


def data(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def proc(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


ONLY = set(sys.argv[1:])


def write(target, seeds):
    if ONLY and target not in ONLY:
        return
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.startswith("seed-"):
            os.unlink(os.path.join(folder, name))
    for i, seed in enumerate(seeds):
        with open(os.path.join(folder, "seed-%03d" % i), "wb") as f:
            f.write(seed[:MAX_SEED])


def lines(blob, limit=6):
    return blob.splitlines()[:limit]


# ---- trailers and PCAPdroid's blocks (docs/capture-comments.md) ------------

def trailer_seeds():
    """Ethernet frames with PCAPdroid's, tcpshark's and eCapture's trailers,
    as pcapgen writes them, and the odd cases of the tests."""
    sys.path.insert(0, os.path.join(HERE, "..", "epan"))
    import pcapgen
    tcp = pcapgen.tcp_packet("10.0.0.2", 40000, "1.1.1.1", 443, "PA", 1, 1, b"x" * 30)
    udp = pcapgen.udp_packet("10.0.0.2", 5000, "1.1.1.1", 53, b"q")
    udp6 = pcapgen.udp_packet("2001:db8::2", 5000, "2001:db8::1", 53, b"q")
    T, E = pcapgen.TCPSHARK_MAGIC, pcapgen.ECAPTURE_MAGIC
    return [pcapgen.pcapdroid_frame(tcp, 10123, "Chrome"),
            pcapgen.pcapdroid_frame(udp6, 10200, b"Caf\xe9 \xff"),
            pcapgen.pcapdroid_frame(udp, -1, ""),
            pcapgen.pcapdroid_frame(udp, 1, "x", cut=10),
            pcapgen.gopacket_trailer_frame(tcp, T, 4242, "curl", "curl -s https://x/"),
            pcapgen.gopacket_trailer_frame(udp, T, 0, "", ""),
            pcapgen.gopacket_trailer_frame(udp, E, 777, b"openssl" + b"\0" * 9),
            pcapgen.gopacket_trailer_frame(tcp, E, 778, "openssl", cut=8),
            pcapgen.ether(udp) + b"\0" * 14 + b"\x01\x02\x03\x04"]


def pcapdroid_block_seeds():
    sys.path.insert(0, os.path.join(HERE, "..", "epan"))
    import pcapgen
    return [b"\x01u-10123\0" + pcapgen.pcapdroid_uid_map(10123, "com.android.chrome", "Chrome"),
            b"\x01u-10123\0" + pcapgen.pcapdroid_uid_map(10123, "com.a", "A", big_endian=True),
            b"\x01u-1\0" + pcapgen.pcapdroid_uid_map(1, b"com.caf\xe9", b"\x01\xff"),
            b"\x00u-4294967295\0" + pcapgen.pcapdroid_uid_map(5, "p", "a")[:8],
            b"\x01u-7\0" + pcapgen.pcapdroid_uid_map(7, "p", "a", version=2),
            b"\x00PID: 5\nu-3\0\x01\x00\x02\x00"]


# ---- netlink ---------------------------------------------------------------

NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY = 4, 20
RTM_GETADDR, NLM_F_REQUEST, NLM_F_DUMP = 22, 1, 0x300


def netlink_dump(protocol, msg_type, body):
    """The datagrams of one dump from the kernel."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol)
    sock.settimeout(2)
    sock.send(struct.pack("=IHHII", 16 + len(body), msg_type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
              + body)
    datagrams = []
    while True:
        datagram = sock.recv(65536)
        datagrams.append(datagram)
        if struct.unpack_from("=H", datagram, 4)[0] in (2, 3):      # ERROR, DONE
            break
        last = 0
        while last + 16 <= len(datagram):
            length, kind = struct.unpack_from("=IH", datagram, last)
            if kind in (2, 3) or length < 16:
                break
            last += (length + 3) & ~3
        else:
            continue
        break
    sock.close()
    return datagrams


def messages(datagram):
    out, offset = [], 0
    while offset + 16 <= len(datagram):
        length = struct.unpack_from("=I", datagram, offset)[0]
        if length < 16:
            break
        out.append(datagram[offset:offset + length])
        offset += (length + 3) & ~3
    return out


def diag_request(family, proto):
    return struct.pack("=BBBxI", family, proto, 0, 0xfff) + b"\0" * 48


def netlink_seeds():
    diag, addr = [], []
    for family in (socket.AF_INET, socket.AF_INET6):
        for proto in (socket.IPPROTO_TCP, socket.IPPROTO_UDP):
            try:
                diag += netlink_dump(NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY,
                                     diag_request(family, proto))
            except OSError:
                pass
    try:
        addr = netlink_dump(socket.NETLINK_ROUTE, RTM_GETADDR, struct.pack("=BBBBI", 0, 0, 0, 0, 0))
    except OSError:
        pass
    # Whole datagrams, cut to a few messages, for the dump target.
    dump = [b"\0" + b"".join(messages(d)[:3]) for d in diag[:4]]
    dump += [b"\1" + b"".join(messages(d)[:3]) for d in addr[:2]]
    # A bare error and a bare DONE carrying an error.
    dump.append(b"\0" + struct.pack("=IHHIIi", 20, 2, 0, 1, 0, -13))
    dump.append(b"\0" + struct.pack("=IHHIIi", 20, 3, 2, 1, 0, -22))
    payloads = [m[16:] for d in diag for m in messages(d)
                if struct.unpack_from("=H", m, 4)[0] == SOCK_DIAG_BY_FAMILY]
    addr_payloads = [m[16:] for d in addr for m in messages(d)
                     if struct.unpack_from("=H", m, 4)[0] == 20]
    return dump, payloads[:8], addr_payloads[:8]


# ---- conntrack ---------------------------------------------------------------

NLA_F_NESTED = 0x8000
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_TIMEOUT, CTA_ID = 1, 2, 3, 7, 12
CTA_TUPLE_IP, CTA_TUPLE_PROTO, CTA_TUPLE_ZONE = 1, 2, 3


def nla(kind, data):
    return struct.pack("=HH", 4 + len(data), kind) + data + b"\0" * (-len(data) % 4)


def ct_tuple(kind, proto, src, dst, family=socket.AF_INET):
    """src, dst: (address text, port); a port of None leaves ports out."""
    v6 = family == socket.AF_INET6
    ip = (nla(3 if v6 else 1, socket.inet_pton(family, src[0]))
          + nla(4 if v6 else 2, socket.inet_pton(family, dst[0])))
    ports = b"" if src[1] is None else (nla(2, struct.pack("!H", src[1]))
                                         + nla(3, struct.pack("!H", dst[1])))
    return nla(kind | NLA_F_NESTED, nla(CTA_TUPLE_IP | NLA_F_NESTED, ip)
               + nla(CTA_TUPLE_PROTO | NLA_F_NESTED, nla(1, bytes([proto])) + ports))


def ct_entry(proto, osrc, odst, rsrc, rdst, family=socket.AF_INET, extra=b""):
    return (struct.pack("=BBH", family, 0, 0) + ct_tuple(CTA_TUPLE_ORIG, proto, osrc, odst, family)
            + ct_tuple(CTA_TUPLE_REPLY, proto, rsrc, rdst, family)
            + nla(CTA_STATUS, struct.pack("!I", 0x1ae)) + nla(CTA_TIMEOUT, struct.pack("!I", 120))
            + extra + nla(CTA_ID, struct.pack("!I", 0x1234)))


KERNEL_ENTRY = r"""
import socket, struct, subprocess
def sh(c): subprocess.run(c, shell=True, check=True)
sh("ip link set lo up; ip link add s0 type veth peer name s1; ip addr add 10.199.1.1/24 dev s0;"
   "ip addr add 10.199.1.2/24 dev s1; ip link set s0 up; ip link set s1 up;"
   "ip route add 10.96.0.0/16 dev s0")
subprocess.run(["nft", "-f", "-"], check=True, input=b"table ip t {\n chain out {\n"
               b"  type nat hook output priority -100;\n"
               b"  ip daddr 10.96.0.10 tcp dport 443 dnat to 10.199.1.2:8443\n }\n}\n")
l = socket.socket(); l.bind(("10.199.1.2", 8443)); l.listen()
c = socket.socket(); c.connect(("10.96.0.10", 443)); a, _ = l.accept()
n = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)
n.send(struct.pack("=IHHII", 20, 0x100 | 1, 0x301, 1, 0) + struct.pack("=BBH", 2, 0, 0))
data = n.recv(65536)
off = 0
while off + 16 <= len(data):
    length, kind = struct.unpack_from("=IH", data, off)
    if kind == 0x100:
        print(data[off + 16:off + length].hex())
    off += (length + 3) & ~3
"""


def kernel_conntrack_entries():
    """Entries as this kernel sends them, if root with nft and unshare."""
    if os.geteuid() != 0 or not shutil.which("nft") or not shutil.which("unshare"):
        return []
    try:
        out = subprocess.run(["unshare", "-n", "/usr/bin/python3", "-c", KERNEL_ENTRY],
                             capture_output=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [bytes.fromhex(line) for line in out.decode().split()]


def conntrack_seeds():
    tcp, udp, icmp = socket.IPPROTO_TCP, socket.IPPROTO_UDP, socket.IPPROTO_ICMP
    dnat = ct_entry(tcp, ("10.0.0.1", 50001), ("10.96.0.10", 443), ("10.244.1.5", 8443),
                    ("10.0.0.1", 50001))
    seeds = kernel_conntrack_entries() + [
        dnat,
        ct_entry(tcp, ("10.1.0.1", 40000), ("192.0.2.9", 80), ("192.0.2.9", 80),
                 ("10.2.0.1", 61000), extra=nla(CTA_TUPLE_ZONE, struct.pack("!H", 3))),
        ct_entry(udp, ("fd00::1", 40000), ("fd00:96::a", 53), ("fd00:244::5", 5353),
                 ("fd00::1", 40000), socket.AF_INET6),
        ct_entry(icmp, ("10.0.0.1", None), ("10.0.0.2", None), ("10.0.0.2", None),
                 ("10.0.0.1", None)),
        dnat[:len(dnat) // 2],                                  # cut inside the tuples
        struct.pack("=BBH", 0, 0, 0) + dnat[4:],                # AF_UNSPEC
        dnat[:4] + ct_tuple(CTA_TUPLE_ORIG, tcp, ("10.0.0.1", 1), ("10.0.0.2", 2)),
        b"\x02\x00\x00\x00", b"",
    ]
    return seeds


# ---- everything ------------------------------------------------------------

def main():
    tcp, tcp6 = data("proc_net_tcp.txt"), data("proc_net_tcp6.txt")
    live = [proc("/proc/net/" + n) for n in ("tcp", "tcp6", "udp", "udp6")]
    socket_lines = [b"\0" + l for l in lines(tcp, 4)] + [b"\1" + l for l in lines(tcp6, 3)]
    socket_lines += [b"\0" + l for l in lines(live[0], 3) + lines(live[2], 3)]
    socket_lines += [b"\1" + l for l in lines(live[1], 3) + lines(live[3], 3)]
    socket_lines += [b"\2" + lines(tcp, 3)[2], b"\0", b"\0   5: 0100007F:0035"]
    write("socket_line", socket_lines)

    write("proc_stat", [proc("/proc/self/stat"), proc("/proc/1/stat"),
                        b"766 (my (weird) name) S 1 766 766 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 "
                        b"12345 0 0\n", b"767 (x) R 99 () S 766 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 "
                        b"0 23456\n", b"1 () S 0", b"(", b")("])
    write("proc_status", [proc("/proc/self/status"), b"Uid:\t1000\t1000\t1000\t1000\n",
                          b"Name:\tx\nUid:\n", b"Uid:\t99999999999\n"])
    write("cmdline", [proc("/proc/self/cmdline"), b"", b"\0", b"a\0\0b\0",
                      b"nginx: master process\0/usr/sbin/nginx\0-g\0daemon off;\xff\xfe"])
    write("fd_link", [b"\0socket:[12345]", b"\0socket:[]", b"\0socket:[abc]", b"\0pipe:[1]",
                      b"\0socket:[99999999999999999999999]", b"\1" + b"1234", b"\1self",
                      b"\1" + b"2147483648", b"\2/usr/bin/x (deleted)", b"\2 (deleted)"])
    write("local_addresses", [b"\0" + data("fib_trie.txt"), b"\0" + proc("/proc/net/fib_trie"),
                              b"\1" + data("if_inet6.txt"), b"\1" + proc("/proc/net/if_inet6"),
                              b"\2" + proc("/proc/stat")[-400:], b"\2btime 1700000000\n"])
    write("line_splitter", [b"\x10\0\0" + b"\n".join(lines(tcp, 4)) + b"\n",
                            b"\x03\x02\x07a\nbb\nccc\ndddd\n\n", b"\x00\x00\x00\n\n\n",
                            b"\x3f\x00\x01" + b"x" * 200 + b"\nshort\nlast-without-newline"])
    dump, diag_payloads, addr_payloads = netlink_seeds()
    write("netlink_dump", dump)
    write("inet_diag", diag_payloads or [b"\x02\x0a\x00\x00" + b"\0" * 68])
    write("ifaddr", addr_payloads or [b"\x02\x08\x80\xfe\x01\x00\x00\x00"])
    if not ONLY or "conntrack" in ONLY:
        write("conntrack", conntrack_seeds())

    def field(text):
        return bytes([len(text)]) + text
    process = [b"\x01" + field(b"curl") + field(b"/usr/bin/curl") + field(b"/root")
               + field(b"root") + b"\x02" + field(b"curl") + field(b"-s") + b"\x01"
               + field(b"curl") + field(b"web client") + b"caf\xc3\xa9",
               b"\x00" + field(b"very-long-serve") + field(b"/opt/bin/very-long-server")
               + field(b"") + field(b"") + b"\x00\x00" + b"\xff\xfe\x01\x7f",
               b"\x05" + field(b"a\tb\x80") + field(b"") + field(b"\xc3") + field(b"\xe2\x82")
               + b"\x01" + field(b"\xff") + b"\x02" + field(b"") + field(b"") + field(b"x")
               + field(b"y")]
    write("process", process)
    procmap_src = (b"procmap-src\nVersion: 1\nPID: 4242\nCmd: /usr/bin/curl\nArgs: curl -s "
                   b"http://127.0.0.1:8080/\nComm: curl\nUserId: 1000\nUser: alice\nParentPID: 4000\n"
                   b"StartTime: 1700000000123456789\nCwd: /home/alice")
    procmap_dst = (b"procmap-dst\nVersion: 1\nPID: 4100\nCmd: /usr/bin/python3.11\nArgs: python3 "
                   b"-m http.server 8080\nComm: python3\nUserId: 0\nUser: root")
    ptcpdump = (b"PID: 345650\nCmd: /usr/bin/curl\nArgs: curl http://127.0.0.1:8000/\0"
                b"ThreadId: 345650\nThreadName: curl\0UserId: 1000\0ParentPID: 1\nParentCmd: "
                b"/bin/bash\nParentArgs: -bash\0ContainerName: web\nContainerId: 0123abcd\n"
                b"ContainerImage: nginx:1\0PodName: web-0\nPodNamespace: default")
    write("carried", [b"\x08\0\0" + procmap_src + b"\0" + procmap_dst + b"\0" + ptcpdump,
                      b"\x08\0\0" + ptcpdump, b"\x04\0\0PID=1234 TID=5678 VlanId=0",
                      b"\x13\x05\x01launchd\0curl", b"\x10\0\0PID: 13055\nCmd: /dev/fd/5\nArgs: "
                      b"/usr/sbin/dropbear -F -p 22\r\n", b"\0\0\0PID: 5\xff\nCmd:\t\x01",
                      b"\0\0\0PID: 312, ProcName: nsurlsessiond, EPID: 1204, EProcName: "
                      b"MobileSafari, SVC: 300",
                      b"\0\0\0PID: 7, ProcName: a, b, EPID: x, EProcName: , SVC: 0\0PID: 1\n"])
    write("carried_trailer", trailer_seeds())
    write("pcapdroid_block", pcapdroid_block_seeds())
    write("endpoint_text", [b"127.0.0.1:8080", b"[::1]:22", b"fe80::1:443", b"*:53",
                            b"[::ffff:10.0.0.1]:65535", b"1.2.3.4:65536", b"[]:1"])
    extcap_seeds()
    write("carried_cache", [b"\x05\x02" + procmap_src + b"\0" + procmap_dst + b"\0\x82"
                            + procmap_src + b"\0" + procmap_dst + b"\0\x01" + ptcpdump.split(b"\0")[0],
                            b"\x00\x01PID: 1\0\x81PID: 2\0\x81PID: 1\0\x01note\0",
                            b"\xff\x03a\0b\0PID=1 TID=2\0",
                            # tags (0x40): PCAPdroid's app, the same again, tcpshark's, a cut one
                            b"\x01\x40\x00\x00\x00\x27\x8bChrome\0\xc0\x00\x00\x00\x27\x8b"
                            b"Chrome\0\x41PID: 3\0\x01\x00\x00\x10\x92curl\0\x40\x02\x00\0"])


# ---- procmap-capture ----------------------------------------------------------

def extcap_seeds():
    sys.path.insert(0, os.path.join(HERE, "..", "epan"))
    from pcapgen import ether, ipv4, ipv6, tcp_packet, udp_packet

    own_mac = b"\x02\0\0\0\0\x01"
    tcp4 = tcp_packet("10.0.0.5", 40000, "192.0.2.1", 443, flags="S")
    udp6 = udp_packet("fe80::1", 5353, "ff02::fb", 5353, b"q")
    vlan = (b"\x02\0\0\0\0\x02" + own_mac + b"\x81\x00\x00\x05\x08\x00" + tcp4)
    sll2 = struct.pack(">HHIHBB8s", 0x0800, 0, 1, 772, 4, 6, b"\0" * 8) + tcp4
    write("packet_parse", [b"\x01\x01" + own_mac + ether(tcp4), b"\x01\x00" + ether(udp6),
                           b"\x01\x01" + own_mac + vlan, b"\x02\x00" + tcp4,
                           b"\x07\x00" + udp6, b"\x08\x00" + sll2,
                           b"\x00\x00\x02\0\0\0" + tcp4, b"\x01\x00" + ether(tcp4)[:30]])

    cid = b"4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"
    write("container", [
        b"\0" + b"0::/system.slice/docker-" + cid + b".scope\n",
        b"\0" + b"12:pids:/docker/" + cid + b"\n11:cpu:/docker/" + cid + b"\n",
        b"\0" + b"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/crio-"
        + cid + b".scope\n",
        b"\0" + b"0::/machine.slice/machine-web\\x2dfront.scope\n",
        b"\0" + b"0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" + cid
        + b".scope\n",
        b"\0" + proc("/proc/self/cgroup"),
        b"\1" + b'{"ID":"x","Name":"/web","Config":{"Name":"/evil","Env":["A=1"]},"State":{}}',
        b"\1" + b'{"Name":"/a\\"b"}', b"\1" + b"[[[[[[[[[[[[[[]]]]]]]]]]]]]]",
        b"\1" + b'{"Name":42,"x":{"Name":"/y"}}'])

    def ev_process(pid, uid, comm):
        return struct.pack("<IIIIQ16s", pid, pid, 1, uid, 123456789, comm)
    socket_ev = struct.pack("<BBBBHHHHIQ16s16s", 1, 2, 6, 0, 2, 40000, 443, 0, 4026531840,
                            987654321, bytes([10, 0, 0, 5]) + b"\0" * 12,
                            bytes([192, 0, 2, 1]) + b"\0" * 12) + ev_process(4242, 1000, b"curl")
    close_ev = b"\x02" + socket_ev[1:]
    args = b"curl\0-s\0http://127.0.0.1:8080/\0"
    exec_ev = (struct.pack("<B3xIQ", 3, len(args), 5555) + ev_process(4242, 1000, b"curl")
               + b"/usr/bin/curl".ljust(256, b"\0") + args.ljust(512, b"\0"))
    assert len(socket_ev) == 96 and len(exec_ev) == 824
    write("ebpf_record", [b"\x01" + exec_ev + b"\x00" + socket_ev, b"\x00" + socket_ev,
                          b"\x00" + close_ev, b"\x01" + exec_ev[:300],
                          b"\x00" + socket_ev[:4] + b"\x0a\x00" + socket_ev[6:]])

    def field(text):
        return bytes([len(text)]) + text

    def comment_process(comm, exe, cwd, user, args, last=False):
        return (b"\x10\x00\x01\x03\x05" + field(comm) + field(exe) + field(cwd) + field(user)
                + (args if last else field(args)))
    write("capture_comments", [
        b"\x07\x92\x10\x04\x10" + comment_process(b"curl", b"/usr/bin/curl", b"/root", b"root",
                                                   b"curl -s http://x/")
        + comment_process(b"python3", b"/usr/bin/python3", b"/srv", b"www", b"python3 -m http")
        + comment_process(b"bash", b"/bin/bash", b"/", b"root", b"-bash")
        + field(b"4a3b") + b"worker\nthread\xff",
        b"\x10\x00\x00\x00\x00" + comment_process(b"a\r\nb", b"/x\ny", b"", b"", b"", True)])

    def endpoint(family, address, port):
        return struct.pack("<B16sxH", family, address, port)

    def request(kind, count=0, pid=0, want=0, netns=0, cid=b"", transport=0, ends=b"",
                inodes=()):
        body = struct.pack("<IIiIQ72sI40s4x", kind, count, pid, want, netns, cid, transport, ends)
        return body + b"".join(struct.pack("<Q", i) for i in inodes)
    client, service = endpoint(4, b"\x0a\xe9\x01\x02", 40000), endpoint(4, b"\x0a\x60\x00\x0a", 443)
    server = endpoint(4, b"\x0a\xe9\x02\x02", 8443)
    v6 = endpoint(6, b"\xfd" + b"\0" * 14 + b"\x01", 53)
    write("monitor", [
        b"\x00" + request(1), b"\x00" + request(2, 2, inodes=(12345, 67890)),
        b"\x00" + request(4, pid=1, want=0x3f), b"\x00" + request(6, netns=4026531840),
        b"\x00" + request(7, cid=cid), b"\x00" + request(7, cid=b"../../etc/shadow"),
        b"\x01" + request(4, pid=1, want=1),
        b"\x00" + request(8, transport=0, ends=client + service),
        b"\x00" + request(8, netns=4026531840, transport=1, ends=v6 + v6),
        b"\x00" + request(8, transport=0, ends=client + v6),
        b"\x02\x07" + struct.pack("<iIIIiI", 8, 0, 0, 0, 0, 0)
        + client + service + server + client,
        b"\x02\x07" + struct.pack("<iIIIiI", 8, 0, 0, 0, 1, 0),
        b"\x02\x00" + struct.pack("<iIII", 1, 0, 0, 0) + struct.pack("<10I", 65534, 1, 0, 2, 0, 1,
                                                                      1, 0, 0, 4026531840),
        b"\x02\x03" + struct.pack("<IiII", 4, 0, 0, 0) + struct.pack("<IIIii", 1, 1, 0, 4, -1)
        + b"/bin".ljust(4096, b"\0"),
        b"\x03[capture]\nother-users=full\n", b"\x03[capture]\nother-users=\n",
        b"\x04" + proc("/proc/self/mountinfo")[:3000],
        b"\x04" + b"22 28 0:21 / /proc rw - proc proc rw,hidepid=invisible,gid=4\n"])


if __name__ == "__main__":
    main()
