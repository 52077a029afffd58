#!/usr/bin/env python3
"""Finds code that would not compile on macOS (issue 14). Every C library call lives in Sources/Platform,
behind `#if canImport(Glibc) ... #elseif canImport(Darwin) ... #endif`; so:
- outside Sources/Platform, no file imports Glibc or Darwin or names `Glibc.` / `Darwin.`, nor uses the C
  spellings whose types or names differ between the two (O_* flags, mode_t, S_IF*, errno constants, stat fields);
- inside it, every `Glibc.` / `Darwin.` sits in an `#if` branch naming that module;
- nowhere, outside a `canImport(Glibc)` branch, a Linux-only spelling (st_mtim, fdatasync, SOCK_STREAM.rawValue,
  epoll, inotify, MSG_NOSIGNAL, O_PATH, /proc/).
Prints each offender as path:line: reason; exits 1 if there is any."""
import pathlib
import re
import sys

LINUX_ONLY = [r"\bst_[amc]tim\b", r"\bfdatasync\b", r"\bSOCK_(STREAM|DGRAM)\.rawValue", r"\bepoll_", r"\binotify_",
              r"\bMSG_NOSIGNAL\b", r"\bO_PATH\b", r"\bO_TMPFILE\b", r'"/proc/']
OUTSIDE_PLATFORM = [(r"^\s*import (Glibc|Darwin)\b", "imports the C library directly; use the Platform module"),
                    (r"\b(Glibc|Darwin)\.", "names the C library; use the Platform module"),
                    (r"\bO_[A-Z]+\b", "uses an O_* flag (its type differs between Linux and macOS); use the Platform module"),
                    (r"\bmode_t\b", "uses mode_t (UInt32 on Linux, UInt16 on macOS); use UInt32 and the Platform module"),
                    (r"\bS_IF[A-Z]+\b", "uses an S_IF* constant; use Platform.info"),
                    (r"\b(stat|lstat|flock|fsync|ftruncate|pwrite|opendir|readdir|usleep|isatty|strerror)\(", "calls the C library; use the Platform module")]


def code_lines(text):
    """(line number, line, the #if conditions in force) for every line that is not a comment."""
    stack = []
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("#if "):
            stack.append(s[4:])
        elif s.startswith("#elseif "):
            stack[-1:] = [s[8:]]
        elif s.startswith("#else"):
            stack[-1:] = ["else"]
        elif s.startswith("#endif"):
            if stack:
                stack.pop()
        elif not s.startswith("//") and not s.startswith("///"):
            yield n, re.sub(r'//.*$', "", line) if '"' not in line else line, list(stack)


def check(root: pathlib.Path):
    bad = []
    for f in sorted(root.rglob("*.swift")):
        text = f.read_text(errors="replace")
        in_platform = "Platform" in f.relative_to(root).parts[:1]
        for n, line, stack in code_lines(text):
            for module in ("Glibc", "Darwin"):
                if re.search(rf"\b{module}\.", line) and not any(module in c for c in stack):
                    bad.append(f"{f}:{n}: {module}. outside an #if that names {module}")
            if not any("canImport(Glibc)" in c for c in stack):
                for pattern in LINUX_ONLY:
                    if re.search(pattern, line):
                        bad.append(f"{f}:{n}: Linux-only spelling {pattern!r}")
            if not in_platform:
                for pattern, reason in OUTSIDE_PLATFORM:
                    if re.search(pattern, line):
                        bad.append(f"{f}:{n}: {reason}")
    return bad


if __name__ == "__main__":
    problems = check(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "Sources"))
    for p in problems:
        print(p)
    if problems:
        print(f"*** {len(problems)} place(s) a Mac cannot build (Scripts/platform_check.py) ***")
    sys.exit(1 if problems else 0)
