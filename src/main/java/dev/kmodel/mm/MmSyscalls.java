package dev.kmodel.mm;

import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.task.Frame;
import dev.kmodel.kernel.task.Task;
import dev.kmodel.kernel.task.TaskState;
import dev.kmodel.scenario.Step;
import dev.kmodel.uapi.Errno;

/** The memory system calls of a task: page faults (touch) and mmap, served by the {@link Mmu}. */
public final class MmSyscalls {
    private MmSyscalls() {}

    /** exc_page_fault → handle_mm_fault on the heap, or ksys_mmap_pgoff → do_mmap. */
    public static void mmCall(Task t, TaskState s, MsgId cause, Step st) {
        if (s.mm == null) {
            t.ret(s, cause, 0, Errno.EINVAL, null); // a kernel thread has no user address space
            return;
        }
        int pages = (int) t.resolveOr(s, st, "pages", 1);
        boolean write = !"false".equals(st.str("write", st.op().equals("touch") ? "true" : "false"));
        t.enter(s, cause, new Frame.Calling(Frame.Syscall.MM_CALL));
        String mm = s.mm;
        if (st.op().equals("touch")) {
            Ctx ctx = t.ctx(s, "exc_page_fault/do_user_addr_fault");
            t.then(() -> t.env.mmu().tell(new MmuCmd.Fault(t.nextId(), mm, pages, write, ctx, t.mmReplies)));
        } else {
            Ctx ctx = t.ctx(s, "ksys_mmap_pgoff/vm_mmap_pgoff");
            t.then(() -> t.env.mmu().tell(new MmuCmd.Mmap(t.nextId(), mm, pages, write, ctx, t.mmReplies)));
        }
    }

    /** The MMU answered: mmap's or the fault's result (ENOMEM: no frame left; EINVAL if the MMU refused it). */
    public static void done(Task t, TaskState s, MmuCmd.MmReply r) {
        t.ret(s, r.id(), 0, r.ok() ? null : r.outOfMemory() ? Errno.ENOMEM : Errno.EINVAL, null);
    }
}
