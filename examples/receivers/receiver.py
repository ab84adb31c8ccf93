#!/usr/bin/env python3
"""A webhook receiver for servo-webhooks in Python 3, standard library only.

Verifies both signatures over the raw body (X-Servo-Signature: hex HMAC-SHA1;
webhook-signature: Standard Webhooks v1, HMAC-SHA256, the timestamp within 5
minutes), handles each message id once, and cancels adjustments asking for
more than MAX_REPLICAS replicas.

    WEBHOOK_SECRET=... [MAX_REPLICAS=3] python3 examples/receivers/receiver.py [--port 8080]
"""
import base64, hashlib, hmac, json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ.get("WEBHOOK_SECRET") or sys.exit("receiver: set WEBHOOK_SECRET to the secret configured for the webhook")
MAX_REPLICAS = float(os.environ.get("MAX_REPLICAS", "3"))
TOLERANCE_S = 300
MAX_BODY = 1 << 20
CANCEL = "application/vnd.opsani.servo.errors.CancelEventError+json"
seen = {}  # message id -> when first handled; kept longer than the tolerance (one request at a time: HTTPServer)


def verify_servo_signature(secret: str, body: bytes, signature: str) -> bool:
    expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected, signature)


def verify_standard_signature(secret: str, body: bytes, msg_id: str, timestamp: str, signature: str) -> bool:
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_S:
        return False  # a replay of an old request, or a clock far off
    key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    return any(hmac.compare_digest(expected, s) for s in signature.split(" "))


def decide(event: dict):
    """What to do with one verified event: None to accept, or the reason to cancel it."""
    print(f"receiver: {event.get('event')} id {event.get('id')}", flush=True)
    if event.get("event") == "before:adjust":
        for a in event.get("params", {}).get("adjustments", []):
            if a.get("setting_name") == "replicas" and float(a.get("value", 0)) > MAX_REPLICAS:
                return f"at most {MAX_REPLICAS:g} replicas are allowed, {a.get('component_name')} asked for {a.get('value')}"
    return None


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            return self.answer(413)
        body = self.rfile.read(length)  # verify these bytes, never re-serialised JSON
        h = lambda name: self.headers.get(name, "")
        msg_id = h("webhook-id")
        if not (msg_id and verify_servo_signature(SECRET, body, h("x-servo-signature"))
                and verify_standard_signature(SECRET, body, msg_id, h("webhook-timestamp"), h("webhook-signature"))):
            print("receiver: rejected (signature or timestamp)", flush=True)
            return self.answer(401)
        now = time.time()
        for old in [i for i, t in seen.items() if now - t > 2 * TOLERANCE_S]:
            del seen[old]
        if msg_id in seen:
            print(f"receiver: {msg_id} duplicate, already handled", flush=True)
            return self.answer(204)
        try:
            reason = decide(json.loads(body))
        except (ValueError, AttributeError, TypeError):
            return self.answer(400)
        seen[msg_id] = now
        if reason is None:
            return self.answer(204)
        self.answer(200, json.dumps({"reason": reason}).encode(), CANCEL)

    def answer(self, status, body=b"", content_type=None):
        self.send_response(status)
        if content_type:
            self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # this receiver prints its own lines


if __name__ == "__main__":
    port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 8080
    server = HTTPServer(("127.0.0.1", port), Receiver)
    print(f"receiver: listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
