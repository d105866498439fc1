#!/usr/bin/env python3
"""Reference for jobs/sessionize: the exact sessions per user and the clicks later than the
allowed lateness, from the input files of gen/generate.py sessionize (formats: common.py).

Input: eddy.clicks, JSON {"user": str, "page": str, "timestamp": ms}; event time = "timestamp".
A user's clicks form one session while consecutive clicks (in event time) are less than
G = app.sessionize.gap.ms (default 30000) apart. A session is emitted when the watermark passes
its last click + G: key "<user>@<sessionStart>", value {"user", "sessionStart", "sessionEnd",
"clicks"} (sessionEnd = the last click's timestamp) on eddy.sessions. A click is too late when
its own session window's end (timestamp + G) + app.sessionize.allowed.lateness.ms (default 0) is
at or below the watermark: it goes to eddy.sessions-late (value = the click).

Besides the bounds of eventtime.py the input must avoid two cases whose result depends on the
interleaving, and the script refuses it when it does not: a click that is on time but would join
a session that may already be closed, and a too-late click within G of a session of its user.
"""

import json

import common
import eventtime


def sessions_of(clicks, gap, margin, user):
    """Sorted accepted click times -> list of [first, last, n]; raises near the gap."""
    out = []
    for t in sorted(clicks):
        if out and t - out[-1][1] < gap:
            if t - out[-1][1] > gap - margin:
                raise common.AmbiguousInput("user %s: clicks %d and %d are within %d ms of the "
                                            "gap" % (user, out[-1][1], t, margin))
            out[-1][1] = t
            out[-1][2] += 1
        else:
            if out and t - out[-1][1] < gap + margin:
                raise common.AmbiguousInput("user %s: clicks %d and %d are within %d ms of the "
                                            "gap" % (user, out[-1][1], t, margin))
            out.append([t, t, 1])
    return out


def main():
    args = common.parse_args(__doc__)
    meta, phases = common.load(args.input_dir, args.through)
    gap = common.config_int(meta, "app.sessionize.gap.ms", 30000)
    lateness = common.config_int(meta, "app.sessionize.allowed.lateness.ms", 0)
    ooo = common.config_int(meta, "task.watermark.max.out.of.orderness.ms", 0)
    margin = int(meta.get("margin_ms", 1000))
    bounds = eventtime.WatermarkBounds(ooo)
    accepted = {}        # user -> [(ts, high)]
    late = []            # (user, ts, canonical value)
    fired = {}           # (user, start) -> [first, last, n] as emitted
    proven = {}          # user -> the largest last + G of its emitted sessions

    def event_time(m):
        return json.loads(m["value"])["timestamp"]

    for phase in phases:
        msgs = [m for m in phase["messages"] if m["topic"] == "clicks"]
        highs = bounds.phase_highs(dict(phase, messages=msgs), event_time)
        for m, high in zip(msgs, highs):
            ev = json.loads(m["value"])
            user, ts = ev["user"], ev["timestamp"]
            low = proven.get(user, eventtime.NEG_INF) if phase["index"] > 1 else eventtime.NEG_INF
            what = "phase %d click %s" % (phase["index"], m["value"])
            if eventtime.classify(ts + gap + lateness, low, high, margin, what):
                late.append((user, ts, common.canonical(m["value"])))
            else:
                accepted.setdefault(user, []).append((ts, high))
        wm = bounds.end_phase(phase["index"])
        for user, clicks in accepted.items():
            for first, last, n in sessions_of([t for t, _ in clicks], gap, margin, user):
                if (user, first) in fired:
                    continue
                if eventtime.fires(last + gap, wm, margin, "session %s@%d after phase %d"
                                   % (user, first, phase["index"])):
                    fired[(user, first)] = [first, last, n]
                    proven[user] = max(proven.get(user, eventtime.NEG_INF), last + gap)

    # A session's clicks must all find it open whatever the interleaving: its start + G +
    # lateness is above every watermark any of its clicks can meet.
    final = {}
    for user, clicks in accepted.items():
        highs = dict()
        for t, h in clicks:
            highs[t] = max(highs.get(t, eventtime.NEG_INF), h)
        for first, last, n in sessions_of([t for t, _ in clicks], gap, margin, user):
            final[(user, first)] = [first, last, n]
            worst = max(h for t, h in highs.items() if first <= t <= last)
            if first + gap + lateness <= worst + margin:
                raise common.AmbiguousInput(
                    "session %s@%d: a click may meet watermark %s, which could have closed a "
                    "part of the session" % (user, first, worst))
    for (user, first), got in fired.items():
        if final[(user, first)] != got:
            raise common.AmbiguousInput("session %s@%d changed after it was emitted" % (user, first))
    for user, ts, _ in late:
        for t, _ in accepted.get(user, []):
            if abs(t - ts) <= gap + margin:
                raise common.AmbiguousInput("too-late click %s@%d is within the gap of click %d"
                                            % (user, ts, t))

    last = {}
    for (user, first), (f, l, n) in sorted(fired.items()):
        last["%s@%d" % (user, first)] = common.dumps(
            {"user": user, "sessionStart": f, "sessionEnd": l, "clicks": n})
    common.emit({
        "last": {"sessions": last},
        "all": {"sessions-late": sorted(v for _, _, v in late)},
        "stats": {"accepted": sum(len(c) for c in accepted.values()), "late": len(late),
                  "sessions_emitted": len(last), "sessions_open": len(final) - len(fired),
                  "watermark": bounds.watermark},
    })


if __name__ == "__main__":
    common.main_guard(main)
