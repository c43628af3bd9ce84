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
 *
 *   driver.py inspect OUT DIR SITE -- ID...
 *     for the package layers mounted at DIR/0, DIR/1, … (one per ID), collects the RECORD files
 *     of the .dist-info directories under SITE into OUT/records.json ({ID: [text, …]}), so the
 *     frontend learns what every layer holds from one cached step.
 *
 *   driver.py install NAME REQUESTED -- ARGV...
 *     runs ARGV (an install of NAME alone) and, when REQUESTED is 0, removes the REQUESTED
 *     marker pip writes for every package named on its command line, with its RECORD row: a
 *     dependency installed on its own must look like one installed with the rest.
 *
 * Package names, versions and paths reach it as argv, never through a shell.
 */
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


def unrequest(name):
    dirs = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    for sp in dirs:
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
            if not m or norm(m.group(1)) != norm(name):
                continue
            marker = os.path.join(info, "REQUESTED")
            if not os.path.exists(marker):
                return
            os.remove(marker)
            record = os.path.join(info, "RECORD")
            with open(record, newline="") as f:
                rows = f.read().splitlines(True)
            row = entry + "/REQUESTED,"
            with open(record, "w", newline="") as f:
                f.writelines(r for r in rows if not r.startswith(row) and not r.startswith('"' + row))
            return


def inspect(out, top, site, ids):
    records = {}
    for i, ident in enumerate(ids):
        sp = os.path.join(top, str(i), site)
        texts = []
        if os.path.isdir(sp):
            for entry in sorted(os.listdir(sp)):
                record = os.path.join(sp, entry, "RECORD")
                if entry.endswith(".dist-info") and os.path.isfile(record):
                    with open(record, encoding="utf-8", errors="replace", newline="") as f:
                        texts.append(f.read())
        records[ident] = texts
    with open(os.path.join(out, "records.json"), "w") as f:
        json.dump(records, f)


def install(name, requested, argv):
    p = subprocess.run(argv)
    if p.returncode != 0:
        sys.exit(p.returncode)
    if requested == "0":
        unrequest(name)


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    head, argv = args[:sep], args[sep + 1:]
    if head[0] == "resolve":
        resolve(head[1], head[2], head[3], argv)
    elif head[0] == "inspect":
        inspect(head[1], head[2], head[3], argv)
    elif head[0] == "install":
        install(head[1], head[2], argv)
    else:
        sys.exit("driver: unknown command %r" % head[0])


main()
`;
