#!/usr/bin/env python3
"""Reference for jobs/enrich-join: every click enriched with its member's profile, from the input
files of gen/generate.py enrich-join (formats: common.py).

Input: eddy.profiles (compacted; key = memberId, value = JSON profile, null = deleted) and
eddy.clicks (key = memberId, value = JSON click), co-partitioned. Each click gives one record on
eddy.enriched-clicks, key = memberId, value {"memberId", "click", "profile": profile | null}
with the profile the table held when the click was processed. A phase holds one topic only, and
the test driver lets the job finish a phase before it writes the next, so "when the click was
processed" is "after every profile record of the earlier phases". Records of the driver's sync
probes (keys "probe-<partition>") are not compared.
"""

import json

import common


def main():
    args = common.parse_args(__doc__)
    _, phases = common.load(args.input_dir, args.through)
    table = {}
    out = []
    with_profile = 0
    for phase in phases:
        topics = {m["topic"] for m in phase["messages"]}
        if len(topics) > 1:
            raise common.AmbiguousInput("phase %d holds %s" % (phase["index"], sorted(topics)))
        for m in phase["messages"]:
            key = m["key"]
            if m["topic"] == "profiles":
                if m["value"] is None:
                    table.pop(key, None)
                else:
                    table[key] = m["value"]
            elif m["topic"] == "clicks":
                if key is None:
                    continue
                try:
                    click = json.loads(m["value"]) if m["value"] is not None else None
                except ValueError:
                    click = m["value"]
                profile = json.loads(table[key]) if key in table else None
                with_profile += profile is not None
                out.append(common.dumps({"memberId": key, "click": click, "profile": profile}))
    common.emit({
        "last": {},
        "all": {"enriched-clicks": sorted(out)},
        "exclude_key_prefix": {"enriched-clicks": "probe-"},
        "stats": {"clicks": len(out), "with_profile": with_profile,
                  "without_profile": len(out) - with_profile, "profiles": len(table)},
    })


if __name__ == "__main__":
    common.main_guard(main)
