# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake /proc tree describing a whole host, for -o procmap.proc_root:<dir>.

Writes what the procfs backend reads, in the kernel's formats:
net/{tcp,tcp6,udp,udp6} (the seq_file lines of tcp4_seq_show, tcp6_seq_show,
udp4_format_sock, ip6_dgram_sock_seq_show), net/fib_trie ("|-- a.b.c.d" then
"/32 host LOCAL"), net/if_inet6, stat (btime), and per process stat, status,
cmdline, exe, cwd and fd/<n> -> "socket:[<inode>]"."""
import ipaddress
import os
import pwd
import struct

from tshark_output import absolute_time_text

BTIME = 1700000000
CLK_TCK = os.sysconf("SC_CLK_TCK")

TCP_ESTABLISHED, TCP_LISTEN, UDP_UNCONNECTED = 0x01, 0x0A, 0x07

TCP_HEADER = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
              "retrnsmt   uid  timeout inode")
TCP6_HEADER = ("  sl  local_address                         remote_address                 "
               "       st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode")
UDP_HEADER = ("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
              "retrnsmt   uid  timeout inode ref pointer drops")
UDP6_HEADER = ("  sl  local_address                         remote_address                 "
               "       st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref "
               "pointer drops")


def hex_address(text):
    """The kernel's hex: each 32-bit word of the address as the CPU loads it
    (native order), printed %08X.  127.0.0.1 -> 0100007F on x86."""
    packed = ipaddress.ip_address(text).packed
    words = struct.unpack("=%dI" % (len(packed) // 4), packed)
    return "".join("%08X" % word for word in words)


def hex_endpoint(endpoint):
    return "%s:%04X" % (hex_address(endpoint[0]), endpoint[1])


def family_of(address):
    return ipaddress.ip_address(address).version


def user_of(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def start_time_ns(start_ticks, btime=BTIME):
    return btime * 10**9 + start_ticks * 10**9 // CLK_TCK


def wireshark_time(ns):
    """How tshark -T fields prints an FT_ABSOLUTE_TIME in UTC (TZ=UTC)."""
    return absolute_time_text(ns)


class FakeProcess:
    def __init__(self, pid, comm, argv, exe, cwd, uid, ppid, start_ticks):
        self.pid, self.comm, self.argv = pid, comm, list(argv)
        self.exe, self.cwd, self.uid, self.ppid = exe, cwd, uid, ppid
        self.start_ticks = start_ticks
        self.fds = {}       # fd -> link target

    @property
    def args(self):
        return " ".join(self.argv)

    @property
    def start_time(self):
        return wireshark_time(start_time_ns(self.start_ticks))

    def expected(self, name=None):
        """The procmap.<side>.* values tshark should show for it."""
        values = {"pid": str(self.pid), "ppid": str(self.ppid), "name": name or self.comm,
                  "comm": self.comm, "exe": self.exe, "args": self.args, "cwd": self.cwd,
                  "start_time": self.start_time, "uid": str(self.uid)}
        if user_of(self.uid) is not None:
            values["user"] = user_of(self.uid)
        return values


class FakeHost:
    """Call add_process() and add_socket(), then write() (again after any
    change: files are replaced atomically)."""

    def __init__(self, root, ipv4=("10.1.2.3",), ipv6=("fd00:1::3",), btime=BTIME):
        self.root = str(root)
        self.ipv4, self.ipv6, self.btime = list(ipv4), list(ipv6), btime
        self.processes = {}
        self.sockets = []       # dicts: proto local remote state uid inode
        self.next_inode = 70001

    # ---- content -----------------------------------------------------------

    def add_process(self, pid, comm, argv, exe=None, cwd="/", uid=0, ppid=1, start_ticks=None):
        exe = exe or argv[0]
        if start_ticks is None:
            start_ticks = 100000 + pid * 7      # distinct, with a fraction of a second
        process = FakeProcess(pid, comm, argv, exe, cwd, uid, ppid, start_ticks)
        self.processes[pid] = process
        return process

    def add_socket(self, proto, local, remote=None, state=None, uid=0, owners=()):
        """A socket in net/<proto>[6] (family from @local's address) held by
        the processes @owners (pids, or FakeProcess).  Returns its inode."""
        if remote is None:
            remote = ("0.0.0.0" if family_of(local[0]) == 4 else "::", 0)
        if state is None:
            connected = remote[1] != 0
            state = (TCP_ESTABLISHED if connected else TCP_LISTEN) if proto == "tcp" \
                else (TCP_ESTABLISHED if connected else UDP_UNCONNECTED)
        inode = self.next_inode
        self.next_inode += 1
        self.sockets.append(dict(proto=proto, local=local, remote=remote, state=state,
                                 uid=uid, inode=inode))
        for owner in owners:
            process = self.processes[getattr(owner, "pid", owner)]
            process.fds[3 + len(process.fds)] = "socket:[%d]" % inode
        return inode

    def remove_socket(self, inode):
        """Forgets the socket and the fds that held it (a closed socket)."""
        self.sockets = [s for s in self.sockets if s["inode"] != inode]
        target = "socket:[%d]" % inode
        for process in self.processes.values():
            process.fds = {fd: t for fd, t in process.fds.items() if t != target}

    # ---- files -------------------------------------------------------------

    def _table_text(self, name):
        proto, v6 = name.rstrip("6"), name.endswith("6")
        header = {"tcp": TCP_HEADER, "tcp6": TCP6_HEADER, "udp": UDP_HEADER,
                  "udp6": UDP6_HEADER}[name]
        lines = [header]
        rows = [s for s in self.sockets
                if s["proto"] == proto and (family_of(s["local"][0]) == 6) == v6]
        for slot, s in enumerate(rows):
            common = ("%s %s %02X 00000000:00000000 00:00000000 00000000 %5d        0 %d"
                      % (hex_endpoint(s["local"]), hex_endpoint(s["remote"]), s["state"],
                         s["uid"], s["inode"]))
            if proto == "tcp":
                line = "%4d: %s 1 0000000000000000 100 0 0 10 0" % (slot, common)
                # tcp4_seq_show pads its lines to 149 columns; tcp6 does not.
                lines.append(line if v6 else line.ljust(149))
            else:
                line = "%5d: %s 2 0000000000000000 0" % (slot, common)
                lines.append(line if v6 else line.ljust(127))
        return "\n".join(lines) + "\n"

    def _fib_trie_text(self):
        text = ["Main:", "  +-- 0.0.0.0/0 3 0 5", "     |-- 0.0.0.0",
                "        /0 universe UNICAST"]
        for address in sorted(set(self.ipv4 + ["127.0.0.1"])):
            text += ["     |-- %s" % address, "        /32 host LOCAL"]
        text += ["     |-- 127.255.255.255", "        /32 link BROADCAST", "Local:",
                 "  +-- 0.0.0.0/0 3 0 5"]
        return "\n".join(text) + "\n"

    def _if_inet6_text(self):
        lines = ["00000000000000000000000000000001 01 80 10 80       lo"]
        for i, address in enumerate(self.ipv6):
            lines.append("%s %02x 40 00 80     eth0"
                         % (ipaddress.ip_address(address).packed.hex(), i + 2))
        return "\n".join(lines) + "\n"

    def _write(self, relative, content):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temp = path + ".new"
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(temp, mode) as out:
            out.write(content)
        os.replace(temp, path)

    def _symlink(self, target, path):
        temp = path + ".new"
        os.symlink(target, temp)
        os.replace(temp, path)

    def _write_process(self, p):
        fields = ([str(p.pid), "(%s)" % p.comm, "S", str(p.ppid), str(p.pid), str(p.pid),
                   "0", "-1", "4194560", "120", "0", "0", "0", "3", "1", "0", "0", "20", "0",
                   "1", "0", str(p.start_ticks), "10563584", "1021"] + ["0"] * 28)
        self._write("%d/stat" % p.pid, " ".join(fields) + "\n")
        self._write("%d/status" % p.pid,
                    "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\n"
                    "Pid:\t%d\nPPid:\t%d\nTracerPid:\t0\nUid:\t%d\t%d\t%d\t%d\n"
                    "Gid:\t%d\t%d\t%d\t%d\nFDSize:\t64\n"
                    % (p.comm, p.pid, p.pid, p.ppid, *[p.uid] * 4, *[p.uid] * 4))
        self._write("%d/cmdline" % p.pid, b"".join(a.encode() + b"\0" for a in p.argv))
        base = os.path.join(self.root, str(p.pid))
        self._symlink(p.exe, os.path.join(base, "exe"))
        self._symlink(p.cwd, os.path.join(base, "cwd"))
        fd_dir = os.path.join(base, "fd")
        os.makedirs(fd_dir, exist_ok=True)
        for name in os.listdir(fd_dir):
            if int(name) not in p.fds:
                os.unlink(os.path.join(fd_dir, name))
        for fd, target in p.fds.items():
            self._symlink(target, os.path.join(fd_dir, str(fd)))

    def write(self, skip_tables=()):
        """Writes (or rewrites) the whole tree; returns the root.  Tables
        named in @skip_tables ("tcp", ...) are left as they are."""
        os.makedirs(self.root, exist_ok=True)
        self._write("stat", "cpu  10 0 10 1000 0 0 0 0 0 0\nintr 0\nctxt 100\n"
                            "btime %d\nprocesses 500\nprocs_running 1\n" % self.btime)
        for name in ("tcp", "tcp6", "udp", "udp6"):
            if name not in skip_tables:
                self._write("net/" + name, self._table_text(name))
        self._write("net/fib_trie", self._fib_trie_text())
        self._write("net/if_inet6", self._if_inet6_text())
        for process in self.processes.values():
            self._write_process(process)
        return self.root

    def table_text(self, name):
        return self._table_text(name)
