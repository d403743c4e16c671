//! The switches of `cargo xtask mutants`: planted bugs that show the loom
//! models catch what they claim to (docs/verification.md).
//!
//! A mutant site is one ordinary branch on [`on`], which is `false` in every
//! build except one made with `--cfg deferred_mutant="<name>"`; the compiler
//! folds the constant, so the shipped code carries neither the branch nor its
//! cost, and a reader follows one program:
//!
//! ```text
//! if state.phase != Phase::Open && !mutant::on("pool_accepts_after_stop") {
//!     return Err(PoolStoppedError);
//! }
//! ```
//!
//! To plant one: a name in `planted!`'s list below, the same name in the
//! `check-cfg` list of `Cargo.toml` (else the build warns of an unexpected
//! cfg), a `mutant::on("<name>")` at the site, and an entry (with the model
//! that must catch it) in `MUTANTS` of `xtask/src/mutants.rs`. The xtask
//! tests check that the four agree.

/// Defines [`on`] over the list of planted mutants: one `cfg!` per name, so
/// that each is a compile-time constant.
macro_rules! planted {
    ($($name:literal),+ $(,)?) => {
        /// Whether the mutant `name` is built in (`--cfg deferred_mutant="<name>"`).
        /// A name not in the list is never on (the xtask tests catch the typo).
        #[inline(always)]
        pub(crate) const fn on(name: &str) -> bool {
            $( (cfg!(deferred_mutant = $name) && same(name, $name)) || )+ false
        }

        /// Every mutant name, for the tests.
        #[cfg(test)]
        const NAMES: &[&str] = &[$($name),+];

        /// Whether this build has any mutant in, for the tests.
        #[cfg(test)]
        const ANY: bool = $(cfg!(deferred_mutant = $name))||+;
    };
}

planted!(
    "reactor_lost_wakeup",
    "reactor_no_drain",
    "pool_accepts_after_stop",
    "pool_exit_with_queued_jobs",
    "engine_cancel_split_lock",
    "threads_no_relay",
    "timeout_no_pause",
    "primitives_refused_token_lost",
    "pool_start_skips_queue",
    "looping_call_no_ticket",
    "bridge_waker_after_check",
    "reactor_sleeps_over_a_call",
    "reactor_stops_over_a_call",
    "pool_sleeps_over_a_job",
    "pool_no_chain_wake",
    "pool_sleep_undone_uncounted",
    "engine_join_strands_queued",
    "looping_call_reset_split_lock",
    "fs_lock_no_os_lock",
    "reactor_drain_until_idle",
    "threads_result_lost_at_drop",
    "reactor_batch_skips_promised",
    "threads_unrun_not_failed",
    "pool_stop_skips_unstored",
    "engine_add_beside_runner",
);

/// `a == b` for strings, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_one_switch_is_on_and_none_without_a_mutant_cfg() {
        let on_now: Vec<_> = NAMES.iter().filter(|name| on(name)).collect();
        assert_eq!(on_now.len(), usize::from(ANY), "{on_now:?}");
        assert!(!on("no_such_mutant"));
    }

    #[test]
    fn names_compare_exactly() {
        assert!(same("pool_accepts_after_stop", "pool_accepts_after_stop"));
        assert!(!same("pool_accepts_after_stop", "pool_accepts_after_sto"));
        assert!(!same("reactor_no_drain", "reactor_no_drail"));
        assert!(same("", ""));
    }
}
