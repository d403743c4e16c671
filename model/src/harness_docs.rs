//! The harness docs' Rust examples, compiled and run as doctests (this
//! module exists only when rustdoc collects doctests), so that none can go
//! stale: `cargo test -p deferred-model --doc ReplayDoctests`, and so on.
//! The user docs' examples run as the `deferred` crate's doctests
//! (`src/user_docs.rs`); between them every `docs/*.md` is covered, which
//! `xtask`'s tests check.

/// `docs/replay.md`.
#[doc = include_str!("../../docs/replay.md")]
struct ReplayDoctests;

/// `docs/op-language.md`.
#[doc = include_str!("../../docs/op-language.md")]
struct OpLanguageDoctests;

/// `docs/verification.md`.
#[doc = include_str!("../../docs/verification.md")]
struct VerificationDoctests;

/// `docs/benchmarks.md`.
#[doc = include_str!("../../docs/benchmarks.md")]
struct BenchmarksDoctests;
