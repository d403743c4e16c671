//! Combinators: ready-made Deferreds, and Deferreds made of others.
//!
//! | item | Twisted | file |
//! | --- | --- | --- |
//! | [`succeed`], [`fail`], [`maybe_deferred`] | `succeed`, `fail`, `maybeDeferred` | `ready.rs` |
//! | [`deferred_list`], [`DeferredList`], [`FirstSuccess`] | `DeferredList` and its options | `list.rs` |
//! | [`gather_results`] | `gatherResults` | `gather.rs` |
//! | [`race`](fn@race) | `race` | `race.rs` |
//! | [`FirstError`] | `FirstError` | `first_error.rs` |
//! | [`FailureGroup`] | `FailureGroup` | `failure_group.rs` |
//!
//! The many-input combinators share one shape: each input's chain joins a
//! shared, locked record (`Deferred::join`: a race takes every result, a
//! list takes a value unless asked to keep it and passes a failure on), and
//! the output's canceller cancels every input (`inputs.rs`). `docs/semantics.md` ("Combinators") states every rule and
//! where it differs from Twisted.

mod failure_group;
mod first_error;
mod gather;
mod inputs;
mod list;
mod race;
mod ready;

pub use failure_group::FailureGroup;
pub use first_error::FirstError;
pub use gather::gather_results;
pub use list::{deferred_list, DeferredList, FirstSuccess};
pub use race::race;
pub use ready::{fail, maybe_deferred, succeed};
