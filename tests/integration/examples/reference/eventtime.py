"""The bounds on a task's watermark that every interleaving respects (timers.h's contract), for
the event-time examples' reference scripts.

The watermark is the minimum over the task's non-idle input partitions of the largest event time
seen there, minus task.watermark.max.out.of.orderness.ms; it never goes back and survives restore.
Hence, while a message m of partition p is processed:
  - upper bound: in a phase written before the job started ("prewritten"), p still has unread
    data, so it is not idle and the watermark is at most the largest event time of p up to and
    including m. In a phase written while the job runs any partition may be idle, so the bound
    is the largest event time of the whole input so far (or the previous phase's watermark).
  - lower bound: what the job's own output proved about the task holding m's key after the
    previous phase (a window or session it emitted on the watermark); the scripts compute it.
After a phase, once everything is processed and the idle partitions are idle, the watermark is
the minimum over the partitions that have data of their largest event time; the generators end
every such partition of a phase with the same "barrier" event time, so that this does not depend
on which partitions went idle first (checked here).
"""

from common import AmbiguousInput

NEG_INF = float("-inf")


class WatermarkBounds:
    def __init__(self, out_of_orderness_ms):
        self.ooo = out_of_orderness_ms
        self.part_max = {}          # partition -> largest event time so far
        self.global_max = NEG_INF
        self.watermark = NEG_INF    # after the last completed phase

    def phase_highs(self, phase, event_time):
        """The upper bound of the watermark while each message of `phase` is processed."""
        msgs = phase["messages"]
        highs = []
        if phase["prewritten"]:
            for m in msgs:
                p = m["partition"]
                t = event_time(m)
                self.part_max[p] = max(self.part_max.get(p, NEG_INF), t)
                highs.append(max(self.watermark, self.part_max[p] - self.ooo))
        else:
            for m in msgs:
                p = m["partition"]
                self.part_max[p] = max(self.part_max.get(p, NEG_INF), event_time(m))
            top = max([self.global_max] + list(self.part_max.values()))
            highs = [max(self.watermark, top - self.ooo)] * len(msgs)
        self.global_max = max([self.global_max] + list(self.part_max.values()))
        return highs

    def end_phase(self, index):
        """The watermark once phase `index` is processed and quiet."""
        if not self.part_max:
            return self.watermark
        maxima = set(self.part_max.values())
        if len(maxima) != 1:
            raise AmbiguousInput(
                "after phase %d the partitions end at different event times %s: the watermark "
                "would depend on which partitions turn idle first (end each with a barrier)"
                % (index, sorted(maxima)))
        self.watermark = max(self.watermark, maxima.pop() - self.ooo)
        return self.watermark


def classify(deadline, low, high, margin, what):
    """True when the event is too late (deadline <= watermark) under every interleaving, False
    when it is on time under every one; raises when the input leaves it open."""
    if deadline <= low - margin:
        return True
    if deadline > high + margin:
        return False
    raise AmbiguousInput("%s: deadline %s is not clear of the watermark's range [%s, %s] by %d ms"
                         % (what, deadline, low, high, margin))


def fires(end, watermark, margin, what):
    """True when a window ending at `end` has fired at `watermark`; raises when too close."""
    if end <= watermark - margin:
        return True
    if end > watermark + margin:
        return False
    raise AmbiguousInput("%s: end %s is within %d ms of the watermark %s"
                         % (what, end, margin, watermark))
