//! Proptest state machines (being built).
