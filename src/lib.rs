//! Twisted's `Deferred` and its thread integration, in Rust.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(unreachable_pub)]

mod combinators;
mod deferred;
mod failure;
pub(crate) mod sync;

pub use combinators::{fail, maybe_deferred, succeed};
pub use deferred::{
    clear_unhandled_failure_hook, set_unhandled_failure_hook, Deferred, DeferredState, IntoOutcome,
    Outcome,
};
pub use failure::{
    AlreadyCalledError, AlreadyChainedError, CancelledError, Failure, NotPausedError, PanicError,
};
