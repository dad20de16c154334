//! `Builder`: Tokio's way of configuring a runtime, on top of [`Config`].

use std::fmt;
use std::io;
use std::time::Duration;

use crate::runtime::config::{Config, Flavor};
use crate::runtime::Runtime;

/// Configures and builds a [`Runtime`].
///
/// ```
/// use zokio::runtime::Builder;
///
/// let rt = Builder::new_current_thread().enable_all().build().unwrap();
/// rt.block_on(async {
///     zokio::time::sleep(std::time::Duration::from_millis(1)).await;
/// });
/// ```
///
/// Invalid values are reported by [`build`](Builder::build) as an
/// `io::Error` of kind `InvalidInput` naming the field:
///
/// ```
/// let err = zokio::runtime::Builder::new_current_thread()
///     .event_interval(0)
///     .build()
///     .unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// assert!(err.to_string().contains("event_interval"));
/// ```
pub struct Builder {
    config: Config,
}

impl Builder {
    /// A builder for a runtime whose tasks all run on the thread that calls
    /// `block_on`.
    pub fn new_current_thread() -> Builder {
        Builder {
            config: Config::new_current_thread(),
        }
    }

    /// A builder for a multi-thread runtime. The multi-thread scheduler is
    /// not available yet: [`build`](Builder::build) returns an error of kind
    /// `Unsupported`.
    pub fn new_multi_thread() -> Builder {
        Builder {
            config: Config::new_multi_thread(),
        }
    }

    /// A builder from a (possibly compile-time checked) configuration.
    pub fn from_config(config: Config) -> Builder {
        Builder { config }
    }

    /// The configuration built so far.
    pub fn config(&self) -> Config {
        self.config
    }

    /// Turns on every driver (timers; I/O when available).
    pub fn enable_all(&mut self) -> &mut Builder {
        self.config = self.config.enable_all();
        self
    }

    /// Turns on the timer wheel.
    pub fn enable_time(&mut self) -> &mut Builder {
        self.config = self.config.enable_time();
        self
    }

    /// Turns on the I/O driver.
    pub fn enable_io(&mut self) -> &mut Builder {
        self.config = self.config.enable_io();
        self
    }

    /// Number of worker threads (multi-thread only).
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.config = self.config.worker_threads(n);
        self
    }

    /// Scheduler ticks between two polls of the driver; Tokio's default is 61.
    pub fn event_interval(&mut self, ticks: u32) -> &mut Builder {
        self.config = self.config.event_interval(ticks);
        self
    }

    /// Scheduler ticks between two looks at the remote queue first; default 31.
    pub fn global_queue_interval(&mut self, ticks: u32) -> &mut Builder {
        self.config = self.config.global_queue_interval(ticks);
        self
    }

    /// Most threads of the blocking pool; default 512.
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.config = self.config.max_blocking_threads(n);
        self
    }

    /// Stack size of threads the runtime starts.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.config = self.config.thread_stack_size(bytes);
        self
    }

    /// How long an idle blocking thread waits before it exits.
    pub fn thread_keep_alive(&mut self, keep_alive: Duration) -> &mut Builder {
        self.config = self.config.thread_keep_alive(keep_alive);
        self
    }

    /// Checks the configuration and creates the runtime.
    pub fn build(&mut self) -> io::Result<Runtime> {
        self.config.check()?;
        match self.config.flavor {
            Flavor::CurrentThread => Ok(Runtime::new_current_thread(&self.config)),
            Flavor::MultiThread => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the multi-thread scheduler is not available in this version of Zokio; \
                 use Builder::new_current_thread",
            )),
        }
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .finish()
    }
}
