package dev.kmodel.kernel;

import akka.actor.typed.javadsl.ActorContext;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EffectBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.Recovery;
import akka.persistence.typed.javadsl.SignalHandler;
import java.util.ArrayList;
import java.util.List;

/**
 * An event-sourced model actor whose command handlers decide step by step: each {@link #emit} applies
 * the event to the state at once (so the next decision sees it) and queues it; {@link #commit}
 * persists the step's events in one write and only then performs the step's sends. During recovery
 * the same {@link Folds#apply} folds the journal, so the state is always a fold of the events.
 */
public abstract class KernelActor<C, E extends KEvent, S extends KernelActor.Folds<E>>
        extends EventSourcedBehavior<C, KEvent, S> {

    /** A state that folds events. */
    public interface Folds<E> {
        void apply(E event);
    }

    private boolean live;
    private final List<E> pending = new ArrayList<>();
    private final List<Runnable> sends = new ArrayList<>();
    protected final Send send;

    private final boolean recover;
    private final ReceiveGate plan; // a re-run's receive order, or null

    protected KernelActor(String persistenceId, ActorContext<?> ctx) {
        super(PersistenceId.ofUniqueId(persistenceId));
        RunContext run = RunContext.of(ctx.getSystem());
        this.send = new Send(persistenceId, run.activity());
        this.recover = ctx.getSystem().settings().config().getBoolean("kmodel.recover");
        this.plan = run.gate();
        if (plan != null) plan.register(persistenceId, ctx.getSelf());
    }

    /**
     * A run starts from an empty journal, so live actors skip the journal round trips of recovery
     * unless {@code kmodel.recover = on}; inspection folds the journal with the same {@link Folds#apply}.
     */
    @Override
    public Recovery recovery() {
        return recover ? super.recovery() : Recovery.disabled();
    }

    /** The subclass's commands; each model message is counted as handled when this returns. */
    protected abstract CommandHandler<C, KEvent, S> handlers();

    private MsgId handling = MsgId.NONE; // the model message this step handles
    private long sendsAtStart;
    private boolean committed; // this step went through finish()

    @Override
    @SuppressWarnings("unchecked")
    public final CommandHandler<C, KEvent, S> commandHandler() {
        CommandHandler<C, KEvent, S> handlers = handlers();
        // The message counts as handled only once its step is in flight (a controlled schedule must not take
        // the gap between the two for a machine at rest).
        CommandHandler<C, KEvent, S> counted = send.activity().counting((state, cmd) -> {
            Effect<KEvent, S> effect = handlers.apply(state, cmd);
            // A handler that returned without a step of its own still journals the message it handled:
            // whether a message changes anything depends on when it comes, so a re-run must know its turn.
            return !committed && handling != MsgId.NONE ? finish(false) : effect;
        });
        return (state, cmd) -> {
            MsgId id = MsgIds.of(cmd);
            // A message that is not due yet (a re-run: before its recorded turn; a controlled schedule: not
            // chosen yet) is still in flight: a controlled schedule keeps it and sends it again in its turn, a
            // re-run leaves it in the actor's stash.
            if (plan != null && !plan.admit(send.self(), id, cmd)) {
                return plan.keepsRefused() ? Effect().none() : Effect().stash();
            }
            handling = id == null ? MsgId.NONE : id;
            sendsAtStart = send.count();
            committed = false;
            Effect<KEvent, S> effect = counted.apply(state, cmd);
            if (plan != null && !plan.keepsRefused() && effect instanceof EffectBuilder<?, ?> b) {
                return ((EffectBuilder<KEvent, S>) b).thenUnstashAll();
            }
            return effect;
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public final EventHandler<S, KEvent> eventHandler() {
        return (state, event) -> {
            if (live) return state; // live events were applied by emit()
            if (event instanceof StepBatch b) {
                for (KEvent e : b.events()) {
                    if (!(e instanceof Handled)) state.apply((E) e);
                }
            } else {
                state.apply((E) event);
            }
            return state;
        };
    }

    @Override
    public final SignalHandler<S> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), s -> {
                    live = true;
                    recovered(s);
                })
                .build();
    }

    /** Called once the journal has been folded into the state, before the first command. */
    protected void recovered(S state) {}

    /** Applies an event to the state now and queues it for this step's write. */
    protected final void emit(S state, E event) {
        state.apply(event);
        pending.add(event);
    }

    /**
     * Applies {@code event}; if the step's last queued event is of the same class it takes that one's
     * place: for a fact where only the latest value counts (where a kernel path waits), a path that
     * passes several points within one message journals only the one it ends up at.
     */
    protected final void emitLatest(S state, E event) {
        state.apply(event);
        int n = pending.size();
        if (n > 0 && pending.get(n - 1).getClass() == event.getClass()) {
            pending.set(n - 1, event);
        } else {
            pending.add(event);
        }
    }

    /** Applies and queues several events, in order. */
    protected final void emitAll(S state, List<E> events) {
        for (E e : events) emit(state, e);
    }

    /** Queues a send (or any side effect) to run once this step's events are journaled. */
    protected final void later(Runnable r) {
        sends.add(r);
    }

    /** Ends the step: one journal write for its events, then its sends in order. */
    protected final Effect<KEvent, S> commit() {
        return finish(false);
    }

    /** Ends the step and stops the actor once the events are journaled and sends done. */
    protected final Effect<KEvent, S> commitAndStop() {
        return finish(true);
    }

    private Effect<KEvent, S> finish(boolean stop) {
        committed = true;
        List<KEvent> events = new ArrayList<>(pending);
        // A step that changed nothing still journals the message it handled (the actor's receive order).
        if (events.isEmpty() && handling != MsgId.NONE) events.add(new Handled(handling));
        List<Runnable> effects = new ArrayList<>(sends);
        pending.clear();
        sends.clear();
        if (stop && plan != null) effects.add(() -> plan.stopped(send.self()));
        if (events.isEmpty() && effects.isEmpty())
            return stop ? Effect().stop() : Effect().none();
        // The step is in flight until its write is journaled and its sends have gone out.
        Activity a = send.activity();
        a.sent();
        if (events.isEmpty()) {
            var effect = Effect().none().thenRun((S s) -> {
                effects.forEach(Runnable::run);
                a.done();
            });
            return stop ? effect.thenStop() : effect;
        }
        var effect = Effect().persist(journaled(events)).thenRun((S s) -> {
            effects.forEach(Runnable::run);
            a.done();
        });
        return stop ? effect.thenStop() : effect;
    }

    /** One journal entry per step, with the message it handled. */
    private KEvent journaled(List<? extends KEvent> events) {
        return new StepBatch(handling, List.copyOf(events));
    }
}
