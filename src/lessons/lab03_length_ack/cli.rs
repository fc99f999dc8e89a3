//! The `server` and `client` commands of `lab03-length-ack`: the scheme on
//! real sockets, in our framing or byte for byte the lesson's (`--compat
//! lesson`), so seed 001's own Python programs can talk to ours.

use std::io::BufReader;
use std::process::ExitCode;

use super::{read_reply, send_request, AckServer, LengthText};
use crate::framing::DEFAULT_MAX_FRAME;
use crate::harness::wrong_format::Expected;
use crate::harness::{
    self, command, ClientArgs as ConnectArgs, CommandServerArgs, Compat, ReplyTimeout,
};
use crate::report::ColorChoice;

/// The wire flags server and client share.
#[derive(Clone, Debug, clap::Args)]
pub struct WireArgs {
    /// Wire format: ours (framed commands, the length digits end with a newline) or the lesson's.
    #[arg(long, value_enum, default_value_t = Compat::Ours)]
    pub compat: Compat,
    /// Largest length accepted or sent, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_FRAME)]
    pub max_frame: usize,
}

/// The `server` command's flags.
#[derive(clap::Args)]
pub struct ServerArgs {
    #[command(flatten)]
    pub args: CommandServerArgs,
    #[command(flatten)]
    pub wire: WireArgs,
}

/// The `client` command's flags.
#[derive(clap::Args)]
pub struct ClientFlags {
    #[command(flatten)]
    pub args: ConnectArgs,
    #[command(flatten)]
    pub wire: WireArgs,
    #[command(flatten)]
    pub wait: ReplyTimeout,
}

/// The command server: digits, `ok`, then the reply. Runs until killed.
pub fn server(flags: &ServerArgs, color: ColorChoice) -> ExitCode {
    color.apply();
    let (args, wire) = (&flags.args, &flags.wire);
    let srv = AckServer {
        compat: wire.compat,
        max_len: wire.max_frame,
        runner: args.runner(),
        idle: args.serve_options().idle_timeout,
    };
    command::run_server(args, harness::ports::LAB03, "lab03", move |s, _| {
        srv.serve_tcp(s)
    })
}

/// The client: each command framed, each reply read whole and printed.
pub fn client(flags: &ClientFlags, color: ColorChoice) -> ExitCode {
    color.apply();
    let wire = &flags.wire;
    let codec = LengthText::for_compat(wire.compat).with_max_len(wire.max_frame);
    command::run_client(
        &flags.args,
        flags.wait.duration(),
        harness::ports::LAB03,
        Expected::LengthText {
            terminated: codec.terminated,
        },
        BufReader::new,
        |r, w, cmd| {
            send_request(w, &codec, cmd)?;
            read_reply(r, w, &codec)
        },
    )
}
