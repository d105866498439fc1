#!/usr/bin/env python3
"""Reference for jobs/pageview-counter: the exact counts per member per tumbling event-time
window, and the events later than the allowed lateness, from the input files of
gen/generate.py pageview-counter (see common.py for the formats).

Input: eddy.pageviews, JSON {"memberId": int, "pageKey": str, "timestamp": ms}; event time =
"timestamp". Windows [s, s + W), W = app.pageview.window.ms (default 10000), s a multiple of W.
An event is too late when its window's end + app.pageview.allowed.lateness.ms (default 5000) is
at or below the watermark: it goes to eddy.pageview-late (value = the event). A window is emitted
when the watermark passes its end and again on every later event within the lateness, so the
last value of key "<memberId>@<windowStart>" in eddy.pageview-counts is
{"memberId", "windowStart", "windowEnd", "count"} with the window's full count.
"""

import json

import common
import eventtime


def main():
    args = common.parse_args(__doc__)
    meta, phases = common.load(args.input_dir, args.through)
    window = common.config_int(meta, "app.pageview.window.ms", 10000)
    lateness = common.config_int(meta, "app.pageview.allowed.lateness.ms", 5000)
    ooo = common.config_int(meta, "task.watermark.max.out.of.orderness.ms", 0)
    margin = int(meta.get("margin_ms", 1000))
    bounds = eventtime.WatermarkBounds(ooo)
    counts = {}          # (member, start) -> count
    fired = set()        # (member, start) emitted so far
    proven = {}          # member -> the largest end of its emitted windows (a watermark floor)
    late = []
    on_time = 0

    def event_time(m):
        return json.loads(m["value"])["timestamp"]

    for phase in phases:
        msgs = [m for m in phase["messages"] if m["topic"] == "pageviews"]
        highs = bounds.phase_highs(dict(phase, messages=msgs), event_time)
        for m, high in zip(msgs, highs):
            ev = json.loads(m["value"])
            member, ts = ev["memberId"], ev["timestamp"]
            start = ts - ts % window
            low = proven.get(member, eventtime.NEG_INF) if phase["index"] > 1 else eventtime.NEG_INF
            what = "phase %d event %s" % (phase["index"], m["value"])
            if eventtime.classify(start + window + lateness, low, high, margin, what):
                late.append(common.canonical(m["value"]))
            else:
                counts[(member, start)] = counts.get((member, start), 0) + 1
                on_time += 1
        wm = bounds.end_phase(phase["index"])
        for (member, start) in counts:
            if (member, start) in fired:
                continue
            if eventtime.fires(start + window, wm, margin,
                               "window %d@%d after phase %d" % (member, start, phase["index"])):
                fired.add((member, start))
                proven[member] = max(proven.get(member, eventtime.NEG_INF), start + window)

    last = {}
    for (member, start) in sorted(fired):
        last["%d@%d" % (member, start)] = common.dumps({
            "memberId": member, "windowStart": start, "windowEnd": start + window,
            "count": counts[(member, start)]})
    common.emit({
        "last": {"pageview-counts": last},
        "all": {"pageview-late": sorted(late)},
        "stats": {"counted": on_time, "late": len(late), "windows_emitted": len(last),
                  "windows_open": len(counts) - len(fired), "watermark": bounds.watermark},
    })


if __name__ == "__main__":
    common.main_guard(main)
