//! Lab 02: not built yet.

fn main() -> std::process::ExitCode {
    eprintln!("lab 02 is not built yet");
    std::process::ExitCode::from(2)
}
