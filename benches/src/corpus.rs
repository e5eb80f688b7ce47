//! Loading a corpus of segment documents and bucketing it by size.
//!
//! Where the documents come from, first match wins:
//!
//! 1. the path in the environment variable `XSEG_CORPUS` (a file or a directory of files; a
//!    relative path is looked up in the current directory, then in the repository root);
//! 2. the committed samples, `corpus/samples/*.ndjson` in the repository;
//! 3. a deterministic generated set of SDK-like documents ([`crate::generate`]).
//!
//! Two file formats are read, told apart by the extension:
//!
//! - `.bin`: frames as captured from a UDP socket, each a `u32` little-endian length followed by
//!   the raw datagram (`header\nbody`); the body is the document;
//! - anything else: NDJSON, one document per line; lines that are daemon headers
//!   (`{"format":"json","version":1}`) and blank lines are skipped, so a capture written as
//!   `header\nbody\n` per datagram reads as a document stream.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The environment variable naming the corpus file or directory.
pub const CORPUS_ENV: &str = "XSEG_CORPUS";

/// Where the committed samples live, relative to this package.
pub const SAMPLES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../corpus/samples");

/// Number of documents in the generated fallback corpus.
pub const GENERATED_DOCS: usize = 3000;

/// Where a corpus came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The path given in `XSEG_CORPUS`.
    Env(PathBuf),
    /// The committed samples directory.
    Samples(PathBuf),
    /// The generated fallback set.
    Generated,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env(p) => write!(f, "{} ({CORPUS_ENV})", p.display()),
            Source::Samples(p) => write!(f, "samples in {}", p.display()),
            Source::Generated => write!(f, "{GENERATED_DOCS} generated SDK-like documents"),
        }
    }
}

/// Why a corpus could not be read.
#[derive(Debug)]
pub enum CorpusError {
    /// A file or directory could not be read.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// A `.bin` file ends inside a frame.
    TruncatedFrame {
        /// The path.
        path: PathBuf,
        /// Offset of the frame's length prefix.
        offset: usize,
    },
    /// The path holds no document.
    Empty {
        /// The path.
        path: PathBuf,
    },
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            CorpusError::TruncatedFrame { path, offset } => {
                write!(f, "{}: frame at byte {offset} is truncated", path.display())
            }
            CorpusError::Empty { path } => write!(f, "{}: no documents", path.display()),
        }
    }
}

impl std::error::Error for CorpusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CorpusError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A size bucket of the benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    /// Documents of at most 1,024 bytes.
    Small,
    /// More than 1,024 and at most 8,192 bytes.
    Medium,
    /// More than 8,192 bytes.
    Large,
    /// Every document.
    All,
}

impl Bucket {
    /// Every bucket, in report order.
    pub const ALL: [Bucket; 4] = [Bucket::Small, Bucket::Medium, Bucket::Large, Bucket::All];

    /// Whether a document of `len` bytes belongs here.
    pub const fn contains(self, len: usize) -> bool {
        match self {
            Bucket::Small => len <= 1024,
            Bucket::Medium => len > 1024 && len <= 8192,
            Bucket::Large => len > 8192,
            Bucket::All => true,
        }
    }

    /// The criterion group name.
    pub const fn group(self) -> &'static str {
        match self {
            Bucket::Small => "docs_le_1k",
            Bucket::Medium => "docs_1k_8k",
            Bucket::Large => "docs_gt_8k",
            Bucket::All => "docs_all",
        }
    }

    /// The label used in reports.
    pub const fn label(self) -> &'static str {
        match self {
            Bucket::Small => "≤1 KB",
            Bucket::Medium => "1–8 KB",
            Bucket::Large => ">8 KB",
            Bucket::All => "all",
        }
    }

    /// The bucket whose criterion group is `group`.
    pub fn from_group(group: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|b| b.group() == group)
    }
}

/// Documents held back to back in one buffer.
#[derive(Clone, Debug)]
pub struct Corpus {
    data: Vec<u8>,
    docs: Vec<Range<usize>>,
    source: Source,
    skipped: usize,
}

/// Whether an NDJSON line is a daemon header to skip ([`xseg::is_daemon_header`], which only
/// parses lines that hold both `"format"` and `"version"`).
pub fn is_header_line(line: &[u8]) -> bool {
    xseg::is_daemon_header(line)
}

/// The repository root, for relative `XSEG_CORPUS` paths: `cargo bench` runs the harness in
/// the package directory, so a path given relative to the repository root is found too.
pub const REPOSITORY_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn resolve(path: PathBuf) -> PathBuf {
    if path.is_relative() && !path.exists() {
        let alt = Path::new(REPOSITORY_ROOT).join(&path);
        if alt.exists() {
            return alt;
        }
    }
    path
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CorpusError + '_ {
    move |error| CorpusError::Io {
        path: path.to_owned(),
        error,
    }
}

impl Corpus {
    fn empty(source: Source) -> Corpus {
        Corpus {
            data: Vec::new(),
            docs: Vec::new(),
            source,
            skipped: 0,
        }
    }

    fn push(&mut self, doc: &[u8]) {
        let start = self.data.len();
        self.data.extend_from_slice(doc);
        self.docs.push(start..self.data.len());
    }

    /// Loads the corpus the benchmarks use: `XSEG_CORPUS`, else the samples, else generated.
    ///
    /// # Errors
    ///
    /// When `XSEG_CORPUS` is set and cannot be read, or holds no document.
    pub fn load() -> Result<Corpus, CorpusError> {
        if let Some(p) = std::env::var_os(CORPUS_ENV).filter(|p| !p.is_empty()) {
            let path = resolve(PathBuf::from(p));
            let mut c = Corpus::from_path(&path)?;
            c.source = Source::Env(path);
            return Ok(c);
        }
        let samples = PathBuf::from(SAMPLES_DIR);
        if samples.is_dir() {
            if let Ok(mut c) = Corpus::from_path(&samples) {
                c.source = Source::Samples(samples);
                return Ok(c);
            }
        }
        Ok(Corpus::generated())
    }

    /// The generated fallback corpus.
    pub fn generated() -> Corpus {
        let mut c = Corpus::empty(Source::Generated);
        for doc in crate::generate::documents(GENERATED_DOCS, 0x5eed) {
            c.push(doc.as_bytes());
        }
        c
    }

    /// Reads a `.bin` or NDJSON file, or every such file in a directory (sorted by name).
    ///
    /// # Errors
    ///
    /// When a file cannot be read, a frame is truncated, or there is no document at all.
    pub fn from_path(path: &Path) -> Result<Corpus, CorpusError> {
        let mut c = Corpus::empty(Source::Env(path.to_owned()));
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(io_err(path))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && matches!(
                            p.extension().and_then(|e| e.to_str()),
                            Some("bin" | "ndjson" | "jsonl")
                        )
                })
                .collect();
            files.sort();
            for f in files {
                c.add_file(&f)?;
            }
        } else {
            c.add_file(path)?;
        }
        if c.docs.is_empty() {
            return Err(CorpusError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(c)
    }

    fn add_file(&mut self, path: &Path) -> Result<(), CorpusError> {
        let bytes = std::fs::read(path).map_err(io_err(path))?;
        if path.extension().and_then(|e| e.to_str()) == Some("bin") {
            self.add_frames(&bytes)
                .map_err(|offset| CorpusError::TruncatedFrame {
                    path: path.to_owned(),
                    offset,
                })
        } else {
            self.add_ndjson(&bytes);
            Ok(())
        }
    }

    /// Adds the bodies of `u32`-LE-length-prefixed datagrams; a datagram whose header is not a
    /// daemon header is counted in [`skipped`](Self::skipped).
    ///
    /// # Errors
    ///
    /// The offset of a truncated frame.
    pub fn add_frames(&mut self, mut bytes: &[u8]) -> Result<(), usize> {
        let total = bytes.len();
        while !bytes.is_empty() {
            let offset = total - bytes.len();
            let (len, rest) = match bytes.split_first_chunk::<4>() {
                Some((len, rest)) => (u32::from_le_bytes(*len) as usize, rest),
                None => return Err(offset),
            };
            let (frame, rest) = match rest.split_at_checked(len) {
                Some(x) => x,
                None => return Err(offset),
            };
            match xseg::split_datagram(frame) {
                Ok(f) => self.push(f.body),
                Err(_) => self.skipped += 1,
            }
            bytes = rest;
        }
        Ok(())
    }

    /// Adds the documents of an NDJSON stream, skipping blank lines and daemon header lines.
    pub fn add_ndjson(&mut self, bytes: &[u8]) {
        for line in bytes.split(|&c| c == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if is_header_line(line) {
                self.skipped += 1;
                continue;
            }
            self.push(line);
        }
    }

    /// Where the documents came from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Header lines or bad frames that were skipped while reading.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there is no document.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Total document bytes.
    pub fn bytes(&self) -> usize {
        self.data.len()
    }

    /// Every document, in order.
    pub fn docs(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.docs.iter().filter_map(|r| self.data.get(r.clone()))
    }

    /// The documents of one size bucket, in order.
    pub fn bucket(&self, b: Bucket) -> Vec<&[u8]> {
        self.docs().filter(|d| b.contains(d.len())).collect()
    }
}

/// The documents and bytes of one bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BucketStats {
    /// Number of documents.
    pub docs: usize,
    /// Their total size.
    pub bytes: usize,
}

impl Corpus {
    /// Documents and bytes per bucket.
    pub fn stats(&self, b: Bucket) -> BucketStats {
        self.docs()
            .filter(|d| b.contains(d.len()))
            .fold(BucketStats::default(), |s, d| BucketStats {
                docs: s.docs + 1,
                bytes: s.bytes + d.len(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &[u8] = br#"{"format":"json","version":1}"#;

    #[test]
    fn ndjson_skips_headers_and_blank_lines() {
        let mut c = Corpus::empty(Source::Generated);
        let mut s = Vec::new();
        for body in [&b"{\"a\":1}"[..], b"{\"b\":2}"] {
            s.extend_from_slice(HEADER);
            s.push(b'\n');
            s.extend_from_slice(body);
            s.extend_from_slice(b"\r\n\n");
        }
        c.add_ndjson(&s);
        let docs: Vec<&[u8]> = c.docs().collect();
        assert_eq!(docs, [&b"{\"a\":1}"[..], b"{\"b\":2}"]);
        assert_eq!(c.skipped(), 2);
    }

    #[test]
    fn frames() {
        let first = [HEADER, b"\n{\"a\":1}"].concat();
        let mut s = Vec::new();
        for dg in [
            first.clone(),
            b"{\"format\":\"xml\",\"version\":1}\n{}".to_vec(),
        ] {
            s.extend_from_slice(&(dg.len() as u32).to_le_bytes());
            s.extend_from_slice(&dg);
        }
        let mut c = Corpus::empty(Source::Generated);
        assert_eq!(c.add_frames(&s), Ok(()));
        assert_eq!(c.docs().collect::<Vec<_>>(), [&b"{\"a\":1}"[..]]);
        assert_eq!(c.skipped(), 1);
        let mut c = Corpus::empty(Source::Generated);
        assert_eq!(c.add_frames(&s[..s.len() - 1]), Err(4 + first.len()));
    }

    #[test]
    fn buckets_partition_the_corpus() {
        let c = Corpus::generated();
        let all = c.stats(Bucket::All);
        let parts = [Bucket::Small, Bucket::Medium, Bucket::Large].map(|b| c.stats(b));
        assert!(parts.iter().all(|p| p.docs > 0), "{parts:?}");
        assert_eq!(parts.iter().map(|p| p.docs).sum::<usize>(), all.docs);
        assert_eq!(parts.iter().map(|p| p.bytes).sum::<usize>(), all.bytes);
        assert_eq!(all.bytes, c.bytes());
    }
}
