/**
 * The part of driver.py (see driver.ts) that sums package layers up from their RECORD files: at
 * install time into FACTS/i/record.json, and for the inspect step from those summaries (or from
 * the layers themselves). Python source, spliced into DRIVER_PY.
 */
export const RECORD_PY = String.raw`def root_path(site, rel):
    """RECORD's path rel (relative to site, both relative to /) as a path below /, or rel itself if it leaves it."""
    parts = [] if rel.startswith("/") else [p for p in site.split("/") if p]
    for p in rel.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if not parts:
                return rel
            parts.pop()
        else:
            parts.append(p)
    return "/".join(parts)


def layer_record(root, site):
    """(bytes RECORD gives sizes for, paths below / it names) of the .dist-info dirs under root/site."""
    import csv
    sp = os.path.join(root, site)
    size, files = 0, set()
    if os.path.isdir(sp):
        for entry in sorted(os.listdir(sp)):
            record = os.path.join(sp, entry, "RECORD")
            if not (entry.endswith(".dist-info") and os.path.isfile(record)):
                continue
            with open(record, encoding="utf-8", errors="replace", newline="") as f:
                for row in csv.reader(f):
                    if not row or not row[0]:
                        continue
                    if len(row) > 2 and row[2].isdigit():
                        size += int(row[2])
                    files.add(root_path(site, row[0]))
    return size, files


def write_facts(facts, layers):
    """FACTS/0/record.json, FACTS/1/record.json, …: what layer_record says of each layer directory."""
    site = sysconfig.get_paths()["purelib"].lstrip("/")
    for i, root in enumerate(layers):
        size, files = layer_record(root, site)
        os.makedirs(os.path.join(facts, str(i)), exist_ok=True)
        with open(os.path.join(facts, str(i), "record.json"), "w") as f:
            json.dump({"site": site, "size": size, "files": sorted(files)}, f, sort_keys=True)


def inspect(out, top, site, ids):
    layers = {}
    for i, ident in enumerate(ids):
        facts = os.path.join(top, str(i), "record.json")
        if os.path.isfile(facts):
            with open(facts) as f:
                got = json.load(f)
            if got.get("site") != site:
                sys.exit("driver: %s was summed up under %s, not %s" % (ident, got.get("site"), site))
            layers[ident] = (got["size"], set(got["files"]))
        else:
            layers[ident] = layer_record(os.path.join(top, str(i)), site)
    seen = {}
    for ident, (_, files) in layers.items():
        for path in files:
            seen[path] = seen.get(path, 0) + 1
    answer = {
        ident: {"size": size, "count": len(files), "shared": sorted(p for p in files if seen[p] > 1)}
        for ident, (size, files) in layers.items()
    }
    with open(os.path.join(out, "layers.json"), "w") as f:
        json.dump(answer, f, sort_keys=True)


`;
