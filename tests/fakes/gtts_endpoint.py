"""A stand-in for Google Translate's speech endpoint (gTTS's ``batchexecute``) on 127.0.0.1.

It answers the way the real endpoint does, as gTTS's own parser expects: an anti-XSSI
prefix, then length-prefixed JSON whose ``wrb.fr``/``jQ1olc`` entry holds the MP3 in base64.
The MP3 is real: a tone of 0.04 s per character, encoded with lameenc at 24 kHz mono. A
script of behaviours (``ok``, ``429``, ``503``, ``stall``, ``no-audio``) is played one per
request; when it runs out every request gets ``ok``.
"""

from __future__ import annotations

import base64
import http.server
import json
import math
import threading
import urllib.parse
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

RATE = 24000
SECONDS_PER_CHARACTER = 0.04
STALL_SECONDS = 5.0


def tone_mp3(seconds: float, frequency: float = 220.0) -> bytes:
    import lameenc

    samples = array(
        "h",
        (
            round(8000 * math.sin(2 * math.pi * frequency * i / RATE))
            for i in range(round(seconds * RATE))
        ),
    )
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(32)
    encoder.set_in_sample_rate(RATE)
    encoder.set_out_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return bytes(encoder.encode(samples.tobytes()) + encoder.flush())


def batchexecute_response(mp3: bytes) -> str:
    """The endpoint's answer carrying ``mp3``, as the real one frames it."""
    compact = {"separators": (",", ":")}
    inner = json.dumps([base64.b64encode(mp3).decode("ascii")], **compact)
    envelope = json.dumps(
        [["wrb.fr", "jQ1olc", inner, None, None, None, "generic"], ["di", 42], ["af.httprm", 41]],
        **compact,
    )
    tail = json.dumps([["e", 4, None, None, len(envelope)]], **compact)
    return f")]}}'\n\n{len(envelope)}\n{envelope}\n{len(tail)}\n{tail}\n"


@dataclass
class Request:
    path: str
    text: str
    lang: str
    slow: bool


@dataclass
class FakeEndpoint:
    url: str
    script: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def endpoint(self) -> str:
        """The URL template for GttsOptions (``{tld}`` becomes part of the path)."""
        return self.url + "{tld}/batchexecute"


def _parse(body: str) -> tuple[str, str, bool]:
    """gTTS's form body → (text, language, slow)."""
    rpc = json.loads(urllib.parse.parse_qs(body)["f.req"][0])
    text, lang, speed, _ = json.loads(rpc[0][0][1])
    return text, lang, bool(speed)


class _Handler(http.server.BaseHTTPRequestHandler):
    fake: FakeEndpoint

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
        text, lang, slow = _parse(body)
        self.fake.requests.append(Request(self.path, text, lang, slow))
        behaviour = self.fake.script.pop(0) if self.fake.script else "ok"
        if behaviour == "stall":
            self.fake.release.wait(STALL_SECONDS)
            return
        if behaviour in {"429", "503"}:
            self.send_response(int(behaviour))
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        mp3 = tone_mp3(len(text) * SECONDS_PER_CHARACTER) if behaviour == "ok" else b""
        payload = (batchexecute_response(mp3) if mp3 else ")]}'\n\n[]\n").encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def fake_endpoint() -> Iterator[FakeEndpoint]:
    """Run the stand-in on 127.0.0.1 (a free port) while the block runs."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    fake = FakeEndpoint(f"http://127.0.0.1:{server.server_address[1]}/")
    _Handler.fake = fake
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
