#!/usr/bin/env python3
"""Input generators for the examples' exactness tests (tests/integration/examples).

  generate.py EXAMPLE --seed S [--scale N] --out DIR

writes DIR/meta.json and DIR/phase-<k>.jsonl (formats: ../README.md and ../reference/common.py)
for EXAMPLE in wordcount, pageview-counter, sessionize, enrich-join. The same seed gives the same
files. The test driver writes phase 1 before it starts the job when the phase is "prewritten",
the later phases while the job runs, each after the previous phase's "sync" condition held:
  {"type": "reference"}             the job's output equals reference/<example>.py --through k
  {"type": "join-probe", "marker"}  enrich-join's table holds the phase's profiles (probes)
The event-time inputs are shuffled (each event at most D behind the largest event time before it
in its partition, D < the allowed lateness) and designed so that every event's class (counted,
or later than the allowed lateness) and every window's result are the same under any
interleaving of the partitions, any kill -9 and restore (the reference scripts check it):
phase 1 ends on every partition with a "barrier" event at one event time B1; phase 2 holds events
far older than what the job's output proved about the watermark ("too late") and events of
windows that stay open under any interleaving ("late but allowed"); phase 3 is a barrier far
ahead that closes every window but its own.
"""

import argparse
import json
import os
import random

T0 = 1_700_000_000_000


def write(out, meta, phases):
    os.makedirs(out, exist_ok=True)
    meta["phases"] = []
    for i, (msgs, prewritten, sync) in enumerate(phases):
        name = "phase-%d.jsonl" % (i + 1)
        with open(os.path.join(out, name), "w") as f:
            for m in msgs:
                f.write(json.dumps(m, sort_keys=True) + "\n")
        meta["phases"].append({"file": name, "prewritten": prewritten, "sync": sync,
                               "messages": len(msgs)})
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


def msg(topic, partition, key, value):
    return {"topic": topic, "partition": partition, "key": key, "value": value}


def shuffle_bounded(rng, events, delay_ms):
    """Delays each (ts, payload) by up to delay_ms: every event ends up at most delay_ms behind
    the largest event time before it."""
    keyed = [(ts + rng.randrange(delay_ms), i, ts, p) for i, (ts, p) in enumerate(events)]
    keyed.sort()
    return [(ts, p) for _, _, ts, p in keyed]


# wordcount: lines of 1..6 skewed words over 4 partitions, odd spacing included.
def wordcount(rng, scale):
    parts = 4
    vocab = 2000 * scale

    def line():
        ws = []
        for _ in range(rng.randint(1, 6)):
            x = rng.random()
            ws.append("w%d" % int(x * x * vocab))
        sep = "  " if rng.random() < 0.05 else " "
        s = sep.join(ws)
        if rng.random() < 0.03:
            s = " " + s + " "
        return s

    def lines(n):
        return [msg("wordcount-lines", rng.randrange(parts), None, line()) for _ in range(n)]

    meta = {"example": "wordcount", "topics": {"wordcount-lines": parts}, "config": {}}
    n = 5000 * scale
    return meta, [(lines(n), True, {"type": "reference"}),
                  (lines(n), False, {"type": "reference"})]


# pageview-counter: 4 partitions; partition 3 idle (never any data), partition 2 slow (three
# times as many events over the same event-time span, so its event time lags when the
# partitions are read at the same rate).
def pageview_counter(rng, scale, idle_partition=True):
    parts, idle, slow = (4, 3, 2) if idle_partition else (3, None, 2)
    W, L, D = 10000, 5000, 3000
    K = 12
    X = T0 + K * W          # end of the last window phase 1 closes (the probe window)
    B1 = X + 1500           # phase 1's barrier
    B3 = X + 5 * W          # phase 3's barrier
    members = max(20, 40 * scale)
    live = [p for p in range(parts) if p != idle]
    page = [0]

    def view(member, ts):
        page[0] += 1
        return json.dumps({"memberId": member, "pageKey": "page-%d" % page[0], "timestamp": ts})

    per_part = {p: [] for p in live}
    for p in live:
        n = 400 * scale * (3 if p == slow else 1)
        for _ in range(n):
            per_part[p].append((rng.randrange(T0, X - W), rng.randint(1, members)))
    for m in range(1, members + 1):  # every member has an event in the probe window
        per_part[rng.choice(live)].append((rng.randrange(X - W, X), m))
    phase1 = []
    for p in live:
        for ts, m in shuffle_bounded(rng, per_part[p], D):
            phase1.append(msg("pageviews", p, str(m), view(m, ts)))
        phase1.append(msg("pageviews", p, "0", view(0, B1)))  # barrier (member 0)
    phase2 = []
    for _ in range(30 * scale):  # too late: windows ending <= X - W, far below X - L
        m = rng.randint(1, members)
        phase2.append(msg("pageviews", rng.choice(live), str(m),
                          view(m, rng.randrange(T0, X - 2 * W))))
    for _ in range(60 * scale):  # late but allowed: the probe window, end X, X + L > B1
        m = rng.randint(1, members)
        phase2.append(msg("pageviews", rng.choice(live), str(m), view(m, rng.randrange(X - W, X))))
    rng.shuffle(phase2)
    phase3 = [msg("pageviews", p, "0", view(0, B3)) for p in live]
    meta = {"example": "pageview-counter", "topics": {"pageviews": parts},
            "idle_partition": idle, "slow_partition": slow, "margin_ms": 1000,
            "config": {"app.pageview.window.ms": str(W),
                       "app.pageview.allowed.lateness.ms": str(L),
                       "task.watermark.idle.timeout.ms": "3000"}}
    return meta, [(phase1, True, {"type": "reference"}),
                  (phase2, False, {"type": "reference"}),
                  (phase3, False, {"type": "reference"})]


# sessionize: 3 partitions, clicks of each user on any partition; per user 3..5 sessions far
# apart, the last one still open after phase 1.
def sessionize(rng, scale):
    parts = 3
    G, D = 30000, 5000
    X = T0 + 40 * G
    B1 = X + 5000
    B3 = X + 10 * G
    users = ["u%04d" % i for i in range(30 * scale)]
    page = [0]

    def click(user, ts):
        page[0] += 1
        return json.dumps({"user": user, "page": "p%d" % page[0], "timestamp": ts})

    per_part = {p: [] for p in range(parts)}
    too_late, allowed = [], []
    for u in users:
        # The open session: starts in [X - 10 s, X - 8 s], lasts at most 6 s.
        first = rng.randrange(X - 10000, X - 8000)
        sessions = [(first, first + rng.randrange(0, 6000))]
        for _ in range(rng.randint(2, 4)):
            last = sessions[0][0] - 3 * G - rng.randrange(G)
            sessions.insert(0, (last - rng.randrange(0, 15000), last))
        for a, b in sessions:
            ts = sorted([a, b] + [rng.randint(a, b) for _ in range(rng.randint(0, 4))])
            for t in ts:
                per_part[rng.randrange(parts)].append((t, u))
        # Too late: the middle of the gap before the last closed session.
        (a1, b1), (a2, _) = sessions[-3], sessions[-2]
        too_late.append((u, (b1 + a2) // 2))
        # Late but allowed: inside the open session.
        oa, ob = sessions[-1]
        for _ in range(rng.randint(0, 2)):
            allowed.append((u, rng.randint(oa, ob)))
    phase1 = []
    for p in range(parts):
        for ts, u in shuffle_bounded(rng, per_part[p], D):
            phase1.append(msg("clicks", p, u, click(u, ts)))
        phase1.append(msg("clicks", p, "~barrier", click("~barrier", B1)))
    phase2 = [msg("clicks", rng.randrange(parts), u, click(u, t)) for u, t in too_late + allowed]
    rng.shuffle(phase2)
    phase3 = [msg("clicks", p, "~barrier", click("~barrier", B3)) for p in range(parts)]
    meta = {"example": "sessionize", "topics": {"clicks": parts}, "margin_ms": 1000,
            "config": {"app.sessionize.gap.ms": str(G),
                       "app.sessionize.allowed.lateness.ms": "0",
                       "task.watermark.idle.timeout.ms": "3000"}}
    return meta, [(phase1, True, {"type": "reference"}),
                  (phase2, False, {"type": "reference"}),
                  (phase3, False, {"type": "reference"})]


# enrich-join: 2 co-partitioned topics (member i on partition i % 2); profiles, clicks, profile
# updates and deletes, clicks again.
def enrich_join(rng, scale):
    parts = 2
    n = 100 * scale
    members = ["m%d" % i for i in range(n)]

    def part(m):
        return int(m[1:]) % parts

    def profile(m, v):
        return json.dumps({"name": "name-%s" % m, "tier": rng.randint(1, 5), "version": v})

    def probes(marker):
        return [msg("profiles", p, "probe-%d" % p, json.dumps({"probe": marker}))
                for p in range(parts)]

    p1 = [msg("profiles", part(m), m, profile(m, 1)) for m in members if rng.random() < 0.8]
    p1 += probes(1)
    seq = [0]

    def clicks(k):
        out = []
        for _ in range(k):
            m = "m%d" % rng.randrange(n + n // 10)  # some members never have a profile
            seq[0] += 1
            out.append(msg("clicks", part(m), m, json.dumps({"page": "page-%d" % seq[0],
                                                              "seq": seq[0]})))
        return out

    p3 = []
    for m in members:
        r = rng.random()
        if r < 0.3:
            p3.append(msg("profiles", part(m), m, profile(m, 2)))
        elif r < 0.4:
            p3.append(msg("profiles", part(m), m, None))
    p3 += probes(3)
    meta = {"example": "enrich-join", "topics": {"profiles": parts, "clicks": parts},
            "config": {}}
    return meta, [(p1, True, {"type": "join-probe", "marker": 1}),
                  (clicks(5 * n), False, {"type": "reference"}),
                  (p3, False, {"type": "join-probe", "marker": 3}),
                  (clicks(5 * n), False, {"type": "reference"})]


EXAMPLES = {"wordcount": wordcount, "pageview-counter": pageview_counter,
            "sessionize": sessionize, "enrich-join": enrich_join}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("example", choices=sorted(EXAMPLES))
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--scale", type=int, default=1, help="input size multiplier (default 1)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-idle-partition", action="store_true",
                    help="pageview-counter without its idle partition (a diagnostic: tells an "
                         "idle-partition failure from others)")
    a = ap.parse_args()
    if a.scale < 1 or a.scale > 10000:
        ap.error("--scale: %d is not in [1, 10000]" % a.scale)
    rng = random.Random(a.seed)
    if a.example == "pageview-counter":
        meta, phases = pageview_counter(rng, a.scale, not a.no_idle_partition)
    else:
        meta, phases = EXAMPLES[a.example](rng, a.scale)
    meta["seed"] = a.seed
    meta["scale"] = a.scale
    write(a.out, meta, phases)


if __name__ == "__main__":
    main()
