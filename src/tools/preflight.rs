//! `sticky labs`: the instructor's preflight. Runs every lab binary's
//! `demo` (found next to this executable) with a time limit and tables
//! which lessons reproduce on this machine, and why the others do not. The
//! labs are the registry's ([`crate::harness::registry::LABS`]): a lab
//! added there is preflighted with no change here.
//!
//! Before the demos it checks the machine the class will use: that each
//! lab's default port is free (a student's `server` binds it; the demos
//! use ports the kernel picks, so a taken port does not fail them) and
//! that a Python 3 runs the lessons' own programs.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::harness::registry::LABS;
use crate::report::table::Table;
use crate::report::ColorChoice;
use crate::t;

/// Examples for `sticky labs --help`.
/// The catalog key of `sticky labs --help`'s examples (locales/*/tools.ftl);
/// `harness::args::command` puts the text in, in the language in force.
pub const LABS_EXAMPLES: &str = "sticky-cmd-labs-examples";

/// `sticky labs` flags.
#[derive(Clone, Debug, clap::Args)]
pub struct LabsArgs {
    /// Seconds each demo may run before it is killed.
    #[arg(long, default_value_t = 90.0)]
    pub timeout: f64,
    /// Only these labs (comma-separated binary names).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Where the lab binaries are (default: next to this program).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Print the results as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// How one lab's demo went.
#[derive(Clone, Debug, Serialize)]
pub struct LabResult {
    /// Binary name.
    pub lab: String,
    /// The lesson.
    pub lesson: String,
    /// The demo exited 0: the lesson's behaviour was observed here.
    pub reproduced: bool,
    /// "reproduced", "failed (exit 1)", "not found", "timed out (90 s)", …:
    /// always English, for scripts (the table shows it translated).
    pub status: String,
    /// Seconds the demo ran.
    pub seconds: f64,
    /// The demo's VERDICT line, or why there is none (in `lang`).
    pub verdict: String,
    /// The language of `verdict` (the demo is run in the preflight's own).
    pub lang: crate::lang::Lang,
    /// `status` in the language in force, for the table.
    #[serde(skip)]
    pub status_shown: String,
}

/// One row of the machine check: what was checked, whether it is ready,
/// and what was found (or what to do).
#[derive(Clone, Debug, Serialize)]
pub struct MachineRow {
    /// "port 8001 (lab03-length-ack)", "python".
    pub check: String,
    /// Ready for the class.
    pub ok: bool,
    /// "free", "Python 3.12.3 (python3)", or what is wrong and how to find out more.
    pub detail: String,
}

/// A port a lab's server listens on by default.
#[derive(Clone, Copy, Debug)]
pub struct PortUse {
    /// The lab's binary name.
    pub lab: &'static str,
    /// The address its server binds without `--addr`.
    pub addr: SocketAddr,
    /// UDP (lab 06) rather than TCP.
    pub udp: bool,
}

/// Every lab's default server address, from the registry (127.0.0.1, as
/// [`crate::harness::flags`] binds without `--addr`).
pub fn default_ports() -> Vec<PortUse> {
    LABS.iter()
        .map(|l| PortUse {
            lab: l.binary,
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), l.port),
            udp: l.serves_udp(),
        })
        .collect()
}

/// The command that names the program holding a port, on this OS.
fn who_holds(port: u16, udp: bool) -> String {
    if cfg!(windows) {
        format!("netstat -ano | findstr :{port}") // not prose: a Windows command
    } else if cfg!(target_os = "linux") {
        let flags = if udp { "-lunp" } else { "-ltnp" };
        let ss = format!("ss {flags} 'sport = :{port}'"); // not prose: a command
        t!("machine-either", a = ss, b = format!("lsof -i :{port}"))
    } else {
        let proto = if udp { "UDP" } else { "TCP" };
        format!("lsof -i {proto}:{port}")
    }
}

/// Binds `use_.addr` for a moment, as the lab's server would, and says
/// whether it is free; when it is not, names the port, the lab, and the
/// command that shows who holds it.
pub fn port_row(use_: &PortUse) -> MachineRow {
    let (port, proto) = (use_.addr.port(), if use_.udp { "udp" } else { "tcp" });
    let bound = if use_.udp {
        UdpSocket::bind(use_.addr).map(drop)
    } else {
        TcpListener::bind(use_.addr).map(drop)
    };
    MachineRow {
        check: t!("machine-port", proto = proto, port = port, lab = use_.lab),
        ok: bound.is_ok(),
        detail: match bound {
            Ok(()) => t!("machine-port-free"),
            Err(e) => t!(
                "machine-port-taken",
                error = e.to_string(),
                lab = use_.lab,
                who = who_holds(port, use_.udp)
            ),
        },
    }
}

/// Finds a Python 3 as the lessons' programs are started (`python3`, then
/// `python`, then Windows' `py`) and reports its version.
pub fn python_row() -> MachineRow {
    // not prose: a Python program, the same in every language
    let probe = "import sys; print(sys.version.split()[0]); sys.exit(sys.version_info[0] != 3)"; // not prose: Python
    for name in ["python3", "python", "py"] {
        let Ok(out) = Command::new(name)
            .args(["-c", probe])
            .stdin(Stdio::null())
            .output()
        else {
            continue;
        };
        if out.status.success() {
            let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
            return MachineRow {
                check: t!("machine-python"),
                ok: true,
                detail: t!("machine-python-found", version = version, name = name),
            };
        }
    }
    MachineRow {
        check: t!("machine-python"),
        ok: false,
        detail: t!("machine-python-missing"),
    }
}

/// The machine check's rows: each port in `ports`, then Python.
pub fn machine_rows(ports: &[PortUse]) -> Vec<MachineRow> {
    let mut rows: Vec<MachineRow> = ports.iter().map(port_row).collect();
    rows.push(python_row());
    rows
}

/// Runs `bin demo` with a time limit and reads its verdict.
pub fn run_demo(lab: &str, lesson: &str, bin: &Path, limit: Duration) -> LabResult {
    let mut r = LabResult {
        lab: lab.to_string(),
        lesson: lesson.to_string(),
        reproduced: false,
        status: String::new(),
        seconds: 0.0,
        verdict: String::new(),
        lang: crate::lang::current(),
        status_shown: String::new(),
    };
    if !bin.is_file() {
        r.status = "not found".into();
        r.status_shown = t!("labs-status-not-found");
        r.verdict = t!("labs-no-binary", path = bin.display());
        return r;
    }
    let start = Instant::now();
    // The demo speaks the preflight's language, so its verdict line is
    // found by the same label.
    let child = Command::new(bin)
        .args([
            "--color",
            "never",
            "--lang",
            crate::lang::current().code(),
            "demo",
        ])
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            r.status = "cannot start".into();
            r.status_shown = t!("labs-status-cannot-start");
            r.verdict = e.to_string();
            return r;
        }
    };
    let grab = |p: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut s = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut s);
            }
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = grab(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = grab(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => thread::sleep(Duration::from_millis(50)),
            Err(_) => break None,
        }
    };
    r.seconds = start.elapsed().as_secs_f64();
    let text = format!(
        "{}\n{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    let label = t!("harness-verdict-label");
    let verdict = text
        .lines()
        .rev()
        .find(|l| l.contains(label.as_str()))
        .and_then(|l| l.split_once(label.as_str()))
        .map(|(_, v)| v.trim().to_string());
    let last_error = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string();
    match status {
        None => {
            let secs = format!("{:.0}", limit.as_secs_f64());
            r.status = format!("timed out ({secs} s)");
            r.status_shown = t!("labs-status-timed-out", seconds = secs);
            r.verdict = verdict.unwrap_or_else(|| t!("labs-no-verdict"));
        }
        Some(s) => {
            r.reproduced = s.success();
            let code = s.code().map_or("signal".into(), |c| c.to_string());
            (r.status, r.status_shown) = if s.success() {
                ("reproduced".into(), t!("labs-status-reproduced"))
            } else {
                (
                    format!("failed (exit {code})"),
                    t!("labs-status-failed", code = code),
                )
            };
            r.verdict = verdict.unwrap_or(last_error);
        }
    }
    r
}

/// `sticky labs`.
pub fn labs_command(args: &LabsArgs, color: ColorChoice) -> ExitCode {
    color.apply();
    if let Some(unknown) = args
        .only
        .iter()
        .find(|o| crate::harness::registry::by_binary(o).is_none())
    {
        let names: Vec<&str> = LABS.iter().map(|l| l.binary).collect();
        return crate::harness::fail(t!(
            "labs-unknown-only",
            name = unknown,
            labs = names.join(", ")
        ));
    }
    let dir = match args.dir.clone().or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
    }) {
        Some(d) => d,
        None => return crate::harness::fail(t!("labs-no-dir")),
    };
    let machine = machine_rows(&default_ports());
    let mut m = Table::new([
        t!("machine-col-check"),
        t!("machine-col-ready"),
        t!("machine-col-found"),
    ]);
    for r in &machine {
        m.row([
            r.check.clone(),
            if r.ok {
                t!("machine-yes")
            } else {
                t!("machine-no")
            },
            r.detail.clone(),
        ]);
    }
    let not_ready = machine.iter().filter(|r| !r.ok).count();
    let machine_summary = if not_ready == 0 {
        t!("machine-all-ready")
    } else {
        t!("machine-not-ready", n = not_ready)
    };
    if args.json {
        eprint!("{}", m.render());
        eprintln!("{machine_summary}\n");
    } else {
        print!("{}", m.render());
        println!("{machine_summary}\n");
    }
    let limit = Duration::from_secs_f64(args.timeout.clamp(1.0, 3600.0));
    let mut results = Vec::new();
    for lab in &LABS {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == lab.binary) {
            continue;
        }
        eprintln!("{}", t!("labs-running", lab = lab.binary));
        let bin = dir.join(format!("{}{}", lab.binary, std::env::consts::EXE_SUFFIX));
        results.push(run_demo(lab.binary, lab.lesson, &bin, limit));
    }
    let mut table = Table::new([
        t!("labs-col-lab"),
        t!("labs-col-lesson"),
        t!("labs-col-result"),
        t!("labs-col-time"),
        t!("labs-col-verdict"),
    ]);
    for r in &results {
        // A lesson's name is translated where its lab's catalog has it.
        let key = format!("{}-lesson", r.lab);
        let lesson = if crate::lang::has(crate::lang::Lang::En, &key) {
            crate::lang::tr(&key)
        } else {
            r.lesson.clone()
        };
        table.row([
            r.lab.clone(),
            lesson,
            r.status_shown.clone(),
            t!("labs-seconds", seconds = format!("{:.1}", r.seconds)),
            crate::kit::text::shorten(&r.verdict, 90),
        ]);
    }
    let ok = results.iter().filter(|r| r.reproduced).count();
    let summary = t!("labs-summary", ok = ok, n = results.len());
    if args.json {
        eprint!("{}", table.render());
        eprintln!("{summary}");
        match serde_json::to_string_pretty(&results) {
            Ok(j) => println!("{j}"),
            Err(e) => return crate::harness::fail(format!("JSON: {e}")),
        }
    } else {
        print!("{}", table.render());
        println!("{summary}");
    }
    if !results.is_empty() && ok == results.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_tcp_port_names_itself_its_lab_and_how_to_find_the_holder() {
        let held = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = held.local_addr().expect("addr");
        let row = port_row(&PortUse {
            lab: "lab03-length-ack",
            addr,
            udp: false,
        });
        assert!(!row.ok, "{row:?}");
        assert!(row.check.contains(&addr.port().to_string()), "{row:?}");
        assert!(row.check.contains("lab03-length-ack"), "{row:?}");
        assert!(row.detail.contains(&format!(":{}", addr.port())), "{row:?}");
        assert!(row.detail.contains("--addr"), "{row:?}");
    }

    #[test]
    fn a_taken_udp_port_is_checked_as_udp() {
        let held = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let addr = held.local_addr().expect("addr");
        let row = port_row(&PortUse {
            lab: "lab06-udp-vs-tcp",
            addr,
            udp: true,
        });
        assert!(!row.ok && row.check.starts_with("udp port"), "{row:?}");
        // Port 0 always binds: the kernel picks a free one.
        drop(held);
        let row = port_row(&PortUse {
            lab: "lab06-udp-vs-tcp",
            addr: SocketAddr::new(addr.ip(), 0),
            udp: true,
        });
        assert!(row.ok && row.detail == "free", "{row:?}");
    }

    #[test]
    fn every_lab_default_port_is_checked_once_and_python_last() {
        let ports = default_ports();
        assert_eq!(ports.len(), LABS.len());
        assert!(ports
            .iter()
            .filter(|p| p.udp)
            .all(|p| p.lab == "lab06-udp-vs-tcp"));
        let free = [PortUse {
            lab: "lab01-naive-recv",
            addr: "127.0.0.1:0".parse().expect("addr"),
            udp: false,
        }];
        let rows = machine_rows(&free);
        assert_eq!(rows.len(), 2);
        assert!(rows[0].ok, "{:?}", rows[0]);
        assert_eq!(rows[1].check, "python");
        if rows[1].ok {
            assert!(rows[1].detail.starts_with("Python 3."), "{:?}", rows[1]);
        }
    }
}
