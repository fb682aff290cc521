package dev.kmodel.scenario;

import java.util.List;

/** A named program: the flat list of its steps (repeat bodies inline, after their repeat step). */
public record Program(String name, List<Step> steps) {}
