#!/usr/bin/env python3
"""Reference for jobs/wordcount: every word's total over the input lines of
gen/generate.py wordcount (formats: common.py). A line is split on spaces (' ' only; runs of
spaces make no empty words), as jobs/wordcount does; the last value of key <word> in
eddy.wordcount-counts is the total in decimal ASCII.
"""

import common


def words(line):
    return [w for w in line.split(" ") if w]


def main():
    args = common.parse_args(__doc__)
    _, phases = common.load(args.input_dir, args.through)
    totals = {}
    lines = 0
    for phase in phases:
        for m in phase["messages"]:
            if m["topic"] != "wordcount-lines" or m["value"] is None:
                continue
            lines += 1
            for w in words(m["value"]):
                totals[w] = totals.get(w, 0) + 1
    common.emit({
        "last": {"wordcount-counts": {w: str(n) for w, n in totals.items()}},
        "all": {},
        "stats": {"lines": lines, "words": sum(totals.values()), "distinct": len(totals)},
    })


if __name__ == "__main__":
    common.main_guard(main)
