package dev.kmodel.mm;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.KernelActor;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.mm.MmuCmd.*;
import dev.kmodel.mm.MmuEvent.*;
import dev.kmodel.mm.MmuState.Mm;
import dev.kmodel.mm.MmuState.Pte;
import dev.kmodel.mm.MmuState.Vma;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The emulated MMU (mm/): every mm_struct, VMA, page-table page and physical frame, with
 * copy-on-write after fork. One actor owns all memory objects, as one memory system serves all CPUs.
 */
public final class Mmu extends KernelActor<MmuCmd, MmuEvent, MmuState> {
    /** Pages one PTE table maps (x86-64: 512 entries). */
    static final long PTRS_PER_PTE = 512;
    /** Virtual page where the heap of a new image starts, and how large it may grow. */
    static final long HEAP_START = 0x1000, HEAP_PAGES = 1 << 20;

    /**
     * The machine's memory in page frames (1 GiB of 4 KiB pages). A fault that needs a frame when all
     * are in use fails (VM_FAULT_OOM): the system call answers ENOMEM, where Linux would run the OOM
     * killer (mm/oom_kill.c) and SIGKILL the largest task (docs/scenarios.md, "Linux differences").
     */
    public static final int RAM_PAGES = 1 << 18;

    public static Behavior<MmuCmd> create() {
        return Behaviors.setup(Mmu::new);
    }

    private Mmu(ActorContext<MmuCmd> context) {
        super("mmu", context);
    }

    @Override
    public MmuState emptyState() {
        return new MmuState();
    }

    @Override
    protected CommandHandler<MmuCmd, KEvent, MmuState> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(MmAlloc.class, this::mmAlloc)
                .onCommand(DupMm.class, this::dupMm)
                .onCommand(Fault.class, this::fault)
                .onCommand(Mmap.class, this::mmap)
                .onCommand(Mmput.class, this::mmput)
                .onCommand(Mmgrab.class, this::mmgrab)
                .onCommand(Mmget.class, this::mmget)
                .onCommand(Mmdrop.class, this::mmdrop)
                .onCommand(Query.class, (s, q) -> {
                    q.replyTo().tell(s.mms.size());
                    return Effect().none();
                })
                .build();
    }

    /**
     * Collects the primitive changes and ledger entries of one request. It keeps its own view of ids,
     * frame counts and PTEs so that later decisions in the same request see earlier ones; the state
     * itself changes only when the event is applied.
     */
    private final class Plan {
        final MmuState s;
        final Ctx ctx;
        final List<MmOp> ops = new ArrayList<>();
        final List<LedgerEntry> ledger = new ArrayList<>();
        final Map<String, Integer> frameView = new HashMap<>();
        final Map<String, String> owners = new HashMap<>();
        long ids;
        int newFrames; // frames this plan allocates (counted against RAM_PAGES)

        Plan(MmuState s, Ctx ctx) {
            this.s = s;
            this.ctx = ctx;
            this.ids = s.nextId;
        }

        String id(ObjType t) {
            return t.kernelName + "#mmu." + (++ids);
        }

        String frameOwner(String f) {
            return owners.computeIfAbsent(f, k -> s.frameOwner.getOrDefault(k, ""));
        }

        int frameCount(String f) {
            return frameView.computeIfAbsent(f, k -> s.frames.getOrDefault(k, 0));
        }

        void log(String obj, ObjType t, String owner, LedgerEvent ev, int ref, String holder, Ctx at) {
            ledger.add(LedgerEntry.of(obj, t, owner, ev, ref, holder, at));
        }

        MmuEvent event(MmuCmd cause, String request) {
            // Keep the id counter in step: a NewMm/NewVma/... op carries its id, and nextId is derived below.
            ops.add(0, new IdsUsed(ids));
            return new MmuEvent(cause.id(), request, List.copyOf(ops), List.copyOf(ledger));
        }
    }

    // ---- mm_alloc and the initial image --------------------------------------------------------

    /** mm_alloc (kernel/fork.c) + a minimal program image: text, heap and a one-page stack. */
    private Effect<KEvent, MmuState> mmAlloc(MmuState s, MmAlloc c) {
        Plan p = new Plan(s, c.ctx());
        Ctx at = c.ctx().in("mm_alloc");
        String mm = newMm(p, c.ctx().task(), at);
        String text = p.id(ObjType.VMA);
        p.ops.add(new NewVma(mm, text, 0x400, 4, false));
        p.log(text, ObjType.VMA, c.ctx().task(), LedgerEvent.ALLOC, 1, mm, at.in("vm_area_alloc"));
        String heap = p.id(ObjType.VMA);
        p.ops.add(new NewVma(mm, heap, HEAP_START, HEAP_PAGES, true));
        p.log(heap, ObjType.VMA, c.ctx().task(), LedgerEvent.ALLOC, 1, mm, at.in("vm_area_alloc"));
        String stack = p.id(ObjType.VMA);
        long stackStart = HEAP_START + HEAP_PAGES + 0x1000;
        p.ops.add(new NewVma(mm, stack, stackStart, 32, true));
        p.log(stack, ObjType.VMA, c.ctx().task(), LedgerEvent.ALLOC, 1, mm, at.in("vm_area_alloc"));
        // The first stack page is written when the program starts.
        Mm view = new Mm(mm, c.ctx().task(), "");
        faultPage(p, mm, view, stackStart, true, c.ctx().in("handle_mm_fault"));
        for (long i = 0; i < c.pages(); i++) {
            if (!faultPage(p, mm, view, HEAP_START + i, true, c.ctx().in("handle_mm_fault"))) break; // out of frames
        }
        MmuEvent ev = p.event(c, "mm_alloc");
        emit(s, ev);
        later(() -> c.replyTo().tell(new MmReply(send.next(), "mm_alloc", mm, null, true)));
        return commit();
    }

    private String newMm(Plan p, String owner, Ctx at) {
        String mm = p.id(ObjType.MM_STRUCT);
        String pgd = p.id(ObjType.PAGE_TABLE);
        p.ops.add(new NewMm(mm, owner, pgd));
        p.log(mm, ObjType.MM_STRUCT, owner, LedgerEvent.ALLOC, 1, "users", at.in("allocate_mm"));
        p.log(pgd, ObjType.PAGE_TABLE, owner, LedgerEvent.ALLOC, 1, mm, at.in("mm_init/mm_alloc_pgd"));
        return mm;
    }

    // ---- fork: dup_mm → dup_mmap → copy_page_range --------------------------------------------

    /** dup_mm (kernel/fork.c): copy the VMAs; share every present frame write-protected (COW). */
    private Effect<KEvent, MmuState> dupMm(MmuState s, DupMm c) {
        Mm parent = s.mms.get(c.parentMm());
        if (parent == null) return useAfterFree(s, c, c.parentMm(), c.ctx(), "dup_mm");
        Plan p = new Plan(s, c.ctx());
        Ctx at = c.ctx().in("dup_mm");
        String child = c.child();
        String mm = newMm(p, child, at);
        Ctx dup = at.in("dup_mmap");
        Mm view = new Mm(mm, child, "");
        for (Vma v : parent.vmas) {
            String nv = p.id(ObjType.VMA);
            p.ops.add(new NewVma(mm, nv, v.start, v.pages, v.anon));
            p.log(nv, ObjType.VMA, child, LedgerEvent.ALLOC, 1, mm, dup.in("vm_area_dup"));
        }
        Ctx copy = dup.in("copy_page_range");
        for (Map.Entry<Long, Pte> e : parent.ptes.entrySet()) {
            long vpn = e.getKey();
            Pte pte = e.getValue();
            ensureTables(p, mm, view, vpn, copy);
            if (pte.frame() == null) { // the shared zero page: nothing to count
                p.ops.add(new SetPte(mm, vpn, null, false));
                continue;
            }
            // copy_present_pte: a private writable page becomes read-only in both parent and child.
            if (pte.writable()) p.ops.add(new SetPte(c.parentMm(), vpn, pte.frame(), false));
            p.ops.add(new SetPte(mm, vpn, pte.frame(), false));
            int n = p.frameCount(pte.frame()) + 1;
            p.frameView.put(pte.frame(), n);
            p.ops.add(new FrameRef(pte.frame(), +1));
            p.log(
                    pte.frame(),
                    ObjType.PAGE,
                    p.frameOwner(pte.frame()),
                    LedgerEvent.GET,
                    n,
                    mm,
                    copy.in("copy_present_pte"));
        }
        MmuEvent ev = p.event(c, "dup_mm");
        emit(s, ev);
        later(() -> c.replyTo().tell(new MmReply(send.next(), "dup_mm", mm, null, true)));
        return commit();
    }

    /** Allocates the PUD, PMD (one each per mm here) and the PTE table covering vpn, if missing. */
    private void ensureTables(Plan p, String mm, Mm view, long vpn, Ctx at) {
        if (!view.tables.containsValue("pud")) {
            String pud = p.id(ObjType.PAGE_TABLE);
            p.ops.add(new NewPageTable(mm, pud, "pud", -1));
            p.log(pud, ObjType.PAGE_TABLE, view.owner, LedgerEvent.ALLOC, 1, mm, at.in("__pud_alloc"));
            view.tables.put(pud, "pud");
            String pmd = p.id(ObjType.PAGE_TABLE);
            p.ops.add(new NewPageTable(mm, pmd, "pmd", -1));
            p.log(pmd, ObjType.PAGE_TABLE, view.owner, LedgerEvent.ALLOC, 1, mm, at.in("__pmd_alloc"));
            view.tables.put(pmd, "pmd");
        }
        long block = vpn / PTRS_PER_PTE;
        if (!view.pteTables.containsKey(block)) {
            String pte = p.id(ObjType.PAGE_TABLE);
            p.ops.add(new NewPageTable(mm, pte, "pte", block));
            p.log(pte, ObjType.PAGE_TABLE, view.owner, LedgerEvent.ALLOC, 1, mm, at.in("__pte_alloc"));
            view.tables.put(pte, "pte");
            view.pteTables.put(block, pte);
        }
    }

    /** A scratch copy of an mm's page tables and PTEs, for decisions within one request. */
    private static Mm viewOf(Mm mm) {
        Mm v = new Mm(mm.id, mm.owner, mm.pgd);
        v.ptes.putAll(mm.ptes);
        v.tables.putAll(mm.tables);
        v.pteTables.putAll(mm.pteTables);
        return v;
    }

    // ---- page faults ----------------------------------------------------------------------------

    /** handle_mm_fault on the first {@code pages} heap pages (mm/memory.c). */
    private Effect<KEvent, MmuState> fault(MmuState s, Fault c) {
        Mm mm = s.mms.get(c.mm());
        if (mm == null) return useAfterFree(s, c, c.mm(), c.ctx(), "handle_mm_fault");
        Plan p = new Plan(s, c.ctx());
        Mm view = viewOf(mm);
        Vma heap =
                mm.vmas.stream().filter(v -> v.start == HEAP_START).findFirst().orElse(null);
        long start = heap == null ? mm.nextStart : heap.start;
        boolean oom = false;
        for (long i = 0; i < c.pages() && !oom; i++) {
            oom = !faultPage(p, mm.id, view, start + i, c.write(), c.ctx().in("handle_mm_fault"));
        }
        MmuEvent ev = p.event(c, "fault");
        emit(s, ev);
        boolean ok = !oom;
        later(() -> c.replyTo().tell(new MmReply(send.next(), "fault", c.mm(), null, ok, !ok)));
        return commit();
    }

    /**
     * One fault: do_anonymous_page (new frame or zero page), or do_wp_page (COW copy or reuse). False:
     * no free frame is left (the machine has {@link #RAM_PAGES}), VM_FAULT_OOM.
     */
    private boolean faultPage(Plan p, String mm, Mm view, long vpn, boolean write, Ctx at) {
        Pte pte = view.ptes.get(vpn);
        String owner = view.owner;
        boolean needsFrame =
                write && (pte == null || (!pte.writable() && !(pte.frame() != null && p.frameCount(pte.frame()) == 1)));
        if (needsFrame && p.s.frames.size() + p.newFrames >= RAM_PAGES) return false;
        if (needsFrame) p.newFrames++;
        if (pte == null) {
            ensureTables(p, mm, view, vpn, at.in("__handle_mm_fault"));
            if (!write) { // read fault: map the shared zero page
                p.ops.add(new SetPte(mm, vpn, null, false));
                view.ptes.put(vpn, new Pte(null, false));
                return true;
            }
            String frame = p.id(ObjType.PAGE);
            p.ops.add(new NewFrame(frame, owner));
            p.owners.put(frame, owner);
            p.ops.add(new SetPte(mm, vpn, frame, true));
            p.frameView.put(frame, 1);
            view.ptes.put(vpn, new Pte(frame, true));
            p.log(frame, ObjType.PAGE, owner, LedgerEvent.ALLOC, 1, mm, at.in("do_anonymous_page"));
            return true;
        }
        if (!write || pte.writable()) return true; // already mapped as needed
        Ctx wp = at.in("do_wp_page");
        if (pte.frame() != null && p.frameCount(pte.frame()) == 1) {
            // wp_page_reuse: the last sharer just makes its PTE writable again.
            p.ops.add(new SetPte(mm, vpn, pte.frame(), true));
            view.ptes.put(vpn, new Pte(pte.frame(), true));
            return true;
        }
        // wp_page_copy: a private copy of the page; the shared frame loses one mapping.
        String copy = p.id(ObjType.PAGE);
        p.ops.add(new NewFrame(copy, owner));
        p.owners.put(copy, owner);
        p.frameView.put(copy, 1);
        p.log(copy, ObjType.PAGE, owner, LedgerEvent.ALLOC, 1, mm, wp.in("wp_page_copy"));
        if (pte.frame() != null) dropFrame(p, pte.frame(), mm, wp.in("wp_page_copy"));
        p.ops.add(new SetPte(mm, vpn, copy, true));
        view.ptes.put(vpn, new Pte(copy, true));
        return true;
    }

    private void dropFrame(Plan p, String frame, String holder, Ctx at) {
        String owner = p.frameOwner(frame);
        int n = p.frameCount(frame) - 1;
        p.frameView.put(frame, n);
        p.ops.add(new FrameRef(frame, -1));
        p.log(frame, ObjType.PAGE, owner, n == 0 ? LedgerEvent.FREE : LedgerEvent.PUT, n, holder, at);
    }

    /** do_mmap of an anonymous private region; MAP_POPULATE-like when {@code write}. */
    private Effect<KEvent, MmuState> mmap(MmuState s, Mmap c) {
        Mm mm = s.mms.get(c.mm());
        if (mm == null) return useAfterFree(s, c, c.mm(), c.ctx(), "do_mmap");
        Plan p = new Plan(s, c.ctx());
        Ctx at = c.ctx().in("do_mmap");
        String vma = p.id(ObjType.VMA);
        long start = mm.nextStart;
        p.ops.add(new NewVma(mm.id, vma, start, c.pages(), true));
        p.log(vma, ObjType.VMA, mm.owner, LedgerEvent.ALLOC, 1, mm.id, at.in("mmap_region/vm_area_alloc"));
        Mm view = viewOf(mm);
        if (c.write()) {
            for (long i = 0; i < c.pages(); i++) {
                if (!faultPage(p, mm.id, view, start + i, true, at.in("__mm_populate"))) break; // out of frames
            }
        }
        MmuEvent ev = p.event(c, "mmap");
        emit(s, ev);
        // mm_populate's failure is not mmap's: the mapping stands and the call succeeds (mm/gup.c).
        later(() -> c.replyTo().tell(new MmReply(send.next(), "mmap", c.mm(), vma, true)));
        return commit();
    }

    // ---- teardown: mmput → __mmput → exit_mmap; mmdrop → __mmdrop → free_mm -----------------

    /** mmput (kernel/fork.c): the last mm_users reference tears down the address space. */
    private Effect<KEvent, MmuState> mmput(MmuState s, Mmput c) {
        Mm mm = s.mms.get(c.mm());
        // mm_users already 0: the address space is gone (exit_mmap ran); only mmgrab kept the mm_struct.
        // A put now underflows mm_users: a use after free of the address space.
        if (mm == null || mm.users == 0) return useAfterFree(s, c, c.mm(), c.ctx(), "mmput");
        Plan p = new Plan(s, c.ctx());
        Ctx at = c.ctx().in("mmput");
        p.ops.add(new Users(mm.id, -1));
        int users = mm.users - 1;
        // An mm_users entry: its refcount is mm_users (holders named users:...); other entries count mm_count.
        p.log(mm.id, ObjType.MM_STRUCT, mm.owner, LedgerEvent.PUT, users, c.holder(), at);
        if (users == 0) {
            exitMmap(p, mm, at.in("__mmput/exit_mmap"));
            // __mmput ends with mmdrop: the reference all mm_users held together.
            mmdropIn(p, mm, mm.count, "users", at.in("__mmput/mmdrop"));
        }
        MmuEvent ev = p.event(c, "mmput");
        emit(s, ev);
        if (c.replyTo() != null) later(() -> c.replyTo().tell(new MmReply(send.next(), "mmput", c.mm(), null, true)));
        return commit();
    }

    /** exit_mmap (mm/mmap.c): unmap_vmas frees user pages, free_pgtables the PTE/PMD/PUD pages, then the VMAs. */
    private void exitMmap(Plan p, Mm mm, Ctx at) {
        Ctx unmap = at.in("unmap_vmas");
        for (Map.Entry<Long, Pte> e : mm.ptes.entrySet()) {
            p.ops.add(new ClearPte(mm.id, e.getKey()));
            if (e.getValue().frame() != null) dropFrame(p, e.getValue().frame(), mm.id, unmap);
        }
        Ctx pgt = at.in("free_pgtables");
        List<Map.Entry<String, String>> tables = new ArrayList<>(mm.tables.entrySet());
        // Free from the leaves up: PTE tables, then PMD, then PUD. The PGD stays until __mmdrop.
        for (String level : List.of("pte", "pmd", "pud")) {
            for (Map.Entry<String, String> t : tables) {
                if (t.getValue().equals(level)) {
                    p.ops.add(new FreePageTable(mm.id, t.getKey()));
                    p.log(
                            t.getKey(),
                            ObjType.PAGE_TABLE,
                            mm.owner,
                            LedgerEvent.FREE,
                            0,
                            mm.id,
                            pgt.in("free_" + level + "_range"));
                }
            }
        }
        Ctx rm = at.in("remove_vma");
        for (Vma v : mm.vmas) {
            p.ops.add(new FreeVma(mm.id, v.id));
            p.log(v.id, ObjType.VMA, mm.owner, LedgerEvent.FREE, 0, mm.id, rm.in("vm_area_free"));
        }
    }

    /** mmget (CLONE_VM in copy_mm): one more user of the address space (mm_users). */
    private Effect<KEvent, MmuState> mmget(MmuState s, Mmget c) {
        return takeRef(s, c, c.mm(), c.holder(), c.ctx(), "mmget", true);
    }

    /** mmgrab / mmgrab_lazy_tlb: one more reference to the mm_struct itself (mm_count). */
    private Effect<KEvent, MmuState> mmgrab(MmuState s, Mmgrab c) {
        return takeRef(s, c, c.mm(), c.holder(), c.ctx(), "mmgrab", false);
    }

    /** An atomic increment of mm_users or mm_count, with its ledger entry. */
    private Effect<KEvent, MmuState> takeRef(
            MmuState s, MmuCmd c, String id, String holder, Ctx ctx, String fn, boolean users) {
        Mm mm = s.mms.get(id);
        // mmget on mm_users 0 revives a torn-down address space (Linux has mmget_not_zero for this).
        if (mm == null || (users && mm.users == 0)) return useAfterFree(s, c, id, ctx, fn);
        Plan p = new Plan(s, ctx);
        p.ops.add(users ? new Users(mm.id, +1) : new Count(mm.id, +1));
        p.log(mm.id, ObjType.MM_STRUCT, mm.owner, LedgerEvent.GET, users ? mm.users + 1 : mm.count + 1, holder, ctx);
        emit(s, p.event(c, fn));
        return commit();
    }

    private Effect<KEvent, MmuState> mmdrop(MmuState s, Mmdrop c) {
        Mm mm = s.mms.get(c.mm());
        if (mm == null) return useAfterFree(s, c, c.mm(), c.ctx(), "mmdrop");
        Plan p = new Plan(s, c.ctx());
        mmdropIn(p, mm, mm.count, c.holder(), c.ctx());
        emit(s, p.event(c, "mmdrop"));
        return commit();
    }

    /** mmdrop: the last mm_count reference runs __mmdrop → mm_free_pgd, free_mm. */
    private void mmdropIn(Plan p, Mm mm, int countBefore, String holder, Ctx at) {
        int n = countBefore - 1;
        p.ops.add(new Count(mm.id, -1));
        if (n > 0) {
            p.log(mm.id, ObjType.MM_STRUCT, mm.owner, LedgerEvent.PUT, n, holder, at);
            return;
        }
        p.log(mm.id, ObjType.MM_STRUCT, mm.owner, LedgerEvent.PUT, 0, holder, at);
        Ctx drop = at.in("__mmdrop");
        p.ops.add(new FreePageTable(mm.id, mm.pgd));
        p.log(mm.pgd, ObjType.PAGE_TABLE, mm.owner, LedgerEvent.FREE, 0, mm.id, drop.in("mm_free_pgd"));
        p.ops.add(new FreeMm(mm.id));
        p.log(mm.id, ObjType.MM_STRUCT, mm.owner, LedgerEvent.FREE, 0, holder, drop.in("free_mm"));
    }

    /** A request reached an mm that no longer exists: recorded as a ledger use on a freed object. */
    private Effect<KEvent, MmuState> useAfterFree(MmuState s, MmuCmd c, String mm, Ctx ctx, String fn) {
        Plan p = new Plan(s, ctx);
        p.log(mm, ObjType.MM_STRUCT, ctx.task(), LedgerEvent.USE, 0, ctx.task(), ctx.in(fn));
        MmuEvent ev = p.event(c, fn);
        emit(s, ev);
        later(() -> {
            if (c instanceof DupMm d) d.replyTo().tell(new MmReply(send.next(), fn, mm, null, false));
            if (c instanceof Fault f) f.replyTo().tell(new MmReply(send.next(), fn, mm, null, false));
            if (c instanceof Mmap m) m.replyTo().tell(new MmReply(send.next(), fn, mm, null, false));
            if (c instanceof Mmput m) m.replyTo().tell(new MmReply(send.next(), fn, mm, null, false));
        });
        return commit();
    }
}
