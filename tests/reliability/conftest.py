# SPDX-License-Identifier: GPL-2.0-or-later
"""The reliability tests use the plugin tests' fixtures (tests/epan/conftest.py:
plugin_path, plugin_dirs, tshark, peers) and helpers (harness, fakeproc,
pcapgen, scenario)."""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EPAN = os.path.join(HERE, "..", "epan")
sys.path.insert(0, EPAN)

_spec = importlib.util.spec_from_file_location("epan_conftest", os.path.join(EPAN, "conftest.py"))
_epan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_epan)

plugin_path = _epan.plugin_path
plugin_dirs = _epan.plugin_dirs
tshark = _epan.tshark
peers = _epan.peers
