use std::process::ExitCode;

fn main() -> ExitCode {
    s3prune::heap::return_large_blocks_to_the_os();
    // Started by Lambda: serve invocations, not a command line.
    #[cfg(feature = "lambda")]
    if s3prune::lambda::running_in_lambda() {
        return s3prune::lambda::serve();
    }
    // color-eyre first: its panic hook is the one the TUI's terminal-restoring hook chains to.
    let _ = color_eyre::install();
    s3prune::cli::dispatch(s3prune::cli::args::Cli::parse_with_sources())
}
