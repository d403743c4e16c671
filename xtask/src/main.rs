//! `cargo xtask verify`, `cargo xtask bench-check`.
fn main() {
    eprintln!("xtask: not built yet");
    std::process::exit(2);
}
