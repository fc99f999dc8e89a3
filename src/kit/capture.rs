//! Packets as the kernel put them on the loopback wire, saved for Wireshark.
//!
//! Everything else in sticky-lab sees TCP from inside a socket: what one
//! `send()` wrote, what one `recv()` returned, what `TCP_INFO` counted. A
//! capture shows the third view, the segments themselves, with their flags,
//! sequence numbers and times: the same thing `tcpdump -i lo` or Wireshark
//! shows. A [`Capture`] opens a packet socket (`AF_PACKET`, Linux) on the
//! loopback interface, keeps the packets of this process's own sockets, and
//! writes them as a classic pcap file that tcpdump, tshark and Wireshark
//! open. Other programs' loopback traffic is left out.
//!
//! Which sockets are "ours" is told, not guessed: the kit's socket makers
//! ([`crate::kit::sock::listen_with`], [`crate::kit::sock::connect_with`],
//! [`crate::kit::sock::bind_udp`]) report each new socket's port with
//! [`note`] before anyone can send to it, so a connection that lives a few
//! milliseconds is kept like a long one. A socket made some other way is
//! found by looking its port up in `/proc`, which can miss one that closes
//! before the next look (a ~50 ms socket, on a busy machine).
//!
//! A packet socket needs root or `CAP_NET_RAW` (packet(7)). Without it
//! [`Capture::start`] fails with `PermissionDenied` and the caller says so in
//! one line; nothing else changes.
//!
//! Two things a student sees in the file that a socket never shows:
//! * on loopback the kernel hands TCP segments of up to 64 KiB to the
//!   interface whole (GSO/TSO: segmentation is left to a "device" that never
//!   needs it), so one packet can carry what `TCP_INFO` counts as several
//!   MSS-sized segments;
//! * every packet appears once: a packet socket on `lo` is handed each packet
//!   twice, leaving and arriving, and — as libpcap does — the copy marked
//!   "outgoing" is dropped.

use std::collections::HashSet;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One captured packet: when it was read, and its bytes from the Ethernet
/// header on (loopback uses an Ethernet header with zero addresses).
#[derive(Clone, Debug)]
pub struct Packet {
    /// Time since the Unix epoch when the capture thread read it.
    pub at: Duration,
    /// The frame, Ethernet header first.
    pub frame: Vec<u8>,
}

/// The transport-layer facts of a packet, as Wireshark's columns show them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// `true` for TCP, `false` for UDP.
    pub tcp: bool,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10); 0 for UDP.
    pub flags: u8,
    /// TCP sequence number (0 for UDP).
    pub seq: u32,
    /// TCP acknowledgment number: the next byte the sender expects (0 for UDP).
    pub ack: u32,
    /// Bytes of application data the packet carries.
    pub payload_len: usize,
}

impl Segment {
    /// TCP ACK flag.
    pub const ACK: u8 = 0x10;
    /// TCP SYN flag.
    pub const SYN: u8 = 0x02;
    /// TCP FIN flag.
    pub const FIN: u8 = 0x01;
    /// TCP RST flag.
    pub const RST: u8 = 0x04;
}

/// Reads the transport header of an Ethernet frame carrying IPv4 or IPv6
/// and TCP or UDP; `None` for anything else.
pub fn parse(frame: &[u8]) -> Option<Segment> {
    const ETH: usize = 14;
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    let (proto, l4, ip_end) = match ethertype {
        0x0800 => {
            let ihl = (*frame.get(ETH)? & 0x0f) as usize * 4;
            let total = u16::from_be_bytes([*frame.get(ETH + 2)?, *frame.get(ETH + 3)?]) as usize;
            (*frame.get(ETH + 9)?, ETH + ihl, ETH + total)
        }
        0x86dd => {
            let payload = u16::from_be_bytes([*frame.get(ETH + 4)?, *frame.get(ETH + 5)?]) as usize;
            (*frame.get(ETH + 6)?, ETH + 40, ETH + 40 + payload)
        }
        _ => return None,
    };
    // The IP header's length, not the frame's: a file saved with a short
    // snap length keeps only the headers, and the payload length is still
    // the one that was on the wire (as tshark's `tcp.len` and `udp.length`).
    let end = ip_end;
    if frame.len() < l4 {
        return None;
    }
    let port = |at: usize| Some(u16::from_be_bytes([*frame.get(at)?, *frame.get(at + 1)?]));
    match proto {
        6 => {
            let offset = (*frame.get(l4 + 12)? >> 4) as usize * 4;
            let seq = u32::from_be_bytes(frame.get(l4 + 4..l4 + 8)?.try_into().ok()?);
            let ack = u32::from_be_bytes(frame.get(l4 + 8..l4 + 12)?.try_into().ok()?);
            Some(Segment {
                tcp: true,
                src_port: port(l4)?,
                dst_port: port(l4 + 2)?,
                flags: *frame.get(l4 + 13)?,
                seq,
                ack,
                payload_len: end.saturating_sub(l4 + offset),
            })
        }
        17 => Some(Segment {
            tcp: false,
            src_port: port(l4)?,
            dst_port: port(l4 + 2)?,
            flags: 0,
            seq: 0,
            ack: 0,
            payload_len: end.saturating_sub(l4 + 8),
        }),
        _ => None,
    }
}

/// The most a capture keeps in memory; packets past it are counted, not kept.
pub const MAX_BYTES: usize = 64 << 20;

/// What the kernel could not hand the capture: a packet socket's queue
/// (or its receive buffer) has a size, and a packet that arrives while it is
/// full is dropped and counted (`PACKET_STATISTICS`, packet(7)). The count
/// covers every packet the socket was offered on `lo`, this process's and
/// other programs', so any drop means the file may have a hole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lost {
    /// Packets the kernel dropped because the capture's queue was full.
    pub dropped: u64,
    /// Packets the kernel offered the capture, dropped ones included.
    pub offered: u64,
}

impl Lost {
    /// Whether the file may have a hole.
    pub fn any(&self) -> bool {
        self.dropped > 0
    }
}

/// The kernel's counts, added up as the reader reads them (reading
/// `PACKET_STATISTICS` resets them).
#[derive(Default)]
struct LostCounts {
    dropped: AtomicU64,
    offered: AtomicU64,
}

/// The captures running in this process, each with the channel that hands
/// its matching thread the ports [`note`] reports.
static RUNNING: Mutex<Vec<(u64, std::sync::mpsc::Sender<u16>)>> = Mutex::new(Vec::new());
/// How many captures run: [`note`] reads only this when none does, so a
/// program without `--pcap` pays one atomic load per socket.
static RUNNING_COUNT: AtomicUsize = AtomicUsize::new(0);
/// Connections being opened now ([`Opening`]): their first packets can reach
/// the capture before `connect()` returns the port to report.
static OPENING: AtomicUsize = AtomicUsize::new(0);
/// Names each capture in [`RUNNING`].
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A socket whose local port can be read back.
pub trait LocalPort {
    /// The port the kernel gave this socket (`getsockname(2)`).
    fn local_port(&self) -> Option<u16>;
}

impl LocalPort for std::net::TcpListener {
    fn local_port(&self) -> Option<u16> {
        self.local_addr().ok().map(|a| a.port())
    }
}

impl LocalPort for std::net::TcpStream {
    fn local_port(&self) -> Option<u16> {
        self.local_addr().ok().map(|a| a.port())
    }
}

impl LocalPort for std::net::UdpSocket {
    fn local_port(&self) -> Option<u16> {
        self.local_addr().ok().map(|a| a.port())
    }
}

/// Tells every running capture that `socket` is this process's, so its
/// packets are kept however briefly it lives. Call it as soon as the socket
/// has its port (after `bind`, or after `connect` inside an [`Opening`]):
/// a listener or a datagram socket reported before its address is handed
/// out is kept from its first packet on. Without a running capture it reads
/// one counter and returns.
pub fn note<S: LocalPort>(socket: &S) {
    if RUNNING_COUNT.load(Ordering::SeqCst) == 0 {
        return;
    }
    if let Some(port) = socket.local_port() {
        note_port(port);
    }
}

/// [`note`] for a port already known.
pub fn note_port(port: u16) {
    if RUNNING_COUNT.load(Ordering::SeqCst) == 0 {
        return;
    }
    for (_, tx) in RUNNING.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        let _ = tx.send(port);
    }
}

/// A `connect()` under way: the handshake's first packets reach the capture
/// before the port is known, and while any connection is being opened the
/// capture keeps packets of ports it does not know yet waiting (instead of
/// forgetting them after [`PENDING_FOR`]). Hold it across `connect()` and
/// the [`note`] after it.
pub struct Opening(());

impl Opening {
    /// Marks a connection as being opened until the value is dropped.
    pub fn begin() -> Opening {
        OPENING.fetch_add(1, Ordering::SeqCst);
        Opening(())
    }
}

impl Drop for Opening {
    fn drop(&mut self) {
        OPENING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running capture on the loopback interface.
pub struct Capture {
    kept: Arc<Mutex<Vec<Packet>>>,
    dropped: Arc<AtomicU64>,
    lost: Arc<LostCounts>,
    stop: Arc<AtomicBool>,
    read_up_to: Arc<AtomicU64>,
    watch: std::sync::mpsc::Sender<u16>,
    /// Its name in [`RUNNING`], where [`note`] finds it.
    id: u64,
    thread: Option<thread::JoinHandle<()>>,
}

impl Capture {
    /// Opens a packet socket on `lo` and starts keeping the packets of this
    /// process's sockets. Fails with `PermissionDenied` without root or
    /// `CAP_NET_RAW`, and with `Unsupported` off Linux.
    pub fn start() -> io::Result<Capture> {
        let sock = os::open_loopback()?;
        let kept = Arc::new(Mutex::new(Vec::new()));
        let dropped = Arc::new(AtomicU64::new(0));
        let lost = Arc::new(LostCounts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let read_up_to = Arc::new(AtomicU64::new(0));
        let (k, d, s, l) = (kept.clone(), dropped.clone(), stop.clone(), lost.clone());
        let r = read_up_to.clone();
        let (watch, watched) = std::sync::mpsc::channel();
        let thread = thread::Builder::new()
            .name("capture".into())
            .spawn(move || read_loop(sock, k, d, s, l, r, watched))?;
        let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
        RUNNING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id, watch.clone()));
        RUNNING_COUNT.fetch_add(1, Ordering::SeqCst);
        Ok(Capture {
            kept,
            dropped,
            lost,
            stop,
            read_up_to,
            watch,
            id,
            thread: Some(thread),
        })
    }

    /// Keeps every packet to or from `port` from now on, whether or not a
    /// socket of this process uses it: for a program that knows its ports
    /// (a proxy's listening port and its server's), so that a connection
    /// too short for the next look at `/proc` is kept all the same.
    pub fn watch_port(&self, port: u16) {
        let _ = self.watch.send(port);
    }

    /// The packets kept so far, in time order, while the capture goes on:
    /// what a demo cross-checks a stage against. Waits a moment first, so
    /// the stage's last packets (and those of sockets opened just before)
    /// are read and matched to this process. Check [`Capture::lost`] after
    /// it: a count that misses packets the kernel dropped proves nothing.
    pub fn snapshot(&self) -> Vec<Packet> {
        self.catch_up();
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner()).clone();
        kept.sort_by_key(|packet| packet.at);
        kept
    }

    /// What the kernel dropped so far (as of the last time the capture
    /// emptied its queue: [`Capture::snapshot`] waits for that).
    pub fn lost(&self) -> Lost {
        Lost {
            dropped: self.lost.dropped.load(Ordering::SeqCst),
            offered: self.lost.offered.load(Ordering::SeqCst),
        }
    }

    /// Waits until the capture has read every packet that arrived before
    /// now (on a busy machine it may lag behind) and looked up this
    /// process's ports since, so packets waiting to be matched are kept.
    /// Bounded: after [`CATCH_UP_AT_MOST`] it returns anyway.
    fn catch_up(&self) {
        let now = epoch_micros();
        let give_up = Instant::now() + CATCH_UP_AT_MOST;
        while self.read_up_to.load(Ordering::SeqCst) < now && Instant::now() < give_up {
            thread::sleep(Duration::from_millis(2));
        }
    }

    /// Stops capturing (after a moment for the last packets to arrive) and
    /// returns what was kept, in order, and how many packets did not fit.
    pub fn finish(self) -> (Vec<Packet>, u64) {
        let (packets, not_kept, _) = self.finish_counted();
        (packets, not_kept)
    }

    /// [`Capture::finish`], and what the kernel dropped: the packets that
    /// arrived while the capture's queue was full.
    pub fn finish_counted(mut self) -> (Vec<Packet>, u64, Lost) {
        self.catch_up();
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            // The reader empties the kernel's queue before it stops, so
            // nothing that arrived before now is left unread.
            let _ = t.join();
        }
        let mut kept = std::mem::take(&mut *self.kept.lock().unwrap_or_else(|p| p.into_inner()));
        // Packets that waited for a scan were kept after later ones: put
        // them back in time order, once.
        kept.sort_by_key(|packet| packet.at);
        (kept, self.dropped.load(Ordering::SeqCst), self.lost())
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = running.iter().position(|(id, _)| *id == self.id) {
            running.remove(i);
            RUNNING_COUNT.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// What the reading thread hands the matching thread.
enum Read {
    /// The TCP and UDP packets of one read of the socket, with what their
    /// headers say.
    Packets(Vec<(Packet, Segment)>),
    /// Every packet that arrived before this time (µs since the epoch) has
    /// been handed over.
    UpTo(u64),
}

/// Two threads: one only reads the packet socket, so the kernel's queue
/// never overflows while the other looks up this process's ports (a scan
/// reads every socket of the machine, which on a busy machine takes
/// milliseconds) and keeps the packets that are ours.
fn read_loop(
    sock: os::PacketSocket,
    kept: Arc<Mutex<Vec<Packet>>>,
    dropped: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    lost: Arc<LostCounts>,
    read_up_to: Arc<AtomicU64>,
    watched: std::sync::mpsc::Receiver<u16>,
) {
    // Room for a few seconds of a busy demo's packets in batches: the
    // reader never waits for the matcher unless it is far behind.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Read>(1 << 14);
    // A socket not reported with `note` that opens and closes between two
    // looks at /proc is missed: on a loaded machine this thread, at ordinary
    // priority, looked too late for a chaos proxy's 50 ms hop. Ahead of ordinary threads, but behind
    // the reader: its scans take milliseconds of CPU the demo also needs.
    os::hurry_this_thread(-10);
    let reader = thread::spawn(move || read_packets(sock, tx, stop, lost));
    let mut bytes = 0usize;
    // Packets whose ports are not known to be ours yet: a socket this
    // process just opened shows up in the next scan, so they wait a moment.
    let mut pending: Vec<(Instant, Packet, Segment)> = Vec::new();
    let mut ports: HashSet<u16> = HashSet::new();
    let mut last_scan = Instant::now() - SCAN_EVERY;
    let mut scan_took = Duration::ZERO;
    let mut last_rescan = last_scan;
    let mut seen_up_to = 0u64;
    let mut reader_done = false;
    let ours = |seg: &Segment, ports: &HashSet<u16>| {
        ports.contains(&seg.src_port) || ports.contains(&seg.dst_port)
    };
    let keep = |packet: Packet, bytes: &mut usize| {
        if *bytes + packet.frame.len() > MAX_BYTES {
            dropped.fetch_add(1, Ordering::SeqCst);
            return;
        }
        *bytes += packet.frame.len();
        kept.lock().unwrap_or_else(|p| p.into_inner()).push(packet);
    };
    loop {
        ports.extend(watched.try_iter());
        if reader_done || last_scan.elapsed() >= SCAN_EVERY.max(scan_took * 2) {
            let up_to = seen_up_to;
            last_scan = Instant::now();
            // Read before the ports reported so far: when no connection is
            // being opened now, every socket whose packets are waiting has
            // been reported already, and the next line takes its port.
            let connecting = OPENING.load(Ordering::SeqCst) > 0;
            ports.extend(watched.try_iter());
            ports.extend(os::own_ports());
            scan_took = last_scan.elapsed();
            let waiting = std::mem::take(&mut pending);
            let mut held = 0usize;
            for (at, packet, seg) in waiting {
                if ours(&seg, &ports) {
                    keep(packet, &mut bytes);
                } else if !reader_done
                    && (at.elapsed() < PENDING_FOR
                        || (connecting && held + packet.frame.len() <= PENDING_MAX_BYTES))
                {
                    held += packet.frame.len();
                    pending.push((at, packet, seg));
                }
            }
            // Everything read before the scan began is now kept or known
            // not to be ours (unless its socket closed before the scan).
            read_up_to.fetch_max(up_to, Ordering::SeqCst);
        }
        if reader_done {
            let _ = reader.join();
            return;
        }
        let batch = match rx.recv_timeout(SCAN_EVERY) {
            Ok(Read::Packets(batch)) => batch,
            Ok(Read::UpTo(t)) => {
                seen_up_to = seen_up_to.max(t);
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            // The reader stopped, its queue emptied: one last scan.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                reader_done = true;
                continue;
            }
        };
        // Ports reported while this batch was read, before it is matched.
        ports.extend(watched.try_iter());
        for (packet, seg) in batch {
            seen_up_to = seen_up_to.max(packet.at.as_micros() as u64);
            // A connection's first packet (SYN) or a datagram, from a port
            // not known yet: perhaps a socket this process opened a moment
            // ago, still open now. Look again at once (at most every
            // RESCAN_AFTER), so a socket that lives only a few milliseconds
            // is not missed.
            let opening = !seg.tcp || seg.flags & Segment::SYN != 0;
            if opening && !ours(&seg, &ports) && last_rescan.elapsed() >= RESCAN_AFTER {
                last_rescan = Instant::now();
                ports.extend(os::own_ports());
            }
            if ours(&seg, &ports) {
                keep(packet, &mut bytes);
            } else {
                pending.push((Instant::now(), packet, seg));
            }
        }
    }
}

/// The reading thread: every TCP or UDP packet arriving on `lo`, with the
/// kernel's time of arrival, handed to the matching thread a batch at a
/// time (one system call reads up to [`os::BATCH`] packets). Asked to stop,
/// it first empties the kernel's queue of what arrived before, and reads
/// the kernel's drop count last.
fn read_packets(
    sock: os::PacketSocket,
    tx: std::sync::mpsc::SyncSender<Read>,
    stop: Arc<AtomicBool>,
    lost: Arc<LostCounts>,
) {
    // The queue overflows when this thread waits for a CPU, not when it
    // reads too slowly: on a machine loaded ten times over its cores, a
    // thread of ordinary priority waited long enough for the kernel to drop
    // 19,245 of 68,534 packets (a 512 MiB buffer notwithstanding). First in
    // line for a CPU (nice -20: root may, setpriority(2)), it runs as soon
    // as packets come; it only reads and hands on, so it takes little.
    os::hurry_this_thread(-20);
    let mut batch = os::Batch::new();
    let mut last_at = Duration::ZERO;
    let mut stopping_at: Option<u64> = None;
    loop {
        if stopping_at.is_none() && stop.load(Ordering::SeqCst) {
            stopping_at = Some(epoch_micros());
        }
        // When a read finds the queue empty before its batch is full,
        // every packet that arrived before this call has been read.
        let called = epoch_micros();
        let n = sock.read_batch(&mut batch);
        let mut got = Vec::with_capacity(n);
        for i in 0..n {
            let Some((stamp, frame)) = batch.get(i) else {
                continue;
            };
            // The kernel's time of arrival, as tcpdump records it. Packets
            // come off this socket in the order they arrived, so a time is
            // never earlier than the one before, and a packet the kernel
            // did not stamp takes the last time known: the time of the read
            // would be later than the stamps of the packets after it, and
            // sorting by time would reorder them.
            let at = match stamp {
                Some(at) => at.max(last_at),
                None if last_at > Duration::ZERO => last_at,
                None => SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default(),
            };
            last_at = at;
            if let Some(seg) = parse(frame) {
                let frame = frame.to_vec();
                got.push((Packet { at, frame }, seg));
            }
        }
        let emptied = n < os::BATCH;
        if emptied {
            // Counted before the "up to" below, so that whoever waits for
            // the capture to catch up sees the drops of that time too.
            sock.count_losses(&lost);
        }
        if !got.is_empty() && tx.send(Read::Packets(got)).is_err() {
            return;
        }
        let up_to = if emptied {
            called
        } else {
            last_at.as_micros() as u64
        };
        let _ = tx.send(Read::UpTo(up_to));
        if let Some(stopping_at) = stopping_at {
            // Stop once the queue is empty or holds only packets that came
            // after the stop (on a loopback busy with other programs'
            // traffic it may never be empty).
            if emptied || last_at.as_micros() as u64 >= stopping_at {
                sock.count_losses(&lost);
                return;
            }
        }
    }
}

/// How often the capture looks up which ports this process's sockets use.
const SCAN_EVERY: Duration = Duration::from_millis(20);
/// The longest [`Capture::snapshot`] and [`Capture::finish`] wait for the
/// capture thread to catch up. Normally a few milliseconds; on a machine
/// loaded ten times over its cores the reader can be seconds behind.
const CATCH_UP_AT_MOST: Duration = Duration::from_secs(20);

fn epoch_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros() as u64
}

/// The soonest an unknown port makes the capture look its sockets up again.
const RESCAN_AFTER: Duration = Duration::from_millis(5);
/// How long a packet of a port not (yet) known to be ours is kept waiting
/// for a scan; after that it is another program's and is forgotten (unless
/// a connection of this process is being opened: see [`Opening`]).
const PENDING_FOR: Duration = Duration::from_millis(300);
/// The most the waiting packets may hold while a connection is being
/// opened: other programs' loopback traffic waits too, and a `connect()` to
/// a full queue can take seconds.
const PENDING_MAX_BYTES: usize = 32 << 20;

/// Writes `packets` as a classic pcap file (Ethernet link type, microsecond
/// times), never half-written under its name: a temporary file, then a rename.
pub fn write_pcap(path: &Path, packets: &[Packet]) -> io::Result<()> {
    use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
    let header = PcapHeader {
        snaplen: 262_144,
        datalink: pcap_file::DataLink::ETHERNET,
        ..PcapHeader::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).map_err(io::Error::other)?;
    for p in packets {
        w.write_packet(&PcapPacket::new(p.at, p.frame.len() as u32, &p.frame))
            .map_err(io::Error::other)?;
    }
    crate::kit::files::write_atomic(path, &w.into_writer())
}

/// Reads a pcap file back (for tests and cross-checks).
pub fn read_pcap(path: &Path) -> io::Result<Vec<Packet>> {
    let file = std::fs::File::open(path)?;
    let mut r = pcap_file::pcap::PcapReader::new(file).map_err(io::Error::other)?;
    let mut out = Vec::new();
    while let Some(p) = r.next_packet() {
        let p = p.map_err(io::Error::other)?;
        out.push(Packet {
            at: p.timestamp,
            frame: p.data.into_owned(),
        });
    }
    Ok(out)
}

/// A packet's transport facts and when it arrived: one row of Wireshark's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The kernel's time of arrival, since the Unix epoch.
    pub at: Duration,
    /// What the headers say.
    pub seg: Segment,
}

/// The TCP and UDP packets to or from `port`, in time order: one
/// conversation, when `port` is a client's ephemeral port.
pub fn involving(packets: &[Packet], port: u16) -> Vec<Seen> {
    let mut seen: Vec<Seen> = packets
        .iter()
        .filter_map(|p| parse(&p.frame).map(|seg| Seen { at: p.at, seg }))
        .filter(|s| s.seg.src_port == port || s.seg.dst_port == port)
        .collect();
    seen.sort_by_key(|s| s.at);
    seen
}

/// The packets sent from `port` that carry data (TCP segments with a
/// payload, or UDP datagrams), in time order.
pub fn data_from(packets: &[Packet], port: u16) -> Vec<Seen> {
    involving(packets, port)
        .into_iter()
        .filter(|s| s.seg.src_port == port && (s.seg.payload_len > 0 || !s.seg.tcp))
        .collect()
}

/// For each TCP data segment sent from `port`, how long it waited for its
/// acknowledgment: the time to the first packet back whose ACK number
/// covers the segment's last byte. `None` when no such ACK was captured.
pub fn ack_waits(packets: &[Packet], port: u16) -> Vec<(Seen, Option<Duration>)> {
    let all = involving(packets, port);
    let back: Vec<&Seen> = all
        .iter()
        .filter(|s| s.seg.tcp && s.seg.dst_port == port && s.seg.flags & Segment::ACK != 0)
        .collect();
    all.iter()
        .filter(|s| s.seg.tcp && s.seg.src_port == port && s.seg.payload_len > 0)
        .map(|d| {
            let end = d.seg.seq.wrapping_add(d.seg.payload_len as u32);
            // Sequence numbers wrap: "at or past end" is a signed difference.
            let wait = back
                .iter()
                .find(|a| a.at >= d.at && a.seg.ack.wrapping_sub(end) as i32 >= 0)
                .map(|a| a.at.saturating_sub(d.at));
            (d.clone(), wait)
        })
        .collect()
}

#[cfg(target_os = "linux")]
mod os {
    use super::{LostCounts, Ordering};
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::time::Duration;

    /// Packets one read takes at most (`recvmmsg(2)`): one system call per
    /// batch, not per packet, so a burst is read as fast as it came.
    pub const BATCH: usize = 64;
    /// Room for one loopback frame: `lo`'s MTU (65536) and the Ethernet
    /// header, with some to spare.
    const ROOM: usize = 65_536 + 512;
    /// Room for one control message: a `struct timespec` (`SCM_TIMESTAMPNS`)
    /// in a `cmsghdr`, in 8-byte words.
    const CONTROL_WORDS: usize = 8;
    /// The receive buffer asked for: what the kernel may queue while the
    /// reader waits for a CPU. A loopback packet costs its buffer more than
    /// its length (the kernel's whole allocation, ~1-2 KiB for a small
    /// one); lab 07's last stage sends ~30,000 packets in half a second,
    /// and on a loaded machine the reader can wait a second for a CPU.
    const RECEIVE_BUFFER: usize = 256 << 20;
    /// `setsockopt` options not in every libc: asm-generic/socket.h and
    /// linux/if_packet.h (the same on x86 and ARM).
    const SO_RCVBUFFORCE: libc::c_int = 33;
    const SO_TIMESTAMPNS: libc::c_int = 35;
    const PACKET_STATISTICS: libc::c_int = 6;
    const PACKET_IGNORE_OUTGOING: libc::c_int = 23;

    /// Puts the calling thread ahead in line for a CPU (`nice` below 0;
    /// needs root or CAP_SYS_NICE, else nothing changes).
    pub fn hurry_this_thread(nice: i32) {
        // SAFETY: gettid and setpriority take and return plain integers.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, nice);
        }
    }

    /// `struct tpacket_stats` (linux/if_packet.h).
    #[repr(C)]
    #[derive(Default)]
    struct TpacketStats {
        tp_packets: u32,
        tp_drops: u32,
    }

    fn set_int(fd: libc::c_int, level: libc::c_int, name: libc::c_int, value: i32) -> bool {
        // SAFETY: an int option, passed by pointer with its size.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                &value as *const i32 as *const libc::c_void,
                std::mem::size_of::<i32>() as libc::socklen_t,
            )
        };
        rc == 0
    }

    /// An `AF_PACKET` socket bound to the loopback interface.
    pub struct PacketSocket(OwnedFd);

    pub fn open_loopback() -> io::Result<PacketSocket> {
        let proto = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: socket(2) with constant arguments; the fd is owned at once.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, proto as i32) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor that nothing else owns.
        let sock = PacketSocket(unsafe { OwnedFd::from_raw_fd(fd) });
        let name = c"lo";
        // SAFETY: a NUL-terminated interface name.
        let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
        if ifindex == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: zeroed sockaddr_ll is a valid value; we fill the fields bind needs.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        addr.sll_family = libc::AF_PACKET as u16;
        addr.sll_protocol = proto;
        addr.sll_ifindex = ifindex as i32;
        // SAFETY: addr is a valid sockaddr_ll of the size given.
        let rc = unsafe {
            libc::bind(
                fd,
                &addr as *const libc::sockaddr_ll as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // A packet socket on `lo` is handed each packet twice, leaving and
        // arriving: the leaving copy is not queued at all (Linux 4.20;
        // before, it is queued and skipped when read).
        set_int(fd, libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
        // A large buffer, so a burst is not lost while the thread waits for
        // a CPU. SO_RCVBUF is capped at net.core.rmem_max (often 208 KiB);
        // root may pass the cap with SO_RCVBUFFORCE (socket(7)).
        let size = RECEIVE_BUFFER as i32;
        if !set_int(fd, libc::SOL_SOCKET, SO_RCVBUFFORCE, size) {
            set_int(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, size);
        }
        // The kernel's time of arrival with each packet (socket(7)).
        set_int(fd, libc::SOL_SOCKET, SO_TIMESTAMPNS, 1);
        // A short timeout, so the loop sees the stop flag.
        let sref = socket2::SockRef::from(&sock.0);
        sref.set_read_timeout(Some(Duration::from_millis(20)))?;
        Ok(sock)
    }

    /// The local ports of every TCP and UDP socket this process has open:
    /// the socket inodes behind `/proc/self/fd`, looked up in
    /// `/proc/net/{tcp,tcp6,udp,udp6}`.
    pub fn own_ports() -> Vec<u16> {
        let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
            return Vec::new();
        };
        let inodes: std::collections::HashSet<String> = fds
            .flatten()
            .filter_map(|fd| std::fs::read_link(fd.path()).ok())
            .filter_map(|l| {
                let l = l.to_string_lossy().into_owned();
                l.strip_prefix("socket:[")?
                    .strip_suffix(']')
                    .map(String::from)
            })
            .collect();
        let mut ports = Vec::new();
        for table in ["tcp", "tcp6", "udp", "udp6"] {
            let Ok(text) = std::fs::read_to_string(format!("/proc/self/net/{table}")) else {
                continue;
            };
            for line in text.lines().skip(1) {
                let f: Vec<&str> = line.split_whitespace().collect();
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                let (Some(local), Some(inode)) = (f.get(1), f.get(9)) else {
                    continue;
                };
                if inodes.contains(*inode) {
                    if let Some(port) = local
                        .rsplit(':')
                        .next()
                        .and_then(|h| u16::from_str_radix(h, 16).ok())
                    {
                        ports.push(port);
                    }
                }
            }
        }
        ports
    }

    /// Buffers for one `recvmmsg(2)`: a frame, a sender's address and a
    /// control message (the time stamp) for each of [`BATCH`] packets.
    pub struct Batch {
        frames: Vec<u8>,
        names: Vec<libc::sockaddr_ll>,
        control: Vec<u64>,
        iovs: Vec<libc::iovec>,
        msgs: Vec<libc::mmsghdr>,
    }

    impl Batch {
        pub fn new() -> Batch {
            // SAFETY (all three): all-zero sockaddr_ll, iovec and mmsghdr
            // are valid values (null pointers, zero lengths); read_batch
            // fills them in before each call.
            Batch {
                frames: vec![0; BATCH * ROOM],
                names: (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect(),
                control: vec![0; BATCH * CONTROL_WORDS],
                iovs: (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect(),
                msgs: (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect(),
            }
        }

        /// Packet `i` of the last read: when the kernel received it and
        /// its frame; `None` for an "outgoing" copy (kernels before 4.20).
        pub fn get(&self, i: usize) -> Option<(Option<Duration>, &[u8])> {
            let msg = &self.msgs[i];
            if self.names[i].sll_pkttype == libc::PACKET_OUTGOING {
                return None;
            }
            let len = (msg.msg_len as usize).min(ROOM);
            let frame = &self.frames[i * ROOM..i * ROOM + len];
            let mut stamp = None;
            // SAFETY: msg_hdr was filled by recvmmsg; the CMSG_* macros walk
            // its control buffer within msg_controllen.
            unsafe {
                let mut c = libc::CMSG_FIRSTHDR(&msg.msg_hdr);
                while !c.is_null() {
                    if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == SO_TIMESTAMPNS {
                        let ts: libc::timespec =
                            std::ptr::read_unaligned(libc::CMSG_DATA(c) as *const libc::timespec);
                        if ts.tv_sec > 0 {
                            stamp = Some(
                                Duration::from_secs(ts.tv_sec as u64)
                                    + Duration::from_nanos(ts.tv_nsec as u64),
                            );
                        }
                    }
                    c = libc::CMSG_NXTHDR(&msg.msg_hdr, c);
                }
            }
            Some((stamp, frame))
        }
    }

    impl PacketSocket {
        /// Reads up to [`BATCH`] packets: waits (up to the read timeout)
        /// for the first, then takes what is queued without waiting. The
        /// number read; 0 when nothing came (or on an error).
        pub fn read_batch(&self, b: &mut Batch) -> usize {
            for i in 0..BATCH {
                b.iovs[i] = libc::iovec {
                    // SAFETY: i * ROOM is inside frames (BATCH * ROOM long).
                    iov_base: unsafe { b.frames.as_mut_ptr().add(i * ROOM) } as *mut libc::c_void,
                    iov_len: ROOM,
                };
                let h = &mut b.msgs[i].msg_hdr;
                h.msg_name = &mut b.names[i] as *mut libc::sockaddr_ll as *mut libc::c_void;
                h.msg_namelen = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
                h.msg_iov = &mut b.iovs[i];
                h.msg_iovlen = 1;
                // SAFETY: i * CONTROL_WORDS is inside control.
                h.msg_control =
                    unsafe { b.control.as_mut_ptr().add(i * CONTROL_WORDS) } as *mut libc::c_void;
                h.msg_controllen = (CONTROL_WORDS * 8) as _;
                h.msg_flags = 0;
                b.msgs[i].msg_len = 0;
            }
            // SAFETY: every mmsghdr points into buffers owned by `b`, which
            // outlive the call; MSG_WAITFORONE stops waiting after the first.
            let n = unsafe {
                libc::recvmmsg(
                    self.0.as_raw_fd(),
                    b.msgs.as_mut_ptr(),
                    BATCH as _,
                    libc::MSG_WAITFORONE as _,
                    std::ptr::null_mut(),
                )
            };
            n.max(0) as usize
        }

        /// Shrinks the receive buffer to the kernel's minimum (a few KiB),
        /// so that a test can make the queue overflow.
        #[cfg(test)]
        pub fn shrink_buffer(&self) {
            let _ = socket2::SockRef::from(&self.0).set_recv_buffer_size(1);
        }

        /// Adds the kernel's counts since the last call (reading them resets
        /// them): packets offered to this socket, and those dropped because
        /// its queue was full. packet(7), PACKET_STATISTICS.
        pub fn count_losses(&self, lost: &LostCounts) {
            let mut st = TpacketStats::default();
            let mut len = std::mem::size_of::<TpacketStats>() as libc::socklen_t;
            // SAFETY: st is a tpacket_stats of the size given.
            let rc = unsafe {
                libc::getsockopt(
                    self.0.as_raw_fd(),
                    libc::SOL_PACKET,
                    PACKET_STATISTICS,
                    &mut st as *mut TpacketStats as *mut libc::c_void,
                    &mut len,
                )
            };
            if rc == 0 {
                // tp_packets already includes the drops (af_packet.c).
                lost.offered
                    .fetch_add(u64::from(st.tp_packets), Ordering::SeqCst);
                lost.dropped
                    .fetch_add(u64::from(st.tp_drops), Ordering::SeqCst);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    use super::LostCounts;
    use std::io;
    use std::time::Duration;

    pub const BATCH: usize = 1;

    pub fn hurry_this_thread(_nice: i32) {}

    pub struct PacketSocket;

    pub struct Batch;

    impl Batch {
        pub fn new() -> Batch {
            Batch
        }

        pub fn get(&self, _i: usize) -> Option<(Option<Duration>, &[u8])> {
            None
        }
    }

    pub fn own_ports() -> Vec<u16> {
        Vec::new()
    }

    pub fn open_loopback() -> io::Result<PacketSocket> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "capturing needs Linux's packet sockets; on macOS use tcpdump -i lo0, \
             on Windows Wireshark with Npcap's loopback adapter",
        ))
    }

    impl PacketSocket {
        pub fn read_batch(&self, _b: &mut Batch) -> usize {
            0
        }

        pub fn count_losses(&self, _lost: &LostCounts) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;

    #[test]
    fn a_tcp_frame_is_read_like_wiresharks_columns() {
        // Ethernet (zero MACs), IPv4 (20 B, total 20 + 20 + 5), TCP (20 B, PSH|ACK), "hello".
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(&[
            0x45, 0, 0, 45, 0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ]);
        f.extend_from_slice(&[
            0x23, 0x29, 0xc0, 0x00, 0, 0, 0, 7, 0, 0, 0, 0, 0x50, 0x18, 0, 0, 0, 0, 0, 0,
        ]);
        f.extend_from_slice(b"hello");
        let s = parse(&f).unwrap();
        assert_eq!(
            s,
            Segment {
                tcp: true,
                src_port: 9001,
                dst_port: 49152,
                flags: 0x18,
                seq: 7,
                ack: 0,
                payload_len: 5
            }
        );
        assert!(parse(&f[..20]).is_none(), "a cut frame is not a segment");
        // Saved with a snap length that keeps the headers only (editcap -s 54):
        // the payload length is still the wire's.
        assert_eq!(parse(&f[..54]).unwrap().payload_len, 5);
    }

    /// A frame from `src` to `dst` with the given flags, numbers and payload size.
    fn frame(src: u16, dst: u16, flags: u8, seq: u32, ack: u32, len: usize) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        let total = (40 + len) as u16;
        f.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            6,
        ]);
        f.extend_from_slice(&[0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        f.extend_from_slice(&src.to_be_bytes());
        f.extend_from_slice(&dst.to_be_bytes());
        f.extend_from_slice(&seq.to_be_bytes());
        f.extend_from_slice(&ack.to_be_bytes());
        f.extend_from_slice(&[0x50, flags, 0, 0, 0, 0, 0, 0]);
        f.extend(std::iter::repeat_n(b'x', len));
        f
    }

    #[test]
    fn a_segment_waits_until_an_ack_covers_its_last_byte() {
        let at = |ms: u64| Duration::from_millis(ms);
        let packets = vec![
            // 4 bytes at seq 100, then an ACK for only 2 of them, then one for all 4 at 40 ms.
            Packet {
                at: at(0),
                frame: frame(5000, 80, 0x18, 100, 1, 4),
            },
            Packet {
                at: at(1),
                frame: frame(80, 5000, 0x10, 1, 102, 0),
            },
            Packet {
                at: at(40),
                frame: frame(80, 5000, 0x10, 1, 104, 0),
            },
            // Another connection's ACK must not count.
            Packet {
                at: at(2),
                frame: frame(80, 6000, 0x10, 1, 104, 0),
            },
            // Sequence numbers that wrap past 2^32: 8 bytes ending at 4.
            Packet {
                at: at(50),
                frame: frame(5000, 80, 0x18, u32::MAX - 3, 1, 8),
            },
            Packet {
                at: at(51),
                frame: frame(80, 5000, 0x10, 1, 4, 0),
            },
            // A segment never acknowledged.
            Packet {
                at: at(60),
                frame: frame(5000, 80, 0x18, 4, 1, 10),
            },
        ];
        let waits: Vec<Option<Duration>> =
            ack_waits(&packets, 5000).into_iter().map(|w| w.1).collect();
        assert_eq!(waits, [Some(at(40)), Some(at(1)), None]);
        assert_eq!(data_from(&packets, 5000).len(), 3);
        assert_eq!(data_from(&packets, 80).len(), 0, "ACKs carry no data");
    }

    /// The kernel's drop count is read, not guessed: a packet socket with
    /// the smallest buffer, not read while 200 datagrams pass on `lo`,
    /// must report that it dropped some of what it was offered. Needs root
    /// or CAP_NET_RAW; says SKIPPED otherwise.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_queue_that_overflows_reports_its_drops() {
        let sock = match os::open_loopback() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("SKIPPED: cannot open a packet socket on lo: {e}");
                return;
            }
        };
        sock.shrink_buffer();
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        for _ in 0..200 {
            tx.send_to(&[7u8; 1000], rx.local_addr().unwrap()).unwrap();
        }
        let lost = LostCounts::default();
        sock.count_losses(&lost);
        let (dropped, offered) = (
            lost.dropped.load(Ordering::SeqCst),
            lost.offered.load(Ordering::SeqCst),
        );
        assert!(offered >= 200, "offered {offered}");
        assert!(dropped > 0 && dropped < offered, "{dropped} of {offered}");
    }

    /// Captures one exchange on loopback, writes it, reads it back. Needs
    /// root or CAP_NET_RAW; says SKIPPED otherwise.
    #[test]
    fn a_capture_holds_the_exchange_and_survives_the_pcap_round_trip() {
        let cap = match Capture::start() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("SKIPPED: cannot open a packet socket on lo: {e}");
                return;
            }
        };
        let server = crate::kit::sock::listen("127.0.0.1:0".parse().unwrap()).unwrap();
        // The capture finds this process's sockets by itself.
        let port = server.local_addr().unwrap().port();
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let (mut s, _) = server.accept().unwrap();
        c.write_all(b"hello").unwrap();
        let mut b = [0u8; 5];
        s.read_exact(&mut b).unwrap();
        drop(c);
        drop(s);
        let (packets, dropped, lost) = cap.finish_counted();
        assert_eq!(dropped, 0);
        assert_eq!(lost.dropped, 0, "{lost:?}");
        // The kernel counted what it offered: at least this exchange.
        assert!(lost.offered >= 4, "{lost:?}");
        // Other tests in this process talk on loopback at the same time, and
        // their sockets are this process's too: look at this exchange only.
        let ours = |s: &Segment| s.src_port == port || s.dst_port == port;
        let segs: Vec<Segment> = packets
            .iter()
            .filter_map(|p| parse(&p.frame))
            .filter(ours)
            .collect();
        assert!(segs.iter().any(|s| s.flags & Segment::SYN != 0), "{segs:?}");
        let data: Vec<&Segment> = segs.iter().filter(|s| s.payload_len > 0).collect();
        assert_eq!(data.len(), 1, "{segs:?}");
        assert_eq!(data[0].dst_port, port);
        assert_eq!(data[0].payload_len, 5);
        // Each packet once, not twice (the outgoing copy is skipped).
        let syns = segs.iter().filter(|s| s.flags == Segment::SYN).count();
        assert_eq!(syns, 1, "{segs:?}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pcap");
        write_pcap(&path, &packets).unwrap();
        let back = read_pcap(&path).unwrap();
        assert_eq!(back.len(), packets.len());
        assert_eq!(back[0].frame, packets[0].frame);
    }
}
