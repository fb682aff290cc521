package dev.kmodel.kernel.pid;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.KernelActor;
import dev.kmodel.kernel.pid.PidAllocator.*;
import dev.kmodel.kernel.task.TaskCmd;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pid allocator's state (kernel/pid.c, kernel/pid_namespace.c): every allocated number with its
 * struct pid and the hashed task (the pid hash find_task_by_vpid reads), the cyclic cursor, the
 * struct pids waiting for their grace period, and the child pid namespaces. Owned by the
 * PidAllocator actor alone (in Linux: guarded by pidmap_lock); changed only by {@link #apply}.
 */
public final class PidHash implements KernelActor.Folds<Event> {
    /** One allocated number. */
    static final class Entry {
        final String object;
        final String owner;
        String key; // hashed task, or null before attach_pid / after detach_pid
        String comm;
        int pgid;
        int sid;
        int ppid; // real_parent's tgid
        int tgid; // the thread group; tgid != pid: a thread that is not its group's leader
        int ns; // the pid namespace the task is in (0: init_pid_ns)
        List<Integer> nrs = List.of(); // upid numbers, level 0 first
        boolean zombie; // exit_state set
        boolean stopped; // SIGNAL_STOP_STOPPED
        ActorRef<?> task;

        Entry(String object, String owner) {
            this.object = object;
            this.owner = owner;
        }
    }

    @Override
    public void apply(Event e) {
        if (e instanceof PidAllocated a) {
            Entry en = new Entry(a.object(), a.forTask());
            en.ns = a.ns();
            en.nrs = a.nrs();
            used.put(a.pid(), en);
            cursor = a.cursor();
            ids++;
            for (PidNamespace n = namespaces.get(a.ns()); n != null && n.level > 0; n = namespaces.get(n.parent)) {
                int nr = a.nrs().get(n.level);
                n.nrs.put(nr, a.pid());
                n.cursor = nr + 1;
            }
        } else if (e instanceof NsCreated c) {
            namespaces.put(c.ns(), new PidNamespace(c.ns(), c.parent(), c.level(), c.pidMax()));
        } else if (e instanceof PidMaxSet m) {
            if (m.ns() == 0) pidMax = m.pidMax();
            else namespaces.get(m.ns()).pidMax = m.pidMax();
        } else if (e instanceof NsSettleWaited w) {
            settleWaiters.put(w.ns(), new SettleWaiter(w.ns(), w.initPids(), w.waiter()));
        } else if (e instanceof NsSettled w) {
            settleWaiters.remove(w.ns());
        } else if (e instanceof NsZapped z) {
            namespaces.get(z.ns()).adding = false;
        } else if (e instanceof PidAttached a) {
            Entry en = used.get(a.pid());
            en.key = a.key();
            en.comm = a.comm();
            en.pgid = a.pgid() == 0 ? a.pid() : a.pgid();
            en.sid = a.sid() == 0 ? a.pid() : a.sid();
            en.ppid = a.ppid();
            en.tgid = a.tgid() == 0 ? a.pid() : a.tgid();
            en.task = a.task();
        } else if (e instanceof PidsExchanged x) {
            Entry a = used.get(x.leaderPid());
            Entry b = used.get(x.threadPid());
            String key = a.key;
            ActorRef<?> task = a.task;
            a.key = b.key;
            a.task = b.task;
            b.key = key;
            b.task = task;
            b.tgid = x.leaderPid();
        } else if (e instanceof PgidChanged g) {
            Entry en = used.get(g.pid());
            if (en != null) {
                en.pgid = g.pgid();
                en.sid = g.sid();
            }
        } else if (e instanceof TaskFlagsChanged l) {
            Entry en = used.get(l.pid());
            if (en != null) {
                en.zombie = l.zombie();
                en.stopped = l.stopped();
            }
        } else if (e instanceof ParentPidChanged l) {
            Entry en = used.get(l.pid());
            if (en != null) en.ppid = l.ppid();
        } else if (e instanceof CommSet c) {
            Entry en = used.get(c.pid());
            if (en != null) en.comm = c.comm();
        } else if (e instanceof PidDetached d) {
            Entry en = used.get(d.pid());
            if (en != null) {
                en.key = null;
                en.task = null;
            }
        } else if (e instanceof PidFreed f) {
            Entry en = used.remove(f.pid());
            if (en != null) {
                dying.put(en.object, en.owner);
                for (PidNamespace n = namespaces.get(en.ns); n != null && n.level > 0; n = namespaces.get(n.parent)) {
                    n.nrs.remove(en.nrs.get(n.level));
                }
            }
        } else if (e instanceof PidStructFreed f) {
            dying.remove(f.object());
        }
    }

    int pidMax;
    int cursor; // idr_next: where the cyclic search resumes
    long ids;
    final TreeMap<Integer, Entry> used = new TreeMap<>();
    final Map<String, String> dying = new TreeMap<>(); // struct pid → owner, freed after a grace period
    final Map<Integer, PidNamespace> namespaces = new TreeMap<>(); // the child namespaces (init_pid_ns is 0)
    final Map<Integer, SettleWaiter> settleWaiters = new TreeMap<>(); // ns → its dying init, waiting

    /** A dying namespace's init waiting in zap_pid_ns_processes for the rest of the namespace to go. */
    record SettleWaiter(int ns, int initPids, ActorRef<TaskCmd> waiter) {}

    /** Is namespace {@code ns} {@code ancestor} or inside it? */
    boolean within(int ns, int ancestor) {
        for (int n = ns; ; n = namespaces.get(n).parent) {
            if (n == ancestor) return true;
            if (n == 0) return false;
        }
    }

    /** pid_vnr: the number global pid {@code pid} has in namespace {@code ns}; 0 if none there. */
    int vnr(int pid, int ns) {
        if (ns == 0) return pid;
        Entry en = used.get(pid);
        if (en == null || !within(en.ns, ns)) return 0;
        return en.nrs.get(namespaces.get(ns).level);
    }

    /** The global pid that number {@code nr} names in namespace {@code ns}, or -1. */
    int global(int ns, int nr) {
        if (ns == 0) return nr;
        return namespaces.get(ns).nrs.getOrDefault(nr, -1);
    }
}
