//! Turning criterion's saved estimates into the results table of `docs/BENCHMARKING.md`.
//!
//! criterion writes `<dir>/<group>/<function>/new/benchmark.json` (ids and throughput) and
//! `.../new/estimates.json` (statistics, in nanoseconds per iteration) for every benchmark. One
//! iteration of these benchmarks validates every document of a bucket once, so the median time
//! gives MB/s (10^6 bytes) and documents per second.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::corpus::{Bucket, BucketStats};

/// The method the ratios are taken against: the naive validator (b).
pub const NAIVE: &str = "b/serde_struct";

/// The xseg method compared with [`NAIVE`].
pub const XSEG: &str = "xseg/validate";

/// The order of the rows in the tables; other methods follow in the order found.
pub const ORDER: &[&str] = &[
    XSEG,
    "xseg/parse_view",
    "a/serde_value",
    NAIVE,
    "c/simd_tape",
    "d/sonic_struct",
    "xseg-batch/threads=1",
    "xseg-batch/threads=2",
];

/// One benchmark's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// criterion group id.
    pub group: String,
    /// criterion function id.
    pub function: String,
    /// Median time of one iteration, nanoseconds.
    pub median_ns: f64,
    /// Lower and upper bound of the median's confidence interval, nanoseconds.
    pub median_ci_ns: (f64, f64),
    /// Bytes processed per iteration, when the benchmark declared `Throughput::Bytes`.
    pub bytes: Option<u64>,
}

impl Measurement {
    /// The bucket of this benchmark's group (`docs_*`, or `batch_docs_*`).
    pub fn bucket(&self) -> Option<Bucket> {
        Bucket::from_group(self.group.trim_start_matches("batch_"))
    }

    /// Megabytes (10^6 bytes) per second at the median.
    pub fn mb_per_s(&self) -> Option<f64> {
        let b = self.bytes? as f64;
        (self.median_ns > 0.0).then(|| b / self.median_ns * 1e3)
    }

    /// Iterations per second at the median, times `docs`.
    pub fn docs_per_s(&self, docs: usize) -> Option<f64> {
        (self.median_ns > 0.0).then(|| docs as f64 / self.median_ns * 1e9)
    }
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}

fn measurement(dir: &Path) -> Option<Measurement> {
    let bench = read_json(&dir.join("benchmark.json"))?;
    let est = read_json(&dir.join("estimates.json"))?;
    let median = est.get("median")?;
    let ci = median.get("confidence_interval")?;
    Some(Measurement {
        group: bench.get("group_id")?.as_str()?.to_owned(),
        function: bench.get("function_id")?.as_str()?.to_owned(),
        median_ns: median.get("point_estimate")?.as_f64()?,
        median_ci_ns: (
            ci.get("lower_bound")?.as_f64()?,
            ci.get("upper_bound")?.as_f64()?,
        ),
        bytes: bench
            .get("throughput")
            .and_then(|t| t.get("Bytes"))
            .and_then(serde_json::Value::as_u64),
    })
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<Measurement>) {
    let new = dir.join("new");
    if new.is_dir() {
        if let Some(m) = measurement(&new) {
            out.push(m);
        }
        return;
    }
    if depth == 0 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "report"))
        .collect();
    dirs.sort();
    for d in dirs {
        walk(&d, depth - 1, out);
    }
}

/// Every benchmark result saved under criterion's output directory `dir`.
pub fn read_criterion(dir: &Path) -> Vec<Measurement> {
    let mut out = Vec::new();
    walk(dir, 4, &mut out);
    out
}

fn fmt_rate(v: Option<f64>) -> String {
    match v {
        Some(v) if v >= 1_000.0 => {
            let v = v.round() as u64;
            let mut s = v.to_string();
            let mut i = s.len();
            while i > 3 {
                i -= 3;
                s.insert(i, ',');
            }
            s
        }
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
        None => "–".to_owned(),
    }
}

/// The results as Markdown tables: MB/s and documents/s per bucket for every method, and the
/// ratio of each method to the naive validator (b) on each bucket.
///
/// `stats` gives the documents of each bucket; a benchmark whose declared bytes differ from the
/// bucket's is marked, since it was then measured on another corpus.
pub fn markdown(measurements: &[Measurement], stats: &BTreeMap<Bucket, BucketStats>) -> String {
    let mut rows: Vec<&str> = ORDER
        .iter()
        .copied()
        .filter(|f| measurements.iter().any(|m| m.function == *f))
        .collect();
    for m in measurements {
        if !rows.contains(&m.function.as_str()) {
            rows.push(&m.function);
        }
    }
    let get = |f: &str, b: Bucket| {
        measurements
            .iter()
            .find(|m| m.function == f && m.bucket() == Some(b))
    };
    let mut stale = false;
    let mut out = String::new();
    let head: Vec<String> = Bucket::ALL
        .iter()
        .map(|b| {
            let s = stats.get(b).copied().unwrap_or_default();
            format!(
                "{} ({} docs, {:.1} MB)",
                b.label(),
                s.docs,
                s.bytes as f64 / 1e6
            )
        })
        .collect();
    for (title, docs) in [("MB/s", false), ("documents/s", true)] {
        let _ = writeln!(out, "| method, {title} | {} |", head.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(Bucket::ALL.len()));
        for f in &rows {
            let cells: Vec<String> = Bucket::ALL
                .iter()
                .map(|&b| {
                    let s = stats.get(&b).copied().unwrap_or_default();
                    match get(f, b) {
                        Some(m) => {
                            let mark = if m.bytes.is_some_and(|x| x != s.bytes as u64) {
                                stale = true;
                                "*"
                            } else {
                                ""
                            };
                            let v = if docs {
                                m.docs_per_s(s.docs)
                            } else {
                                m.mb_per_s()
                            };
                            format!("{}{mark}", fmt_rate(v))
                        }
                        None => "–".to_owned(),
                    }
                })
                .collect();
            let _ = writeln!(out, "| {f} | {} |", cells.join(" | "));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "| ratio to {NAIVE} (same run) | {} |",
        Bucket::ALL.map(Bucket::label).join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---:|".repeat(Bucket::ALL.len()));
    for f in &rows {
        let cells: Vec<String> = Bucket::ALL
            .iter()
            .map(|&b| match (get(f, b), get(NAIVE, b)) {
                (Some(m), Some(base)) if m.median_ns > 0.0 => {
                    format!("{:.2}×", base.median_ns / m.median_ns)
                }
                _ => "–".to_owned(),
            })
            .collect();
        let _ = writeln!(out, "| {f} | {} |", cells.join(" | "));
    }
    let one = measurements
        .iter()
        .find(|m| m.function == "xseg-batch/threads=1");
    let two = measurements
        .iter()
        .find(|m| m.function == "xseg-batch/threads=2");
    if let (Some(one), Some(two)) = (one, two) {
        if two.median_ns > 0.0 {
            let _ = writeln!(
                out,
                "\nxseg-batch, 2 threads ÷ 1 thread: {:.2}×",
                one.median_ns / two.median_ns
            );
        }
    }
    if stale {
        out.push_str("\n\\* measured on a corpus of another size than the one loaded now.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(group: &str, function: &str, ns: f64, bytes: u64) -> Measurement {
        Measurement {
            group: group.to_owned(),
            function: function.to_owned(),
            median_ns: ns,
            median_ci_ns: (ns, ns),
            bytes: Some(bytes),
        }
    }

    #[test]
    fn table_rates_and_ratios() {
        let ms = vec![
            m("docs_all", XSEG, 1e9, 400_000_000),
            m("docs_all", NAIVE, 2e9, 400_000_000),
            m("batch_docs_all", "xseg-batch/threads=2", 0.5e9, 400_000_000),
        ];
        let stats = BTreeMap::from([(
            Bucket::All,
            BucketStats {
                docs: 100_000,
                bytes: 400_000_000,
            },
        )]);
        let t = markdown(&ms, &stats);
        assert!(t.contains("| xseg/validate | – | – | – | 400 |"), "{t}");
        assert!(t.contains("| b/serde_struct | – | – | – | 200 |"), "{t}");
        assert!(t.contains("| xseg/validate | – | – | – | 100,000 |"), "{t}");
        assert!(t.contains("| xseg/validate | – | – | – | 2.00× |"), "{t}");
        assert!(
            t.contains("| xseg-batch/threads=2 | – | – | – | 4.00× |"),
            "{t}"
        );
        assert!(!t.contains('*'), "{t}");
        assert!(!t.contains("2 threads ÷ 1 thread"), "{t}");
    }
}
