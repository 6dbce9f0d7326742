#!/usr/bin/python3
"""Enforces the seam (runtime/env.h): code above it must reach time, randomness, threads, the
network and the simulator only through Env, so that one build runs unchanged on the in-process,
sockets and SimGrid backends and simulated runs stay deterministic.

Scans runtime/, dms/, scenarios/ and testbed/ (C/C++ sources and headers), skipping the backend
code that is allowed to touch the real world (runtime/sockets/, and the testbed pieces that drive
real sockets; sim/ is not scanned at all). Prints one `file:line: rule: source line` per violation
and exits 1 if there is any.

Layering, checked on every file under runtime/ (backends included): the runtime and its backends
include nothing from sim/, testbed/, dms/, scenarios/ or bin/, which all sit above them (the programs
in bin/ and the harnesses in testbed/ compose them, not the other way round).

With --dm-includes, also: a DM's own files (dms/<name>.h/.cc, <name>.h existing) include no other
DM's header; what DMs share lives in dms/support.h (or runtime/, dms/raft/), and only the
registration files (all.*, register_*.cc) and the catalogue see every DM. The ctest and the build
check pass it.

Comments and string literals are blanked before matching (line numbers kept), so prose such as
"never call std::this_thread::sleep_for" in a comment is not a violation.

Usage: check_seam.py [--root DIR] [--exclude REL_PATH ...] [--dm-includes] [--quiet]
"""

import argparse
import pathlib
import re
import sys

SCANNED_DIRS = ("runtime", "dms", "replicated_oms", "scenarios", "testbed")
# Folders and files exempt from the seam rules: the sockets backend, and the testbed's fault timeline
# and per-process fault driver (Asio timers and the wall-clock epoch of a multi-process schedule).
BACKEND_DIRS = ("runtime/sockets", "testbed/fault_timeline.h", "testbed/process_faults.cc")
# Folders runtime/ must not include from (layering; backends included).
ABOVE_RUNTIME = ("sim", "testbed", "dms", "scenarios", "bin")
# dms/ files that register or list every DM, and so may include every DM's header.
# Files in dms/ that are not a DM: registration (sees every DM), what DMs share (support*), and the
# catalogue (renders every descriptor).
DM_REGISTRATION = re.compile(r"^(?:all|register_\w+|support\w*|catalogue)$")
SOURCE_SUFFIXES = {".h", ".hh", ".hpp", ".hxx", ".inl", ".ipp", ".c", ".cc", ".cpp", ".cxx"}

# No identifier character, '.', '>' or ':' right before: a free function (or std::/::-qualified
# call), not a member such as env.sleep_for() or rng->rand().
FREE = r"(?<![\w.>:])(?:(?:std)?::\s*)?"

RULES = [
    ("wall clock", re.compile(r"\b\w*_clock\s*::\s*now\b")),
    ("sleep", re.compile(FREE + r"(?:u|nano)?sleep\s*\(")),
    ("sleep", re.compile(r"\bstd\s*::\s*this_thread\b")),
    ("thread", re.compile(r"\bstd\s*::\s*j?thread\b")),
    ("thread", re.compile(r"\bpthread\w*")),
    ("thread", re.compile(r"\bstd\s*::\s*async\b")),
    ("thread", re.compile(r"#\s*include\s*[<\"]thread[>\"]")),
    ("socket", re.compile(r"#\s*include\s*[<\"]\s*(?:boost/asio|sys/socket|netinet|arpa/inet|netdb)")),
    ("socket", re.compile(r"\bboost\s*::\s*asio\b")),
    ("randomness", re.compile(FREE + r"s?rand\s*\(")),
    ("randomness", re.compile(r"\bstd\s*::\s*random_device\b")),
    ("wall clock", re.compile(FREE + r"time\s*\(\s*(?:nullptr|NULL|0)\s*\)")),
    ("wall clock", re.compile(r"\b(?:gettimeofday|clock_gettime)\s*\(")),
    ("simgrid", re.compile(r"#\s*include\s*[<\"]\s*(?:simgrid|xbt)\b")),
    ("simgrid", re.compile(r"\bsimgrid\s*::")),
]

CONDITIONAL = re.compile(r"^\s*#\s*(?:if|ifdef|ifndef|elif|elifdef|elifndef)\b(.*)$")
# Words (after splitting identifiers at '_', digits and camelCase) that name a backend.
BACKEND_WORDS = {"sim", "simgrid", "simulator", "simulation", "simulated", "socket", "sockets", "asio",
                 "inproc", "backend", "backends"}


QUOTED_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"\n]*)"')
INCLUDE_LINE = re.compile(r'[ \t]*#[ \t]*include[ \t]*(?:<[^>\n]*>|"[^"\n]*")')
RAW_STRING = re.compile(r'R"([^(\s]*)\(')
NUMBER_BEFORE = re.compile(r"[\w']+$")


def _blank(s):
    return re.sub(r"[^\n]", " ", s)


def _literal_end(text, i):
    """End index of the literal or comment starting at text[i], or None if none starts there."""
    n = len(text)
    if text.startswith("//", i):
        end = text.find("\n", i)
        return n if end < 0 else end
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        return n if end < 0 else end + 2
    raw = RAW_STRING.match(text, i)
    if raw and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
        close = text.find(")" + raw.group(1) + '"', raw.end())
        return n if close < 0 else close + len(raw.group(1)) + 2
    quote = text[i]
    if quote not in "\"'":
        return None
    if quote == "'":  # a digit separator (1'000, 0xFF'FF) is not a char literal
        before = NUMBER_BEFORE.search(text, max(0, i - 64), i)
        if before and before.group(0)[0].isdigit():
            return None
    end = i + 1
    while end < n and text[end] not in (quote, "\n"):
        end += 2 if text[end] == "\\" else 1
    return min(end + 1, n)


def blank_comments_and_strings(text):
    """Returns text with comments and string/char literals (raw strings too) replaced by spaces,
    newlines kept so line numbers still match. #include paths are kept: the include rules read
    them."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if i == 0 or text[i - 1] == "\n":
            include = INCLUDE_LINE.match(text, i)
            if include:
                out.append(include.group(0))
                i = include.end()
                continue
        end = _literal_end(text, i)
        if end is None:
            out.append(text[i])
            i += 1
        else:
            out.append(_blank(text[i:end]))
            i = end
    return "".join(out)


def identifier_words(condition):
    words = []
    for ident in re.findall(r"[A-Za-z_]\w*", condition):
        for part in re.split(r"[_\d]+", ident):
            words += [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", part)]
    return words


def check_text(text):
    """Yields (line_number, rule, source_line) for every violation in one file's text."""
    source_lines = text.split("\n")
    for number, line in enumerate(blank_comments_and_strings(text).split("\n"), start=1):
        for rule, pattern in RULES:
            if pattern.search(line):
                yield number, rule, source_lines[number - 1].strip()
        cond = CONDITIONAL.match(line)
        if cond and BACKEND_WORDS.intersection(identifier_words(cond.group(1))):
            yield number, "backend #if", source_lines[number - 1].strip()


def scanned_files(root, excluded):
    excluded_paths = [(root / d).resolve() for d in excluded]
    for top in SCANNED_DIRS:
        for path in source_files(root / top):
            resolved = path.resolve()
            if any(resolved.is_relative_to(e) for e in excluded_paths):
                continue
            yield path


def quoted_includes(text):
    """Yields (line_number, included path) for every #include "..." outside comments."""
    for number, line in enumerate(blank_comments_and_strings(text).split("\n"), start=1):
        include = QUOTED_INCLUDE.match(line)
        if include:
            yield number, include.group(1)


def source_files(folder):
    for path in sorted(folder.rglob("*")):
        if path.suffix in SOURCE_SUFFIXES and path.is_file():
            yield path


def layering_violations(root):
    """runtime/ (every file, backends included) including from a folder above it."""
    violations = []
    for path in source_files(root / "runtime"):
        text = path.read_text(encoding="utf-8", errors="replace")
        source_lines = text.split("\n")
        for number, included in quoted_includes(text):
            top = included.split("/", 1)[0]
            if "/" in included and top in ABOVE_RUNTIME:
                violations.append(f"{path.relative_to(root)}:{number}: layering: {source_lines[number - 1].strip()}")
    return violations


def dm_include_violations(root):
    """A DM's own files (dms/<name>.h/.cc with dms/<name>.h present) including another DM's header."""
    dms = root / "dms"
    if not dms.is_dir():
        return []
    dm_names = {p.stem for p in dms.glob("*.h") if not DM_REGISTRATION.match(p.stem)}
    violations = []
    for path in sorted(dms.glob("*")):
        if path.suffix not in SOURCE_SUFFIXES or path.stem not in dm_names:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        source_lines = text.split("\n")
        for number, included in quoted_includes(text):
            other = re.fullmatch(r"dms/(\w+)\.h", included)
            if other and other.group(1) in dm_names and other.group(1) != path.stem:
                violations.append(f"{path.relative_to(root)}:{number}: DM includes another DM: "
                                  f"{source_lines[number - 1].strip()}")
    return violations


def find_violations(root, excluded=BACKEND_DIRS, dm_includes=False):
    root = pathlib.Path(root)
    violations = []
    for path in scanned_files(root, excluded):
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, rule, source in check_text(text):
            violations.append(f"{path.relative_to(root)}:{number}: {rule}: {source}")
    violations += layering_violations(root)
    if dm_includes:
        violations += dm_include_violations(root)
    return violations


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fails if code above the seam bypasses Env.")
    parser.add_argument("--root", default=pathlib.Path(__file__).resolve().parents[2], type=pathlib.Path,
                        help="project root (default: two levels above this script)")
    parser.add_argument("--exclude", action="append", default=[],
                        help="another backend folder or file to skip, relative to the root (repeatable)")
    parser.add_argument("--dm-includes", action="store_true",
                        help="also fail when a DM's files include another DM's header")
    parser.add_argument("--quiet", action="store_true", help="print nothing when clean")
    args = parser.parse_args(argv)
    if not (args.root / "runtime").is_dir():  # a wrong --root must not pass as "clean"
        print(f"seam check: {args.root} has no runtime/ folder; pass the project root", file=sys.stderr)
        return 2
    violations = find_violations(args.root, BACKEND_DIRS + tuple(args.exclude), dm_includes=args.dm_includes)
    for v in violations:
        print(v)
    if violations:
        print(f"seam check: {len(violations)} violation(s): code above the seam must go through "
              f"Env (runtime/env.h), runtime/ must not include the layers above it"
              + (", a DM includes no other DM" if args.dm_includes else ""), file=sys.stderr)
        return 1
    if not args.quiet:
        print("seam check: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
