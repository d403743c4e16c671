//! The text of the compile errors that name their fix (issue 18 item 1):
//! `src/compile_fail.rs` pins that each snippet fails to compile (rustdoc
//! cannot check the message); this runs rustc on the same snippets against
//! the library this test was built with and checks the message says the
//! fix.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The newest `libdeferred-*.rlib` beside this test's executable (in
/// `target/<profile>/deps`), and that directory.
fn library() -> (PathBuf, PathBuf) {
    let exe = std::env::current_exe().expect("the test's own path");
    let deps = exe.parent().expect("target/<profile>/deps").to_path_buf();
    let rlib = std::fs::read_dir(&deps)
        .expect("the deps directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libdeferred-") && n.ends_with(".rlib"))
        })
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .expect("libdeferred-*.rlib beside the test executable");
    (rlib, deps)
}

/// rustc's error output for `main_body` in a crate using `deferred`.
fn errors_of(main_body: &str) -> String {
    let (rlib, deps) = library();
    let dir = std::env::temp_dir().join(format!("deferred-diagnostics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("snippet{}.rs", main_body.len()));
    std::fs::write(&file, format!("fn main() {{\n{main_body}\n}}\n")).unwrap();
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc)
        .args(["--edition=2021", "--emit=metadata", "--crate-type=bin"])
        .arg("--out-dir")
        .arg(&dir)
        .arg("--extern")
        .arg(format!("deferred={}", rlib.display()))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg(Path::new(&file))
        .output()
        .expect("rustc runs");
    assert!(!out.status.success(), "the snippet compiled:\n{main_body}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_print_callback_on_a_deferred_string_names_inspect_and_map() {
    let text = errors_of(
        "let d = deferred::Deferred::<String>::new();\n\
         d.add_callback(|s| println!(\"{s}\"));",
    );
    assert!(text.contains("error[E0277]: a handler here must return a `String`, a `Result<String, _>` or a `Deferred<String>`, not `()`"), "{text}");
    assert!(text.contains("`d.inspect(|v| ...)`"), "{text}");
    assert!(
        text.contains("`d.map(..)`, `d.and_then(..)` or `d.then(..)`"),
        "{text}"
    );
    assert!(text.contains("the turbofish"), "{text}");
}

#[test]
fn an_err_that_is_not_an_error_names_into_failure() {
    let text = errors_of(
        "let d = deferred::Deferred::<u8>::new();\n\
         d.add_callback(|n| if n > 1 { Ok(n) } else { Err(n) });",
    );
    assert!(
        text.contains("the trait bound `u8: std::error::Error` is not satisfied"),
        "{text}"
    );
    assert!(
        text.contains("required for `u8` to implement `IntoFailure`"),
        "{text}"
    );
}

#[test]
fn a_closure_capturing_an_rc_says_what_cannot_be_sent() {
    let text = errors_of(
        "let reactor = deferred::Reactor::new();\n\
         let shared = std::rc::Rc::new(1u8);\n\
         let _d = deferred::defer_to_thread(&reactor, move || *shared);",
    );
    assert!(
        text.contains("`Rc<u8>` cannot be sent between threads safely"),
        "{text}"
    );
}

#[test]
fn ensure_deferred_of_something_else_says_what_it_takes() {
    let text =
        errors_of("let _d: deferred::Deferred<u8> = deferred::ensure_deferred(\"something\");");
    assert!(
        text.contains("`ensure_deferred` takes a future or a `Deferred`, not `&str`"),
        "{text}"
    );
    assert!(
        text.contains("not a future (an `async` block or `async fn` call) or a `Deferred`"),
        "{text}"
    );
}
