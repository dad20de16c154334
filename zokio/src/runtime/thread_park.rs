//! Blocking a plain thread on a future: poll it, sleep until its waker
//! fires, poll again. Used where no scheduler core is available.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::driver::{Parker, Unparker};

struct UnparkWaker(Unparker);

impl Wake for UnparkWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// A parker for this thread and a waker that unparks it.
pub(crate) struct ThreadPark {
    parker: Parker,
    waker: Waker,
}

impl ThreadPark {
    pub(crate) fn new() -> ThreadPark {
        let parker = Parker::new();
        let waker = Waker::from(Arc::new(UnparkWaker(parker.unparker())));
        ThreadPark { parker, waker }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        self.parker.unparker()
    }

    pub(crate) fn waker(&self) -> &Waker {
        &self.waker
    }

    pub(crate) fn park(&mut self) {
        self.parker.park(None);
    }

    /// Blocks until `future` completes.
    pub(crate) fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(&self.waker);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            self.parker.park(None);
        }
    }
}
