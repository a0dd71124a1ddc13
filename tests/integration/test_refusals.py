"""Refusals reach every client as their JSON error, whatever order it sends and reads in."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest
from conftest import serve

from nerkit.serve import ServeConfig

pytestmark = pytest.mark.slow
LIMIT = 10_000


@pytest.fixture
def small_server(toy_ner):
    yield from serve(toy_ner, ServeConfig(max_body_bytes=LIMIT))


def _read_reply(connection: socket.socket) -> tuple[int, dict]:
    """Status and JSON body of one HTTP reply, however many TCP segments it arrives in."""
    reply = http.client.HTTPResponse(connection)
    reply.begin()
    return reply.status, json.loads(reply.read())


def _post_whole_body_then_read(url: str, body: bytes, chunked: bool = False) -> tuple[int, dict]:
    """What urllib and many Java and .NET clients do: send every byte, only then read the reply."""
    address = urlsplit(url)
    framing = b"transfer-encoding: chunked\r\n" if chunked else f"content-length: {len(body)}\r\n".encode()
    if chunked:
        body = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in _parts(body)) + b"0\r\n\r\n"
    head = b"POST /v1/extract HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" + framing + b"\r\n"
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(head + body)
        return _read_reply(connection)


def _parts(body: bytes, size: int = 65536) -> list[bytes]:
    return [body[start : start + size] for start in range(0, len(body), size)]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_over_limit_body_sent_whole_gets_the_413_json_error_not_a_reset(small_server, chunked):
    body = json.dumps({"text": "x" * 20_000_000}).encode()  # 4 MB fitted in loopback buffers: no reset
    status, reply = _post_whole_body_then_read(small_server, body, chunked)
    assert status == 413
    assert reply["error"]["code"] == "too_large"


def test_urllib_posting_an_over_limit_body_reads_the_413_json_error(small_server):
    import urllib.error
    import urllib.request

    body = json.dumps({"text": "x" * 20_000_000}).encode()
    request = urllib.request.Request(
        small_server + "/v1/extract", data=body, headers={"content-type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 413
    assert json.loads(refused.value.read())["error"]["code"] == "too_large"


def test_a_client_expecting_100_continue_gets_the_413_before_sending_its_body(small_server):
    address = urlsplit(small_server)
    head = (
        b"POST /v1/extract HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"content-length: 20000000\r\nexpect: 100-continue\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(head)
        status, reply = _read_reply(connection)
    assert status == 413
    assert reply["error"]["code"] == "too_large"
