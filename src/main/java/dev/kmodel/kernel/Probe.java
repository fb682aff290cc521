package dev.kmodel.kernel;

/** A read-only question from the driver (quiescence, audit): never journaled, never counted. */
public interface Probe {}
