//! The `server` and `client` commands of `lab04-struct-header`: the 4-byte
//! header on real sockets, in our framing or byte for byte the lesson's
//! (`--compat lesson`), so the lessons' own Python programs can talk to ours.

use std::process::ExitCode;

use super::{ask, header_format, serve_commands_within};
use crate::framing::{ByteOrder, FrameReader, LengthPrefix, DEFAULT_MAX_FRAME};
use crate::harness::wrong_format::Expected;
use crate::harness::{
    self, command, ClientArgs, CommandServerArgs, Compat, MemoryArgs, ReplyTimeout,
};
use crate::report::ColorChoice;

/// The wire flags server and client share.
#[derive(Clone, Debug, clap::Args)]
pub struct WireArgs {
    /// Header byte order: little (struct.pack('i') on x86/ARM, the default on those
    /// machines) or big (network order, struct.pack('!I')).
    #[arg(long, value_enum)]
    pub byte_order: Option<ByteOrder>,
    /// Largest body a header may announce, in bytes (default 64 MiB).
    #[arg(long, default_value_t = DEFAULT_MAX_FRAME)]
    pub max_frame: usize,
    /// Wire format: ours (the command is framed too) or the lesson's (bare command).
    #[arg(long, value_enum, default_value_t = Compat::Ours)]
    pub compat: Compat,
}

impl WireArgs {
    /// The header these flags describe; the byte order defaults to this machine's.
    pub fn codec(&self) -> LengthPrefix {
        header_format(self.byte_order, self.max_frame)
    }
}

/// The `server` command's flags.
#[derive(clap::Args)]
pub struct ServerArgs {
    #[command(flatten)]
    pub args: CommandServerArgs,
    #[command(flatten)]
    pub wire: WireArgs,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

/// The `client` command's flags.
#[derive(clap::Args)]
pub struct ClientFlags {
    #[command(flatten)]
    pub args: ClientArgs,
    #[command(flatten)]
    pub wire: WireArgs,
    #[command(flatten)]
    pub wait: ReplyTimeout,
}

/// The command server: each reply behind its 4-byte header. Runs until
/// killed; every connection is held to the idle timeout and the memory
/// budget, so one client announcing gigabytes cannot starve the others.
pub fn server(flags: &ServerArgs, color: ColorChoice) -> ExitCode {
    color.apply();
    let (args, codec, compat) = (&flags.args, flags.wire.codec(), flags.wire.compat);
    let (runner, opts) = (args.runner(), args.serve_options());
    let (idle, budget) = (
        opts.idle_timeout,
        flags.memory.budget(opts.request_deadline),
    );
    command::run_server(args, harness::ports::LAB04, "lab04", move |s, _| {
        serve_commands_within(s, codec, compat, &runner, idle, &budget).map_err(|e| e.localized())
    })
}

/// The client: each command sent, each reply read whole (header, then
/// exactly that many bytes) and printed.
pub fn client(flags: &ClientFlags, color: ColorChoice) -> ExitCode {
    color.apply();
    let (codec, compat) = (flags.wire.codec(), flags.wire.compat);
    command::run_client(
        &flags.args,
        flags.wait.duration(),
        harness::ports::LAB04,
        Expected::LengthHeader(codec),
        |stream| FrameReader::new(stream, codec),
        |frames, w, cmd| ask(frames, w, compat, cmd).map_err(|e| e.localized()),
    )
}
