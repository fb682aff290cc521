package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;
import dev.kmodel.uapi.Rlimit;
import dev.kmodel.uapi.Sig;
import java.util.List;
import java.util.Map;

/**
 * What a new task copies from its creator in copy_process: identity of the parent, the program, the
 * user-space variables (memory is copied), signal dispositions (copy_sighand), open files (dup_fd).
 *
 * @param program  the program the new task runs from its first step ("" for kthreadd)
 * @param cpu      the CPU copy_process runs on (the parent's)
 * @param hasChildSubreaper copy_signal: an ancestor is (or was made) a child subreaper
 * @param exitSignal the signal sent to the parent at exit (SIGCHLD for fork; 0: none; -1: a thread)
 * @param group    CLONE_THREAD: the group the new thread joins; null for a new thread group (process)
 * @param shared   the objects shared with the creator (CLONE_FILES, CLONE_FS, CLONE_SIGHAND,
 *                 CLONE_THREAD, CLONE_SYSVSEM), by kernel type name
 * @param rlimitCore    copy_signal: the creator's RLIMIT_CORE soft limit (-1 = RLIM_INFINITY)
 * @param rlimitCoreMax and hard limit
 */
public record TaskInit(
        String key,
        String parentKey,
        int ppid,
        ActorRef<TaskCmd> parent,
        String comm,
        String program,
        Map<String, Long> vars,
        Map<Integer, SigAction> sigactions,
        List<String> files,
        int pgid,
        int sid,
        boolean kernelThread,
        int cpu,
        String path,
        boolean hasChildSubreaper,
        int exitSignal,
        Group group,
        Map<String, SharedRef> shared,
        long rlimitCore,
        long rlimitCoreMax) {

    /**
     * A task rest_init creates (init, kthreadd): no parent, group, session, files or shared objects,
     * exit signal SIGCHLD, and INIT_RLIMITS (include/asm-generic/resource.h): RLIMIT_CORE = { 0,
     * RLIM_INFINITY }.
     */
    public static TaskInit boot(
            String key,
            String comm,
            String program,
            Map<Integer, SigAction> sigactions,
            boolean kernelThread,
            String path) {
        return new TaskInit(
                key,
                "",
                0,
                null,
                comm,
                program,
                Map.of(),
                sigactions,
                List.of(),
                0,
                0,
                kernelThread,
                0,
                path,
                false,
                Sig.SIGCHLD,
                null,
                Map.of(),
                0,
                Rlimit.RLIM_INFINITY);
    }

    /** The thread group a CLONE_THREAD child joins: its leader and tgid. */
    public record Group(String leaderKey, ActorRef<TaskCmd> leader, int tgid) {}

    /** An object the new task shares (one more reference), and the task whose actor counts them. */
    public record SharedRef(String object, ActorRef<TaskCmd> owner) {}
}
