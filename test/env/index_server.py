#!/usr/bin/env python3
"""Serves a package index tree the way PyPI's simple API answers (stdlib only).

  index_server.py DIR PORT [--bind ADDR] [--no-metadata] [--immutable-files] [--log FILE]

DIR holds what wheels.py (or the bench's mirror) writes: simple/<project>/index.html and, beside
it, index.json (PEP 691), and <file>.metadata beside each wheel (PEP 658).
- A project page is chosen by the Accept header (PEP 691): application/vnd.pypi.simple.v1+json
  gets index.json, text/html or application/vnd.pypi.simple.v1+html (or nothing said) index.html;
  `?format=<type>` overrides the header, as on PyPI.
- --no-metadata serves what a plain PEP 503 tree serves: HTML only, without the
  data-dist-info-metadata / data-core-metadata attributes, and no .metadata files (404).
- --immutable-files answers with the cache headers PyPI sends (files immutable, pages fresh for
  ten minutes), so pip's HTTP cache behaves as it does against PyPI.
- Below /no-head/ the same tree is served, but HEAD requests are refused (405): an index that
  says no file's size before it is downloaded.
- Every request is logged as one line "METHOD PATH STATUS" (to --log FILE, else stderr).
PORT 0 takes a free port; the first line on stdout is then "listening on ADDR:PORT".
"""
import argparse
import functools
import http.server
import os
import re
import sys
import threading
import urllib.parse

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPES = ("text/html", "application/vnd.pypi.simple.v1+html")
# The same tree below /no-head/, but HEAD requests refused: an index that tells no file's size
# before it is downloaded.
NO_HEAD = "/no-head/"
METADATA_ATTR = re.compile(r'\s+data-(?:dist-info|core)-metadata="[^"]*"')


def accepted(header):
    """(type, q) pairs of an Accept header, best first; an absent header accepts anything."""
    if not header:
        return [("*/*", 1.0)]
    out = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if fields[0]:
            out.append((fields[0].lower(), q, -i))
    out.sort(key=lambda t: (t[1], t[2]), reverse=True)
    return [(t, q) for t, q, _ in out if q > 0]


def negotiate(header, offers):
    """The offer the client ranks highest; a wildcard gets the first of `offers`, or None."""
    for kind, _ in accepted(header):
        for offer in offers:
            if kind in (offer, "*/*") or (kind.endswith("/*") and offer.startswith(kind[:-1])):
                return offer
    return None


class Handler(http.server.SimpleHTTPRequestHandler):
    metadata = True
    immutable = False
    log_lock = threading.Lock()
    log_file = None

    def send_head(self):
        if self.path.startswith(NO_HEAD):
            if self.command == "HEAD":
                self.send_error(405, "this part of the index answers no HEAD request")
                return None
            self.path = self.path[len(NO_HEAD) - 1:]
        url = urllib.parse.urlsplit(self.path)
        local = self.translate_path(url.path)
        if not self.metadata and url.path.endswith(".metadata"):
            self.send_error(404, "this index serves no metadata files")
            return None
        if os.path.isdir(local) and os.path.isfile(os.path.join(local, "index.html")):
            if not url.path.endswith("/"):
                return super().send_head()  # the redirect to the slashed URL
            return self.send_page(local, url.query)
        return super().send_head()

    def send_page(self, folder, query):
        wanted = urllib.parse.parse_qs(query).get("format", [None])[0] or self.headers.get("Accept")
        has_json = self.metadata and os.path.isfile(os.path.join(folder, "index.json"))
        # HTML first: what PyPI answers to "*/*" (a browser, curl).
        offers = list(HTML_TYPES) + ([JSON_TYPE] if has_json else [])
        kind = negotiate(wanted, offers)
        if kind is None:
            self.send_error(406, "acceptable: " + ", ".join(offers))
            return None
        name = "index.json" if kind == JSON_TYPE else "index.html"
        with open(os.path.join(folder, name), "rb") as f:
            body = f.read()
        if kind != JSON_TYPE and not self.metadata:
            body = METADATA_ATTR.sub("", body.decode("utf-8")).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind == "text/html" else ""))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        self.end_headers()
        return _Body(body)

    def end_headers(self):
        if self.immutable:
            page = self.path.split("?")[0].endswith("/")
            self.send_header("Cache-Control", "max-age=600, public" if page else "max-age=365000000, immutable, public")
        super().end_headers()

    def log_request(self, code="-", size="-"):
        line = "%s %s %s\n" % (self.command, self.path, getattr(code, "value", code))
        with self.log_lock:
            (self.log_file or sys.stderr).write(line)
            (self.log_file or sys.stderr).flush()

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a client opening more connections at once (pip's
    # parallel fetches, the resolve step's HEAD requests) would wait a second for a SYN retry.
    request_queue_size = 128


class _Body:
    """A file-like page body for SimpleHTTPRequestHandler.do_GET's copyfile."""

    def __init__(self, data):
        self.data = data

    def read(self, n=-1):
        out, self.data = (self.data, b"") if n < 0 else (self.data[:n], self.data[n:])
        return out

    def close(self):
        pass


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("port", type=int)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--no-metadata", action="store_true")
    ap.add_argument("--immutable-files", action="store_true")
    ap.add_argument("--log")
    args = ap.parse_args(argv)
    attrs = {"metadata": not args.no_metadata, "immutable": args.immutable_files}
    if args.log:
        attrs["log_file"] = open(args.log, "a", buffering=1)
    handler = functools.partial(type("IndexHandler", (Handler,), attrs), directory=os.path.abspath(args.dir))
    server = Server((args.bind, args.port), handler)
    print("listening on %s:%d" % server.server_address[:2], flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
