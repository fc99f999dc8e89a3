//! Lab 03: not built yet.

fn main() -> std::process::ExitCode {
    eprintln!("lab 03 is not built yet");
    std::process::ExitCode::from(2)
}
