package dev.kmodel.mm;

import akka.actor.typed.ActorRef;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.Probe;

/** Messages to the {@link Mmu}. Requests that the caller waits for carry {@code replyTo}. */
public sealed interface MmuCmd {
    MsgId id();

    /** Reply to a request: the mm concerned, or an error. */
    record MmReply(MsgId id, String request, String mm, String vma, boolean ok, boolean outOfMemory) {
        public MmReply(MsgId id, String request, String mm, String vma, boolean ok) {
            this(id, request, mm, vma, ok, false);
        }
    }

    /** mm_alloc + a program image (text, heap, stack); {@code pages} heap pages are written at once. */
    record MmAlloc(MsgId id, int pages, Ctx ctx, ActorRef<MmReply> replyTo) implements MmuCmd {}

    /** mmget: another task shares this address space (CLONE_VM); no reply, an atomic increment. */
    record Mmget(MsgId id, String mm, String holder, Ctx ctx) implements MmuCmd {}

    /** dup_mm / dup_mmap for fork: a new mm sharing the parent's frames copy-on-write. */
    record DupMm(MsgId id, String parentMm, String child, Ctx ctx, ActorRef<MmReply> replyTo) implements MmuCmd {}

    /** Page faults on the first {@code pages} pages of the heap (handle_mm_fault). */
    record Fault(MsgId id, String mm, int pages, boolean write, Ctx ctx, ActorRef<MmReply> replyTo) implements MmuCmd {}

    /** mmap of an anonymous private mapping; populated (written) when {@code write}. */
    record Mmap(MsgId id, String mm, int pages, boolean write, Ctx ctx, ActorRef<MmReply> replyTo) implements MmuCmd {}

    /** mmput: drop an mm_users reference; the last one runs __mmput → exit_mmap. No reply if replyTo is null. */
    record Mmput(MsgId id, String mm, String holder, Ctx ctx, ActorRef<MmReply> replyTo) implements MmuCmd {}

    /** mmgrab / mmgrab_lazy_tlb: take an mm_count reference (no reply: an atomic increment). */
    record Mmgrab(MsgId id, String mm, String holder, Ctx ctx) implements MmuCmd {}

    /** mmdrop / mmdrop_lazy_tlb: drop an mm_count reference; the last one frees the mm (__mmdrop). */
    record Mmdrop(MsgId id, String mm, String holder, Ctx ctx) implements MmuCmd {}

    /** Quiescence probe: how many mm_structs are alive (read-only, never journaled). */
    record Query(MsgId id, ActorRef<Integer> replyTo) implements MmuCmd, Probe {}
}
