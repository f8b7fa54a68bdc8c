"""A webhook receiver for the tests: an HTTP server on a free loopback port that records every
request and answers with the statuses it is told to (then 200)."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    hang_first: float = 0.0  # seconds the first request is left without an answer
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, within: float) -> list[Received]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    break
            time.sleep(0.02)
        with self.lock:
            return list(self.requests)


@contextmanager
def receiver(**options: object) -> Iterator[Receiver]:
    state = Receiver(url="", **options)  # type: ignore[arg-type]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.requests.append(Received(dict(self.headers), body, time.monotonic()))
                first = len(state.requests) == 1
                status = state.statuses.pop(0) if state.statuses else 200
            if first and state.hang_first:
                time.sleep(state.hang_first)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
