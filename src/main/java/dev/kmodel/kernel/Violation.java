package dev.kmodel.kernel;

import java.util.List;

/** Something the oracles found wrong (contract §3 "violations"). */
public record Violation(String kind, String detail, List<Integer> pids) {}
