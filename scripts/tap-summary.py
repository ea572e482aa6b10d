#!/usr/bin/env python3
"""Counts test cases across builds and prints "N passed, N failed" as the last line.

Arguments: a file of extra results ("ok NAME" / "fail NAME" lines), then build directories whose
meson-logs/testlog.json hold TAP output, or such JSON logs named directly (a suite run with its
own --logbase, as the vm suite is). A case is identified by test program and case name; it
passes only if it passed (or was skipped) in every build that ran it. A program that crashed or
timed out without reporting its cases counts as one failed case of its own.
"""
import json
import os
import re
import sys

TAP = re.compile(r"^(ok|not ok)\s+\d+\s*(?:-\s*)?(.*?)(\s+#\s*(SKIP|TODO)\b.*)?$", re.I)


def main():
    extra, builds = sys.argv[1], sys.argv[2:]
    cases = {}  # name -> list of outcomes: "pass", "fail", "skip"
    for line in open(extra):
        word, _, name = line.strip().partition(" ")
        if name:
            cases.setdefault(name, []).append("pass" if word == "ok" else "fail")
    for build in builds:
        path = build if build.endswith(".json") else os.path.join(build, "meson-logs", "testlog.json")
        if not os.path.exists(path):
            cases.setdefault(f"{build}: no test log", []).append("fail")
            continue
        for raw in open(path):
            entry = json.loads(raw)
            prog = entry["name"]
            seen = 0
            for out in entry.get("stdout", "").splitlines():
                m = TAP.match(out.strip())
                if not m:
                    continue
                seen += 1
                status = "pass" if m.group(1) == "ok" else "fail"
                if m.group(4) and m.group(4).upper() == "SKIP":
                    status = "skip"
                cases.setdefault(f"{prog}/{m.group(2)}", []).append(status)
            if entry["result"] not in ("OK", "SKIP", "EXPECTEDFAIL"):
                fails = sum(
                    1 for k, v in cases.items() if k.startswith(prog + "/") and "fail" in v
                )
                if seen == 0 or fails == 0:
                    cases.setdefault(f"{prog} ({build}: {entry['result']})", []).append("fail")
    passed = failed = skipped = 0
    for name, outcomes in sorted(cases.items()):
        if "fail" in outcomes:
            failed += 1
            print(f"FAILED: {name}")
        elif all(o == "skip" for o in outcomes):
            skipped += 1
            print(f"skipped: {name}")
        else:
            passed += 1
    print(f"({skipped} skipped, not counted as passed)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
