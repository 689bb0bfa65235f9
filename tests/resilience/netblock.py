"""Run the hoi CLI with every outbound (non-loopback) socket connection refused.

Usage: python -m tests.resilience.netblock ARGS...   (same arguments as `hoi`).
Any attempt to reach the network raises, and is logged to stderr as NETWORK-ATTEMPT.
"""

from __future__ import annotations

import ipaddress
import socket
import sys

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_local(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # unix socket path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refuse(address: object) -> None:
    print(f"NETWORK-ATTEMPT {address!r}", file=sys.stderr)
    raise OSError(f"outbound network blocked in this test: {address!r}")


def _connect(self: socket.socket, address: object) -> None:
    if not _is_local(address):
        _refuse(address)
    return _real_connect(self, address)


def _connect_ex(self: socket.socket, address: object) -> int:
    if not _is_local(address):
        _refuse(address)
    return _real_connect_ex(self, address)


def _getaddrinfo(host, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
    if host not in (None, "localhost") and not _is_local((host,)):
        _refuse((host,))
    return _real_getaddrinfo(host, *args, **kwargs)


def install() -> None:
    """Patch the socket module in this process."""
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _getaddrinfo


if __name__ == "__main__":
    install()
    from hoi_nlp.cli import app

    sys.argv = ["hoi", *sys.argv[1:]]
    app()
