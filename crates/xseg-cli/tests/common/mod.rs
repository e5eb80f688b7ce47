//! Running the built `xseg` binary, shared by the command-line test files.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// What a run printed, standard output as text.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// What a run printed, standard output as bytes.
pub struct Output {
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Output {
    /// Standard output's lines.
    pub fn lines(&self) -> Vec<&str> {
        std::str::from_utf8(&self.stdout).unwrap().lines().collect()
    }

    /// Standard error's lines, each a JSON report line.
    pub fn report(&self) -> Vec<serde_json::Value> {
        self.stderr
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// Runs `xseg args` (in `dir` when given) with `stdin` as standard input. The input is written
/// from a thread of its own, so a large input cannot block on a full output pipe, and a
/// command that stops reading early (binary input) only breaks that pipe.
pub fn run_bytes(dir: Option<&Path>, args: &[&str], stdin: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xseg"));
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Output {
        status: out.status.code().expect("exited"),
        stdout: out.stdout,
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// [`run_bytes`] with standard output as text.
pub fn run(dir: Option<&Path>, args: &[&str], stdin: &[u8]) -> Run {
    let out = run_bytes(dir, args, stdin);
    Run {
        status: out.status,
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: out.stderr,
    }
}
