// The listings of docs/from-twisted.md, read from the doc, and what the Rust
// ports print. One reader, three users, so that they cannot disagree on what
// a listing is:
//
// - tests/from_twisted.rs counts each listing's lines (`#[path]`);
// - `cargo xtask twisted` runs each Python listing that has a `text` block on
//   the pinned Twisted and compares (xtask/src/twisted/listings.rs, `#[path]`);
// - each Rust port that has a `text` block captures what it prints (hidden
//   lines: a `printed` module that `include!`s this file, and `println!`
//   shadowed by a macro calling `printed::line`) and ends with
//   `printed::check("defer", 1)`, which compares that with the doc.
//
// A plain file of items (no `//!`, no `use` outside functions): `include!`
// pastes it inside a module of a doctest.

/// One numbered listing of the doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The howto it is from, as the section heading names it: `defer`,
    /// `defer-intro`, `defer-intro (snippets)`.
    pub file: String,
    /// Its number in that section.
    pub number: usize,
    /// The lines of its first `python` block (the Python it ports).
    pub python: Vec<String>,
    /// The lines of its first `rust` block (the port), hidden lines included.
    pub rust: Vec<String>,
    /// Its first `text` block: what the Python printed on Twisted.
    pub twisted: Option<String>,
    /// Its `text port` block: what the port prints, where it differs.
    pub port: Option<String>,
}

impl Listing {
    /// `defer-7`, `defer-intro-snippets-2`: the name of its harness file,
    /// `tests/twisted/listings/<id>.py`.
    pub fn id(&self) -> String {
        format!(
            "{}-{}",
            self.file.replace(" (snippets)", "-snippets"),
            self.number
        )
    }

    /// What the port must print: the `text port` block, else Twisted's.
    pub fn port_prints(&self) -> Option<&str> {
        self.port.as_deref().or(self.twisted.as_deref())
    }
}

/// Every numbered listing of `doc`, in order. A listing starts at a line
/// `**N. ` and runs to the next one or the next heading; a section heading
/// `### defer.rst` names its file (`### defer-intro.rst: the order of
/// things` makes `defer-intro (snippets)`).
pub fn listings(doc: &str) -> Vec<Listing> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut file = String::new();
    let mut found: Vec<Listing> = Vec::new();
    let mut open = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(heading) = line.strip_prefix("### ") {
            let (name, rest) = heading.split_once(".rst").unwrap_or((heading, ""));
            file = if rest.is_empty() {
                name.to_owned()
            } else {
                format!("{name} (snippets)")
            };
            open = false;
        } else if line.starts_with("## ") {
            open = false;
        }
        if let Some(number) = line
            .strip_prefix("**")
            .and_then(|l| l.split_once(". "))
            .and_then(|(n, _)| n.parse().ok())
        {
            found.push(Listing {
                file: file.clone(),
                number,
                python: Vec::new(),
                rust: Vec::new(),
                twisted: None,
                port: None,
            });
            open = true;
        }
        if let Some(info) = line.strip_prefix("```").filter(|info| !info.is_empty()) {
            let start = i + 1;
            i = start;
            while i < lines.len() && !lines[i].starts_with("```") {
                i += 1;
            }
            let block: Vec<String> = lines[start..i].iter().map(|l| l.to_string()).collect();
            let text = || block.iter().map(|l| format!("{l}\n")).collect::<String>();
            if let Some(listing) = found.last_mut().filter(|_| open) {
                match info {
                    "python" if listing.python.is_empty() => listing.python = block,
                    "rust" if listing.rust.is_empty() => listing.rust = block,
                    "text" if listing.twisted.is_none() => listing.twisted = Some(text()),
                    "text port" if listing.port.is_none() => listing.port = Some(text()),
                    _ => {}
                }
            }
        }
        i += 1;
    }
    found
}

/// What the port has printed so far (`line`), in a doctest.
static PRINTED: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// A line the port prints: printed, and kept for `check`. A doctest's
/// `println!` and `eprintln!` call this (stdout and stderr are one stream
/// here, as `cargo xtask twisted` runs the Python with both on one file).
pub fn line(text: String) {
    std::println!("{text}");
    let mut printed = PRINTED.lock().unwrap_or_else(|e| e.into_inner());
    printed.push_str(&text);
    printed.push('\n');
}

/// Asserts that the port printed what docs/from-twisted.md says listing
/// `number` of `file` prints (its `text port` block, else its `text` block).
#[track_caller]
pub fn check(file: &str, number: usize) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/from-twisted.md");
    let doc = std::fs::read_to_string(path).expect("docs/from-twisted.md");
    let listing = listings(&doc)
        .into_iter()
        .find(|l| l.file == file && l.number == number)
        .unwrap_or_else(|| panic!("docs/from-twisted.md has no listing {file} {number}"));
    let want = listing
        .port_prints()
        .unwrap_or_else(|| panic!("{file} {number}: no `text` block to check against"));
    let got = PRINTED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(
        got, want,
        "{file} {number}: the port printed (left) what the doc does not say (right)"
    );
}
