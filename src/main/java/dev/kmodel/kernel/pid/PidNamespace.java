package dev.kmodel.kernel.pid;

import java.util.TreeMap;

/**
 * struct pid_namespace (kernel/pid_namespace.c) as the PidAllocator keeps it: its level and parent,
 * its own cyclic number map (pidmap_lock), and PIDNS_ADDING, cleared by zap_pid_ns_processes.
 */
final class PidNamespace {
    final int id;
    final int parent;
    final int level;
    int pidMax; // inherited from the parent; its own sysctl
    int cursor;
    boolean adding = true; // PIDNS_ADDING
    final TreeMap<Integer, Integer> nrs = new TreeMap<>(); // number here → global pid

    PidNamespace(int id, int parent, int level, int pidMax) {
        this.id = id;
        this.parent = parent;
        this.level = level;
        this.pidMax = pidMax;
    }
}
