"""Generated bad requests for the Invoke API fuzz test: raw HTTP/1.1 bytes, every way a
client can get the method, path, headers, framing or body wrong."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass

GOOD_PATH = "/2015-03-31/functions/echo/invocations"
BIG = 7 * 1024 * 1024


@dataclass
class Request:
    label: str
    data: bytes
    head: bool = False  # a HEAD answer has no body


# -- building requests ---------------------------------------------------------------------


def build(
    method: str = "POST",
    path: str | bytes = GOOD_PATH,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"{}",
    version: str = "HTTP/1.1",
    length: bool = True,
) -> bytes:
    raw_path = path if isinstance(path, bytes) else path.encode("utf-8")
    lines = [method.encode("latin-1") + b" " + raw_path + b" " + version.encode("latin-1")]
    all_headers = [("Host", "127.0.0.1"), *(headers or [])]
    if length:
        all_headers.append(("Content-Length", str(len(body))))
    lines += [f"{k}: {v}".encode("latin-1", "replace") for k, v in all_headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def chunked(body: bytes, size: int = 1000) -> bytes:
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


def te_request(body: bytes, extra: list[tuple[str, str]] | None = None) -> bytes:
    headers = [("Transfer-Encoding", "chunked"), *(extra or [])]
    return build(headers=headers, body=body, length=False)


NAMES = [
    "..",
    ".",
    "../echo",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc",
    "echo%00",
    "echo%2F..%2F..",
    "ec%ho",
    "echo:..",
    "%252e%252e",
    "x" * 100,
    "echo;ls",
    "~root",
    "echo%0d%0aX-Injected:%201",
    "arn:aws:lambda:us-east-1:000000000000:function:..%2Fx",
    "nosuch",
    "echo:$LATEST",
    "echo:1",
    "%ff%fe",
    "\u00e9cho",
    "echo%20",
    "%20",
    "a" * 65,
    "arn:aws:lambda:us-east-1:000000000000:function:echo",
    "123456789012:function:echo",
]
PATHS = [
    "/",
    "*",
    "/2015-03-31/functions",
    "/2015-03-31/functions/echo",
    "/2015-03-31/functions/echo/invocations/extra",
    "/2016-01-01/functions/echo/invocations",
    "//2015-03-31/functions/echo/invocations",
    "/%zz",
    "/\u0444\u0443\u043d\u043a\u0446\u0438\u0438",
    "/2015-03-31/functions//invocations",
    "/2015-03-31/functions/echo/invocations?Qualifier=$LATEST",
    "/2015-03-31/functions/echo/invocations#frag",
    "http://evil/2015-03-31/functions/echo/invocations",
]
METHODS = [
    "GET",
    "PUT",
    "DELETE",
    "PATCH",
    "OPTIONS",
    "HEAD",
    "TRACE",
    "CONNECT",
    "FOO",
    "post",
    "P0ST",
]
CONTENT_TYPES = [
    "text/plain",
    "application/xml",
    "multipart/form-data; boundary=x",
    "image/png",
    "application/x-www-form-urlencoded",
    "application/json; charset=latin-1",
    "\x01\x02",
    "",
]


def generators(rng: random.Random) -> list[Callable[[], Request]]:
    def method() -> Request:
        verb = rng.choice(METHODS)
        path = rng.choice([GOOD_PATH, *PATHS])
        return Request(f"method {verb} {path}", build(verb, path), head=verb == "HEAD")

    def path() -> Request:
        choice = rng.choice([*PATHS, "long", "random"])
        if choice == "long":
            choice = "/" + "a" * rng.choice([1000, 10_000, 70_000])
        elif choice == "random":
            choice = "/" + "".join(chr(rng.randint(33, 126)) for _ in range(rng.randint(1, 60)))
        return Request(f"path {choice[:60]!r}", build(path=choice.replace(" ", "%20")))

    def name() -> Request:
        chosen = rng.choice(NAMES)
        return Request(
            f"name {chosen[:40]!r}", build(path=f"/2015-03-31/functions/{chosen}/invocations")
        )

    def content_type() -> Request:
        kind = rng.choice(CONTENT_TYPES)
        return Request(
            f"content-type {kind!r}", build(headers=[("Content-Type", kind)], body=b'{"a": 1}')
        )

    def bad_json() -> Request:
        body = rng.choice(
            [
                bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 200))),
                b'{"a":',
                b"{'a': 1}",
                b"\xff\xfe\xfa",
                b"[" * 100_000,
                b"[" * 990 + b"]" * 990,
                b'{"a":' * 5000 + b"1" + b"}" * 5000,
                b"NaN",
                b'"',
                b"1e999999",
                '{"a": "\u00e9"}'.encode("utf-16"),
                b"{}" * 3,
                b"\x00",
                json.dumps({"deep": [[[[1]]]], "s": "x" * rng.randint(0, 5000)}).encode()[:-1],
            ]
        )
        return Request(f"json {body[:20]!r}", build(body=body))

    def big() -> Request:
        body = rng.choice([b"x" * BIG, json.dumps({"blob": "y" * BIG}).encode()])
        if rng.random() < 0.3:
            return Request("7 MB chunked", te_request(chunked(body, 1 << 20)))
        return Request("7 MB body", build(body=body))

    def length_lies() -> Request:
        body = b'{"lying": true}'
        lie = rng.choice(["bigger", "smaller", "abc", "-5", "+5", " 5 ", "1e3", "9" * 20, "dup"])
        if lie == "bigger":
            head = build(body=b"", length=False).replace(b"\r\n\r\n", b"")
            data = (
                head
                + f"\r\nContent-Length: {len(body) + rng.randint(1, 5000)}\r\n\r\n".encode()
                + body
            )
        elif lie == "smaller":
            data = build(body=b"", length=False)[:-2] + b"Content-Length: 5\r\n\r\n" + body
        elif lie == "dup":
            data = build(headers=[("Content-Length", "3")], body=body)
        else:
            data = build(headers=[("Content-Length", lie)], body=body, length=False)
        return Request(f"content-length {lie}", data)

    def chunks() -> Request:
        body = rng.choice(
            [
                b"zz\r\nabc\r\n0\r\n\r\n",
                b"5\r\nabc\r\n0\r\n\r\n",
                b"-1\r\n",
                b"f" * 20 + b"\r\n",
                b"2\r\n{}",
                b"2\r\n{}\r\n0\r\n",
                b"2;ext=1\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n",
                chunked(b'{"ok": 1}', 3),
                b"0x2\r\n{}\r\n0\r\n\r\n",
                b"\r\n\r\n",
                b"2\r\n{}XX0\r\n\r\n",
            ]
        )
        extra = rng.choice([[], [("Content-Length", "10")], [("Transfer-Encoding", "gzip")]])
        if rng.random() < 0.2:
            te = rng.choice(["gzip", "chunked, gzip", "identity, chunked", "compress"])
            return Request(
                f"transfer-encoding {te}",
                build(headers=[("Transfer-Encoding", te)], body=body, length=False),
            )
        return Request(f"chunked {body[:16]!r} {extra}", te_request(body, extra))

    def headers() -> Request:
        kind = rng.choice(
            [
                "many",
                "long",
                "nocolon",
                "binary",
                "type",
                "event",
                "dryrun",
                "logtype",
                "expect",
                "fold",
            ]
        )
        extra: list[tuple[str, str]] = []
        data = None
        if kind == "many":
            extra = [(f"X-H{i}", "v") for i in range(rng.choice([99, 150, 500]))]
        elif kind == "long":
            extra = [("X-Long", "v" * rng.choice([8000, 70_000]))]
        elif kind == "type":
            extra = [
                ("X-Amz-Invocation-Type", rng.choice(["Bogus", "", "requestresponse", "\u00e9"]))
            ]
        elif kind == "event":
            extra = [("X-Amz-Invocation-Type", "Event")]
        elif kind == "dryrun":
            extra = [("X-Amz-Invocation-Type", "DryRun")]
        elif kind == "logtype":
            extra = [("X-Amz-Log-Type", rng.choice(["Tail", "None", "tail", "x" * 300]))]
        elif kind == "expect":
            extra = [("Expect", rng.choice(["100-continue", "teapot"]))]
        else:
            raw = build()
            insert = {
                "nocolon": b"NoColonHere\r\n",
                "binary": b"X-Bin: \xff\xfe\x00\x01\r\n",
                "fold": b" folded continuation\r\n",
            }[kind]
            data = raw.replace(b"\r\n", b"\r\n" + insert, 1)
        return Request(f"headers {kind}", data if data is not None else build(headers=extra))

    def request_line() -> Request:
        data = rng.choice(
            [
                bytes(rng.randint(1, 255) for _ in range(rng.randint(1, 100))) + b"\r\n\r\n",
                b"GET /\r\n\r\n",
                b"POST / HTTP/9.9\r\n\r\n",
                b"POST / HTTP/1.1 extra\r\n\r\n",
                b"POST " + GOOD_PATH.encode() + b" HTTP/1.1x\r\n\r\n",
                b"\r\n" + build(),
                b"POST\r\n\r\n",
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                b" " * 100 + b"\r\n\r\n",
                b"POST " + GOOD_PATH.encode() + b" HTTP/1.1\n\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
            ]
        )
        return Request(f"request line {data[:24]!r}", data)

    def mutated() -> Request:
        data = bytearray(
            build(headers=[("X-Amz-Log-Type", "Tail")], body=b'{"key": "value", "n": [1, 2, 3]}')
        )
        for _ in range(rng.randint(1, 6)):
            spot = rng.randrange(len(data))
            action = rng.random()
            if action < 0.4:
                data[spot] = rng.randint(0, 255)
            elif action < 0.7:
                del data[spot]
            else:
                data.insert(spot, rng.randint(0, 255))
        return Request("mutated", bytes(data))

    return [
        method,
        path,
        name,
        content_type,
        bad_json,
        length_lies,
        chunks,
        headers,
        request_line,
        mutated,
    ] * 4 + [big]
