//! Bytes -> op script (`deferred_model::fuzz_input::decode`) -> run on the
//! real Deferred and on the reference model: the traces must be equal
//! (`deferred_proptests::machine::compare`, which the state machines use
//! too).
//!
//! A crash artifact converts back to a JSON script with
//! `cargo xtask fuzz-decode fuzz/artifacts/ops/crash-...` (docs/verification.md).
#![no_main]

use deferred_model::fuzz_input;
use deferred_proptests::machine::compare;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(report) = compare(&fuzz_input::decode(data)) {
        panic!("{report}");
    }
});
