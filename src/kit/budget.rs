//! A server's memory budget: one count of bytes, shared by every connection.
//!
//! A frame limit alone does not bound a server's memory: 64 connections
//! may each announce a 64 MiB frame and send it, and a server that reads
//! every frame whole then holds 4 GiB. So before a connection allocates
//! room for something large (a frame's bytes, a command's output) it
//! *reserves* that many bytes from the server's [`MemoryBudget`], as a
//! connection takes a slot from [`super::server::Slots`]: a reservation
//! that does not fit waits for other connections to give theirs back, and
//! one that still does not fit when its wait is over is refused with an
//! [`OverBudget`] error naming the size and the budget. The connection
//! that asked is closed; the others go on. Dropping the [`Reservation`]
//! gives the bytes back.
//!
//! The budget counts what the server's code allocates for its requests;
//! the fixed costs it does not count (each thread's stack, each
//! connection's small read buffer, the kernel's socket buffers, which are
//! not the process's memory) are the overhead every server states beside
//! its budget.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use thiserror::Error;

/// The budget servers get unless told otherwise (`--memory-budget`):
/// 256 MiB, a small part of a student's laptop, and room for two frames of
/// the default 64 MiB frame limit at once (each costs twice its length
/// while it is read and decoded).
pub const DEFAULT_MEMORY_BUDGET: u64 = 256 << 20;

/// Bytes a server's connections may hold at once, shared by all of them.
#[derive(Debug)]
pub struct MemoryBudget {
    total: u64,
    wait: Duration,
    held: Mutex<u64>,
    freed: Condvar,
}

/// Bytes reserved from a [`MemoryBudget`]; dropping it gives them back.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<MemoryBudget>,
    bytes: u64,
}

/// Why a reservation was refused. `what` says what the bytes were for, in
/// words (`a frame of 60.0 MiB (62914564 bytes)`); the sizes are the
/// reservation's, which may be more than the thing itself (a frame costs
/// twice its length while it is read).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum OverBudget {
    /// More than the whole budget: it could never fit, so it is refused at once.
    #[error(
        "{what} needs {}, more than this server's whole memory budget of {}: refused \
         (a larger --memory-budget would allow it)",
        short(*.wanted), short(*.total)
    )]
    NeverFits {
        /// What the bytes were for.
        what: String,
        /// Bytes asked for.
        wanted: u64,
        /// The whole budget.
        total: u64,
    },
    /// Other connections held too much of the budget for the whole wait.
    #[error(
        "{what} needs {} of this server's {} memory budget and found no room within \
         {:.1} s ({} held by other connections): refused, try again later",
        short(*.wanted), short(*.total), .waited.as_secs_f64(), short(*.held)
    )]
    NoRoom {
        /// What the bytes were for.
        what: String,
        /// Bytes asked for.
        wanted: u64,
        /// The whole budget.
        total: u64,
        /// What the other connections held when the wait ended.
        held: u64,
        /// How long it waited.
        waited: Duration,
    },
}

/// `60.0 MiB (62914560 bytes)`: a size a reader can picture, and the exact count.
pub fn size(bytes: u64) -> String {
    if bytes < 1 << 10 {
        format!("{bytes} bytes")
    } else {
        format!("{} ({bytes} bytes)", short(bytes))
    }
}

/// `60.0 MiB`: a size a reader can picture.
pub fn short(bytes: u64) -> String {
    let (v, unit) = if bytes >= 1 << 30 {
        (bytes as f64 / (1u64 << 30) as f64, "GiB")
    } else if bytes >= 1 << 20 {
        (bytes as f64 / (1u64 << 20) as f64, "MiB")
    } else if bytes >= 1 << 10 {
        (bytes as f64 / 1024.0, "KiB")
    } else {
        return format!("{bytes} bytes");
    };
    format!("{v:.1} {unit}")
}

impl MemoryBudget {
    /// A budget of `total` bytes; a reservation waits up to `wait` for room.
    pub fn new(total: u64, wait: Duration) -> Arc<MemoryBudget> {
        Arc::new(MemoryBudget {
            total,
            wait,
            held: Mutex::new(0),
            freed: Condvar::new(),
        })
    }

    /// No limit at all: what a demo's or a test's own server uses.
    pub fn unlimited() -> Arc<MemoryBudget> {
        MemoryBudget::new(u64::MAX, Duration::ZERO)
    }

    /// The whole budget, in bytes.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Bytes reserved now, by all connections.
    pub fn held(&self) -> u64 {
        *self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves `bytes` for `what`, waiting up to the budget's wait for
    /// other connections to give room back.
    pub fn reserve(
        self: &Arc<Self>,
        bytes: u64,
        what: impl FnOnce() -> String,
    ) -> Result<Reservation, OverBudget> {
        if bytes > self.total {
            let what = what();
            return Err(OverBudget::NeverFits {
                what,
                wanted: bytes,
                total: self.total,
            });
        }
        let start = Instant::now();
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        while *held + bytes > self.total {
            let left = self.wait.saturating_sub(start.elapsed());
            if left.is_zero() {
                let what = what();
                return Err(OverBudget::NoRoom {
                    what,
                    wanted: bytes,
                    total: self.total,
                    held: *held,
                    waited: self.wait,
                });
            }
            held = self
                .freed
                .wait_timeout(held, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *held += bytes;
        Ok(Reservation {
            budget: self.clone(),
            bytes,
        })
    }
}

impl Reservation {
    /// Bytes this reservation holds.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut held = self.budget.held.lock().unwrap_or_else(|p| p.into_inner());
        *held -= self.bytes;
        // Every waiter: a large give-back may make room for several.
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn a_reservation_over_the_whole_budget_is_refused_at_once_naming_both_sizes() {
        let b = MemoryBudget::new(64 << 20, Duration::from_secs(60));
        let t = Instant::now();
        let e = b
            .reserve(120 << 20, || "a frame of 60.0 MiB".into())
            .unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(1));
        let msg = e.to_string();
        assert!(
            msg.starts_with("a frame of 60.0 MiB needs 120.0 MiB, more than"),
            "{msg}"
        );
        assert!(msg.contains("whole memory budget of 64.0 MiB"), "{msg}");
    }

    #[test]
    fn room_given_back_lets_a_waiting_reservation_in() {
        let b = MemoryBudget::new(100, Duration::from_secs(20));
        let first = b.reserve(80, String::new).unwrap();
        let b2 = b.clone();
        let waiter = thread::spawn(move || b2.reserve(50, String::new).map(|r| r.bytes()));
        thread::sleep(Duration::from_millis(50));
        assert_eq!(b.held(), 80);
        drop(first);
        assert_eq!(waiter.join().unwrap(), Ok(50));
        assert_eq!(b.held(), 0);
    }

    #[test]
    fn a_reservation_that_finds_no_room_within_its_wait_is_refused() {
        let b = MemoryBudget::new(100, Duration::from_millis(100));
        let _held = b.reserve(80, String::new).unwrap();
        let e = b.reserve(50, || "a command's output".into()).unwrap_err();
        assert!(matches!(e, OverBudget::NoRoom { held: 80, .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains(
                "a command's output needs 50 bytes of this server's 100 bytes memory budget"
            ),
            "{msg}"
        );
        assert!(
            msg.contains("within 0.1 s (80 bytes held by other"),
            "{msg}"
        );
        assert_eq!(b.held(), 80);
    }
}
