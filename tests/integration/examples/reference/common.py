"""Shared pieces of the examples' reference scripts (tests/integration/examples/reference).

An example's input is a directory written by gen/generate.py (format: ../README.md):
  meta.json        {"example", "seed", "topics": {name: partitions}, "config": {key: value},
                    "phases": [{"file": "phase-1.jsonl", "prewritten": bool, "sync": ...}, ...]}
  phase-<k>.jsonl  one message a line: {"topic", "partition", "key", "value"} (key and value
                   are strings or null; value is the message's bytes as text)
A reference script reads phases 1..K (--through K, default all) and prints the job's exact
expected output after them as one JSON document:
  {"last": {topic: {key: value}},      last value per key (values in canonical form)
   "all":  {topic: [value, ...]},      every record's value, sorted (a multiset)
   "exclude_key_prefix": {topic: p},   records whose key starts with p are not compared
   "stats": {...}}                     classification counts, for the log
Canonical form of a value: the JSON text json.dumps(v, sort_keys=True, separators=(",", ":"))
when the value parses as JSON, else the value itself (what the test driver does to the job's
output too).
"""

import argparse
import json
import os
import sys


class AmbiguousInput(Exception):
    """The input does not fix the result whatever the interleaving (a generator bug)."""


def canonical(value):
    if value is None:
        return None
    try:
        return json.dumps(json.loads(value), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return value


def dumps(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def parse_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("input_dir", help="directory written by gen/generate.py")
    ap.add_argument("--through", type=int, default=0,
                    help="compute the output after phases 1..K only (default: all)")
    return ap.parse_args()


def load(input_dir, through):
    with open(os.path.join(input_dir, "meta.json")) as f:
        meta = json.load(f)
    phases = meta["phases"]
    if through <= 0 or through > len(phases):
        through = len(phases)
    out = []
    for i, ph in enumerate(phases[:through]):
        msgs = []
        with open(os.path.join(input_dir, ph["file"])) as f:
            for line in f:
                line = line.strip()
                if line:
                    msgs.append(json.loads(line))
        out.append({"index": i + 1, "prewritten": bool(ph.get("prewritten")), "messages": msgs})
    return meta, out


def config_int(meta, key, default):
    v = meta.get("config", {}).get(key)
    return int(v) if v is not None else default


def emit(result):
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


def main_guard(fn):
    try:
        fn()
    except AmbiguousInput as e:
        sys.stderr.write("reference: ambiguous input: %s\n" % e)
        sys.exit(3)
