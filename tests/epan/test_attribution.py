# SPDX-License-Identifier: GPL-2.0-or-later
"""Offline attribution on the fake host (scenario.py): every procmap.* field
of both sides, exactly, for TCP and UDP over IPv4 and IPv6 and each match
rule, plus names, aliases and the tree text."""
import pytest

import pcapgen
from harness import all_process_fields, prefs
from pcapgen import Pcap, TcpConversation, tcp_packet, udp_packet
from scenario import (DNS_PORT, GUNICORN_PORT, HTTP_PORT, CURL_PORT, LOCAL4, LOCAL6,
                      LONG_NAME_PORT, LOOP4, NTP_PORT, REMOTE4, REMOTE4B, REMOTE4C, REMOTE6,
                      SSH_LOCAL_PORT, SSH_PORT, SSHD_PORT, UNOWNED_PORT, WEB_PORT,
                      StandardHost, attributed, side_of, unattributed)

FIELDS = ["frame.number"] + all_process_fields()


@pytest.fixture
def host(tmp_path):
    return StandardHost(tmp_path / "proc")


def dissect(tshark, host, pcap, tmp_path, *options):
    """Writes the fake tree and the capture; one row per frame."""
    root = host.write()
    path = pcap.write(tmp_path / "capture.pcap")
    return tshark.fields(path, FIELDS, *prefs(capture_host="this-host", proc_root=root), *options)


def assert_sides(row, src, dst):
    assert side_of(row, "src") == src, "frame %s source" % row["frame.number"]
    assert side_of(row, "dst") == dst, "frame %s destination" % row["frame.number"]


def test_tcp_ipv4_loopback_both_ends_local(tshark, host, tmp_path):
    pcap = Pcap()
    conv = TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT))
    pcap.add_all(conv.exchange())
    rows = dissect(tshark, host, pcap, tmp_path)
    curl = attributed(host.curl, "tuple", (LOOP4, CURL_PORT))
    server = attributed(host.http, "tuple", (LOOP4, HTTP_PORT))
    from_client = [1, 3, 4, 6]
    assert len(rows) == 6
    for row in rows:
        if int(row["frame.number"]) in from_client:
            assert_sides(row, curl, server)
        else:
            assert_sides(row, server, curl)
        assert row["procmap.icmp_quoted"] == ""
    # The either-side fields hold both ends, source first (like ip.addr).
    first = rows[0]
    assert first["procmap.pid"] == "4242,4100"
    assert first["procmap.ppid"] == "4000,1"
    assert first["procmap.name"] == "curl,python3"
    assert first["procmap.comm"] == "curl,python3"
    assert first["procmap.exe"] == "/usr/bin/curl,/usr/bin/python3.11"
    assert first["procmap.uid"] == "65534,0"
    assert first["procmap.user"] == "nobody,root"
    assert rows[1]["procmap.args"] == ("python3 -m http.server --bind 127.0.0.1 8081,"
                                       "curl -s http://127.0.0.1:8081/")


def test_tcp_ipv6_to_remote_end(tshark, host, tmp_path):
    pcap = Pcap(pcapgen.LINKTYPE_RAW)
    conv = TcpConversation((LOCAL6, SSH_LOCAL_PORT), (REMOTE6, SSH_PORT))
    pcap.add_all(conv.exchange(b"SSH-2.0-client\r\n", b"SSH-2.0-server\r\n"))
    rows = dissect(tshark, host, pcap, tmp_path)
    ssh = attributed(host.ssh, "tuple", (LOCAL6, SSH_LOCAL_PORT))
    remote = unattributed("not-local", (REMOTE6, SSH_PORT))
    assert len(rows) == 6
    for row in rows:
        if row["frame.number"] in ("2", "5"):
            assert_sides(row, remote, ssh)
        else:
            assert_sides(row, ssh, remote)
    assert side_of(rows[0], "src")["endpoint"] == "[fd00:1::3]:51000"


def test_udp_ipv4_exact_address(tshark, host, tmp_path):
    pcap = Pcap()
    pcap.add(udp_packet(REMOTE4, 41000, LOCAL4, DNS_PORT, b"\x12\x34" + b"\0" * 10))
    pcap.add(udp_packet(LOCAL4, DNS_PORT, REMOTE4, 41000, b"\x12\x34\x81\x80" + b"\0" * 8))
    rows = dissect(tshark, host, pcap, tmp_path)
    dnsmasq = attributed(host.dnsmasq, "exact", (LOCAL4, DNS_PORT))
    assert_sides(rows[0], unattributed("not-local", (REMOTE4, 41000)), dnsmasq)
    assert_sides(rows[1], dnsmasq, unattributed("not-local", (REMOTE4, 41000)))


def test_udp_ipv6_any_address(tshark, host, tmp_path):
    pcap = Pcap(pcapgen.LINKTYPE_RAW)
    pcap.add(udp_packet(REMOTE6, NTP_PORT, LOCAL6, NTP_PORT, b"\x23" + b"\0" * 47))
    pcap.add(udp_packet(LOCAL6, NTP_PORT, REMOTE6, NTP_PORT, b"\x24" + b"\0" * 47))
    rows = dissect(tshark, host, pcap, tmp_path)
    chronyd = attributed(host.chronyd, "any-address", (LOCAL6, NTP_PORT))
    remote = unattributed("not-local", (REMOTE6, NTP_PORT))
    assert_sides(rows[0], remote, chronyd)
    assert_sides(rows[1], chronyd, remote)


def test_tcp_any_address_fallback(tshark, host, tmp_path):
    pcap = Pcap()
    conv = TcpConversation((REMOTE4, 50000), (LOCAL4, WEB_PORT))
    pcap.add_all(conv.handshake())
    rows = dissect(tshark, host, pcap, tmp_path)
    web = attributed(host.web, "any-address", (LOCAL4, WEB_PORT))
    assert web["name"] == "web (v2)" and web["user"] == "www-data"
    remote = unattributed("not-local", (REMOTE4, 50000))
    assert_sides(rows[0], remote, web)
    assert_sides(rows[1], web, remote)
    assert_sides(rows[2], remote, web)


def test_dual_stack_listener_gets_ipv4(tshark, host, tmp_path):
    # sshd listens on [::]:2222 only (tcp6).
    pcap = Pcap()
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, SSHD_PORT, "S", 1))
    pcap.add(tcp_packet(LOCAL4, SSHD_PORT, REMOTE4, 50000, "SA", 1, 2))
    rows = dissect(tshark, host, pcap, tmp_path)
    sshd = attributed(host.sshd, "dual-stack", (LOCAL4, SSHD_PORT))
    assert_sides(rows[0], unattributed("not-local", (REMOTE4, 50000)), sshd)
    assert_sides(rows[1], sshd, unattributed("not-local", (REMOTE4, 50000)))


def add_accepted_v4_mapped(host):
    """An IPv4 connection accepted by the [::]:2222 listener: tcp6 shows it
    with v4-mapped addresses.  Held by a child sshd."""
    child = host.host.add_process(4601, "sshd", ["sshd: nobody [priv]"], exe="/usr/sbin/sshd",
                                  ppid=4600)
    host.host.add_socket("tcp", ("::ffff:" + LOCAL4, SSHD_PORT), ("::ffff:" + REMOTE4B, 50022),
                         owners=[child])
    return child


def test_dual_stack_accepted_connection(tshark, host, tmp_path):
    child = add_accepted_v4_mapped(host)
    pcap = Pcap()
    pcap.add(tcp_packet(REMOTE4B, 50022, LOCAL4, SSHD_PORT, "PA", 100, 200, b"x" * 10))
    pcap.add(tcp_packet(LOCAL4, SSHD_PORT, REMOTE4B, 50022, "PA", 200, 110, b"y" * 10))
    rows = dissect(tshark, host, pcap, tmp_path)
    sshd = attributed(child, "tuple", (LOCAL4, SSHD_PORT))
    assert_sides(rows[0], unattributed("not-local", (REMOTE4B, 50022)), sshd)
    assert_sides(rows[1], sshd, unattributed("not-local", (REMOTE4B, 50022)))


def test_workers_own_their_connections(tshark, host, tmp_path):
    # Master and two workers share the listener 0.0.0.0:8000; each worker
    # holds one accepted connection.
    pcap = Pcap()
    first = TcpConversation((REMOTE4, 40001), (LOCAL4, GUNICORN_PORT))
    second = TcpConversation((REMOTE4B, 40002), (LOCAL4, GUNICORN_PORT), client_isn=7000)
    for a, b in zip(first.exchange(), second.exchange()):
        pcap.add(a)
        pcap.add(b)
    rows = dissect(tshark, host, pcap, tmp_path)
    assert len(rows) == 12
    for row in rows:
        remote = REMOTE4 if "40001" in (row["procmap.src.endpoint"] +
                                        row["procmap.dst.endpoint"]) else REMOTE4B
        client = (remote, 40001 if remote == REMOTE4 else 40002)
        worker = host.worker1 if remote == REMOTE4 else host.worker2
        server_side = attributed(worker, "tuple", (LOCAL4, GUNICORN_PORT))
        if row["procmap.src.endpoint"].startswith(LOCAL4):
            assert_sides(row, server_side, unattributed("not-local", client))
        else:
            assert_sides(row, unattributed("not-local", client), server_side)


@pytest.mark.parametrize("case", ["any-address", "dual-stack"])
def test_new_connection_goes_to_the_listener(tshark, host, tmp_path, case):
    """A SYN from a new peer, while the listener also has accepted
    connections of other peers, belongs to the listener."""
    pcap = Pcap()
    if case == "any-address":
        # Master and two workers share 0.0.0.0:8000: the master is the oldest.
        port, expected = GUNICORN_PORT, attributed(host.master, "any-address",
                                                   (LOCAL4, GUNICORN_PORT), owners=3)
    else:
        add_accepted_v4_mapped(host)
        port, expected = SSHD_PORT, attributed(host.sshd, "dual-stack", (LOCAL4, SSHD_PORT))
    pcap.add(tcp_packet(REMOTE4C, 40003, LOCAL4, port, "S", 1))
    rows = dissect(tshark, host, pcap, tmp_path)
    assert_sides(rows[0], unattributed("not-local", (REMOTE4C, 40003)), expected)


def test_shared_listener_reports_owners(tshark, tmp_path):
    """Three processes share a listener that has no accepted connection: the
    oldest is shown, with the owner count."""
    host = StandardHost(tmp_path / "proc")
    host.host.sockets = [s for s in host.host.sockets if s["remote"][1] == 0]
    pcap = Pcap()
    pcap.add(tcp_packet(REMOTE4C, 40003, LOCAL4, GUNICORN_PORT, "S", 1))
    rows = dissect(tshark, host, pcap, tmp_path)
    assert_sides(rows[0], unattributed("not-local", (REMOTE4C, 40003)),
                 attributed(host.master, "any-address", (LOCAL4, GUNICORN_PORT), owners=3))


def test_local_port_without_socket(tshark, host, tmp_path):
    pcap = Pcap()
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, UNOWNED_PORT, "S", 1))
    pcap.add(udp_packet(LOCAL6, 40000, REMOTE6, 53, b"q"))
    rows = dissect(tshark, host, pcap, tmp_path)
    assert_sides(rows[0], unattributed("not-local", (REMOTE4, 50000)),
                 unattributed("no-socket", (LOCAL4, UNOWNED_PORT)))
    assert_sides(rows[1], unattributed("no-socket", (LOCAL6, 40000)),
                 unattributed("not-local", (REMOTE6, 53)))


def test_socket_without_owner(tshark, host, tmp_path):
    host.host.add_socket("tcp", ("0.0.0.0", 8443), uid=33, owners=[])
    pcap = Pcap()
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, 8443, "S", 1))
    rows = dissect(tshark, host, pcap, tmp_path)
    assert_sides(rows[0], unattributed("not-local", (REMOTE4, 50000)),
                 unattributed("owner-gone", (LOCAL4, 8443), uid=33, user="www-data"))
    assert rows[0]["procmap.uid"] == "33" and rows[0]["procmap.user"] == "www-data"
    assert rows[0]["procmap.pid"] == ""


def test_name_of_a_possibly_truncated_comm(tshark, host, tmp_path):
    pcap = Pcap()
    pcap.add(udp_packet(LOCAL4, LONG_NAME_PORT, REMOTE4, 9000, b"a"))
    pcap.add(udp_packet(LOCAL4, LONG_NAME_PORT + 1, REMOTE4, 9000, b"b"))
    rows = dissect(tshark, host, pcap, tmp_path)
    # A 14-byte comm is whole; a 15-byte one may be cut: the exe's basename.
    assert side_of(rows[0], "src") == attributed(host.long_name, "exact",
                                                 (LOCAL4, LONG_NAME_PORT))
    assert side_of(rows[1], "src") == attributed(host.truncated, "exact",
                                                 (LOCAL4, LONG_NAME_PORT + 1),
                                                 name="very-long-server-daemon")


def alias_options(*rules):
    options = []
    for substring, name in rules:
        options += ["-o", 'uat:procmap_aliases:"%s","%s"' % (substring, name)]
    return options


def alias_capture():
    pcap = Pcap()
    pcap.add_all(TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT)).handshake()[:1])
    pcap.add(tcp_packet(REMOTE4C, 40003, LOCAL4, GUNICORN_PORT, "S", 1))
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, WEB_PORT, "S", 1))
    return pcap


@pytest.mark.parametrize("rules, names", [
    # The gunicorn command line holds both "python3" and "gunicorn".
    ([("gunicorn", "Gunicorn app"), ("python3", "Python")],
     ["curl,Python", "Gunicorn app", "web (v2)"]),
    ([("python3", "Python"), ("gunicorn", "Gunicorn app")],
     ["curl,Python", "Python", "web (v2)"]),
    ([("http.server", "Files"), ("", "Anything")],
     ["Anything,Files", "Anything", "Anything"]),
    ([("GUNICORN", "case-sensitive")], ["curl,python3", "gunicorn", "web (v2)"]),
])
def test_aliases_first_match_wins(tshark, host, tmp_path, rules, names):
    rows = dissect(tshark, host, alias_capture(), tmp_path, *alias_options(*rules))
    assert [row["procmap.name"] for row in rows] == names
    # The alias is only the name: comm and the rest are the process's own.
    assert rows[0]["procmap.comm"] == "curl,python3"
    assert side_of(rows[0], "src") == attributed(host.curl, "tuple", (LOOP4, CURL_PORT),
                                                 name=names[0].split(",")[0])


def test_aliases_from_the_config_dir(tshark, host, tmp_path):
    """The UAT file in the personal config dir works like -o uat:..."""
    with open("%s/procmap_aliases" % tshark.config_dir, "w") as uat:
        uat.write('"gunicorn","From file"\n"curl","Fetcher"\n')
    rows = dissect(tshark, host, alias_capture(), tmp_path)
    assert [row["procmap.name"] for row in rows] == ["Fetcher,python3", "From file",
                                                     "web (v2)"]


def test_tree_summaries(tshark, host, tmp_path):
    host.host.add_socket("tcp", ("0.0.0.0", 8443), uid=33, owners=[])
    pcap = Pcap()
    pcap.add_all(TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT)).handshake()[:1])
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, WEB_PORT, "S", 1))
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, 8443, "S", 1))
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, UNOWNED_PORT, "S", 1))
    root = host.write()
    text = tshark.run("-r", pcap.write(tmp_path / "c.pcap"), "-V", "-O", "procmap",
                      *prefs(capture_host="this-host", proc_root=root)).stdout
    summaries = [line.strip() for line in text.splitlines() if "Process: " in line]
    assert summaries == [
        "[Process: curl (4242) \u2192 python3 (4100)]",
        "[Process: [not a local address] \u2192 web (v2) (2100)]",
        "[Process: [not a local address] \u2192 [uid 33 (www-data): the socket exists but "
        "no process holds it]]",
        "[Process: [not a local address] \u2192 [no socket has this address and port]]",
    ]
    assert "Source: curl (4242)" in text and "Destination: python3 (4100)" in text
    assert "[Source match rule: tuple]" in text
    assert "[Destination unattributed reason: no-socket (no socket has this address and " \
           "port)]" in text
