//! Lab 01: not built yet.

fn main() -> std::process::ExitCode {
    eprintln!("lab 01 is not built yet");
    std::process::ExitCode::from(2)
}
