//! Validates one segment document and prints the service's answer and the diagnostic.
//!
//! `cargo run -p xseg --example validate -- [--strict] FILE` (or `-` for stdin)

use std::io::Read;
use std::process::ExitCode;

use xseg::{Options, Profile, Validator};

fn main() -> ExitCode {
    let mut profile = Profile::Service;
    let mut path = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--strict" => profile = Profile::Strict,
            _ => path = Some(arg),
        }
    }
    let mut doc = Vec::new();
    let read = match path.as_deref() {
        None | Some("-") => std::io::stdin().read_to_end(&mut doc).map(|_| ()),
        Some(p) => std::fs::read(p).map(|d| doc = d),
    };
    if let Err(e) = read {
        eprintln!("validate: {e}");
        return ExitCode::from(2);
    }
    let mut v = Validator::new(Options::new(profile));
    let out = v.validate(&doc);
    for w in v.warnings() {
        let loc = w.locate(&doc, 0);
        println!("warning: {w} ({}:{} {})", loc.line, loc.column, loc.pointer);
    }
    match out.rejection() {
        None => {
            println!("accepted");
            ExitCode::SUCCESS
        }
        Some(r) => {
            let loc = r.error().locate(&doc, 0);
            println!(
                "{{\"Id\":{:?},\"ErrorCode\":\"{}\",\"Message\":\"{}\"}}",
                r.id().unwrap_or_default(),
                r.code(),
                r.message()
            );
            println!(
                "{} (line {}, column {}, pointer {:?})",
                r.error(),
                loc.line,
                loc.column,
                loc.pointer
            );
            ExitCode::from(1)
        }
    }
}
