//! Report lines: one rejection or warning as text or JSON, and the closing summary.
//!
//! Nothing here knows where a document came from: a [`Rejected`] names its source with a
//! label (a file name, `<stdin>`, a peer address) and an optional line, so any command that
//! validates documents can print the same lines.

use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;
use xseg::ErrorCode;
use xseg_batch::Counters;

/// Label used for standard input.
pub const STDIN_LABEL: &str = "<stdin>";

/// One rejected document, ready to print.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejected<'a> {
    /// Where the document came from: a file name, [`STDIN_LABEL`], an address.
    pub file: &'a str,
    /// The 1-based line of the document in its source, when it has lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The answer's `Id`, when present.
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    /// The answer's `ErrorCode`.
    #[serde(rename = "ErrorCode")]
    pub code: &'a str,
    /// The answer's `Message`.
    #[serde(rename = "Message")]
    pub message: &'a str,
    /// JSON pointer of the offending value within the document (`""`: the document).
    pub pointer: &'a str,
    /// Byte offset of the problem in the source.
    pub offset: u64,
    /// What is wrong, as a lower-case sentence.
    pub detail: &'a str,
}

/// One warning on a document, ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warned<'a> {
    /// Where the document came from.
    pub file: &'a str,
    /// The 1-based line of the document, when it has lines.
    pub line: Option<u64>,
    /// What was found, as a lower-case sentence.
    pub detail: &'a str,
    /// JSON pointer of the value the warning concerns.
    pub pointer: &'a str,
    /// Byte offset of that value in the source.
    pub offset: u64,
}

fn write_place(w: &mut impl Write, file: &str, line: Option<u64>) -> io::Result<()> {
    match line {
        Some(line) => write!(w, "{file}:{line}:"),
        None => write!(w, "{file}:"),
    }
}

fn write_at(w: &mut impl Write, pointer: &str, offset: u64) -> io::Result<()> {
    if pointer.is_empty() {
        writeln!(w, " (byte {offset})")
    } else {
        writeln!(w, " at {pointer} (byte {offset})")
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

impl Rejected<'_> {
    /// `file:line: Id ErrorCode — detail at /pointer (byte N)`; `Id` is `-` when absent and
    /// quoted as a JSON string when it holds anything but letters, digits and `_.:/%&#=+-@`;
    /// ` at /pointer` is left out for the document itself.
    ///
    /// # Errors
    ///
    /// Errors of the writer.
    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        write_place(w, self.file, self.line)?;
        match self.id {
            None => write!(w, " -")?,
            Some(id) if is_plain(id) => write!(w, " {id}")?,
            Some(id) => write!(w, " {}", json_string(id))?,
        }
        write!(w, " {} \u{2014} {}", self.code, self.detail)?;
        write_at(w, self.pointer, self.offset)
    }

    /// One JSON object on one line:
    /// `{"file":..,"line":N,"Id":..,"ErrorCode":..,"Message":..,"pointer":..,"offset":N,"detail":..}`.
    ///
    /// # Errors
    ///
    /// Errors of the writer.
    pub fn write_json(&self, w: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer(&mut *w, self).map_err(io::Error::from)?;
        writeln!(w)
    }
}

impl Warned<'_> {
    /// `file:line: warning: detail at /pointer (byte N)`.
    ///
    /// # Errors
    ///
    /// Errors of the writer.
    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        write_place(w, self.file, self.line)?;
        write!(w, " warning: {}", self.detail)?;
        write_at(w, self.pointer, self.offset)
    }
}

/// `file:line: warning: N more warnings not shown`, for the warnings past the ones the core
/// keeps per document.
///
/// # Errors
///
/// Errors of the writer.
pub fn write_more_warnings(
    w: &mut impl Write,
    file: &str,
    line: Option<u64>,
    more: usize,
) -> io::Result<()> {
    write_place(w, file, line)?;
    writeln!(
        w,
        " warning: {more} more {} not shown",
        plural(more as u64, "warning")
    )
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// The totals of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// The documents' verdicts.
    pub counters: Counters,
    /// Bytes read from the inputs (header and blank lines included).
    pub bytes: u64,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

#[derive(Serialize)]
struct JsonSummary {
    documents: u64,
    accepted: u64,
    rejected: u64,
    warnings: u64,
    bytes: u64,
}

#[derive(Serialize)]
struct JsonSummaryLine {
    summary: JsonSummary,
}

impl Summary {
    /// The human summary: totals, then one line per `ErrorCode` that occurred (in the order
    /// of RULES.md section 4), then throughput, which is the last line:
    ///
    /// ```text
    /// 5 documents: 2 accepted, 3 rejected, 1 warning
    ///   ParseError        1
    ///   MissingName       2
    /// 0.000612 MB in 0.002 s: 0.31 MB/s, 2500 docs/s
    /// ```
    ///
    /// # Errors
    ///
    /// Errors of the writer.
    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        let c = &self.counters;
        writeln!(
            w,
            "{} {}: {} accepted, {} rejected, {} {}",
            c.documents,
            plural(c.documents, "document"),
            c.accepted,
            c.rejected,
            c.warnings,
            plural(c.warnings, "warning"),
        )?;
        for code in ErrorCode::ALL {
            let n = c.code(code);
            if n > 0 {
                writeln!(w, "  {:<18}{n}", code.as_str())?;
            }
        }
        let secs = self.elapsed.as_secs_f64();
        let mb = self.bytes as f64 / 1e6;
        let (mbps, docps) = if secs > 0.0 {
            (mb / secs, c.documents as f64 / secs)
        } else {
            (0.0, 0.0)
        };
        writeln!(
            w,
            "{} MB in {secs:.3} s: {mbps:.2} MB/s, {docps:.0} docs/s",
            format_mb(mb)
        )
    }

    /// `{"summary":{"documents":N,"accepted":N,"rejected":N,"warnings":N,"bytes":N}}`.
    ///
    /// # Errors
    ///
    /// Errors of the writer.
    pub fn write_json(&self, w: &mut impl Write) -> io::Result<()> {
        let c = &self.counters;
        let line = JsonSummaryLine {
            summary: JsonSummary {
                documents: c.documents,
                accepted: c.accepted,
                rejected: c.rejected,
                warnings: c.warnings,
                bytes: self.bytes,
            },
        };
        serde_json::to_writer(&mut *w, &line).map_err(io::Error::from)?;
        writeln!(w)
    }
}

/// Megabytes with three significant digits after the point for small sizes.
fn format_mb(mb: f64) -> String {
    if mb >= 1.0 || mb == 0.0 {
        format!("{mb:.3}")
    } else {
        format!("{mb:.6}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: &Rejected<'_>) -> String {
        let mut out = Vec::new();
        r.write_text(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn json(r: &Rejected<'_>) -> String {
        let mut out = Vec::new();
        r.write_json(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    const R: Rejected<'static> = Rejected {
        file: "a.ndjson",
        line: Some(3),
        id: Some("70de5b6f19ff9a0a"),
        code: "InvalidName",
        message: "Invalid subsegment. ErrorCode: InvalidName, Cause: null",
        pointer: "/subsegments/0/name",
        offset: 1234,
        detail: "`name` contains a character outside the allowed set",
    };

    #[test]
    fn rejection_as_text() {
        assert_eq!(
            text(&R),
            "a.ndjson:3: 70de5b6f19ff9a0a InvalidName \u{2014} `name` contains a character outside the allowed set at /subsegments/0/name (byte 1234)\n"
        );
        let r = Rejected {
            id: None,
            pointer: "",
            line: None,
            ..R
        };
        assert_eq!(
            text(&r),
            "a.ndjson: - InvalidName \u{2014} `name` contains a character outside the allowed set (byte 1234)\n"
        );
        let r = Rejected {
            id: Some("a b\n"),
            ..R
        };
        assert!(text(&r).starts_with("a.ndjson:3: \"a b\\n\" InvalidName"));
        assert!(text(&Rejected { id: Some(""), ..R }).starts_with("a.ndjson:3: \"\" InvalidName"));
        assert!(text(&Rejected { id: Some("-"), ..R }).starts_with("a.ndjson:3: \"-\" InvalidName"));
    }

    #[test]
    fn rejection_as_json() {
        assert_eq!(
            json(&R),
            concat!(
                r#"{"file":"a.ndjson","line":3,"Id":"70de5b6f19ff9a0a","ErrorCode":"InvalidName","#,
                r#""Message":"Invalid subsegment. ErrorCode: InvalidName, Cause: null","#,
                r#""pointer":"/subsegments/0/name","offset":1234,"#,
                r#""detail":"`name` contains a character outside the allowed set"}"#,
                "\n"
            )
        );
        let r = Rejected {
            id: None,
            line: None,
            file: "\"q\"",
            ..R
        };
        let j = json(&r);
        assert!(
            j.starts_with(r#"{"file":"\"q\"","ErrorCode":"InvalidName","#),
            "{j}"
        );
    }

    #[test]
    fn warning_lines() {
        let w = Warned {
            file: "f",
            line: Some(9),
            detail: "`id` has upper-case hex digits",
            pointer: "/id",
            offset: 20,
        };
        let mut out = Vec::new();
        w.write_text(&mut out).unwrap();
        write_more_warnings(&mut out, "f", Some(9), 1).unwrap();
        write_more_warnings(&mut out, "f", Some(9), 2).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "f:9: warning: `id` has upper-case hex digits at /id (byte 20)\n\
             f:9: warning: 1 more warning not shown\n\
             f:9: warning: 2 more warnings not shown\n"
        );
    }

    #[test]
    fn summaries() {
        let mut counters = Counters::default();
        counters.documents = 5;
        counters.accepted = 2;
        counters.rejected = 3;
        counters.warnings = 1;
        counters.by_code[ErrorCode::MissingName.index()] = 2;
        counters.by_code[ErrorCode::ParseError.index()] = 1;
        let s = Summary {
            counters,
            bytes: 2_000_000,
            elapsed: Duration::from_millis(500),
        };
        let mut out = Vec::new();
        s.write_text(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "5 documents: 2 accepted, 3 rejected, 1 warning\n  \
             ParseError        1\n  \
             MissingName       2\n\
             2.000 MB in 0.500 s: 4.00 MB/s, 10 docs/s\n"
        );
        let mut out = Vec::new();
        s.write_json(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"summary\":{\"documents\":5,\"accepted\":2,\"rejected\":3,\"warnings\":1,\"bytes\":2000000}}\n"
        );
        let mut out = Vec::new();
        Summary::default().write_text(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 documents: 0 accepted, 0 rejected, 0 warnings\n0.000 MB in 0.000 s: 0.00 MB/s, 0 docs/s\n"
        );
        assert_eq!(format_mb(0.000612), "0.000612");
    }
}
