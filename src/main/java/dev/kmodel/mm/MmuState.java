package dev.kmodel.mm;

import dev.kmodel.kernel.KernelActor;
import dev.kmodel.mm.MmuEvent.*;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * All memory objects of the machine. Owned by the Mmu actor alone; mutated only by
 * {@link #apply(MmOp)} from the event handler.
 */
final class MmuState implements KernelActor.Folds<MmuEvent> {
    /** A virtual memory area (struct vm_area_struct). */
    static final class Vma {
        final String id;
        final long start;
        final long pages;
        final boolean anon;

        Vma(String id, long start, long pages, boolean anon) {
            this.id = id;
            this.start = start;
            this.pages = pages;
            this.anon = anon;
        }
    }

    /** A page-table entry: the frame it maps and whether writes fault (COW / zero page). */
    record Pte(String frame, boolean writable) {}

    /** struct mm_struct. mm_users counts tasks using the address space; mm_count pins the struct. */
    static final class Mm {
        final String id;
        final String owner;
        final String pgd; // freed only by __mmdrop (mm_free_pgd)
        int users = 1; // mm_users: mmget/mmput
        int count = 1; // mm_count: mmgrab/mmdrop; 1 for all of mm_users together
        final List<Vma> vmas = new ArrayList<>();
        final Map<String, String> tables = new LinkedHashMap<>(); // id → level (pud, pmd, pte)
        final Map<Long, String> pteTables = new TreeMap<>(); // 512-page block → pte table id
        final Map<Long, Pte> ptes = new TreeMap<>(); // vpn → pte
        long nextStart = 0x400; // next free virtual page number

        Mm(String id, String owner, String pgd) {
            this.id = id;
            this.owner = owner;
            this.pgd = pgd;
        }
    }

    final Map<String, Mm> mms = new LinkedHashMap<>();
    final Map<String, Integer> frames = new LinkedHashMap<>(); // frame → mapcount
    final Map<String, String> frameOwner = new LinkedHashMap<>(); // frame → task that allocated it
    long nextId; // object ids are allocated in journal order, so they replay identically

    @Override
    public void apply(MmuEvent event) {
        for (MmOp op : event.ops()) apply(op);
    }

    void apply(MmOp op) {
        if (op instanceof IdsUsed u) {
            nextId = u.upTo();
        } else if (op instanceof NewMm m) {
            mms.put(m.mm(), new Mm(m.mm(), m.owner(), m.pgd()));
        } else if (op instanceof NewVma v) {
            Mm mm = mms.get(v.mm());
            mm.vmas.add(new Vma(v.vma(), v.start(), v.pages(), v.anon()));
            mm.nextStart = Math.max(mm.nextStart, v.start() + v.pages() + 16);
        } else if (op instanceof NewPageTable t) {
            Mm mm = mms.get(t.mm());
            mm.tables.put(t.table(), t.level());
            if (t.level().equals("pte")) mm.pteTables.put(t.block(), t.table());
        } else if (op instanceof SetPte p) {
            mms.get(p.mm()).ptes.put(p.vpn(), new Pte(p.frame(), p.writable()));
        } else if (op instanceof ClearPte p) {
            mms.get(p.mm()).ptes.remove(p.vpn());
        } else if (op instanceof NewFrame f) {
            frames.put(f.frame(), 1);
            frameOwner.put(f.frame(), f.owner());
        } else if (op instanceof FrameRef f) {
            int n = frames.get(f.frame()) + f.delta();
            if (n <= 0) {
                frames.remove(f.frame());
                frameOwner.remove(f.frame());
            } else {
                frames.put(f.frame(), n);
            }
        } else if (op instanceof FreePageTable t) {
            Mm mm = mms.get(t.mm());
            mm.tables.remove(t.table());
            mm.pteTables.values().remove(t.table());
        } else if (op instanceof FreeVma v) {
            mms.get(v.mm()).vmas.removeIf(x -> x.id.equals(v.vma()));
        } else if (op instanceof Users u) {
            mms.get(u.mm()).users += u.delta();
        } else if (op instanceof Count c) {
            mms.get(c.mm()).count += c.delta();
        } else if (op instanceof FreeMm m) {
            mms.remove(m.mm());
        }
    }
}
