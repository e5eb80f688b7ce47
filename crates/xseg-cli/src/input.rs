//! Inputs: a file, or standard input for `-` (or no argument); decompressed by their magic
//! bytes (gzip, zstd), refused when they are not text, and sorted into an input format.

pub mod frames;
pub mod texts;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use crate::report::STDIN_LABEL;

/// Where input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Source {
    /// `-` is standard input, anything else a file.
    pub fn from_arg(arg: &Path) -> Source {
        if arg.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::File(arg.to_path_buf())
        }
    }

    /// The sources named on the command line; standard input when there are none.
    pub fn all(args: &[PathBuf]) -> Vec<Source> {
        if args.is_empty() {
            vec![Source::Stdin]
        } else {
            args.iter().map(|a| Source::from_arg(a)).collect()
        }
    }

    /// The name used in reports: the path as given, or [`STDIN_LABEL`].
    pub fn label(&self) -> String {
        match self {
            Source::Stdin => STDIN_LABEL.to_owned(),
            Source::File(p) => p.display().to_string(),
        }
    }

    /// Opens the source for reading, as stored (compressed or not).
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn open(&self) -> io::Result<Box<dyn Read>> {
        Ok(match self {
            Source::Stdin => Box::new(io::stdin().lock()),
            Source::File(p) => Box::new(File::open(p)?),
        })
    }

    /// The size in bytes, when known in advance (a regular file).
    pub fn size(&self) -> Option<u64> {
        match self {
            Source::Stdin => None,
            Source::File(p) => std::fs::metadata(p)
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len()),
        }
    }

    /// Reads the whole source, decompressed.
    ///
    /// # Errors
    ///
    /// When it cannot be opened, read or decompressed.
    pub fn read_all(&self) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        decompress(self.open()?)?.0.read_to_end(&mut buf)?;
        Ok(buf)
    }
}

/// How the input of `xseg check` is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// Decide from the content (below).
    #[default]
    Auto,
    /// One document per line; daemon header lines and blank lines are skipped.
    Ndjson,
    /// JSON texts separated by white space (pretty-printed documents, `jq` output,
    /// concatenated files); a PutTraceSegments request expands into its documents.
    Json,
    /// One PutTraceSegments request body.
    Request,
    /// Daemon datagrams, each a `u32` little-endian length and the datagram.
    Frames,
}

impl InputFormat {
    /// The name, as `--input` takes it.
    pub const fn name(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::Ndjson => "ndjson",
            InputFormat::Json => "json",
            InputFormat::Request => "request",
            InputFormat::Frames => "frames",
        }
    }
}

/// The compression an input was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// None.
    None,
    /// gzip (RFC 1952), possibly several members.
    Gzip,
    /// Zstandard, possibly several frames.
    Zstd,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Bytes looked at to sort an input.
pub const SNIFF_BYTES: usize = 64 << 10;

/// Fills `buf` from `reader` up to `want` bytes or the end of the input.
fn read_head(reader: &mut impl Read, want: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(want.min(SNIFF_BYTES));
    reader
        .take(u64::try_from(want).unwrap_or(u64::MAX))
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Wraps `reader` in a decoder when its first bytes are a gzip or zstd magic number.
///
/// # Errors
///
/// When the first bytes cannot be read or the zstd decoder cannot start.
pub fn decompress<'r>(
    mut reader: Box<dyn Read + 'r>,
) -> io::Result<(Box<dyn Read + 'r>, Compression)> {
    let magic = read_head(&mut reader, 4)?;
    let whole = rejoin(magic.clone(), reader, 4);
    Ok(if magic.starts_with(&GZIP_MAGIC) {
        (
            Box::new(flate2::read::MultiGzDecoder::new(whole)),
            Compression::Gzip,
        )
    } else if magic.starts_with(&ZSTD_MAGIC) {
        (Box::new(zstd::Decoder::new(whole)?), Compression::Zstd)
    } else {
        (whole, Compression::None)
    })
}

/// The input again from its first byte, given its first bytes `head` (asked for `want`) and
/// the rest. When `head` is short the input has ended, and the rest is not read again: a
/// terminal gives its end (Ctrl-D) only once.
fn rejoin<'r>(head: Vec<u8>, rest: Box<dyn Read + 'r>, want: usize) -> Box<dyn Read + 'r> {
    if head.len() < want {
        Box::new(Cursor::new(head))
    } else {
        Box::new(Cursor::new(head).chain(rest))
    }
}

/// An opened, decompressed input and what its first block says it is.
pub struct Sniffed<'r> {
    /// The whole input from its first byte (the block looked at comes first).
    pub reader: Box<dyn BufRead + 'r>,
    /// The format to read it with.
    pub format: InputFormat,
    /// The compression it was stored in.
    pub compression: Compression,
    /// A note for standard error when the choice was not clear from the content.
    pub note: Option<String>,
}

/// Why an input is not read.
#[derive(Debug)]
pub enum Refused {
    /// Reading (or decompressing) the first block failed.
    Read(io::Error),
    /// The input is not text.
    Binary,
}

/// Whether `head` looks like binary data rather than JSON text: it holds a NUL byte, or more
/// than a quarter of it is not UTF-8.
pub fn looks_binary(head: &[u8]) -> bool {
    if head.contains(&0) {
        return true;
    }
    let mut invalid = 0usize;
    let mut rest = head;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(_) => break,
            Err(e) => {
                let bad = e.error_len().unwrap_or(rest.len() - e.valid_up_to());
                invalid += bad;
                rest = rest.get(e.valid_up_to() + bad..).unwrap_or(&[]);
            }
        }
    }
    invalid * 4 > head.len()
}

/// Whether `head` starts like a frames capture: every whole frame in it is a length of at most
/// the datagram limit followed by a datagram that starts with `{`, and there is at least one.
pub fn looks_like_frames(head: &[u8]) -> bool {
    let mut rest = head;
    let mut frames = 0;
    while let Some((len, after)) = rest.split_first_chunk::<4>() {
        let len = u32::from_le_bytes(*len) as usize;
        if len == 0 || len > xseg::limits::MAX_DATAGRAM_BYTES + 1 {
            return false;
        }
        match after.first() {
            Some(b'{') => {}
            Some(_) => return false,
            None => break,
        }
        frames += 1;
        match after.get(len..) {
            Some(next) => rest = next,
            None => break,
        }
    }
    frames > 0
}

/// Decides the format of an input from its first block (decompressed): frames, a request
/// body, JSON texts whose first document (after any daemon headers) spans several lines, or
/// NDJSON.
pub fn detect(head: &[u8]) -> (InputFormat, Option<&'static str>) {
    if looks_like_frames(head) {
        return (InputFormat::Frames, None);
    }
    // The first text that is not a daemon header decides.
    let mut text = head;
    loop {
        let start = text
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        let Some(start) = start else {
            return (InputFormat::Ndjson, None);
        };
        text = text.get(start..).unwrap_or(&[]);
        match texts::text_end(text) {
            Some(end) if xseg::is_daemon_header(text.get(..end).unwrap_or(&[])) => {
                text = text.get(end..).unwrap_or(&[]);
            }
            _ => break,
        }
    }
    if !matches!(text.first(), Some(b'{' | b'[')) {
        return (
            InputFormat::Ndjson,
            Some("does not start with a JSON object; reading it as NDJSON, one document per line (--input chooses)"),
        );
    }
    let end = texts::text_end(text);
    let first = text.get(..end.unwrap_or(text.len())).unwrap_or(&[]);
    if end.is_some() && texts::is_request(first) {
        return (InputFormat::Request, None);
    }
    if first.contains(&b'\n') {
        (InputFormat::Json, None)
    } else {
        (InputFormat::Ndjson, None)
    }
}

/// Opens `source`, decompresses it, refuses binary data (unless `format` is `frames`), and
/// decides the format when `format` is `auto`.
///
/// # Errors
///
/// [`Refused`] as above; opening errors are the caller's (see [`Source::open`]).
pub fn sniff<'r>(reader: Box<dyn Read + 'r>, format: InputFormat) -> Result<Sniffed<'r>, Refused> {
    let (mut reader, compression) = decompress(reader).map_err(Refused::Read)?;
    let head = read_head(&mut reader, SNIFF_BYTES).map_err(Refused::Read)?;
    let (format, note) = match format {
        InputFormat::Auto => detect(&head),
        other => (other, None),
    };
    if format != InputFormat::Frames && looks_binary(&head) {
        return Err(Refused::Binary);
    }
    Ok(Sniffed {
        reader: Box::new(BufReader::with_capacity(
            1 << 16,
            rejoin(head, reader, SNIFF_BYTES),
        )),
        format,
        compression,
        note: note.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn sources() {
        assert_eq!(Source::all(&[]), [Source::Stdin]);
        let s = Source::all(&["-".into(), "a.ndjson".into()]);
        assert_eq!(s, [Source::Stdin, Source::File("a.ndjson".into())]);
        assert_eq!(s[0].label(), "<stdin>");
        assert_eq!(s[1].label(), "a.ndjson");
        assert_eq!(s[0].size(), None);
    }

    #[test]
    fn files() {
        let path = std::env::temp_dir().join(format!("xseg-input-{}", std::process::id()));
        std::fs::write(&path, b"{}\n").unwrap();
        let src = Source::File(path.clone());
        assert_eq!(src.size(), Some(3));
        assert_eq!(src.read_all().unwrap(), b"{}\n");
        std::fs::remove_file(&path).unwrap();
        let err = src.read_all().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_eq!(src.size(), None);
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn all(sniffed: Sniffed<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut r = sniffed.reader;
        r.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn compressed_inputs_are_decompressed() {
        let text = b"{\"a\":1}\n{\"b\":2}\n".repeat(10_000);
        let mut gz = gzip(&text[..100]);
        gz.extend(gzip(&text[100..])); // two members
        let zst = zstd::encode_all(&text[..], 3).unwrap();
        for (data, compression) in [
            (gz, Compression::Gzip),
            (zst, Compression::Zstd),
            (text.clone(), Compression::None),
        ] {
            let s = sniff(Box::new(Cursor::new(data)), InputFormat::Auto).unwrap();
            assert_eq!(
                (s.format, s.compression),
                (InputFormat::Ndjson, compression)
            );
            assert_eq!(all(s), text);
        }
        let bad = [0x1f, 0x8b, 0, 0, 0];
        assert!(matches!(
            sniff(Box::new(Cursor::new(bad)), InputFormat::Auto),
            Err(Refused::Read(_))
        ));
    }

    #[test]
    fn binary_data_is_refused() {
        assert!(looks_binary(b"{\"a\":\0}"));
        assert!(!looks_binary("{\"name\":\"注文サービス\"}".as_bytes()));
        assert!(!looks_binary(
            b"{\"a\":\"\xff\"} plenty of text after the one bad byte"
        ));
        assert!(looks_binary(&[0xff, 0xfe, 0x80, b'a', 0x90]));
        let random: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(matches!(
            sniff(Box::new(Cursor::new(random.clone())), InputFormat::Ndjson),
            Err(Refused::Binary)
        ));
        assert!(matches!(
            sniff(Box::new(Cursor::new(random)), InputFormat::Auto),
            Err(Refused::Binary)
        ));
    }

    fn frame(datagram: &[u8]) -> Vec<u8> {
        let mut v = (datagram.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(datagram);
        v
    }

    #[test]
    fn formats_are_detected() {
        use InputFormat::*;
        let d = |s: &str| detect(s.as_bytes()).0;
        assert_eq!(d(""), Ndjson);
        assert_eq!(d("\n\n"), Ndjson);
        assert_eq!(
            d("{\"format\":\"json\",\"version\":1}\n{\"id\":1}\n"),
            Ndjson
        );
        assert_eq!(d("{\"a\":1}\n{\"a\":\n2}\n"), Ndjson);
        assert_eq!(d("  {\n  \"a\": 1\n}\n"), Json);
        assert_eq!(d("[\n1]"), Json);
        let header = "{\"format\":\"json\",\"version\":1}";
        assert_eq!(d(&format!("{header}\n{{\n\"a\": 1}}")), Json);
        assert_eq!(d(&format!("{header}\n{header}\n{{\"a\": 1}}\n")), Ndjson);
        assert_eq!(d(&format!("{header}\n")), Ndjson);
        assert_eq!(d("{\"TraceSegmentDocuments\":[]}"), Request);
        assert_eq!(
            d("{\n \"x\": 1,\n \"TraceSegmentDocuments\": [\"{}\"]\n}\n"),
            Request
        );
        assert_eq!(d("{\"a\":\"multi\nline"), Json);
        assert_eq!(d("{\"a\":\"one line, cut"), Ndjson);
        let (f, note) = detect(b"nope\n");
        assert_eq!(f, Ndjson);
        assert!(note.is_some());
        let mut frames = frame(b"{\"format\":\"json\",\"version\":1}\n{}");
        frames.extend(frame(b"{\"format\":\"json\",\"version\":1}\n[]"));
        assert_eq!(detect(&frames).0, Frames);
        assert_eq!(detect(&frames[..10]).0, Frames);
        assert!(!looks_like_frames(b"{\"a\":1}"));
        assert!(!looks_like_frames(&frame(b"[]")));
    }
}
