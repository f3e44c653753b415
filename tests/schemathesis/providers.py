"""Telegram, MAX, VK and WhatsApp as they answer a token they do not know, for the schemathesis
run: connecting a channel checks its token with the provider, and every generated token is
unknown. Telegram answers 401 `Unauthorized`, MAX 401 `verify.token`, VK 200 with error 5, the
WhatsApp Graph API (under `/v23.0/`) 401 with error 190, as their specs
(`../shared/reference/messengers/`) show. Prints the port it listens on."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Refuse(BaseHTTPRequestHandler):
    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/bot"):
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        elif self.path.startswith("/v23.0/"):
            status, body = 401, {"error": {"message": "Invalid OAuth access token", "type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "AXsgnV2Cm3ZMGF3dF_cfYIn"}}
        elif self.path.startswith("/method/"):
            status, body = 200, {"error": {"error_code": 5, "error_msg": "User authorization failed: invalid access_token (4).", "request_params": []}}
        else:
            status, body = 401, {"code": "verify.token", "message": "Invalid access_token"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = answer

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
print(server.server_address[1], flush=True)
sys.stdout.close()
server.serve_forever()
