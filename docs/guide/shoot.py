#!/usr/bin/env python3
"""Screenshots for the guides, taken by headless chromium from a running Hromada.

Used by Tests/SystemTests/GuideScreenshotTests.swift (which starts the real services, fills them
with a demo month and then runs this). Reads a JSON plan on stdin:

  {"chromium": "/usr/bin/chromium", "out": "docs/guide/img",
   "sites": {"intake": {"base": "http://127.0.0.1:8080", "login": "/form/login",
                        "fields": {"centre": "...", "login": "...", "password": "..."}}, ...},
   "shots": [{"name": "librarian-form-uk", "site": "intake", "path": "/?lang=uk",
              "width": 1280, "height": 1400}, ...]}

A site with a "login" is signed in once, as its own sign-in form does (a form POST); chromium then
reaches it through a small local proxy that adds the session cookie to every request, so each
screenshot shows the real page exactly as a signed-in user sees it (same HTML, stylesheet, scripts
and Content-Security-Policy). Prints one line per screenshot written.
"""
import http.client
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.parse

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
       "proxy-authenticate", "content-length", "host"}


def sign_in(base, path, fields):
    """POSTs the sign-in form; returns the Cookie header value of the session."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    body = urllib.parse.urlencode(fields)
    conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    cookies = [v.split(";")[0] for k, v in response.getheaders() if k.lower() == "set-cookie"]
    if response.status not in (302, 303) or not cookies:
        raise SystemExit(f"sign-in at {base}{path} failed: HTTP {response.status}")
    return "; ".join(cookies)


def proxy(base, cookie):
    """Starts a proxy on a free port that forwards to `base` with `cookie`; returns its base URL."""
    target = urllib.parse.urlsplit(base)

    class Handler(http.server.BaseHTTPRequestHandler):
        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "cookie"}
            headers.pop("Origin", None)
            headers.pop("Referer", None)
            if cookie:
                headers["Cookie"] = cookie
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            conn.request(self.command, self.path, body, headers)
            response = conn.getresponse()
            data = response.read()
            self.send_response(response.status)
            for k, v in response.getheaders():
                if k.lower() not in HOP and k.lower() != "set-cookie":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = forward

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def main():
    plan = json.load(sys.stdin)
    out = plan["out"]
    os.makedirs(out, exist_ok=True)
    bases, servers = {}, []
    for name, site in plan["sites"].items():
        cookie = sign_in(site["base"], site["login"], site["fields"]) if site.get("login") else None
        bases[name], server = proxy(site["base"], cookie)
        servers.append(server)
    profile = os.path.join(out, ".chromium-profile")
    for shot in plan["shots"]:
        path = os.path.join(out, shot["name"] + ".png")
        args = [plan["chromium"], "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", f"--user-data-dir={profile}", "--virtual-time-budget=4000",
                f"--window-size={shot.get('width', 1280)},{shot.get('height', 1000)}",
                f"--screenshot={path}", bases[shot["site"]] + shot["path"]]
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
        if not os.path.exists(path) or os.path.getsize(path) < 2000:
            raise SystemExit(f"no screenshot for {shot['name']}")
        print(path)
    subprocess.run(["rm", "-rf", profile], check=False)
    for server in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
