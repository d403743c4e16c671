//! Loom models of every cross-thread path of `deferred`.
//!
//! Built only with `--cfg deferred_loom`, which makes the library's
//! `src/sync.rs` hand out loom's Mutex, Condvar, atomics, threads and
//! thread-locals, so these models check the code that ships:
//!
//! ```text
//! LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg deferred_loom" \
//!     cargo test --release -p deferred-loom --test loom --target-dir target/loom
//! ```
//!
//! Each model asserts exact outcomes (which handler ran, with what, in what
//! order, who won), not only the absence of deadlocks. See
//! docs/verification.md for what they prove, their run times, and the
//! mutants they catch.
#![cfg(deferred_loom)]

#[path = "loom/support.rs"]
mod support;

#[path = "loom/deferred.rs"]
mod deferred;

#[path = "loom/threads.rs"]
mod threads;

#[path = "loom/combinators.rs"]
mod combinators;

#[path = "loom/time.rs"]
mod time;

#[path = "loom/primitives.rs"]
mod primitives;

#[path = "loom/bridge.rs"]
mod bridge;

#[path = "loom/reactor_edges.rs"]
mod reactor_edges;
