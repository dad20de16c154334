//! Synchronisation primitives for tasks.

pub mod oneshot;
