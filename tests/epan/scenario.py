# SPDX-License-Identifier: GPL-2.0-or-later
"""The fake host most offline tests share, and what tshark should say about
its processes.

Host addresses: 10.1.2.3, fd00:1::3 (plus loopback).  Remote peers are in
198.51.100.0/24 and 2001:db8::/32, which the fake host does not own."""
from harness import SIDE_FIELDS
from fakeproc import FakeHost

LOCAL4, LOCAL6 = "10.1.2.3", "fd00:1::3"
REMOTE4, REMOTE4B, REMOTE4C = "198.51.100.7", "198.51.100.8", "198.51.100.9"
REMOTE6 = "2001:db8::7"
LOOP4, LOOP6 = "127.0.0.1", "::1"

# Ports of the fake host's sockets.
WEB_PORT = 8080             # web: TCP 0.0.0.0:8080 (any-address)
HTTP_PORT, CURL_PORT = 8081, 45678      # python3 on 127.0.0.1:8081 <- curl
SSH_PORT, SSH_LOCAL_PORT = 22, 51000    # ssh [fd00:1::3]:51000 -> [2001:db8::7]:22
DNS_PORT = 53               # dnsmasq: UDP 10.1.2.3:53 (exact)
NTP_PORT = 123              # chronyd: UDP [::]:123
SSHD_PORT = 2222            # sshd: TCP [::]:2222 only (dual-stack for IPv4)
GUNICORN_PORT = 8000        # master + 2 workers share 0.0.0.0:8000
LONG_NAME_PORT = 7000       # a 15-byte comm: named after its executable
DIG_PORT, DIG6_PORT = 53000, 53001      # UDP senders that get ICMP errors
UNOWNED_PORT = 9            # nobody listens


class StandardHost:
    def __init__(self, root):
        host = self.host = FakeHost(root, ipv4=[LOCAL4], ipv6=[LOCAL6])
        add = host.add_process
        self.web = add(2100, "web (v2)", ["/usr/sbin/web", "--listen", "0.0.0.0:8080"],
                       cwd="/srv/web", uid=33)
        self.curl = add(4242, "curl", ["curl", "-s", "http://127.0.0.1:8081/"],
                        exe="/usr/bin/curl", cwd="/home/nobody", uid=65534, ppid=4000)
        self.http = add(4100, "python3",
                        ["python3", "-m", "http.server", "--bind", "127.0.0.1", "8081"],
                        exe="/usr/bin/python3.11", cwd="/srv/files", uid=0, ppid=1)
        self.ssh = add(4300, "ssh", ["ssh", "-6", "git@example.org"], exe="/usr/bin/ssh",
                       cwd="/home/nobody", uid=65534, ppid=4000)
        self.dnsmasq = add(4400, "dnsmasq", ["/usr/sbin/dnsmasq", "-k"])
        self.chronyd = add(4500, "chronyd", ["/usr/sbin/chronyd", "-F", "1"])
        self.sshd = add(4600, "sshd", ["/usr/sbin/sshd", "-D"])
        argv = ["/usr/bin/python3", "/usr/bin/gunicorn", "app:wsgi"]
        self.master = add(5000, "gunicorn", argv, start_ticks=200000)
        self.worker1 = add(5001, "gunicorn", argv, ppid=5000, start_ticks=200150)
        self.worker2 = add(5002, "gunicorn", argv, ppid=5000, start_ticks=200160)
        self.long_name = add(4700, "very-long-serv",  # 14 bytes: kept as it is
                             ["/opt/svc/bin/very-long-server"], cwd="/opt/svc")
        self.truncated = add(4701, "very-long-serve",  # 15 bytes: maybe cut
                             ["/opt/svc/bin/very-long-server-daemon", "--foreground"],
                             cwd="/opt/svc")
        self.flanneld = add(4800, "flanneld", ["/opt/bin/flanneld", "--iface", "eth0"])
        self.dig = add(4900, "dig", ["dig", "@198.51.100.53", "example.org"],
                       exe="/usr/bin/dig", cwd="/root")
        self.dig6 = add(4901, "dig", ["dig", "-6", "@2001:db8::53", "example.org"],
                        exe="/usr/bin/dig", cwd="/root")

        sock = host.add_socket
        self.web_listener = sock("tcp", ("0.0.0.0", WEB_PORT), uid=33, owners=[self.web])
        sock("tcp", (LOOP4, HTTP_PORT), owners=[self.http])
        sock("tcp", (LOOP4, HTTP_PORT), (LOOP4, CURL_PORT), owners=[self.http])
        self.curl_socket = sock("tcp", (LOOP4, CURL_PORT), (LOOP4, HTTP_PORT), uid=65534,
                                owners=[self.curl])
        sock("tcp", (LOCAL6, SSH_LOCAL_PORT), (REMOTE6, SSH_PORT), uid=65534, owners=[self.ssh])
        sock("udp", (LOCAL4, DNS_PORT), owners=[self.dnsmasq])
        sock("udp", ("::", NTP_PORT), owners=[self.chronyd])
        sock("tcp", ("::", SSHD_PORT), owners=[self.sshd])
        sock("tcp", ("0.0.0.0", GUNICORN_PORT),
             owners=[self.worker2, self.master, self.worker1])
        sock("tcp", (LOCAL4, GUNICORN_PORT), (REMOTE4, 40001), owners=[self.worker1])
        sock("tcp", (LOCAL4, GUNICORN_PORT), (REMOTE4B, 40002), owners=[self.worker2])
        sock("udp", (LOCAL4, LONG_NAME_PORT), owners=[self.long_name])
        sock("udp", (LOCAL4, LONG_NAME_PORT + 1), owners=[self.truncated])
        sock("udp", ("0.0.0.0", 4789), owners=[self.flanneld])
        sock("udp", ("0.0.0.0", DIG_PORT), owners=[self.dig])
        sock("udp", (LOCAL6, DIG6_PORT), owners=[self.dig6])

    def write(self):
        return self.host.write()


def endpoint(address, port):
    return ("[%s]:%d" if ":" in address else "%s:%d") % (address, port)


def attributed(process, match, local, source="live", owners="", name=None):
    """Every procmap.<side>.* value of a side attributed to @process."""
    values = dict.fromkeys(SIDE_FIELDS, "")
    values.update(process.expected(name))
    values.update(source=source, match=match, owners=str(owners), endpoint=endpoint(*local))
    return values


def unattributed(reason, local=None, uid=None, user=None):
    """Every procmap.<side>.* value of a side without a process."""
    values = dict.fromkeys(SIDE_FIELDS, "")
    values.update(reason=reason, endpoint=endpoint(*local) if local else "")
    if uid is not None:
        values["uid"] = str(uid)
    if user is not None:
        values["user"] = user
    return values


def side_of(row, side):
    """The procmap.<side>.* values of a -T fields row."""
    return {f: row["procmap.%s.%s" % (side, f)] for f in SIDE_FIELDS}
