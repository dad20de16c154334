//! Running blocking code on a worker thread without stalling the others.

use crate::runtime::{context, scheduler};

/// Runs `f`, which may block, on the current thread. On a multi-thread
/// runtime's worker, the worker's queue of tasks is first handed to a new
/// thread so that the other tasks keep running while `f` blocks; the task
/// that called `block_in_place` then finishes its current poll on this
/// thread, which afterwards leaves the pool.
///
/// Outside a runtime, or on the thread that called `block_on`, it simply
/// runs `f`. If the OS refuses the new thread, `f` runs in place and the
/// worker's other tasks wait for it, as if it had not been handed off.
///
/// ```
/// let rt = zokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let out = rt.block_on(async {
///     zokio::spawn(async {
///         zokio::task::block_in_place(|| {
///             std::thread::sleep(std::time::Duration::from_millis(1));
///             7
///         })
///     })
///     .await
///     .unwrap()
/// });
/// assert_eq!(out, 7);
/// ```
///
/// # Panics
///
/// On a current-thread runtime (or a thread-per-core worker), where there
/// is no other thread to hand the tasks to; use `spawn_blocking` there.
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    let outcome = context::with_scheduler(|cx| match cx {
        Some(scheduler::Context::MultiThread(cx)) => Ok(Some(cx.take_core())),
        Some(scheduler::Context::CurrentThread(_)) => Err(()),
        None => Ok(None),
    });
    match outcome {
        Err(()) => panic!(
            "`block_in_place` can only be called on a multi-thread runtime's worker; \
             use `spawn_blocking` on a current-thread runtime"
        ),
        Ok(Some(Some((handle, core)))) => {
            if let Err((_, core)) = scheduler::multi_thread::spawn_worker(&handle, core) {
                context::with_scheduler(|cx| {
                    if let Some(scheduler::Context::MultiThread(cx)) = cx {
                        cx.put_core(core);
                    }
                });
            }
        }
        Ok(_) => {}
    }
    context::exit_runtime(f)
}
