#!/usr/bin/python3
"""Converts Elle's published transactional histories (jepsen-io/elle, histories/*.edn: one EDN map per
line, Jepsen's vocabulary) into the project's history format (JSON Lines: process, type, f, value,
time), so that the transactional checker (testbed/check/transactions.h) can be held to the verdicts
Elle's own tests assert for them. See README.md here.

  convert.py IN.edn OUT.jsonl

Micro-operations keep their shape: [:append k v] -> ["append", k, v], [:r k nil|[..]] -> ["r", k,
null|[..]], [:w k v] -> ["w", k, v]. Keywords become strings without the colon; :index is dropped (it
is the line order); lines starting with ";" are comments; :nemesis entries (fault injection, not
client operations) are dropped. Standard library only; anything outside
this EDN subset (maps, vectors, keywords, integers, strings, nil, true/false) is a ValueError naming
the line."""
import json
import re
import sys

_TOKEN = re.compile(r'\s*(?:([{}\[\]()])|("(?:[^"\\]|\\.)*")|([^\s,{}\[\]()"]+))')


def _tokens(text, where):
    pos, out = 0, []
    text = text.replace(",", " ")
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"{where}: cannot read EDN at {text[pos:pos + 20]!r}")
        out.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
    return out


def _parse(tokens, i, where):
    t = tokens[i]
    if t in ("{", "[", "("):
        close = {"{": "}", "[": "]", "(": ")"}[t]
        items, i = [], i + 1
        while tokens[i] != close:
            item, i = _parse(tokens, i, where)
            items.append(item)
        if t == "{":
            if len(items) % 2:
                raise ValueError(f"{where}: a map with an odd number of forms")
            return dict(zip(items[::2], items[1::2])), i + 1
        return items, i + 1
    if t.startswith('"'):
        return json.loads(t), i + 1
    if t == "nil":
        return None, i + 1
    if t in ("true", "false"):
        return t == "true", i + 1
    if t.startswith(":"):
        return t[1:], i + 1
    if re.fullmatch(r"-?\d+", t):
        return int(t), i + 1
    raise ValueError(f"{where}: unsupported EDN form {t!r}")


def edn_line(line, where):
    tokens = _tokens(line, where)
    value, end = _parse(tokens, 0, where)
    if end != len(tokens) or not isinstance(value, dict):
        raise ValueError(f"{where}: expected one map per line")
    return value


def convert(lines):
    """Elle EDN history lines -> our events (dicts, in JSON Lines field order)."""
    events = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith(";"):
            continue
        where = f"line {number}"
        m = edn_line(line, where)
        if m.get("process") == "nemesis":
            continue  # fault injection, not a client operation
        if m.get("f") != "txn" or not isinstance(m.get("process"), int) or m.get("type") not in ("invoke", "ok", "fail", "info"):
            raise ValueError(f"{where}: not a client transaction (process, type, f :txn): {line.strip()[:80]}")
        e = {"process": m["process"], "type": m["type"], "f": "txn", "value": m["value"]}
        if "time" in m:
            e["time"] = m["time"]
        events.append(e)
    return events


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        events = convert(f.read().splitlines())
    with open(argv[2], "w", encoding="utf-8") as out:
        for e in events:
            out.write(json.dumps(e, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
