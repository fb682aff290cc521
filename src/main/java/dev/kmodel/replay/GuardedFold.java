package dev.kmodel.replay;

import dev.kmodel.journal.JournalFile;
import dev.kmodel.journal.JournalFile.BadJournal;
import java.io.File;
import java.util.function.Function;

/**
 * The last line of defence of {@code replay --at} and {@code explain} against a journal that passed
 * every check of {@link JournalFile#read} and still makes a fold fail (an edited event whose fields
 * each look right but do not fit together, e.g. a null where the model never writes one): the fold's
 * exception becomes one line naming the journal line whose event makes it fail, found by running the
 * fold again on shorter prefixes of the journal (a binary search: a few folds, only when one failed).
 */
public final class GuardedFold {
    private GuardedFold() {}

    /** {@code fold} of the journal; a RuntimeException in it is a {@link BadJournal} naming its line. */
    public static <T> T run(File f, JournalFile.Loaded l, Function<JournalFile.Loaded, T> fold) throws BadJournal {
        try {
            return fold.apply(l);
        } catch (RuntimeException e) {
            int n = l.events().size();
            int lo = 1, hi = n; // the shortest prefix whose fold fails: its last event is the culprit
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (fails(fold, prefix(l, mid))) hi = mid;
                else lo = mid + 1;
            }
            String what = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            what = what.lines().findFirst().orElse("");
            if (what.length() > 160) what = what.substring(0, 157) + "...";
            throw new BadJournal(f, n == 0 ? 1 : lo + 1, "malformed event: the fold fails on it (" + what + ")");
        }
    }

    private static JournalFile.Loaded prefix(JournalFile.Loaded l, int events) {
        return new JournalFile.Loaded(l.header(), l.events().subList(0, events));
    }

    private static <T> boolean fails(Function<JournalFile.Loaded, T> fold, JournalFile.Loaded l) {
        try {
            fold.apply(l);
            return false;
        } catch (RuntimeException e) {
            return true;
        }
    }
}
