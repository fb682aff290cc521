package dev.kmodel.fs;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import dev.kmodel.kernel.Ctx;
import dev.kmodel.kernel.KEvent;
import dev.kmodel.kernel.KernelActor;
import dev.kmodel.kernel.MsgId;
import dev.kmodel.ledger.LedgerEntry;
import dev.kmodel.ledger.LedgerEvent;
import dev.kmodel.ledger.Ledgered;
import dev.kmodel.ledger.ObjType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Open file descriptions (struct file, fs/file_table.c). A file is shared by every fd table that
 * refers to it (dup_fd at fork takes a reference with get_file); the last fput defers __fput to the
 * task's task_work, which exit_task_work runs during do_exit.
 */
public final class FileTable extends KernelActor<FileTable.Cmd, FileTable.Event, FileTable.State> {

    public sealed interface Cmd {}

    /** Reply: the files opened, or those whose last reference was just dropped. */
    public record Files(MsgId id, String request, List<String> files) {}

    /** do_sys_open → alloc_empty_file, {@code count} times; the references belong to {@code holder}. */
    public record Open(MsgId id, int count, String holder, Ctx ctx, ActorRef<Files> replyTo) implements Cmd {}

    /** get_file on each (dup_fd at fork). */
    public record Get(MsgId id, List<String> files, String holder, Ctx ctx) implements Cmd {}

    /** fput on each; replies with the files whose f_count reached zero (their __fput is now queued). */
    public record Fput(MsgId id, List<String> files, String holder, Ctx ctx, ActorRef<Files> replyTo, boolean delayed)
            implements Cmd {
        public Fput(MsgId id, List<String> files, String holder, Ctx ctx, ActorRef<Files> replyTo) {
            this(id, files, holder, ctx, replyTo, false);
        }
    }

    /** ____fput → __fput from task_work: the file is finally freed. */
    public record FinishFput(MsgId id, List<String> files, Ctx ctx) implements Cmd {}

    /** The event: f_count changes (and frees) of one request, with its ledger entries. */
    public record Event(MsgId cause, long ids, List<LedgerEntry> ledger) implements KEvent, Ledgered {}

    /** f_count per live file; files at 0 await __fput. Owned by this actor alone. */
    public static final class State implements KernelActor.Folds<Event> {
        final Map<String, Integer> count = new LinkedHashMap<>();
        final Map<String, String> owner = new HashMap<>();
        long ids;

        @Override
        public void apply(Event e) {
            ids = e.ids();
            for (LedgerEntry l : e.ledger()) {
                if (l.event() == LedgerEvent.USE) continue;
                if (l.event() == LedgerEvent.FREE) {
                    count.remove(l.object());
                    owner.remove(l.object());
                } else {
                    count.put(l.object(), l.refcount());
                    owner.putIfAbsent(l.object(), l.owner());
                }
            }
        }
    }

    public static Behavior<Cmd> create() {
        return Behaviors.setup(FileTable::new);
    }

    private FileTable(ActorContext<Cmd> ctx) {
        super("files", ctx);
    }

    @Override
    public State emptyState() {
        return new State();
    }

    @Override
    protected CommandHandler<Cmd, KEvent, State> handlers() {
        return newCommandHandlerBuilder()
                .forAnyState()
                .onCommand(Open.class, this::open)
                .onCommand(Get.class, this::get)
                .onCommand(Fput.class, this::fput)
                .onCommand(FinishFput.class, this::finishFput)
                .build();
    }

    /** do_sys_open → do_filp_open → alloc_empty_file (fs/file_table.c). */
    private Effect<KEvent, State> open(State s, Open c) {
        List<LedgerEntry> ledger = new ArrayList<>();
        List<String> files = new ArrayList<>();
        long ids = s.ids;
        for (int i = 0; i < c.count(); i++) {
            String f = ObjType.FILE.kernelName + "#files." + (++ids);
            files.add(f);
            ledger.add(LedgerEntry.of(
                    f,
                    ObjType.FILE,
                    c.ctx().task(),
                    LedgerEvent.ALLOC,
                    1,
                    c.holder(),
                    c.ctx().in("do_filp_open/alloc_empty_file")));
        }
        emit(s, new Event(c.id(), ids, ledger));
        later(() -> c.replyTo().tell(new Files(send.next(), "open", files)));
        return commit();
    }

    private Effect<KEvent, State> get(State s, Get c) {
        List<LedgerEntry> ledger = new ArrayList<>();
        Map<String, Integer> view = new HashMap<>();
        for (String f : c.files()) {
            Integer n = view.getOrDefault(f, s.count.get(f));
            LedgerEvent event =
                    n == null || n == 0 ? LedgerEvent.USE : LedgerEvent.GET; // a get on a freed file: use after free
            int after = n == null ? 0 : n + 1;
            if (n != null) view.put(f, after);
            ledger.add(LedgerEntry.of(
                    f,
                    ObjType.FILE,
                    s.owner.getOrDefault(f, c.ctx().task()),
                    event,
                    after,
                    c.holder(),
                    c.ctx().in("get_file")));
        }
        emit(s, new Event(c.id(), s.ids, ledger));
        return commit();
    }

    /** fput (fs/file_table.c): the last reference queues ____fput as task_work (no free yet). */
    private Effect<KEvent, State> fput(State s, Fput c) {
        List<LedgerEntry> ledger = new ArrayList<>();
        List<String> last = new ArrayList<>();
        Map<String, Integer> view = new HashMap<>();
        for (String f : c.files()) {
            Integer n = view.getOrDefault(f, s.count.get(f));
            if (n == null || n == 0) {
                ledger.add(LedgerEntry.of(
                        f,
                        ObjType.FILE,
                        c.ctx().task(),
                        LedgerEvent.USE,
                        0,
                        c.holder(),
                        c.ctx().in("fput")));
                continue;
            }
            view.put(f, n - 1);
            ledger.add(LedgerEntry.of(
                    f,
                    ObjType.FILE,
                    s.owner.get(f),
                    LedgerEvent.PUT,
                    n - 1,
                    c.holder(),
                    c.ctx().in("fput")));
            if (n - 1 == 0) last.add(f);
        }
        if (c.delayed()) {
            // No task_work to run them (the last reference went from another task's actor): delayed_fput.
            for (String f : last) {
                ledger.add(LedgerEntry.of(
                        f,
                        ObjType.FILE,
                        s.owner.get(f),
                        LedgerEvent.FREE,
                        0,
                        "delayed_fput",
                        c.ctx().in("fput/delayed_fput/__fput/file_free")));
            }
        }
        emit(s, new Event(c.id(), s.ids, ledger));
        if (c.replyTo() != null) later(() -> c.replyTo().tell(new Files(send.next(), "fput", last)));
        return commit();
    }

    /** ____fput → __fput: release the file and free it (file_free). */
    private Effect<KEvent, State> finishFput(State s, FinishFput c) {
        List<LedgerEntry> ledger = new ArrayList<>();
        for (String f : c.files()) {
            Integer n = s.count.get(f);
            LedgerEvent event = n != null && n == 0 ? LedgerEvent.FREE : LedgerEvent.USE;
            ledger.add(LedgerEntry.of(
                    f,
                    ObjType.FILE,
                    s.owner.getOrDefault(f, c.ctx().task()),
                    event,
                    0,
                    "task_work",
                    c.ctx().in("____fput/__fput/file_free")));
        }
        emit(s, new Event(c.id(), s.ids, ledger));
        return commit();
    }
}
