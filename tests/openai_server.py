"""A real HTTP server on 127.0.0.1 that speaks OpenAI's chat-completions protocol with scripted replies
(and Ollama's native /api/chat, streamed as NDJSON, at `root_url`).

Each queued reply is one of:
    {"content": "..."}                      a normal answer (JSON, or SSE when the client streams)
    {"status": 500}                         an HTTP error
    {"sleep": 3.0, "content": "..."}       an answer that comes too late
    {"cut": True, "content": "..."}         a stream that breaks off half-way (no final chunk, no [DONE])
Every request body is recorded in `requests`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client hung up first (the timeout tests do): nothing to report
        super().handle_error(request, client_address)


class FakeOpenAI:
    """Start with `with FakeOpenAI() as server:`; `server.url` is the base URL (…/v1)."""

    def __init__(self) -> None:
        self.replies: deque[dict[str, Any]] = deque()
        self.requests: list[dict[str, Any]] = []
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.root_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = f"{self.root_url}/v1"

    def __enter__(self) -> "FakeOpenAI":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def queue(self, *replies: dict[str, Any]) -> None:
        self.replies.extend(replies)

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(body)
                reply = fake.replies.popleft() if fake.replies else {"content": "No scripted reply."}
                if "sleep" in reply:
                    time.sleep(reply["sleep"])
                if "status" in reply:
                    self._json(reply["status"], {"error": {"message": "scripted failure", "type": "server_error"}})
                elif self.path.startswith("/api/chat"):
                    self._ollama(body, reply["content"])
                elif body.get("stream"):
                    self._stream(body, reply["content"], cut=reply.get("cut", False))
                else:
                    self._json(200, completion(body, reply["content"]))

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], content: str, cut: bool) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                pieces = [content[i : i + 12] for i in range(0, len(content), 12)]
                if cut:
                    pieces = pieces[: max(1, len(pieces) // 2)]
                for piece in pieces:
                    self._chunk(f"data: {json.dumps(delta(body, {'content': piece}))}\n\n")
                    time.sleep(0.005)
                if cut:  # break the connection mid-body: no final chunk, no [DONE]
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._chunk(f"data: {json.dumps(delta(body, {}, 'stop'))}\n\n")
                self._chunk("data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")

            def _ollama(self, body: dict[str, Any], content: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(content), 12):
                    message = {"role": "assistant", "content": content[i : i + 12]}
                    self._chunk(json.dumps({"model": body.get("model"), "message": message, "done": False}) + "\n")
                done = {"model": body.get("model"), "message": {"role": "assistant", "content": ""}, "done": True,
                        "done_reason": "stop"}
                self._chunk(json.dumps(done) + "\n")
                self.wfile.write(b"0\r\n\r\n")

            def _chunk(self, text: str) -> None:
                data = text.encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        return Handler


def completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def delta(body: dict[str, Any], part: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": body.get("model", "m"),
            "choices": [{"index": 0, "delta": part, "finish_reason": finish}]}
