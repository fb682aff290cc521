package dev.kmodel.mm;

import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.locking.LockCall;
import dev.kmodel.kernel.locking.LockClass;
import dev.kmodel.kernel.locking.Locking;
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
        boolean fault = st.op().equals("touch");
        t.enter(s, cause, new Frame.MmCalling(Frame.Syscall.MMAP_LOCK, fault, pages, write));
        // A fault reads the VMAs (lock_mm_and_find_vma: mmap_read_lock); mmap changes them (write).
        Locking.lock(t, s, fault ? LockCall.MMAP_READ_LOCK : LockCall.MMAP_WRITE_LOCK, s.mm, ctx(t, s, fault));
    }

    private static Ctx ctx(Task t, TaskState s, boolean fault) {
        return t.ctx(s, fault ? "exc_page_fault/do_user_addr_fault" : "ksys_mmap_pgoff/vm_mmap_pgoff");
    }

    /** Holding the mmap_lock: handle_mm_fault, or do_mmap. */
    public static void locked(Task t, TaskState s, MsgId cause) {
        Frame.MmCalling f = (Frame.MmCalling) s.frame;
        t.enter(s, cause, f.at(Frame.Syscall.MM_CALL));
        String mm = s.mm;
        int pages = f.pages();
        boolean write = f.write();
        Ctx ctx = ctx(t, s, f.fault());
        if (f.fault()) {
            t.then(() -> t.env.mmu().tell(new MmuCmd.Fault(t.nextId(), mm, pages, write, ctx, t.mmReplies)));
        } else {
            t.then(() -> t.env.mmu().tell(new MmuCmd.Mmap(t.nextId(), mm, pages, write, ctx, t.mmReplies)));
        }
    }

    /**
     * The MMU answered: mmap_read_unlock / mmap_write_unlock, then mmap's or the fault's result (ENOMEM:
     * no frame left; EINVAL if the MMU refused it).
     */
    public static void done(Task t, TaskState s, MmuCmd.MmReply r) {
        boolean fault = s.frame instanceof Frame.MmCalling f && f.fault();
        Locking.unlockIfHeld(t, s, r.id(), LockClass.MMAP_LOCK, ctx(t, s, fault));
        t.ret(s, r.id(), 0, r.ok() ? null : r.outOfMemory() ? Errno.ENOMEM : Errno.EINVAL, null);
    }
}
