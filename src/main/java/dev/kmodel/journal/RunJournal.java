package dev.kmodel.journal;

import akka.dispatch.Futures;
import akka.persistence.AtomicWrite;
import akka.persistence.PersistentRepr;
import akka.persistence.journal.japi.AsyncWriteJournal;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import scala.concurrent.Future;

/**
 * An in-memory Akka Persistence journal plugin. Akka 2.6's own {@code inmem} journal cannot be read
 * back in the run's global order; this one appends in O(1) and numbers every write with its position
 * in the run's total order, which the report uses as {@code seq}.
 */
public final class RunJournal extends AsyncWriteJournal {
  private final JournalStore store;

  public RunJournal(Config config) {
    this.store = JournalStore.forSystem(context().system().name());
    this.store.setKeep(!config.hasPath("store") || config.getBoolean("store"));
  }

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
    List<Optional<Exception>> results = new ArrayList<>();
    for (AtomicWrite write : messages) {
      scala.collection.Iterator<PersistentRepr> it = write.payload().iterator();
      while (it.hasNext()) {
        PersistentRepr repr = it.next();
        store.append(repr.persistenceId(), repr.sequenceNr(), repr.payload());
      }
      results.add(Optional.empty());
    }
    return Futures.successful(results);
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    // A run's history is never deleted: replay and the report need all of it.
    return Futures.successful(null);
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId, long fromSequenceNr, long toSequenceNr, long max,
      Consumer<PersistentRepr> replayCallback) {
    for (JournalEntry e : store.eventsOf(persistenceId, fromSequenceNr, toSequenceNr, max)) {
      replayCallback.accept(
          PersistentRepr.apply(e.event(), e.sequenceNr(), persistenceId, "", false, null, ""));
    }
    return Futures.successful(null);
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return Futures.successful(store.highestSequenceNr(persistenceId));
  }
}
