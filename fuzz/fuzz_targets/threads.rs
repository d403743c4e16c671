//! Bytes -> a schedule of fires, adds, pauses, cancels and pool jobs over 2
//! to 4 real threads (decoded with `arbitrary`); the invariants of
//! `deferred_proptests::threads` must hold and nothing may be lost.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use deferred_proptests::threads::{run_schedule, Step};
use libfuzzer_sys::fuzz_target;

/// A schedule: one list of at most 8 steps for each of 2 to 4 threads.
#[derive(Debug)]
struct Schedule(Vec<Vec<Step>>);

fn step(u: &mut Unstructured<'_>) -> Result<Step> {
    let small = |u: &mut Unstructured<'_>| -> Result<i64> { Ok(i64::from(u.arbitrary::<i8>()?)) };
    Ok(match u.choose_index(7)? {
        0 => Step::Callback(small(u)?),
        1 => Step::Errback,
        2 => Step::Add {
            n: small(u)?,
            recover: u.arbitrary()?,
        },
        3 => Step::PauseAround,
        4 => Step::Cancel,
        5 => Step::PoolJob,
        _ => Step::PoolFire(small(u)?),
    })
}

impl<'a> Arbitrary<'a> for Schedule {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let threads = u.int_in_range(2..=4)?;
        let mut schedule = Vec::with_capacity(threads);
        for _ in 0..threads {
            let len = u.int_in_range(1..=8)?;
            schedule.push((0..len).map(|_| step(u)).collect::<Result<Vec<_>>>()?);
        }
        Ok(Schedule(schedule))
    }
}

fuzz_target!(|schedule: Schedule| {
    if let Err(breach) = run_schedule(&schedule.0) {
        panic!("{breach}\nschedule: {:?}", schedule.0);
    }
});
