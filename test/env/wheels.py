#!/usr/bin/env python3
"""Makes small test wheels and "simple" index trees for the end-to-end tests.

  wheels.py indexes DIR                     DIR/main and DIR/extra, each an index tree as PyPI serves
                                            it: PEP 503 pages, PEP 691 JSON, PEP 658 .metadata files
                                            (served by index_server.py)
  wheels.py wheel OUTDIR NAME VERSION [--requires SPEC]... [--script NAME=module:func]

Every package is a module named after the project that exposes __version__; a console script,
when asked for, prints "<project> <version>".
"""
import argparse
import base64
import hashlib
import html
import json
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


def make_wheel(outdir: str, name: str, version: str, requires=(), scripts=(), files=None, tag="py3-none-any") -> str:
    """files: path -> text, written instead of the default module (e.g. a namespace package);
    tag: the wheel's tag, e.g. cp311-cp311-manylinux_2_17_x86_64 for one with compiled code."""
    mod = module_name(name)
    dist = f"{mod}-{version}"
    given = files
    files = {}
    if given is None:
        files[f"{mod}/__init__.py"] = (
            f'__version__ = "{version}"\n\n'
            "def main():\n"
            f'    print("{name} {version}")\n'
        ).encode()
    else:
        files.update({p: t.encode() for p, t in given.items()})
    meta = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        "Summary: test package made by wheels.py",
    ]
    meta += [f"Requires-Dist: {r}" for r in requires]
    files[f"{dist}.dist-info/METADATA"] = ("\n".join(meta) + "\n").encode()
    files[f"{dist}.dist-info/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: wheels.py\nRoot-Is-Purelib: {'true' if tag.endswith('-none-any') else 'false'}\nTag: {tag}\n"
    ).encode()
    if scripts:
        entry = "[console_scripts]\n" + "".join(f"{s}\n" for s in scripts)
        files[f"{dist}.dist-info/entry_points.txt"] = entry.encode()
    records = [record_line(p, d) for p, d in files.items()]
    records.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(records) + "\n").encode()

    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, f"{dist}-{tag}.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p, d in files.items():
            info = zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, d)
    return path


SDIST_BACKEND = '''"""A PEP 517 backend in the sdist itself, so building it needs nothing from an index."""
import base64, hashlib, os, zipfile

NAME, VERSION = open(os.path.join(os.path.dirname(__file__), "NAME")).read().split()
MOD = NAME.replace("-", "_")


def _record(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist = "%s-%s" % (MOD, VERSION)
    files = {
        MOD + "/__init__.py": ("__version__ = %r\\nBUILT = True\\n" % VERSION).encode(),
        dist + ".dist-info/METADATA": ("Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (NAME, VERSION)).encode(),
        dist + ".dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: sdist-backend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    rows = [_record(p, d) for p, d in files.items()] + [dist + ".dist-info/RECORD,,"]
    files[dist + ".dist-info/RECORD"] = ("\\n".join(rows) + "\\n").encode()
    name = dist + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for p, d in files.items():
            zf.writestr(p, d)
    return name


def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError
'''


def make_sdist(outdir: str, name: str, version: str) -> str:
    """An sdist (no wheel exists) whose build backend ships inside it."""
    import io
    import tarfile

    base = f"{module_name(name)}-{version}"
    members = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        "NAME": f"{name} {version}\n",
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "sdist_backend"\nbackend-path = ["."]\n',
        "sdist_backend.py": SDIST_BACKEND,
    }
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, f"{base}.tar.gz")
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for rel, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{rel}")
            info.size = len(data)
            info.mtime = 1577836800
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    return path


def wheel_metadata(path: str) -> bytes:
    """The METADATA file of a wheel's own .dist-info directory."""
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(names) != 1:
            raise ValueError(f"{path}: expected one .dist-info/METADATA, found {names}")
        return zf.read(names[0])


def file_version(filename: str) -> str:
    if filename.endswith(".whl"):
        return filename.split("-")[1]
    return filename[: -len(".tar.gz")].rsplit("-", 1)[1]


def describe_file(path: str) -> dict:
    """One file of a project page; a wheel's METADATA is written beside it as <wheel>.metadata (PEP 658)."""
    with open(path, "rb") as f:
        data = f.read()
    entry = {"filename": os.path.basename(path), "hashes": {"sha256": hashlib.sha256(data).hexdigest()}, "size": len(data)}
    if path.endswith(".whl"):
        meta = wheel_metadata(path)
        with open(path + ".metadata", "wb") as f:
            f.write(meta)
        entry["core-metadata"] = {"sha256": hashlib.sha256(meta).hexdigest()}
    return entry


def project_html(files: list) -> str:
    rows = []
    for e in files:
        attrs = f'href="{html.escape(e["url"])}#sha256={e["hashes"]["sha256"]}"'
        if "core-metadata" in e:
            # PEP 714's name and PEP 658's older one, as PyPI serves both.
            meta = f'sha256={e["core-metadata"]["sha256"]}'
            attrs += f' data-core-metadata="{meta}" data-dist-info-metadata="{meta}"'
        rows.append(f'<a {attrs}>{html.escape(e["filename"])}</a><br/>')
    return "<!DOCTYPE html><html><body>\n" + "\n".join(rows) + "\n</body></html>\n"


def project_json(name: str, files: list) -> dict:
    """PEP 691 (API 1.1, PEP 700), with the metadata keys PyPI sends: PEP 714's core-metadata and
    the historical data-dist-info-metadata. Never a dict under dist-info-metadata: pip 22.3-23.1
    (Debian bookworm ships 23.0.1) reads that key as a string and fails (pypa/pip#12042)."""
    out = []
    for e in files:
        e = dict(e)
        if "core-metadata" in e:
            e["data-dist-info-metadata"] = e["core-metadata"]
        out.append(e)
    versions = sorted({file_version(e["filename"]) for e in files})
    return {"meta": {"api-version": "1.1"}, "name": name, "versions": versions, "files": out}


def write_index(root: str, wheels: dict) -> None:
    """wheels: project name -> list of wheel/sdist paths already placed in root/packages.

    Writes simple/<project>/index.html and index.json (PEP 503 and PEP 691 forms of one page) and
    a .metadata file beside each wheel; test/env/index_server.py chooses the form by Accept.
    """
    simple = os.path.join(root, "simple")
    os.makedirs(simple, exist_ok=True)
    projects = []
    for project, paths in sorted(wheels.items()):
        norm = normalize(project)
        projects.append((project, norm))
        pdir = os.path.join(simple, norm)
        os.makedirs(pdir, exist_ok=True)
        files = [dict(describe_file(p), url=f"../../packages/{os.path.basename(p)}") for p in paths]
        with open(os.path.join(pdir, "index.html"), "w") as f:
            f.write(project_html(files))
        with open(os.path.join(pdir, "index.json"), "w") as f:
            json.dump(project_json(norm, files), f, indent=1, sort_keys=True)
    links = [f'<a href="{norm}/">{html.escape(project)}</a><br/>' for project, norm in projects]
    with open(os.path.join(simple, "index.html"), "w") as f:
        f.write("<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n")
    with open(os.path.join(simple, "index.json"), "w") as f:
        json.dump({"meta": {"api-version": "1.1"}, "projects": [{"name": p} for p, _ in projects]}, f, indent=1)


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

# For optimize: a namespace package split over two distributions, two distributions that write
# the same file (the second depends on the first, so it installs last and wins), a project with
# 150 distributions, and one that only exists as an sdist.
FILES = {
    ("ns-alpha", "1.0.0"): {"acmens/alpha/__init__.py": 'NAME = "alpha"\n'},
    ("ns-beta", "1.0.0"): {"acmens/beta/__init__.py": 'NAME = "beta"\n'},
    ("collide-a", "1.0.0"): {"collide_a/__init__.py": "", "collide_shared/data.txt": "from collide-a\n"},
    ("collide-b", "1.0.0"): {"collide_b/__init__.py": "", "collide_shared/data.txt": "from collide-b\n"},
}
MAIN += [("ns-alpha", "1.0.0", [], []), ("ns-beta", "1.0.0", [], [])]
MAIN += [("collide-a", "1.0.0", [], []), ("collide-b", "1.0.0", ["collide-a"], [])]
MAIN += [(f"many-pkg-{i:03d}", "1.0.0", [], []) for i in range(149)]
MAIN += [("many-all", "1.0.0", [f"many-pkg-{i:03d}" for i in range(149)], [])]
SDISTS = [("built-from-sdist", "1.0.0")]
# A wheel with compiled code, as torch or numpy (its tags name an ABI and a platform: one wheel
# per machine the tests build for; the "extension" is a stand-in file), with a light dependency.
NATIVE = [
    ("native-calc", "1.0.0", ["tinyjson>=1.0"], ["native-calc=native_calc:main"], f"cp311-cp311-manylinux_2_17_{arch}")
    for arch in ("x86_64", "aarch64")
]
FILES[("native-calc", "1.0.0")] = {
    "native_calc/__init__.py": '__version__ = "1.0.0"\n\ndef main():\n    print("native-calc 1.0.0")\n',
    "native_calc/_speedups.cpython-311-x86_64-linux-gnu.so": "not really a shared object\n",
}
# For resolving: the newest backtrack-app needs a tinyjson that does not exist, so a resolver reads
# its metadata, rejects it and installs 1.0.0 (with PEP 658 it never needs the 2.0.0 wheel).
MAIN += [("backtrack-app", "1.0.0", ["tinyjson>=1.0"], []), ("backtrack-app", "2.0.0", ["tinyjson>=9"], [])]

EXTRA = [
    ("extraonly", "0.1.0", [], ["extraonly=extraonly:main"]),
]


def build_indexes(root: str) -> None:
    for sub, pkgs in (("main", MAIN), ("extra", EXTRA)):
        base = os.path.join(root, sub)
        wheels = {}
        for name, version, requires, scripts in pkgs:
            path = make_wheel(os.path.join(base, "packages"), name, version, requires, scripts, FILES.get((name, version)))
            wheels.setdefault(name, []).append(path)
        if sub == "main":
            for name, version, requires, scripts, tag in NATIVE:
                path = make_wheel(os.path.join(base, "packages"), name, version, requires, scripts, FILES.get((name, version)), tag)
                wheels.setdefault(name, []).append(path)
            for name, version in SDISTS:
                wheels.setdefault(name, []).append(make_sdist(os.path.join(base, "packages"), name, version))
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
