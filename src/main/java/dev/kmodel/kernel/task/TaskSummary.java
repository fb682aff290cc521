package dev.kmodel.kernel.task;

/** A read-only view of a task for quiescence detection: is it blocked, and in what. */
public record TaskSummary(String key, int pid, String comm, String state, String blockedIn) {}
