//! The reference model of `deferred`, the op-script language, traces, and
//! the `replay` tool (`docs/op-language.md` is the contract).
//!
//! - [`script`]: what a script says ([`Script`], [`Op`], [`Handler`]), the
//!   strict parser [`parse_script`] and [`Script::to_json`].
//! - [`trace`]: what was observed ([`Event`]) and its JSON Lines form
//!   ([`trace::to_jsonl`]).
//! - [`reference`](mod@reference): the model, a second and deliberately plain
//!   implementation of the semantics ([`reference::run`]).
//! - [`real`]: the interpreter that runs a script on the real
//!   `deferred::Deferred<i64>` ([`real::run`]).
//! - [`gen`]: a deterministic generator of valid scripts ([`gen::script`]).
//! - [`primitives`]: the reference model of the lock, semaphore and queue
//!   (`deferred-proptests` runs the real ones against it).
//!
//! Two implementations agree on a script when they give the same trace:
//!
//! ```
//! use deferred_model::{gen, real, reference};
//!
//! let script = gen::script(1, 40);
//! assert_eq!(reference::run(&script), real::run(&script));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(feature = "arbitrary")]
pub mod fuzz_input;
pub mod gen;
#[cfg(doctest)]
mod harness_docs;
pub mod primitives;
pub mod real;
pub mod reference;
pub mod script;
pub mod trace;

pub use script::{parse_script, parse_script_bytes, Handler, Op, Script, ScriptError, Tag};
pub use trace::Event;
