//! The user docs' Rust examples, compiled and run as doctests (this module
//! exists only when rustdoc collects doctests), so that none can go stale:
//! `cargo test --doc ReadmeDoctests` runs the README's, and so on. Each file
//! here is in the package (Cargo.toml's `include`), so the packaged crate's
//! doctests build too; the harness docs' examples run as
//! `deferred-model`'s doctests.

/// `README.md`.
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// `docs/semantics.md`.
#[doc = include_str!("../docs/semantics.md")]
struct SemanticsDoctests;

/// `docs/async.md`.
#[doc = include_str!("../docs/async.md")]
struct AsyncDoctests;

/// `docs/threads.md`.
#[doc = include_str!("../docs/threads.md")]
struct ThreadsDoctests;

/// `docs/architecture.md`.
#[doc = include_str!("../docs/architecture.md")]
struct ArchitectureDoctests;

/// `docs/from-twisted.md`.
#[doc = include_str!("../docs/from-twisted.md")]
struct FromTwistedDoctests;

/// `docs/testing.md`.
#[doc = include_str!("../docs/testing.md")]
struct TestingDoctests;
