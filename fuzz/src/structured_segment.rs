//! `structured_segment`: segments built from the input with `arbitrary` — names from the
//! allowed table, ids, trace ids, times in several notations, nested subsegments,
//! annotations, metadata, `http`, `cause`, nulls for optional fields, escapes and white
//! space — must be accepted without warnings by the engine and the model under both
//! profiles; one fault of the catalogue (`xseg_reference::fault`) injected into one of their
//! entities, and one whole-text fault, must give exactly the answer the fault implies.

use arbitrary::{Arbitrary, Unstructured};
use xseg_reference::fault::{self, arr, n, obj, s};
use xseg_reference::json::Json;
use xseg_reference::write::{self, Style};
use xseg_reference::{names, Options, Profile};

use crate::answer::{assert_case, engine, literal, model, Answer};

/// How a time is written.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum TimeForm {
    /// `1744830464`
    Integer,
    /// `1744830464.125`
    Decimal,
    /// `1744830464125e-3`
    Exponent,
}

/// An annotation value.
#[derive(Arbitrary, Debug)]
pub enum Annotation {
    /// A string (cut to 1,000 code points).
    Text(String),
    /// An integer.
    Int(i64),
    /// A finite number (non-finite ones become 0.5).
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// An `http` block.
#[derive(Arbitrary, Debug)]
pub struct Http {
    method: u8,
    url: String,
    status: u16,
    content_length: Option<u32>,
    traced: Option<bool>,
}

/// A `cause` block.
#[derive(Arbitrary, Debug)]
pub struct Cause {
    as_id: bool,
    exceptions: Vec<(u64, String, Option<u16>)>,
}

/// One entity and its children.
#[derive(Arbitrary, Debug)]
pub struct Entity {
    name: Vec<u16>,
    id: u64,
    start: (u32, u16, TimeForm),
    end: Option<u32>,
    trace: Option<(u32, u128)>,
    user: Option<String>,
    flags: Option<(bool, bool, bool)>,
    namespace: Option<u8>,
    http: Option<Http>,
    annotations: Vec<(u8, Annotation)>,
    metadata: Vec<(u8, String)>,
    cause: Option<Cause>,
    nulls: bool,
    children: Vec<Entity>,
}

/// The whole input.
#[derive(Arbitrary, Debug)]
pub struct Input {
    standalone: bool,
    top: Entity,
    style: (u64, bool, bool),
    fault: u16,
    target: u8,
    doc_fault: u8,
    pick: u64,
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn name(codes: &[u16]) -> String {
    let ranges = names::ranges();
    let mut out: String = codes
        .iter()
        .take(200)
        .filter_map(|&c| {
            let (lo, hi) = *ranges.get(usize::from(c) % ranges.len().max(1))?;
            char::from_u32(lo + u32::from(c) % (hi - lo + 1))
        })
        .collect();
    if out.chars().all(char::is_whitespace) {
        out.pop();
        out.push('a');
    }
    out
}

fn time(secs: u32, millis: u16, form: TimeForm) -> String {
    let secs = u64::from(secs.max(1));
    let millis = millis % 1000;
    match form {
        TimeForm::Integer => secs.to_string(),
        TimeForm::Decimal => format!("{secs}.{millis:03}"),
        TimeForm::Exponent => format!("{}e-3", secs * 1000 + u64::from(millis)),
    }
}

struct Budget {
    annotations: usize,
}

const MAX_CHILD_DEPTH: usize = 6;

impl Entity {
    fn build(&self, top: bool, standalone: bool, depth: usize, budget: &mut Budget) -> Json {
        let mut m: Vec<(&str, Json)> = vec![
            ("name", s(&name(&self.name))),
            ("id", s(&format!("{:016x}", self.id.max(1)))),
        ];
        let (secs, millis, form) = self.start;
        m.push(("start_time", n(&time(secs, millis, form))));
        match self.end {
            Some(d) => m.push((
                "end_time",
                n(&time(secs.max(1).saturating_add(d), millis, form)),
            )),
            None => m.push(("in_progress", Json::Bool(true))),
        }
        let trace = self.trace.unwrap_or((0x6800_0000, 1));
        if top || self.trace.is_some() {
            let random = (trace.1 & ((1 << 96) - 1)).max(1);
            m.push(("trace_id", s(&format!("1-{:08x}-{random:024x}", trace.0))));
        }
        if top && standalone {
            m.push(("type", s("subsegment")));
            m.push(("parent_id", s("70de5b6f19ff9a0a")));
        }
        if let Some(u) = &self.user {
            m.push(("user", s(&cut(u, 250))));
        }
        if let Some((e, f, t)) = self.flags {
            m.extend([
                ("error", Json::Bool(e)),
                ("fault", Json::Bool(f)),
                ("throttle", Json::Bool(t)),
            ]);
        }
        if let Some(ns) = self.namespace {
            m.push((
                "namespace",
                s(match ns % 3 {
                    0 => "aws",
                    1 => "remote",
                    _ => "local",
                }),
            ));
        }
        if let Some(h) = &self.http {
            let methods = ["GET", "POST", "PUT", "DELETE", "PATCH"];
            let method = methods
                .get(usize::from(h.method) % methods.len())
                .copied()
                .unwrap_or("GET");
            let mut req = vec![("method", s(method)), ("url", s(&cut(&h.url, 250)))];
            if let Some(t) = h.traced {
                req.push(("traced", Json::Bool(t)));
            }
            let mut resp = vec![("status", n(&h.status.to_string()))];
            if let Some(c) = h.content_length {
                resp.push(("content_length", n(&c.to_string())));
            }
            m.push((
                "http",
                obj(vec![("request", obj(req)), ("response", obj(resp))]),
            ));
        }
        let mut annotations = Vec::new();
        let mut keys = std::collections::BTreeSet::new();
        for (k, v) in &self.annotations {
            if budget.annotations == 0 || !keys.insert(*k) {
                continue;
            }
            budget.annotations -= 1;
            let value = match v {
                Annotation::Text(t) => s(&cut(t, 1000)),
                Annotation::Int(i) => n(&i.to_string()),
                Annotation::Float(f) if f.is_finite() => n(&format!("{f:?}")),
                Annotation::Float(_) => n("0.5"),
                Annotation::Bool(b) => Json::Bool(*b),
            };
            annotations.push((format!("k_{k}"), value));
        }
        if !annotations.is_empty() {
            m.push(("annotations", Json::Object(annotations)));
        }
        if !self.metadata.is_empty() {
            let mut ns = std::collections::BTreeMap::new();
            for (k, v) in &self.metadata {
                ns.entry(format!("ns{k}")).or_insert_with(|| v.clone());
            }
            let members = ns
                .into_iter()
                .map(|(k, v)| (k, obj(vec![("v", s(&v)), ("n", Json::Null)])))
                .collect();
            m.push(("metadata", Json::Object(members)));
        }
        if let Some(c) = &self.cause {
            if c.as_id {
                m.push(("cause", s(&format!("{:016X}", self.id))));
            } else {
                let exceptions = c
                    .exceptions
                    .iter()
                    .take(4)
                    .map(|(id, msg, line)| {
                        let frame = obj(vec![
                            ("path", s("app.py")),
                            ("line", line.map_or(Json::Null, |l| n(&l.to_string()))),
                        ]);
                        obj(vec![
                            ("id", s(&format!("{id:016x}"))),
                            ("message", s(&cut(msg, 100))),
                            ("stack", arr(vec![frame])),
                        ])
                    })
                    .collect();
                m.push(("cause", obj(vec![("exceptions", Json::Array(exceptions))])));
            }
        }
        if self.nulls {
            m.extend([
                ("origin", Json::Null),
                ("aws", Json::Null),
                ("sql", Json::Null),
            ]);
        }
        if depth < MAX_CHILD_DEPTH && !self.children.is_empty() {
            let children = self
                .children
                .iter()
                .take(4)
                .map(|c| c.build(false, false, depth + 1, budget))
                .collect();
            m.push(("subsegments", Json::Array(children)));
        }
        // a deterministic shuffle of the members, driven by the id
        let mut members: Vec<(String, Json)> =
            m.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let len = members.len();
        for i in (1..len).rev() {
            let j = (self.id.rotate_left(i as u32) as usize) % (i + 1);
            members.swap(i, j);
        }
        Json::Object(members)
    }
}

/// The clean document of an input.
pub fn build(input: &Input) -> Json {
    let mut budget = Budget { annotations: 40 };
    input.top.build(true, input.standalone, 0, &mut budget)
}

/// The property.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(input) = Input::arbitrary(&mut u) else {
        return;
    };
    let base = build(&input);
    let (seed, escapes, whitespace) = input.style;
    let style = Style {
        seed,
        escapes,
        whitespace,
    };
    let doc = write::to_vec(&base, style);
    for profile in [Profile::Service, Profile::Strict] {
        let opts = Options::new(profile);
        for (who, got) in [
            ("engine", engine(&doc, &opts)),
            ("model", model(&doc, &opts)),
        ] {
            assert!(
                matches!(&got, Answer::Accepted { count: 0, .. }),
                "{who} ({profile:?}) on a valid build: {got:?}\n doc {}",
                literal(&doc)
            );
        }
    }
    let faults = fault::entity_faults();
    let ents = fault::entities(&base);
    if let (Some(f), Some(target)) = (
        faults.get(usize::from(input.fault) % faults.len()),
        ents.get(usize::from(input.target) % ents.len().max(1)),
    ) {
        if let Some(case) = fault::apply(&base, target, f, style) {
            assert_case(&case);
        }
    }
    let doc_faults = fault::doc_faults();
    if let Some(&df) = doc_faults.get(usize::from(input.doc_fault) % doc_faults.len()) {
        if let Some(case) = fault::apply_doc_fault(&base, df, input.pick, style) {
            assert_case(&case);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{seeds, Rng};

    #[test]
    fn smoke() {
        for s in seeds("structured_segment") {
            run(&s);
        }
        let mut rng = Rng(5);
        for i in 0..300 {
            let len = 16 + (i * 7) % 600;
            run(&rng.bytes(len));
        }
    }
}
