#!/usr/bin/env python3
"""Makes small test wheels and PEP 503 "simple" index trees for the end-to-end tests.

  wheels.py indexes DIR                     DIR/main and DIR/extra, each a static PEP 503 tree
  wheels.py wheel OUTDIR NAME VERSION [--requires SPEC]... [--script NAME=module:func]

Every package is a module named after the project that exposes __version__; a console script,
when asked for, prints "<project> <version>".
"""
import argparse
import base64
import hashlib
import html
import os
import re
import sys
import zipfile


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def module_name(name: str) -> str:
    return re.sub(r"[-.]+", "_", name).lower()


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def make_wheel(outdir: str, name: str, version: str, requires=(), scripts=()) -> str:
    mod = module_name(name)
    dist = f"{mod}-{version}"
    files = {}
    files[f"{mod}/__init__.py"] = (
        f'__version__ = "{version}"\n\n'
        "def main():\n"
        f'    print("{name} {version}")\n'
    ).encode()
    meta = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        "Summary: test package made by wheels.py",
    ]
    meta += [f"Requires-Dist: {r}" for r in requires]
    files[f"{dist}.dist-info/METADATA"] = ("\n".join(meta) + "\n").encode()
    files[f"{dist}.dist-info/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: wheels.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode()
    if scripts:
        entry = "[console_scripts]\n" + "".join(f"{s}\n" for s in scripts)
        files[f"{dist}.dist-info/entry_points.txt"] = entry.encode()
    records = [record_line(p, d) for p, d in files.items()]
    records.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(records) + "\n").encode()

    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, f"{dist}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p, d in files.items():
            info = zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, d)
    return path


def write_index(root: str, wheels: dict) -> None:
    """wheels: project name -> list of wheel paths already placed in root/packages."""
    simple = os.path.join(root, "simple")
    os.makedirs(simple, exist_ok=True)
    links = []
    for project, paths in sorted(wheels.items()):
        norm = normalize(project)
        links.append(f'<a href="{norm}/">{html.escape(project)}</a><br/>')
        pdir = os.path.join(simple, norm)
        os.makedirs(pdir, exist_ok=True)
        entries = []
        for p in paths:
            with open(p, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            fname = os.path.basename(p)
            entries.append(f'<a href="../../packages/{fname}#sha256={digest}">{fname}</a><br/>')
        with open(os.path.join(pdir, "index.html"), "w") as f:
            f.write("<!DOCTYPE html><html><body>\n" + "\n".join(entries) + "\n</body></html>\n")
    with open(os.path.join(simple, "index.html"), "w") as f:
        f.write("<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n")


# The packages the tests rely on. Keep in sync with test/e2e expectations.
MAIN = [
    ("tinyjson", "1.0.0", [], []),
    ("tinyjson", "1.1.0", [], []),
    ("tinyjson", "2.0.0rc1", [], []),
    ("acme-cli", "1.0.0", ["tinyjson>=1.0"], ["acme-cli=acme_cli:main"]),
    ("acme-local", "9.9.9", [], []),
]
# Small filler packages for the build benchmark's large spec.
MAIN += [(f"bench-pkg-{i:02d}", "1.0.0", [], []) for i in range(40)]

EXTRA = [
    ("extraonly", "0.1.0", [], ["extraonly=extraonly:main"]),
]


def build_indexes(root: str) -> None:
    for sub, pkgs in (("main", MAIN), ("extra", EXTRA)):
        base = os.path.join(root, sub)
        wheels = {}
        for name, version, requires, scripts in pkgs:
            path = make_wheel(os.path.join(base, "packages"), name, version, requires, scripts)
            wheels.setdefault(name, []).append(path)
        write_index(base, wheels)


def main(argv) -> int:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    ix = sub.add_parser("indexes")
    ix.add_argument("dir")
    wh = sub.add_parser("wheel")
    wh.add_argument("outdir")
    wh.add_argument("name")
    wh.add_argument("version")
    wh.add_argument("--requires", action="append", default=[])
    wh.add_argument("--script", action="append", default=[])
    args = ap.parse_args(argv)
    if args.cmd == "indexes":
        build_indexes(args.dir)
    else:
        print(make_wheel(args.outdir, args.name, args.version, args.requires, args.script))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
