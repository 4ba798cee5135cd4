# SPDX-License-Identifier: GPL-2.0-or-later
"""Least privilege: an ordinary user runs procmap-capture with the file
capabilities of the README's setcap line; after start-up each thread keeps
only what it still needs (the capture thread: reading processes; the
namespace helper: that and entering namespaces), and the processes of other
users (root's curl here) are still attributed in full."""
import os
import shutil
import subprocess
import time

import pytest

from extcap_env import Extcap, one_shot_curl

README_CAPS = ("cap_net_raw,cap_net_admin,cap_sys_ptrace,cap_dac_read_search,"
               "cap_bpf,cap_perfmon,cap_sys_admin+ep")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
# Bits of /proc/<pid>/status Cap* masks.
CAP = {"dac_read_search": 2, "net_admin": 12, "net_raw": 13, "sys_ptrace": 19,
       "sys_admin": 21, "perfmon": 38, "bpf": 39}


def mask(*names):
    return sum(1 << CAP[name] for name in names)


def thread_caps(pid):
    caps = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            comm = f.read().strip()
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        caps[comm] = (int(status["CapPrm"], 16), int(status["CapEff"], 16))
    return caps


@pytest.fixture
def capable_copy(extcap_binary, tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(folder, 0o755)
    binary = str(folder / "procmap-capture")
    shutil.copy2(extcap_binary, binary)
    result = subprocess.run(["setcap", README_CAPS, binary], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip("file capabilities unsupported here: %s" % result.stderr.strip())
    return binary


def test_unprivileged_user_with_file_capabilities(capable_copy, wireshark, server, tmp_path,
                                                  started):
    outdir = tmp_path / "out"
    outdir.mkdir()
    os.chmod(outdir, 0o777)
    out = str(outdir / "nobody.pcapng")
    cap = Extcap(capable_copy, "lo", out, "--extcap-capture-filter", "tcp port %d" % server.port)
    cap.proc.kill()
    cap.proc.wait()
    cap.proc = subprocess.Popen(NOBODY + cap.proc.args, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    started.append(cap)
    cap.wait_ready()
    time.sleep(0.3)
    caps = thread_caps(cap.proc.pid)
    curl_pid, curl_port = one_shot_curl("http://127.0.0.1:%d/" % server.port)
    time.sleep(1)
    status, stderr, stats = cap.stop()
    assert (status, stderr) == (0, "")

    reading = mask("dac_read_search", "sys_ptrace")
    assert caps["procmap-capture"] == (reading, reading), caps
    assert caps["procmap-netns"] == (reading | mask("sys_admin"),) * 2, caps
    for permitted, effective in caps.values():
        assert permitted & mask("net_raw", "net_admin", "bpf", "perfmon") == 0
    assert stats["capabilities"] == "cap_dac_read_search,cap_sys_ptrace=ep"

    frames = wireshark.fields(out, ["tcp.srcport", "procmap.src.pid", "procmap.src.exe",
                                    "procmap.src.user", "procmap.dst.pid"])
    sent = [f for f in frames if f["tcp.srcport"] == str(curl_port)]
    assert len(sent) >= 4
    for frame in sent:
        # root's processes, read by nobody: pid, user and the exe link.
        assert (frame["procmap.src.pid"], frame["procmap.dst.pid"]) == (str(curl_pid),
                                                                      str(server.pid))
        assert frame["procmap.src.exe"].endswith("/curl")
        assert frame["procmap.src.user"] == "root"
