//! The printer: every report line of every command, in every format.
//!
//! All output of `check`, `listen` and any other command that validates documents goes through
//! one [`Printer`], as ripgrep keeps all its output in its printer. A command only describes
//! what it found; the printer decides how it looks.
//!
//! # The interface
//!
//! - A [`Finding`] is one thing to report: a rejection ([`Severity::Error`], with the service's
//!   `ErrorCode` and `Message`), a warning ([`Severity::Warning`]), or a finding about several
//!   documents at once (a trace-level check) tied to one of them. It names its diagnostic
//!   `kind` (`InvalidNameChar`, `UppercaseId`, `DuplicateId`, ...), the human sentence
//!   (`detail`), the `Id` when there is one, the JSON pointer, and where it is: `source` (a
//!   file name, `<stdin>`, a peer address), `line` and `column` (1-based, when the source has
//!   lines) and the byte `offset` in the source. `extra` holds command-specific fields that
//!   the JSON form appends (`peer`, `datagram`, `request`, ...).
//! - [`Printer::finding`] counts the finding in the [`Tally`] and, unless the style is quiet,
//!   appends its report to a byte buffer that the caller writes wherever it wants (a
//!   terminal under a progress bar, a socket, a response body).
//! - [`Printer::more_warnings`] reports the warnings of a document past the ones the core
//!   keeps.
//! - [`Printer::tally_mut`] is where the command records each document's verdict
//!   ([`Tally::verdict`]), the bytes read and its own counters ([`Tally::count`]: `requests`,
//!   `throttled`, `dropped`...).
//! - [`Printer::finish`] appends the summary (text or JSON) or closes the SARIF log.
//!
//! # Formats
//!
//! | [`Format`] | a finding | the end |
//! |---|---|---|
//! | `text` | `file:line:column: Id ErrorCode — detail at /pointer (byte N)`, or `... warning: detail ...` | the summary: totals, then one line per `ErrorCode` |
//! | `json` | one object per line: `file`, `line`, `column`, `Id`, `ErrorCode`, `Message`, `kind`, `pointer`, `offset`, `detail` (a warning has `warning` in place of `ErrorCode`, `Message` and `kind`), then `extra` | `{"summary":{"documents","accepted","rejected","warnings","bytes","by_code","by_warning",...}}` |
//! | `sarif` | one result of a SARIF 2.1.0 log (`error` or `warning`), with its physical location | the rules (one per kind) and the summary as a property of the run, closing the log |
//! | `github` | a workflow command `::error file=F,line=L,col=C,title=ErrorCode::message` (`::warning` for a warning) | the text summary |
//!
//! [`document`] turns a validated document into its findings, for every command.
//!
//! The SARIF log is written as the findings come: its results first, then the tool and its
//! rules, so memory does not grow with the number of findings.

pub mod change;
pub mod document;

use std::borrow::Cow;
use std::io::{self, Write};
use std::time::Duration;

use clap::ValueEnum;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use xseg::{ErrorCode, ErrorKind};

/// Label used for standard input.
pub const STDIN_LABEL: &str = "<stdin>";

/// How findings are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per finding, then a summary.
    #[default]
    Text,
    /// One JSON object per finding, then a summary object.
    Json,
    /// One SARIF 2.1.0 log (for code scanning and editors).
    Sarif,
    /// GitHub Actions workflow commands (`::error` and `::warning`).
    Github,
}

/// Whether a finding rejects a document or only warns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The service would reject the document (or the request, or the datagram).
    Error,
    /// The service would accept the document but drop or alter something.
    Warning,
}

/// A command-specific field of a finding, appended to its JSON form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extra<'a> {
    /// A string.
    Str(&'a str),
    /// A number.
    Num(u64),
}

impl Serialize for Extra<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Extra::Str(v) => s.serialize_str(v),
            Extra::Num(v) => s.serialize_u64(*v),
        }
    }
}

/// One thing to report. See the [module documentation](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finding<'a> {
    /// Rejection or warning.
    pub severity: Severity,
    /// The service's `ErrorCode` of a rejection (`InvalidName`, `MissingBody`,
    /// `InvalidRequestException`, ...); `None` for a warning.
    pub code: Option<&'a str>,
    /// The service's `Message` of a rejection.
    pub message: Option<&'a str>,
    /// The diagnostic kind: `InvalidNameChar`, `UppercaseId`, `DuplicateId`, ...
    pub kind: &'a str,
    /// What is wrong, as a lower-case sentence.
    pub detail: &'a str,
    /// The document's `Id`, when it has one.
    pub id: Option<&'a str>,
    /// JSON pointer of the value concerned within the document (`""`: the document).
    pub pointer: &'a str,
    /// Where the document came from: a file name, [`STDIN_LABEL`], an address.
    pub source: &'a str,
    /// 1-based line in the source, when it has lines.
    pub line: Option<u64>,
    /// 1-based column in that line, in bytes.
    pub column: Option<u64>,
    /// Byte offset in the source.
    pub offset: Option<u64>,
    /// Command-specific fields for the JSON form.
    pub extra: &'a [(&'a str, Extra<'a>)],
}

impl<'a> Finding<'a> {
    /// A rejection with everything else empty, to fill in with struct update syntax.
    pub const fn error(source: &'a str, code: &'a str, message: &'a str, kind: &'a str) -> Self {
        Finding {
            severity: Severity::Error,
            code: Some(code),
            message: Some(message),
            kind,
            detail: "",
            id: None,
            pointer: "",
            source,
            line: None,
            column: None,
            offset: None,
            extra: &[],
        }
    }

    /// A warning with everything else empty.
    pub const fn warning(source: &'a str, kind: &'a str) -> Self {
        Finding {
            severity: Severity::Warning,
            code: None,
            message: None,
            kind,
            detail: "",
            id: None,
            pointer: "",
            source,
            line: None,
            column: None,
            offset: None,
            extra: &[],
        }
    }

    /// The name a finding is counted and titled under: its `ErrorCode`, else its kind.
    pub fn code_or_kind(&self) -> &'a str {
        self.code.unwrap_or(self.kind)
    }
}

/// What a run counted. The command records verdicts and bytes; the printer counts findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Documents (or datagrams) checked.
    pub documents: u64,
    /// Of those, accepted.
    pub accepted: u64,
    /// Of those, rejected.
    pub rejected: u64,
    /// Warnings reported, plus those past the ones the core keeps.
    pub warnings: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Rejection findings (of documents, requests, datagrams).
    pub errors: u64,
    by_code: Vec<(String, u64)>,
    by_warning: Vec<(String, u64)>,
    counters: Vec<(&'static str, u64)>,
}

/// Codes that can reject a datagram before its document is read, in summary order.
const FRAME_CODES: [&str; 2] = ["MissingBody", "InvalidHeader"];

fn code_rank(name: &str) -> usize {
    FRAME_CODES
        .iter()
        .position(|c| *c == name)
        .or_else(|| {
            ErrorCode::ALL
                .iter()
                .position(|c| c.as_str() == name)
                .map(|i| i + FRAME_CODES.len())
        })
        .unwrap_or(usize::MAX)
}

fn kind_rank(name: &str) -> usize {
    ErrorKind::ALL
        .iter()
        .position(|k| k.name() == name)
        .unwrap_or(usize::MAX)
}

fn bump(list: &mut Vec<(String, u64)>, name: &str, n: u64) {
    match list.iter_mut().find(|(k, _)| k == name) {
        Some((_, count)) => *count += n,
        None => list.push((name.to_owned(), n)),
    }
}

impl Tally {
    /// Records one document's verdict.
    pub fn verdict(&mut self, accepted: bool) {
        self.documents += 1;
        if accepted {
            self.accepted += 1;
        } else {
            self.rejected += 1;
        }
    }

    /// Adds `n` to the command-specific counter `name` (`requests`, `throttled`, ...), which
    /// the JSON summary lists after the common fields, in the order first counted.
    pub fn count(&mut self, name: &'static str, n: u64) {
        match self.counters.iter_mut().find(|(k, _)| *k == name) {
            Some((_, c)) => *c += n,
            None => self.counters.push((name, n)),
        }
    }

    /// A command-specific counter.
    pub fn counter(&self, name: &str) -> u64 {
        self.counters
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(0, |(_, n)| *n)
    }

    /// Rejections with the code `name`.
    pub fn code(&self, name: &str) -> u64 {
        self.by_code
            .iter()
            .find(|(k, _)| k == name)
            .map_or(0, |(_, n)| *n)
    }

    /// Warnings of the kind `name`.
    pub fn warning(&self, name: &str) -> u64 {
        self.by_warning
            .iter()
            .find(|(k, _)| k == name)
            .map_or(0, |(_, n)| *n)
    }

    /// Rejections per code: `MissingBody`, `InvalidHeader`, then the codes of RULES.md
    /// section 4 in order, then any other in the order met.
    pub fn by_code(&self) -> Vec<(&str, u64)> {
        sorted(&self.by_code, code_rank)
    }

    /// Warnings per kind (of the warnings reported), in the order of the core's kinds.
    pub fn by_warning(&self) -> Vec<(&str, u64)> {
        sorted(&self.by_warning, kind_rank)
    }

    fn record(&mut self, finding: &Finding<'_>) {
        match finding.severity {
            Severity::Error => {
                self.errors += 1;
                bump(&mut self.by_code, finding.code_or_kind(), 1);
            }
            Severity::Warning => {
                self.warnings += 1;
                bump(&mut self.by_warning, finding.kind, 1);
            }
        }
    }
}

fn sorted(list: &[(String, u64)], rank: fn(&str) -> usize) -> Vec<(&str, u64)> {
    let mut v: Vec<(usize, usize, &str, u64)> = list
        .iter()
        .enumerate()
        .map(|(i, (k, n))| (rank(k), i, k.as_str(), *n))
        .collect();
    v.sort_unstable();
    v.into_iter().map(|(_, _, k, n)| (k, n)).collect()
}

/// How the printer writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// The format.
    pub format: Format,
    /// Only the summary (SARIF: the log without results).
    pub quiet: bool,
    /// ANSI colors in text lines (red rejections, yellow warnings).
    pub color: bool,
    /// What is counted, for the text summary: `document`, `datagram`.
    pub noun: &'static str,
    /// Said after the count in the text summary: `""`, `" received"`.
    pub verb: &'static str,
}

impl Style {
    /// Uncolored `format`, documents, not quiet.
    pub const fn new(format: Format) -> Self {
        Style {
            format,
            quiet: false,
            color: false,
            noun: "document",
            verb: "",
        }
    }
}

const RED: &[u8] = b"\x1b[31m";
const YELLOW: &[u8] = b"\x1b[33m";
const RESET: &[u8] = b"\x1b[0m";

/// A SARIF rule: one per diagnostic kind met.
#[derive(Clone, Debug)]
struct Rule {
    kind: String,
    code: Option<String>,
    description: String,
    severity: Severity,
}

/// Writes findings and the summary. See the [module documentation](self).
#[derive(Clone, Debug)]
pub struct Printer {
    style: Style,
    tally: Tally,
    rules: Vec<Rule>,
    results: u64,
    sarif_open: bool,
}

impl Printer {
    /// A printer with an empty tally.
    pub fn new(style: Style) -> Self {
        Printer {
            style,
            tally: Tally::default(),
            rules: Vec::new(),
            results: 0,
            sarif_open: false,
        }
    }

    /// The style.
    pub const fn style(&self) -> &Style {
        &self.style
    }

    /// The counts so far.
    pub const fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The counts, for the command to record verdicts, bytes and its own counters.
    pub fn tally_mut(&mut self) -> &mut Tally {
        &mut self.tally
    }

    /// Counts `finding` and, unless quiet, appends its report to `out`.
    ///
    /// # Errors
    ///
    /// Errors of serialisation (none in practice: the output is memory).
    pub fn finding(&mut self, finding: &Finding<'_>, out: &mut Vec<u8>) -> io::Result<()> {
        self.tally.record(finding);
        self.write_finding(finding, out)
    }

    /// Like [`finding`](Self::finding), but not counted in the summary: for what the command
    /// counts in its own counters, such as a request `serve` refused as a whole.
    ///
    /// # Errors
    ///
    /// As [`finding`](Self::finding).
    pub fn uncounted(&mut self, finding: &Finding<'_>, out: &mut Vec<u8>) -> io::Result<()> {
        self.write_finding(finding, out)
    }

    fn write_finding(&mut self, finding: &Finding<'_>, out: &mut Vec<u8>) -> io::Result<()> {
        if self.style.quiet {
            return Ok(());
        }
        match self.style.format {
            Format::Text => {
                let color = match finding.severity {
                    Severity::Error => RED,
                    Severity::Warning => YELLOW,
                };
                colored(out, self.style.color.then_some(color), |o| {
                    write_text(o, finding)
                })
            }
            Format::Json => json_line(out, &JsonFinding(finding)),
            Format::Github => write_github(out, finding),
            Format::Sarif => self.write_sarif_result(out, finding),
        }
    }

    /// Counts `more` warnings past the ones the core keeps for a document and, unless quiet,
    /// says so: text `file:line: warning: N more warnings not shown`; JSON
    /// `{"file":..,"line":N,"Id":..,"warnings_not_shown":N,...extra}`; a GitHub `::warning`;
    /// nothing in SARIF, whose results are the findings themselves.
    ///
    /// # Errors
    ///
    /// As [`finding`](Self::finding).
    pub fn more_warnings(
        &mut self,
        at: &Finding<'_>,
        more: usize,
        out: &mut Vec<u8>,
    ) -> io::Result<()> {
        if more == 0 {
            return Ok(());
        }
        self.tally.warnings += more as u64;
        if self.style.quiet {
            return Ok(());
        }
        let sentence = format!("{more} more {} not shown", plural(more as u64, "warning"));
        match self.style.format {
            Format::Text => colored(out, self.style.color.then_some(YELLOW), |o| {
                write_place(o, at)?;
                writeln!(o, " warning: {sentence}")
            }),
            Format::Json => json_line(out, &JsonMore { at, more }),
            Format::Github => {
                out.extend_from_slice(b"::warning ");
                write_github_properties(out, at, "warnings not shown");
                out.extend_from_slice(b"::");
                out.extend_from_slice(escape_github_data(&sentence).as_bytes());
                out.push(b'\n');
                Ok(())
            }
            Format::Sarif => Ok(()),
        }
    }

    /// Appends the end of the report: the summary (text, github: `notes` follow the per-code
    /// lines; JSON: one line), or the rest of the SARIF log with the summary as a property of
    /// the run.
    ///
    /// # Errors
    ///
    /// As [`finding`](Self::finding).
    pub fn finish(&mut self, notes: &[String], out: &mut Vec<u8>) -> io::Result<()> {
        match self.style.format {
            Format::Text | Format::Github => {
                write_summary_text(out, &self.tally, &self.style, notes)
            }
            Format::Json => json_line(out, &JsonSummaryLine(&self.tally)),
            Format::Sarif => self.close_sarif(out),
        }
    }

    fn write_sarif_result(&mut self, out: &mut Vec<u8>, f: &Finding<'_>) -> io::Result<()> {
        self.open_sarif(out);
        let index = match self.rules.iter().position(|r| r.kind == f.kind) {
            Some(i) => i,
            None => {
                self.rules.push(Rule {
                    kind: f.kind.to_owned(),
                    code: f.code.map(str::to_owned),
                    description: describe_kind(f),
                    severity: f.severity,
                });
                self.rules.len() - 1
            }
        };
        if self.results > 0 {
            out.push(b',');
        }
        self.results += 1;
        serde_json::to_writer(&mut *out, &SarifResult { f, index }).map_err(io::Error::from)?;
        out.push(b'\n');
        Ok(())
    }

    fn open_sarif(&mut self, out: &mut Vec<u8>) {
        if !self.sarif_open {
            self.sarif_open = true;
            out.extend_from_slice(
                concat!(
                    r#"{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","#,
                    r#""runs":[{"columnKind":"unicodeCodePoints","results":["#,
                    "\n"
                )
                .as_bytes(),
            );
        }
    }

    fn close_sarif(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        self.open_sarif(out);
        out.extend_from_slice(b"],\"tool\":");
        let tool = SarifTool { rules: &self.rules };
        serde_json::to_writer(&mut *out, &tool).map_err(io::Error::from)?;
        out.extend_from_slice(b",\"properties\":{\"summary\":");
        serde_json::to_writer(&mut *out, &JsonSummary(&self.tally)).map_err(io::Error::from)?;
        out.extend_from_slice(b"}}]}\n");
        Ok(())
    }
}

/// The rule description of a kind: the detail without what the command added to it.
fn describe_kind(f: &Finding<'_>) -> String {
    let known = ErrorKind::ALL
        .iter()
        .find(|k| k.name() == f.kind)
        .map(|k| k.description());
    known.unwrap_or(f.detail).to_owned()
}

/// Appends `value` as one JSON line.
fn json_line(out: &mut Vec<u8>, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    out.push(b'\n');
    Ok(())
}

/// Writes `write`'s one line in `color` (the newline stays outside the color).
fn colored(
    out: &mut Vec<u8>,
    color: Option<&[u8]>,
    write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
) -> io::Result<()> {
    match color {
        None => write(out),
        Some(color) => {
            out.extend_from_slice(color);
            write(out)?;
            if out.last() == Some(&b'\n') {
                out.pop();
            }
            out.extend_from_slice(RESET);
            out.push(b'\n');
            Ok(())
        }
    }
}

fn write_place(w: &mut impl Write, f: &Finding<'_>) -> io::Result<()> {
    match (f.line, f.column) {
        (Some(line), Some(column)) => write!(w, "{}:{line}:{column}:", f.source),
        (Some(line), None) => write!(w, "{}:{line}:", f.source),
        _ => write!(w, "{}:", f.source),
    }
}

/// Whether an `Id` can be printed bare in a text line; otherwise it is printed as a JSON
/// string, so that a line stays one line and the fields stay apart.
fn is_plain(id: &str) -> bool {
    !id.is_empty()
        && id != "-"
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || "_.:/%&#=+-@".contains(c))
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// `file:line:column: Id ErrorCode — detail at /pointer (byte N)` or
/// `file:line:column: warning: detail at /pointer (byte N)`.
fn write_text(w: &mut impl Write, f: &Finding<'_>) -> io::Result<()> {
    write_place(w, f)?;
    match f.severity {
        Severity::Error => {
            match f.id {
                None => write!(w, " -")?,
                Some(id) if is_plain(id) => write!(w, " {id}")?,
                Some(id) => write!(w, " {}", json_string(id))?,
            }
            write!(w, " {} \u{2014} {}", f.code_or_kind(), f.detail)?;
        }
        Severity::Warning => write!(w, " warning: {}", f.detail)?,
    }
    if !f.pointer.is_empty() {
        write!(w, " at {}", f.pointer)?;
    }
    match f.offset {
        Some(offset) => writeln!(w, " (byte {offset})"),
        None => writeln!(w),
    }
}

/// A finding as its JSON object.
struct JsonFinding<'f, 'a>(&'f Finding<'a>);

impl Serialize for JsonFinding<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("file", f.source)?;
        if let Some(line) = f.line {
            m.serialize_entry("line", &line)?;
        }
        if let Some(column) = f.column {
            m.serialize_entry("column", &column)?;
        }
        if let Some(id) = f.id {
            m.serialize_entry("Id", id)?;
        }
        match f.severity {
            Severity::Error => {
                m.serialize_entry("ErrorCode", f.code_or_kind())?;
                if let Some(message) = f.message {
                    m.serialize_entry("Message", message)?;
                }
                m.serialize_entry("kind", f.kind)?;
            }
            Severity::Warning => m.serialize_entry("warning", f.kind)?,
        }
        m.serialize_entry("pointer", f.pointer)?;
        if let Some(offset) = f.offset {
            m.serialize_entry("offset", &offset)?;
        }
        m.serialize_entry("detail", f.detail)?;
        for (k, v) in f.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct JsonMore<'f, 'a> {
    at: &'f Finding<'a>,
    more: usize,
}

impl Serialize for JsonMore<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.at;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("file", f.source)?;
        if let Some(line) = f.line {
            m.serialize_entry("line", &line)?;
        }
        if let Some(id) = f.id {
            m.serialize_entry("Id", id)?;
        }
        m.serialize_entry("warnings_not_shown", &self.more)?;
        for (k, v) in f.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Escapes the message of a workflow command (`%`, CR, LF).
fn escape_github_data(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '\r', '\n']) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A"),
    )
}

/// Escapes a property of a workflow command (also `:` and `,`).
fn escape_github_property(s: &str) -> String {
    escape_github_data(s)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

fn write_github_properties(out: &mut Vec<u8>, f: &Finding<'_>, title: &str) {
    let mut props = vec![format!("file={}", escape_github_property(f.source))];
    if let Some(line) = f.line {
        props.push(format!("line={line}"));
    }
    if let Some(column) = f.column {
        props.push(format!("col={column}"));
    }
    props.push(format!("title={}", escape_github_property(title)));
    out.extend_from_slice(props.join(",").as_bytes());
}

/// The sentence of a finding for SARIF and GitHub: `Id: detail at /pointer (byte N)`.
fn sentence(f: &Finding<'_>) -> String {
    let mut s = String::new();
    if let Some(id) = f.id {
        s.push_str(&json_string(id));
        s.push_str(": ");
    }
    s.push_str(f.detail);
    if !f.pointer.is_empty() {
        s.push_str(" at ");
        s.push_str(f.pointer);
    }
    if let Some(offset) = f.offset {
        s.push_str(&format!(" (byte {offset})"));
    }
    s
}

/// `::error file=F,line=L,col=C,title=ErrorCode::sentence`.
fn write_github(out: &mut Vec<u8>, f: &Finding<'_>) -> io::Result<()> {
    out.extend_from_slice(match f.severity {
        Severity::Error => b"::error ",
        Severity::Warning => b"::warning ",
    });
    write_github_properties(out, f, f.code_or_kind());
    out.extend_from_slice(b"::");
    out.extend_from_slice(escape_github_data(&sentence(f)).as_bytes());
    out.push(b'\n');
    Ok(())
}

/// A path as a URI reference: bytes outside the unreserved set and `/` are percent-encoded.
fn uri_reference(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

struct SarifResult<'f, 'a> {
    f: &'f Finding<'a>,
    index: usize,
}

impl Serialize for SarifResult<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.f;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("ruleId", f.kind)?;
        m.serialize_entry("ruleIndex", &self.index)?;
        m.serialize_entry(
            "level",
            match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
        )?;
        let text = match f.severity {
            Severity::Error => format!("{}: {}", f.code_or_kind(), sentence(f)),
            Severity::Warning => sentence(f),
        };
        m.serialize_entry("message", &Text { text: &text })?;
        m.serialize_entry("locations", &[Location(f)])?;
        m.serialize_entry("properties", &ResultProperties(f))?;
        m.end()
    }
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

struct Location<'f, 'a>(&'f Finding<'a>);

impl Serialize for Location<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut region = serde_json::Map::new();
        if let Some(line) = f.line {
            region.insert("startLine".into(), line.into());
            if let Some(column) = f.column {
                region.insert("startColumn".into(), column.into());
            }
        }
        if let Some(offset) = f.offset {
            region.insert("byteOffset".into(), offset.into());
        }
        let mut physical = serde_json::Map::new();
        physical.insert(
            "artifactLocation".into(),
            serde_json::json!({ "uri": uri_reference(f.source) }),
        );
        if !region.is_empty() {
            physical.insert("region".into(), region.into());
        }
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("physicalLocation", &physical)?;
        m.end()
    }
}

struct ResultProperties<'f, 'a>(&'f Finding<'a>);

impl Serialize for ResultProperties<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut m = s.serialize_map(None)?;
        if let Some(code) = f.code {
            m.serialize_entry("ErrorCode", code)?;
        }
        if let Some(message) = f.message {
            m.serialize_entry("Message", message)?;
        }
        if let Some(id) = f.id {
            m.serialize_entry("Id", id)?;
        }
        m.serialize_entry("pointer", f.pointer)?;
        for (k, v) in f.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct SarifTool<'r> {
    rules: &'r [Rule],
}

impl Serialize for SarifTool<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rules: Vec<serde_json::Value> = self
            .rules
            .iter()
            .map(|r| {
                let mut props = serde_json::Map::new();
                if let Some(code) = &r.code {
                    props.insert("ErrorCode".into(), code.as_str().into());
                }
                serde_json::json!({
                    "id": r.kind,
                    "name": r.kind,
                    "shortDescription": { "text": r.description },
                    "defaultConfiguration": { "level": match r.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    } },
                    "properties": props,
                })
            })
            .collect();
        let driver = serde_json::json!({
            "name": "xseg",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": env!("CARGO_PKG_REPOSITORY"),
            "rules": rules,
        });
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("driver", &driver)?;
        m.end()
    }
}

struct Counts<'a>(Vec<(&'a str, u64)>);

impl Serialize for Counts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct JsonSummary<'t>(&'t Tally);

impl Serialize for JsonSummary<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("documents", &t.documents)?;
        m.serialize_entry("accepted", &t.accepted)?;
        m.serialize_entry("rejected", &t.rejected)?;
        m.serialize_entry("warnings", &t.warnings)?;
        m.serialize_entry("bytes", &t.bytes)?;
        m.serialize_entry("by_code", &Counts(t.by_code()))?;
        m.serialize_entry("by_warning", &Counts(t.by_warning()))?;
        for (k, v) in &t.counters {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct JsonSummaryLine<'t>(&'t Tally);

impl Serialize for JsonSummaryLine<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("summary", &JsonSummary(self.0))?;
        m.end()
    }
}

/// `n word` with `word` in the plural unless `n` is 1.
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// The text summary:
///
/// ```text
/// 5 documents: 2 accepted, 3 rejected, 1 warning
///   ParseError        1
///   MissingName       2
/// ```
fn write_summary_text(
    w: &mut Vec<u8>,
    t: &Tally,
    style: &Style,
    notes: &[String],
) -> io::Result<()> {
    writeln!(
        w,
        "{} {}{}: {} accepted, {} rejected, {} {}",
        t.documents,
        plural(t.documents, style.noun),
        style.verb,
        t.accepted,
        t.rejected,
        t.warnings,
        plural(t.warnings, "warning"),
    )?;
    for (code, n) in t.by_code() {
        writeln!(w, "  {code:<18}{n}")?;
    }
    for note in notes {
        writeln!(w, "{note}")?;
    }
    Ok(())
}

/// Megabytes (10^6 bytes), with six decimals below 1 MB and three above.
pub fn format_mb(bytes: u64) -> String {
    let mb = bytes as f64 / 1e6;
    if mb >= 1.0 || mb == 0.0 {
        format!("{mb:.3}")
    } else {
        format!("{mb:.6}")
    }
}

/// The throughput line: `0.001228 MB in 0.004 s: 0.30 MB/s, 1684 documents/s`.
pub fn throughput(bytes: u64, count: u64, noun: &str, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    let mb = bytes as f64 / 1e6;
    let (mbps, rate) = if secs > 0.0 {
        (mb / secs, count as f64 / secs)
    } else {
        (0.0, 0.0)
    };
    format!(
        "{} MB in {secs:.3} s: {mbps:.2} MB/s, {rate:.0} {noun}s/s",
        format_mb(bytes)
    )
}

/// Standard output failed: say so, unless the reader went away (`xseg check | head`).
pub fn output_failed(e: &io::Error, err: &mut impl Write) -> u8 {
    if e.kind() != io::ErrorKind::BrokenPipe {
        let _ = writeln!(err, "xseg: cannot write the report: {e}");
    }
    crate::exit::TROUBLE
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Finding<'static> = Finding {
        id: Some("70de5b6f19ff9a0a"),
        detail: "`name` contains a character outside the allowed set",
        pointer: "/subsegments/0/name",
        line: Some(3),
        column: Some(17),
        offset: Some(1234),
        ..Finding::error(
            "a.ndjson",
            "InvalidName",
            "Invalid subsegment. ErrorCode: InvalidName, Cause: null",
            "InvalidNameChar",
        )
    };

    const W: Finding<'static> = Finding {
        id: Some("70de5b6f19ff9a0a"),
        detail: "`id` has upper-case hex digits",
        pointer: "/id",
        line: Some(9),
        column: Some(7),
        offset: Some(20),
        ..Finding::warning("f", "UppercaseId")
    };

    fn render(format: Format, quiet: bool, findings: &[Finding<'_>]) -> (String, Tally) {
        let mut p = Printer::new(Style {
            quiet,
            ..Style::new(format)
        });
        let mut out = Vec::new();
        for f in findings {
            p.tally_mut().verdict(f.severity == Severity::Warning);
            p.finding(f, &mut out).unwrap();
        }
        p.more_warnings(&W, 2, &mut out).unwrap();
        p.tally_mut().bytes = 2_000_000;
        p.tally_mut().count("requests", 4);
        p.finish(&["a note".to_owned()], &mut out).unwrap();
        (String::from_utf8(out).unwrap(), p.tally().clone())
    }

    #[test]
    fn text_lines_and_summary() {
        let (text, tally) = render(Format::Text, false, &[R, W]);
        assert_eq!(
            text,
            "a.ndjson:3:17: 70de5b6f19ff9a0a InvalidName \u{2014} `name` contains a character outside the allowed set at /subsegments/0/name (byte 1234)\n\
             f:9:7: warning: `id` has upper-case hex digits at /id (byte 20)\n\
             f:9:7: warning: 2 more warnings not shown\n\
             2 documents: 1 accepted, 1 rejected, 3 warnings\n  \
             InvalidName       1\n\
             a note\n"
        );
        assert_eq!((tally.errors, tally.warnings), (1, 3));
        assert_eq!(tally.code("InvalidName"), 1);
        assert_eq!(tally.warning("UppercaseId"), 1);
        assert_eq!(tally.counter("requests"), 4);
        let (quiet, _) = render(Format::Text, true, &[R, W]);
        assert!(quiet.starts_with("2 documents:"), "{quiet}");
    }

    #[test]
    fn odd_ids_are_quoted_and_places_shrink() {
        let mut out = Vec::new();
        for id in [Some("a b\n"), Some(""), Some("-"), None] {
            let f = Finding {
                id,
                line: None,
                column: None,
                pointer: "",
                offset: None,
                ..R
            };
            write_text(&mut out, &f).unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a.ndjson: \"a b\\n\" InvalidName \u{2014} `name` contains a character outside the allowed set\n\
             a.ndjson: \"\" InvalidName \u{2014} `name` contains a character outside the allowed set\n\
             a.ndjson: \"-\" InvalidName \u{2014} `name` contains a character outside the allowed set\n\
             a.ndjson: - InvalidName \u{2014} `name` contains a character outside the allowed set\n"
        );
    }

    #[test]
    fn json_lines_and_summary() {
        let extra = [
            ("peer", Extra::Str("127.0.0.1:9")),
            ("datagram", Extra::Num(4)),
        ];
        let r = Finding { extra: &extra, ..R };
        let (json, _) = render(Format::Json, false, &[r, W]);
        let lines: Vec<&str> = json.lines().collect();
        assert_eq!(
            lines,
            [
                concat!(
                    r#"{"file":"a.ndjson","line":3,"column":17,"Id":"70de5b6f19ff9a0a","ErrorCode":"InvalidName","#,
                    r#""Message":"Invalid subsegment. ErrorCode: InvalidName, Cause: null","kind":"InvalidNameChar","#,
                    r#""pointer":"/subsegments/0/name","offset":1234,"#,
                    r#""detail":"`name` contains a character outside the allowed set","peer":"127.0.0.1:9","datagram":4}"#
                ),
                concat!(
                    r#"{"file":"f","line":9,"column":7,"Id":"70de5b6f19ff9a0a","warning":"UppercaseId","#,
                    r#""pointer":"/id","offset":20,"detail":"`id` has upper-case hex digits"}"#
                ),
                r#"{"file":"f","line":9,"Id":"70de5b6f19ff9a0a","warnings_not_shown":2}"#,
                concat!(
                    r#"{"summary":{"documents":2,"accepted":1,"rejected":1,"warnings":3,"bytes":2000000,"#,
                    r#""by_code":{"InvalidName":1},"by_warning":{"UppercaseId":1},"requests":4}}"#
                ),
            ]
        );
    }

    #[test]
    fn github_commands() {
        let odd = Finding {
            source: "dir,x/a:b.json",
            detail: "50% done\nnext",
            ..W
        };
        let (gh, _) = render(Format::Github, false, &[R, odd]);
        let lines: Vec<&str> = gh.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=a.ndjson,line=3,col=17,title=InvalidName::\"70de5b6f19ff9a0a\": `name` contains a character outside the allowed set at /subsegments/0/name (byte 1234)"
        );
        assert_eq!(
            lines[1],
            "::warning file=dir%2Cx/a%3Ab.json,line=9,col=7,title=UppercaseId::\"70de5b6f19ff9a0a\": 50%25 done%0Anext at /id (byte 20)"
        );
        assert_eq!(
            lines[2],
            "::warning file=f,line=9,col=7,title=warnings not shown::2 more warnings not shown"
        );
        assert!(lines[3].starts_with("2 documents: 1 accepted"));
    }

    #[test]
    fn sarif_log() {
        let (sarif, _) = render(Format::Sarif, false, &[R, W, R]);
        let log: serde_json::Value = serde_json::from_str(&sarif).unwrap();
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0]["id"], "InvalidNameChar");
        assert_eq!(rules[1]["id"], "UppercaseId");
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[2]["ruleIndex"], 0);
        assert_eq!(results[1]["level"], "warning");
        let region = &results[0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            (
                &region["startLine"],
                &region["startColumn"],
                &region["byteOffset"]
            ),
            (&3.into(), &17.into(), &1234.into())
        );
        assert_eq!(run["properties"]["summary"]["rejected"], 2);
        // an empty run is a complete log too
        let (empty, _) = render(Format::Sarif, true, &[R]);
        let log: serde_json::Value = serde_json::from_str(&empty).unwrap();
        assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
        assert_eq!(uri_reference("<stdin>"), "%3Cstdin%3E");
        assert_eq!(uri_reference("dir/a b.json"), "dir/a%20b.json");
    }

    #[test]
    fn codes_and_kinds_in_summary_order() {
        let mut t = Tally::default();
        for code in ["InvalidName", "Other", "ParseError", "MissingBody"] {
            t.record(&Finding::error("f", code, "", ""));
        }
        for kind in [
            "UppercaseId",
            "InvalidAnnotationKey",
            "DuplicateId",
            "UppercaseId",
        ] {
            t.record(&Finding::warning("f", kind));
        }
        let codes: Vec<&str> = t.by_code().into_iter().map(|(c, _)| c).collect();
        assert_eq!(codes, ["MissingBody", "ParseError", "InvalidName", "Other"]);
        assert_eq!(
            t.by_warning(),
            [
                ("UppercaseId", 2),
                ("InvalidAnnotationKey", 1),
                ("DuplicateId", 1)
            ]
        );
    }

    #[test]
    fn throughput_and_megabytes() {
        assert_eq!(format_mb(612), "0.000612");
        assert_eq!(format_mb(0), "0.000");
        assert_eq!(
            throughput(2_000_000, 10, "document", Duration::from_millis(500)),
            "2.000 MB in 0.500 s: 4.00 MB/s, 20 documents/s"
        );
        assert_eq!(
            throughput(0, 0, "document", Duration::ZERO),
            "0.000 MB in 0.000 s: 0.00 MB/s, 0 documents/s"
        );
        let mut err = Vec::new();
        output_failed(&io::Error::from(io::ErrorKind::BrokenPipe), &mut err);
        assert!(err.is_empty());
        output_failed(&io::Error::other("full"), &mut err);
        assert_eq!(err, b"xseg: cannot write the report: full\n");
    }
}
