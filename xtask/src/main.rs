//! `cargo xtask`: the project's harness in one command.
//!
//! ```text
//! cargo xtask verify        every verification layer, with a summary table
//! cargo xtask fuzz          each fuzz target for a set time
//! cargo xtask fuzz-seeds    the seed corpora, from model/fixtures
//! cargo xtask fuzz-decode   an `ops` crash artifact as a JSON script
//! cargo xtask mutants       each planted bug must make the loom models fail
//! cargo xtask bench-check   instruction counts against the committed baseline
//! cargo xtask bench-history the instruction-count history: a table and a PNG
//! cargo xtask twisted       the project against real Twisted (pinned)
//! cargo xtask mutation      cargo-mutants on the cross-thread and chain code
//! cargo xtask help          this list
//! ```
//!
//! Each subcommand lives in its own module with a `run(args) -> ExitCode`
//! entry point; adding one is a module and one line in [`COMMANDS`].

use std::process::ExitCode;

mod bench_check;
mod bench_history;
mod fuzz;
mod miri;
mod mutants;
mod mutation;
mod step;
mod twisted;
mod verify;

/// A subcommand: its name, a one-line summary, and its entry point (which
/// gets the arguments after the name).
struct Command {
    name: &'static str,
    about: &'static str,
    run: fn(&[String]) -> ExitCode,
}

const COMMANDS: &[Command] = &[
    Command {
        name: "bench-check",
        about: "run the instruction-count benches and fail if any count rose >5% over benches/baseline (--save to rewrite it, --record to append to benches/history)",
        run: bench_check::run,
    },
    Command {
        name: "bench-history",
        about: "print how each instruction count moved over the recorded commits and draw it (docs/bench-history.png; --table for the table only)",
        run: bench_history::run,
    },
    Command {
        name: "verify",
        about: "run every verification layer (tests, state machines, loom, mutants, fuzz, Twisted oracle) and print a summary table (--quick: a few minutes, no mutants)",
        run: verify::run,
    },
    Command {
        name: "fuzz",
        about: "run each cargo-fuzz target for a set time (nightly; installs cargo-fuzz pinned if missing)",
        run: fuzz::run,
    },
    Command {
        name: "fuzz-seeds",
        about: "write the fuzz seed corpora (fuzz/seeds/) from model/fixtures",
        run: fuzz::seeds,
    },
    Command {
        name: "fuzz-decode",
        about: "print the JSON op script an `ops` fuzz input (a crash artifact) stands for",
        run: fuzz::decode,
    },
    Command {
        name: "twisted",
        about: "compare generated scripts, every fixture, tests/twisted/*.py and the listings of docs/from-twisted.md with real Twisted (pinned; makes .venv-twisted on first use)",
        run: twisted::run,
    },
    Command {
        name: "mutation",
        about: "cargo-mutants (pinned) on engine, pool, reactor, combinators, threads; fails on an unexplained survivor (--shard K/N)",
        run: mutation::run,
    },
    Command {
        name: "mutants",
        about: "build each planted bug (cfg deferred_mutant) and check that the loom models catch it",
        run: mutants::run,
    },
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(name) = args.first() else {
        usage();
        return ExitCode::from(2);
    };
    if matches!(name.as_str(), "help" | "-h" | "--help") {
        usage();
        return ExitCode::SUCCESS;
    }
    match COMMANDS.iter().find(|c| c.name == name) {
        Some(command) => (command.run)(&args[1..]),
        None => {
            eprintln!("xtask: unknown command {name:?}");
            usage();
            ExitCode::from(2)
        }
    }
}

fn usage() {
    eprintln!("usage: cargo xtask <command> [options]\n\ncommands:");
    for command in COMMANDS {
        eprintln!("  {:<12} {}", command.name, command.about);
    }
    eprintln!("  {:<12} this list", "help");
}
