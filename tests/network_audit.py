"""Run a command under ``strace`` and list every address it tried to reach.

``strace -f`` follows every thread and child (llama.cpp's threads, a Ray worker) and sees
connections made from C code too, which a Python audit hook would miss. Only loopback
(127.0.0.0/8, ::1) is allowed; anything else, a DNS look-up included, is a leak.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from pathlib import Path

STRACE = shutil.which("strace")
_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6,\s*"([^"]+)"')
_CALL = re.compile(r"\b(connect|sendto|sendmsg)\(")


def reached(log: str) -> list[str]:
    """Every IPv4/IPv6 address a connect/sendto/sendmsg call in an strace log named."""
    found = []
    for line in log.splitlines():
        if _CALL.search(line):
            found.extend(a or b for a, b in _ADDRESS.findall(line))
    return found


def outside(addresses: list[str]) -> list[str]:
    def local(address: str) -> bool:
        ip = ipaddress.ip_address(address)
        mapped = getattr(ip, "ipv4_mapped", None)
        return ip.is_loopback or (mapped is not None and mapped.is_loopback)

    return sorted({a for a in addresses if not local(a)})


def traced(command: list[str], log: Path) -> list[str]:
    """The strace prefix that writes ``command``'s network calls to ``log``."""
    assert STRACE, "strace is not installed (apt-get install strace; .ci/run installs it)"
    return [STRACE, "-f", "--seccomp-bpf", "-qq", "-e", "trace=connect,sendto,sendmsg", "-e", "signal=none", "-o", str(log), *command]


def run_traced(command: list[str], log: Path, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(traced(command, log), capture_output=True, text=True, timeout=timeout, **kwargs)
