//! `bench-table [CRITERION_DIR]`: prints the Markdown results tables from criterion's saved
//! estimates (default `target/criterion`), with document counts from the corpus the benchmarks
//! load (the same `XSEG_CORPUS` rules).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use xseg_benches::report::{markdown, read_criterion};
use xseg_benches::{Bucket, Corpus};

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/criterion"), PathBuf::from);
    let corpus = match Corpus::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench-table: cannot load the corpus: {e}");
            return ExitCode::from(2);
        }
    };
    let measurements = read_criterion(&dir);
    if measurements.is_empty() {
        eprintln!("bench-table: no criterion results under {}", dir.display());
        return ExitCode::from(2);
    }
    let stats: BTreeMap<Bucket, _> = Bucket::ALL.map(|b| (b, corpus.stats(b))).into();
    println!(
        "corpus: {}, {} documents, {:.1} MB\n",
        corpus.source(),
        corpus.len(),
        corpus.bytes() as f64 / 1e6
    );
    print!("{}", markdown(&measurements, &stats));
    ExitCode::SUCCESS
}
