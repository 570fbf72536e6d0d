"""Request-body limits benchmark: how much an anonymous client can grow the server.

    .venv/bin/python bench/web_limits.py [--form-mb 256] [--json-mb 64]

Serves an empty warehouse with `crimepulse serve` (one process, 127.0.0.1 only) and reads
the server's resident memory (VmRSS, /proc) after each request: a small sign-in form and a
small anonymous JSON write first (the baseline), then an anonymous 256 MB sign-in form
(declared with Content-Length, then again chunked) and an anonymous 64 MB JSON write
(likewise). Each figure is the growth over the RSS before that request, the peak during
it (VmHWM, reset before each request) above that, and the ratio of the RSS after it to the
RSS after the baseline requests. Goal: each large request grows
the server by at most 50 MB (before the limits, the 256 MB form added 575 MB). Every
request is sent whole; the loop is bounded by the list of cases.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import crimepulse
from crimepulse.config import Settings

GOAL_MB = 50.0
CHUNK = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """The process's resident memory now (VmRSS), or its peak since `reset_peak` (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def reset_peak(pid: int) -> bool:
    """Restart the kernel's peak-RSS count (clear_refs 5); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def pieces(total: int, unit: bytes) -> Iterator[bytes]:
    block = (unit * (CHUNK // len(unit) + 1))[:CHUNK]
    whole, rest = divmod(total, CHUNK)
    for _ in range(whole):
        yield block
    if rest:
        yield block[:rest]


def send(port: int, path: str, headers: str, total: int, unit: bytes, chunked: bool) -> int:
    """Send one request with a `total`-byte body; return the status the server answered."""
    framing = "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {total}\r\n"
    host = f"Host: 127.0.0.1:{port}\r\n"
    head = f"POST {path} HTTP/1.1\r\n{host}{headers}{framing}Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        s.sendall(head.encode())
        try:
            for block in pieces(total, unit):
                s.sendall(b"%x\r\n%b\r\n" % (len(block), block) if chunked else block)
            if chunked:
                s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close once it has answered; its answer is still read
        answer = b""
        try:
            while b"\r\n" not in answer and (data := s.recv(65536)):
                answer += data
        except ConnectionResetError:
            pass
    line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    return int(line.split()[1]) if line.startswith("HTTP/") else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--form-mb", type=int, default=256)
    parser.add_argument("--json-mb", type=int, default=64)
    args = parser.parse_args()
    port = free_port()
    origin = f"Origin: http://127.0.0.1:{port}\r\n"  # this site's own form
    form = ("/review/sign-in", origin + "Content-Type: application/x-www-form-urlencoded\r\n")
    write = ("/api/v1/oplog/events", "Content-Type: application/json\r\n")
    cases = [
        ("baseline: small sign-in form", *form, 1024, b"token=", False),
        ("baseline: small anonymous JSON write", *write, 1024, b"[1,", False),
        (f"anonymous {args.form_mb} MB sign-in form", *form, args.form_mb << 20, b"token=", False),
        (
            f"anonymous {args.form_mb} MB sign-in form, chunked",
            *form,
            args.form_mb << 20,
            b"x",
            True,
        ),
        (f"anonymous {args.json_mb} MB JSON write", *write, args.json_mb << 20, b"[1,", False),
        (
            f"anonymous {args.json_mb} MB JSON write, chunked",
            *write,
            args.json_mb << 20,
            b"[1,",
            True,
        ),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "empty.duckdb"
        crimepulse.open(db).close()
        env = {**os.environ, **Settings(db=db).environ()}
        server = subprocess.Popen(
            [sys.executable, "-m", "crimepulse.cli", "serve", "--db", str(db), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.2)
            send(port, *form[:2], 16, b"token=", False)  # warm up: first request's imports
            columns = ("request", "status", "RSS before", "growth MB", "peak MB", "ratio")
            print("{:48} {:>6} {:>11} {:>10} {:>8} {:>7}".format(*columns))
            baseline = 0.0  # the RSS after the small requests
            worst = 0.0
            for name, path, headers, total, unit, chunked in cases:
                before = rss_mb(server.pid)
                peaks = reset_peak(server.pid)
                status = send(port, path, headers, total, unit, chunked)
                after = rss_mb(server.pid)
                growth = after - before
                # the peak during the request, above the RSS before it (growth where the
                # kernel's peak count cannot be reset)
                peak = rss_mb(server.pid, "VmHWM") - before if peaks else growth
                if name.startswith("baseline"):
                    baseline, ratio = after, ""
                else:
                    worst = max(worst, growth, peak)
                    ratio = f"{after / baseline:6.2f}x"
                row = f"{name:48} {status:>6} {before:>10.1f}M {growth:>10.1f} {peak:>8.1f}"
                print(f"{row} {ratio:>7}")
            verdict = "met" if worst <= GOAL_MB else "missed"
            print(f"largest growth or peak {worst:.1f} MB (goal <= {GOAL_MB:.0f} MB): {verdict}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
