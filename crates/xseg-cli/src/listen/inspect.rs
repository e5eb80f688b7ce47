//! The inspection side of `xseg listen`: one datagram in, its verdict counted and its report
//! lines out, through the shared [printer](crate::report).
//!
//! A datagram is split and its body validated by one reused [`Validator`]
//! ([`Validator::validate_datagram`], RULES.md section 7): a datagram whose document is
//! accepted without warnings allocates nothing. The `Id` of an accepted document with warnings is read from its
//! top-level `id` member, without validating the document again.
//!
//! With the trace checks ([`Inspector::with_trace_checks`]), each accepted document's
//! [`TraceFacts`] are read with a second parse of its body, and the checks follow the order
//! in which datagrams arrive.

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;

use xseg::fix::{FixOptions, FixStatus, Fixer};
use xseg::{DatagramOutcome, Options, Validator};
use xseg_batch::{Checked, TraceConfig, TraceFacts};

use crate::report::document::{datagram_message, frame_kind, Place, Report};
use crate::report::{Extra, Finding, Format, Printer, Style, Tally};
use crate::trace::{report_traced, TraceHost};

/// Validates datagrams and writes their report lines; keeps the [`Tally`].
#[derive(Debug)]
pub struct Inspector {
    validator: Validator,
    printer: Printer,
    label: String,
    peer: String,
    /// With `--fix`: the fixer of the datagrams forwarded.
    fixer: Option<Fixer>,
    trace: Option<TraceHost>,
}

impl Inspector {
    /// An inspector with the core's `options`. `label` names the listening socket in JSON lines
    /// (their `file`, the sender being in `peer`), e.g. `udp:127.0.0.1:2000`; text lines are
    /// named after the sender.
    pub fn new(options: Options, style: Style, label: String) -> Inspector {
        Inspector {
            validator: Validator::new(options),
            printer: Printer::new(Style {
                noun: "datagram",
                verb: " received",
                ..style
            }),
            label,
            peer: String::with_capacity(48),
            fixer: None,
            trace: None,
        }
    }

    /// Applies the trace-level checks to the accepted documents, in arrival order.
    pub fn with_trace_checks(mut self, config: TraceConfig) -> Inspector {
        self.trace = Some(TraceHost::new(config));
        self
    }

    /// Closes every open trace (at the end of the run) and appends its orphan warnings to
    /// `out`.
    ///
    /// # Errors
    ///
    /// None in practice: the lines are written to memory.
    pub fn finish_traces(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        match self.trace.as_mut() {
            Some(host) => host.finish(&mut self.printer, out),
            None => Ok(()),
        }
    }

    /// Repairs each datagram's document before it is forwarded (`--fix`): see
    /// [`repair`](Self::repair).
    pub fn with_fix(mut self, options: FixOptions) -> Inspector {
        self.fixer = Some(Fixer::new(options));
        self
    }

    /// With `--fix`, repairs the document of the datagram that [`inspect`](Self::inspect) is
    /// about to check (call it first): writes its header, `\n` and the repaired document into
    /// `fixed`, reports each change to `out` through the printer, and returns whether the
    /// datagram was repaired (then `fixed` is what to forward; otherwise the datagram as
    /// received). A datagram that cannot be split, or whose document needs no repair or cannot
    /// be repaired, is not; its rejection is [`inspect`](Self::inspect)'s to report.
    ///
    /// # Errors
    ///
    /// None in practice: the lines are written to memory.
    pub fn repair(
        &mut self,
        datagram: &[u8],
        peer: SocketAddr,
        fixed: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) -> io::Result<bool> {
        let Some(fixer) = self.fixer.as_mut() else {
            return Ok(false);
        };
        let Ok(frame) = xseg::split_datagram(datagram) else {
            return Ok(false);
        };
        fixed.clear();
        fixed.extend_from_slice(frame.header);
        fixed.push(b'\n');
        let report = fixer.fix(frame.body, fixed);
        if report.status() == FixStatus::Unchanged {
            self.printer
                .tally_mut()
                .count(FixStatus::Unchanged.name(), 1);
            return Ok(false);
        }
        self.peer.clear();
        let _ = write!(self.peer, "{peer}");
        let seq = self.printer.tally().documents + 1;
        let text = self.printer.style().format == Format::Text;
        let extra = [
            ("peer", Extra::Str(&self.peer)),
            ("datagram", Extra::Num(seq)),
        ];
        let at = crate::fix::Located {
            source: if text { &self.peer } else { &self.label },
            place: Place::Binary {
                offset: frame.body_offset as u64,
            },
            document: frame.body,
            extra: if text { &[] } else { &extra },
        };
        crate::fix::report_fix(&mut self.printer, &at, &report, false, out)?;
        Ok(report.status() == FixStatus::Fixed)
    }

    /// The counts so far: `documents` are the datagrams received.
    pub const fn tally(&self) -> &Tally {
        self.printer.tally()
    }

    /// The printer, for the summary.
    pub fn printer_mut(&mut self) -> &mut Printer {
        &mut self.printer
    }

    /// Checks one datagram from `peer`, counts it, and appends its report lines to `out`.
    ///
    /// # Errors
    ///
    /// None in practice: the lines are written to memory.
    pub fn inspect(
        &mut self,
        datagram: &[u8],
        peer: SocketAddr,
        out: &mut Vec<u8>,
    ) -> io::Result<()> {
        self.printer.tally_mut().bytes += datagram.len() as u64;
        let seq = self.printer.tally().documents + 1;
        let gathered = if self.trace.is_some() {
            self.validator.validate_datagram_for_traces(datagram)
        } else {
            self.validator.validate_datagram(datagram)
        };
        let (frame, outcome) = match gathered {
            DatagramOutcome::Document { frame, outcome } => (frame, outcome),
            DatagramOutcome::Frame(error) => {
                self.printer.tally_mut().verdict(false);
                self.set_peer(peer);
                let text = self.printer.style().format == Format::Text;
                let extra = [
                    ("peer", Extra::Str(&self.peer)),
                    ("datagram", Extra::Num(seq)),
                ];
                let finding = Finding {
                    detail: error.kind().description(),
                    offset: Some(error.offset() as u64),
                    extra: if text { &[] } else { &extra },
                    ..Finding::error(
                        if text { &self.peer } else { &self.label },
                        error.code().as_str(),
                        datagram_message(&error),
                        frame_kind(&error),
                    )
                };
                return self.printer.finding(&finding, out);
            }
        };
        let warnings = self.validator.warnings();
        if outcome.is_accepted() && warnings.is_empty() && self.trace.is_none() {
            self.printer.tally_mut().verdict(true);
            return Ok(());
        }
        let checked = Checked::new(&outcome, warnings);
        // gathered in the same pass (`validate_datagram_for_traces`)
        let facts = match self.trace {
            Some(_) if outcome.is_accepted() => self
                .validator
                .trace_keys()
                .map(|k| TraceFacts::from_trace_keys(k, frame.body.len())),
            _ => None,
        };
        let id = checked.outcome().id();
        self.peer.clear();
        let _ = write!(self.peer, "{peer}");
        let text = self.printer.style().format == Format::Text;
        let extra = [
            ("peer", Extra::Str(&self.peer)),
            ("datagram", Extra::Num(seq)),
        ];
        let source = if text { &self.peer } else { &self.label };
        let report = Report {
            source,
            place: Place::Binary {
                offset: frame.body_offset as u64,
            },
            document: datagram,
            base: frame.body_offset,
            len: frame.body.len() as u64,
            error: checked.outcome().error(),
            id: id.as_deref(),
            warnings,
            total_warnings: checked.warnings(),
            note: None,
            extra: if text { &[] } else { &extra },
        };
        let limit = self.validator.options().max_document_bytes();
        report_traced(
            &mut self.printer,
            self.trace.as_mut(),
            &report,
            facts.as_ref(),
            None,
            limit,
            out,
        )
        .map(|_| ())
    }

    fn set_peer(&mut self, peer: SocketAddr) {
        self.peer.clear();
        let _ = write!(self.peer, "{peer}");
    }
}
