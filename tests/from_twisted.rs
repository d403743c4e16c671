//! `docs/from-twisted.md`'s line-count table is the listings' own count:
//! each pair (the first Python and the first Rust block under a numbered
//! listing) is recounted here, and the table must say the same, with the
//! total within issue 18's goal (the Rust at most 1.2× the Python).
//! (The Rust blocks themselves run as doctests: `src/user_docs.rs`.)

const DOC: &str = include_str!("../docs/from-twisted.md");

/// Non-blank lines, imports aside.
fn python_lines(block: &[&str]) -> usize {
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
fn rust_lines(block: &[&str]) -> usize {
    block
        .iter()
        .map(|l| l.trim_start())
        .filter(|l| !l.is_empty())
        .filter(|l| !l.starts_with("use ") && !l.starts_with("# ") && *l != "#")
        .count()
}

/// `(file, number, python, rust)` for each listing, in document order.
fn listings() -> Vec<(String, usize, usize, usize)> {
    let lines: Vec<&str> = DOC.lines().collect();
    let (mut file, mut current) = (String::new(), None::<usize>);
    let (mut python, mut rust) = (None, None);
    let mut found = Vec::new();
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
        }
        if let Some(number) = line
            .strip_prefix("**")
            .and_then(|l| l.split_once(". "))
            .and_then(|(n, _)| n.parse().ok())
        {
            (current, python, rust) = (Some(number), None, None);
        }
        if line.starts_with("```python") || line.starts_with("```rust") {
            let start = i + 1;
            i = start;
            while !lines[i].starts_with("```") {
                i += 1;
            }
            let block = &lines[start..i];
            if line.starts_with("```python") && python.is_none() {
                python = Some(python_lines(block));
            } else if line.starts_with("```rust") && rust.is_none() {
                rust = Some(rust_lines(block));
                if let (Some(n), Some(p), Some(r)) = (current, python, rust) {
                    found.push((file.clone(), n, p, r));
                }
            }
        }
        i += 1;
    }
    found
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
