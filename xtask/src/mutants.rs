//! `cargo xtask mutants`: evidence that the loom models bite.
//!
//! Each mutant is a deliberately broken variant of the library, switched on
//! by `--cfg deferred_mutant="<name>"`: the site is one ordinary branch on
//! `mutant::on("<name>")` in `src/`, false in every other build (`src/mutant.rs`
//! lists the names). For each one we build the loom models with the mutant
//! in and run the model that should catch it: the verdict is `caught` only
//! if the build succeeds and that model fails. A mutant that survives means a
//! model has gone blind.
//!
//! A mutant's name appears in four places, which the tests below keep in
//! step: [`MUTANTS`] here, the list in `src/mutant.rs`, the `check-cfg` list
//! of `Cargo.toml`, and its `mutant::on("<name>")` site.

use std::process::ExitCode;
use std::time::Duration;

use crate::step::{self, fmt_duration, header, root, table};

/// A planted bug and the model that must catch it.
pub struct Mutant {
    /// The `deferred_mutant` cfg value.
    pub name: &'static str,
    /// What the mutant breaks.
    pub breaks: &'static str,
    /// The loom test (a name filter) that must fail.
    pub model: &'static str,
}

/// Every mutant planted in the library.
pub const MUTANTS: &[Mutant] = &[
    Mutant {
        name: "reactor_lost_wakeup",
        breaks: "call_from_thread queues the call but never notifies the sleeping reactor",
        model: "threads::call_from_thread_racing_the_reactor_going_to_sleep",
    },
    Mutant {
        name: "reactor_no_drain",
        breaks: "shutdown loses (neither runs nor drops) the calls workers handed back during the stop",
        model: "threads::defer_to_thread_result_survives_a_concurrent_stop",
    },
    Mutant {
        name: "pool_accepts_after_stop",
        breaks: "submit accepts jobs after stop, which then never run",
        model: "threads::pool_submit_racing_stop_runs_each_accepted_job_once",
    },
    Mutant {
        name: "engine_cancel_split_lock",
        breaks: "cancel sets the late-fire excuse and fires Cancelled under two separate locks",
        model: "deferred::cancel_racing_a_fire_ignores_the_late_fire_once",
    },
    Mutant {
        name: "bridge_waker_after_check",
        breaks: "an await registers its waker after checking for the result, in a second critical section",
        model: "bridge::only_the_latest_waker_is_woken_once_when_the_fire_races_the_polls",
    },
    Mutant {
        name: "pool_exit_with_queued_jobs",
        breaks: "workers leave at stop without draining the queue",
        model: "threads::pool_submit_racing_stop_runs_each_accepted_job_once",
    },
    Mutant {
        name: "threads_no_relay",
        breaks: "a job's returned Deferred is waited on directly, so callbacks run on whichever thread fires it",
        model: "threads::defer_to_thread_of_a_deferred_fired_elsewhere_calls_back_on_the_reactor",
    },
    Mutant {
        name: "timeout_no_pause",
        breaks: "add_timeout's handler lets the chain go on while the timer's cancel is under way (a plain port of Twisted's flag)",
        model: "time::timeout_racing_a_fire_from_another_thread",
    },
    Mutant {
        name: "primitives_refused_token_lost",
        breaks: "a release drops the token a waiter refused (a concurrent cancel fired it first)",
        model: "primitives::release_racing_the_cancel_of_the_first_waiter_loses_no_token",
    },
    Mutant {
        name: "reactor_sleeps_over_a_call",
        breaks: "the reactor sets SLEEPING without checking, in the same step, that no call is pending",
        model: "threads::call_from_thread_racing_the_reactor_going_to_sleep",
    },
    Mutant {
        name: "reactor_stops_over_a_call",
        breaks: "shutdown reads the pending count and sets STOPPED in two steps, so a call accepted between them never runs",
        model: "threads::calls_from_two_threads_fifo_per_thread_none_lost_at_stop",
    },
    Mutant {
        name: "pool_sleeps_over_a_job",
        breaks: "a searching worker leaves the searchers to sleep without checking, in the same step, that no job is queued",
        model: "threads::pool_submit_racing_a_worker_going_to_sleep_runs_the_job_without_stop",
    },
    Mutant {
        name: "pool_no_chain_wake",
        breaks: "a worker that claims a job as a searcher never calls the next worker for the jobs queued behind it",
        model: "threads::a_job_waiting_for_a_later_job_gets_a_second_worker",
    },
    Mutant {
        name: "pool_sleep_undone_uncounted",
        breaks: "a worker that counted itself asleep, then found a job queued and searched again, stays counted as a sleeper",
        model: "threads::a_sleep_undone_by_a_racing_submit_leaves_the_sleepers_counted_right",
    },
    Mutant {
        name: "engine_join_strands_queued",
        breaks: "a list that takes its input's value drops the handlers queued behind it in the batch, but leaves those added on another thread meanwhile queued in the consumed input",
        model: "combinators::a_handler_added_while_a_list_input_fires_runs_on_a_failure_and_is_dropped_on_a_value",
    },
    Mutant {
        name: "pool_start_skips_queue",
        breaks: "start on an unstarted pool starts the minimum but no thread for the jobs queued meanwhile",
        model: "threads::pool_submit_racing_start_runs_the_job_without_stop",
    },
    Mutant {
        name: "fs_lock_no_os_lock",
        breaks: "DeferredFilesystemLock::lock takes the lock without the OS's file lock, so two processes hold it at once",
        model: "tests/fs_lock_processes.rs: processes_contending_for_one_lock_never_hold_it_together",
    },
    Mutant {
        name: "looping_call_no_ticket",
        breaks: "a LoopingCall's call that the clock took while stop cancelled it still runs the function, after the loop ended",
        model: "time::looping_call_stop_racing_its_due_call",
    },
    Mutant {
        name: "looping_call_reset_split_lock",
        breaks: "LoopingCall::reset lets go of the loop's lock between taking the pending call and scheduling the next, so a call the clock took meanwhile runs the function and schedules a call the reset orphans",
        model: "time::looping_call_reset_racing_its_due_call",
    },
    Mutant {
        name: "reactor_drain_until_idle",
        breaks: "the stop's drain runs calls until none is pending, so a task that wakes itself keeps run from returning",
        model: "reactor_edges::a_stop_racing_a_self_waking_task_ends_run",
    },
    Mutant {
        name: "threads_result_lost_at_drop",
        breaks: "a defer_to_thread result queued on a reactor dropped unrun is dropped without firing its Deferred",
        model: "reactor_edges::a_drop_of_an_unrun_reactor_racing_a_workers_call_back",
    },
    Mutant {
        name: "reactor_batch_skips_promised",
        breaks: "a reactor turn takes one batch and uncounts every call it counted, so a call counted and not yet queued is left queued uncounted and the reactor sleeps over it",
        model: "threads::two_results_delivered_while_the_reactor_takes_batches_all_run_in_order",
    },
    Mutant {
        name: "threads_unrun_not_failed",
        breaks: "a defer_to_thread job dropped unrun (refused by a pool that a stop on another thread closed) leaves its Deferred pending for ever instead of failing it with PoolStoppedError",
        model: "threads::a_job_and_its_result_racing_a_pool_stop_are_dropped_once",
    },
    Mutant {
        name: "pool_stop_skips_unstored",
        breaks: "stop joins once no worker is counted, without waiting for a handle still on its way: a worker that left before its starter stored its handle is never joined",
        model: "threads::pool_stop_racing_a_worker_start_joins_the_worker_thread",
    },
    Mutant {
        name: "engine_add_beside_runner",
        breaks: "a handler added to a chain that holds its result while another thread's loop owns it (running set, nothing queued) takes the result and runs on the adding thread, beside that loop, instead of being queued for it",
        model: "deferred::a_handler_added_while_another_thread_owns_the_loop_is_queued_for_it",
    },
];

/// How one mutant fared.
pub struct Verdict {
    /// The mutant.
    pub mutant: &'static Mutant,
    /// Built, and the model failed.
    pub caught: bool,
    /// What to show: `caught`, `SURVIVED` or `BUILD FAILED`.
    pub label: &'static str,
    /// Build plus run time.
    pub elapsed: Duration,
    /// The first failure message loom printed, when caught.
    pub evidence: String,
}

/// Builds and runs one mutant.
pub fn check(mutant: &'static Mutant, preemptions: u32, quiet: bool) -> Verdict {
    let cfg = format!("deferred_mutant=\"{}\"", mutant.name);
    let target_dir = root().join("target/loom-mutants").join(mutant.name);
    let command = match test_of(mutant.model) {
        // Caught by an ordinary test (a cross-process protocol, which loom
        // cannot model): that test file, built with the mutant in.
        Some((file, test)) => {
            let mut command = step::cargo();
            command
                .env("RUSTFLAGS", format!("--cfg {cfg}"))
                .args(["test", "-p", "deferred", "--test", file, "--target-dir"])
                .arg(&target_dir);
            command.args(["--", test, "--exact"]);
            command
        }
        None => {
            let mut command = step::loom_test(preemptions, &target_dir, Some(&cfg));
            command.args(["--", mutant.model, "--test-threads", "1"]);
            command
        }
    };
    let log = root()
        .join("target/xtask")
        .join(format!("mutant-{}.log", mutant.name));
    let outcome = step::run(command, Some(&log), quiet);
    let ran_and_failed = !outcome.success && outcome.output.contains("test result: FAILED");
    let evidence = outcome
        .output
        .lines()
        .skip_while(|line| !line.contains("panicked at"))
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_owned();
    let label = if ran_and_failed {
        "caught"
    } else if outcome.success {
        "SURVIVED"
    } else {
        "BUILD FAILED"
    };
    Verdict {
        mutant,
        caught: ran_and_failed,
        label,
        elapsed: outcome.elapsed,
        evidence,
    }
}

/// Checks every mutant; prints a table; true if all were caught.
/// `tests/FILE.rs: TEST` names an integration test instead of a loom
/// model: `(FILE, TEST)`.
fn test_of(model: &str) -> Option<(&str, &str)> {
    let (file, test) = model.strip_prefix("tests/")?.split_once(".rs: ")?;
    Some((file, test))
}

pub fn check_all(preemptions: u32, quiet: bool) -> bool {
    let mut verdicts = Vec::new();
    for mutant in MUTANTS {
        header(&format!("mutant {}: {}", mutant.name, mutant.breaks));
        let verdict = check(mutant, preemptions, quiet);
        println!(
            "mutant {}: {} in {}",
            mutant.name,
            verdict.label,
            fmt_duration(verdict.elapsed)
        );
        verdicts.push(verdict);
    }
    header("mutants");
    let rows: Vec<Vec<String>> = verdicts
        .iter()
        .map(|v| {
            vec![
                v.mutant.name.to_owned(),
                v.mutant.model.to_owned(),
                fmt_duration(v.elapsed),
                v.label.to_owned(),
                v.evidence.chars().take(100).collect(),
            ]
        })
        .collect();
    table(
        &[
            "mutant",
            "model that must fail",
            "time",
            "verdict",
            "loom said",
        ],
        &rows,
    );
    !MUTANTS.is_empty() && verdicts.iter().all(|v| v.caught)
}

/// `cargo xtask mutants [--preemptions N] [--quiet] [NAME...]`.
pub fn run(args: &[String]) -> ExitCode {
    let mut preemptions = 2;
    let mut quiet = false;
    let mut names = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--preemptions" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => preemptions = n,
                None => return usage("--preemptions needs a number"),
            },
            "--quiet" => quiet = true,
            "--list" => {
                for m in MUTANTS {
                    println!("{:<24} {} (caught by {})", m.name, m.breaks, m.model);
                }
                return ExitCode::SUCCESS;
            }
            name if !name.starts_with('-') => names.push(name.to_owned()),
            other => return usage(&format!("unknown option {other:?}")),
        }
    }
    if names.is_empty() {
        return if check_all(preemptions, quiet) {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let mut all = true;
    for name in names {
        let Some(mutant) = MUTANTS.iter().find(|m| m.name == name) else {
            return usage(&format!("no mutant named {name:?} (see --list)"));
        };
        let verdict = check(mutant, preemptions, quiet);
        println!(
            "mutant {}: {} in {}",
            name,
            verdict.label,
            fmt_duration(verdict.elapsed)
        );
        all &= verdict.caught;
    }
    if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("xtask mutants: {problem}");
    eprintln!("usage: cargo xtask mutants [--preemptions N] [--quiet] [--list] [NAME...]");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mutant_is_declared_in_check_cfg() {
        let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        for mutant in MUTANTS {
            assert!(
                manifest.contains(&format!("\"{}\"", mutant.name)),
                "{} missing from check-cfg",
                mutant.name
            );
        }
    }

    /// Every `.rs` file under `src/`, with its text.
    fn library_sources() -> Vec<(std::path::PathBuf, String)> {
        let mut sources = Vec::new();
        let mut dirs = vec![root().join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    sources.push((path, text));
                }
            }
        }
        sources
    }

    /// The names in `mutant::on("...")` calls of `text`.
    fn switches_in(text: &str) -> Vec<&str> {
        text.match_indices("mutant::on(\"")
            .filter_map(|(at, call)| {
                let rest = &text[at + call.len()..];
                rest.find('"').map(|end| &rest[..end])
            })
            .collect()
    }

    #[test]
    fn every_mutant_has_its_switch_in_the_library() {
        let sites: Vec<String> = library_sources()
            .iter()
            .filter(|(path, _)| !path.ends_with("mutant.rs"))
            .flat_map(|(_, text)| switches_in(text).into_iter().map(str::to_owned))
            .collect();
        for mutant in MUTANTS {
            assert!(
                sites.iter().any(|site| site == mutant.name),
                "no mutant::on(\"{}\") in src/",
                mutant.name
            );
        }
        for site in &sites {
            assert!(
                MUTANTS.iter().any(|m| m.name == site),
                "mutant::on(\"{site}\") in src/ names no mutant of xtask/src/mutants.rs"
            );
        }
    }

    #[test]
    fn every_mutant_is_in_the_list_of_src_mutant_rs_and_nothing_else() {
        let text = std::fs::read_to_string(root().join("src/mutant.rs")).unwrap();
        let list = &text[text.find("planted!(\n").expect("the planted!( list")..];
        let list = &list[..list.find(");").unwrap()];
        let planted: Vec<&str> = list
            .lines()
            .skip(1)
            .map(|line| line.trim().trim_end_matches(',').trim_matches('"'))
            .filter(|name| !name.is_empty())
            .collect();
        let mut expected: Vec<&str> = MUTANTS.iter().map(|m| m.name).collect();
        let mut planted_sorted = planted.clone();
        expected.sort_unstable();
        planted_sorted.sort_unstable();
        assert_eq!(planted_sorted, expected, "src/mutant.rs and MUTANTS differ");
    }

    #[test]
    fn a_mutant_caught_by_an_integration_test_names_its_file_and_test() {
        assert_eq!(
            test_of("tests/fs_lock_processes.rs: processes_contending"),
            Some(("fs_lock_processes", "processes_contending"))
        );
        assert_eq!(test_of("threads::a_model"), None);
        for mutant in MUTANTS {
            if let Some((file, test)) = test_of(mutant.model) {
                let text =
                    std::fs::read_to_string(root().join(format!("tests/{file}.rs"))).unwrap();
                assert!(text.contains(&format!("fn {test}()")), "{}", mutant.model);
            }
        }
    }

    #[test]
    fn switches_are_found_in_text() {
        assert_eq!(
            switches_in("if a && !mutant::on(\"x_y\") {} mutant::on(\"z\")"),
            ["x_y", "z"]
        );
    }

    #[test]
    fn an_unknown_mutant_name_is_a_usage_error() {
        assert_eq!(run(&["no_such_mutant".to_owned()]), ExitCode::from(2));
        assert_eq!(run(&["--preemptions".to_owned()]), ExitCode::from(2));
    }

    /// README's "Where it stands" counts the loom models and the mutants;
    /// both counts must be today's (every `#[test]` under
    /// `loom/tests/loom/`, every entry of [`MUTANTS`]).
    #[test]
    fn the_readme_counts_the_loom_models_and_the_mutants_right() {
        let root = crate::step::root();
        let mut models = 0;
        for entry in std::fs::read_dir(root.join("loom/tests/loom")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            models += text.matches("#[test]").count();
        }
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let words: Vec<&str> = readme.split_whitespace().collect();
        let loom_models = words
            .windows(3)
            .find(|w| w[1] == "loom" && w[2] == "models" && w[0].parse::<usize>().is_ok())
            .map(|w| w[0].parse::<usize>().unwrap())
            .expect("README says \"N loom models\"");
        assert_eq!(
            loom_models, models,
            "README's count of loom models (loom/tests/loom/ has {models})"
        );
        let mutants = words
            .windows(3)
            .find(|w| w[0] == "each" && w[1] == "of" && w[2].parse::<usize>().is_ok())
            .map(|w| w[2].parse::<usize>().unwrap())
            .expect("README says \"each of N mutants\"");
        assert_eq!(
            mutants,
            MUTANTS.len(),
            "README's count of mutants (MUTANTS has {})",
            MUTANTS.len()
        );
    }
}
