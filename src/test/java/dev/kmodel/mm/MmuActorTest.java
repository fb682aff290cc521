package dev.kmodel.mm;

import static dev.kmodel.ActorTests.TIMEOUT;
import static org.junit.jupiter.api.Assertions.*;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.kmodel.ActorTests;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.mm.MmuCmd.MmReply;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MMU alone (mm/, kernel/fork.c): probes receive its replies; what it allocated, referenced and
 * freed is read from the ledger entries of the events it journaled.
 */
class MmuActorTest {
    private static ActorTestKit kit;

    @BeforeAll
    static void startKit() {
        kit = ActorTests.kit("MmuActorTest");
    }

    @AfterAll
    static void stopKit() {
        ActorTests.shutdown(kit);
    }

    private final ActorTests.Ids ids = new ActorTests.Ids("test");
    private ActorRef<MmuCmd> mmu;
    private long mark;

    @BeforeEach
    void spawnMmu() {
        mark = ActorTests.mark(kit);
        mmu = kit.spawn(Mmu.create());
    }

    @AfterEach
    void stopMmu() {
        kit.stop(mmu, TIMEOUT);
    }

    private static Ctx ctx(String task, String path) {
        return new Ctx(task, Integer.parseInt(task.substring(task.indexOf('-') + 1)), 0, path);
    }

    private MmReply ask(java.util.function.Function<ActorRef<MmReply>, MmuCmd> request) {
        TestProbe<MmReply> p = kit.createTestProbe(MmReply.class);
        mmu.tell(request.apply(p.ref()));
        return p.receiveMessage(TIMEOUT);
    }

    /** mm_alloc + an image with {@code pages} heap pages written, for task {@code task}. */
    private String mmAlloc(String task, int pages) {
        MmReply r = ask(p -> new MmuCmd.MmAlloc(ids.next(), pages, ctx(task, "execve/bprm_mm_init"), p));
        assertTrue(r.ok());
        assertEquals("mm_alloc", r.request());
        return r.mm();
    }

    private String dupMm(String parentMm, String child) {
        MmReply r = ask(
                p -> new MmuCmd.DupMm(ids.next(), parentMm, child, ctx(child, "kernel_clone/copy_process/copy_mm"), p));
        assertTrue(r.ok());
        return r.mm();
    }

    private void writeHeap(String mm, String task, int pages) {
        assertTrue(ask(p -> new MmuCmd.Fault(ids.next(), mm, pages, true, ctx(task, "user"), p))
                .ok());
    }

    private MmReply mmput(String mm, String holder) {
        return ask(p -> new MmuCmd.Mmput(ids.next(), mm, holder, ctx(holder, "do_exit/exit_mm"), p));
    }

    /** The number of live mm_structs. Also a barrier: answered after everything sent before. */
    private int liveMms() {
        TestProbe<Integer> p = kit.createTestProbe(Integer.class);
        mmu.tell(new MmuCmd.Query(MsgId.NONE, p.ref()));
        return p.receiveMessage(TIMEOUT);
    }

    /** Every ledger entry journaled in this test, in order. */
    private List<LedgerEntry> ledger() {
        return ActorTests.events(kit, "mmu", mark, MmuEvent.class).stream()
                .flatMap(e -> e.ledger().stream())
                .toList();
    }

    /** The ledger entries of the last request handled. */
    private List<LedgerEntry> lastRequest() {
        List<MmuEvent> events = ActorTests.events(kit, "mmu", mark, MmuEvent.class);
        return events.get(events.size() - 1).ledger();
    }

    private static List<LedgerEntry> where(List<LedgerEntry> l, Predicate<LedgerEntry> p) {
        return l.stream().filter(p).toList();
    }

    private static Predicate<LedgerEntry> is(String type, LedgerEvent event) {
        return e -> e.type().equals(type) && e.event() == event;
    }

    private static Set<String> objects(List<LedgerEntry> l) {
        return l.stream().map(LedgerEntry::object).collect(Collectors.toSet());
    }

    // kernel/fork.c mm_alloc → mm_init: mm_users = mm_count = 1, a pgd; the image's VMAs; written pages faulted in
    // (mm/memory.c do_anonymous_page).
    @Test
    void mmAllocBuildsAnAddressSpaceWithOneUserAndItsFirstPages() {
        String mm = mmAlloc("task-1", 2);
        assertTrue(mm.startsWith("mm_struct#"), mm);
        assertEquals(1, liveMms());
        List<LedgerEntry> l = ledger();
        LedgerEntry alloc = where(l, is("mm_struct", LedgerEvent.ALLOC)).get(0);
        assertEquals(mm, alloc.object());
        assertEquals(1, alloc.refcount());
        assertEquals("task-1", alloc.owner());
        assertEquals("allocate_mm", alloc.function());
        assertEquals(3, where(l, is("vma", LedgerEvent.ALLOC)).size(), "text, heap, stack");
        List<LedgerEntry> pages = where(l, is("page", LedgerEvent.ALLOC));
        assertEquals(3, pages.size(), "the first stack page and two heap pages");
        assertTrue(
                pages.stream()
                        .allMatch(e -> e.function().equals("do_anonymous_page")
                                && e.holder().equals(mm)
                                && e.refcount() == 1
                                && e.owner().equals("task-1")),
                pages.toString());
        Map<String, Long> tables = where(l, is("page_table", LedgerEvent.ALLOC)).stream()
                .collect(Collectors.groupingBy(LedgerEntry::function, Collectors.counting()));
        // The heap and the stack are in different 512-page blocks: two PTE tables under one PMD and PUD.
        assertEquals(Map.of("mm_alloc_pgd", 1L, "__pud_alloc", 1L, "__pmd_alloc", 1L, "__pte_alloc", 2L), tables);
        assertTrue(where(l, e -> e.event() != LedgerEvent.ALLOC).isEmpty(), "nothing but allocations");
    }

    // kernel/fork.c mmput → __mmput → exit_mmap (mm/mmap.c: unmap_vmas, free_pgtables, remove_vma), then mmdrop →
    // __mmdrop frees the mm_struct.
    @Test
    void mmputOfTheLastUserTearsDownTheAddressSpace() {
        String mm = mmAlloc("task-1", 2);
        mmu.tell(new MmuCmd.Mmget(ids.next(), mm, "task-2", ctx("task-2", "kernel_clone/copy_process/copy_mm/mmget")));
        assertEquals(1, liveMms());
        LedgerEntry get = lastRequest().get(0);
        assertEquals(LedgerEvent.GET, get.event());
        assertEquals(2, get.refcount(), "mm_users 2 (CLONE_VM)");
        assertEquals("task-2", get.holder());

        assertTrue(mmput(mm, "task-2").ok());
        List<LedgerEntry> first = lastRequest();
        assertEquals(1, first.size(), "only the mm_users put: " + first);
        assertEquals(1, first.get(0).refcount());
        assertEquals(1, liveMms());

        assertTrue(mmput(mm, "task-1").ok());
        assertEquals(0, liveMms());
        List<LedgerEntry> l = ledger();
        Set<String> allocated = objects(where(l, e -> e.event() == LedgerEvent.ALLOC));
        Set<String> freed = objects(where(l, e -> e.event() == LedgerEvent.FREE));
        assertEquals(allocated, freed, "every page, page table, VMA and the mm_struct itself is freed");
        assertEquals(
                allocated.size(), where(l, e -> e.event() == LedgerEvent.FREE).size(), "each once");

        // exit_mmap's order: pages (unmap_vmas), then page tables from the leaves up (free_pgtables), then
        // the VMAs (remove_vma); __mmdrop frees the pgd and the mm_struct last.
        List<String> order = lastRequest().stream()
                .filter(e -> e.event() == LedgerEvent.FREE)
                .map(e -> e.type() + ":" + e.function())
                .distinct()
                .toList();
        assertEquals(
                List.of(
                        "page:unmap_vmas",
                        "page_table:free_pte_range",
                        "page_table:free_pmd_range",
                        "page_table:free_pud_range",
                        "vma:vm_area_free",
                        "page_table:mm_free_pgd",
                        "mm_struct:free_mm"),
                order);
    }

    // kernel/fork.c mmgrab / mmdrop: an mm_count reference (a lazy-TLB CPU) keeps the mm_struct after exit_mmap, until
    // the last mmdrop.
    @Test
    void mmgrabKeepsTheMmStructPastTheLastMmputUntilTheLastMmdrop() {
        String mm = mmAlloc("task-1", 1);
        mmu.tell(new MmuCmd.Mmgrab(
                ids.next(), mm, "lazy:cpu0", ctx("task-1", "__schedule/context_switch/mmgrab_lazy_tlb")));
        liveMms();
        assertEquals(2, lastRequest().get(0).refcount(), "mm_count 2");

        mmput(mm, "task-1");
        assertEquals(1, liveMms(), "the address space is gone, the mm_struct is not");
        List<LedgerEntry> teardown = lastRequest();
        assertFalse(where(teardown, is("page", LedgerEvent.FREE)).isEmpty());
        assertFalse(where(teardown, is("vma", LedgerEvent.FREE)).isEmpty());
        assertTrue(where(teardown, is("mm_struct", LedgerEvent.FREE)).isEmpty());
        assertTrue(
                where(
                                teardown,
                                e -> e.event() == LedgerEvent.FREE
                                        && e.function().equals("mm_free_pgd"))
                        .isEmpty(),
                "the pgd goes with the mm_struct");
        LedgerEntry usersDrop = where(
                        teardown,
                        e -> e.type().equals("mm_struct") && e.holder().equals("users"))
                .get(0);
        assertEquals(1, usersDrop.refcount(), "__mmput's mmdrop leaves mm_count 1");

        mmu.tell(new MmuCmd.Mmdrop(
                ids.next(), mm, "lazy:cpu0", ctx("task-1", "__schedule/finish_task_switch/mmdrop_lazy_tlb")));
        assertEquals(0, liveMms());
        List<LedgerEntry> last = lastRequest();
        assertEquals(
                List.of(LedgerEvent.PUT, LedgerEvent.FREE, LedgerEvent.FREE),
                last.stream().map(LedgerEntry::event).toList());
        assertEquals(0, last.get(0).refcount());
        assertEquals("mm_free_pgd", last.get(1).function());
        assertEquals(mm, last.get(2).object());
        assertEquals("free_mm", last.get(2).function());
    }

    // kernel/fork.c dup_mmap → mm/memory.c copy_present_pte (share write-protected), do_wp_page (wp_page_copy /
    // wp_page_reuse).
    @Test
    void forkSharesPagesCopyOnWriteAndAWriteFaultCopiesOnlyASharedPage() {
        String parent = mmAlloc("task-1", 2);
        Set<String> parentPages = objects(where(ledger(), is("page", LedgerEvent.ALLOC)));
        assertEquals(3, parentPages.size());

        String child = dupMm(parent, "task-2");
        assertNotEquals(parent, child);
        assertEquals(2, liveMms());
        List<LedgerEntry> dup = lastRequest();
        List<LedgerEntry> shared = where(dup, is("page", LedgerEvent.GET));
        assertEquals(parentPages, objects(shared), "every present page is shared with the child");
        assertTrue(
                shared.stream()
                        .allMatch(e -> e.refcount() == 2
                                && e.holder().equals(child)
                                && e.function().equals("copy_present_pte")),
                shared.toString());
        assertTrue(where(dup, is("page", LedgerEvent.ALLOC)).isEmpty(), "fork copies no page");
        assertEquals(
                3,
                where(dup, e -> e.type().equals("vma") && e.function().equals("vm_area_dup"))
                        .size());

        // The child writes the first heap page: it gets its own copy; the shared page loses one mapping.
        writeHeap(child, "task-2", 1);
        List<LedgerEntry> cow = lastRequest();
        List<LedgerEntry> copies = where(cow, is("page", LedgerEvent.ALLOC));
        assertEquals(1, copies.size());
        assertEquals("wp_page_copy", copies.get(0).function());
        assertEquals("task-2", copies.get(0).owner());
        String childCopy = copies.get(0).object();
        List<LedgerEntry> puts = where(cow, is("page", LedgerEvent.PUT));
        assertEquals(1, puts.size());
        assertEquals(1, puts.get(0).refcount());
        String heap0 = puts.get(0).object();
        assertTrue(parentPages.contains(heap0));

        // The parent is now that page's only user: writing it reuses it (wp_page_reuse), no copy.
        writeHeap(parent, "task-1", 1);
        assertTrue(lastRequest().isEmpty(), "reuse: " + lastRequest());
        // The second heap page is still shared: the parent's write copies it.
        writeHeap(parent, "task-1", 2);
        List<LedgerEntry> second = lastRequest();
        assertEquals(1, where(second, is("page", LedgerEvent.ALLOC)).size());
        String heap1 = where(second, is("page", LedgerEvent.PUT)).get(0).object();
        assertNotEquals(heap0, heap1);

        // The child exits: its copy and the heap page only it maps now are freed; the stack page it shares is not.
        mmput(child, "task-2");
        List<LedgerEntry> childExit = lastRequest();
        assertEquals(Set.of(childCopy, heap1), objects(where(childExit, is("page", LedgerEvent.FREE))));
        List<LedgerEntry> stillShared = where(childExit, is("page", LedgerEvent.PUT));
        assertEquals(1, stillShared.size());
        assertEquals(1, stillShared.get(0).refcount());
        assertEquals(1, liveMms());

        mmput(parent, "task-1");
        assertEquals(0, liveMms());
        List<LedgerEntry> l = ledger();
        assertEquals(
                objects(where(l, is("page", LedgerEvent.ALLOC))),
                objects(where(l, is("page", LedgerEvent.FREE))),
                "no page leaks");
        assertEquals(
                5, where(l, is("page", LedgerEvent.FREE)).size(), "three originals and two copies, each freed once");
    }

    // mm/memory.c do_anonymous_page: a read fault maps the shared zero page (no frame); a later write gets a private
    // copy.
    @Test
    void aReadFaultMapsTheZeroPageAndAWriteThenAllocatesAFrame() {
        String mm = mmAlloc("task-1", 0);
        assertTrue(ask(p -> new MmuCmd.Fault(ids.next(), mm, 2, false, ctx("task-1", "user"), p))
                .ok());
        List<LedgerEntry> read = lastRequest();
        assertTrue(where(read, e -> e.type().equals("page")).isEmpty(), "no frame for a read: " + read);
        MmuEvent readEvent = ActorTests.events(kit, "mmu", mark, MmuEvent.class).get(1);
        assertEquals(
                2,
                readEvent.ops().stream()
                        .filter(o -> o instanceof MmuEvent.SetPte s && s.frame() == null && !s.writable())
                        .count(),
                "two PTEs map the zero page read-only");

        writeHeap(mm, "task-1", 1);
        List<LedgerEntry> write = lastRequest();
        assertEquals(1, write.size());
        assertEquals(LedgerEvent.ALLOC, write.get(0).event());
        assertEquals("wp_page_copy", write.get(0).function());
    }

    // kernel/fork.c: a request on an mm_struct already freed is a use after free; the ledger records it and the caller
    // is told.
    @Test
    void aRequestOnAFreedMmIsRecordedAsUseAfterFree() {
        String mm = mmAlloc("task-1", 0);
        mmput(mm, "task-1");
        assertEquals(0, liveMms());

        MmReply dup = ask(
                p -> new MmuCmd.DupMm(ids.next(), mm, "task-3", ctx("task-3", "kernel_clone/copy_process/copy_mm"), p));
        assertFalse(dup.ok());
        LedgerEntry use = lastRequest().get(0);
        assertEquals(LedgerEvent.USE, use.event());
        assertEquals(mm, use.object());
        assertEquals("dup_mm", use.function());

        mmu.tell(new MmuCmd.Mmdrop(ids.next(), mm, "lazy:cpu0", ctx("task-1", "__schedule/finish_task_switch")));
        liveMms();
        assertEquals(LedgerEvent.USE, lastRequest().get(0).event());
        assertEquals(0, liveMms());
    }

    // kernel/fork.c mmput / mmget: mm_users at 0 means exit_mmap already tore the address space down;
    // an mm_struct kept by mmgrab does not make a further mmput or mmget legal (mmget_not_zero exists).
    @Test
    void mmputOrMmgetOnATornDownAddressSpaceIsAUseAfterFree() {
        String mm = mmAlloc("task-1", 1);
        mmu.tell(new MmuCmd.Mmgrab(ids.next(), mm, "lazy:cpu0", ctx("task-1", "mmgrab_lazy_tlb")));
        assertTrue(mmput(mm, "task-1").ok());
        assertEquals(1, liveMms(), "mmgrab keeps the mm_struct");

        assertFalse(mmput(mm, "task-1").ok(), "mm_users would go below zero");
        LedgerEntry put = lastRequest().get(0);
        assertEquals(LedgerEvent.USE, put.event());
        assertEquals("mmput", put.function());

        mmu.tell(new MmuCmd.Mmget(ids.next(), mm, "users:task-2", ctx("task-2", "copy_mm/mmget")));
        liveMms();
        assertEquals(LedgerEvent.USE, lastRequest().get(0).event());
    }
}
