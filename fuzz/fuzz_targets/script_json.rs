//! Bytes -> the `replay` parser (`parse_script_bytes`): it never panics;
//! an error names a place and is one line; a script it accepts prints as
//! JSON that parses back to the same script.
#![no_main]

use deferred_model::parse_script_bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_script_bytes(data) {
        Ok(script) => {
            let json = script.to_json();
            let again = deferred_model::parse_script(&json)
                .unwrap_or_else(|e| panic!("to_json gave {json:?}, which does not parse: {e}"));
            assert_eq!(again, script, "to_json does not round-trip");
        }
        Err(error) => {
            let line = error.to_string();
            assert!(!line.is_empty(), "an empty error message");
            assert!(!line.contains('\n'), "a multi-line error: {line:?}");
            assert!(
                !error.message().is_empty(),
                "an error without a message: {line:?}"
            );
        }
    }
});
