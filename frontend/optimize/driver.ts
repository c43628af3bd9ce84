/**
 * The small Python program optimized builds run inside their steps, shipped as a file of the
 * LLB (so its text is part of the cache key, and it never lands in the image):
 *
 *   driver.py resolve OUT PINS CONSTRAIN_INSTALLED -- ARGV...
 *     lists what the environment has (importlib.metadata) into OUT/installed.json, writes
 *     OUT/constraints.txt (the pins of earlier layers, read from PINS, a comma-separated list of
 *     files or "-", plus with CONSTRAIN_INSTALLED=1 what is installed), runs ARGV (the installer's
 *     resolve command, which reads that file) and records its exit status and the end of its
 *     stderr in OUT/status.json. It always exits 0, so the frontend, not the step, decides what a
 *     failed resolve means. OUT/pins-in.txt holds the pins it was given, OUT/pins-out.txt those
 *     plus what this layer installs package by package (what is not already installed at that
 *     version), so the next layer's resolve can run on this one's answer in the same solve.
 *     After a resolve that succeeded, OUT/sizes.json gives the bytes of the wheels it chose
 *     (filename → bytes), as their file says or the index answers a HEAD request within 5 s
 *     (credentials in the wheel's URL go only to its host); what it does not learn is left out.
 *
 *   driver.py venv OUT VENV CLEAR -- ARGV...
 *     makes a venv without pip at VENV (with --clear when CLEAR is 1) and gives it the .dist-info
 *     METADATA of the wheels ensurepip would install there (their files are left out), then
 *     execs ARGV (a resolve command run by VENV's python): a resolve step can run beside the real
 *     venv's making and see what it will hold. If that cannot be done (ensurepip does not say
 *     which wheels it installs), it says so in OUT/status.json as a failed resolve would.
 *
 *   driver.py inspect OUT DIR SITE -- ID...
 *     for what is mounted at DIR/0, DIR/1, … (one per ID): the summary its install step wrote
 *     (record.json, see FACTS below), or else the package layer itself, whose RECORD files of the
 *     .dist-info directories under SITE it reads; writes OUT/layers.json: for each ID the bytes
 *     RECORD gives sizes for, how many files it names, and which of them another of the layers
 *     also writes (paths below /). The answer stays small however big the layers are, and with
 *     the summaries mounted no layer is: a builder that took the install steps from a registry
 *     cache pulls a few kB, not torch.
 *
 *   driver.py install NAME REQUESTED -- ARGV...
 *     runs ARGV (an install of NAME alone) and, when REQUESTED is 0, removes the REQUESTED
 *     marker pip writes for every package named on its command line, with its RECORD row: a
 *     dependency installed on its own must look like one installed with the rest.
 *
 *   driver.py install-into OUT FACTS NAME REQUESTED PIN -- ARGV...
 *     writes PIN (a requirements line: name==version and its hashes) to a requirements file in a
 *     temporary directory and runs ARGV -r FILE, an install of NAME alone into the directory OUT
 *     (pip's --root OUT), so its files are written once, straight into its layer (no move out of
 *     the environment: for torch that is a second copy of a gigabyte); then treats REQUESTED as
 *     install does and sets every file time below OUT to 0. FACTS/0/record.json then sums the
 *     layer up as inspect reads it: the RECORD sizes and the paths below / its RECORD names.
 *
 *   driver.py install-group OUT FACTS REINSTALL NAME REQUESTED PIN SLOT [NAME REQUESTED PIN SLOT …] -- ARGV...
 *     runs ARGV -r FILE (one install of the whole group, from a requirements file it writes, one
 *     PIN line per NAME in order); members that write the same file are then installed again one by
 *     one in that order (ARGV on a file of that one line, plus REINSTALL, the installer's
 *     reinstall flag), so the file ends as the last one leaves it; then it moves what each distribution wrote
 *     (the files its RECORD names, and the bytecode beside them) out of the environment into
 *     OUT/SLOT (at the same absolute paths; slots are 0, 1, … and members may share one), with
 *     every file time set to 0: each directory is a layer, as if its members had been installed
 *     alone. A file the install wrote that no RECORD names fails the step (unless the group has
 *     one member), so nothing is silently left out of a layer. FACTS/0, FACTS/1, … sum each slot's
 *     layer up as install-into does.
 *
 * Package names, versions, pins and paths reach it as argv, never through a shell. The pins come
 * as argv rather than as a file of the build so that an install step needs no file op before it.
 */
import { RECORD_PY } from "./driver-record.js";

export const DRIVER_PY = String.raw`import json, os, re, subprocess, sys, sysconfig
from importlib import metadata


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def installed():
    out = {}
    for d in metadata.distributions():
        name = d.metadata["Name"]
        if name and norm(name) not in out:
            out[norm(name)] = d.version
    return out


def pin_key(line):
    return norm(line.split("==", 1)[0])


def write_lines(path, lines):
    with open(path, "w") as f:
        f.write("".join(l + "\n" for l in lines))


def resolved(out):
    """(name, version) of what the resolve chose: pip's report, or uv's pylock.toml."""
    report = os.path.join(out, "report.json")
    if os.path.exists(report):
        with open(report, encoding="utf-8") as f:
            items = json.load(f).get("install", [])
        return [(i["metadata"]["name"], i["metadata"]["version"]) for i in items if "metadata" in i]
    lock = os.path.join(out, "pylock.toml")
    if not os.path.exists(lock):
        return []
    with open(lock, encoding="utf-8") as f:
        text = f.read()
    try:
        import tomllib
        return [(p["name"], p.get("version", "")) for p in tomllib.loads(text).get("packages", [])]
    except ImportError:
        # Before Python 3.11: uv writes each package's name and version as plain lines of its table.
        got = []
        for table in re.split(r"^\[\[packages\]\]\s*$", text, flags=re.M)[1:]:
            name = re.search(r'^name = "([^"]+)"', table, re.M)
            version = re.search(r'^version = "([^"]+)"', table, re.M)
            if name:
                got.append((name.group(1), version.group(1) if version else ""))
        return got


def ensurepip_wheels():
    """The wheel files "python -m venv" has ensurepip install here (pip, and before 3.12 setuptools), or None if this Python does not say."""
    try:
        import ensurepip
        bundled = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
        path = lambda p: p.wheel_path or os.path.join(bundled, p.wheel_name)
        if hasattr(ensurepip, "_get_packages"):  # 3.9 to 3.11, and Debian's (wheels in /usr/share/python-wheels)
            wheels = [path(p) for p in ensurepip._get_packages().values()]
        elif hasattr(ensurepip, "_get_pip_whl_path_ctx"):  # 3.12 and later: pip alone
            with ensurepip._get_pip_whl_path_ctx() as wheel:
                wheels = [str(wheel)]  # a file of the standard library, there after the context
        else:
            return None
    except Exception:
        return None
    return wheels if wheels and all(w and os.path.isfile(w) for w in wheels) else None


def seed_like_ensurepip(python, wheels):
    """Gives the venv of PYTHON the .dist-info (METADATA) of what ensurepip installs, without their files: enough for a resolver."""
    import zipfile
    site = subprocess.run([python, "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as z:
            meta = [n for n in z.namelist() if re.match(r"^[^/]+\.dist-info/METADATA$", n)]
            if len(meta) != 1:
                raise ValueError("%s has no single .dist-info/METADATA" % wheel)
            info = os.path.join(site, meta[0].split("/", 1)[0])
            os.makedirs(info)
            with open(os.path.join(info, "METADATA"), "wb") as f:
                f.write(z.read(meta[0]))
            write_lines(os.path.join(info, "INSTALLER"), ["pip"])
            write_lines(os.path.join(info, "RECORD"), [])


def venv_then(out, venv, clear, argv):
    """Makes a venv at VENV as the real one is made (--clear and all) but with only the metadata of what ensurepip puts in it, then becomes ARGV."""
    def failed(code, why):
        sys.stderr.write(why)
        write_lines(os.path.join(out, "pins-in.txt"), [])
        with open(os.path.join(out, "status.json"), "w") as f:
            json.dump({"exit": code, "stderr": "making a venv to resolve in failed: " + why[-3000:]}, f)
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip"] + (["--clear"] if clear == "1" else []) + [venv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if made.returncode != 0:
        return failed(made.returncode, made.stderr.decode("utf-8", "replace"))
    wheels = ensurepip_wheels()
    if wheels is None:
        return failed(1, "this Python's ensurepip does not say which wheels it installs\n")
    try:
        seed_like_ensurepip(os.path.join(venv, "bin", "python"), wheels)
    except Exception as e:
        return failed(1, "reading what ensurepip installs: %s\n" % e)
    os.execv(argv[0], argv)


def resolve(out, pins, constrain_installed, argv):
    have = installed()
    with open(os.path.join(out, "installed.json"), "w") as f:
        json.dump(have, f, sort_keys=True)
    lines = []
    for path in ([] if pins == "-" else pins.split(",")):
        with open(path) as f:
            lines += [l.strip() for l in f if l.strip()]
    lines = sorted(set(lines))
    write_lines(os.path.join(out, "pins-in.txt"), lines)
    given = list(lines)
    if constrain_installed == "1":
        lines += ["%s==%s" % (n, v) for n, v in sorted(have.items())]
    with open(os.path.join(out, "constraints.txt"), "w") as f:
        f.write("".join(l + "\n" for l in lines))
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.decode("utf-8", "replace")
    sys.stderr.write(err)
    with open(os.path.join(out, "status.json"), "w") as f:
        json.dump({"exit": p.returncode, "stderr": err[-4000:]}, f)
    pinned = [l for l in given if "==" in l]
    keys = {pin_key(l) for l in pinned}
    if p.returncode == 0:
        for name, version in resolved(out):
            if norm(name) in keys or have.get(norm(name)) == version:
                continue
            keys.add(norm(name))
            pinned.append("%s==%s" % (name, version))
    write_lines(os.path.join(out, "pins-out.txt"), sorted(pinned))
    if p.returncode == 0:
        with open(os.path.join(out, "sizes.json"), "w") as f:
            json.dump(wheel_sizes(out), f, sort_keys=True)


WHEEL = re.compile(r"\.whl$")


def url_path(url):
    """A URL without its query and fragment."""
    return url.split("#", 1)[0].split("?", 1)[0]


def wheel_urls(out):
    """Where the wheels the resolve chose come from (their sizes say which are small enough to share a layer)."""
    urls = []
    report = os.path.join(out, "report.json")
    lock = os.path.join(out, "pylock.toml")
    if os.path.exists(report):
        with open(report, encoding="utf-8") as f:
            urls = [(i.get("download_info") or {}).get("url") or "" for i in json.load(f).get("install", [])]
    elif os.path.exists(lock):
        with open(lock, encoding="utf-8") as f:
            urls = re.findall(r'\burl = "([^"]+)"', f.read())
    return sorted({u for u in urls if WHEEL.search(url_path(u))})


def wheel_size(url, deadline):
    """A wheel's bytes: the file's size, or the index's answer to HEAD (None when it gives none)."""
    import base64, time, urllib.request
    from urllib.parse import unquote, urlsplit, urlunsplit
    parts = urlsplit(url)
    if parts.scheme == "file":
        return os.stat(unquote(parts.path)).st_size
    if parts.scheme not in ("http", "https"):
        return None
    req = urllib.request.Request(urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2], fragment="")), method="HEAD")
    if parts.username is not None:
        token = "%s:%s" % (unquote(parts.username), unquote(parts.password or ""))
        # Not sent on to wherever the index redirects.
        req.add_unredirected_header("Authorization", "Basic " + base64.b64encode(token.encode()).decode())
    for _ in range(2):
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            with urllib.request.urlopen(req, timeout=min(left, 3)) as r:
                n = r.headers.get("Content-Length", "")
                return int(n) if n.isdigit() else None
        except Exception:
            continue
    return None


def wheel_sizes(out):
    """{filename: bytes} of the wheels the resolve chose, as far as they are known in 5 s."""
    import time
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import unquote
    urls = wheel_urls(out)
    deadline = time.monotonic() + 5
    sizes = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for url, size in zip(urls, pool.map(lambda u: wheel_size(u, deadline), urls)):
            if size is not None:
                sizes[unquote(url_path(url).rsplit("/", 1)[-1])] = size
    return sizes


def dist_info(name, root=""):
    """The .dist-info directory of NAME in the environment's site directories (below root), or None."""
    dirs = {root + sysconfig.get_paths()["purelib"], root + sysconfig.get_paths()["platlib"]}
    for sp in sorted(dirs):
        if not os.path.isdir(sp):
            continue
        for entry in sorted(os.listdir(sp)):
            if not entry.endswith(".dist-info"):
                continue
            info = os.path.join(sp, entry)
            try:
                with open(os.path.join(info, "METADATA"), encoding="utf-8") as f:
                    meta = f.read().split("\n\n", 1)[0]
            except OSError:
                continue
            m = re.search(r"^Name:\s*(.+?)\s*$", meta, re.M)
            if m and norm(m.group(1)) == norm(name):
                return info
    return None


def unrequest(name, root=""):
    info = dist_info(name, root)
    marker = info and os.path.join(info, "REQUESTED")
    if not marker or not os.path.exists(marker):
        return
    os.remove(marker)
    record = os.path.join(info, "RECORD")
    with open(record, newline="") as f:
        rows = f.read().splitlines(True)
    row = os.path.basename(info) + "/REQUESTED,"
    with open(record, "w", newline="") as f:
        f.writelines(r for r in rows if not r.startswith(row) and not r.startswith('"' + row))


${RECORD_PY}def install(name, requested, argv):
    p = subprocess.run(argv)
    if p.returncode != 0:
        sys.exit(p.returncode)
    if requested == "0":
        unrequest(name)


def record_paths(info):
    """Absolute, normalized paths of what RECORD names (relative to the site directory holding it)."""
    import csv
    site = os.path.dirname(info)
    with open(os.path.join(info, "RECORD"), encoding="utf-8", newline="") as f:
        return {os.path.normpath(os.path.join(site, row[0])) for row in csv.reader(f) if row}


def files_under(top):
    """{path: (size, mtime_ns, inode)} of the files and links under top."""
    out = {}
    for root, dirs, files in os.walk(top):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            st = os.lstat(path)
            out[path] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def owner_of(path, owners):
    """The member that wrote path: its RECORD names it, or the source of a bytecode file."""
    if path in owners:
        return owners[path]
    parent, name = os.path.split(path)
    if os.path.basename(parent) == "__pycache__" and name.endswith(".pyc"):
        source = os.path.join(os.path.dirname(parent), name.split(".", 1)[0] + ".py")
        return owners.get(source)
    return None


def place(path, dest, keep):
    """Moves (or, with keep, copies) path to dest, creating dest's parents with the source's modes."""
    import shutil
    parent = os.path.dirname(dest)
    missing = []
    src_parent = os.path.dirname(path)
    while not os.path.isdir(parent):
        missing.append((parent, src_parent))
        parent, src_parent = os.path.dirname(parent), os.path.dirname(src_parent)
    for d, s in reversed(missing):
        os.mkdir(d)
        shutil.copymode(s, d)
    if os.path.islink(path):
        os.symlink(os.readlink(path), dest)
        if not keep:
            os.remove(path)
    elif keep:
        shutil.copy2(path, dest)
    else:
        shutil.move(path, dest)


def zero_times(top):
    for root, dirs, files in os.walk(top, topdown=False):
        for name in files + dirs:
            os.utime(os.path.join(root, name), ns=(0, 0), follow_symlinks=False)
    os.utime(top, ns=(0, 0))


def group_owners(members):
    """{path: [member index, …]} of every file the members' RECORDs name."""
    owners = {}
    for i, (name, _) in enumerate(members):
        info = dist_info(name)
        if info is None:
            sys.exit("driver: the install left no .dist-info for %s" % name)
        for path in record_paths(info):
            owners.setdefault(path, []).append(i)
    return owners


def reinstall_in_order(members, owners, reinstall, argv):
    """One run installs in the installer's order; the image merges the layers in ours (members'
    order). Members that write the same file are installed again one by one in ours, so the file
    ends as the last of them leaves it, as one install of everything leaves it."""
    clashing = sorted({i for got in owners.values() if len(got) > 1 for i in got})
    if not clashing:
        return
    at = argv.index("-r") + 1
    with open(argv[at]) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    for i in clashing:
        one = os.path.join(os.environ.get("TMPDIR", "/tmp"), "imagespec-one-requirement.txt")
        with open(one, "w") as f:
            f.write(lines[i] + "\n")
        p = subprocess.run(argv[:at] + [one] + argv[at + 1:] + [reinstall])
        if p.returncode != 0:
            sys.exit(p.returncode)


def with_requirements(argv, pins):
    """ARGV -r FILE, FILE a new requirements file holding the pins, one per line."""
    import tempfile
    path = os.path.join(tempfile.mkdtemp(prefix="imagespec-"), "requirements.txt")
    write_lines(path, pins)
    return argv + ["-r", path]


def install_group(out, facts, reinstall, members, argv):
    """members: (name, requested, slot); each member's files go to OUT/slot."""
    prefix = sys.prefix
    before = files_under(prefix)
    p = subprocess.run(argv)
    if p.returncode != 0:
        sys.exit(p.returncode)
    named = [(name, requested) for name, requested, _ in members]
    reinstall_in_order(named, group_owners(named), reinstall, argv)
    for name, requested, _ in members:
        if requested == "0":
            unrequest(name)
    owners = group_owners(named)
    after = files_under(prefix)
    written = sorted(p for p, st in after.items() if before.get(p) != st)
    for path in sorted(set(owners) - set(written)):
        if os.path.lexists(path) and not path.startswith(prefix + os.sep):
            written.append(path)
    unowned = []
    for path in written:
        got = owner_of(path, owners)
        if got is None:
            if len(members) > 1:
                unowned.append(path)
                continue
            got = [0]
        slots = sorted({members[i][2] for i in got})
        for n, slot in enumerate(slots):
            place(path, os.path.join(out, slot) + path, keep=n < len(slots) - 1)
    if unowned:
        sys.exit("driver: no RECORD of %s names %s" % (", ".join(n for n, _, _ in members), ", ".join(unowned[:5])))
    dirs = sorted({slot for _, _, slot in members}, key=int)
    for slot in dirs:
        zero_times(os.path.join(out, slot))
    write_facts(facts, [os.path.join(out, slot) for slot in dirs])


def install_into(out, facts, name, requested, argv):
    """ARGV installs NAME below OUT (pip's --root): its files land in its layer, never copied."""
    p = subprocess.run(argv)
    if p.returncode != 0:
        sys.exit(p.returncode)
    if dist_info(name, out) is None:
        sys.exit("driver: the install left no .dist-info for %s below %s" % (name, out))
    if requested == "0":
        unrequest(name, out)
    zero_times(out)
    write_facts(facts, [out])


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    head, argv = args[:sep], args[sep + 1:]
    if head[0] == "resolve":
        resolve(head[1], head[2], head[3], argv)
    elif head[0] == "venv":
        venv_then(head[1], head[2], head[3], argv)
    elif head[0] == "inspect":
        inspect(head[1], head[2], head[3], argv)
    elif head[0] == "install":
        install(head[1], head[2], argv)
    elif head[0] == "install-into":
        install_into(head[1], head[2], head[3], head[4], with_requirements(argv, [head[5]]))
    elif head[0] == "install-group":
        rest = head[4:]
        quads = [rest[k:k + 4] for k in range(0, len(rest), 4)]
        argv = with_requirements(argv, [pin for _, _, pin, _ in quads])
        install_group(head[1], head[2], head[3], [(name, requested, slot) for name, requested, _, slot in quads], argv)
    else:
        sys.exit("driver: unknown command %r" % head[0])


main()
`;
