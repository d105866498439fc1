#!/usr/bin/env python3
"""Tests of the reference scripts on small hand-computed inputs, and on inputs whose result
depends on the interleaving, which they must refuse (exit status 3)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1_700_000_000_000


def write_input(d, config, phases):
    meta = {"config": config, "margin_ms": 1000, "phases": []}
    for i, (msgs, prewritten) in enumerate(phases):
        name = "phase-%d.jsonl" % (i + 1)
        with open(os.path.join(d, name), "w") as f:
            for m in msgs:
                f.write(json.dumps(m) + "\n")
        meta["phases"].append({"file": name, "prewritten": prewritten})
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f)


def run(script, d, through=0):
    p = subprocess.run([sys.executable, os.path.join(HERE, script), d, "--through", str(through)],
                       capture_output=True, text=True)
    return p.returncode, (json.loads(p.stdout) if p.returncode == 0 else p.stderr)


def pv(p, member, ts):
    return {"topic": "pageviews", "partition": p, "key": str(member),
            "value": json.dumps({"memberId": member, "pageKey": "k%d" % ts, "timestamp": ts})}


def ck(p, user, ts):
    return {"topic": "clicks", "partition": p, "key": user,
            "value": json.dumps({"user": user, "page": "x", "timestamp": ts})}


def window(member, start, count):
    return json.dumps({"count": count, "memberId": member, "windowEnd": start + 10000,
                       "windowStart": start}, sort_keys=True, separators=(",", ":"))


class PageviewTest(unittest.TestCase):
    config = {"app.pageview.window.ms": "10000", "app.pageview.allowed.lateness.ms": "5000"}

    def test_counts_late_and_updates(self):
        with tempfile.TemporaryDirectory() as d:
            b1 = T0 + 21500
            write_input(d, self.config, [
                ([pv(0, 1, T0 + 1000), pv(0, 1, T0 + 2000), pv(0, 1, T0 + 15000),
                  pv(0, 2, T0 + 12000), pv(0, 0, b1),
                  pv(1, 1, T0 + 9000), pv(1, 0, b1)], True),
                # 1@T0+500: window end T0+10000, + 5000 <= T0+20000 (proven for member 1): late.
                # 2@T0+19000: end T0+20000 + 5000 > T0+21500: counted, updates its window.
                ([pv(1, 1, T0 + 500), pv(0, 2, T0 + 19000)], False),
                ([pv(0, 0, T0 + 60000), pv(1, 0, T0 + 60000)], False)])
            rc, out = run("pageview_counter.py", d, 1)
            self.assertEqual(rc, 0, out)
            self.assertEqual(out["last"]["pageview-counts"], {
                "1@%d" % T0: window(1, T0, 3), "1@%d" % (T0 + 10000): window(1, T0 + 10000, 1),
                "2@%d" % (T0 + 10000): window(2, T0 + 10000, 1)})
            rc, out = run("pageview_counter.py", d, 2)
            self.assertEqual(out["last"]["pageview-counts"]["2@%d" % (T0 + 10000)],
                             window(2, T0 + 10000, 2))
            self.assertEqual(len(out["all"]["pageview-late"]), 1)
            self.assertEqual(json.loads(out["all"]["pageview-late"][0])["timestamp"], T0 + 500)
            rc, out = run("pageview_counter.py", d)
            self.assertEqual(out["last"]["pageview-counts"]["0@%d" % (T0 + 20000)],
                             window(0, T0 + 20000, 2))
            self.assertEqual(len(out["last"]["pageview-counts"]), 4)

    def test_refuses_disorder_beyond_the_lateness(self):
        with tempfile.TemporaryDirectory() as d:
            write_input(d, self.config, [([pv(0, 1, T0 + 30000), pv(0, 1, T0 + 1000)], True)])
            rc, err = run("pageview_counter.py", d)
            self.assertEqual(rc, 3, err)

    def test_refuses_partitions_without_a_common_barrier(self):
        with tempfile.TemporaryDirectory() as d:
            write_input(d, self.config, [([pv(0, 1, T0 + 1000), pv(1, 1, T0 + 2000)], True)])
            rc, err = run("pageview_counter.py", d)
            self.assertEqual(rc, 3, err)
            self.assertIn("barrier", err)


class SessionizeTest(unittest.TestCase):
    config = {"app.sessionize.gap.ms": "30000", "app.sessionize.allowed.lateness.ms": "0"}

    def test_sessions_and_late_clicks(self):
        with tempfile.TemporaryDirectory() as d:
            b1, b3 = T0 + 100000, T0 + 500000
            write_input(d, self.config, [
                ([ck(0, "u", T0), ck(0, "u", T0 + 10000), ck(0, "v", T0 + 2000),
                  ck(0, "~b", b1), ck(1, "u", T0 + 5000), ck(1, "~b", b1)], True),
                ([ck(1, "u", T0 - 40000)], False),   # too late: u's session closed at T0+40000
                ([ck(0, "~b", b3), ck(1, "~b", b3)], False)])
            rc, out = run("sessionize.py", d)
            self.assertEqual(rc, 0, out)

            def s(user, a, b, n):
                return json.dumps({"clicks": n, "sessionEnd": b, "sessionStart": a, "user": user},
                                  sort_keys=True, separators=(",", ":"))
            self.assertEqual(out["last"]["sessions"], {
                "u@%d" % T0: s("u", T0, T0 + 10000, 3), "v@%d" % (T0 + 2000):
                s("v", T0 + 2000, T0 + 2000, 1), "~b@%d" % b1: s("~b", b1, b1, 2)})
            self.assertEqual([json.loads(v)["timestamp"] for v in out["all"]["sessions-late"]],
                             [T0 - 40000])

    def test_refuses_a_late_click_near_a_session(self):
        with tempfile.TemporaryDirectory() as d:
            write_input(d, self.config, [
                ([ck(0, "u", T0), ck(0, "~b", T0 + 100000)], True),
                ([ck(0, "u", T0 - 29500)], False)])  # closed by its own window, yet within G
            rc, err = run("sessionize.py", d)
            self.assertEqual(rc, 3, err)


class WordcountTest(unittest.TestCase):
    def test_spaces(self):
        with tempfile.TemporaryDirectory() as d:
            m = [{"topic": "wordcount-lines", "partition": 0, "key": None, "value": v}
                 for v in ["a  b a", " c ", ""]]
            write_input(d, {}, [(m, True)])
            rc, out = run("wordcount.py", d)
            self.assertEqual(out["last"]["wordcount-counts"], {"a": "2", "b": "1", "c": "1"})


class EnrichJoinTest(unittest.TestCase):
    def test_profiles_then_clicks_then_delete(self):
        with tempfile.TemporaryDirectory() as d:
            def c(m):
                return {"topic": "clicks", "partition": 0, "key": m, "value": '{"p": 1}'}
            write_input(d, {}, [
                ([{"topic": "profiles", "partition": 0, "key": "m1", "value": '{"x": 1}'}], True),
                ([c("m1"), c("m2")], False),
                ([{"topic": "profiles", "partition": 0, "key": "m1", "value": None}], False),
                ([c("m1")], False)])
            rc, out = run("enrich_join.py", d)
            got = sorted((json.loads(v)["memberId"], json.dumps(json.loads(v)["profile"]))
                         for v in out["all"]["enriched-clicks"])
            self.assertEqual(got, [("m1", "null"), ("m1", '{"x": 1}'), ("m2", "null")])


if __name__ == "__main__":
    unittest.main()
