//! The filesystem lock's cross-process protocol (design note 1 of
//! `src/primitives/fs_lock.rs`: the OS's advisory lock on the file), under
//! contention between processes: this test binary runs itself again as
//! child processes, each taking and releasing one lock many times on a
//! schedule of pauses drawn from its seed, and writing each entry and exit
//! to a shared log. Mutual exclusion: the log never shows two holders at
//! once, and every release was clean. Loom cannot model another process;
//! the planted mutant `fs_lock_no_os_lock` (the OS lock skipped) is caught
//! here (`cargo xtask mutants fs_lock_no_os_lock`).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use deferred::testing::Clock;
use deferred::DeferredFilesystemLock;

/// Set in a child: `PATH;LOG;ID;SEED`.
const CHILD: &str = "DEFERRED_FS_LOCK_CHILD";
const PROCESSES: u64 = 4;
const ROUNDS: u64 = 40;

/// A small seeded generator (xorshift64*): the child's schedule.
struct Schedule(u64);

impl Schedule {
    fn new(seed: u64) -> Self {
        Schedule(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A pause of 0 to `max_us` microseconds.
    fn pause(&mut self, max_us: u64) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        Duration::from_micros(self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % (max_us + 1))
    }
}

/// One line to the shared log, in one `write` (the file is opened for
/// append, so lines from different processes never interleave).
fn log_line(log: &Path, line: &str) {
    let mut file = OpenOptions::new().append(true).open(log).unwrap();
    file.write_all(format!("{line}\n").as_bytes()).unwrap();
}

/// The child's part; a no-op in the parent's own test run.
#[test]
fn child() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let parts: Vec<&str> = spec.split(';').collect();
    let [path, log, id, seed] = parts[..] else {
        panic!("bad {CHILD}: {spec}");
    };
    let mut schedule = Schedule::new(seed.parse().unwrap());
    let lock = DeferredFilesystemLock::new(path, Clock::new());
    for round in 0..ROUNDS {
        while !lock.lock().unwrap() {
            std::thread::sleep(schedule.pause(200));
        }
        let clean = lock.clean();
        log_line(Path::new(log), &format!("enter {id} {round} {clean:?}"));
        std::thread::sleep(schedule.pause(300));
        log_line(Path::new(log), &format!("exit {id} {round}"));
        lock.unlock().unwrap();
        std::thread::sleep(schedule.pause(100));
    }
}

#[test]
fn processes_contending_for_one_lock_never_hold_it_together() {
    let seed: u64 = std::env::var("DEFERRED_FS_LOCK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(21);
    let dir = std::env::temp_dir().join(format!(
        "deferred-fs-lock-processes-{}-{seed}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (path, log) = (dir.join("lock"), dir.join("log"));
    std::fs::write(&log, "").unwrap();
    let me = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|id| {
            Command::new(&me)
                .args(["child", "--exact", "--nocapture", "--test-threads=1"])
                .env(
                    CHILD,
                    format!(
                        "{};{};{id};{}",
                        path.display(),
                        log.display(),
                        seed * PROCESSES + id
                    ),
                )
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(
            child.wait().unwrap().success(),
            "a child failed (seed {seed})"
        );
    }
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len() as u64,
        2 * PROCESSES * ROUNDS,
        "every round entered and left (seed {seed})"
    );
    // Entries and exits alternate, each exit the holder's own: one holder
    // at a time. Every release before an entry was clean (an unlock).
    for (at, pair) in lines.chunks(2).enumerate() {
        let enter: Vec<&str> = pair[0].split(' ').collect();
        let exit: Vec<&str> = pair[1].split(' ').collect();
        assert!(
            enter[0] == "enter" && exit[0] == "exit" && enter[1..3] == exit[1..3],
            "two holders at once at line {} (seed {seed}): {:?}",
            2 * at + 1,
            &lines[2 * at..(2 * at + 4).min(lines.len())]
        );
        assert_eq!(enter[3], "Some(true)", "an unclean release (seed {seed})");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
