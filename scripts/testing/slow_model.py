"""An OpenAI-compatible chat server on loopback that answers every request after a fixed delay.

For benchmarks that measure the job queue, not the model: each answer takes exactly DELAY seconds, whatever the
prompt, and is the same short JSON object. Threaded, so concurrent workers wait side by side.
Usage: python3 slow_model.py PORT_FILE DELAY_SECONDS  (writes the port it listens on to PORT_FILE)
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = float(sys.argv[2])
CONTENT = json.dumps({
    "title": "Handle the case the note names",
    "body": "## Problem\nThe note says the case is not handled.\n\n## Proposal\nHandle it.",
    "labels": ["bug"],
})


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "bench", "object": "model"}]}).encode()
        self.reply(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        time.sleep(DELAY)
        body = json.dumps({
            "id": "bench", "object": "chat.completion", "created": int(time.time()), "model": "bench",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": CONTENT}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }).encode()
        self.reply(body)

    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1], "w") as handle:
    handle.write(str(server.server_address[1]))
server.serve_forever()
