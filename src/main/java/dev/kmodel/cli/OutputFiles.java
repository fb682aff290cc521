package dev.kmodel.cli;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The files a command will write, checked before it starts: a run can take minutes, and a path it
 * cannot write (no such directory, a directory, no permission) or that would overwrite its own input
 * should be bad input at once, not an error after the run.
 */
final class OutputFiles {
    private OutputFiles() {}

    /**
     * Null if every output (option name → file; a null file is not written) can be written, is not the
     * input and is not another output; otherwise the one line that says what is wrong, naming the path.
     */
    static String problem(File input, Map<String, File> outputs) {
        List<Map.Entry<String, File>> seen = new ArrayList<>();
        for (Map.Entry<String, File> o : outputs.entrySet()) {
            File f = o.getValue();
            if (f == null) continue;
            String option = o.getKey();
            if (input != null && same(f, input)) return option + " " + f + " would overwrite the input " + input;
            for (Map.Entry<String, File> earlier : seen) {
                if (same(f, earlier.getValue())) return earlier.getKey() + " and " + option + " both name " + f;
            }
            seen.add(o);
            String why = unwritable(f.toPath());
            if (why != null) return "cannot write " + option + " " + f + ": " + why;
        }
        return null;
    }

    /** Why {@code p} cannot be written, or null if it can (tried: opened for writing, nothing changed). */
    private static String unwritable(Path p) {
        if (Files.isDirectory(p)) return "it is a directory";
        Path dir = p.toAbsolutePath().getParent();
        if (dir != null && !Files.exists(dir)) return "no such directory " + dir;
        if (dir != null && !Files.isDirectory(dir)) return dir + " is not a directory";
        boolean existed = Files.exists(p);
        // Opened without truncating: an existing file keeps its contents until the run writes it.
        try {
            FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)
                    .close();
            return null;
        } catch (AccessDeniedException e) {
            return "permission denied";
        } catch (FileSystemException e) {
            return e.getReason() != null ? e.getReason() : e.toString();
        } catch (IOException e) {
            return e.getMessage();
        } finally {
            if (!existed) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // (created a moment ago by this check; the run writes it again)
                }
            }
        }
    }

    private static boolean same(File a, File b) {
        try {
            if (a.exists() && b.exists()) return Files.isSameFile(a.toPath(), b.toPath());
        } catch (IOException e) {
            // fall through to comparing the paths
        }
        return a.toPath()
                .toAbsolutePath()
                .normalize()
                .equals(b.toPath().toAbsolutePath().normalize());
    }
}
