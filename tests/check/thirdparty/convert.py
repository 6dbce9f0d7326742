#!/usr/bin/python3
"""Converts third-party linearizability test histories into the project's history format (JSON Lines,
Jepsen vocabulary: process, type invoke|ok|fail|info, f, optional key, value), so that our checker can
be held to the verdicts other checkers publish for them (issue 16, section 2).

Formats (one function each):
  etcd          Porcupine's test_data/jepsen/etcd_NNN.log (Jepsen etcd logs)       -> model "register"
  porcupine-kv  Porcupine's test_data/kv/cNN-{ok,bad}.txt (Jepsen-style EDN lines) -> model "kv"
  knossos-cas   Knossos' data/cas-register/{good,bad}/*.edn                        -> model "register"

  convert.py FORMAT IN OUT            one file
  convert.py regenerate PORCUPINE_GIT KNOSSOS_GIT OUTDIR [PORCUPINE_REV KNOSSOS_REV]
                                      every history plus manifest.json, read from git directories (bare
                                      clones) of both repositories at the given revisions (default HEAD),
                                      with the expected verdicts parsed from the upstream tests

Standard library only. Bad input raises ValueError naming the line; nothing is silently skipped except
what the docstrings say (Knossos nemesis entries, which are not client operations)."""
import json
import os
import re
import subprocess
import sys

# ---------------------------------------------------------------------------------------------------
# Jepsen etcd logs (Porcupine test_data/jepsen). Lines: "INFO  jepsen.util - P\t:TYPE\t:F\tVALUE".
# The values are those Porcupine's parseJepsenLog (porcupine_test.go) accepts; anything else is an
# error here rather than skipped.

_ETCD_LINE = re.compile(r"^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$")
_ETCD_CAS = re.compile(r"^\[(-?\d+)\s+(-?\d+)\]$")


def _etcd_value(f, text, where):
    if text == ":timed-out":
        return None
    if f == "read":
        return None if text == "nil" else int(text)
    if f == "write":
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(f"{where}: bad write value {text!r}")
        return int(text)
    m = _ETCD_CAS.match(text)
    if not m:
        raise ValueError(f"{where}: bad cas value {text!r}")
    return [int(m.group(1)), int(m.group(2))]


def etcd_log(lines):
    """Jepsen etcd register log -> events of model "register" (one implicit key).

    :read nil on invoke carries no argument; :ok :read nil means the key was absent (value null).
    cas values are [expected, new]. :fail keeps Jepsen's meaning (did not take effect), :info (timed
    out) is an unknown outcome; both keep the invocation's value and record the reason in "error"."""
    events, pending = [], {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        m = _ETCD_LINE.match(line)
        if not m:
            raise ValueError(f"line {number}: not a Jepsen etcd log line: {line!r}")
        process, kind, f, text = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        where = f"line {number}"
        if kind == "invoke":
            if process in pending:
                raise ValueError(f"{where}: process {process} invokes while its previous operation is open")
            value = _etcd_value(f, text, where)
            pending[process] = (f, value)
            events.append({"process": process, "type": "invoke", "f": f, "value": value})
            continue
        if pending.get(process, (None,))[0] != f:
            raise ValueError(f"{where}: {kind} {f} by process {process} without a matching invoke")
        invoked = pending.pop(process)[1]
        event = {"process": process, "type": kind, "f": f}
        if text == ":timed-out":
            event["value"] = invoked
            event["error"] = "timed-out"
        else:
            event["value"] = _etcd_value(f, text, where)
        events.append(event)
    return events


# ---------------------------------------------------------------------------------------------------
# A small EDN reader: enough for Jepsen/Knossos histories (maps, vectors, lists, sets, keywords,
# strings, integers, floats, nil, booleans, symbols, comments, #_ discard). Keywords become ":name"
# strings so that they survive into JSON recognisably.

class Keyword(str):
    """An EDN keyword, stored without its colon."""


_EDN_DELIMS = set("()[]{}\"; \t\r\n,")


def read_edn_all(text):
    """All top-level EDN forms in text."""
    reader = _EdnReader(text)
    forms = []
    while True:
        reader.skip_space()
        if reader.pos >= len(text):
            return forms
        forms.append(reader.read())


class _EdnReader:
    def __init__(self, text):
        self.text, self.pos = text, 0

    def error(self, what):
        line = self.text.count("\n", 0, self.pos) + 1
        raise ValueError(f"EDN line {line}: {what}")

    def skip_space(self):
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c in " \t\r\n,":
                self.pos += 1
            elif c == ";":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end + 1
            else:
                return

    def read(self):
        self.skip_space()
        if self.pos >= len(self.text):
            self.error("unexpected end of input")
        c = self.text[self.pos]
        if c in "([{":
            self.pos += 1
            items = self.read_until({"(": ")", "[": "]", "{": "}"}[c])
            if c != "{":
                return items
            if len(items) % 2:
                self.error("map with an odd number of forms")
            return {items[i]: items[i + 1] for i in range(0, len(items), 2)}
        if c in ")]}":
            self.error(f"unexpected {c!r}")
        if c == '"':
            return self.read_string()
        if c == "#":
            nxt = self.text[self.pos + 1:self.pos + 2]
            if nxt == "{":
                self.pos += 2
                return frozenset(_hashable(x) for x in self.read_until("}"))
            if nxt == "_":
                self.pos += 2
                self.read()
                return self.read()
            self.error(f"unsupported dispatch #{nxt}")
        return self.read_atom()

    def read_until(self, close):
        items = []
        while True:
            self.skip_space()
            if self.pos >= len(self.text):
                self.error(f"missing {close!r}")
            if self.text[self.pos] == close:
                self.pos += 1
                return items
            items.append(self.read())

    def read_string(self):
        out, i, text = [], self.pos + 1, self.text
        escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "b": "\b", "f": "\f"}
        while i < len(text):
            c = text[i]
            if c == '"':
                self.pos = i + 1
                return "".join(out)
            if c == "\\":
                e = text[i + 1:i + 2]
                if e == "u":
                    out.append(chr(int(text[i + 2:i + 6], 16)))
                    i += 6
                    continue
                if e not in escapes:
                    self.error(f"bad string escape \\{e}")
                out.append(escapes[e])
                i += 2
                continue
            out.append(c)
            i += 1
        self.error("unterminated string")

    def read_atom(self):
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _EDN_DELIMS:
            self.pos += 1
        token = self.text[start:self.pos]
        if token.startswith(":") and len(token) > 1:
            return Keyword(token[1:])
        if token == "nil":
            return None
        if token in ("true", "false"):
            return token == "true"
        if re.fullmatch(r"[+-]?\d+N?", token):
            return int(token.rstrip("N"))
        if re.fullmatch(r"[+-]?(\d+\.\d*|\d*\.\d+|\d+)([eE][+-]?\d+)?M?", token):
            return float(token.rstrip("M"))
        if token:
            return token  # a symbol; no history here relies on them
        self.error(f"unexpected {self.text[self.pos]!r}")


def _hashable(x):
    if isinstance(x, list):
        return tuple(_hashable(i) for i in x)
    if isinstance(x, dict):
        return frozenset((k, _hashable(v)) for k, v in x.items())
    return x


def _json_value(x):
    """EDN data -> JSON data (keywords as ":name" strings, sets as sorted lists)."""
    if isinstance(x, Keyword):
        return ":" + x
    if isinstance(x, (list, tuple)):
        return [_json_value(i) for i in x]
    if isinstance(x, frozenset):
        return sorted((_json_value(i) for i in x), key=json.dumps)
    if isinstance(x, dict):
        return {str(_json_value(k)): _json_value(v) for k, v in x.items()}
    return x


# ---------------------------------------------------------------------------------------------------
# Porcupine kv logs (test_data/kv): one EDN map per line,
# {:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}.

def porcupine_kv(lines):
    """Porcupine's kv logs -> events of model "kv" (get/put/append of strings per key; a get of a key
    never written returns "", as in Porcupine's kvModel)."""
    events, pending = [], {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            forms = read_edn_all(line)
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None
        if len(forms) != 1 or not isinstance(forms[0], dict):
            raise ValueError(f"line {number}: expected one EDN map")
        op = forms[0]
        process, kind, f, key = op.get(Keyword("process")), op.get(Keyword("type")), op.get(Keyword("f")), \
            op.get(Keyword("key"))
        value = op.get(Keyword("value"))
        if not isinstance(process, int) or kind not in ("invoke", "ok") or f not in ("get", "put", "append") \
                or not isinstance(key, str):
            raise ValueError(f"line {number}: not a Porcupine kv operation: {line.strip()!r}")
        if kind == "invoke":
            if process in pending:
                raise ValueError(f"line {number}: process {process} invokes while its previous operation is open")
            pending[process] = (f, key)
            if f == "get" and value is not None:
                raise ValueError(f"line {number}: a get invocation carries a value")
        elif pending.pop(process, None) != (f, key):
            raise ValueError(f"line {number}: {kind} {f} {key!r} by process {process} without a matching invoke")
        if f != "get" or kind == "ok":
            if not isinstance(value, str):
                raise ValueError(f"line {number}: expected a string value")
        events.append({"process": process, "type": str(kind), "f": str(f), "key": key, "value": value})
    return events


# ---------------------------------------------------------------------------------------------------
# Knossos cas-register histories (data/cas-register): one EDN vector or list of operation maps.

KNOSSOS_INITIAL = 0  # core_test.clj test-examples checks every data/cas-register file with (cas-register 0)


def knossos_cas_register(text, initial=KNOSSOS_INITIAL):
    """Knossos cas-register history -> events of model "register" (one implicit key).

    Knossos' semantics are kept exactly (src/knossos/model.clj, src/knossos/history.clj):
    - the register starts at `initial` (test-examples uses (cas-register 0)); our register starts
      absent, so a write of `initial` by a fresh process, completed before anything else, comes first
      (marked "synthetic": true);
    - an :ok :read of nil is unconstrained in Knossos ("we don't know what the read was"), not a read
      of an absent value, so it becomes an "info" completion (result unknown);
    - :fail = did not take effect, :info = unknown, invocations never completed = unknown (as ours);
    - ops of the :nemesis process are not client operations and are dropped."""
    forms = read_edn_all(text)
    if len(forms) != 1 or not isinstance(forms[0], list):
        raise ValueError("expected one EDN vector or list of operations")
    ops = forms[0]
    client = [op for op in ops if isinstance(op, dict) and isinstance(op.get(Keyword("process")), int)]
    processes = {op[Keyword("process")] for op in client}
    events = []
    if initial is not None:
        first = max(processes, default=-1) + 1
        for kind in ("invoke", "ok"):
            events.append({"process": first, "type": kind, "f": "write", "value": initial, "synthetic": True})
    pending = {}
    for index, op in enumerate(ops):
        if not isinstance(op, dict):
            raise ValueError(f"operation {index}: not a map")
        process = op.get(Keyword("process"))
        if process == Keyword("nemesis"):
            continue
        kind, f, value = op.get(Keyword("type")), op.get(Keyword("f")), op.get(Keyword("value"))
        if not isinstance(process, int) or kind not in ("invoke", "ok", "fail", "info") \
                or f not in ("read", "write", "cas"):
            raise ValueError(f"operation {index}: not a cas-register operation: {op!r}")
        if f == "cas" and not (isinstance(value, list) and len(value) == 2):
            raise ValueError(f"operation {index}: a cas value must be [expected new]")
        event = {"process": process, "type": str(kind), "f": str(f), "value": _json_value(value)}
        if kind == "invoke":
            if process in pending:
                raise ValueError(f"operation {index}: process {process} invokes while its previous one is open")
            pending[process] = f
            if f == "read":
                event["value"] = None  # an invocation's read value is the result, filled in by Knossos
        else:
            if pending.get(process) != f:
                raise ValueError(f"operation {index}: {kind} {f} by process {process} without a matching invoke")
            del pending[process]
            if kind == "ok" and f == "read" and value is None:
                event["type"] = "info"
                event["note"] = "Knossos: an ok read of nil is unconstrained"
        if Keyword("error") in op and op[Keyword("error")] is not None:
            event["error"] = json.dumps(_json_value(op[Keyword("error")])) \
                if not isinstance(op[Keyword("error")], str) else op[Keyword("error")]
        events.append(event)
    return events


# ---------------------------------------------------------------------------------------------------

FORMATS = {
    "etcd": (lambda text: etcd_log(text.splitlines()), "register"),
    "porcupine-kv": (lambda text: porcupine_kv(text.splitlines()), "kv"),
    "knossos-cas": (knossos_cas_register, "register"),
}


def write_jsonl(events, path):
    with open(path, "w", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(event) + "\n")


def convert_file(fmt, src, dst):
    with open(src, encoding="utf-8") as f:
        text = f.read()
    events = FORMATS[fmt][0](text)
    write_jsonl(events, dst)
    return events


# ---------------------------------------------------------------------------------------------------
# regenerate: every history of both repositories, with the expected verdicts read from their tests.

PORCUPINE = "anishathalye/porcupine"
KNOSSOS = "jepsen-io/knossos"


def _git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], check=True, capture_output=True,
                          text=True).stdout


def _lines_matching(text, pattern):
    """[(1-based line, match)] of a regex over the lines of text."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        m = re.search(pattern, line)
        if m:
            out.append((number, m))
    return out


def porcupine_entries(gitdir, commit):
    """(name, format, upstream path, expected, verdict reference) for Porcupine's data."""
    test = _git(gitdir, "show", f"{commit}:porcupine_test.go")
    entries = []
    # TestEtcdJepsenNNN: checkJepsen(t, N, true|false); the Benchmark* copies use benchJepsen.
    for line, m in _lines_matching(test, r"^\s*checkJepsen\(t, (\d+), (true|false)\)"):
        path = f"test_data/jepsen/etcd_{int(m.group(1)):03d}.log"
        entries.append((f"porcupine-etcd_{int(m.group(1)):03d}", "etcd", path, m.group(2) == "true",
                        f"porcupine_test.go:{line}"))
    # TestKv*: checkKv(t, "c01-ok", true, partition); the partitioned (kvModel) calls are the reference.
    for line, m in _lines_matching(test, r'^\s*checkKv\(t, "([^"]+)", (true|false), true\)'):
        entries.append((f"porcupine-kv-{m.group(1)}", "porcupine-kv", f"test_data/kv/{m.group(1)}.txt",
                        m.group(2) == "true", f"porcupine_test.go:{line}"))
    return entries


def knossos_entries(gitdir, commit):
    core = _git(gitdir, "show", f"{commit}:test/knossos/core_test.clj")
    # test-examples: every data/<model>/good file is valid, every .../bad file invalid, with
    # (cas-register 0). Cite the model map line and the good/bad directory line.
    model_line = _lines_matching(core, r":cas-register\s+\(model/cas-register 0\)")
    dir_line = _lines_matching(core, r'\(if valid\? "good" "bad"\)')
    if len(model_line) != 1 or len(dir_line) != 1:
        raise ValueError("knossos core_test.clj test-examples changed; re-read it")
    callers = []
    for test in ("test/knossos/wgl_test.clj", "test/knossos/linear_test.clj"):
        for line, _ in _lines_matching(_git(gitdir, "show", f"{commit}:{test}"), r"\(ct/test-examples "):
            callers.append(f"{os.path.basename(test)}:{line}")
    base = f"core_test.clj:{model_line[0][0]},{dir_line[0][0]} (test-examples, run by {', '.join(callers)})"
    # Named tests of single files, cited too (same verdicts, sometimes another initial value).
    named = {}
    for test in ("test/knossos/wgl_test.clj", "test/knossos/linear_test.clj"):
        for line, m in _lines_matching(_git(gitdir, "show", f"{commit}:{test}"), r'"(data/cas-register/[^"]+\.edn)"'):
            named.setdefault(m.group(1), []).append(f"{os.path.basename(test)}:{line}")
    entries = []
    for path in _git(gitdir, "ls-tree", "-r", "--name-only", commit, "data/cas-register").splitlines():
        parts = path.split("/")
        if not path.endswith(".edn") or parts[2] not in ("good", "bad"):
            continue
        ref = base + ("; also " + ", ".join(named[path]) if path in named else "")
        stem = parts[3][:-4]
        entries.append((f"knossos-cas-{parts[2]}-{stem}", "knossos-cas", path, parts[2] == "good", ref))
    return entries


# Files our pytest leaves to the bench script (bench/checker_vs_porcupine.sh): the 50-client kv
# histories are the largest (~2,500 operations on 10 keys, Porcupine skips their unpartitioned
# variant too); everything else is < 1,000 operations.
NOT_IN_TESTS = {"porcupine-kv-c50-ok", "porcupine-kv-c50-bad"}


HISTORIES = "histories"  # the JSON Lines files, next to manifest.json


def regenerate(porcupine_git, knossos_git, outdir, porcupine_rev="HEAD", knossos_rev="HEAD"):
    """Writes OUTDIR/histories/*.jsonl and OUTDIR/manifest.json; returns the manifest."""
    os.makedirs(os.path.join(outdir, HISTORIES), exist_ok=True)
    manifest = []
    for repo, gitdir, rev, collect in ((PORCUPINE, porcupine_git, porcupine_rev, porcupine_entries),
                                       (KNOSSOS, knossos_git, knossos_rev, knossos_entries)):
        commit = _git(gitdir, "rev-parse", "--verify", f"{rev}^{{commit}}").strip()
        for name, fmt, path, valid, ref in collect(gitdir, commit):
            text = _git(gitdir, "show", f"{commit}:{path}")
            events = FORMATS[fmt][0](text)
            file = f"{HISTORIES}/{name}.jsonl"
            write_jsonl(events, os.path.join(outdir, file))
            manifest.append({
                "file": file,
                "source": {"repo": repo, "path": path, "commit": commit},
                "format": fmt,
                "model": FORMATS[fmt][1],
                "expected": "linearizable" if valid else "not linearizable",
                "verdict_ref": ref,
                "operations": sum(1 for e in events if e["type"] == "invoke" and not e.get("synthetic")),
                "in_tests": name not in NOT_IN_TESTS,
            })
    with open(os.path.join(outdir, "manifest.json"), "w", encoding="utf-8") as out:
        json.dump(manifest, out, indent=1)
        out.write("\n")
    return manifest


def main(argv):
    if len(argv) in (4, 6) and argv[0] == "regenerate":
        try:
            manifest = regenerate(*argv[1:])
        except subprocess.CalledProcessError as e:
            print(f"convert.py: error: {' '.join(e.cmd)}: {e.stderr.strip()}", file=sys.stderr)
            return 1
        print(f"{len(manifest)} histories written to {argv[3]}")
        return 0
    if len(argv) != 3 or argv[0] not in FORMATS:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        print(f"usage: convert.py {{{'|'.join(FORMATS)}}} IN OUT | "
              "regenerate PORCUPINE_GIT KNOSSOS_GIT OUTDIR [PORCUPINE_REV KNOSSOS_REV]",
              file=sys.stderr)
        return 2
    try:
        events = convert_file(*argv)
    except (OSError, ValueError) as e:
        print(f"convert.py: error: {argv[1]}: {e}", file=sys.stderr)
        return 1
    print(f"{len(events)} events written to {argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
