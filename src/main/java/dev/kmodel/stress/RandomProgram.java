package dev.kmodel.stress;

/** Placeholder until the generator lands (issue 11, item 3). */
final class RandomProgram {
    private RandomProgram() {}

    static String generate(long seed) {
        throw new UnsupportedOperationException("random programs are not built yet");
    }
}
