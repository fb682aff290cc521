package dev.kmodel.fs;

import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.fork.Shared;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskCmd;
import dev.kmodel.kernel.task.TaskEvent.FileClosed;
import dev.kmodel.kernel.task.TaskEvent.FilesOpened;
import dev.kmodel.kernel.task.TaskEvent.TaskWorkQueued;
import dev.kmodel.kernel.task.TaskEvent.TaskWorkRan;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.Errno;
import dev.kmodel.uapi.Rlimit;
import java.util.List;
import java.util.Objects;

/** open(2), close(2) and task_work_run's ____fput, for a task and its fd table (fs/open.c, fs/file.c). */
public final class FileSyscalls {
    private FileSyscalls() {}

    /** do_sys_open: new struct files, installed at the next descriptors of the fd table. */
    public static void open(Task t, TaskState s, MsgId cause, Step st) {
        long n = t.resolveOr(s, st, "count", 1);
        // get_unused_fd_flags → alloc_fd(0, rlimit(RLIMIT_NOFILE)): EMFILE when no descriptor below the limit
        // is free. The model's `count` opens are all or nothing (Linux's would succeed up to it).
        long inUse = s.fds.stream().filter(Objects::nonNull).count();
        if (n < 0 || inUse + n > Rlimit.NOFILE_DEFAULT) {
            t.ret(s, cause, 0, n < 0 ? Errno.EINVAL : Errno.EMFILE, null);
            return;
        }
        int count = (int) n;
        t.enter(s, cause, new Frame.Calling(Frame.Syscall.FILE_CALL));
        String holder = s.objects.filesStruct();
        Ctx ctx = t.ctx(s, "do_sys_open");
        t.then(() -> t.env.files().tell(new FileTable.Open(t.nextId(), count, holder, ctx, t.fileReplies)));
    }

    /** close(2): EBADF for a bad fd; else filp_close → fput. A shared fd table is changed by its owner. */
    public static void close(Task t, TaskState s, MsgId cause, Step st) {
        long fd = t.resolveOr(s, st, "fd", -1);
        String table = s.objects.filesStruct();
        if (Shared.tableShared(s, table) && !s.counts(table)) {
            t.enter(s, cause, new Frame.Calling(Frame.Syscall.FILE_SHARED));
            var owner = Shared.owner(t, s, table);
            t.then(() -> owner.tell(new TaskCmd.CloseFd(
                    t.nextId(), table, (int) Math.max(-1, Math.min(fd, Integer.MAX_VALUE)), t.self)));
            return;
        }
        if (fd < 0 || fd >= s.fds.size() || s.fds.get((int) fd) == null) {
            t.ret(s, cause, 0, Errno.EBADF, null);
            return;
        }
        String file = s.fds.get((int) fd);
        if (Shared.tableShared(s, table)) {
            Shared.change(t, s, new FileClosed(cause, (int) fd), table);
        } else {
            t.event(s, new FileClosed(cause, (int) fd));
        }
        fput(t, s, cause, file);
    }

    /** The owner of the shared fd table answered an open's fd_install or a close. */
    public static void tableOpDone(Task t, TaskState s, TaskCmd.TableOpDone c) {
        if (c.errno() != null || c.file() == null) {
            t.ret(s, c.id(), c.ret(), c.errno(), null);
            return;
        }
        fput(t, s, c.id(), c.file());
    }

    /** filp_close → fput of one file. */
    private static void fput(Task t, TaskState s, MsgId cause, String file) {
        t.enter(s, cause, new Frame.Calling(Frame.Syscall.FILE_CALL));
        Ctx ctx = t.ctx(s, "__x64_sys_close/filp_close");
        String holder = s.objects.filesStruct();
        t.then(() -> t.env.files().tell(new FileTable.Fput(t.nextId(), List.of(file), holder, ctx, t.fileReplies)));
    }

    /** The file table answered an open or a close. */
    public static void done(Task t, TaskState s, FileTable.Files f) {
        MsgId cause = f.id();
        if (f.request().equals("open")) {
            String table = s.objects.filesStruct();
            if (Shared.tableShared(s, table) && !s.counts(table)) {
                // fd_install in a shared table: its owner hands out the descriptor.
                t.enter(s, cause, new Frame.Calling(Frame.Syscall.FILE_SHARED));
                var owner = Shared.owner(t, s, table);
                t.then(() -> owner.tell(new TaskCmd.InstallFds(t.nextId(), table, f.files(), t.self)));
                return;
            }
            int fd = s.fds.size();
            if (Shared.tableShared(s, table)) {
                Shared.change(t, s, new FilesOpened(cause, f.files()), table);
            } else {
                t.event(s, new FilesOpened(cause, f.files()));
            }
            t.ret(s, cause, fd, null, null);
            return;
        }
        // close: the last reference's __fput runs as task_work on the way back to user space.
        if (!f.files().isEmpty()) {
            t.event(s, new TaskWorkQueued(cause, f.files()));
            taskWorkRun(t, s, cause, "task_work_run");
        }
        t.ret(s, cause, 0, null, null);
    }

    /** task_work_run: the queued ____fput calls free their files. */
    public static void taskWorkRun(Task t, TaskState s, MsgId cause, String path) {
        if (s.taskWork.isEmpty()) return;
        List<String> files = List.copyOf(s.taskWork);
        t.event(s, new TaskWorkRan(cause, files));
        Ctx ctx = t.ctx(s, path);
        t.then(() -> t.env.files().tell(new FileTable.FinishFput(t.nextId(), files, ctx)));
    }
}
