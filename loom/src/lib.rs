//! Loom models of every cross-thread path of `deferred`: they live in
//! `tests/loom.rs` and `tests/loom/*.rs`, one module per area, all run by
//! one runner (`tests/loom/support.rs`). This library is empty; it exists so
//! that the models have a crate of their own, apart from the reference
//! model in `model/`.
//!
//! ```text
//! LOOM_MAX_PREEMPTIONS=3 RUST_BACKTRACE=0 RUSTFLAGS="--cfg deferred_loom" \
//!     cargo test --release -p deferred-loom --test loom --target-dir target/loom
//! ```
