# SPDX-License-Identifier: GPL-2.0-or-later
"""What the socket-holding helper scripts of the tests share."""
import ctypes
import os
import signal
import socket
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent=None):
    """Killed with the parent, even when the test runner itself is killed
    (a timeout) before its finalizers run."""
    parent = os.getppid() if parent is None else parent
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before prctl
        os._exit(1)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET
