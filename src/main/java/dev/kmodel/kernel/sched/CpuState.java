package dev.kmodel.kernel.sched;

import dev.kmodel.kernel.KernelActor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** A CPU's runqueue and clock as its {@link Cpu} actor owns them (in Linux: guarded by rq->lock). */
public final class CpuState implements KernelActor.Folds<Cpu.Event> {
    long clock; // virtual ticks
    Cpu.Rq current; // null: idle
    final ArrayDeque<Cpu.Rq> rq = new ArrayDeque<>(); // runnable, in order
    final TreeMap<Long, List<Cpu.Rq>> timers = new TreeMap<>();
    final Map<String, Long> savedCompute = new TreeMap<>(); // preempted or interrupted computations
    final TreeSet<String> signalled = new TreeSet<>(); // TIF_SIGPENDING seen here
    final Map<String, Long> sleepLeft = new TreeMap<>(); // interrupted nanosleeps: ticks still to sleep
    long slice; // ticks used by current since it was switched in
    long computeLeft;
    long computeGen; // computations started here
    long segStart; // machine time the computation last resumed
    long waitingFor = -1; // what the clock was asked to wake us for
    boolean computeRcu;
    boolean rcuReader; // inside rcu_read_lock (non-preemptible)
    long qsGp = -1; // grace period waiting for this CPU's report
    String lazyMm; // the mm held lazily (idle's active_mm)
    String lazyHolder;

    @Override
    public void apply(Cpu.Event e) {
        if (e instanceof Cpu.Enqueued x) {
            rq.addLast(x.task());
        } else if (e instanceof Cpu.Switched x) {
            Cpu.Rq prev = current;
            current = x.next() == null ? null : rq.pollFirst();
            if (x.why().equals("preempted") && prev != null) rq.addLast(prev);
            if (x.why().equals("dead") && prev != null) {
                savedCompute.remove(prev.key());
                signalled.remove(prev.key());
                sleepLeft.remove(prev.key());
            }
            slice = 0;
        } else if (e instanceof Cpu.CurrentMm x) {
            current = new Cpu.Rq(current.key(), current.pid(), current.ref(), x.mm());
        } else if (e instanceof Cpu.Ticked x) {
            clock += x.ticks();
            slice += x.ticks();
        } else if (e instanceof Cpu.ClockJumped x) {
            clock = x.to();
        } else if (e instanceof Cpu.TimerArmed x) {
            timers.computeIfAbsent(x.at(), k -> new ArrayList<>()).add(x.task());
        } else if (e instanceof Cpu.TimerFired x) {
            List<Cpu.Rq> woken = timers.remove(x.at());
            if (woken != null) rq.addAll(woken);
        } else if (e instanceof Cpu.TimerCancelled x) {
            List<Cpu.Rq> at = timers.get(x.at());
            Cpu.Rq woken = at.stream()
                    .filter(r -> r.key().equals(x.task()))
                    .findFirst()
                    .orElseThrow();
            at.remove(woken);
            if (at.isEmpty()) timers.remove(x.at());
            rq.addLast(woken);
            if (x.left() > 0) sleepLeft.put(x.task(), x.left());
        } else if (e instanceof Cpu.SleepLeftGiven x) {
            sleepLeft.remove(x.task());
        } else if (e instanceof Cpu.ComputeBegan x) {
            computeLeft = x.ticks();
            segStart = x.at();
            computeRcu = x.rcu();
            computeGen++;
            savedCompute.remove(x.task());
        } else if (e instanceof Cpu.ComputeProgressed x) {
            clock += x.ticks();
            slice += x.ticks();
            computeLeft = Math.max(0, computeLeft - x.ticks());
            segStart = x.at();
        } else if (e instanceof Cpu.WaitSet x) {
            waitingFor = x.at();
        } else if (e instanceof Cpu.ComputeEnded x) {
            computeLeft = 0;
            computeRcu = false;
        } else if (e instanceof Cpu.SignalNoted x) {
            signalled.add(x.task());
        } else if (e instanceof Cpu.SignalActed x) {
            signalled.remove(x.task());
        } else if (e instanceof Cpu.ComputeSaved x) {
            savedCompute.put(x.task(), x.left());
            computeLeft = 0;
        } else if (e instanceof Cpu.RcuReadLocked) {
            rcuReader = true;
        } else if (e instanceof Cpu.RcuReadUnlocked) {
            rcuReader = false;
        } else if (e instanceof Cpu.QsNeeded x) {
            qsGp = x.gp();
        } else if (e instanceof Cpu.QsReported x) {
            qsGp = -1;
        } else if (e instanceof Cpu.LazyMm x) {
            lazyMm = x.mm();
            lazyHolder = x.holder();
        }
    }
}
