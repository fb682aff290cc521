package dev.kmodel.report;

import static org.junit.jupiter.api.Assertions.*;

import dev.kmodel.fs.FileTable;
import dev.kmodel.journal.JournalEntry;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.kernel.pid.PidAllocator;
import dev.kmodel.kernel.rcu.RcuManager;
import dev.kmodel.kernel.sched.Cpu;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.ObjType;
import dev.kmodel.scenario.ScenarioParser;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The oracles judge hand-made journals: each kind of bug they exist for is found. */
class OraclesTest {
    private final List<JournalEntry> journal = new ArrayList<>();
    private final Ctx ctx = new Ctx("task-9", 9, 0, "test/path");

    private void file(LedgerEvent event, int refcount, String holder) {
        LedgerEntry e = LedgerEntry.of("file#1", ObjType.FILE, "task-9", event, refcount, holder, ctx);
        journal.add(new JournalEntry(
                journal.size() + 1, "files", journal.size() + 1, new FileTable.Event(MsgId.NONE, 0, List.of(e))));
    }

    private Report report() throws Exception {
        var sc = ScenarioParser.parseString("t.conf", "programs { m = [] }\nboot = [ m ]");
        return ReportBuilder.build(sc, journal, journal.size(), 1, "completed", List.of());
    }

    private List<String> kinds() throws Exception {
        return report().violations().stream().map(Report.ViolationRow::kind).toList();
    }

    @Test
    void aCleanLifecycleHasNoViolation() throws Exception {
        file(LedgerEvent.ALLOC, 1, "files_struct#a");
        file(LedgerEvent.GET, 2, "files_struct#b");
        file(LedgerEvent.PUT, 1, "files_struct#a");
        file(LedgerEvent.PUT, 0, "files_struct#b");
        file(LedgerEvent.FREE, 0, "task_work");
        assertEquals(List.of(), kinds());
        assertEquals("completed", report().outcome());
    }

    @Test
    void doubleFree() throws Exception {
        file(LedgerEvent.ALLOC, 1, "files_struct#a");
        file(LedgerEvent.FREE, 0, "x");
        file(LedgerEvent.FREE, 0, "x");
        assertTrue(kinds().contains("double-free"));
        assertEquals("violation", report().outcome());
    }

    @Test
    void useAfterFree() throws Exception {
        file(LedgerEvent.ALLOC, 1, "files_struct#a");
        file(LedgerEvent.FREE, 0, "x");
        file(LedgerEvent.GET, 1, "files_struct#b");
        assertTrue(kinds().contains("use-after-free"));
    }

    @Test
    void aFileNobodyHoldsAnyMoreIsALeak() throws Exception {
        file(LedgerEvent.ALLOC, 1, "files_struct#gone"); // its holder never existed as a live object
        assertTrue(kinds().contains("leak"));
    }

    @Test
    void refcountThatDisagreesWithHoldersIsFlagged() throws Exception {
        file(LedgerEvent.ALLOC, 1, "files_struct#a");
        file(LedgerEvent.GET, 5, "files_struct#b");
        assertTrue(kinds().contains("refcount-mismatch"));
    }

    @Test
    void aTaskStructFreedUnderAnOlderReaderIsFlagged() throws Exception {
        // CPU 1 enters rcu_read_lock, call_rcu queues the free, the free happens, then the reader leaves.
        journal.add(new JournalEntry(1, "cpu1", 1, new Cpu.RcuReadLocked(MsgId.NONE, "task-3", 3)));
        journal.add(new JournalEntry(
                2,
                "rcu",
                1,
                new RcuManager.CallbackQueued(MsgId.NONE, "delayed_put_task_struct", "task_struct#task-9", null, ctx)));
        LedgerEntry alloc = LedgerEntry.of(
                "task_struct#task-9", ObjType.TASK_STRUCT, "task-9", LedgerEvent.ALLOC, 1, "task-9", ctx);
        LedgerEntry free =
                LedgerEntry.of("task_struct#task-9", ObjType.TASK_STRUCT, "task-9", LedgerEvent.FREE, 0, "task-9", ctx);
        journal.add(0, new JournalEntry(0, "files", 1, new FileTable.Event(MsgId.NONE, 0, List.of(alloc))));
        journal.add(new JournalEntry(3, "files", 2, new FileTable.Event(MsgId.NONE, 0, List.of(free))));
        journal.add(new JournalEntry(4, "cpu1", 2, new Cpu.RcuReadUnlocked(MsgId.NONE, "task-3", 3)));
        assertTrue(kinds().contains("rcu-free-under-reader"), kinds().toString());
    }

    private List<String> details() throws Exception {
        return report().violations().stream().map(Report.ViolationRow::detail).toList();
    }

    @Test
    void aUseAfterFreeNamesTheSeqOfTheFreeThoughTheObjectIsNoLongerTracked() throws Exception {
        file(LedgerEvent.ALLOC, 1, "files_struct#a");
        file(LedgerEvent.FREE, 0, "x"); // seq 2: the oracles forget the object from here on
        file(LedgerEvent.PUT, 0, "files_struct#a");
        file(LedgerEvent.FREE, 0, "x");
        assertEquals(List.of("use-after-free", "double-free"), kinds());
        assertEquals(
                List.of(
                        ctx.function() + " did a put on file#1, freed at seq 2",
                        ctx.function() + " freed file#1 again (first freed at seq 2)"),
                details());
    }

    @Test
    void anIdAllocatedAgainAfterItsFreeIsANewObject() throws Exception {
        // pid numbers come back (pid#pid.300 after a wrap): a second life is no use after free.
        file(LedgerEvent.ALLOC, 1, "files_struct#a");
        file(LedgerEvent.FREE, 0, "x");
        file(LedgerEvent.ALLOC, 1, "files_struct#a");
        file(LedgerEvent.GET, 2, "files_struct#b");
        file(LedgerEvent.PUT, 1, "files_struct#b");
        file(LedgerEvent.FREE, 0, "x");
        assertEquals(List.of(), kinds());
        file(LedgerEvent.FREE, 0, "x");
        assertEquals(List.of(ctx.function() + " freed file#1 again (first freed at seq 6)"), details());
    }

    @Test
    void aStaticallyAllocatedObjectIsNoUseAfterFreeButAFreedOneAmongThemIs() throws Exception {
        // init_nsproxy is never allocated in the ledger: its gets and puts are not judged as uses.
        LedgerEntry get = LedgerEntry.of("nsproxy#init", ObjType.NSPROXY, "kernel", LedgerEvent.GET, 2, "task-9", ctx);
        LedgerEntry put = LedgerEntry.of("nsproxy#init", ObjType.NSPROXY, "kernel", LedgerEvent.PUT, 1, "task-9", ctx);
        for (LedgerEntry e : List.of(get, put)) {
            journal.add(new JournalEntry(
                    journal.size() + 1, "files", journal.size() + 1, new FileTable.Event(MsgId.NONE, 0, List.of(e))));
        }
        assertEquals(List.of(), kinds());
        file(LedgerEvent.ALLOC, 1, "files_struct#a");
        file(LedgerEvent.FREE, 0, "x"); // seq 4
        file(LedgerEvent.GET, 1, "files_struct#b");
        assertEquals(List.of(ctx.function() + " did a get on file#1, freed at seq 4"), details());
    }

    @Test
    void theLedgerArrayIsReadFromTheJournalWithoutUses() throws Exception {
        file(LedgerEvent.ALLOC, 1, "files_struct#a");
        journal.add(new JournalEntry(
                journal.size() + 1,
                "files",
                journal.size() + 1,
                new FileTable.Event(
                        MsgId.NONE,
                        0,
                        List.of(
                                LedgerEntry.of(
                                        "file#2", ObjType.FILE, "task-9", LedgerEvent.ALLOC, 1, "files_struct#a", ctx),
                                LedgerEntry.of("file#1", ObjType.FILE, "task-9", LedgerEvent.USE, 0, "x", ctx),
                                LedgerEntry.of("file#2", ObjType.FILE, "task-9", LedgerEvent.FREE, 0, "x", ctx)))));
        journal.add(new JournalEntry(journal.size() + 1, "cpu0", 1, new Cpu.RcuReadLocked(MsgId.NONE, "task-3", 3)));
        file(LedgerEvent.FREE, 0, "x");
        List<Report.LedgerRow> rows = report().ledger();
        assertEquals(4, rows.size(), "the use is a violation, not a row");
        List<String> seen = new ArrayList<>();
        for (Report.LedgerRow r : rows) seen.add(r.seq() + " " + r.object() + " " + r.event());
        assertEquals(List.of("1 file#1 alloc", "2 file#2 alloc", "2 file#2 free", "4 file#1 free"), seen);
        for (int i = 0; i < rows.size(); i++)
            assertEquals(
                    seen.get(i),
                    rows.get(i).seq() + " " + rows.get(i).object() + " "
                            + rows.get(i).event());
        assertEquals(List.copyOf(rows), rows);
        assertThrows(IndexOutOfBoundsException.class, () -> rows.get(4));
    }

    private void pid(Object event) {
        journal.add(new JournalEntry(journal.size() + 1, "pid", journal.size() + 1, event));
    }

    @Test
    void aProcessGroupThatSpansTwoSessionsIsFound() throws Exception {
        // pid 5 leads session 5 and its group; pid 7 is in session 3; a setpgid that put 7 into group 5
        // (another session's group: Linux answers EPERM) leaves group 5 across two sessions.
        pid(new PidAllocator.PidAttached(MsgId.NONE, 5, 5, "task-5", "a", 5, 5, 1, null));
        pid(new PidAllocator.PidAttached(MsgId.NONE, 7, 7, "task-7", "b", 3, 3, 1, null));
        assertFalse(kinds().contains("pgrp-across-sessions"), "two groups, each in its own session");
        pid(new PidAllocator.PgidChanged(MsgId.NONE, 7, 5, 3));
        assertEquals(1, kinds().stream().filter("pgrp-across-sessions"::equals).count(), kinds().toString());
        // A thread's entry keeps the group its process had when it was created: it is not a member of its own.
        pid(new PidAllocator.PidAttached(MsgId.NONE, 8, 7, "task-8", "b", 3, 3, 1, null));
        pid(new PidAllocator.PidAttached(MsgId.NONE, 9, 9, "task-9", "c", 9, 1, 1, null));
        pid(new PidAllocator.PidAttached(MsgId.NONE, 10, 9, "task-10", "c", 9, 1, 1, null)); // its thread
        pid(new PidAllocator.PgidChanged(MsgId.NONE, 9, 4, 1)); // the process leaves group 9 ...
        pid(new PidAllocator.PgidChanged(MsgId.NONE, 9, 9, 9)); // ... so setsid may make it session 9's
        assertEquals(1, kinds().stream().filter("pgrp-across-sessions"::equals).count(), kinds().toString());
        // setsid moving a whole group's last member out is not a violation: it is reported once, when it happens.
        pid(new PidAllocator.PidDetached(MsgId.NONE, 5));
        pid(new PidAllocator.PgidChanged(MsgId.NONE, 7, 7, 7));
        assertEquals(1, kinds().stream().filter("pgrp-across-sessions"::equals).count(), kinds().toString());
    }
}
