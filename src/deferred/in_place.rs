//! Values built where they live, without the copy or the allocation that
//! the safe way costs on the engine's hottest paths; the crate's one
//! `unsafe` module.
//!
//! - [`InlineFnOnce`]: a boxed `FnOnce` without the box, for closures of up
//!   to three words (a handler that captures a value or two, a handle, a
//!   counter): the closure is kept inside the queue entry itself, so adding
//!   a handler allocates nothing. A larger closure is boxed first and its
//!   box (one word) kept inline instead, which costs what a
//!   `Box<dyn FnOnce>` always cost. [`InlineFnOnceN`] is the same with
//!   room for `W` words: a `Job` of the pool's and the reactor's queues
//!   (`src/job.rs`) keeps five, so that `defer_to_thread`'s work and its
//!   result travel in the queue slots and a job costs no allocation but
//!   its Deferred's.
//! - [`arc_in_place`]: an `Arc` whose value is written straight into its
//!   allocation. `Arc::new(value)` builds the value on the stack and copies
//!   it in; for the Deferred's state (a dozen fields, some enums with
//!   unwritten payload bytes) the compiler does not elide that copy, and the
//!   copy reads back, in 16-byte loads, what was just stored in 8-byte
//!   stores, which the processor cannot forward: a stall on every Deferred
//!   made.
//!
//! # Design note: why `unsafe`, and why here
//!
//! The crate is `deny(unsafe_code)`; this module alone allows it
//! (docs/architecture.md, "The Deferred"). Each item exists because a
//! benchmark proved the need (docs/benchmarks.md, "Where the time goes"):
//!
//! - An allocation per handler was the largest single cost of a hop
//!   (malloc and free were 43–65% of the instructions of the handler
//!   benches), and the interleaved peers bench put the hop at 1.25–1.37×
//!   the boxed-closure floor, which is exactly that allocation plus a call;
//!   issue 8 asks for well under it. Storing a closure of unknown type
//!   without a box needs type erasure over raw storage, which safe Rust
//!   cannot express. The crates that do it were weighed and not taken:
//!   `smallbox`'s `SmallBox<dyn FnOnce(A) -> R>` cannot be called by value
//!   (it would need an `Option` inside an `FnMut`, a test and a panic path
//!   per call), and `stackbox` borrows from a stack frame, where a queued
//!   handler must own its captures for as long as the Deferred lives.
//! - A boxed job was half of a `defer_to_thread` job's allocations and
//!   the largest single cost of a delivery after the fire (issue 19: the
//!   box's `free`, about 100 of a delivery's ~760 instructions); kept
//!   inline, ten pool submits took 63% fewer instructions, ten reactor
//!   calls 50% fewer, ten deliveries 17% fewer. The same code as the
//!   handlers', its width a parameter: nothing new to trust.
//! - Building the state in place took 3.7 ns (14%) off create + fire
//!   (27.1 to 23.4 ns, the same instruction count: the stall is the
//!   difference). The safe ways to build an `Arc` in place cost an atomic
//!   read-modify-write each (`Arc::new_cyclic` counts the strong reference
//!   up after the build, `Arc::get_mut` locks the weak count), which is
//!   what the copy costs.
//!
//! What this needs is small, and it is kept to exactly that: one layout,
//! one function pointer and two operations for the closures; one write
//! into a fresh allocation for the `Arc`.
//!
//! # Why it is sound
//!
//! An [`InlineFnOnceN<A, R, W>`] is a function pointer `shim` and `W`
//! words of raw space (three for an [`InlineFnOnce<A, R>`]). The only way
//! to make one is [`InlineFnOnceN::new`], which writes a closure `F` (or
//! `Box<F>`, if `F` does not fit) into the space and sets `shim` to
//! `shim::<F>`: *the space holds an initialised `F`, and
//! `shim` is the one function that knows its type.* Every `unsafe` block
//! below relies on that invariant, and on the second one: *the `F` is read
//! out of the space exactly once* (by [`call`](InlineFnOnceN::call), which
//! then keeps `Drop` from running, or by `Drop`). Moving an `InlineFnOnceN`
//! moves the closure's bytes, which is what moving any Rust value does
//! (no value is address-sensitive unless pinned, and `F` is not borrowed
//! from anywhere: it is `'static`). `MaybeUninit` words carry any bytes,
//! padding and pointers with their provenance included.
//!
//! [`arc_in_place`] writes a whole value into the uninitialised `Arc` it
//! just made, which nothing else can see yet, before declaring it
//! initialised; if making the value panics, the `Arc` is freed as the
//! uninitialised one it still is.
//!
//! Checked by the module's tests under miri (`cargo +nightly miri test
//! --lib in_place`: inline and boxed closures, in three words or five, called, dropped unrun,
//! panicking, zero-sized, moved between containers, sent across threads,
//! with captures that count their drops; an `Arc` built in place, with its
//! weak handles), and by the loom model
//! `inline_handlers_cross_threads_run_or_drop_once` (loom/tests/loom/deferred.rs),
//! which adds inline and boxed handlers on one thread while another fires
//! or drops the Deferred.

#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::mem::{align_of, size_of, ManuallyDrop, MaybeUninit};
use std::ptr;
use std::sync::Arc;

/// `Arc::new(make())`, with the value written straight into the `Arc`'s
/// allocation instead of built on the stack and copied in (see the module
/// docs). No atomic operation: the counts start at one, as `Arc::new`'s do.
#[inline(always)]
pub(crate) fn arc_in_place<T>(make: impl FnOnce() -> T) -> Arc<T> {
    // (`Arc::new_uninit` computes the layout at run time, in a call.)
    let uninit = Arc::new(MaybeUninit::<T>::uninit());
    let value = Arc::as_ptr(&uninit).cast_mut();
    // SAFETY: `uninit` is the only handle to its value (made just above,
    // never cloned nor dereferenced), so writing through the pointer to that
    // value races with nothing and invalidates no reference, and a
    // `MaybeUninit<T>` may be overwritten whatever it held. If `make`
    // panics, nothing was written, and `uninit` is dropped as an
    // `Arc<MaybeUninit<T>>`: its memory is freed and no `T` is dropped.
    unsafe { (*value).write(make()) };
    // SAFETY: the value is initialised: written just above.
    unsafe { uninit.assume_init() }
}

/// `vec.push(make())`, with the value written straight into the `Vec`'s
/// buffer, after any growth (see the module docs: built before, it would
/// be kept on the stack across the growth and copied in, the same stall).
#[inline(always)]
pub(crate) fn push_in_place<E>(vec: &mut Vec<E>, make: impl FnOnce() -> E) {
    vec.reserve(1);
    let len = vec.len();
    if let Some(slot) = vec.spare_capacity_mut().first_mut() {
        slot.write(make());
        // SAFETY: the element at `len` (the first of the spare capacity) was
        // initialised just above, and `len + 1 <= capacity`, since the
        // spare capacity was not empty.
        unsafe { vec.set_len(len + 1) };
    }
}

/// Words of captures kept inline in a handler entry.
pub(crate) const WORDS: usize = 3;

/// The raw space a closure is kept in: word-aligned, any bytes.
type Space<const W: usize> = [MaybeUninit<usize>; W];

/// Whether a closure of type `F` is kept inline in `W` words (otherwise it
/// is boxed).
const fn fits<F, const W: usize>() -> bool {
    size_of::<F>() <= size_of::<Space<W>>() && align_of::<F>() <= align_of::<Space<W>>()
}

/// A `FnOnce(A) -> R + Send + 'static` kept in place when it fits in
/// [`WORDS`] words, boxed otherwise (see the module docs): a handler entry.
pub(crate) type InlineFnOnce<A, R> = InlineFnOnceN<A, R, WORDS>;

/// A `FnOnce(A) -> R + Send + 'static` kept in place when it fits in `W`
/// words, boxed otherwise (see the module docs): [`InlineFnOnce`] with
/// room for three words, a `Job` with room for more.
pub(crate) struct InlineFnOnceN<A, R, const W: usize> {
    /// Calls (`Some(argument)`) or drops (`None`) the closure in `space`,
    /// reading it out: monomorphised for the closure's type by `new`.
    shim: unsafe fn(*mut Space<W>, Option<A>) -> Option<R>,
    /// The closure (or its box).
    space: Space<W>,
    /// `Send` is implemented below, for closures that are `Send`; `Sync`
    /// never (`*mut ()` keeps the compiler from deriving either from the
    /// raw words).
    _not_auto: PhantomData<*mut ()>,
    /// The signature, for variance.
    _signature: PhantomData<fn(A) -> R>,
}

// SAFETY: `new` only accepts `F: Send`, and the space is only ever read as
// that `F` (or its `Box<F>`, `Send` too), so sending an `InlineFnOnce` to
// another thread sends an `F`. It is not `Sync`, and needs not be: it lives
// in a Deferred's state, behind its lock, or in a queue that hands it to
// one thread.
unsafe impl<A, R, const W: usize> Send for InlineFnOnceN<A, R, W> {}

impl<A, R, const W: usize> InlineFnOnceN<A, R, W> {
    /// Stores `f`: inline if it fits in `W` words, boxed otherwise.
    #[inline(always)]
    pub(crate) fn new<F>(f: F) -> Self
    where
        F: FnOnce(A) -> R + Send + 'static,
    {
        if fits::<F, W>() {
            Self::in_place(f)
        } else {
            Self::in_place(Box::new(f))
        }
    }

    /// Whether a closure of type `F` would be kept inline (for tests).
    #[cfg(test)]
    pub(crate) const fn is_inline<F>() -> bool {
        fits::<F, W>()
    }

    /// Writes `f` into the space. Only called with an `F` that fits (`new`
    /// checks, and a `Box<F>` is one word); the assert is resolved at
    /// compile time.
    #[inline(always)]
    fn in_place<F>(f: F) -> Self
    where
        F: FnOnce(A) -> R + Send + 'static,
    {
        assert!(
            fits::<F, W>(),
            "InlineFnOnce::in_place with a closure too large"
        );
        /// `F`'s bytes, read as the space's words.
        union Bytes<F, const W: usize> {
            closure: ManuallyDrop<F>,
            space: Space<W>,
        }
        // SAFETY: reading the `space` field of the union reads `F`'s bytes
        // as `MaybeUninit` words, which may hold anything (uninitialised
        // padding, pointers with their provenance); `F` is no larger and no
        // more aligned than `Space` (asserted just above), so the words
        // cover it. The `F` is not dropped here (`ManuallyDrop`): it now
        // lives in `space`, and `shim::<F, A, R>` is set beside it: the
        // module's invariant.
        let space = unsafe {
            Bytes::<F, W> {
                closure: ManuallyDrop::new(f),
            }
            .space
        };
        InlineFnOnceN {
            shim: shim::<F, A, R, W>,
            space,
            _not_auto: PhantomData,
            _signature: PhantomData,
        }
    }

    /// Calls the closure with `argument`, consuming it.
    #[inline(always)]
    pub(crate) fn call(self, argument: A) -> R {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: by the invariant, `this.space` holds the `F` that
        // `this.shim` was made for, not yet read. The shim reads it out
        // (and the closure is consumed by the call, or dropped by the unwind
        // if it panics); `this` is `ManuallyDrop`, so `Drop` never reads
        // the space a second time.
        let result = unsafe { (this.shim)(&mut this.space, Some(argument)) };
        match result {
            Some(result) => result,
            // A shim given an argument always returns the closure's result.
            None => unreachable!("the shim of a called closure returned nothing"),
        }
    }
}

impl<A, R, const W: usize> Drop for InlineFnOnceN<A, R, W> {
    /// Drops the closure without calling it (a handler that never ran).
    fn drop(&mut self) {
        // SAFETY: by the invariant, `self.space` holds the `F` that
        // `self.shim` was made for, not yet read (`call` never lets `Drop`
        // run); the shim reads it out and drops it, and nothing reads the
        // space after `drop`.
        unsafe { (self.shim)(&mut self.space, None) };
    }
}

/// Reads the `F` out of `space` and calls it with `argument` (`Some`), or
/// drops it (`None`).
///
/// # Safety
///
/// `space` must hold an initialised `F`, written by
/// [`InlineFnOnceN::in_place`], that nothing has read out before, and the
/// caller must not read it again afterwards.
unsafe fn shim<F, A, R, const W: usize>(space: *mut Space<W>, argument: Option<A>) -> Option<R>
where
    F: FnOnce(A) -> R,
{
    // SAFETY: the caller's contract: `space` holds an initialised `F`
    // (suitably aligned: `in_place` checked `fits::<F>()`), read here for
    // the first and only time, so the `F` is moved out exactly once.
    let f = unsafe { ptr::read(space.cast::<F>()) };
    argument.map(f)
}

#[cfg(test)]
mod tests {
    use super::{arc_in_place, push_in_place, InlineFnOnce, InlineFnOnceN};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Counts its drops in a shared counter.
    struct DropCount(Arc<AtomicUsize>);
    impl Drop for DropCount {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> Arc<AtomicUsize> {
        Arc::new(AtomicUsize::new(0))
    }

    #[test]
    fn a_closure_of_three_words_is_kept_inline_and_a_larger_one_boxed() {
        let (a, b, c) = (1u64, 2u64, 3u64);
        let three = move |x: u64| x + a + b + c;
        let big = [0u64; 4];
        let four_words = move |x: u64| x + big[3];
        fn inline_of<F: FnOnce(u64) -> u64 + Send + 'static>(_: &F) -> bool {
            InlineFnOnce::<u64, u64>::is_inline::<F>()
        }
        assert!(inline_of(&three));
        assert!(!inline_of(&four_words));
        assert!(inline_of(&|x: u64| x));
    }

    /// A wider space (a `Job`'s) keeps a closure of up to its width
    /// inline, and works as the three-word one does: called once, or
    /// dropped once unrun, inline or boxed, moved across threads.
    #[test]
    fn a_wider_space_keeps_its_width_inline_and_calls_or_drops_once() {
        type Five = InlineFnOnceN<(), u64, 5>;
        let drops = counter();
        let (guard, pad) = (DropCount(Arc::clone(&drops)), [1u64; 4]);
        let five_words = move |()| {
            let _keep = &guard;
            pad[3] + 1
        };
        assert!(Five::is_inline::<[u64; 5]>());
        assert!(!Five::is_inline::<[u64; 6]>());
        let f = Five::new(five_words);
        let f = std::thread::spawn(move || f).join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        assert_eq!(f.call(()), 2);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        let (guard, big) = (DropCount(Arc::clone(&drops)), [2u64; 6]);
        let six_words = move |()| {
            let _keep = &guard;
            big[5]
        };
        let (g, h) = (Five::new(six_words), Five::new(move |()| 3));
        drop(g);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
        assert_eq!(h.call(()), 3);
    }

    #[test]
    fn an_inline_closure_is_called_once_with_its_captures() {
        let drops = counter();
        let guard = DropCount(Arc::clone(&drops));
        let k = 7u64;
        let f = InlineFnOnce::new(move |x: u64| {
            let _keep = &guard;
            x * k
        });
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        assert_eq!(f.call(6), 42);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "captures dropped once, by the call"
        );
    }

    #[test]
    fn a_boxed_closure_is_called_once_with_its_captures() {
        let drops = counter();
        let guard = DropCount(Arc::clone(&drops));
        let big = [1u64, 2, 3, 4, 5];
        let f = InlineFnOnce::new(move |x: u64| {
            let _keep = &guard;
            x + big.iter().sum::<u64>()
        });
        assert_eq!(f.call(1), 16);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn an_uncalled_closure_is_dropped_once_inline_or_boxed() {
        let drops = counter();
        let small = DropCount(Arc::clone(&drops));
        let large = (DropCount(Arc::clone(&drops)), [0u64; 8]);
        let f = InlineFnOnce::new(move |x: u64| {
            let _keep = &small;
            x
        });
        let g = InlineFnOnce::new(move |x: u64| {
            let _keep = &large;
            x
        });
        drop(f);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        drop(g);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_closure_survives_moves_between_containers() {
        let drops = counter();
        let mut queue = Vec::new();
        for i in 0..50u64 {
            let guard = DropCount(Arc::clone(&drops));
            let text = format!("handler {i}"); // a pointer into the heap, moved along
            queue.push(InlineFnOnce::new(move |x: u64| {
                let _keep = &guard;
                x + text.len() as u64 + i
            }));
        }
        // Growth moved every entry several times; a VecDeque moves them again.
        let mut moved: std::collections::VecDeque<_> = queue.into_iter().collect();
        let mut sum = 0;
        while moved.len() > 25 {
            sum += moved.pop_front().unwrap().call(0);
        }
        assert_eq!(sum, (0..25).map(|i: u64| 9 + (i >= 10) as u64 + i).sum());
        drop(moved);
        assert_eq!(drops.load(Ordering::SeqCst), 50);
    }

    #[test]
    fn a_panicking_closure_drops_its_captures_once() {
        let drops = counter();
        let guard = DropCount(Arc::clone(&drops));
        let f = InlineFnOnce::new(move |x: u64| -> u64 {
            let _keep = &guard;
            if x > 0 {
                panic!("handler panics");
            }
            x
        });
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.call(1)));
        assert!(caught.is_err());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_zero_sized_closure_and_a_moved_result_work() {
        let f = InlineFnOnce::new(|x: String| x + "!");
        assert_eq!(f.call("hi".to_owned()), "hi!");
        let g: InlineFnOnce<(), Vec<u8>> = InlineFnOnce::new(|()| vec![1, 2, 3]);
        assert_eq!(g.call(()), [1, 2, 3]);
    }

    #[test]
    fn closures_cross_threads() {
        let drops = counter();
        let guard = DropCount(Arc::clone(&drops));
        let f = InlineFnOnce::new(move |x: u64| {
            let _keep = &guard;
            x + 1
        });
        let unrun = {
            let guard = DropCount(Arc::clone(&drops));
            InlineFnOnce::new(move |x: u64| {
                let _keep = &guard;
                x
            })
        };
        let got = std::thread::spawn(move || {
            drop(unrun);
            f.call(1)
        })
        .join()
        .unwrap();
        assert_eq!(got, 2);
        assert_eq!(drops.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn an_arc_built_in_place_holds_the_value_and_drops_it_once() {
        let drops = counter();
        let arc = arc_in_place(|| (DropCount(Arc::clone(&drops)), vec![1u8, 2, 3], 7u64));
        assert_eq!((arc.1.as_slice(), arc.2), (&[1u8, 2, 3][..], 7));
        let weak = Arc::downgrade(&arc);
        let other = Arc::clone(&arc);
        assert_eq!((Arc::strong_count(&arc), Arc::weak_count(&arc)), (2, 1));
        drop(arc);
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(other);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(weak.upgrade().is_none());
    }

    #[test]
    fn an_arc_whose_value_panics_while_being_made_is_not_dropped() {
        let drops = counter();
        let held = DropCount(Arc::clone(&drops));
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            arc_in_place(|| -> DropCount {
                let _moved_in = &held;
                panic!("make panics");
            })
        }));
        assert!(caught.is_err());
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "nothing half-made was dropped"
        );
        drop(held);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn values_pushed_in_place_keep_their_order_across_growth_and_drop_once() {
        let drops = counter();
        let mut queue = Vec::new();
        for i in 0..40u64 {
            let guard = DropCount(Arc::clone(&drops));
            push_in_place(&mut queue, || {
                InlineFnOnce::new(move |x: u64| {
                    let _keep = &guard;
                    x * 100 + i
                })
            });
        }
        assert_eq!(queue.len(), 40);
        let mut entries = queue.into_iter();
        let firsts: Vec<u64> = entries.by_ref().take(30).map(|f| f.call(1)).collect();
        assert_eq!(firsts, (0..30).map(|i| 100 + i).collect::<Vec<_>>());
        drop(entries);
        assert_eq!(drops.load(Ordering::SeqCst), 40);
    }
}
