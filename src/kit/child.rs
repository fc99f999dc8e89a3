//! A program we did not write, started so that it cannot outlive us.
//!
//! A checker runs someone else's program: it may never exit, may fork a
//! child that keeps a port open, or may print forever. [`GroupChild`] starts
//! a command line through the shell in a process group of its own, collects
//! its stdout and stderr on threads (so a chatty program never blocks on a
//! full pipe), and kills the whole group when dropped — the program, the
//! shell around it and every child they started.
//!
//! This is a guard against accidents, not a sandbox: a program that wants to
//! escape its process group can. Run untrusted programs under a separate
//! user or in a container.

use std::io::{self, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// A running command line, its output collected, its process group killed on drop.
pub struct GroupChild {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    status: Option<ExitStatus>,
    started: Instant,
    killed: bool,
    /// How many of the output pipes have reached their end.
    pipes_done: Arc<AtomicUsize>,
}

/// Output kept per stream: past this a program's output is dropped (a
/// program that prints forever must not fill our memory).
pub const MAX_KEPT: usize = 64 << 20;

/// `line` as the system shell runs it (`sh -c`, `cmd /C` on Windows), in a
/// process group of its own (Unix), so that killing the group kills
/// whatever the line started too. The student's program here and the real
/// shell of `--exec shell` ([`super::runner`]) both start this way.
pub fn shell_command(line: &str) -> Command {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let mut c = Command::new("sh");
        c.args(["-c", line]).process_group(0);
        c
    }
    #[cfg(not(unix))]
    {
        let mut c = Command::new("cmd");
        c.args(["/C", line]);
        c
    }
}

impl GroupChild {
    /// Starts `line` with [`shell_command`] in its own process group.
    /// `stdin` is written to the program on a thread and then closed;
    /// `None` gives it an empty stdin.
    pub fn spawn(line: &str, stdin: Option<Vec<u8>>) -> io::Result<GroupChild> {
        let mut cmd = shell_command(line);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn()?;
        remember(child.id() as i32);
        if let (Some(mut pipe), Some(bytes)) = (child.stdin.take(), stdin) {
            // A program that never reads its stdin must not block us: the
            // write happens on its own thread and its error is ignored.
            thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let pipes_done = Arc::new(AtomicUsize::new(0));
        if let Some(p) = child.stdout.take() {
            collect(p, stdout.clone(), pipes_done.clone());
        }
        if let Some(p) = child.stderr.take() {
            collect(p, stderr.clone(), pipes_done.clone());
        }
        Ok(GroupChild {
            child,
            stdout,
            stderr,
            status: None,
            started: Instant::now(),
            killed: false,
            pipes_done,
        })
    }

    /// The process id of the shell that leads the group.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// How long ago it started.
    pub fn age(&self) -> Duration {
        self.started.elapsed()
    }

    /// Everything it printed on stdout so far.
    pub fn stdout(&self) -> Vec<u8> {
        self.stdout.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// Everything it printed on stderr so far.
    pub fn stderr(&self) -> Vec<u8> {
        self.stderr.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// Its exit status if it has ended (without waiting).
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// Waits up to `limit` until everything it printed has been read: after
    /// it exits, its last output may still be in the pipes. `false` when a
    /// pipe is still open (a process it started holds it).
    pub fn drain_output(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.pipes_done.load(Ordering::SeqCst) < 2 {
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(1));
        }
        true
    }

    /// Waits up to `limit` for it to end; `None` when it is still running.
    pub fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(s) = self.try_status() {
                // Give the reader threads a moment to drain the pipes.
                thread::sleep(Duration::from_millis(10));
                return Some(s);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// `true` when a process of its group is still alive after the leader
    /// ended: the program forked a child that outlived it.
    pub fn left_processes_behind(&mut self) -> bool {
        if self.try_status().is_none() || self.killed {
            return false;
        }
        #[cfg(unix)]
        {
            // SAFETY: kill(2) with signal 0 only asks whether the group exists.
            unsafe { libc::kill(-(self.child.id() as i32), 0) == 0 }
        }
        #[cfg(not(unix))]
        {
            false
        }
    }

    /// Kills the whole process group and reaps the leader.
    pub fn kill_group(&mut self) {
        if self.killed {
            // Once reaped, the id may belong to someone else's group.
            return;
        }
        self.killed = true;
        #[cfg(unix)]
        {
            // SAFETY: kill(2) with a negative pid signals the group we created
            // at spawn; its id is the leader's pid, which we have not reaped.
            unsafe {
                libc::kill(-(self.child.id() as i32), libc::SIGKILL);
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        forget(self.child.id() as i32);
    }
}

/// The process groups alive now, for [`kill_groups_on_interrupt`]: a fixed
/// table of atomics, because a signal handler may not lock or allocate.
static GROUPS: [AtomicI32; 64] = [const { AtomicI32::new(0) }; 64];

fn remember(pgid: i32) {
    for slot in &GROUPS {
        if slot
            .compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

fn forget(pgid: i32) {
    for slot in &GROUPS {
        let _ = slot.compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// On Ctrl-C (SIGINT) or SIGTERM, kill every group still running, then
/// exit 130. Without it a student's server started in its own group would
/// outlive an interrupted check: the terminal signals only the foreground group.
pub fn kill_groups_on_interrupt() {
    #[cfg(unix)]
    {
        extern "C" fn on_signal(_: libc::c_int) {
            for slot in &GROUPS {
                let pgid = slot.load(Ordering::SeqCst);
                if pgid > 0 {
                    // SAFETY: kill(2) and _exit(2) are async-signal-safe.
                    unsafe {
                        libc::kill(-pgid, libc::SIGKILL);
                    }
                }
            }
            // SAFETY: as above.
            unsafe { libc::_exit(130) }
        }
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: installs a handler that only calls async-signal-safe functions.
        unsafe {
            libc::signal(libc::SIGINT, handler);
            libc::signal(libc::SIGTERM, handler);
        }
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        self.kill_group();
    }
}

fn collect<R: Read + Send + 'static>(
    mut pipe: R,
    into: Arc<Mutex<Vec<u8>>>,
    done: Arc<AtomicUsize>,
) {
    thread::spawn(move || {
        let mut buf = [0u8; 64 * 1024];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut v) = into.lock() {
                let room = MAX_KEPT.saturating_sub(v.len());
                v.extend_from_slice(&buf[..n.min(room)]);
            }
        }
        done.fetch_add(1, Ordering::SeqCst);
    });
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn output_and_status_are_collected() {
        let mut c = GroupChild::spawn(
            "read x; echo got $x; echo oops >&2; exit 3",
            Some(b"hi\n".to_vec()),
        )
        .unwrap();
        let s = c.wait_for(Duration::from_secs(10)).unwrap();
        assert_eq!(s.code(), Some(3));
        assert_eq!(c.stdout(), b"got hi\n");
        assert_eq!(c.stderr(), b"oops\n");
    }

    #[test]
    fn a_forked_child_is_seen_and_killed_with_the_group() {
        let mut c = GroupChild::spawn("sleep 30 & exit 0", None).unwrap();
        assert!(c.wait_for(Duration::from_secs(10)).is_some());
        assert!(c.left_processes_behind());
        let pgid = c.id() as i32;
        c.kill_group();
        // SAFETY: signal 0 only asks whether the group still exists.
        let alive = || unsafe { libc::kill(-pgid, 0) == 0 };
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(), "the group outlived kill_group");
    }
}
