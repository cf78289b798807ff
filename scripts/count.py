#!/usr/bin/python3
"""Total the results of every suite test.sh ran into one line.

Arguments: meson build dirs (their meson-logs/testlog.json) and pytest
JUnit XML files.  For a Check binary the individual checks are counted
(its "Checks: N, Failures: F, Errors: E" line); a meson test without one
counts as a single test.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

CHECK_RE = re.compile(r"Checks: (\d+), Failures: (\d+), Errors: (\d+)")


def meson_counts(builddir):
    passed = failed = skipped = 0
    path = os.path.join(builddir, "meson-logs", "testlog.json")
    if not os.path.exists(path):
        return 0, 0, 0
    with open(path) as fh:
        for line in fh:
            t = json.loads(line)
            m = CHECK_RE.search(t.get("stdout", "") or "")
            res = t.get("result")
            if m:
                n, f, e = map(int, m.groups())
                failed += f + e
                passed += n - f - e
                if res not in ("OK", "EXPECTEDFAIL") and f + e == 0:
                    failed += 1     # crashed or timed out after its checks
            elif res == "SKIP":
                skipped += 1
            elif res in ("OK", "EXPECTEDFAIL"):
                passed += 1
            else:
                failed += 1
    return passed, failed, skipped


def junit_counts(path):
    if not os.path.exists(path):
        return 0, 1, 0          # the suite did not even report
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    p = f = s = 0
    for su in suites:
        tests = int(su.get("tests", 0))
        fails = int(su.get("failures", 0)) + int(su.get("errors", 0))
        skips = int(su.get("skipped", 0))
        p += tests - fails - skips
        f += fails
        s += skips
    return p, f, s


def main(args):
    tp = tf = ts = 0
    for a in args:
        p, f, s = junit_counts(a) if a.endswith(".xml") else meson_counts(a)
        print(f"  {a}: {p} passed, {f} failed, {s} skipped", file=sys.stderr)
        tp, tf, ts = tp + p, tf + f, ts + s
    print(f"{tp} passed, {tf} failed, {ts} skipped")
    return 1 if tf else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
