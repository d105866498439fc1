#!/usr/bin/env python3
"""examples_bench.py: the example jobs (issue 10) against their low-level equivalents, in the same
run, on the same input.

  examples_bench.py [--build build] [--scenario all|wordcount|windowed] [--lines N]
                    [--vocabulary V] [--keys K] [--events-per-key E] [--partitions P]

wordcount: N lines (default 1,000,000) of 1..6 words from a V-word vocabulary (default 100,000)
are produced into `wordcount-lines`; then jobs/wordcount (high level: partition_by word,
count, totals out) and jobs/wordcount-lowlevel (per input partition counts, no repartitioning)
each run with `eddy run --until-caught-up` on it. The figure is end to end, input produced ->
every total emitted: lines / wall seconds from the runner's start to its exit (restore of nothing,
processing, the last commit); the container's CPU seconds beside it. The totals are checked
(every word's total, for the low-level job the sum over its partitions).
windowed: K distinct member ids (default 1,000,000) with E page views each (default 2) in one
10-second event-time window, shuffled (a member's views on partition id % P, as the low-level job
needs), then one barrier view per partition 10 windows later, in
`pageviews`; jobs/pageview-counter (tumbling window, allowed lateness, watermark over
partitions) against windowed_count_lowlevel (the pre-issue-10 low-level job: a RocksDB count
per member and window, watermark = the largest event time seen). Checked: K windows of count E.
Each job gets a log store of its own (the jobs share job and changelog names) with the input
produced before its clock starts. Ratios are high level / low level; on a loaded machine only
the ratio means much.
"""

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

T0 = 1_700_000_000_000


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Logd:
    def __init__(self, bin_dir, data):
        self.p = subprocess.Popen([os.path.join(bin_dir, "eddy-logd"), "--data-dir", data,
                                   "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
        for line in self.p.stdout:
            if "eddy-logd listening on" in line:
                self.addr = line.split()[-1]
                return
        raise SystemExit("eddy-logd did not start")

    def stop(self):
        self.p.terminate()
        self.p.wait(30)


def eddy(args, bin_dir, bootstrap, stdin=None):
    env = dict(os.environ, EDDY_BOOTSTRAP=bootstrap)
    return subprocess.run([os.path.join(bin_dir, "eddy")] + args, env=env, input=stdin,
                          capture_output=True, text=True, check=True).stdout


def produce(bin_dir, bootstrap, topic, lines_by_partition):
    for p, lines in lines_by_partition.items():
        eddy(["topic", "produce", topic, "--partition", str(p), "--key-separator", "\t"], bin_dir,
             bootstrap, stdin="".join(l + "\n" for l in lines))


def consume(bin_dir, bootstrap, topic, partition):
    out = eddy(["topic", "consume", topic, "--from-beginning", "--partition", str(partition),
                "--print-key"], bin_dir, bootstrap)
    last = {}
    for line in out.splitlines():
        k, _, v = line.partition("\t")
        last[k] = v
    return last


def run_job(bin_dir, bootstrap, config, work, sets):
    argv = [os.path.join(bin_dir, "eddy"), "run", "--config", config, "--work-dir", work,
            "--until-caught-up", "--set", "systems.eddy.bootstrap.servers=" + bootstrap]
    for s in sets:
        argv += ["--set", s]
    c0, t0 = cpu_children(), time.monotonic()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t0, cpu_children() - c0


def report(name, n, wall, cpu):
    print("  %-34s %8.2f s  %10.0f msgs/s  CPU %6.2f s" % (name, wall, n / wall, cpu), flush=True)


def wanted(a, lowlevel):
    return a.jobs == "both" or (a.jobs == "lowlevel") == lowlevel


def job_config(src, job):
    """jobs/<job>/'s .properties (the folder's only one)."""
    d = os.path.join(src, "jobs", job)
    props = sorted(f for f in os.listdir(d) if f.endswith(".properties"))
    if not props:
        raise SystemExit("%s: no .properties file" % d)
    return os.path.join(d, props[0])


def fresh_logd(bin_dir, tmp, name, topic, partitions, data):
    """A log store of its own for one job (the jobs share names: job.name, changelogs), with the
    input produced before the clock starts."""
    logd = Logd(bin_dir, os.path.join(tmp, "log-" + name))
    eddy(["topic", "create", topic, "--partitions", str(partitions)], bin_dir, logd.addr)
    produce(bin_dir, logd.addr, topic, data)
    return logd


def wordcount(a, bin_dir, tmp, src, jobs):
    rng = random.Random(1)
    parts = {p: [] for p in range(a.partitions)}
    totals = {}
    for i in range(a.lines):
        ws = []
        for _ in range(rng.randint(1, 6)):
            x = rng.random()
            w = "w%d" % int(x * x * a.vocabulary)
            ws.append(w)
            totals[w] = totals.get(w, 0) + 1
        parts[i % a.partitions].append("%d\t%s" % (i, " ".join(ws)))
    print("wordcount: %d lines, %d words, %d distinct, %d partitions"
          % (a.lines, sum(totals.values()), len(totals), a.partitions), flush=True)
    res = {}
    for name, job in [("wordcount (partition_by, totals)", "wordcount"),
                      ("wordcount-lowlevel (per partition)", "wordcount-lowlevel")]:
        if not wanted(a, job != "wordcount"):
            continue
        logd = fresh_logd(bin_dir, tmp, job, "wordcount-lines", a.partitions, parts)
        try:
            sets = ["task.library=%s/%s/lib/lib%s.so" % (jobs, job, job)]
            wall, cpu = run_job(bin_dir, logd.addr, job_config(src, job),
                                os.path.join(tmp, "work-" + job), sets)
            report(name, a.lines, wall, cpu)
            res[job] = wall
            got = {}
            for p in range(a.partitions):
                for k, v in consume(bin_dir, logd.addr, "wordcount-counts", p).items():
                    if job == "wordcount":
                        if k in got:
                            raise SystemExit("wordcount-counts: word %s in two partitions" % k)
                        got[k] = int(v)
                    else:
                        got[k] = got.get(k, 0) + int(v)
        finally:
            logd.stop()
        bad = sum(1 for w, n in totals.items() if got.get(w) != n) + len(set(got) - set(totals))
        print("    totals: %s" % ("exact" if bad == 0 else "%d words WRONG" % bad), flush=True)
    if len(res) == 2:
        print("  ratio wordcount / wordcount-lowlevel (msgs/s): %.2fx"
              % (res["wordcount-lowlevel"] / res["wordcount"]), flush=True)


def windowed(a, bin_dir, tmp, src, jobs, bench_dir):
    rng = random.Random(2)
    W = 10000
    parts = {p: [] for p in range(a.partitions)}
    events = [(m, T0 + rng.randrange(W)) for m in range(1, a.keys + 1)
              for _ in range(a.events_per_key)]
    rng.shuffle(events)
    for m, ts in events:  # by member: the low-level job does not repartition
        parts[m % a.partitions].append('%d\t{"memberId":%d,"pageKey":"p","timestamp":%d}'
                                       % (m, m, ts))
    for p in parts:
        parts[p].append('0\t{"memberId":0,"pageKey":"barrier","timestamp":%d}' % (T0 + 10 * W))
    n = sum(len(v) for v in parts.values())
    print("windowed count: %d keys x %d events in one window, %d messages, %d partitions"
          % (a.keys, a.events_per_key, n, a.partitions), flush=True)
    res = {}
    for name, config, lib, out in [
            ("pageview-counter (window API)", job_config(src, "pageview-counter"),
             "%s/pageview-counter/lib/libpageview-counter.so" % jobs, "pageview-counts"),
            ("windowed_count_lowlevel",
             os.path.join(bench_dir, "windowed-count-lowlevel.properties"),
             os.path.join(a.build, "lib", "libwindowed_count_lowlevel.so"),
             "windowed-count-lowlevel-counts")]:
        if not wanted(a, out != "pageview-counts"):
            continue
        logd = fresh_logd(bin_dir, tmp, out, "pageviews", a.partitions, parts)
        try:
            sets = ["task.library=" + lib, "task.watermark.idle.timeout.ms=5000"]
            wall, cpu = run_job(bin_dir, logd.addr, config, os.path.join(tmp, "work-" + out), sets)
            report(name, n, wall, cpu)
            res[out] = wall
            full = 0
            for p in range(a.partitions):
                try:
                    last = consume(bin_dir, logd.addr, out, p)
                except subprocess.CalledProcessError:
                    break  # fewer output partitions
                for k, v in last.items():
                    try:
                        j = json.loads(v)
                    except ValueError:
                        continue
                    if j.get("memberId", 0) != 0 and j.get("count") == a.events_per_key:
                        full += 1
        finally:
            logd.stop()
        print("    windows with the full count: %d of %d%s" % (full, a.keys,
              "" if full == a.keys else "  WRONG"), flush=True)
    if len(res) == 2:
        print("  ratio pageview-counter / low level (msgs/s): %.2fx"
              % (res["windowed-count-lowlevel-counts"] / res["pageview-counts"]), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--scenario", default="all", choices=["all", "wordcount", "windowed"])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--vocabulary", type=int, default=100_000)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--events-per-key", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--jobs", default="both", choices=["both", "highlevel", "lowlevel"],
                    help="run only one side (no ratio then)")
    a = ap.parse_args()
    for flag in ("lines", "vocabulary", "keys", "events_per_key", "partitions"):
        if getattr(a, flag) < 1:
            ap.error("--%s: %d is not positive" % (flag.replace("_", "-"), getattr(a, flag)))
    a.build = os.path.abspath(a.build)
    bin_dir = os.path.join(a.build, "bin")
    jobs = os.path.join(a.build, "jobs")
    bench_dir = os.path.dirname(os.path.abspath(__file__))
    src = os.path.abspath(os.path.join(bench_dir, "..", "..", ".."))
    tmp = tempfile.mkdtemp(prefix="eddy-examples-bench-")
    try:
        print("dir %s, load %.1f" % (tmp, os.getloadavg()[0]), flush=True)
        if a.scenario in ("all", "wordcount"):
            wordcount(a, bin_dir, tmp, src, jobs)
        if a.scenario in ("all", "windowed"):
            windowed(a, bin_dir, tmp, src, jobs, bench_dir)
        print("load %.1f" % os.getloadavg()[0], flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
