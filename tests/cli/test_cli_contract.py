# SPDX-License-Identifier: GPL-2.0-or-later
"""The `procmap` command-line contract: help, version, exit codes, error
messages, JSON validity, and exact answers on a fake /proc tree."""
import datetime
import json
import os
import pwd
import re
import socket
import struct

import pytest

SOCKET_HEADER = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
                 "retrnsmt   uid  timeout inode\n")
BTIME = 1700000000
CLK_TCK = os.sysconf("SC_CLK_TCK")


def hex_ipv4(address, port):
    # The kernel prints the address word as loaded in host byte order.
    word = struct.unpack("=I", socket.inet_aton(address))[0]
    return "%08X:%04X" % (word, port)


def socket_row(slot, local, remote, state, uid, inode):
    return ("%4d: %s %s %02X 00000000:00000000 00:00000000 00000000 %5d        0 %d 1 "
            "0000000000000000 100 0 0 10 0\n"
            % (slot, hex_ipv4(*local), hex_ipv4(*remote), state, uid, inode))


def user_of(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


class FakeProc:
    """A /proc tree: socket tables, local addresses, boot time, processes."""

    def __init__(self, root):
        self.root = root
        self.tables = {"tcp": [], "udp": []}
        (root / "net").mkdir(parents=True)
        (root / "stat").write_text("cpu  1 2 3 4 5 6 7\nbtime %d\nprocesses 99\n" % BTIME)
        (root / "net" / "fib_trie").write_text(
            "Main:\n"
            "  +-- 0.0.0.0/0 3 0 5\n"
            "     |-- 10.1.2.3\n"
            "        /32 host LOCAL\n"
            "     |-- 127.0.0.1\n"
            "        /32 host LOCAL\n")
        (root / "net" / "if_inet6").write_text(
            "00000000000000000000000000000001 01 80 10 80       lo\n")

    def add_socket(self, transport, local, remote, state, uid, inode):
        self.tables[transport].append((local, remote, state, uid, inode))

    def add_process(self, pid, comm, argv, fds, ppid=1, uid=0, start_ticks=12345,
                    exe="/usr/sbin/fake-server", cwd="/srv/fake"):
        d = self.root / str(pid)
        (d / "fd").mkdir(parents=True)
        fields = ([str(pid), "(%s)" % comm, "S", str(ppid), str(pid), str(pid), "0", "-1",
                   "4194560"] + ["0"] * 8 + ["20", "0", "1", "0", str(start_ticks)]
                  + ["0"] * 30)
        (d / "stat").write_text(" ".join(fields) + "\n")
        (d / "status").write_text(
            "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nPid:\t%d\n"
            "PPid:\t%d\nUid:\t%d\t%d\t%d\t%d\nGid:\t0\t0\t0\t0\n"
            % (comm, pid, pid, ppid, uid, uid, uid, uid))
        (d / "cmdline").write_bytes(b"".join(arg + b"\0" for arg in argv))
        os.symlink(exe, d / "exe")
        os.symlink(cwd, d / "cwd")
        for fd, target in fds.items():
            os.symlink(target, d / "fd" / str(fd))

    def write(self):
        for transport, rows in self.tables.items():
            text = SOCKET_HEADER + "".join(
                socket_row(i, *row) for i, row in enumerate(rows))
            (self.root / "net" / transport).write_text(text)
            (self.root / "net" / (transport + "6")).write_text(SOCKET_HEADER)
        return str(self.root)


def start_time_iso(ticks):
    seconds = BTIME + ticks / CLK_TCK
    moment = datetime.datetime.fromtimestamp(int(seconds), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % round((seconds % 1) * 1000)


@pytest.fixture
def fake(tmp_path):
    """One TCP listener, 127.0.0.1:8080, held by pid 4242 (fd 3); pid 4243
    holds other things only."""
    proc = FakeProc(tmp_path / "proc")
    proc.add_socket("tcp", ("127.0.0.1", 8080), ("0.0.0.0", 0), 0x0A, 0, 55555)
    proc.add_process(4242, "fake-server", [b"/usr/sbin/fake-server", b"--port", b"8080"],
                     {0: "/dev/null", 3: "socket:[55555]", 4: "socket:[99999]",
                      5: "pipe:[123]"})
    proc.add_process(4243, "bystander", [b"/bin/bystander"], {0: "/dev/null", 3: "socket:[44444]"},
                     exe="/bin/bystander", cwd="/")
    return proc


FAKE_OWNER = {
    "pid": 4242, "ppid": 1, "name": "fake-server", "comm": "fake-server",
    "exe": "/usr/sbin/fake-server", "args": "/usr/sbin/fake-server --port 8080",
    "args_truncated": False, "aliased": False, "cwd": "/srv/fake",
    "start_time": start_time_iso(12345),
    "start_time_ns": BTIME * 10**9 + 12345 * 10**9 // CLK_TCK,
    "uid": 0, "user": user_of(0),
}


def assert_usage_error(result, *words):
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("procmap: ")
    assert "--help" in lines[1]
    for word in words:
        assert word in lines[0]


# ---- help and version ----------------------------------------------------

@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"]])
def test_help_lists_commands_and_exit_codes(procmap, args):
    result = procmap(*args)
    assert result.returncode == 0, result
    assert result.stderr == ""
    for word in ("dump", "lookup", "--version", "Exit status"):
        assert word in result.stdout
    for code in range(4):
        assert re.search(r"^  %d  \S" % code, result.stdout, re.M), result.stdout


def test_command_help(procmap):
    dump = procmap("dump", "--help")
    assert dump.returncode == 0
    for word in ("procmap dump", "--json", "--tcp", "--udp", "--proc-root", "Exit status"):
        assert word in dump.stdout
    lookup = procmap("lookup", "--help")
    assert lookup.returncode == 0
    for word in ("procmap lookup", "tcp|udp LOCAL [REMOTE]", "--json", "--proc-root",
                 "[v6]:port", "Exit status"):
        assert word in lookup.stdout


def test_version(procmap):
    for flag in ("--version", "-V"):
        result = procmap(flag)
        assert result.returncode == 0
        assert re.fullmatch(r"procmap \d+\.\d+\.\d+\n", result.stdout), result.stdout


# ---- usage errors: exit 2 -------------------------------------------------

@pytest.mark.parametrize("args,words", [
    ([], ["missing command"]),
    (["frobnicate"], ["unknown command", "frobnicate"]),
    (["--bogus"], ["--bogus"]),
    (["dump", "--bogus"], ["--bogus"]),
    (["dump", "extra"], ["extra"]),
    (["lookup"], ["missing transport"]),
    (["lookup", "tcp"], ["missing local endpoint"]),
    (["lookup", "sctp", "127.0.0.1:80"], ["transport", "sctp"]),
    (["lookup", "tcp", "localhost:80"], ["localhost:80"]),
    (["lookup", "tcp", "127.0.0.1"], ["127.0.0.1"]),
    (["lookup", "tcp", "127.0.0.1:70000"], ["127.0.0.1:70000"]),
    (["lookup", "tcp", "[::1]80"], ["[::1]80"]),
    (["lookup", "udp", "127.0.0.1:53", "nowhere"], ["remote", "nowhere"]),
    (["lookup", "udp", "127.0.0.1:53", "127.0.0.1:5", "more"], ["more"]),
    (["lookup", "tcp", "127.0.0.1:80", "--json", "--no-such"], ["--no-such"]),
    (["dump", "--backend", "ebpf"], ["--backend", "auto, netlink or procfs", "ebpf"]),
])
def test_usage_errors(procmap, args, words):
    assert_usage_error(procmap(*args), *words)


def test_usage_error_does_not_read_proc(procmap, tmp_path):
    # A bad endpoint is a usage error even when the table is unreadable.
    result = procmap("lookup", "tcp", "nonsense", "--proc-root", tmp_path / "missing")
    assert_usage_error(result, "nonsense")


# ---- unreadable socket table: exit 3 -------------------------------------

@pytest.mark.parametrize("command", [["dump"], ["dump", "--json"],
                                     ["lookup", "tcp", "127.0.0.1:80"],
                                     ["lookup", "udp", "[::1]:53", "--json"]])
@pytest.mark.parametrize("root", ["missing", "empty"])
def test_unreadable_table(procmap, tmp_path, command, root):
    proc_root = tmp_path / root
    if root == "empty":
        proc_root.mkdir()
    result = procmap(*command, "--proc-root", proc_root)
    assert result.returncode == 3, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("procmap: cannot read the socket table: ")
    assert str(proc_root) in lines[0]


# ---- JSON on the live system --------------------------------------------

def test_live_json_parses(procmap):
    result = procmap("dump", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    for row in rows:
        assert row["transport"] in ("tcp", "udp")
        assert row["owner_count"] == len(row["owners"])
    answer = procmap("lookup", "udp", "127.0.0.1:9", "--json")
    assert answer.returncode in (0, 1)
    assert json.loads(answer.stdout)["transport"] == "udp"


# ---- a fake /proc tree -----------------------------------------------------

def test_fake_dump_json(procmap, fake):
    result = procmap("dump", "--json", "--proc-root", fake.write())
    assert result.returncode == 0, result
    assert result.stderr == ""
    assert json.loads(result.stdout) == [{
        "transport": "tcp", "state": "LISTEN",
        "local": {"address": "127.0.0.1", "port": 8080},
        "remote": {"address": "0.0.0.0", "port": 0},
        "ipv6_table": False, "uid": 0, "user": user_of(0), "inode": 55555,
        "owners": [FAKE_OWNER], "owner_count": 1,
    }]
    udp = procmap("dump", "--json", "--udp", "--proc-root", fake.root)
    assert udp.returncode == 0 and json.loads(udp.stdout) == []


def test_fake_dump_table(procmap, fake):
    result = procmap("dump", "--proc-root", fake.write())
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert lines[0].split() == ["Netid", "State", "Local", "Address:Port", "Peer",
                                "Address:Port", "UID", "Process"]
    assert lines[1].split() == [
        "tcp", "LISTEN", "127.0.0.1:8080", "0.0.0.0:*", "0(%s)" % user_of(0),
        'users:(("fake-server",pid=4242))', "exe=/usr/sbin/fake-server"]


def test_fake_lookup_found(procmap, fake):
    root = fake.write()
    result = procmap("lookup", "tcp", "127.0.0.1:8080", "--proc-root", root)
    assert result.returncode == 0, result
    assert result.stdout.splitlines() == [
        "tcp 127.0.0.1:8080",
        "  process:    fake-server (pid 4242, ppid 1)",
        "  exe:        /usr/sbin/fake-server",
        "  args:       /usr/sbin/fake-server --port 8080",
        "  user:       %s (uid 0)" % user_of(0),
        "  match:      exact (a socket bound to this address and port)",
        "  owners:     1",
        "  inode:      55555",
    ]
    # A remote end that no connected socket has: the listener still answers.
    code_json = procmap("lookup", "tcp", "127.0.0.1:8080", "127.0.0.1:5555", "--json",
                        "--proc-root", root)
    assert code_json.returncode == 0
    answer = json.loads(code_json.stdout)
    assert answer == {
        "transport": "tcp", "local": {"address": "127.0.0.1", "port": 8080},
        "remote": {"address": "127.0.0.1", "port": 5555}, "found": True,
        "reason": "found", "reason_description": answer["reason_description"],
        "match": "exact", "v6only_assumed": False,
        # --proc-root reads files: no conntrack to ask.
        "conntrack": "unavailable", "socket_local": None, "socket_remote": None,
        "process": FAKE_OWNER, "owner_count": 1, "uid": 0, "user": user_of(0), "inode": 55555,
    }


@pytest.mark.parametrize("args,reason,text", [
    (["tcp", "127.0.0.1:8081"], "no-socket", "no socket"),
    (["udp", "127.0.0.1:8080"], "no-socket", "no socket"),        # transports apart
    (["tcp", "10.1.2.3:8080"], "no-socket", "no socket"),         # local (fib_trie), unbound
    (["tcp", "10.9.9.9:8080"], "not-local", "not a local address"),
    (["tcp", "[::1]:8080"], "no-socket", "no socket"),
])
def test_fake_lookup_without_process(procmap, fake, args, reason, text):
    root = fake.write()
    result = procmap("lookup", *args, "--proc-root", root)
    assert result.returncode == 1, result
    assert "no process: " in result.stdout and text in result.stdout
    answer = json.loads(procmap("lookup", *args, "--json", "--proc-root", root).stdout)
    assert answer["reason"] == reason
    assert answer["found"] is False and answer["process"] is None


def test_fake_socket_without_owner(procmap, fake):
    fake.add_socket("tcp", ("127.0.0.1", 9090), ("0.0.0.0", 0), 0x0A, 65534, 66666)
    fake.add_socket("tcp", ("127.0.0.1", 40000), ("127.0.0.1", 8080), 0x06, 0, 0)
    root = fake.write()
    result = procmap("lookup", "tcp", "127.0.0.1:9090", "--proc-root", root)
    assert result.returncode == 1, result
    assert "no process: the socket exists" in result.stdout
    user = user_of(65534)
    assert ("%s (uid 65534)" % user if user else "uid 65534") in result.stdout
    answer = json.loads(procmap("lookup", "tcp", "127.0.0.1:9090", "--json",
                                "--proc-root", root).stdout)
    assert answer["reason"] == "owner-gone" and answer["uid"] == 65534
    assert answer["inode"] == 66666 and answer["owner_count"] == 0

    rows = json.loads(procmap("dump", "--json", "--proc-root", root).stdout)
    states = {(r["local"]["port"], r["state"], r["owner_count"]) for r in rows}
    assert states == {(8080, "LISTEN", 1), (9090, "LISTEN", 0), (40000, "TIME-WAIT", 0)}


def test_fake_json_escaping(procmap, fake):
    fake.add_socket("udp", ("127.0.0.1", 5353), ("0.0.0.0", 0), 0x07, 0, 77777)
    fake.add_process(4244, 'we"ird\\name', [b"/bin/odd", b"tab\there", b"nl\nx",
                                            b"bad\xffbyte", "caf\u00e9".encode()],
                     {7: "socket:[77777]"}, exe="/bin/odd\nexe", cwd="/")
    root = fake.write()
    result = procmap("dump", "--json", "--udp", "--proc-root", root)
    assert result.returncode == 0, result
    # The raw text escapes every control character.
    assert not any(ord(c) < 0x20 for c in result.stdout.replace("\n", ""))
    [row] = json.loads(result.stdout)
    [owner] = row["owners"]
    assert owner["name"] == 'we"ird\\name'
    assert "caf\u00e9" in owner["args"] and "\ufffd" in owner["args"]
    assert not any(ord(c) < 0x20 for c in owner["args"] + owner["exe"])

    table = procmap("dump", "--udp", "--proc-root", root)
    assert table.returncode == 0
    assert 'users:(("we\\"ird\\\\name",pid=4244))' in table.stdout
    assert len(table.stdout.splitlines()) == 2


def test_fake_warning_once_per_cause(procmap, fake):
    fake.write()
    tcp = fake.root / "net" / "tcp"
    tcp.write_text(tcp.read_text() + "   1: garbage\n   2: more garbage\n")
    result = procmap("dump", "--json", "--proc-root", fake.root)
    assert result.returncode == 0, result
    assert len(json.loads(result.stdout)) == 1
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("procmap: warning: ") and "malformed" in warnings[0]


def test_fake_minor_problems_only_with_verbose(procmap, fake):
    root = fake.write()
    os.unlink(fake.root / "net" / "tcp6")   # IPv6 disabled: normal, not a warning
    quiet = procmap("dump", "--proc-root", root)
    assert quiet.returncode == 0 and quiet.stderr == ""
    verbose = procmap("dump", "--verbose", "--proc-root", root)
    assert verbose.returncode == 0
    assert "ipv6-table-missing" in verbose.stderr
    assert all(line.startswith("procmap: ") for line in verbose.stderr.splitlines())


def test_fake_lookup_any_address_hints(procmap, fake):
    # ss prints a listener as 0.0.0.0:P or *:P; no packet carries that address.
    root = fake.write()
    for endpoint, suggestion in (("0.0.0.0:8080", "127.0.0.1:8080"), ("*:8080", "127.0.0.1:8080"),
                                 ("[::]:8080", "[::1]:8080")):
        result = procmap("lookup", "tcp", endpoint, "--proc-root", root)
        assert result.returncode == 1, result
        assert "not a local address" in result.stdout
        assert result.stderr.startswith("procmap: hint: ") and suggestion in result.stderr
