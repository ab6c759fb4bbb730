#!/usr/bin/env python3
"""Local SMTP sink for Hromada development and tests (Python 3 standard library only).

Accepts every message (ESMTP: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, optional AUTH
PLAIN/LOGIN accepting any credentials) and stores each as `<dir>/<timestamp>-<n>.eml` (the raw
bytes) plus one JSON line in `<dir>/index.jsonl`, so a person can read them.

Control API (HTTP/1.1, JSON) on --http-port:
  GET    /health            {"ok": true, ...}
  GET    /messages          [{file, mailFrom, rcptTo, subject, receivedAt, raw}, ...] oldest first;
                            ?to=<address> keeps only messages for that recipient
  DELETE /messages          removes every stored message
  GET    /fault             the current fault setting
  POST   /fault             {"mode": "temporary"|"permanent"|"none", "count": N, "stage": "rcpt"|"data"}
                            the next N transactions (count -1: until reset) are refused at RCPT
                            (default) or after DATA with `451 4.3.0 Temporary failure` or
                            `554 5.7.1 Rejected`.

Port 0 for either port picks a free one; the chosen ports are printed as the first stdout line:
{"smtpPort": ..., "httpPort": ...}. SIGTERM or SIGINT stops the sink (exit 0).
"""

import argparse
import asyncio
import base64
import binascii
import datetime
import email.parser
import email.policy
import json
import os
import signal
import sys
import urllib.parse

MAX_SIZE = 50 * 1024 * 1024
STATE_DEFAULT = os.environ.get("HROMADA_STATE") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), ".hromada")

FAULT_REPLIES = {
    "temporary": b"451 4.3.0 Temporary failure\r\n",
    "permanent": b"554 5.7.1 Rejected\r\n",
}


def log(message):
    stamp = datetime.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def extract_address(argument):
    """`FROM:<a@b> SIZE=1 SMTPUTF8` -> ("a@b", ["SIZE=1", "SMTPUTF8"]); None when malformed."""
    _, sep, rest = argument.partition(":")
    if not sep:
        return None
    rest = rest.strip()
    if rest.startswith("<"):
        end = rest.find(">")
        if end < 0:
            return None
        return rest[1:end], rest[end + 1:].split()
    parts = rest.split()
    if not parts:
        return None
    return parts[0], parts[1:]


class Mailbox:
    """The folder of received messages and the fault setting, shared by all connections."""

    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.counter = 0
        self.fault_mode = "none"
        self.fault_count = 0
        self.fault_stage = "rcpt"
        self.received = 0

    @property
    def index_path(self):
        return os.path.join(self.directory, "index.jsonl")

    def take_fault(self, stage):
        """Returns the reply refusing the current transaction at `stage`, consuming one count."""
        if self.fault_mode not in FAULT_REPLIES or self.fault_stage != stage:
            return None
        if self.fault_count == 0:
            return None
        if self.fault_count > 0:
            self.fault_count -= 1
            reply = FAULT_REPLIES[self.fault_mode]
            if self.fault_count == 0:
                self.fault_mode = "none"
            return reply
        return FAULT_REPLIES[self.fault_mode]  # negative count: until reset

    def store(self, mail_from, rcpt_to, data, auth_user):
        self.counter += 1
        now = datetime.datetime.now(datetime.timezone.utc)
        name = f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{self.counter}.eml"
        path = os.path.join(self.directory, name)
        with open(path, "wb") as handle:
            handle.write(data)
        subject = ""
        try:
            headers = email.parser.BytesParser(policy=email.policy.default).parsebytes(data, headersonly=True)
            subject = str(headers.get("subject", "") or "")
        except Exception:  # a broken header must not lose the message
            subject = ""
        entry = {
            "file": name,
            "mailFrom": mail_from,
            "rcptTo": rcpt_to,
            "receivedAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "subject": subject,
            "size": len(data),
        }
        if auth_user is not None:
            entry["authUser"] = auth_user
        with open(self.index_path, "a", encoding="utf-8") as index:
            index.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.received += 1
        return entry

    def messages(self, recipient=None):
        result = []
        try:
            with open(self.index_path, encoding="utf-8") as index:
                lines = index.readlines()
        except FileNotFoundError:
            return result
        for line in lines:
            line = line.strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if recipient is not None and recipient.lower() not in [r.lower() for r in entry.get("rcptTo", [])]:
                continue
            try:
                with open(os.path.join(self.directory, entry["file"]), "rb") as handle:
                    entry["raw"] = handle.read().decode("utf-8", errors="replace")
            except (OSError, KeyError):
                continue
            result.append(entry)
        return result

    def clear(self):
        removed = 0
        for name in os.listdir(self.directory):
            if name.endswith(".eml") or name == "index.jsonl":
                try:
                    os.remove(os.path.join(self.directory, name))
                    removed += 1 if name.endswith(".eml") else 0
                except FileNotFoundError:
                    pass
        return removed


class SMTPSession:
    def __init__(self, mailbox, reader, writer, require_auth_offer):
        self.mailbox = mailbox
        self.reader = reader
        self.writer = writer
        self.offer_auth = require_auth_offer
        self.auth_user = None
        self.reset()

    def reset(self):
        self.mail_from = None
        self.rcpt_to = []
        self.refused = None  # reply given to every RCPT of a faulted transaction

    async def reply(self, line):
        self.writer.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")
        await self.writer.drain()

    async def read_line(self):
        line = await self.reader.readuntil(b"\n")
        return line

    async def run(self):
        await self.reply("220 localhost Hromada SMTP sink ready")
        while True:
            try:
                raw = await self.read_line()
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            except asyncio.LimitOverrunError:
                await self.reply("500 5.5.2 Line too long")
                return
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                self.reset()
                if verb == "HELO":
                    await self.reply("250 localhost")
                    continue
                features = ["localhost greets " + (argument or "client"), "8BITMIME", "SMTPUTF8",
                            f"SIZE {MAX_SIZE}", "PIPELINING", "ENHANCEDSTATUSCODES"]
                if self.offer_auth:
                    features.append("AUTH PLAIN LOGIN")
                lines = [f"250-{f}" for f in features[:-1]] + [f"250 {features[-1]}"]
                await self.reply("\r\n".join(lines))
            elif verb == "AUTH" and self.offer_auth:
                await self.auth(argument)
            elif verb == "MAIL":
                parsed = extract_address(argument)
                if parsed is None or not argument.upper().startswith("FROM:"):
                    await self.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
                    continue
                address, params = parsed
                size = next((p.split("=", 1)[1] for p in params if p.upper().startswith("SIZE=")), None)
                if size is not None and size.isdigit() and int(size) > MAX_SIZE:
                    await self.reply("552 5.3.4 Message size exceeds fixed limit")
                    continue
                self.reset()
                self.mail_from = address
                await self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                parsed = extract_address(argument)
                if self.mail_from is None:
                    await self.reply("503 5.5.1 Need MAIL first")
                elif parsed is None or not argument.upper().startswith("TO:"):
                    await self.reply("501 5.5.4 Syntax: RCPT TO:<address>")
                else:
                    if self.refused is None and not self.rcpt_to:
                        self.refused = self.mailbox.take_fault("rcpt")
                    if self.refused is not None:
                        log(f"refusing RCPT: {self.refused.decode().strip()}")
                        await self.reply(self.refused)
                    else:
                        self.rcpt_to.append(parsed[0])
                        await self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if self.mail_from is None or not self.rcpt_to:
                    await self.reply("503 5.5.1 Need RCPT first")
                    continue
                await self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = await self.read_data()
                if data is None:
                    return
                if len(data) > MAX_SIZE:
                    await self.reply("552 5.3.4 Message size exceeds fixed limit")
                else:
                    fault = self.mailbox.take_fault("data")
                    if fault is not None:
                        log(f"refusing DATA: {fault.decode().strip()}")
                        await self.reply(fault)
                    else:
                        entry = self.mailbox.store(self.mail_from, list(self.rcpt_to), data, self.auth_user)
                        log(f"stored {entry['file']} ({len(data)} bytes, {len(self.rcpt_to)} recipient(s))")
                        await self.reply(f"250 2.0.0 Ok: queued as {entry['file']}")
                self.reset()
            elif verb == "RSET":
                self.reset()
                await self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                await self.reply("250 2.0.0 Ok")
            elif verb == "VRFY":
                await self.reply("252 2.0.0 Cannot VRFY user")
            elif verb == "QUIT":
                await self.reply("221 2.0.0 Bye")
                return
            elif verb == "":
                await self.reply("500 5.5.2 Empty command")
            else:
                await self.reply("502 5.5.1 Command not implemented")

    async def read_data(self):
        chunks = []
        size = 0
        while True:
            try:
                line = await self.read_line()
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(chunks)
            if line.startswith(b"."):
                line = line[1:]  # dot-unstuffing (RFC 5321 4.5.2)
            size += len(line)
            if size <= MAX_SIZE + 1:
                chunks.append(line)

    async def auth(self, argument):
        mechanism, _, initial = argument.partition(" ")
        mechanism = mechanism.upper()
        try:
            if mechanism == "PLAIN":
                if not initial:
                    await self.reply("334 ")
                    initial = (await self.read_line()).decode().strip()
                if initial == "*":
                    await self.reply("501 5.7.0 Authentication cancelled")
                    return
                fields = base64.b64decode(initial, validate=True).split(b"\0")
                user = fields[1].decode("utf-8", errors="replace") if len(fields) >= 2 else ""
            elif mechanism == "LOGIN":
                if initial:
                    user = base64.b64decode(initial, validate=True).decode("utf-8", errors="replace")
                else:
                    await self.reply("334 VXNlcm5hbWU6")
                    user = base64.b64decode((await self.read_line()).strip(), validate=True).decode("utf-8", errors="replace")
                await self.reply("334 UGFzc3dvcmQ6")
                base64.b64decode((await self.read_line()).strip(), validate=True)
            else:
                await self.reply("504 5.5.4 Unrecognized authentication type")
                return
        except (binascii.Error, ValueError):
            await self.reply("501 5.5.2 Cannot decode response")
            return
        self.auth_user = user
        await self.reply("235 2.7.0 Authentication successful")


class ControlAPI:
    def __init__(self, mailbox, smtp_port_ref):
        self.mailbox = mailbox
        self.smtp_port_ref = smtp_port_ref

    async def handle(self, reader, writer):
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                parts = request_line.decode("latin-1").strip().split()
                if len(parts) < 2:
                    await self.send(writer, 400, {"error": "bad request"}, close=True)
                    return
                method, target = parts[0].upper(), parts[1]
                headers = {}
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or "0")
                body = await reader.readexactly(length) if length > 0 else b""
                close = headers.get("connection", "").lower() == "close" or parts[-1] == "HTTP/1.0"
                status, payload = self.route(method, target, body)
                await self.send(writer, status, payload, close=close)
                if close:
                    return
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            return
        finally:
            writer.close()

    def route(self, method, target, body):
        url = urllib.parse.urlsplit(target)
        query = urllib.parse.parse_qs(url.query)
        path = url.path.rstrip("/") or "/"
        if path == "/health" and method == "GET":
            return 200, {"ok": True, "smtpPort": self.smtp_port_ref[0], "received": self.mailbox.received,
                         "dir": self.mailbox.directory}
        if path == "/messages":
            if method == "GET":
                recipient = query.get("to", [None])[0]
                return 200, self.mailbox.messages(recipient)
            if method == "DELETE":
                return 200, {"deleted": self.mailbox.clear()}
            return 405, {"error": "method not allowed"}
        if path == "/fault":
            if method == "GET":
                return 200, self.fault_state()
            if method == "POST":
                try:
                    request = json.loads(body or b"{}")
                    mode = request.get("mode", "none")
                    count = int(request.get("count", 1))
                    stage = request.get("stage", "rcpt")
                except (ValueError, AttributeError, TypeError):
                    return 400, {"error": "body must be JSON {mode, count, stage}"}
                if mode not in ("temporary", "permanent", "none") or stage not in ("rcpt", "data"):
                    return 400, {"error": "mode must be temporary|permanent|none, stage rcpt|data"}
                self.mailbox.fault_mode = mode
                self.mailbox.fault_count = 0 if mode == "none" else count
                self.mailbox.fault_stage = stage
                log(f"fault set: {self.fault_state()}")
                return 200, self.fault_state()
            return 405, {"error": "method not allowed"}
        return 404, {"error": "not found"}

    def fault_state(self):
        return {"mode": self.mailbox.fault_mode, "count": self.mailbox.fault_count, "stage": self.mailbox.fault_stage}

    @staticmethod
    async def send(writer, status, payload, close):
        reasons = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        head = (f"HTTP/1.1 {status} {reasons.get(status, 'OK')}\r\n"
                f"Content-Type: application/json; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\n"
                f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n")
        writer.write(head.encode("latin-1") + body)
        await writer.drain()


async def main():
    parser = argparse.ArgumentParser(description="Local SMTP sink with a JSON control API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--http-port", type=int, default=2526)
    parser.add_argument("--dir", default=os.path.join(STATE_DEFAULT, "mail"))
    parser.add_argument("--auth", action="store_true", help="advertise AUTH PLAIN LOGIN (any credentials pass)")
    args = parser.parse_args()

    mailbox = Mailbox(os.path.abspath(args.dir))
    smtp_port_ref = [args.smtp_port]

    async def smtp_client(reader, writer):
        session = SMTPSession(mailbox, reader, writer, args.auth)
        try:
            await session.run()
        except Exception as error:  # one broken client must not stop the sink
            log(f"SMTP session error: {type(error).__name__}")
        finally:
            writer.close()

    limit = MAX_SIZE + 1024
    smtp_server = await asyncio.start_server(smtp_client, args.host, args.smtp_port, limit=limit, backlog=512)
    smtp_port_ref[0] = smtp_server.sockets[0].getsockname()[1]
    control = ControlAPI(mailbox, smtp_port_ref)
    http_server = await asyncio.start_server(control.handle, args.host, args.http_port, backlog=512)
    http_port = http_server.sockets[0].getsockname()[1]
    print(json.dumps({"smtpPort": smtp_port_ref[0], "httpPort": http_port}), flush=True)
    log(f"SMTP sink on {args.host}:{smtp_port_ref[0]}, control API on {args.host}:{http_port}, storing in {mailbox.directory}")

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log("stopping")
    smtp_server.close()
    http_server.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as error:
        print(f"smtp-sink: {error}", file=sys.stderr)
        sys.exit(1)
