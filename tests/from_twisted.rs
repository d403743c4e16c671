//! `docs/from-twisted.md`'s line-count table is the listings' own count:
//! each pair (the first Python and the first Rust block under a numbered
//! listing) is recounted here, and the table must say the same, with the
//! total within issue 18's goal (the Rust at most 1.2× the Python).
//! (The Rust blocks themselves run as doctests: `src/user_docs.rs`.)

const DOC: &str = include_str!("../docs/from-twisted.md");

/// The doc's reader, shared with its doctests and `cargo xtask twisted`.
#[allow(dead_code)]
#[path = "../docs/from-twisted.rs"]
mod reader;

/// Non-blank lines, imports aside.
fn python_lines(block: &[String]) -> usize {
    block
        .iter()
        .map(|l| l.trim_start())
        .filter(|l| !l.is_empty())
        .filter(|l| {
            let from_import = l.starts_with("from ") && l.contains(" import ");
            !(l.starts_with("import ") || from_import)
        })
        .count()
}

/// Non-blank lines, `use` and hidden (`# `) lines aside.
fn rust_lines(block: &[String]) -> usize {
    block
        .iter()
        .map(|l| l.trim_start())
        .filter(|l| !l.is_empty())
        .filter(|l| !l.starts_with("use ") && !l.starts_with("# ") && *l != "#")
        .count()
}

/// `(file, number, python, rust)` for each ported listing, in document order.
fn listings() -> Vec<(String, usize, usize, usize)> {
    reader::listings(DOC)
        .into_iter()
        .filter(|l| !l.python.is_empty() && !l.rust.is_empty())
        .map(|l| {
            let (python, rust) = (python_lines(&l.python), rust_lines(&l.rust));
            (l.file, l.number, python, rust)
        })
        .collect()
}

#[test]
fn the_line_count_table_is_the_listings_count_and_within_the_goal() {
    let counted = listings();
    assert!(counted.len() >= 40, "{} listings", counted.len());
    let table: Vec<(usize, usize)> = DOC
        .lines()
        .skip_while(|l| !l.starts_with("| listing | Python | Rust |"))
        .skip(2)
        .take_while(|l| l.starts_with("| ") && !l.starts_with("| **total"))
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            (cells[1].parse().unwrap(), cells[2].parse().unwrap())
        })
        .collect();
    let recounted: Vec<(usize, usize)> = counted.iter().map(|&(_, _, p, r)| (p, r)).collect();
    assert_eq!(table, recounted, "the table's rows: {counted:?}");
    let (python, rust) = recounted
        .iter()
        .fold((0, 0), |(p, r), &(lp, lr)| (p + lp, r + lr));
    let total_row = format!(
        "| **total ({} listings)** | **{python}** | **{rust}** |",
        counted.len()
    );
    assert!(
        DOC.contains(&total_row),
        "expected the total row to start {total_row}"
    );
    assert!(
        rust * 10 <= python * 12,
        "{rust} lines of Rust for {python} of Python: over 1.2x"
    );
}

/// The hidden lines that make a port's doctest capture what it prints.
const CAPTURE: [&str; 2] = [
    r#"# mod printed { include!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/from-twisted.rs")); }"#,
    r#"# macro_rules! println { ($($t:tt)*) => { printed::line(format!($($t)*)) } }"#,
];

#[test]
fn every_port_with_a_text_block_checks_what_it_prints_against_it() {
    let all = reader::listings(DOC);
    let with_text: Vec<_> = all.iter().filter(|l| l.twisted.is_some()).collect();
    assert!(
        with_text.len() >= 15,
        "{} listings with a text block",
        with_text.len()
    );
    for listing in &all {
        let check = format!("# printed::check({:?}, {});", listing.file, listing.number);
        let id = listing.id();
        if listing.twisted.is_some() {
            assert_eq!(listing.rust[..2], CAPTURE, "{id}: the port's first lines");
            assert_eq!(
                listing.rust.last(),
                Some(&check),
                "{id}: the port's last line"
            );
        } else {
            assert!(
                listing.port.is_none(),
                "{id}: a `text port` block without a `text` block"
            );
            assert!(
                !listing.rust.iter().any(|l| l.contains("printed::")),
                "{id}: the port checks what it prints, but the listing has no `text` block"
            );
        }
    }
    // One harness name per listing.
    let mut ids: Vec<String> = all.iter().map(reader::Listing::id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len());
}

#[test]
fn the_reader_finds_each_block_of_a_listing() {
    let doc = "### defer.rst\n\n**1. A.**\n\n```python\np\n```\n\n```rust\nr\n```\n\n\
               ```text\nt1\nt2\n```\n\n```text port\nq\n```\n\n**2. B.**\n\n```python\n\
               p2\n```\n\n## Line counts\n\n```text\nnot a listing's\n```\n\n\
               ### defer-intro.rst: the order of things\n\n**1. C.**\n";
    let found = reader::listings(doc);
    assert_eq!(found.len(), 3);
    let first = &found[0];
    assert_eq!(
        (first.file.as_str(), first.number, first.id()),
        ("defer", 1, "defer-1".into())
    );
    assert_eq!(
        (first.python.clone(), first.rust.clone()),
        (vec!["p".into()], vec!["r".into()])
    );
    assert_eq!(first.twisted.as_deref(), Some("t1\nt2\n"));
    assert_eq!(first.port_prints(), Some("q\n"));
    assert_eq!(
        (found[1].twisted.clone(), found[1].port_prints()),
        (None, None)
    );
    assert_eq!(found[2].id(), "defer-intro-snippets-1");
}
