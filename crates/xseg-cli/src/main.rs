//! The `xseg` command; see `docs/CLI.md`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    xseg_cli::run(&xseg_cli::args::Cli::parse())
}
