package dev.kmodel.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.util.Instantiatable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Writes and reads reports as JSON with the contract's snake_case names.
 *
 * <p>A small run's report ({@value #INDENTED_UP_TO} tasks or fewer) is indented, one field per line, to
 * be read as it is. A bigger one is written one row per line ({@link RowPerLine}): the same JSON, a
 * third of the size, and still readable with {@code less} and {@code grep}. A file whose name ends with
 * {@code .gz} is gzip-compressed.
 */
public final class ReportJson {
    /** Reports of runs with at most this many tasks are indented one field per line. */
    public static final int INDENTED_UP_TO = 40;

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {}

    public static void write(Report r, File f) throws IOException {
        try (OutputStream out = open(f)) {
            writer(r).writeValue(out, r);
        }
    }

    public static String toJson(Report r) throws IOException {
        return writer(r).writeValueAsString(r);
    }

    private static ObjectWriter writer(Report r) {
        return r.tasks().size() <= INDENTED_UP_TO ? MAPPER.writer() : MAPPER.writer(new RowPerLine());
    }

    private static OutputStream open(File f) throws IOException {
        OutputStream out = new FileOutputStream(f);
        try {
            return f.getName().endsWith(".gz")
                    ? new GZIPOutputStream(out, 1 << 16)
                    : new BufferedOutputStream(out, 1 << 16);
        } catch (IOException e) {
            out.close();
            throw e;
        }
    }

    /**
     * The report's top-level fields one per line and each row of its arrays on one line of its own;
     * everything inside a row stays on the row's line.
     */
    static final class RowPerLine implements PrettyPrinter, Instantiatable<RowPerLine> {
        private int depth; // containers open
        private long expanded; // bit d: the container at depth d + 1 puts each child on its own line

        @Override
        public RowPerLine createInstance() {
            return new RowPerLine();
        }

        private boolean expandedHere() {
            return depth > 0 && depth <= 64 && (expanded & (1L << (depth - 1))) != 0;
        }

        private void open(JsonGenerator g, char c, boolean expand) throws IOException {
            g.writeRaw(c);
            depth++;
            if (depth <= 64) {
                if (expand) expanded |= 1L << (depth - 1);
                else expanded &= ~(1L << (depth - 1));
            }
        }

        private void close(JsonGenerator g, char c, int entries) throws IOException {
            boolean wasExpanded = expandedHere();
            depth--;
            if (wasExpanded && entries > 0) newline(g);
            g.writeRaw(c);
        }

        private void newline(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
            for (int i = 0; i < depth; i++) g.writeRaw("  ");
        }

        @Override
        public void writeRootValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
        }

        @Override
        public void writeStartObject(JsonGenerator g) throws IOException {
            open(g, '{', depth == 0); // the report itself
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            close(g, '}', entries);
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            if (expandedHere()) newline(g);
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(expandedHere() ? ": " : ":");
        }

        @Override
        public void writeStartArray(JsonGenerator g) throws IOException {
            open(g, '[', depth == 1); // an array of rows, a field of the report
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            close(g, ']', values);
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            if (expandedHere()) newline(g);
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) throws IOException {
            if (expandedHere()) newline(g);
        }

        @Override
        public void beforeObjectEntries(JsonGenerator g) throws IOException {
            if (expandedHere()) newline(g);
        }
    }
}
