#!/usr/bin/env python3
"""Writes CODE-MAP.md: one line per source file, taken from the first sentence of the file's
opening comment (or, for a .c file without one, of its header's). Run after adding a file;
CI checks that the map is current."""
import os
import re
import subprocess
import sys

ROOTS = ["common", "proto", "vmbus", "drm_driver", "input_hv", "compositor_shim", "fbcon",
         "hvhost", "demos", "tests", "bench", "fuzz", "scripts"]
EXTS = (".c", ".h", ".py", ".sh")


def first_sentence(path):
    try:
        text = open(path, encoding="utf-8", errors="replace").read(4000)
    except OSError:
        return ""
    m = re.match(r"\s*/\*+\s*(.*?)\*/", text, re.S)
    if not m and path.endswith((".c", ".h")):
        return ""
    if not m:
        m = re.match(r'(?:#![^\n]*\n)?\s*(?:"""(.*?)"""|((?:#[^\n]*\n)+))', text, re.S)
        if not m:
            return ""
        body = m.group(1) or re.sub(r"^#\s?", "", m.group(2), flags=re.M)
    else:
        body = m.group(1)
    body = re.sub(r"^\s*\*\s?", "", body, flags=re.M)
    body = " ".join(body.split())
    s = re.split(r"(?<=[.;])\s", body, maxsplit=1)[0]
    return s if len(s) <= 150 else s[:147].rsplit(" ", 1)[0] + "..." 


def main():
    files = subprocess.run(["git", "ls-files"] + ROOTS, capture_output=True, text=True,
                           check=True).stdout.split()
    files = [f for f in files if f.endswith(EXTS)]
    lines = ["# Code map", "",
             "One line per file, from each file's opening comment (`scripts/code-map.py`).", ""]
    current = None
    for f in sorted(files):
        d = os.path.dirname(f)
        if d != current:
            lines += ["", f"## {d}/", ""]
            current = d
        desc = first_sentence(f)
        if not desc and f.endswith(".c"):
            desc = first_sentence(f[:-2] + ".h")
        lines.append(f"- `{os.path.basename(f)}`: {desc}" if desc else f"- `{os.path.basename(f)}`")
    out = "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        return 0 if os.path.exists("CODE-MAP.md") and open("CODE-MAP.md").read() == out else 1
    open("CODE-MAP.md", "w").write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
