# SPDX-License-Identifier: GPL-2.0-or-later
"""The extcap protocol: what Wireshark asks before capturing, a capture into
a FIFO read back by tshark, a clean end on SIGTERM and when the reader
goes away, and the interface in tshark itself."""
import os
import re
import signal
import subprocess
import threading
import time

from extcap_env import Extcap, one_shot_curl, parse_procmap_comments

FIELD = re.compile(r"\{(\w+)=([^}]*)\}")


def lines_of(binary, *args, check=True):
    result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
        assert result.stderr == "", "an extcap's stderr is a failure to Wireshark"
    return result


def parse(line):
    kind, _, rest = line.partition(" ")
    return kind, dict(FIELD.findall(rest))


def test_interfaces(extcap_binary):
    before = set(os.listdir("/sys/class/net"))
    out = lines_of(extcap_binary, "--extcap-interfaces", "--extcap-version=4.0").stdout
    steady = before & set(os.listdir("/sys/class/net"))
    entries = [parse(line) for line in out.splitlines()]
    assert entries[0][0] == "extcap" and entries[0][1]["version"]
    interfaces = {fields["value"]: fields["display"] for kind, fields in entries
                  if kind == "interface"}
    assert interfaces["procmap-lo"] == "procmap: lo (with processes)"
    for value in interfaces:
        assert value.startswith("procmap-")
    # Every network interface of this namespace (that did not come or go
    # meanwhile) is offered, and "any"; nothing else (USB, D-Bus, ...).
    assert set(interfaces) >= {"procmap-" + device for device in steady} | {"procmap-any"}
    offered = {value[len("procmap-"):] for value in interfaces} - {"any"}
    assert offered <= before | set(os.listdir("/sys/class/net"))


def test_extcap_version_alone(extcap_binary):
    # As extcap-base answers it: one "extcap" line with version and help.
    for option in ("--extcap-version=4.0", "--extcap-version"):
        out = lines_of(extcap_binary, option).stdout
        assert len(out.splitlines()) == 1, out
        kind, fields = parse(out)
        assert kind == "extcap" and re.fullmatch(r"\d+\.\d+\.\d+", fields["version"]), out
        assert fields["help"] == "man:procmap-capture(1)"
    listed = lines_of(extcap_binary, "--extcap-interfaces", "--extcap-version=4.0").stdout
    assert parse(listed.splitlines()[0]) == ("extcap", dict(FIELD.findall(
        listed.splitlines()[0])))
    assert parse(listed.splitlines()[0])[1]["help"] == "man:procmap-capture(1)"


def filter_verdict(binary, interface, capture_filter, prefix=()):
    """What Wireshark runs to check a capture filter, and what it reads."""
    result = subprocess.run([*prefix, binary, "--extcap-interface", interface,
                             "--extcap-capture-filter", capture_filter],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def test_capture_filter_check(extcap_binary):
    for interface in ("procmap-lo", "procmap-any"):
        for good in ("tcp port 80", "", "udp and not port 53", "ip6 or icmp"):
            assert filter_verdict(extcap_binary, interface, good) == "", (interface, good)
        for bad, message in (("tcp port eighty", "unknown port 'eighty'"),
                             ("tcp port and nonsense", "syntax error"),
                             ("host", "syntax error")):
            verdict = filter_verdict(extcap_binary, interface, bad)
            # One line: Wireshark shows the first.
            assert verdict.endswith("\n") and verdict.count("\n") == 1, verdict
            assert message in verdict, verdict
    # Compiled for the capture's link type: Ethernet on lo, Linux cooked
    # (no Ethernet header) on "any" - libpcap's own verdicts.
    assert filter_verdict(extcap_binary, "procmap-lo", "ether host 02:00:00:00:00:01") == ""
    on_any = filter_verdict(extcap_binary, "procmap-any", "ether host 02:00:00:00:00:01")
    # libpcap 1.10.3 (bookworm) and 1.10.5+ (sid) word it differently.
    assert "ethernet addresses" in on_any or "not supported on DLT_LINUX_SLL" in on_any, on_any
    # No privilege needed: the same verdicts as nobody, with no capability.
    nobody = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
              "--inh-caps=-all", "--bounding-set=-all")
    assert filter_verdict(extcap_binary, "procmap-lo", "tcp port 80", nobody) == ""
    assert "unknown port" in filter_verdict(extcap_binary, "procmap-lo", "tcp port eighty",
                                            nobody)
    # An interface that is not ours is refused, as for every request.
    result = subprocess.run([extcap_binary, "--extcap-interface", "procmap-usbmon0",
                             "--extcap-capture-filter", "tcp"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and result.stdout == ""


def test_dlts(extcap_binary):
    out = lines_of(extcap_binary, "--extcap-interface", "procmap-lo", "--extcap-dlts").stdout
    kind, fields = parse(out.strip())
    assert (kind, fields["number"], fields["name"]) == ("dlt", "1", "EN10MB")
    for bad in ("procmap-nosuchif0", "lo"):
        result = lines_of(extcap_binary, "--extcap-interface", bad, "--extcap-dlts",
                          check=False)
        assert result.returncode != 0 and result.stdout == ""
        assert "procmap-capture:" in result.stderr


def test_config_names_the_active_source(extcap_binary, ebpf_loads):
    out = lines_of(extcap_binary, "--extcap-interface", "procmap-lo", "--extcap-config").stdout
    args = [fields for kind, fields in map(parse, out.splitlines()) if kind == "arg"]
    calls = {fields["call"]: fields for fields in args}
    assert set(calls) == {"--source", "--snaplen", "--poll-interval", "--comments",
                          "--ring-filesize", "--ring-packets", "--no-namespaces", "--debug",
                          "--debug-file"}
    # Numbered 0, 1, 2, ... in order (from a counter), each value line
    # pointing at the selector's number.
    assert [int(fields["number"]) for fields in args] == list(range(len(args)))
    assert {fields["arg"] for kind, fields in map(parse, out.splitlines())
            if kind == "value"} == {calls["--source"]["number"], calls["--comments"]["number"]}
    # The debug options, as extcap-base offers them, in their own group.
    assert calls["--debug"]["type"] == "boolflag"
    assert calls["--debug-file"]["type"] == "fileselect"
    assert calls["--debug-file"]["mustexist"] == "false"
    assert {calls[c]["group"] for c in ("--debug", "--debug-file")} == {"Debug"}
    # Wireshark aborts on a preference title over 80 characters.
    assert all(len(fields["display"]) <= 80 for fields in args)
    values = [fields["value"] for kind, fields in map(parse, out.splitlines())
              if kind == "value" and fields["arg"] == calls["--source"]["number"]]
    assert values == ["auto", "ebpf", "netlink"]
    expected = "eBPF" if ebpf_loads else "netlink polling"
    assert calls["--source"]["display"] == "Event source (now: %s)" % expected
    # Without the capabilities eBPF needs, the config says netlink, and why.
    limited = subprocess.run(["setpriv", "--bounding-set", "-bpf,-perfmon,-sys_admin", "--",
                              extcap_binary, "--extcap-interface", "procmap-lo",
                              "--extcap-config"], capture_output=True, text=True, timeout=60)
    assert limited.returncode == 0, limited.stderr
    source = dict(FIELD.findall(limited.stdout.splitlines()[0]))
    assert source["display"] == "Event source (now: netlink polling)"
    assert "cap_bpf" in source["tooltip"]


def test_capture_into_fifo(extcap_binary, server, tmp_path):
    """With --comments both, every packet also carries procmap's version 1
    comments and ptcpdump's (off by default: test_records.py)."""
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    extcap = subprocess.Popen([extcap_binary, "--capture", "--extcap-interface", "procmap-lo",
                               "--fifo", fifo, "--extcap-capture-filter",
                               "tcp port %d" % server.port, "--comments", "both"],
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    reader = subprocess.Popen(["tshark", "-r", fifo, "-T", "fields", "-E", "separator=/t",
                               "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "frame.comment"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)              # the reader opened the FIFO, the capture runs
        curl_pid, port = one_shot_curl("http://127.0.0.1:%d/" % server.port)
        time.sleep(1)
        extcap.send_signal(signal.SIGTERM)
        assert extcap.wait(timeout=30) == 0
        assert extcap.stderr.read() == ""
        out, err = reader.communicate(timeout=60)
    finally:
        for proc in (extcap, reader):
            if proc.poll() is None:
                proc.kill()
    assert reader.returncode == 0, err
    frames = [line.split("\t") for line in out.splitlines()]
    ours = [f for f in frames if str(port) in f[:2]]
    assert len(ours) >= 6               # handshake, request, answer, close
    for src, dst, comments in ours:
        sides = parse_procmap_comments(comments)
        client, web = ("src", "dst") if src == str(port) else ("dst", "src")
        assert sides == {client: str(curl_pid), web: str(server.pid)}, comments
        # ptcpdump's comments name the sender (loopback: no direction).
        assert "PID: %s\\nCmd: " % sides["src"] in comments


def test_ends_when_the_reader_goes_away(extcap_binary, server, tmp_path):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    extcap = subprocess.Popen([extcap_binary, "--capture", "--extcap-interface", "procmap-lo",
                               "--fifo", fifo, "--extcap-capture-filter",
                               "tcp port %d" % server.port],
                              stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        with open(fifo, "rb") as reader:
            assert reader.read(4) == b"\x0a\x0d\x0d\x0a"     # a section header
        # Closed: the next packets cannot be written; the capture ends, without error.
        deadline = time.monotonic() + 30
        while extcap.poll() is None and time.monotonic() < deadline:
            one_shot_curl("http://127.0.0.1:%d/" % server.port)
            time.sleep(0.2)
        assert extcap.poll() == 0, "still running or failed after its reader left"
        assert extcap.stderr.read() == ""
    finally:
        if extcap.poll() is None:
            extcap.kill()


def test_tshark_captures_through_it(wireshark, server):
    listed = wireshark.run("tshark", "-D").stdout
    assert "procmap-lo (procmap: lo (with processes))" in listed
    tshark = wireshark.start("tshark", "-i", "procmap-lo", "-f", "tcp port %d" % server.port,
                             "-a", "duration:30", "-l", "-n", "-T", "fields", "-E",
                             "separator=/t", "-e", "tcp.srcport", "-e", "procmap.src.pid",
                             "-e", "procmap.dst.pid", "-e", "procmap.src.source")
    lines = []
    reading = threading.Thread(target=lambda: lines.extend(tshark.stdout), daemon=True)
    reading.start()
    curls = []
    try:
        deadline = time.monotonic() + 25
        while not lines and time.monotonic() < deadline:    # until the capture runs
            curls.append(one_shot_curl("http://127.0.0.1:%d/" % server.port))
            time.sleep(0.5)
        time.sleep(1)
        tshark.send_signal(signal.SIGINT)
        tshark.wait(timeout=60)
        reading.join(timeout=10)
    finally:
        if tshark.poll() is None:
            os.killpg(tshark.pid, signal.SIGKILL)
    assert lines, "no frame through procmap-lo: %s" % tshark.stderr.read()
    by_port = {port: pid for pid, port in curls}
    checked = 0
    for line in lines:
        srcport, src_pid, dst_pid, source = line.rstrip("\n").split("\t")
        if not srcport:
            continue           # a process record's row
        if int(srcport) in by_port:
            assert (src_pid, dst_pid) == (str(by_port[int(srcport)]), str(server.pid)), line
        else:
            assert src_pid == str(server.pid), line
        assert source == "procmap-capture"
        checked += 1
    assert checked >= 6


def test_tshark_refuses_a_bad_capture_filter(wireshark):
    result = subprocess.run(wireshark.command("tshark", "-i", "procmap-lo", "-f",
                                              "tcp port eighty", "-a", "duration:10", "-c", "1"),
                            env=wireshark.env(), stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, errors="replace", timeout=120)
    assert result.returncode != 0
    # The capture's own message reaches the user.
    assert "bad capture filter" in result.stderr and "unknown port 'eighty'" in result.stderr, \
        result.stderr


def test_capture_options_are_checked(extcap_binary, tmp_path):
    bad_filter = Extcap(extcap_binary, "lo", str(tmp_path / "x.pcapng"),
                        "--extcap-capture-filter", "tcp port and nonsense")
    status = bad_filter.proc.wait(timeout=60)
    assert status == 1 and "bad capture filter" in bad_filter.proc.stderr.read()
    usage = subprocess.run([extcap_binary, "--capture", "--extcap-interface", "procmap-lo",
                            "--fifo", str(tmp_path / "y"), "--source", "magic"],
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "--source is auto, ebpf or netlink" in usage.stderr
