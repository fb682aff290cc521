package dev.kmodel.kernel.task;

/** Where a task's kernel path waits for another actor's answer. */
public enum Phase {
  NONE,
  // kernel_clone → copy_process
  FORK_SPAWN, FORK_COPY, FORK_MM, FORK_PID, FORK_LOCK,
  // do_exit (EXIT_SIGNALS: a thread waits for group_dead; GROUP_EXIT: for the group's exit code)
  EXIT_SIGNALS, GROUP_EXIT, EXIT_MM, EXIT_SEM, EXIT_FILES, EXIT_NOTIFY_LOCK, EXIT_FIND_THREAD, EXIT_FIND_REAPER, EXIT_ADOPT, EXIT_NOTIFY_PARENT, EXIT_DEAD,
  // do_wait
  WAIT_PGRP, WAIT_LOCK, WAIT_GATHER, WAIT_REAP, WAIT_SLEEP,
  // release_task (by a waiter or by the task itself)
  RELEASE_LOCK, RELEASE_SIGNAL,
  // other system calls that ask another actor
  MM_CALL, IPC_CALL, SETPGID, SYSCTL, UNSHARE, FILE_CALL, FILE_SHARED, SIGACTION_SHARED, KILL_LOOKUP, TIMER_SLEEP, BOOT,
  // kernel threads: kthread_create / kthread_stop callers, kthreadd waiting for requests
  KTHREAD_LOOKUP, KTHREAD_STOP_LOOKUP, KTHREAD_WAIT, KTHREADD_IDLE,
  // vfork: the parent in wait_for_vfork_done
  VFORK_WAIT,
  // execve: the new mm, then the old one released
  EXEC_DETHREAD, EXEC_TAKEOVER, EXEC_MM, EXEC_OLD_MM
}
