#!/usr/bin/env python3
"""Benchmark: time from saving one determination to the updated page in the output.

    bench/edit_to_update.py [--bin target/release/casebook] [--site DIR] [--runs 20] [--poll]

Copies the site (default: tests/fixtures/serve/site) into a temp folder, starts
`casebook watch`, then repeatedly rewrites one determination with a fresh token and
measures, for each save, the wall time until the token appears in that determination's
page under public/ (checked every millisecond). Prints the figures; it is a benchmark,
not a test. The time includes the watcher's debounce (30 ms) and the fast path that
writes the saved determination's page first ("updated PATH in N ms"); the "rebuilt in
N ms" lines give the rebuild of everything else that follows. The search index and the exports are
updated right after the pages; the time until they are is printed too.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/casebook"))
    ap.add_argument("--site", default=os.path.join(ROOT, "tests/fixtures/serve/site"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--poll", action="store_true")
    ap.add_argument("--file", help="determination to edit (relative to the site); default: the first")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="casebook-bench-")
    site = os.path.join(tmp, "site")
    shutil.copytree(a.site, site, ignore=shutil.ignore_patterns("public", ".casebook"))
    dets = os.path.join(site, "content/determinations")
    rel = a.file
    if rel is None:
        for dirpath, _, files in sorted(os.walk(dets)):
            md = sorted(f for f in files if f.endswith(".md"))
            if md:
                rel = os.path.relpath(os.path.join(dirpath, md[0]), site)
                break
    path = os.path.join(site, rel)
    original = open(path, encoding="utf-8").read()
    case = re.search(r"^case_number:\s*(\S+)", original, re.M).group(1)
    page = os.path.join(site, "public/determinations", case, "index.html")
    anchor = "## Decision rationale"
    if anchor not in original:
        sys.exit(f"{rel} has no '{anchor}' heading to edit under")
    count = len([1 for _, _, fs in os.walk(dets) for f in fs if f.endswith(".md")])

    args = [a.bin, "watch", "--root", site] + (["--poll"] if a.poll else [])
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    lines = []
    built = threading.Event()
    rebuilt = []
    quick = []
    # (time seen, ms) of each "updated the search index and exports in N ms" line.
    aggregates = []

    def reader():
        for line in proc.stderr:
            lines.append(line.rstrip())
            u = re.match(r"updated the search index and exports in (\d+) ms", line)
            if u:
                aggregates.append((time.perf_counter(), int(u.group(1))))
            q = re.match(r"updated /\S* in (\d+) ms", line)
            if q:
                quick.append(int(q.group(1)))
            m = re.match(r"(re)?built in (\d+) ms", line)
            if m and not m.group(1):
                built.set()
            elif m:
                rebuilt.append(int(m.group(2)))

    threading.Thread(target=reader, daemon=True).start()
    if not built.wait(600):
        proc.kill()
        sys.exit("the first build did not finish:\n" + "\n".join(lines))

    times = []
    settled = []
    try:
        for i in range(a.runs):
            # Letters only: a long number would be redacted as an identifier.
            token = "Benchtoken" + "".join(chr(97 + int(d)) for d in f"{i}{time.time_ns()}")
            text = original.replace(anchor, f"{anchor}\n\n{token}\n", 1)
            t0 = time.perf_counter()
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            deadline = t0 + 60
            while True:
                try:
                    with open(page, encoding="utf-8") as f:
                        if token in f.read():
                            break
                except FileNotFoundError:
                    pass
                if time.perf_counter() > deadline:
                    sys.exit("no update within 60 s:\n" + "\n".join(lines[-20:]))
                time.sleep(0.001)
            times.append((time.perf_counter() - t0) * 1000)
            # Wait for the search index and exports too, so saves do not fold into one
            # rebuild.
            while len(aggregates) <= i:
                if time.perf_counter() > deadline:
                    sys.exit("no search index update within 60 s:\n" + "\n".join(lines[-20:]))
                time.sleep(0.005)
            settled.append((aggregates[i][0] - t0) * 1000)
            time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait()
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
        shutil.rmtree(tmp, ignore_errors=True)

    times.sort()
    p90 = times[int(len(times) * 0.9) - 1] if len(times) >= 10 else times[-1]
    print(f"determinations: {count}  runs: {len(times)}  watcher: {'poll' if a.poll else 'native'}")
    print(f"save → updated page: median {statistics.median(times):.0f} ms, "
          f"min {times[0]:.0f} ms, p90 {p90:.0f} ms, max {times[-1]:.0f} ms")
    if quick:
        print(f"the page alone (fast path, from 'updated PATH in'): median {statistics.median(quick):.0f} ms, "
              f"min {min(quick)} ms, max {max(quick)} ms ({len(quick)} of {len(times)} saves)")
    if rebuilt:
        print(f"rebuild of the rest (from 'rebuilt in'): median {statistics.median(rebuilt):.0f} ms, "
              f"min {min(rebuilt)} ms, max {max(rebuilt)} ms")
    if settled:
        agg = [ms for _, ms in aggregates]
        print(f"save → search index and exports updated too: median {statistics.median(settled):.0f} ms "
              f"(their update alone: median {statistics.median(agg):.0f} ms)")


if __name__ == "__main__":
    main()
