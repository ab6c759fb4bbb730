#!/usr/bin/env python3
"""Prints the SMS that Kannel's fakesmsc received, as a phone would show them.

fakesmsc writes each message it gets as a line `Got message N: <from to type [udh] payload>` with
the payload URL-encoded (UCS-2 bytes for Hromada's texts); a two-segment SMS arrives as two `udh`
lines, joined here. Usage: sms-log.py [.hromada/log/fakesmsc.log]
"""
import re
import sys
import urllib.parse

LINE = re.compile(r"Got message \d+: <(.*)>$")


def ucs2(data: bytes) -> str:
    return data.decode("utf-16-be", errors="replace")


def main(path: str) -> None:
    pending = {}
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            match = LINE.search(line.rstrip("\n"))
            if not match:
                continue
            fields = match.group(1).split(" ")
            if len(fields) < 4:
                continue
            sender, receiver, kind = fields[:3]
            if kind in ("ucs-2", "ucs2"):
                print(f"{receiver}: {ucs2(urllib.parse.unquote_to_bytes(' '.join(fields[3:]).replace('+', ' ')))}")
            elif kind == "text":
                print(f"{receiver}: {urllib.parse.unquote_plus(' '.join(fields[3:]))}")
            elif kind == "udh" and len(fields) >= 6:
                udh = urllib.parse.unquote_to_bytes(fields[3])
                if len(udh) < 6 or udh[1] != 0:
                    continue
                key = (sender, receiver, udh[3])
                parts = pending.setdefault(key, {})
                parts[udh[5]] = urllib.parse.unquote_to_bytes(" ".join(fields[5:]).replace("+", " "))
                if len(parts) == udh[4]:
                    text = ucs2(b"".join(parts[i] for i in sorted(parts)))
                    print(f"{receiver}: {text}  ({udh[4]} parts)")
                    del pending[key]


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".hromada/log/fakesmsc.log")
