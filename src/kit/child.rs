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

/// How long, after a program ends, we wait for its last output to be read
/// from the pipes. The reader threads need only a moment; a pipe still open
/// after this is held by a process the program started, and is not waited for.
pub const LAST_OUTPUT: Duration = Duration::from_millis(500);

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

/// [`shell_command`] under a reaper of its own (Linux), so that nothing the
/// line starts can slip away from [`kill_reaped`].
///
/// A process group is not enough for a line we did not write: `setsid`
/// leaves the group, and a double fork (`sh -c 'cmd &'`, the classic
/// daemon) leaves its parent, so the orphan is adopted by init and no
/// longer descends from anything we started. Here the process we start is
/// a small *reaper*: it marks itself a child subreaper
/// (`prctl(PR_SET_CHILD_SUBREAPER)`, Linux 3.4, see prctl(2)), forks the
/// shell, closes every file it holds (so it keeps no pipe open) and waits
/// for any child until none is left. Every orphan of the line is adopted by
/// the reaper instead of init, whatever session or group it moved to, so
/// the reaper's descendants in `/proc` are exactly what the line started.
/// The reaper exits with the shell's status once the last of them is gone.
///
/// Elsewhere (and if the kernel refuses the prctl) this is
/// [`shell_command`]: the process group, and what descends from the shell
/// while its parents live.
pub fn reaped_shell_command(line: &str) -> Command {
    #[allow(unused_mut)]
    let mut c = shell_command(line);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: the closure runs in the forked child before exec and calls
        // only prctl, fork, close, waitpid and _exit (see reaper::split).
        unsafe {
            c.pre_exec(reaper::split);
        }
    }
    c
}

/// Kills everything a [`reaped_shell_command`] started, then the reaper
/// itself (`reaper` is its pid, [`Child::id`]), and reaps it.
///
/// On Linux: every descendant of the reaper, found in `/proc` and killed
/// with SIGKILL, again and again until none is left (a process may fork
/// while we look; its orphans come back to the reaper), then the process
/// group. Elsewhere: the process group only — a `setsid` child or a double
/// fork escapes it there, and the runner says so.
pub fn kill_reaped(child: &mut Child) {
    let reaper = child.id() as i32;
    kill_adopted(child);
    #[cfg(unix)]
    {
        // SAFETY: the group we created at spawn; its leader is not reaped yet.
        unsafe {
            libc::kill(-reaper, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = reaper;
}

/// Kills every live descendant of the reaper, but not the reaper: with
/// nothing left to wait for it exits by itself, with the shell's status.
/// (Killing it as well can beat its own exit and turn `exit 3` into a
/// SIGKILL, 137 — seen 3 times in 30 runs beside a busy machine.) Only
/// Linux has the reaper; elsewhere this does nothing.
pub fn kill_adopted(child: &mut Child) {
    let reaper = child.id() as i32;
    #[cfg(target_os = "linux")]
    for _ in 0..200 {
        let found = reaper::descendants(reaper);
        if found.is_empty() {
            break;
        }
        for pid in found {
            // SAFETY: kill(2) on a live descendant of our own unreaped child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        thread::sleep(Duration::from_millis(2));
    }
    let _ = reaper;
}

/// The reaper of [`reaped_shell_command`] and the walk of its descendants.
#[cfg(target_os = "linux")]
mod reaper {
    use std::collections::{HashMap, HashSet};
    use std::io;

    /// In the forked child, before exec: become a subreaper and fork. The
    /// new child returns and goes on to exec the shell; this process stays
    /// behind as the reaper and never returns. Async-signal-safe calls only
    /// (the parent has threads; see fork(2)).
    pub fn split() -> io::Result<()> {
        // SAFETY: plain system calls on our own process; no allocation.
        unsafe {
            if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 {
                // No reaper: the process group is all we have.
                return Ok(());
            }
            let shell = libc::fork();
            if shell < 0 {
                return Err(io::Error::last_os_error());
            }
            if shell == 0 {
                // The shell. The subreaper mark is not inherited by fork.
                return Ok(());
            }
            // Hold no pipe open (the output pipes, std's exec-error pipe):
            // they must close when the last of the line's processes ends.
            if libc::syscall(libc::SYS_close_range, 0u32, u32::MAX, 0u32) != 0 {
                for fd in 0..65_536 {
                    libc::close(fd);
                }
            }
            let mut code = 1;
            loop {
                let mut status = 0;
                let pid = libc::waitpid(-1, &mut status, 0);
                if pid == shell {
                    code = if libc::WIFEXITED(status) {
                        libc::WEXITSTATUS(status)
                    } else {
                        128 + libc::WTERMSIG(status)
                    };
                }
                if pid < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    // ECHILD: nothing the line started is left.
                    libc::_exit(code);
                }
            }
        }
    }

    /// The live descendants of `root` (zombies excluded), from the parent
    /// pids in `/proc/*/stat`.
    pub fn descendants(root: i32) -> Vec<i32> {
        let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        for entry in dir.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // After the command name in parentheses: state, ppid, …
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            let mut f = rest.split_whitespace();
            let state = f.next().unwrap_or("Z");
            let ppid: i32 = f.next().and_then(|x| x.parse().ok()).unwrap_or(0);
            if state != "Z" && state != "X" {
                children.entry(ppid).or_default().push(pid);
            }
        }
        let (mut found, mut todo) = (HashSet::new(), vec![root]);
        while let Some(p) = todo.pop() {
            for &c in children.get(&p).into_iter().flatten() {
                if c != root && found.insert(c) {
                    todo.push(c);
                }
            }
        }
        found.into_iter().collect()
    }
}

impl GroupChild {
    /// Starts `line` with [`shell_command`] in its own process group.
    /// `stdin` is written to the program on a thread and then closed;
    /// `None` gives it an empty stdin.
    pub fn spawn(line: &str, stdin: Option<Vec<u8>>) -> io::Result<GroupChild> {
        GroupChild::spawn_in(line, stdin, None)
    }

    /// [`spawn`](GroupChild::spawn), in the folder `dir` when one is given
    /// (a checker's scratch folder: what the program writes lands there).
    pub fn spawn_in(
        line: &str,
        stdin: Option<Vec<u8>>,
        dir: Option<&std::path::Path>,
    ) -> io::Result<GroupChild> {
        let mut cmd = shell_command(line);
        if let Some(d) = dir {
            cmd.current_dir(d);
        }
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

    /// Its exit status if it has ended (without waiting for it to end).
    /// When it has, its last output may still be in the pipes ("Address
    /// already in use" just before it exits): the first time we see the
    /// end, the reader threads get to read it first, so that [`Self::stdout`]
    /// and [`Self::stderr`] hold everything the program printed.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
            if self.status.is_some() {
                self.drain_output(LAST_OUTPUT);
            }
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
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe { catch_interrupts(handler) }
    }
}

/// Installs `handler` for SIGINT and SIGTERM — except for a signal this
/// process was started with ignored, which stays ignored. A shell starts a
/// background job (`server &` in a script) with SIGINT ignored, so that the
/// Ctrl-C meant for the foreground does not end it (POSIX, Shell Command
/// Language §2.11); a handler installed over that would end the job anyway.
///
/// # Safety
/// `handler` must only call async-signal-safe functions (signal-safety(7)).
#[cfg(unix)]
pub unsafe fn catch_interrupts(handler: libc::sighandler_t) {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is a valid out-parameter; passing a null
        // new action only reads the current one (sigaction(2)).
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
            {
                continue;
            }
            libc::signal(sig, handler);
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
    fn when_the_end_is_seen_everything_printed_before_it_is_there() {
        // A program that says why, then exits at once (as a server whose
        // port is taken does): its line may still be in the pipe when the
        // exit is seen. Asked as often as we can, the end is seen at once.
        for _ in 0..200 {
            let mut c =
                GroupChild::spawn("echo 'Address already in use' >&2; exit 1", None).unwrap();
            let deadline = Instant::now() + Duration::from_secs(10);
            while c.try_status().is_none() && Instant::now() < deadline {}
            assert_eq!(c.stderr(), b"Address already in use\n");
        }
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
