//! The whole threaded system under many schedules (issue 8): what the loom
//! models cannot reach, because it is too big for them (a reactor, its pool
//! and thousands of jobs, submitted from several threads, with a stop racing
//! them), run many times with a seeded random mix of yields, short spins and
//! sleeps in the jobs, the callbacks and the submitting threads, so that the
//! OS scheduler interleaves the lock-free hand-offs (the pool's job count and
//! queue, the reactor's inbound count and queue, their sleeps and wakeups)
//! differently on every seed.
//!
//! Each run checks that nothing is lost and nothing is doubled: every job the
//! pool accepted ran exactly once, every Deferred fired exactly once, on the
//! reactor thread, with its own job's value, or failed with
//! `PoolStoppedError` when refused, and refusals come only once the stop
//! began. A failure names its seed: `DEFERRED_STRESS_SEED=<seed> cargo test
//! --test threads_stress` replays the same mix (the OS schedule itself is
//! not replayable; run it a few times). `DEFERRED_STRESS_SEEDS=<n>` runs
//! more seeds (default 24).

// Real threads and time: not under loom.
#![cfg(not(deferred_loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use deferred::{defer_to_thread, PoolStoppedError, Reactor, ThreadPool, WorkerPriority};

/// A small, seedable generator (xorshift64*), so a failing seed replays its mix.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random pause: mostly nothing, else a yield, a short spin, or a short sleep.
fn jitter(rng: &mut Rng) {
    match rng.below(16) {
        0..=9 => {}
        10..=12 => std::thread::yield_now(),
        13 | 14 => {
            for _ in 0..rng.below(2_000) {
                std::hint::spin_loop();
            }
        }
        _ => std::thread::sleep(Duration::from_micros(rng.below(200))),
    }
}

fn seeds() -> Vec<u64> {
    if let Ok(seed) = std::env::var("DEFERRED_STRESS_SEED") {
        return vec![seed.parse().expect("DEFERRED_STRESS_SEED is a number")];
    }
    let count = std::env::var("DEFERRED_STRESS_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24);
    (1..=count).collect()
}

/// What happened to one job's Deferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Seen {
    /// Times its job ran.
    ran: u8,
    /// Times its Deferred fired with a value (the job's, checked).
    values: u8,
    /// Times it failed with `PoolStoppedError`.
    refused: u8,
}

/// One run: `submitters` threads each hand `per_thread` jobs to
/// `defer_to_thread` (through the reactor's `call_from_thread`, or directly
/// from their own thread), while the reactor stops after a random number of
/// results; the pool has `threads` workers and a zero or default keep-alive.
fn reactor_run(seed: u64) {
    let mut rng = Rng::new(seed);
    let threads = 1 + rng.below(10) as usize;
    let submitters = 1 + rng.below(4) as usize;
    let per_thread = 200 + rng.below(800) as usize;
    let total = submitters * per_thread;
    let stop_after = rng.below(total as u64 + total as u64 / 4) as usize;
    let keep_alive = if rng.below(2) == 0 {
        Duration::ZERO
    } else {
        Duration::from_secs(10)
    };
    let pool = ThreadPool::builder()
        .max_threads(threads)
        .keep_alive(keep_alive)
        // Not `Idle`: the protocol is the same at every priority, and on a
        // busy machine `SCHED_IDLE` workers wait behind the test's own
        // spinning threads and everyone else's.
        .worker_priority(if rng.below(2) == 0 {
            WorkerPriority::Normal
        } else {
            WorkerPriority::Lowered
        })
        .build_unstarted()
        .unwrap();
    let reactor = Reactor::with_thread_pool(pool);
    let seen: Arc<Vec<Mutex<Seen>>> = Arc::new((0..total).map(|_| Mutex::default()).collect());
    let delivered = Arc::new(AtomicUsize::new(0));
    let stopping = Arc::new(AtomicBool::new(false));
    let (refused_early_tx, refused_early) = mpsc::channel::<usize>();

    let handles: Vec<_> = (0..submitters)
        .map(|s| {
            let (reactor, seen, delivered, stopping) = (
                reactor.clone(),
                Arc::clone(&seen),
                Arc::clone(&delivered),
                Arc::clone(&stopping),
            );
            let refused_early_tx = refused_early_tx.clone();
            let mut rng = Rng::new(seed ^ (s as u64 + 1) << 32);
            std::thread::spawn(move || {
                for k in 0..per_thread {
                    let id = s * per_thread + k;
                    let mut job_rng = Rng::new(rng.next());
                    let mut callback_rng = Rng::new(rng.next());
                    let (seen_job, seen_cb, seen_eb) =
                        (Arc::clone(&seen), Arc::clone(&seen), Arc::clone(&seen));
                    let stopping_eb = Arc::clone(&stopping);
                    let (r, delivered, stopping, early) = (
                        reactor.clone(),
                        Arc::clone(&delivered),
                        Arc::clone(&stopping),
                        refused_early_tx.clone(),
                    );
                    // Half the submits come from this thread, half are
                    // handed to the reactor; only the latter add their
                    // callback before the result can arrive, so only they
                    // are sure to call back on the reactor thread (a
                    // callback added to a fired Deferred runs at once, on
                    // the thread that adds it).
                    let from_reactor = rng.below(2) == 0;
                    let submit = move || {
                        let d = defer_to_thread(&r, move || {
                            jitter(&mut job_rng);
                            seen_job[id].lock().unwrap().ran += 1;
                            id * 7
                        });
                        let r2 = r.clone();
                        d.add_callback(move |v: usize| {
                            assert!(
                                !from_reactor || r2.is_in_reactor_thread(),
                                "a callback off the reactor thread"
                            );
                            assert_eq!(v, id * 7, "job {id} got another job's value");
                            seen_cb[id].lock().unwrap().values += 1;
                            jitter(&mut callback_rng);
                            if delivered.fetch_add(1, Ordering::SeqCst) + 1 == stop_after {
                                stopping.store(true, Ordering::SeqCst);
                                r2.stop().unwrap();
                            }
                            v
                        })
                        .add_errback(move |failure| {
                            assert!(
                                failure.downcast_ref::<PoolStoppedError>().is_some(),
                                "{failure}"
                            );
                            seen_eb[id].lock().unwrap().refused += 1;
                            if !stopping_eb.load(Ordering::SeqCst) {
                                early.send(id).unwrap();
                            }
                            0usize
                        });
                    };
                    if !from_reactor {
                        submit();
                    } else if reactor.call_from_thread(submit).is_err() {
                        // The reactor stopped: this job was never submitted.
                        seen[id].lock().unwrap().refused += 1;
                    }
                    jitter(&mut rng);
                }
            })
        })
        .collect();
    drop(refused_early_tx);
    // If every job is delivered before `stop_after`, stop once all are.
    // `run_over`: the reactor may run and stop before this thread first
    // sees it running (a starved thread, as under `nice`); it must not wait
    // for a run that is over.
    let run_over = Arc::new(AtomicBool::new(false));
    let (r, delivered2, over) = (
        reactor.clone(),
        Arc::clone(&delivered),
        Arc::clone(&run_over),
    );
    let stopper = std::thread::spawn(move || {
        while !r.is_running() {
            if over.load(Ordering::SeqCst) {
                return;
            }
            std::thread::yield_now();
        }
        while delivered2.load(Ordering::SeqCst) < total && r.is_running() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = r.stop();
    });
    reactor.run().unwrap();
    run_over.store(true, Ordering::SeqCst);
    for handle in handles {
        handle.join().unwrap();
    }
    stopper.join().unwrap();

    let early: Vec<usize> = refused_early.try_iter().collect();
    assert!(
        early.is_empty(),
        "seed {seed}: refused before the stop: {early:?}"
    );
    let stats = reactor.thread_pool().stats();
    assert_eq!(
        (stats.threads, stats.queued),
        (0, 0),
        "seed {seed}: {stats:?}"
    );
    let mut ran = 0;
    for (id, seen) in seen.iter().enumerate() {
        let seen = *seen.lock().unwrap();
        // A job ran at most once, and its Deferred fired once with its value,
        // or it was refused (by the pool, or by the stopped reactor) and never ran.
        let ok = matches!(
            seen,
            Seen {
                ran: 1,
                values: 1,
                refused: 0
            } | Seen {
                ran: 0,
                values: 0,
                refused: 1
            }
        );
        assert!(ok, "seed {seed}: job {id}: {seen:?}");
        ran += usize::from(seen.ran);
    }
    assert_eq!(stats.completed, ran as u64, "seed {seed}");
    assert_eq!(delivered.load(Ordering::SeqCst), ran, "seed {seed}");
}

#[test]
fn every_defer_to_thread_result_arrives_once_or_is_refused_under_random_schedules() {
    for seed in seeds() {
        reactor_run(seed);
    }
}

/// The pool alone: several threads submit jobs (with random pauses) while
/// another stops the pool at a random moment; jobs that are themselves
/// submitters (a job that submits) too. Every accepted job runs exactly once,
/// refusals come only after the stop began, and the pool ends empty.
fn pool_run(seed: u64) {
    let mut rng = Rng::new(seed);
    let max = 1 + rng.below(8) as usize;
    let min = rng.below(max as u64 + 1) as usize;
    let keep_alive = if rng.below(2) == 0 {
        Duration::ZERO
    } else {
        Duration::from_millis(rng.below(5))
    };
    let pool = Arc::new(
        ThreadPool::builder()
            .min_threads(min)
            .max_threads(max)
            .keep_alive(keep_alive)
            .build()
            .unwrap(),
    );
    let submitters = 1 + rng.below(4) as usize;
    let per_thread = 300 + rng.below(1_000) as usize;
    let total = submitters * per_thread * 2;
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..total).map(|_| AtomicUsize::new(0)).collect());
    let accepted: Arc<Vec<AtomicBool>> =
        Arc::new((0..total).map(|_| AtomicBool::new(false)).collect());
    let stop_begun = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..submitters)
        .map(|s| {
            let (pool, runs, accepted, stop_begun) = (
                Arc::clone(&pool),
                Arc::clone(&runs),
                Arc::clone(&accepted),
                Arc::clone(&stop_begun),
            );
            let mut rng = Rng::new(seed ^ (s as u64 + 7) << 40);
            std::thread::spawn(move || {
                for k in 0..per_thread {
                    // Job `id` submits job `id + 1` from its worker.
                    let id = (s * per_thread + k) * 2;
                    let mut job_rng = Rng::new(rng.next());
                    let (p, runs2, accepted2, stop2) = (
                        Arc::clone(&pool),
                        Arc::clone(&runs),
                        Arc::clone(&accepted),
                        Arc::clone(&stop_begun),
                    );
                    let outcome = pool.call_in_thread(move || {
                        runs2[id].fetch_add(1, Ordering::SeqCst);
                        jitter(&mut job_rng);
                        let runs3 = Arc::clone(&runs2);
                        let inner = p.call_in_thread(move || {
                            runs3[id + 1].fetch_add(1, Ordering::SeqCst);
                        });
                        match inner {
                            Ok(()) => accepted2[id + 1].store(true, Ordering::SeqCst),
                            Err(PoolStoppedError) => {
                                assert!(stop2.load(Ordering::SeqCst), "refused before stop")
                            }
                        }
                    });
                    match outcome {
                        Ok(()) => accepted[id].store(true, Ordering::SeqCst),
                        Err(PoolStoppedError) => {
                            assert!(
                                stop_begun.load(Ordering::SeqCst),
                                "seed {seed}: refused before stop"
                            )
                        }
                    }
                    jitter(&mut rng);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_micros(rng.below(3_000)));
    stop_begun.store(true, Ordering::SeqCst);
    pool.stop().unwrap();
    for handle in handles {
        handle.join().unwrap();
    }
    let mut accepted_count = 0;
    for id in 0..total {
        let ran = runs[id].load(Ordering::SeqCst);
        let ok = accepted[id].load(Ordering::SeqCst);
        assert_eq!(
            ran,
            usize::from(ok),
            "seed {seed}: job {id}: accepted {ok}, ran {ran} times"
        );
        accepted_count += usize::from(ok);
    }
    let stats = pool.stats();
    assert_eq!(
        (
            stats.threads,
            stats.idle,
            stats.busy,
            stats.queued,
            stats.completed
        ),
        (0, 0, 0, 0, accepted_count as u64),
        "seed {seed}"
    );
}

#[test]
fn every_accepted_pool_job_runs_once_under_random_schedules_and_a_racing_stop() {
    for seed in seeds() {
        pool_run(seed);
    }
}
