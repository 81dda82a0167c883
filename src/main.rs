use std::process::ExitCode;

fn main() -> ExitCode {
    // color-eyre first: its panic hook is the one the TUI's terminal-restoring hook chains to.
    let _ = color_eyre::install();
    s3prune::cli::dispatch(s3prune::cli::args::Cli::parse_with_sources())
}
