"""A chat-completions endpoint on loopback that holds every request until told to let go:
a model that is "slow" for exactly as long as a test or benchmark needs, with no sleeps."""

from __future__ import annotations

import http.server
import threading


class HeldEndpoint:
    """``with HeldEndpoint() as ep:`` serves on 127.0.0.1; ``ep.wait_for(n)`` waits until
    ``n`` requests are being held; ``ep.release()`` (also on exit) answers them all with 503."""

    def __init__(self, hold_limit_s: float = 120.0) -> None:
        self._held = 0
        self._cond = threading.Condition()
        self._released = threading.Event()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with endpoint._cond:
                    endpoint._held += 1
                    endpoint._cond.notify_all()
                endpoint._released.wait(hold_limit_s)  # bounded: a forgotten release cannot hang a run
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def wait_for(self, requests: int, timeout: float = 60.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._held >= requests, timeout)

    def release(self) -> None:
        self._released.set()

    def __enter__(self) -> HeldEndpoint:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
