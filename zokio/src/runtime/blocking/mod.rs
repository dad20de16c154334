//! The blocking pool: threads for closures that block (file I/O on the
//! fallback driver, CPU-heavy work, blocking libraries), so that they do not
//! stall the threads that run tasks.
//!
//! A closure given to `spawn_blocking` becomes an ordinary task (one
//! allocation, the usual [`JoinHandle`](crate::task::JoinHandle)) whose
//! future calls the closure on its first and only poll ([`task`]). The task
//! waits in the pool's queue until a pool thread takes it ([`pool`]).
//!
//! Pool threads start on demand, up to a cap (`max_blocking_threads`), and
//! exit after `thread_keep_alive` without work. They enter the runtime's
//! context, so `Handle::current()` and `zokio::spawn` work inside a
//! blocking closure. At shutdown, queued jobs are cancelled; a running one
//! cannot be, so the runtime waits for it (up to `shutdown_timeout`).

mod pool;
mod task;

pub(crate) use pool::{BlockingPool, Spawner};
