"""What gunicorn answers itself, before the app sees the request, is in the contract's format
too: a 10 KB request line (414) and 200 header fields (431), against the real `run.py` server."""

from __future__ import annotations

import json
import socket

import requests
from serverutil import live_server


def _raw(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except ConnectionResetError:  # it answered and closed before reading all we sent
            pass
    assert answer, "no answer at all"
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":")
                                                            for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _contract(status: int, headers: dict[str, str], body: bytes, expected: int, code: str) -> None:
    assert status == expected, (status, headers, body[:300])
    assert headers["content-type"].startswith("application/json"), headers
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message"], error


def test_gunicorn_answers_its_own_limits_in_json(database_url, backend, tmp_path, make_sitting):
    if backend != "sqlite":
        import pytest

        pytest.skip("gunicorn's limits do not depend on the database")
    make_sitting()
    with live_server(database_url, tmp_path / "server") as server:
        path = "/api/v1/rules/suggest?q=" + "a" * 10_240
        line = _raw(server.url, f"GET {path} HTTP/1.1\r\nHost: x\r\n"
                                "Accept: application/json\r\n\r\n".encode())
        _contract(*line, 414, "uri_too_long")
        fields = "".join(f"X-Field-{n}: {n}\r\n" for n in range(200))
        many = _raw(server.url, ("GET /api/v1/rules HTTP/1.1\r\nHost: x\r\n"
                                 f"Accept: application/json\r\n{fields}\r\n").encode())
        _contract(*many, 431, "headers_too_large")
        big = _raw(server.url, ("GET /api/v1/rules HTTP/1.1\r\nHost: x\r\n"
                                f"Cookie: {'c' * 10_000}\r\n\r\n").encode())
        _contract(*big, 431, "headers_too_large")
        # The server goes on answering everyone else.
        assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
