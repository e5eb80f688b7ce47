//! Repairs in the report: one line per value the fixer changed (`xseg fix`, `listen --fix`,
//! `serve --fix`), in the printer's formats.
//!
//! | [`Format`] | a change |
//! |---|---|
//! | `text` | `file:line:column: Id fixed InvalidNameChar: "a (b)" → "a b" at /name (byte N)` (`... dropped` for a dropped annotation); tokens over 80 characters are shortened with `…` |
//! | `json` | `{"file","line","column","Id","fixed":kind,"repair","pointer","offset","before","after",...extra}`: `before` and `after` hold the JSON tokens exactly as written in the documents (`after` is `null` for a dropped annotation) |
//! | `github` | `::notice file=F,line=L,col=C,title=fixed kind::...` |
//! | `sarif` | nothing: a SARIF log holds findings, and a repair is not one |
//!
//! Each change is counted in the tally's `changes` counter.

use std::io::{self, Write};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{
    colored, escape_github_data, is_plain, json_line, json_string, write_github_properties,
    write_place, Extra, Finding, Format, Printer,
};

/// Longest token shown whole in a text line, in characters.
const SHOWN_CHARS: usize = 80;

/// ANSI green, for repairs.
const GREEN: &[u8] = b"\x1b[32m";

/// One value the fixer changed. Positions are in the source, as for a [`Finding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change<'a> {
    /// Where the document came from: a file name, `<stdin>`, an address.
    pub source: &'a str,
    /// 1-based line in the source, when it has lines.
    pub line: Option<u64>,
    /// 1-based column in that line, in bytes.
    pub column: Option<u64>,
    /// Byte offset of the changed token in the source.
    pub offset: Option<u64>,
    /// The document's `Id`, when it has one.
    pub id: Option<&'a str>,
    /// JSON pointer of the value in the input document.
    pub pointer: &'a str,
    /// The repair family: `name`, `annotation-key`, ...
    pub repair: &'a str,
    /// The finding the change answers: `InvalidNameChar`, `UppercaseId`, ...
    pub kind: &'a str,
    /// The token as the input writes it (JSON text).
    pub before: &'a str,
    /// The token written instead; `None` when the annotation was dropped.
    pub after: Option<&'a str>,
    /// Command-specific fields for the JSON form.
    pub extra: &'a [(&'a str, Extra<'a>)],
}

/// `token` whole, or its first characters and `…` when it is longer than [`SHOWN_CHARS`].
fn shown(token: &str) -> std::borrow::Cow<'_, str> {
    match token.char_indices().nth(SHOWN_CHARS) {
        None => token.into(),
        Some((cut, _)) => format!("{}…", token.get(..cut).unwrap_or(token)).into(),
    }
}

impl Change<'_> {
    /// `Id fixed kind: before → after` without the place (text and GitHub).
    fn sentence(&self) -> String {
        let mut s = String::new();
        match self.after {
            Some(after) => {
                s.push_str(&format!(
                    "fixed {}: {} \u{2192} {}",
                    self.kind,
                    shown(self.before),
                    shown(after)
                ));
            }
            None => s.push_str(&format!(
                "fixed {}: {} dropped",
                self.kind,
                shown(self.before)
            )),
        }
        if !self.pointer.is_empty() {
            s.push_str(" at ");
            s.push_str(self.pointer);
        }
        s
    }

    /// The place as a [`Finding`] carries it, for the shared place writers.
    fn place(&self) -> Finding<'_> {
        Finding {
            line: self.line,
            column: self.column,
            offset: self.offset,
            id: self.id,
            ..Finding::warning(self.source, self.kind)
        }
    }
}

impl Printer {
    /// Counts a change (the `changes` counter) and, unless quiet, appends its report to `out`
    /// (see the [module documentation](self)).
    ///
    /// # Errors
    ///
    /// Errors of serialisation (none in practice: the output is memory).
    pub fn change(&mut self, change: &Change<'_>, out: &mut Vec<u8>) -> io::Result<()> {
        self.tally.count("changes", 1);
        if self.style.quiet {
            return Ok(());
        }
        match self.style.format {
            Format::Text => colored(out, self.style.color.then_some(GREEN), |o| {
                write_place(o, &change.place())?;
                match change.id {
                    None => write!(o, " -")?,
                    Some(id) if is_plain(id) => write!(o, " {id}")?,
                    Some(id) => write!(o, " {}", json_string(id))?,
                }
                write!(o, " {}", change.sentence())?;
                match change.offset {
                    Some(offset) => writeln!(o, " (byte {offset})"),
                    None => writeln!(o),
                }
            }),
            Format::Json => json_line(out, &JsonChange(change)),
            Format::Github => {
                out.extend_from_slice(b"::notice ");
                let title = format!("fixed {}", change.kind);
                write_github_properties(out, &change.place(), &title);
                out.extend_from_slice(b"::");
                let mut sentence = change.sentence();
                if let Some(offset) = change.offset {
                    sentence.push_str(&format!(" (byte {offset})"));
                }
                out.extend_from_slice(escape_github_data(&sentence).as_bytes());
                out.push(b'\n');
                Ok(())
            }
            Format::Sarif => Ok(()),
        }
    }
}

struct JsonChange<'c, 'a>(&'c Change<'a>);

impl Serialize for JsonChange<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("file", c.source)?;
        if let Some(line) = c.line {
            m.serialize_entry("line", &line)?;
        }
        if let Some(column) = c.column {
            m.serialize_entry("column", &column)?;
        }
        if let Some(id) = c.id {
            m.serialize_entry("Id", id)?;
        }
        m.serialize_entry("fixed", c.kind)?;
        m.serialize_entry("repair", c.repair)?;
        m.serialize_entry("pointer", c.pointer)?;
        if let Some(offset) = c.offset {
            m.serialize_entry("offset", &offset)?;
        }
        m.serialize_entry("before", c.before)?;
        m.serialize_entry("after", &c.after)?;
        for (k, v) in c.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Style;

    const C: Change<'static> = Change {
        source: "a.ndjson",
        line: Some(2),
        column: Some(9),
        offset: Some(120),
        id: Some("70de5b6f19ff9a0a"),
        pointer: "/name",
        repair: "name",
        kind: "InvalidNameChar",
        before: "\"checkout (eu)\"",
        after: Some("\"checkout eu\""),
        extra: &[],
    };

    fn render(format: Format, change: &Change<'_>) -> (String, u64) {
        let mut p = Printer::new(Style::new(format));
        let mut out = Vec::new();
        p.change(change, &mut out).expect("memory");
        (
            String::from_utf8(out).expect("utf-8"),
            p.tally().counter("changes"),
        )
    }

    #[test]
    fn text_json_and_github() {
        let (text, n) = render(Format::Text, &C);
        assert_eq!(
            text,
            "a.ndjson:2:9: 70de5b6f19ff9a0a fixed InvalidNameChar: \"checkout (eu)\" \u{2192} \"checkout eu\" at /name (byte 120)\n"
        );
        assert_eq!(n, 1);
        let (json, _) = render(Format::Json, &C);
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["fixed"], "InvalidNameChar");
        assert_eq!(v["repair"], "name");
        assert_eq!(v["before"], "\"checkout (eu)\"");
        assert_eq!(v["after"], "\"checkout eu\"");
        assert_eq!(
            (v["line"].as_u64(), v["offset"].as_u64()),
            (Some(2), Some(120))
        );
        let (gh, _) = render(Format::Github, &C);
        assert!(
            gh.starts_with("::notice file=a.ndjson,line=2,col=9,title=fixed InvalidNameChar::"),
            "{gh}"
        );
        let (sarif, n) = render(Format::Sarif, &C);
        assert_eq!((sarif.as_str(), n), ("", 1));
    }

    #[test]
    fn dropped_and_long_tokens() {
        let long = format!("\"{}\"", "x".repeat(2000));
        let dropped = Change {
            before: &long,
            after: None,
            id: None,
            line: None,
            column: None,
            ..C
        };
        let (text, _) = render(Format::Text, &dropped);
        assert_eq!(
            text,
            format!(
                "a.ndjson: - fixed InvalidNameChar: \"{}\u{2026} dropped at /name (byte 120)\n",
                "x".repeat(79)
            )
        );
        let (json, _) = render(Format::Json, &dropped);
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["before"].as_str().map(str::len), Some(2002));
        assert!(v["after"].is_null());
    }
}
