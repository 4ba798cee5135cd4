# SPDX-License-Identifier: GPL-2.0-or-later
"""The privilege boundary of procmap-capture (issue 11, docs/security.md),
tried as an unprivileged member of the group wireshark (uid nobody) would,
against the installed package layout (boundary_env.Member): each attack of
the issue, and its refusal.

 1. devices that are not network interfaces: refused before anything
    privileged happens (checked with strace);
 2. output paths: opened with the caller's rights, like a plain shell;
 3. --keep-privileges: gone;
 4. other users' secrets: root's processes are told by identity only
    (no arguments, executable, working directory), not at all under
    hidepid=invisible, in full only when a root-owned configuration says so;
 5. a thousand user-made network namespaces: the capture starts, stays
    within its descriptors, and attributes loopback traffic;
 6. no capability in any thread of the capture process; the monitor holds
    its three;
 7. a user's cgroup named like a docker container is no container.

Run as root (ctest); every test process is started and killed here."""
import os
import signal
import subprocess
import time
import uuid

import pytest

from boundary_env import (MONITOR_CAPS, NOBODY, Client, Member, SecretServer, children_of,
                          frames_of_port, mask, run_client, status_of, threads_of, wait_for)
from extcap_env import curl_frames_share, one_shot_curl

SIDES = ("pid", "user", "exe", "args", "cwd")
FIELDS = ["tcp.srcport", "tcp.dstport"] + ["procmap.%s.%s" % (s, f) for s in ("src", "dst")
                                           for f in SIDES]
BAD_DEVICES = ["usbmon0", "usbmon1", "nflog", "nflog:5", "nfqueue", "dbus-system",
               "dbus-session", "bluetooth0", "bluetooth-monitor", "/dev/usbmon0",
               "../../../dev/usbmon0", ".", "..", "lo/..", "no-such-if0", "x" * 20, ""]


@pytest.fixture(scope="module")
def member(extcap_binary):
    installed = Member(extcap_binary)
    if not installed.file_capabilities:
        installed.remove()
        pytest.skip("file capabilities unsupported here: %s" % installed.setcap_error)
    yield installed
    installed.remove()


@pytest.fixture
def secret(member):
    """A secret, and a root-only-named directory to run root's processes in."""
    token = "s3cr3t-" + uuid.uuid4().hex
    cwd = os.path.join(member.top, "cwd-" + token)
    os.mkdir(cwd, 0o755)
    return token, cwd


@pytest.fixture
def root_server(secret, started):
    server = SecretServer(secret[0], secret[1])
    started.append(server)
    return server


def capture_traffic(member, server, secret, name, wrap=(), options=()):
    """A capture by the member while root's client and the member's own
    client talk to root's server: (frames, raw bytes, stats, root client,
    own client)."""
    cap = member.capture("lo", name, "--extcap-capture-filter", "tcp port %d" % server.port,
                         *options, wrap=wrap)
    try:
        cap.wait_ready()
        time.sleep(0.5)
        root_client = run_client(server.port, "--db-password=" + secret[0], cwd=secret[1])
        own_client = run_client(server.port, "--mine=visible-" + secret[0][-6:],
                                prefix=member.as_nobody(), cwd=member.top)
        time.sleep(1)
        status, stderr, stats = cap.stop()
    finally:
        cap.kill()
    assert (status, stderr) == (0, ""), stderr
    with open(cap.output, "rb") as f:
        raw = f.read()
    return cap.output, raw, stats, root_client, own_client


def identity_only(frame, side, pid):
    """@side of @frame is @pid, root's, and nothing more."""
    return (frame["procmap.%s.pid" % side] == str(pid) and
            frame["procmap.%s.user" % side] == "root" and
            frame["procmap.%s.exe" % side] == frame["procmap.%s.args" % side] ==
            frame["procmap.%s.cwd" % side] == "")


def attributed_in_full(frame, side, pid, arg):
    return (frame["procmap.%s.pid" % side] == str(pid) and
            frame["procmap.%s.user" % side] == "nobody" and
            "python3" in frame["procmap.%s.exe" % side] and
            arg in frame["procmap.%s.args" % side])


# ---- 1. devices that are not network interfaces ------------------------------

def test_non_network_devices_refused(member):
    out = os.path.join(member.home, "never.pcapng")
    for device in BAD_DEVICES:
        for request in (["--capture", "--fifo", out], ["--extcap-dlts"], ["--extcap-config"]):
            result = member.run("--extcap-interface", "procmap-" + device, *request)
            assert result.returncode == 2, (device, request, result.stderr)
            assert result.stdout == ""
            if device:
                assert "is not a network interface of this host" in result.stderr, result.stderr
        assert not os.path.exists(out)
    # A real one works, for contrast.
    assert member.run("--extcap-interface", "procmap-lo", "--extcap-dlts").returncode == 0


def traced_calls(member, *args):
    """The system calls procmap-capture makes, run as the member under strace
    (root's strace: the file capabilities still apply)."""
    log = os.path.join(member.top, "strace-%s.log" % uuid.uuid4().hex)
    env = dict(os.environ)
    if "ASAN_OPTIONS" in env:       # ./run sanitize: LeakSanitizer cannot run under ptrace
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    subprocess.run(["strace", "-f", "-qq", "-s", "256", "-o", log,
                    "-e", "trace=capset,socket,openat,open,clone,clone3,fork,vfork,bpf,execve",
                    *member.argv(*args)], capture_output=True, text=True, timeout=60, env=env)
    with open(log) as f:
        lines = f.read().splitlines()
    os.unlink(log)
    started = [i for i, line in enumerate(lines) if 'execve("%s"' % member.binary in line]
    assert started, "strace saw no exec of %s" % member.binary
    return lines[started[0] + 1:]


def test_refused_before_any_privileged_call(member):
    if subprocess.run(["which", "strace"], capture_output=True).returncode != 0:
        pytest.skip("strace is not installed (./run deps)")
    out = os.path.join(member.home, "traced.pcapng")
    for device in ("usbmon0", "nflog", "/dev/usbmon0"):
        for request in (["--capture", "--fifo", out], ["--extcap-dlts"]):
            calls = traced_calls(member, "--extcap-interface", "procmap-" + device, *request)
            capsets = [line for line in calls if "capset(" in line]
            # Only ever lowering: no capability is made effective...
            assert capsets and all("effective=0," in line for line in capsets), capsets
            # ... no capture socket, no eBPF, no device, no monitor.
            for line in calls:
                assert "AF_PACKET" not in line and "bpf(" not in line, line
                assert '"/dev/' not in line or '"/dev/null"' in line, line
                assert not any(call in line for call in ("clone(", "clone3(", "fork(")), line


def test_capture_filter_check_uses_no_privilege(member):
    """Wireshark's check of a capture filter compiles the caller's text
    with libpcap's parser: with no capability, nothing opened."""
    if subprocess.run(["which", "strace"], capture_output=True).returncode != 0:
        pytest.skip("strace is not installed (./run deps)")
    for text, verdict in (("tcp port 80", ""), ("tcp port eighty", "unknown port")):
        result = member.run("--extcap-interface", "procmap-lo", "--extcap-capture-filter", text)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert verdict in result.stdout and (verdict or result.stdout == "")
        calls = traced_calls(member, "--extcap-interface", "procmap-lo",
                             "--extcap-capture-filter", text)
        capsets = [line for line in calls if "capset(" in line]
        # Every capability dropped, none ever made effective ...
        assert capsets and all("effective=0," in line for line in capsets), capsets
        assert any("permitted=0," in line for line in capsets), capsets
        # ... no capture socket, no eBPF, no device, no monitor.
        for line in calls:
            assert "AF_PACKET" not in line and "bpf(" not in line, line
            assert '"/dev/' not in line or '"/dev/null"' in line, line
            assert not any(call in line for call in ("clone(", "clone3(", "fork(")), line


# ---- 2. output paths -----------------------------------------------------------

def test_output_paths_opened_with_the_callers_rights(member, started):
    private = os.path.join(member.top, "root-only")
    os.mkdir(private, 0o700)
    victim = os.path.join(private, "victim")
    with open(victim, "w") as f:
        f.write("keep\n")
    good = os.path.join(member.home, "good.pcapng")
    capture = ["--capture", "--extcap-interface", "procmap-lo"]
    for extra in (["--fifo", victim], ["--fifo", os.path.join(private, "new")],
                  ["--fifo", good, "--packets", "1", "--debug-file", victim],
                  ["--fifo", good, "--packets", "1", "--debug-file",
                   os.path.join(private, "log")]):
        result = member.run(*capture, *extra)
        shell = member.shell('exec 3>>"$1"', extra[-1])
        assert shell.returncode != 0 and "Permission denied" in shell.stderr
        assert result.returncode == 1 and "Permission denied" in result.stderr, result.stderr
    assert sorted(os.listdir(private)) == ["victim"]
    with open(victim) as f:
        assert f.read() == "keep\n"

    # A stats file there: the capture runs, the file is not written.
    stats = os.path.join(private, "stats")
    cap = member.capture("lo", "stats.pcapng", "--stats-file", stats)
    started.append(cap)
    cap.wait_ready()
    status, stderr, _ = cap.stop()
    assert "cannot write %s" % stats in stderr
    assert not os.path.exists(stats)

    # A root process's private tmpfs, through /proc/<pid>/root: out of reach.
    mountpoint = os.path.join(member.top, "tmpfs")
    os.mkdir(mountpoint, 0o755)
    holder = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c",
                               'mount -t tmpfs -o mode=1777 tmpfs "$1" && echo ready && '
                               'exec sleep 120', "sh", mountpoint],
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        inside = "/proc/%d/root%s" % (holder.pid, mountpoint)
        target = os.path.join(inside, "made-by-member")
        for extra in (["--fifo", target], ["--fifo", good, "--packets", "1", "--debug-file", target]):
            result = member.run(*capture, *extra)
            shell = member.shell('exec 3>>"$1"', target)
            assert shell.returncode != 0 and "Permission denied" in shell.stderr
            assert result.returncode == 1 and "Permission denied" in result.stderr, result.stderr
        assert os.listdir(inside) == []
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)


# ---- 3. --keep-privileges -------------------------------------------------------

def test_keep_privileges_is_gone(member):
    out = os.path.join(member.home, "kept.pcapng")
    result = member.run("--capture", "--extcap-interface", "procmap-lo", "--fifo", out,
                        "--keep-privileges")
    assert result.returncode == 2 and "--keep-privileges is gone" in result.stderr
    assert not os.path.exists(out)


# ---- 4. other users' secrets -----------------------------------------------------

def test_other_users_processes_identity_only(member, wireshark, root_server, secret):
    out, raw, stats, root_client, own_client = capture_traffic(member, root_server, secret,
                                                               "identity.pcapng")
    assert secret[0].encode() not in raw
    assert "identity only (pid, name, user); arguments hidden" in stats["source"]
    frames = wireshark.fields(out, FIELDS)
    sent, received = frames_of_port(frames, root_client.port)
    assert len(sent) >= 3 and len(received) >= 3
    for frame in sent:
        assert identity_only(frame, "src", root_client.pid), frame
        assert identity_only(frame, "dst", root_server.pid), frame
    for frame in received:
        assert identity_only(frame, "dst", root_client.pid), frame
    # The member's own process: in full.
    mine = "visible-" + secret[0][-6:]
    sent, received = frames_of_port(frames, own_client.port)
    assert len(sent) >= 3
    for frame in sent:
        assert attributed_in_full(frame, "src", own_client.pid, mine), frame
        assert identity_only(frame, "dst", root_server.pid), frame


def test_hidepid_hides_other_users_processes(member, wireshark, root_server, secret):
    hidepid = ["unshare", "-m", "--propagation", "private", "sh", "-c",
               'mount -t proc -o hidepid=invisible proc /proc && exec "$@"', "sh"]
    out, raw, stats, root_client, own_client = capture_traffic(
        member, root_server, secret, "hidepid.pcapng", wrap=hidepid)
    assert secret[0].encode() not in raw
    assert b"User: root" not in raw
    assert "hidepid=invisible" in stats["source"]
    frames = wireshark.fields(out, FIELDS)
    for frame in frames:
        for side in ("src", "dst"):
            assert frame["procmap.%s.pid" % side] not in (str(root_client.pid),
                                                          str(root_server.pid)), frame
            assert frame["procmap.%s.user" % side] in ("", "nobody"), frame
    sent, _ = frames_of_port(frames, own_client.port)
    assert len(sent) >= 3
    for frame in sent:
        assert attributed_in_full(frame, "src", own_client.pid,
                                  "visible-" + secret[0][-6:]), frame


def with_config(member, text, owner, mode):
    """A private mount namespace where the compiled-in configuration file
    holds @text, owned by @owner with @mode."""
    etc = os.path.dirname(os.path.dirname(member.config_file))
    if not os.path.isdir(etc):
        pytest.skip("%s does not exist to mount over" % etc)
    return ["unshare", "-m", "--propagation", "private", "sh", "-c",
            'mount -t tmpfs -o mode=0755 tmpfs "$1" && mkdir -m 0755 "$1/procmap" && '
            'printf "%s" "$2" > "$3" && chown "$4" "$3" && chmod "$5" "$3" && '
            'shift 5 && exec "$@"', "sh", etc, text, member.config_file, str(owner), mode]


@pytest.mark.parametrize("owner,mode,widened,said", [
    (0, "0644", True, "all details (arguments included)"),
    (NOBODY, "0644", False, "ignored: it or its directory is not owned by root"),
    (0, "0666", False, "ignored: it or its directory is writable by group or others"),
])
def test_configuration_widens_only_when_roots(member, wireshark, root_server, secret, owner,
                                              mode, widened, said):
    wrap = with_config(member, "[capture]\nother-users=full\n", owner, mode)
    out, raw, stats, root_client, _ = capture_traffic(member, root_server, secret,
                                                      "config-%s.pcapng" % owner, wrap=wrap)
    assert said in stats["source"], stats["source"]
    assert (secret[0].encode() in raw) == widened
    frames = wireshark.fields(out, FIELDS)
    sent, _ = frames_of_port(frames, root_client.port)
    assert len(sent) >= 3
    for frame in sent:
        if widened:
            assert "--db-password=" + secret[0] in frame["procmap.src.args"], frame
            assert frame["procmap.src.cwd"] == secret[1], frame
        else:
            assert identity_only(frame, "src", root_client.pid), frame


def test_configuration_narrows_to_none(member, wireshark, root_server, secret):
    wrap = with_config(member, "[capture]\nother-users=none\n", 0, "0644")
    out, raw, stats, root_client, own_client = capture_traffic(member, root_server, secret,
                                                               "none.pcapng", wrap=wrap)
    assert "other users' processes: not attributed" in stats["source"]
    assert b"User: root" not in raw
    frames = wireshark.fields(out, FIELDS)
    sent, _ = frames_of_port(frames, own_client.port)
    assert len(sent) >= 3
    for frame in sent:
        assert attributed_in_full(frame, "src", own_client.pid, "visible-" + secret[0][-6:])
        assert frame["procmap.dst.pid"] == "", frame


# ---- 5. a thousand user-made network namespaces -------------------------------------

def namespaces_of_group(pgid):
    inodes = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                inodes.add(os.stat("/proc/%s/ns/net" % name).st_ino)
        except (OSError, IndexError, ValueError):
            continue
    return inodes


def test_thousand_user_namespaces(member, wireshark, server, started):
    count = 1000
    holders = subprocess.Popen(member.as_nobody(
        "sh", "-c", 'i=0; while [ $i -lt "$1" ]; do unshare -rn sleep 600 & i=$((i+1)); done; '
        'wait', "sh", str(count)), stdin=subprocess.DEVNULL, start_new_session=True)

    class Holders:
        @staticmethod
        def kill():
            os.killpg(holders.pid, signal.SIGKILL)
            holders.wait(timeout=30)
    started.append(Holders)
    wait_for(lambda: len(namespaces_of_group(holders.pid)) >= count, 300,
             "%d user namespaces" % count)

    # The common descriptor limit: 310 namespaces used to exhaust it.
    log = os.path.join(member.home, "namespaces.log")
    cap = member.capture("lo", "namespaces.pcapng", "--extcap-capture-filter",
                         "tcp port %d" % server.port, "--debug-file", log,
                         wrap=["prlimit", "--nofile=1024:1024"])
    started.append(cap)
    cap.wait_ready()
    time.sleep(2)         # a few namespace scans
    fds = len(os.listdir("/proc/%d/fd" % cap.proc.pid))
    monitor = children_of(cap.proc.pid)
    monitor_fds = len(os.listdir("/proc/%d/fd" % monitor[0]))
    curls = [one_shot_curl_as(member, server.port) for _ in range(10)]
    time.sleep(1)
    status, stderr, stats = cap.stop()
    assert (status, stderr) == (0, "")
    assert fds < 512 and monitor_fds < 16, (fds, monitor_fds)
    # At most 256 watched (made a few per second), the rest skipped, said once.
    assert 0 < int(stats["namespaces"]) <= 256, stats
    assert int(stats["namespaces_skipped"]) >= count - 256, stats
    with open(log) as f:
        said = [line for line in f if "network namespaces in use; only" in line]
    assert len(said) == 1, said
    frames = wireshark.fields(cap.output, ["tcp.srcport", "tcp.dstport", "procmap.src.pid",
                                           "procmap.dst.pid"])
    right, total = curl_frames_share(frames, curls)
    assert total >= 60 and right == total, "%d/%d curl frames with curl's pid" % (right, total)


def one_shot_curl_as(member, port):
    """A one-shot curl of the member's own uid: (pid, local port)."""
    proc = subprocess.Popen(member.as_nobody("curl", "-s", "-o", "/dev/null", "--max-time", "10",
                                             "-w", "%{local_port}",
                                             "http://127.0.0.1:%d/" % port),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return proc.pid, int(out)


# ---- 6. no capability in any thread ------------------------------------------------

NETLINK_NETFILTER = 12


def netlink_inodes(pid, protocol):
    """Inodes of the netlink sockets of @protocol in @pid's namespace."""
    with open("/proc/%d/net/netlink" % pid) as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return {int(row[-1]) for row in rows if int(row[1]) == protocol}


@pytest.mark.parametrize("source", ["auto", "netlink"])
def test_no_capability_in_any_thread(member, server, source, started):
    cap = member.capture("lo", "threads-%s.pcapng" % source, "--source", source,
                         "--extcap-capture-filter", "tcp port %d" % server.port)
    started.append(cap)
    cap.wait_ready()
    one_shot_curl("http://127.0.0.1:%d/" % server.port)
    samples = []
    for _ in range(20):                     # while it captures
        samples.append({tid: status_of(cap.proc.pid, tid) for tid in threads_of(cap.proc.pid)})
        time.sleep(0.05)
    (monitor,) = children_of(cap.proc.pid)
    monitor_samples = [status_of(monitor) for _ in range(20)]
    monitor_fds = {fd: os.readlink("/proc/%d/fd/%s" % (monitor, fd))
                   for fd in os.listdir("/proc/%d/fd" % monitor)}
    netfilter_inodes = netlink_inodes(monitor, NETLINK_NETFILTER)
    owners = (os.stat("/proc/%d/status" % cap.proc.pid).st_uid,
              os.stat("/proc/%d/status" % monitor).st_uid)
    status, stderr, stats = cap.stop()
    assert (status, stderr) == (0, "")

    if source == "netlink":
        assert max(len(sample) for sample in samples) >= 2, "no poller thread seen"
    for sample in samples:
        for tid, fields in sample.items():
            assert fields["Uid"].split()[0] == str(NOBODY)
            for key in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
                assert int(fields[key], 16) == 0, (tid, key, fields[key])
            assert fields["NoNewPrivs"] == "1", tid
    assert stats["capabilities"] == "="
    for fields in monitor_samples:
        assert int(fields["CapPrm"], 16) == mask(*MONITOR_CAPS), fields["CapPrm"]
        assert int(fields["CapEff"], 16) & ~mask(*MONITOR_CAPS) == 0
        assert int(fields["CapInh"], 16) == int(fields["CapAmb"], 16) == 0
        assert fields["NoNewPrivs"] == "1"
    assert int(monitor_samples[0]["Threads"]) == 1
    # Neither may be read by the member's other processes (not dumpable).
    assert owners == (0, 0)
    # The monitor holds nothing of the capture (no capture socket, pipe, eBPF
    # map or output file): /dev/null, /proc, namespaces, its one socket to
    # the capture process and at most one of its own for conntrack.
    for fd, target in monitor_fds.items():
        assert target.startswith(("/dev/null", "/proc", "net:[", "socket:[", "/run/")), \
            (fd, target)
    assert [fd for fd in ("0", "1", "2") if monitor_fds.get(fd) != "/dev/null"] == []
    sockets = [target for target in monitor_fds.values() if target.startswith("socket:[")]
    conntrack = [target for target in sockets if int(target[8:-1]) in netfilter_inodes]
    assert len(sockets) - len(conntrack) == 1, (sockets, netfilter_inodes)
    assert len(conntrack) <= 1, conntrack


# ---- 7. a user's cgroup named like a container ------------------------------------

def writable_cgroup_root():
    """A cgroup hierarchy to make test groups in (cgroup2, else systemd's v1)."""
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split() for line in f]
    for fields in mounts:
        dash = fields.index("-")
        if fields[dash + 1] == "cgroup2":
            return fields[4]
    for fields in mounts:
        dash = fields.index("-")
        if fields[dash + 1] == "cgroup" and "name=systemd" in fields[dash + 3]:
            return fields[4]
    return None


def test_spoofed_container_cgroup(member, server, started):
    root = writable_cgroup_root()
    if root is None:
        pytest.skip("no cgroup hierarchy to make groups in")
    spoof_id, real_id = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2
    tag = uuid.uuid4().hex[:8]
    spoof = os.path.join(root, "user.slice", "user-%d.slice" % NOBODY,
                         "user@%d.service" % NOBODY, "app-%s.slice" % tag,
                         "docker-%s.scope" % spoof_id)
    real = os.path.join(root, "system.slice", "docker-%s.scope" % real_id)
    made = []
    for path in (spoof, real):
        parent = path
        chain = []
        while not os.path.isdir(parent):
            chain.append(parent)
            parent = os.path.dirname(parent)
        for directory in reversed(chain):
            os.mkdir(directory)
            made.append(directory)
    clients = []
    try:
        cap = member.capture("lo", "cgroups.pcapng", "--extcap-capture-filter",
                             "tcp port %d" % server.port)
        started.append(cap)
        cap.wait_ready()
        time.sleep(0.5)
        for path in (spoof, real):
            client = Client(server.port, prefix=member.as_nobody(), cwd=member.top, hold=0.5)
            clients.append(client)
            with open(os.path.join(path, "cgroup.procs"), "w") as f:
                f.write(str(client.pid))
            client.go().wait()
        time.sleep(1)
        status, stderr, _ = cap.stop()
        assert (status, stderr) == (0, "")
        with open(cap.output, "rb") as f:
            raw = f.read()
        # The real layout names its container (the rule works) ...
        assert ("ContainerId: " + real_id).encode() in raw
        # ... the user's own scope of the same form does not.
        assert spoof_id.encode() not in raw
    finally:
        for client in clients:
            client.kill()
        for directory in reversed(made):
            for _ in range(50):
                try:
                    os.rmdir(directory)
                    break
                except OSError:
                    time.sleep(0.1)
