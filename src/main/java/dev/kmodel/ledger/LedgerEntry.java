package dev.kmodel.ledger;

import dev.kmodel.kernel.Ctx;

/**
 * One alloc / get / put / free of a kernel object (contract §3 "ledger").
 *
 * @param object   unique id, e.g. {@code mm_struct#mmu.3}
 * @param type     kernel type name, e.g. {@code task_struct}
 * @param owner    key of the task the object belongs to (e.g. task-7; the report shows its pid)
 * @param event    alloc, get, put or free
 * @param refcount the object's reference count after the event (mm_count for mm_struct)
 * @param holder   who took or dropped the reference (task-N, cpuN, mm_struct#..., rcu), for the oracles
 * @param function the kernel function in whose step it happened
 * @param path     the call path
 * @param cpu      the CPU it happened on
 */
public record LedgerEntry(
        String object,
        String type,
        String owner,
        LedgerEvent event,
        int refcount,
        String holder,
        String function,
        String path,
        int cpu) {

    public static LedgerEntry of(
            String object, ObjType type, String owner, LedgerEvent event, int refcount, String holder, Ctx ctx) {
        return new LedgerEntry(
                object, type.kernelName, owner, event, refcount, holder, ctx.function(), ctx.path(), ctx.cpu());
    }
}
