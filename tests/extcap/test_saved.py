# SPDX-License-Identifier: GPL-2.0-or-later
"""A saved capture re-opened later, every process long gone, shows the same
processes - from what the file carries, with no live lookup at all."""
import time

from extcap_env import Extcap, HttpServer, one_shot_curl

FIELDS = ["frame.number", "tcp.srcport", "procmap.src.pid", "procmap.src.name",
          "procmap.src.exe", "procmap.src.args", "procmap.src.source", "procmap.dst.pid",
          "procmap.dst.name", "procmap.dst.source", "frame.comment"]


def test_reopened_without_live_lookups(extcap_binary, wireshark, tmp_path, started):
    web = HttpServer()
    started.append(web)
    out = str(tmp_path / "saved.pcapng")
    cap = Extcap(extcap_binary, "lo", out, "--extcap-capture-filter", "tcp port %d" % web.port)
    started.append(cap)
    cap.wait_ready()
    time.sleep(0.3)
    curls = [one_shot_curl("http://127.0.0.1:%d/saved" % web.port) for _ in range(3)]
    time.sleep(1)
    assert cap.stop()[0] == 0
    web_pid = web.pid
    web.stop()                          # nothing of the capture is alive now
    by_port = {port: pid for pid, port in curls}

    for mode in ("never", "always"):    # carried wins even over forced live lookups
        frames = wireshark.fields(out, FIELDS, "-o", "procmap.live_lookups:%s" % mode)
        assert len(frames) >= 18
        for frame in frames:
            from_curl = int(frame["tcp.srcport"]) in by_port
            curl_pid = by_port[int(frame["tcp.srcport"])] if from_curl else None
            expected_src = str(curl_pid) if from_curl else str(web_pid)
            assert frame["procmap.src.pid"] == expected_src, frame
            assert frame["procmap.src.source"] == frame["procmap.dst.source"] == "procmap-capture"
            assert frame["procmap.src.name"] == ("curl" if from_curl else "python3")
            assert frame["procmap.dst.name"] == ("python3" if from_curl else "curl")
            # From the process records: no packet carries a comment.
            assert frame["frame.comment"] == "", frame
    # Filters work on the carried processes alone.
    curl_frames = wireshark.fields(out, ["frame.number"], "-Y", 'procmap.src.name == "curl"')
    assert len(curl_frames) == sum(1 for f in frames if int(f["tcp.srcport"]) in by_port)
