//! [`ReactorThreads`]: what [`defer_to_thread`](crate::defer_to_thread)
//! needs of a reactor (Twisted's `IReactorThreads`), so that code written
//! against it runs unchanged on the [`Reactor`] and on the
//! [`MemoryReactor`] of tests.

use std::future::Future;

use crate::deferred::{Deferred, IntoOutcome};
use crate::job::Job;
use crate::pool::PoolStoppedError;
use crate::reactor::{Reactor, ReactorError, WeakReactor};
use crate::testing::MemoryReactor;

/// A reactor that takes calls from other threads and runs work in a thread
/// pool (Twisted's `IReactorThreads`): the [`Reactor`], or a test's
/// [`MemoryReactor`], where both run only
/// when the test says.
///
/// [`defer_to_thread`](crate::defer_to_thread) and
/// [`defer_to_thread_pool`](crate::defer_to_thread_pool) take any of them,
/// so a function that takes `&impl ReactorThreads` (with
/// [`ReactorTime`](crate::ReactorTime) for its timers) runs unchanged in a
/// test. The trait is sealed: the crate's reactors are its only
/// implementations.
///
/// ```
/// use deferred::testing::{success_result_of, MemoryReactor};
/// use deferred::{defer_to_thread, Deferred, ReactorThreads};
///
/// fn parse(reactor: &impl ReactorThreads, text: String) -> Deferred<u32> {
///     defer_to_thread(reactor, move || text.parse::<u32>())
/// }
///
/// let reactor = MemoryReactor::new();
/// let d = parse(&reactor, "42".into());
/// reactor.run_until_idle();
/// assert_eq!(success_result_of(&d), 42);
/// ```
pub trait ReactorThreads: Send + Sync + sealed::Sealed {
    /// Queues `f` to run on the reactor thread (Twisted's
    /// `callFromThread`); the boxed form, for `dyn ReactorThreads`.
    ///
    /// # Errors
    ///
    /// [`ReactorError::Stopped`] if the reactor has stopped: `f` is dropped.
    fn call_from_thread_boxed(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<(), ReactorError>;

    /// Queues `f` to run in the reactor's thread pool (Twisted's
    /// `callInThread`); the boxed form.
    ///
    /// # Errors
    ///
    /// [`PoolStoppedError`] if the pool has stopped: `f` is dropped.
    fn call_in_thread_boxed(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<(), PoolStoppedError>;

    /// Whether the caller is on the reactor thread (Twisted's
    /// `isInIOThread`).
    fn is_in_reactor_thread(&self) -> bool;

    /// Runs `future` as a task whose every poll, the first included, runs
    /// on the reactor thread: [`Reactor::spawn`], on any of the crate's
    /// reactors. On a [`MemoryReactor`] each poll waits in its queue of
    /// calls until the test runs it ([`run_calls`](MemoryReactor::run_calls)),
    /// so a test steps an `async` task poll by poll; after its
    /// [`stop`](MemoryReactor::stop), or once every handle of it is gone, a
    /// wake-up can no longer be queued: the Deferred fails with
    /// [`ReactorError::Stopped`] and the future is dropped (polls queued
    /// before the stop still run when the test says).
    ///
    /// The method is generic, so a `reactor: &dyn ReactorThreads` calls it
    /// through a reference: `(&reactor).spawn(future)`.
    ///
    /// ```
    /// use deferred::testing::{success_result_of, MemoryReactor};
    /// use deferred::{defer_to_thread, Deferred, ReactorThreads};
    ///
    /// // Code under test: two steps in the pool, summed on the reactor thread.
    /// fn sum_in_pool(reactor: &(impl ReactorThreads + Clone + 'static)) -> Deferred<u32> {
    ///     let r = reactor.clone();
    ///     reactor.spawn(async move {
    ///         let a: u32 = defer_to_thread(&r, || 40).await?;
    ///         assert!(r.is_in_reactor_thread());
    ///         let b: u32 = defer_to_thread(&r, || 2).await?;
    ///         Ok::<_, deferred::Failure>(a + b)
    ///     })
    /// }
    ///
    /// let reactor = MemoryReactor::new();
    /// let d = sum_in_pool(&reactor);
    /// assert_eq!(reactor.pending_calls(), 1); // the first poll waits for the test
    /// assert_eq!(reactor.run_calls(), 1);     // polled: it waits on the pool now
    /// assert!(reactor.run_one_job());         // the first job; its result is a call
    /// reactor.run_until_idle();               // the rest of the way
    /// assert_eq!(success_result_of(&d), 42);
    /// ```
    fn spawn<T, F>(&self, future: F) -> Deferred<T>
    where
        Self: Sized,
        T: Send + 'static,
        F: Future + Send + 'static,
        F::Output: IntoOutcome<T>,
    {
        crate::bridge::spawn_on(self.target(), future)
    }
}

pub(crate) mod sealed {
    use super::*;

    /// Seals [`ReactorThreads`], and tells
    /// `defer_to_thread` which reactor it has.
    pub trait Sealed {
        /// The reactor behind the handle.
        fn target(&self) -> Target<'_>;
    }

    /// One of the crate's reactors.
    #[derive(Debug, Clone, Copy)]
    pub enum Target<'a> {
        /// The real one.
        Real(&'a Reactor),
        /// A test's.
        Memory(&'a MemoryReactor),
    }

    impl Target<'_> {
        /// A job goes out to a thread (the real reactor spins for it).
        pub(crate) fn job_out(self) {
            if let Target::Real(r) = self {
                r.job_out();
            }
        }

        /// An owned handle, for the way back, holding a [`Reactor`]
        /// weakly (a job queued on a reactor's own pool must not keep it
        /// alive).
        pub(crate) fn to_weak_back(self) -> WeakBack {
            match self {
                Target::Real(r) => WeakBack::Real(r.downgrade()),
                Target::Memory(m) => WeakBack::Memory(m.clone()),
            }
        }
    }

    /// A [`Back`] that does not keep a [`Reactor`] alive.
    #[derive(Clone)]
    pub(crate) enum WeakBack {
        /// The real reactor, weakly.
        Real(WeakReactor),
        /// A memory reactor (a test's).
        Memory(MemoryReactor),
    }

    impl WeakBack {
        /// The reactor, if a handle to it is alive.
        pub(crate) fn upgrade(&self) -> Option<Back> {
            match self {
                WeakBack::Real(r) => r.upgrade().map(Back::Real),
                WeakBack::Memory(m) => Some(Back::Memory(m.clone())),
            }
        }
    }

    /// An owned handle to one of the crate's reactors: where a thread's
    /// result goes back to.
    #[derive(Clone)]
    pub(crate) enum Back {
        /// The real one.
        Real(Reactor),
        /// A test's.
        Memory(MemoryReactor),
    }

    impl Back {
        /// See [`Reactor::job_not_out`].
        pub(crate) fn job_not_out(&self) {
            if let Back::Real(r) = self {
                r.job_not_out();
            }
        }

        /// See [`Target::to_weak_back`].
        pub(crate) fn downgrade(&self) -> WeakBack {
            match self {
                Back::Real(r) => WeakBack::Real(r.downgrade()),
                Back::Memory(m) => WeakBack::Memory(m.clone()),
            }
        }

        /// Queues a call, or gives it back if the reactor has stopped.
        pub(crate) fn push_call(&self, job: Job) -> Result<(), Job> {
            match self {
                Back::Real(r) => r.push_call(job),
                Back::Memory(m) => m.push_call(job),
            }
        }

        /// Whether the caller is on the reactor thread.
        pub(crate) fn is_in_reactor_thread(&self) -> bool {
            match self {
                Back::Real(r) => r.is_in_reactor_thread(),
                Back::Memory(m) => m.is_in_reactor_thread(),
            }
        }
    }
}

impl sealed::Sealed for Reactor {
    fn target(&self) -> sealed::Target<'_> {
        sealed::Target::Real(self)
    }
}

impl ReactorThreads for Reactor {
    fn call_from_thread_boxed(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<(), ReactorError> {
        Reactor::call_from_thread(self, f)
    }

    fn call_in_thread_boxed(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<(), PoolStoppedError> {
        self.thread_pool().call_in_thread(f)
    }

    fn is_in_reactor_thread(&self) -> bool {
        Reactor::is_in_reactor_thread(self)
    }
}

impl<R: sealed::Sealed + ?Sized> sealed::Sealed for &R {
    fn target(&self) -> sealed::Target<'_> {
        (**self).target()
    }
}

impl<R: ReactorThreads + ?Sized> ReactorThreads for &R {
    fn call_from_thread_boxed(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<(), ReactorError> {
        (**self).call_from_thread_boxed(f)
    }

    fn call_in_thread_boxed(
        &self,
        f: Box<dyn FnOnce() + Send + 'static>,
    ) -> Result<(), PoolStoppedError> {
        (**self).call_in_thread_boxed(f)
    }

    fn is_in_reactor_thread(&self) -> bool {
        (**self).is_in_reactor_thread()
    }
}
