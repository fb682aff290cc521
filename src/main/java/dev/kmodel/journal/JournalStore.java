package dev.kmodel.journal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import dev.kmodel.kernel.StepBatch;

/**
 * The memory behind {@link RunJournal}: per persistence id an append-only list, plus the run's global
 * append order. One store per actor system (several runs can share a JVM, e.g. in tests).
 *
 * <p>Only the journal plugin actor writes; readers (the report, after quiescence) take a copy under the
 * same monitor, so this is infrastructure, not model state shared between model actors.
 */
public final class JournalStore {
  private static final Map<String, JournalStore> STORES = new ConcurrentHashMap<>();

  private final List<JournalEntry> all = new ArrayList<>();              // guarded by this
  private final Map<String, List<JournalEntry>> byId = new HashMap<>();  // guarded by this
  private long accepted;                                                 // guarded by this
  private volatile boolean keep = true;

  public static JournalStore forSystem(String systemName) {
    return STORES.computeIfAbsent(systemName, n -> new JournalStore());
  }

  public static void release(String systemName) {
    STORES.remove(systemName);
  }

  void setKeep(boolean keep) {
    this.keep = keep;
  }

  /**
   * Appends one journal entry; O(1) amortized. A {@link StepBatch} stays one entry of its actor's
   * history (that is what recovery replays) but each of its events gets its own ordinal in the run.
   */
  synchronized void append(String persistenceId, long sequenceNr, Object event) {
    List<?> parts = event instanceof StepBatch b ? b.events() : List.of(event);
    for (Object part : parts) {
      long ordinal = ++accepted;
      if (keep) all.add(new JournalEntry(ordinal, persistenceId, sequenceNr, part));
    }
    if (keep) {
      byId.computeIfAbsent(persistenceId, k -> new ArrayList<>())
          .add(new JournalEntry(accepted, persistenceId, sequenceNr, event));
    }
  }

  synchronized List<JournalEntry> eventsOf(String persistenceId, long from, long to, long max) {
    List<JournalEntry> list = byId.getOrDefault(persistenceId, List.of());
    List<JournalEntry> out = new ArrayList<>();
    for (JournalEntry e : list) {
      if (out.size() >= max) break;
      if (e.sequenceNr() >= from && e.sequenceNr() <= to) out.add(e);
    }
    return out;
  }

  synchronized long highestSequenceNr(String persistenceId) {
    List<JournalEntry> list = byId.get(persistenceId);
    return list == null || list.isEmpty() ? 0 : list.get(list.size() - 1).sequenceNr();
  }

  /** A copy of every kept event in the run's total order. */
  public synchronized List<JournalEntry> snapshot() {
    return new ArrayList<>(all);
  }

  /** How many events the journal has accepted (kept or not), counting each event of a batch. */
  public synchronized long accepted() {
    return accepted;
  }

  public synchronized int persistenceIds() {
    return byId.size();
  }
}
