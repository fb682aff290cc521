package dev.kmodel.ledger;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What happened to a kernel object: allocated, a reference taken (get) or dropped (put), freed, or
 * used after it was freed (a message or call that reached a freed object, for the oracles).
 */
public enum LedgerEvent {
    ALLOC,
    GET,
    PUT,
    FREE,
    USE;

    private final String word = name().toLowerCase();

    /** The word reports and journals use (one string per constant, not one per row). */
    @JsonValue
    @Override
    public String toString() {
        return word;
    }
}
