//! Reference model, op scripts, traces and the `replay` tool (being built).
