//! The `server` and `client` commands of `lab05-json-header`: commands and
//! files over the JSON header on real sockets, in our framing or byte for
//! byte the lessons' (`--compat lesson`: seed 002's raw command, seed 000's
//! upload, seed 004's push), so their own Python programs can talk to ours.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{serve_folder, unfinished, Client, ServerConfig, Session, DEFAULT_MAX_FILE};
use crate::framing::json_header::{JsonHeader, DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER};
use crate::harness::{
    self, announce, fail, ClientArgs, CommandServerArgs, Compat, MemoryArgs, Prompt,
};
use crate::kit::sock;
use crate::report::ColorChoice;
use crate::t;

/// The binary's name, as the server announces itself.
const LAB: &str = "lab05-json-header";

/// The `server` command's flags.
#[derive(clap::Args)]
pub struct ServerOpts {
    #[command(flatten)]
    pub args: CommandServerArgs,
    /// The folder uploads are stored into and downloads served from.
    #[arg(long, default_value = "sticky-files")] // not prose: a folder name
    pub dir: PathBuf,
    /// Replace a file that already exists (refused by default).
    #[arg(long)]
    pub overwrite: bool,
    /// Wire format: ours (framed requests) or the lessons' (raw command with one recv(1024)).
    #[arg(long, value_enum, default_value_t = Compat::Ours)]
    pub compat: Compat,
    /// Seed 004's server: send this file to every client that connects, then close.
    #[arg(long, value_name = "FILE")]
    pub push: Option<PathBuf>,
    /// Largest JSON header accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_HEADER)]
    pub max_header: usize,
    /// Largest upload accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_FILE)]
    pub max_file: u64,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

/// The `client` command's flags.
#[derive(clap::Args)]
pub struct ClientOpts {
    #[command(flatten)]
    pub args: ClientArgs,
    /// Upload FILE before any command (repeatable).
    #[arg(long, value_name = "FILE")]
    pub put: Vec<PathBuf>,
    /// Download NAME before any command (repeatable).
    #[arg(long, value_name = "NAME")]
    pub get: Vec<String>,
    /// Where downloads are stored.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Replace a local file that already exists (refused by default).
    #[arg(long)]
    pub overwrite: bool,
    /// Wire format: ours, or the lessons' (raw command; seed 000 upload; seed 004 push).
    #[arg(long, value_enum, default_value_t = Compat::Ours)]
    pub compat: Compat,
    /// Print each reply's JSON header (as the lesson's client does).
    #[arg(long)]
    pub show_header: bool,
}

/// The server: its folder made ready (and its unfinished uploads removed on
/// Ctrl-C, so none is left under a name), then connections served until
/// killed.
pub fn server(o: ServerOpts, color: ColorChoice) -> ExitCode {
    color.apply();
    let cfg = ServerConfig {
        runner: o.args.runner(),
        dir: o.dir,
        overwrite: o.overwrite,
        compat: o.compat,
        push: o.push,
        codec: JsonHeader::lesson().with_limits(o.max_header, DEFAULT_MAX_BODY),
        max_file: o.max_file,
        log: true,
        budget: o.memory.budget(o.args.serve_options().request_deadline),
    };
    if let Err(e) = cfg.prepare() {
        return fail(e);
    }
    unfinished::remove_on_interrupt("upload");
    let listener = match o.args.bind(harness::ports::LAB05) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let addr = (listener.local_addr()).unwrap_or_else(|_| o.args.addr_or(harness::ports::LAB05));
    announce(LAB, addr);
    match serve_folder(listener, o.args.serve_options(), cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// The client: `--put`/`--get` first; then the prompt, unless only those
/// flags were given. Exits 1 when any command or transfer failed.
pub fn client(o: ClientOpts, color: ColorChoice) -> ExitCode {
    color.apply();
    let addr = o.args.addr_or(harness::ports::LAB05);
    unfinished::remove_on_interrupt("download");
    let mut c = match sock::connect(addr) {
        Ok(s) => Client::new(s, o.compat),
        Err(e) => return fail(t!("lab05-client-cannot-connect", addr = addr, error = e)),
    };
    let puts = o.put.iter().map(|p| format!("put {}", p.display()));
    let actions: Vec<String> = puts
        .chain(o.get.iter().map(|n| format!("get {n}")))
        .collect();
    let flags_only = !actions.is_empty() && o.args.cmds.is_empty();
    let mut prompt = (!flags_only).then(|| Prompt::new(o.args.cmds.clone(), ">>> "));
    let typed = std::iter::from_fn(move || prompt.as_mut()?.next_command());
    let session = Session {
        dir: o.dir,
        overwrite: o.overwrite,
        show_header: o.show_header,
        encoding: o.args.encoding,
    };
    match c.run_lines(actions.into_iter().chain(typed), &session) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => fail(e.localized()),
    }
}
