//! THE lab registry: every lab once, with its binary, its default port, its
//! title and the wire formats it speaks. Ports, the preflight (`sticky
//! labs`), bench, load and the docs all read this table; adding a lab 08
//! means adding one row here (see `docs/architecture.md`).

/// Which wire formats a lab's server and client can speak (`--compat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WireModes {
    /// Only the lesson's own bytes (lab 01: the naive protocol *is* the lesson).
    LessonOnly,
    /// Ours (framed both ways) by default, or the lesson's bytes with `--compat lesson`.
    OursOrLesson,
    /// No command protocol to choose (lab 02's counters, lab 06's datagrams).
    Fixed,
}

/// One lab: the same name in `labs/`, `src/lessons/`, `tests/` and `docs/labs/`.
#[derive(Clone, Copy, Debug)]
pub struct Lab {
    /// The lab's number, 1 to 7.
    pub number: u8,
    /// The binary's name, e.g. `lab01-naive-recv`.
    pub binary: &'static str,
    /// The module's name in `src/lessons/` and the file stem in `labs/`, e.g. `lab01_naive_recv`.
    pub module: &'static str,
    /// The demo's heading: what the lab shows, and which lesson page it follows.
    pub title: &'static str,
    /// A short line for tables (the preflight).
    pub lesson: &'static str,
    /// The default port of its server, taken from the lessons where they give one.
    pub port: u16,
    /// The `--compat` values it accepts.
    pub wire: WireModes,
}

impl Lab {
    /// Whether its server listens on UDP (lab 06's datagrams) rather than TCP.
    pub fn serves_udp(&self) -> bool {
        self.number == 6
    }

    /// The lab's sheet, relative to the repository root.
    pub fn sheet(&self) -> String {
        format!("docs/labs/{}.md", self.binary)
    }
}

/// Every lab, in lesson order.
pub const LABS: [Lab; 7] = [
    Lab {
        number: 1,
        binary: "lab01-naive-recv",
        module: "lab01_naive_recv",
        title: "the naive recv(1024) bug (seed 002 §1.1)",
        lesson: "recv(1024) splits and merges replies",
        port: 9527, // seed 002 §1.1
        wire: WireModes::LessonOnly,
    },
    Lab {
        number: 2,
        binary: "lab02-nagle",
        module: "lab02_nagle",
        title: "Nagle's algorithm, delayed ACK and the 40 ms stall",
        lesson: "Nagle glues small sends",
        port: 9502,
        wire: WireModes::Fixed,
    },
    Lab {
        number: 3,
        binary: "lab03-length-ack",
        module: "lab03_length_ack",
        title: "length as text, then an ok (seed 001, scheme 1)",
        lesson: "length + ack handshake",
        port: 8001, // seed 001
        wire: WireModes::OursOrLesson,
    },
    Lab {
        number: 4,
        binary: "lab04-struct-header",
        module: "lab04_struct_header",
        title: "a 4-byte struct header (seed 001 scheme 2, seed 002 §1.2)",
        lesson: "4-byte struct header",
        port: 8083, // seed 002 §1.2
        wire: WireModes::OursOrLesson,
    },
    Lab {
        number: 5,
        binary: "lab05-json-header",
        module: "lab05_json_header",
        title: "a JSON header: command output and files (seeds 002 §1.3, 000, 004)",
        lesson: "JSON header, file transfer",
        port: 9090, // seed 000
        wire: WireModes::OursOrLesson,
    },
    Lab {
        number: 6,
        binary: "lab06-udp-vs-tcp",
        module: "lab06_udp_vs_tcp",
        title: "UDP keeps boundaries and loses data (seeds 000, 002, 004)",
        lesson: "UDP keeps boundaries, loses data",
        port: 8888, // seed 002 §3.2 (UDP)
        wire: WireModes::Fixed,
    },
    Lab {
        number: 7,
        binary: "lab07-concurrency",
        module: "lab07_concurrency",
        title: "one client at a time, or a thread each (seed 002 §3)",
        lesson: "one client at a time vs threads",
        port: 8889, // seed 002 §3.1
        wire: WireModes::OursOrLesson,
    },
];

/// The lab with this binary name, if there is one.
pub fn by_binary(binary: &str) -> Option<&'static Lab> {
    LABS.iter().find(|l| l.binary == binary)
}

/// The lab with this number (1 to 7). Panics on any other number: the
/// callers are the lab binaries, each naming its own constant number.
pub const fn lab(number: u8) -> &'static Lab {
    let mut i = 0;
    while i < LABS.len() {
        if LABS[i].number == number {
            return &LABS[i];
        }
        i += 1;
    }
    panic!("no lab with that number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lab_has_one_name_across_the_trees() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for l in LABS {
            assert_eq!(l.binary.replace('-', "_"), l.module, "{}", l.binary);
            assert_eq!(
                &l.module[..5],
                format!("lab{:02}", l.number),
                "{}",
                l.binary
            );
            for path in [
                format!("labs/{}.rs", l.module),
                format!("src/lessons/{}.rs", l.module),
                l.sheet(),
            ] {
                assert!(root.join(&path).is_file(), "{} is missing", path);
            }
        }
    }

    #[test]
    fn ports_are_distinct_and_lookups_agree() {
        let mut ports: Vec<u16> = LABS.iter().map(|l| l.port).collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), LABS.len());
        assert_eq!(by_binary("lab04-struct-header").map(|l| l.port), Some(8083));
        assert_eq!(lab(7).binary, "lab07-concurrency");
        assert!(by_binary("lab01").is_none());
    }
}
