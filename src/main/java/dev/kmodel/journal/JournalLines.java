package dev.kmodel.journal;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A journal file's lines, read in chunks and never more than {@link #MAX_LINE_BYTES} at a time: a
 * file that is not a journal (a device, a huge binary, one endless line) is refused at the line that
 * gets too long instead of filling the heap. Lines end at {@code \n} (a {@code \r} before it is
 * dropped, as BufferedReader did); each is strict UTF-8, and its bytes feed the journal's SHA-256.
 */
final class JournalLines implements Closeable {
    /** The longest line a journal has any reason to hold (the header carries the scenario's text). */
    static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

    /** A line longer than {@link #MAX_LINE_BYTES}. */
    static final class TooLong extends IOException {
        TooLong() {
            super("a line longer than " + (MAX_LINE_BYTES >> 20) + " MB: not a kmodel journal");
        }
    }

    private final InputStream in;
    private final byte[] chunk = new byte[64 * 1024];
    private int pos, end;
    private boolean eof;
    private byte[] line = new byte[256];
    private int length;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    JournalLines(InputStream in) {
        this.in = in;
    }

    /** The next line without its end, or null at the end of the file. */
    String next() throws IOException {
        length = 0;
        boolean any = false;
        while (true) {
            if (pos == end) {
                if (eof) break;
                end = in.read(chunk, 0, chunk.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    eof = true;
                    break;
                }
            }
            any = true;
            int nl = pos;
            while (nl < end && chunk[nl] != '\n') nl++;
            append(pos, nl);
            if (nl < end) {
                pos = nl + 1;
                if (length > 0 && line[length - 1] == '\r') length--;
                return decode();
            }
            pos = end;
        }
        if (!any) return null;
        if (length > 0 && line[length - 1] == '\r') length--;
        return decode();
    }

    /** Adds the line's bytes (without its end) to the digest, as the writer hashed them, then a newline. */
    void digest(MessageDigest sha) {
        sha.update(line, 0, length);
        sha.update((byte) '\n');
    }

    private void append(int from, int to) throws TooLong {
        int n = to - from;
        if (length + n > MAX_LINE_BYTES) throw new TooLong();
        if (length + n > line.length) {
            line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, Math.max(line.length * 2, length + n)));
        }
        System.arraycopy(chunk, from, line, length, n);
        length += n;
    }

    private String decode() throws CharacterCodingException {
        return utf8.decode(ByteBuffer.wrap(line, 0, length)).toString();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
