//! A deterministic set of SDK-like segment documents, the fallback when no captured corpus is
//! available.
//!
//! The mix follows the shape of real SDK output: two writing styles (Python's `json.dumps`
//! with `", "` / `": "` separators and every non-ASCII character escaped, and Node's
//! `JSON.stringify` with raw UTF-8), web segments with `http` and `aws` blocks, standalone
//! subsegments, subsegment trees up to 4 deep with SQL, remote HTTP and AWS calls, exceptions
//! with stacks, in-progress documents, and a few large metadata blocks. About 60% of the
//! documents are at most 1 KB and most of the bytes are in documents over 8 KB, as in real
//! captures. Every document is valid.

use std::fmt::Write as _;

/// A small xorshift generator: deterministic across platforms.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'x>(&mut self, items: &[&'x str]) -> &'x str {
        let n = items.len().max(1) as u64;
        items.get((self.next() % n) as usize).copied().unwrap_or("")
    }

    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            let _ = write!(s, "{:016x}", self.next());
        }
        s.truncate(n);
        s
    }
}

/// A JSON value to write in one of the SDK styles.
#[derive(Clone, Debug)]
enum J {
    Obj(Vec<(&'static str, J)>),
    Map(Vec<(String, J)>),
    Arr(Vec<J>),
    Str(String),
    Num(String),
    Bool(bool),
    Null,
}

fn s(v: impl Into<String>) -> J {
    J::Str(v.into())
}

fn n(v: impl ToString) -> J {
    J::Num(v.to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `json.dumps`: spaces after separators, non-ASCII escaped.
    Python,
    /// `JSON.stringify`: compact, raw UTF-8.
    Node,
}

fn write_str(out: &mut String, v: &str, style: Style) {
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if style == Style::Python && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_json(out: &mut String, v: &J, style: Style) {
    let (comma, colon) = match style {
        Style::Python => (", ", ": "),
        Style::Node => (",", ":"),
    };
    match v {
        J::Obj(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                write_str(out, k, style);
                out.push_str(colon);
                write_json(out, v, style);
            }
            out.push('}');
        }
        J::Map(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                write_str(out, k, style);
                out.push_str(colon);
                write_json(out, v, style);
            }
            out.push('}');
        }
        J::Arr(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                write_json(out, v, style);
            }
            out.push(']');
        }
        J::Str(v) => write_str(out, v, style),
        J::Num(v) => out.push_str(v),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Null => out.push_str("null"),
    }
}

const SERVICES: &[&str] = &[
    "checkout",
    "orders-api",
    "inventory.svc",
    "payments:v2",
    "café-frontend",
    "Überweisung",
    "注文サービス",
    "search@edge",
    "user profile",
];
const HOSTS: &[&str] = &[
    "api.example.com",
    "orders.internal",
    "inventory.local:8080",
    "payments.example.org",
];
const SQL: &[&str] = &[
    "SELECT * FROM orders WHERE id = $1",
    "UPDATE inventory SET qty = qty - 1 WHERE sku = $1",
    "INSERT INTO events (kind, payload) VALUES ($1, $2)",
];
const AWS_OPS: &[(&str, &str)] = &[
    ("DynamoDB", "GetItem"),
    ("DynamoDB", "PutItem"),
    ("S3", "GetObject"),
    ("SQS", "SendMessage"),
    ("SNS", "Publish"),
];
const WORDS: &[&str] = &[
    "alpha",
    "beta",
    "gamma",
    "delta",
    "naïve",
    "résumé",
    "日本語",
    "emoji 🚀",
    "quote \"x\"",
    "tab\there",
    "path\\to",
];

struct Gen {
    rng: Rng,
    style: Style,
    /// Seconds; Node writes milliseconds, Python microseconds.
    now: f64,
}

impl Gen {
    fn time(&self, t: f64) -> J {
        match self.style {
            Style::Python => J::Num(format!("{t:.6}")),
            Style::Node => J::Num(format!("{t:.3}")),
        }
    }

    fn trace_id(&mut self) -> String {
        format!("1-{:08x}-{}", self.now as u64, self.rng.hex(24))
    }

    fn http(&mut self, remote: bool) -> J {
        let host = self.rng.pick(HOSTS);
        let mut req = vec![
            (
                "method",
                s(self.rng.pick(&["GET", "POST", "PUT", "DELETE"])),
            ),
            (
                "url",
                s(format!(
                    "https://{host}/v1/items/{}",
                    self.rng.range(1, 99999)
                )),
            ),
        ];
        if remote {
            if self.rng.chance(30) {
                req.push(("traced", J::Bool(true)));
            }
        } else {
            req.push((
                "user_agent",
                s("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"),
            ));
            req.push((
                "client_ip",
                s(format!(
                    "10.0.{}.{}",
                    self.rng.range(0, 255),
                    self.rng.range(1, 254)
                )),
            ));
            if self.rng.chance(40) {
                req.push(("x_forwarded_for", J::Bool(true)));
            }
        }
        let status = *[200u64, 200, 200, 201, 204, 404, 500]
            .get(self.rng.range(0, 6) as usize)
            .unwrap_or(&200);
        let mut resp = vec![("status", n(status))];
        if self.rng.chance(60) {
            resp.push(("content_length", n(self.rng.range(0, 40000))));
        }
        J::Obj(vec![("request", J::Obj(req)), ("response", J::Obj(resp))])
    }

    fn stack(&mut self) -> J {
        let frames = self.rng.range(1, 30);
        J::Arr(
            (0..frames)
                .map(|i| {
                    let line = if self.style == Style::Node && self.rng.chance(10) {
                        J::Null
                    } else {
                        n(self.rng.range(1, 900))
                    };
                    J::Obj(vec![
                        (
                            "path",
                            s(format!("/app/src/{}/handler_{i}.py", self.rng.pick(WORDS))),
                        ),
                        ("line", line),
                        ("label", s(format!("handle_{}", self.rng.range(1, 50)))),
                    ])
                })
                .collect(),
        )
    }

    fn cause(&mut self) -> J {
        let exc = J::Obj(vec![
            ("id", s(self.rng.hex(16))),
            (
                "message",
                s(format!(
                    "could not process {}: {}",
                    self.rng.pick(WORDS),
                    self.rng.pick(WORDS)
                )),
            ),
            (
                "type",
                s(self.rng.pick(&["ValueError", "KeyError", "TypeError"])),
            ),
            ("stack", self.stack()),
        ]);
        J::Obj(vec![
            ("working_directory", s("/app")),
            ("exceptions", J::Arr(vec![exc])),
        ])
    }

    fn annotations(&mut self) -> J {
        let k = self.rng.range(0, 4);
        J::Map(
            (0..k)
                .map(|i| {
                    let v = match i % 3 {
                        0 => s(self.rng.pick(WORDS)),
                        1 => n(self.rng.range(0, 1000)),
                        _ => J::Bool(self.rng.chance(50)),
                    };
                    (format!("key_{i}"), v)
                })
                .collect(),
        )
    }

    fn metadata(&mut self, bytes: usize) -> J {
        let mut items = Vec::new();
        let mut size = 0;
        while size < bytes {
            let text: String = (0..self.rng.range(4, 30))
                .map(|_| self.rng.pick(WORDS))
                .collect::<Vec<_>>()
                .join(" ");
            size += text.len() + 60;
            items.push(J::Obj(vec![
                ("sku", s(self.rng.hex(12))),
                ("qty", n(self.rng.range(1, 20))),
                (
                    "price",
                    J::Num(format!(
                        "{}.{:02}",
                        self.rng.range(1, 500),
                        self.rng.range(0, 99)
                    )),
                ),
                ("note", s(text)),
                (
                    "tags",
                    J::Arr(vec![s("a"), s("b"), J::Null, J::Bool(false)]),
                ),
            ]));
        }
        J::Map(vec![(
            "default".to_owned(),
            J::Map(vec![("order".to_owned(), J::Arr(items))]),
        )])
    }

    /// One subsegment tree below a parent, `depth` levels at most.
    fn subsegment(&mut self, start: f64, depth: u32) -> J {
        let begin = start + self.rng.range(0, 5000) as f64 / 1e6;
        let end = begin + self.rng.range(0, 50000) as f64 / 1e6;
        let what = self.rng.range(0, 3);
        let i = self.rng.range(0, AWS_OPS.len() as u64 - 1) as usize;
        let (svc, op) = AWS_OPS.get(i).copied().unwrap_or(("S3", "GetObject"));
        let name = if what == 2 { svc } else { self.rng.pick(HOSTS) };
        let mut m = vec![
            ("id", s(self.rng.hex(16))),
            ("name", s(name)),
            ("start_time", self.time(begin)),
            ("end_time", self.time(end)),
        ];
        match what {
            0 => {
                m.push(("namespace", s("remote")));
                m.push(("http", self.http(true)));
            }
            1 => {
                m.push(("namespace", s("remote")));
                m.push((
                    "sql",
                    J::Obj(vec![
                        ("url", s("postgresql://db.internal:5432/orders")),
                        ("database_type", s("PostgreSQL")),
                        ("sanitized_query", s(self.rng.pick(SQL))),
                    ]),
                ));
            }
            2 => {
                m.push(("namespace", s("aws")));
                m.push((
                    "aws",
                    J::Obj(vec![
                        ("operation", s(op)),
                        ("region", s("eu-west-1")),
                        ("request_id", s(self.rng.hex(32))),
                        ("retries", n(0)),
                    ]),
                ));
            }
            _ => {}
        }
        if self.rng.chance(15) {
            m.push(("fault", J::Bool(true)));
            m.push(("cause", self.cause()));
        }
        if depth > 0 && self.rng.chance(35) {
            let k = self.rng.range(1, 3);
            let kids = (0..k).map(|_| self.subsegment(begin, depth - 1)).collect();
            m.push(("subsegments", J::Arr(kids)));
        }
        J::Obj(m)
    }

    fn segment(&mut self, kind: u64) -> J {
        let start = self.now + self.rng.range(0, 100_000) as f64 / 1e3;
        let end = start + self.rng.range(1, 3_000_000) as f64 / 1e6;
        let name = self.rng.pick(SERVICES);
        let mut m = vec![
            ("id", s(self.rng.hex(16))),
            ("name", s(name)),
            ("trace_id", s(self.trace_id())),
            ("start_time", self.time(start)),
        ];
        let in_progress = self.rng.chance(3);
        if in_progress {
            m.push(("in_progress", J::Bool(true)));
        } else {
            m.push(("end_time", self.time(end)));
        }
        if kind == 1 {
            // a standalone (streamed) subsegment
            m.push(("type", s("subsegment")));
            m.push(("parent_id", s(self.rng.hex(16))));
            m.push(("namespace", s("remote")));
            m.push(("http", self.http(true)));
            return J::Obj(m);
        }
        m.push(("origin", s("AWS::EC2::Instance")));
        m.push(("http", self.http(false)));
        m.push((
            "aws",
            J::Obj(vec![
                (
                    "ec2",
                    J::Obj(vec![
                        ("instance_id", s(format!("i-{}", self.rng.hex(17)))),
                        ("availability_zone", s("eu-west-1a")),
                    ]),
                ),
                (
                    "xray",
                    J::Obj(vec![
                        ("sdk", s("X-Ray for Python")),
                        ("sdk_version", s("2.15.0")),
                    ]),
                ),
            ]),
        ));
        m.push(("service", J::Obj(vec![("runtime", s("CPython"))])));
        m.push(("annotations", self.annotations()));
        if kind >= 2 {
            let k = self.rng.range(1, if kind == 3 { 15 } else { 6 });
            let kids = (0..k).map(|_| self.subsegment(start, 3)).collect();
            m.push(("subsegments", J::Arr(kids)));
            if self.rng.chance(20) {
                m.push(("error", J::Bool(true)));
                m.push(("cause", self.cause()));
            }
        }
        if kind == 3 {
            let bytes = self.rng.range(8_000, 56_000) as usize;
            m.push(("metadata", self.metadata(bytes)));
        }
        J::Obj(m)
    }
}

/// Largest document generated (the largest real SDK documents are about 55 KB).
pub const MAX_BYTES: usize = 56_000;

/// `count` valid SDK-like documents from `seed`, each as one line of JSON.
pub fn documents(count: usize, seed: u64) -> Vec<String> {
    let mut g = Gen {
        rng: Rng(seed | 1),
        style: Style::Python,
        now: 1_764_000_000.0,
    };
    (0..count)
        .map(|i| {
            g.style = if i % 2 == 0 {
                Style::Python
            } else {
                Style::Node
            };
            // kinds: 0 plain segment, 1 standalone subsegment, 2 small tree, 3 big with metadata
            let roll = g.rng.range(0, 99);
            let kind = match roll {
                0..=29 => 0,
                30..=59 => 1,
                60..=92 => 2,
                _ => 3,
            };
            // real documents stay under the service's 64 KB limit: draw again when over
            loop {
                let doc = g.segment(kind);
                let mut out = String::new();
                write_json(&mut out, &doc, g.style);
                if out.len() <= MAX_BYTES {
                    break out;
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_documents_are_valid_and_deterministic() {
        let docs = documents(400, 7);
        assert_eq!(docs, documents(400, 7));
        let mut v = xseg::Validator::default();
        let mut simd = crate::baseline::SimdTape::new();
        for d in &docs {
            let b = d.as_bytes();
            let d = d.get(..300).unwrap_or(d);
            assert!(v.validate(b).is_accepted(), "{:?}\n{d}", v.validate(b));
            assert!(v.warnings().is_empty(), "{:?}\n{d}", v.warnings());
            assert!(crate::baseline::serde_value(b), "{d}");
            assert!(crate::baseline::serde_struct(b), "{d}");
            assert!(simd.validate(b), "{d}");
            assert!(crate::baseline::sonic_struct(b), "{d}");
        }
        let small = docs.iter().filter(|d| d.len() <= 1024).count();
        let large = docs.iter().filter(|d| d.len() > 8192).count();
        assert!(small > 150 && large > 10, "small {small} large {large}");
    }
}
