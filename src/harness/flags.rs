//! The flags the lab binaries share, parsed and checked once: addresses,
//! durations, `--compat`, the command servers' and clients' options, the
//! default ports, and the one-line error every binary ends with.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

use super::registry;
use crate::t;

/// Parses `HOST:PORT` (a name like `localhost:9527` is resolved locally).
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse() {
        return Ok(a);
    }
    s.to_socket_addrs()
        .map_err(|e| t!("flags-not-an-address", value = s, error = e))?
        .next()
        .ok_or_else(|| t!("flags-no-address", value = s))
}

/// Parses a duration in seconds for a flag: a finite number above 0 and at
/// most a day (`nan`, `inf`, `0` and `-1` are refused with the reason, so no
/// server starts with a timeout that means nothing).
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| t!("flags-not-seconds", value = s))?;
    if !v.is_finite() || v <= 0.0 || v > 86_400.0 {
        return Err(t!("flags-seconds-range", value = s));
    }
    Ok(v)
}

/// Parses a count for a flag that means nothing at 0 (clients, a piece
/// size): a whole number, at least 1.
pub fn parse_count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err(t!("flags-count-too-few", value = s)),
        Ok(n) => Ok(n),
        Err(_) => Err(t!("flags-not-whole", value = s)),
    }
}

/// Parses a number of bytes for a flag: `268435456`, or with a binary
/// suffix `K`, `M`, `G` (`256M` is 256 MiB; `KiB`, `MB` and lower case
/// are read the same way). At least 1.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(t!("flags-not-a-size", value = s)),
    };
    let n: u64 = num.parse().map_err(|_| t!("flags-not-a-size", value = s))?;
    match n.checked_mul(1 << shift) {
        Some(0) => Err(t!("flags-size-too-small", value = s)),
        Some(v) => Ok(v),
        None => Err(t!("flags-size-too-large", value = s)),
    }
}

/// `--memory-budget`: the bytes a server's connections may hold at once
/// for what they allocate per request (labs 04, 05 and 07; see
/// [`crate::kit::budget`]).
#[derive(Clone, Debug, clap::Args)]
pub struct MemoryArgs {
    /// Most memory all connections together may hold for requests and replies (256M, 1G, …);
    /// a request that finds no room before its deadline is refused with an error naming the sizes.
    #[arg(long, value_name = "BYTES", default_value = "256M", value_parser = parse_size)]
    pub memory_budget: u64,
}

impl MemoryArgs {
    /// The budget, its wait ending before `deadline` (the request
    /// deadline) would cut the request off: a tenth of it sooner, so that
    /// the refusal, not the deadline, is what the client hears.
    pub fn budget(
        &self,
        deadline: Option<std::time::Duration>,
    ) -> std::sync::Arc<crate::kit::budget::MemoryBudget> {
        let wait = deadline.map_or(std::time::Duration::from_secs(10), |d| d.mul_f64(0.9));
        crate::kit::budget::MemoryBudget::new(self.memory_budget, wait)
    }
}

/// Prints a one-line error naming what was wrong and returns exit code 2.
pub fn fail(what: impl std::fmt::Display) -> ExitCode {
    // Stderr decides for itself: a redirected `2> log` gets plain text.
    let _ = writeln!(
        crate::report::stderr(),
        "{} {what}",
        crate::report::styled(&t!("flags-error-label"), crate::report::ALARM)
    );
    ExitCode::from(2)
}

/// The default ports, one per lab, read from [`registry::LABS`].
pub mod ports {
    use super::registry::lab;
    /// Lab 01 (seed 002 §1.1 uses 9527).
    pub const LAB01: u16 = lab(1).port;
    /// Lab 02.
    pub const LAB02: u16 = lab(2).port;
    /// Lab 03 (seed 001 uses 8001).
    pub const LAB03: u16 = lab(3).port;
    /// Lab 04 (seed 002 §1.2 uses 8083).
    pub const LAB04: u16 = lab(4).port;
    /// Lab 05 (seed 000 uses 9090).
    pub const LAB05: u16 = lab(5).port;
    /// Lab 06 (seed 002 §3.2 uses 8888 for UDP).
    pub const LAB06: u16 = lab(6).port;
    /// Lab 07 (seed 002 §3.1 uses 8889).
    pub const LAB07: u16 = lab(7).port;
}

/// Which bytes a lab's server and client put on the wire: `--compat ours|lesson`,
/// the same two values with the same meaning in every lab that has the flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compat {
    /// Ours: every message framed, requests too, so nothing can stick.
    /// (`sticky` is lab 05's old name for it, kept so old scripts work.)
    #[default]
    #[value(alias = "sticky")]
    Ours,
    /// Exactly the lesson's bytes: a bare command read with one `recv(1024)`,
    /// replies as the lesson page sends them (so its Python programs work).
    Lesson,
}

impl std::fmt::Display for Compat {
    /// In words, for banners: never the enum's name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            Compat::Ours => t!("flags-compat-ours"),
            Compat::Lesson => t!("flags-compat-lesson"),
        })
    }
}

/// The flags of every command server (labs 01, 03, 04, 05).
#[derive(Clone, Debug, clap::Args)]
pub struct CommandServerArgs {
    /// Address to listen on (default: 127.0.0.1 and the lab's port).
    #[arg(long, value_parser = parse_addr)]
    pub addr: Option<SocketAddr>,
    /// Which commands to run: deterministic built-ins, or the real shell.
    #[arg(long, value_enum, default_value_t = crate::kit::runner::ExecMode::Builtin)]
    pub exec: crate::kit::runner::ExecMode,
    /// Allow `--exec shell` on a non-loopback address (a remote shell!).
    #[arg(long)]
    pub allow_remote: bool,
    /// Seconds a command may run before it is killed.
    #[arg(long, default_value_t = 5.0, value_parser = parse_seconds)]
    pub timeout: f64,
    /// Largest command output sent back, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_output: usize,
    /// Encoding of built-in output (gbk imitates a Chinese Windows server).
    #[arg(long, value_enum, default_value_t = crate::kit::text::Encoding::Utf8)]
    pub encoding: crate::kit::text::Encoding,
    /// Most clients served at once (one thread each).
    #[arg(long, default_value_t = 64)]
    pub max_conns: usize,
    /// Seconds a connected client may stay silent before it is dropped.
    #[arg(long, default_value_t = 300.0, value_parser = parse_seconds)]
    pub idle_timeout: f64,
    /// Seconds a request may take from its first byte to its answer, however
    /// slowly it arrives, plus 1 s per 64 KiB received (a large upload at a
    /// network's pace is not cut off); never less than --timeout + 1 s.
    #[arg(long, default_value_t = 60.0, value_parser = parse_seconds)]
    pub request_deadline: f64,
}

impl CommandServerArgs {
    /// The address to bind: `--addr`, or 127.0.0.1 and `default_port`.
    pub fn addr_or(&self, default_port: u16) -> SocketAddr {
        self.addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], default_port)))
    }

    /// The runner these flags describe.
    pub fn runner(&self) -> crate::kit::runner::RunnerConfig {
        crate::kit::runner::RunnerConfig {
            mode: self.exec,
            timeout: std::time::Duration::from_secs_f64(self.timeout.clamp(0.001, 86_400.0)),
            max_output: self.max_output,
            encoding: self.encoding,
        }
    }

    /// The serving options these flags describe.
    pub fn serve_options(&self) -> crate::kit::server::ServeOptions {
        crate::kit::server::ServeOptions {
            max_conns: self.max_conns,
            idle_timeout: Some(std::time::Duration::from_secs_f64(
                self.idle_timeout.clamp(0.001, 86_400.0),
            )),
            // A command may run for --timeout before its answer starts.
            request_deadline: Some(std::time::Duration::from_secs_f64(
                self.request_deadline.max(self.timeout + 1.0).min(86_400.0),
            )),
            log: true,
        }
    }

    /// Binds the listener after the remote-shell check, printing its warning.
    pub fn bind(&self, default_port: u16) -> Result<std::net::TcpListener, String> {
        let addr = self.addr_or(default_port);
        let shell = self.exec == crate::kit::runner::ExecMode::Shell;
        if let Some(warning) = crate::kit::server::check_exposure(&addr, shell, self.allow_remote)?
        {
            let warning = crate::report::styled(&warning, crate::report::WARN);
            let _ = writeln!(crate::report::stderr(), "{warning}");
        }
        crate::kit::sock::listen(addr)
            .map_err(|e| t!("flags-cannot-listen", addr = addr, error = e))
    }
}

/// The flags of every command client.
#[derive(Clone, Debug, clap::Args)]
pub struct ClientArgs {
    /// Server address (default: 127.0.0.1 and the lab's port).
    #[arg(long, value_parser = parse_addr)]
    pub addr: Option<SocketAddr>,
    /// Run this command instead of prompting (repeatable).
    #[arg(long = "cmd", value_name = "COMMAND")]
    pub cmds: Vec<String>,
    /// How to decode the server's output (gbk for a Chinese Windows server).
    #[arg(long, value_enum, default_value_t = crate::kit::text::Encoding::Utf8)]
    pub encoding: crate::kit::text::Encoding,
}

impl ClientArgs {
    /// The address to connect to: `--addr`, or 127.0.0.1 and `default_port`.
    pub fn addr_or(&self, default_port: u16) -> SocketAddr {
        self.addr
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], default_port)))
    }

    /// Connects to the server with Nagle off (each command leaves at once,
    /// lab 02) and a 10 s connect timeout; the error names the address.
    pub fn connect(&self, default_port: u16) -> Result<std::net::TcpStream, String> {
        let addr = self.addr_or(default_port);
        crate::kit::sock::connect_with(
            addr,
            &crate::kit::sock::SockOpts::nodelay(true),
            Some(std::time::Duration::from_secs(10)),
        )
        .map_err(|e| t!("flags-cannot-connect", addr = addr, error = e))
    }
}

/// How long a command client waits for a reply: `--reply-timeout`. A
/// client of the wrong format (or the wrong lab) would otherwise wait
/// forever for bytes the server will never send.
#[derive(Clone, Debug, clap::Args)]
pub struct ReplyTimeout {
    /// Seconds to wait for each reply before giving up and saying why it may not come.
    #[arg(long = "reply-timeout", value_name = "SECONDS", default_value_t = 10.0, value_parser = parse_seconds)]
    pub seconds: f64,
}

impl ReplyTimeout {
    /// The wait, as a duration.
    pub fn duration(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.seconds)
    }
}

/// Prints the line every server starts with, on stderr:
/// `<lab> server listening on <addr>` (in Chinese too, the line ends with
/// the address). Tests and scripts read the address from its last word
/// (bind port 0 and learn the port the kernel chose).
pub fn announce(lab: &str, addr: SocketAddr) {
    eprintln!("{}", t!("flags-listening", lab = lab, addr = addr));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_suffixes_and_refuse_zero() {
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        for bad in ["0", "0M", "12X", "M", "-1", "99999999999G"] {
            let e = parse_size(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn durations_must_be_finite_positive_seconds() {
        assert_eq!(parse_seconds("2.5"), Ok(2.5));
        for bad in ["nan", "NaN", "inf", "-1", "0", "1e9", "two"] {
            let e = parse_seconds(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }
}
