//! Unfinished files: where a transfer's bytes wait until they are whole, out of every client's reach, and who removes them.
//!
//! A client chooses file names, so it must never be able to choose the name
//! of a file that is still being written. The bytes of a transfer in
//! progress therefore go to a private folder, [`PARTIAL_DIR`], inside the
//! folder files are stored in, under a random name; and
//! [`safe_name`](super::safe_name) refuses that folder's name, so no request
//! can read, replace or overwrite anything in it. (The first design wrote
//! `.NAME.PID.N.part` beside the final name: a client could download an
//! upload in progress, or upload its own bytes under that name with
//! `--overwrite` and have them renamed into place as someone else's file.)
//!
//! The whole file is then put under its final name by [`Unfinished::publish`],
//! which first checks that the path still holds the very file that was
//! written. What a killed server leaves behind is swept when the next one
//! starts ([`sweep`]); Ctrl-C removes it at once ([`remove_on_interrupt`]).

use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::sync::atomic::AtomicBool;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The private folder, inside the storage folder, that holds transfers in
/// progress. Names starting with it are refused (case-insensitively, for
/// file systems that fold case).
pub const PARTIAL_DIR: &str = ".sticky-partial";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Transfers in progress in this process: (temporary path, the name it will get).
static LIVE: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// A file being received: open for writing in [`PARTIAL_DIR`], removed when
/// dropped unless [`publish`](Unfinished::publish)ed.
pub struct Unfinished {
    path: PathBuf,
    file: File,
    moved: bool,
}

impl Unfinished {
    /// Creates a new, empty file in `dir`'s private folder (making the
    /// folder, readable by this user only, when needed) for the file to be
    /// called `name`.
    pub fn create(dir: &Path, name: &str) -> io::Result<Unfinished> {
        let private = dir.join(PARTIAL_DIR);
        let mut last = None;
        // Another transfer that just finished may remove the empty folder
        // between our mkdir and our open: try again.
        for _ in 0..8 {
            if let Err(e) = make_private_dir(&private) {
                if e.kind() != io::ErrorKind::AlreadyExists {
                    return Err(e);
                }
            }
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            // Unguessable, so a local user cannot plant a file there first.
            let noise = std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish();
            let path = private.join(format!("{}-{n}-{noise:016x}.part", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    live().push((path.clone(), name.to_string()));
                    return Ok(Unfinished {
                        path,
                        file,
                        moved: false,
                    });
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::AlreadyExists
                    ) =>
                {
                    last = Some(e)
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other(wire("lab05-temp-cannot-create"))))
    }

    /// The open file the bytes go to.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Puts the whole file under `final_path`. Without `overwrite`, a hard
    /// link: it fails with `AlreadyExists` if the name was taken meanwhile,
    /// so nothing is ever replaced by accident. With `overwrite`, a rename:
    /// the old file's inode stays whole for whoever still has it open (a
    /// download in progress keeps sending the old version, all of it).
    ///
    /// Both act on a path; the path is checked first to still hold the file
    /// this process wrote (same device and inode), so nothing else can be
    /// published in its place.
    pub fn publish(mut self, final_path: &Path, overwrite: bool) -> io::Result<()> {
        let written = self.file.metadata()?;
        let there = fs::symlink_metadata(&self.path)?;
        if !same_file(&written, &there) {
            return Err(io::Error::other(wire("lab05-temp-replaced")));
        }
        if overwrite {
            fs::rename(&self.path, final_path)?;
            self.moved = true;
            return Ok(());
        }
        match fs::hard_link(&self.path, final_path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
            // A file system without hard links: rename, if the name is free.
            Err(_) if fs::symlink_metadata(final_path).is_err() => {
                fs::rename(&self.path, final_path)?;
                self.moved = true;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if !self.moved {
            let _ = fs::remove_file(&self.path);
        }
        live().retain(|(p, _)| *p != self.path);
        // Leaves no empty private folder behind (fails while others use it).
        if let Some(private) = self.path.parent() {
            let _ = fs::remove_dir(private);
        }
    }
}

fn live() -> std::sync::MutexGuard<'static, Vec<(PathBuf, String)>> {
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

fn make_private_dir(p: &Path) -> io::Result<()> {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut b = fs::DirBuilder::new();
    // Readable by the server's user only: other local users cannot look in.
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(p)
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.len() == b.len() && b.is_file()
}

/// Removes every unfinished file left in `dir`'s private folder by a
/// process that did not finish (killed, machine stopped), then the folder.
/// Returns how many files and bytes were removed. Call it before serving.
///
/// Two servers may share a folder, so a file whose name starts with the pid
/// of another process still running is left alone: it may be that server's
/// upload in progress (on Unix, asked with `kill(pid, 0)`; elsewhere every
/// file is swept, so give each server its own `--dir` there). A pid reused
/// since only delays a stale file's sweep to a later start.
pub fn sweep(dir: &Path) -> io::Result<(usize, u64)> {
    let private = dir.join(PARTIAL_DIR);
    let entries = match fs::read_dir(&private) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(e),
    };
    let (mut files, mut bytes) = (0, 0);
    for e in entries.flatten() {
        if owner_still_running(&e.file_name().to_string_lossy()) {
            continue;
        }
        let len = e.metadata().map(|m| m.len()).unwrap_or(0);
        if fs::remove_file(e.path()).is_ok() {
            files += 1;
            bytes += len;
        }
    }
    let _ = fs::remove_dir(&private);
    Ok((files, bytes))
}

/// Whether the process whose pid starts `name` (`PID-N-NOISE.part`, as
/// [`Unfinished::create`] names files) is another process still running.
#[cfg(unix)]
fn owner_still_running(name: &str) -> bool {
    let Some(pid) = name.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
        return false;
    };
    if pid <= 0 || pid as u32 == std::process::id() {
        return false;
    }
    // SAFETY: signal 0 only asks whether the process exists (kill(2));
    // EPERM means it exists under another user.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn owner_still_running(_: &str) -> bool {
    false
}

/// A catalog message in English: an I/O error's text that can end up in a
/// refusal on the wire.
fn wire(key: &str) -> String {
    crate::lang::tr_in(crate::lang::Lang::En, key, &[])
}

#[cfg(unix)]
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_interrupt(_: libc::c_int) {
    // Only an atomic store: all that is safe inside a signal handler.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// On Ctrl-C (SIGINT) or SIGTERM: removes every unfinished file of this
/// process, says so in one line on stderr (`what` names them: "upload",
/// "download"), and exits with 130. Without this the default action kills
/// the process where it stands and its temporary files stay behind.
///
/// The handler only sets a flag; a watcher thread does the work, because a
/// signal handler may not take locks or allocate. Elsewhere than Unix this
/// does nothing (the server's [`sweep`] at its next start still cleans up).
pub fn remove_on_interrupt(what: &'static str) {
    #[cfg(unix)]
    {
        let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: the handler only stores to an atomic. A signal the server
        // was started with ignored (a background job) stays ignored.
        unsafe { crate::kit::child::catch_interrupts(handler) }
        let watcher = move || loop {
            std::thread::sleep(std::time::Duration::from_millis(20));
            if INTERRUPTED.load(Ordering::SeqCst) {
                eprintln!("\n{}", remove_live(what));
                std::process::exit(130);
            }
        };
        if let Err(e) = std::thread::Builder::new()
            .name("ctrl-c".into())
            .spawn(watcher)
        {
            eprintln!("{}", crate::t!("lab05-cannot-watch-interrupt", error = e));
        }
    }
    #[cfg(not(unix))]
    let _ = what;
}

/// Removes the unfinished files of this process; says what was removed.
#[cfg(unix)]
fn remove_live(what: &str) -> String {
    let gone: Vec<String> = live()
        .drain(..)
        .map(|(path, name)| {
            let _ = fs::remove_file(&path);
            if let Some(private) = path.parent() {
                let _ = fs::remove_dir(private);
            }
            name
        })
        .collect();
    // `what` is "upload" or "download": lab05-unfinished-upload, …-download.
    let what = crate::t!(&format!("lab05-unfinished-{what}"));
    match gone.len() {
        0 => crate::t!("lab05-interrupted-none"),
        1 => crate::t!(
            "lab05-interrupted-one",
            what = what,
            name = format!("{:?}", gone[0])
        ),
        n => crate::t!(
            "lab05-interrupted-many",
            n = n,
            what = what,
            names = gone.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// The pid of a process that has exited (and been reaped).
    fn dead_pid() -> u32 {
        let program = if cfg!(windows) { "cmd" } else { "true" };
        let mut child = std::process::Command::new(program)
            .args(if cfg!(windows) {
                &["/c", "exit"][..]
            } else {
                &[][..]
            })
            .spawn()
            .unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[cfg(unix)]
    #[test]
    fn sweep_leaves_the_upload_of_another_running_server_and_removes_a_dead_ones() {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join(PARTIAL_DIR);
        fs::create_dir(&private).unwrap();
        // A pid that is running (our parent, the test harness's launcher)
        // and one that is not (a child that has exited and been reaped).
        let alive = std::os::unix::process::parent_id();
        let dead = dead_pid();
        let theirs = private.join(format!("{alive}-0-00000000000000aa.part"));
        let stale = private.join(format!("{dead}-0-00000000000000bb.part"));
        fs::write(&theirs, b"in progress").unwrap();
        fs::write(&stale, b"left behind").unwrap();
        assert_eq!(sweep(dir.path()).unwrap(), (1, 11));
        assert!(theirs.exists(), "swept another server's upload in progress");
        assert!(!stale.exists(), "kept a dead server's file");
    }

    #[test]
    fn an_unfinished_file_is_in_the_private_folder_and_gone_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut u = Unfinished::create(dir.path(), "a.txt").unwrap();
        u.file().write_all(b"half").unwrap();
        assert_eq!(
            fs::read_dir(dir.path().join(PARTIAL_DIR)).unwrap().count(),
            1
        );
        drop(u);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn publish_refuses_a_path_that_no_longer_holds_the_file_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut u = Unfinished::create(dir.path(), "a.txt").unwrap();
        u.file().write_all(b"mine").unwrap();
        let private = dir.path().join(PARTIAL_DIR);
        let tmp = fs::read_dir(&private)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        // someone swaps the file under the path
        fs::write(private.join("other"), b"theirs").unwrap();
        fs::rename(private.join("other"), &tmp).unwrap();
        let e = u.publish(&dir.path().join("a.txt"), true).unwrap_err();
        assert!(e.to_string().contains("replaced"), "{e}");
        assert!(!dir.path().join("a.txt").exists());
    }

    #[test]
    fn sweep_removes_what_a_killed_process_left_and_counts_it() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(sweep(dir.path()).unwrap(), (0, 0));
        let private = dir.path().join(PARTIAL_DIR);
        fs::create_dir(&private).unwrap();
        let dead = dead_pid();
        fs::write(private.join(format!("{dead}-0-x.part")), vec![0u8; 1000]).unwrap();
        fs::write(private.join(format!("{dead}-1-y.part")), vec![0u8; 24]).unwrap();
        assert_eq!(sweep(dir.path()).unwrap(), (2, 1024));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
