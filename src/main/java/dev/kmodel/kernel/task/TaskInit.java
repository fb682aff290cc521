package dev.kmodel.kernel.task;

import akka.actor.typed.ActorRef;
import java.util.List;
import java.util.Map;

/**
 * What a new task copies from its creator in copy_process: identity of the parent, the program, the
 * user-space variables (memory is copied), signal dispositions (copy_sighand), open files (dup_fd).
 *
 * @param program  the program the new task runs from its first step ("" for kthreadd)
 * @param cpu      the CPU copy_process runs on (the parent's)
 * @param hasChildSubreaper copy_signal: an ancestor is (or was made) a child subreaper
 * @param exitSignal the signal sent to the parent at exit (SIGCHLD for fork; 0: none)
 */
public record TaskInit(
    String key, String parentKey, int ppid, ActorRef<TaskCmd> parent, String comm, String program,
    Map<String, Long> vars, Map<Integer, SigAction> sigactions, List<String> files, int pgid, int sid,
    boolean kernelThread, int cpu, String path, boolean hasChildSubreaper, int exitSignal) {}
