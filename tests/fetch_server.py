#!/usr/bin/env python3
"""fetch_server.py - a small HTTP server on 127.0.0.1 for tests/fetch.sh.

Serves the files of a directory, with byte ranges (so a client can resume),
and can misbehave on purpose:
  --drop N     cut the first response for each file after N bytes
  --no-range   ignore Range headers (always send the whole file)
  --corrupt    send every file with its first byte changed
It writes the port it listens on to the file given by --port-file, and
exits by itself after --lifetime seconds (default 60), so a test that dies
never leaves it running."""
import argparse
import http.server
import os
import re
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--drop", type=int, default=-1)
    ap.add_argument("--no-range", action="store_true")
    ap.add_argument("--corrupt", action="store_true")
    ap.add_argument("--lifetime", type=float, default=60)
    a = ap.parse_args()
    dropped = set()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = os.path.join(a.root, self.path.lstrip("/"))
            if ".." in self.path or not os.path.isfile(path):
                self.send_error(404)
                return
            with open(path, "rb") as f:
                data = f.read()
            if a.corrupt and data:
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            start = 0
            m = re.match(r"bytes=(\d+)-$", self.headers.get("Range", ""))
            if m and not a.no_range:
                start = int(m.group(1))
                if start >= len(data):
                    self.send_error(416)
                    return
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d"
                                 % (start, len(data) - 1, len(data)))
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if a.drop >= 0 and self.path not in dropped:
                dropped.add(self.path)
                self.wfile.write(body[:a.drop])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    threading.Timer(a.lifetime, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
