//! Length-prefixed datagram captures, as `corpus/capture` writes them: each datagram is a
//! `u32` little-endian length followed by the datagram, header line included.

use std::io::{self, Read};
use std::ops::Range;

/// Longest frame read: a length above this is taken for a corrupt file, not a datagram (no
/// UDP datagram comes near it; a datagram over 65,536 bytes is still read and rejected as
/// the daemon rejects it).
pub const MAX_FRAME_BYTES: usize = 16 << 20;

/// One datagram found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// Its bytes in [`Frames::buffer`].
    pub range: Range<usize>,
    /// 1-based number of the frame in the input.
    pub index: u64,
    /// Byte offset of the datagram (after its length) in the input.
    pub offset: u64,
}

/// Why a capture cannot be read on.
#[derive(Debug)]
pub enum FramesError {
    /// The reader failed.
    Read(io::Error),
    /// The input ends inside a frame.
    Truncated {
        /// Offset of the frame's length in the input.
        at: u64,
        /// Bytes the frame announced (or 4 for a cut length).
        announced: u64,
        /// Bytes present.
        present: u64,
    },
    /// A length over [`MAX_FRAME_BYTES`].
    TooLong {
        /// Offset of the frame's length in the input.
        at: u64,
        /// The length.
        announced: u64,
    },
}

impl std::fmt::Display for FramesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FramesError::Read(e) => write!(f, "{e}"),
            FramesError::Truncated {
                at,
                announced,
                present,
            } => write!(
                f,
                "the frame at byte {at} is cut short: it announces {announced} bytes, the input ends after {present}"
            ),
            FramesError::TooLong { at, announced } => write!(
                f,
                "the frame at byte {at} announces {announced} bytes, more than any datagram; this is not a frames capture from here on"
            ),
        }
    }
}

/// Reads frames a chunk at a time.
pub struct Frames<R> {
    reader: R,
    chunk: usize,
    buf: Vec<u8>,
    /// Input offset of `buf[0]`.
    base: u64,
    next_index: u64,
    eof: bool,
}

impl<R: Read> Frames<R> {
    /// A reader taking about `chunk` bytes of frames at a time.
    pub fn new(reader: R, chunk: usize) -> Self {
        Frames {
            reader,
            chunk: chunk.max(1),
            buf: Vec::new(),
            base: 0,
            next_index: 1,
            eof: false,
        }
    }

    /// The buffer the ranges of the last [`next_chunk`](Self::next_chunk) point into.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }

    /// Reads the next frames (about a chunk of them) into `out` (cleared first); returns
    /// `false` once the input is exhausted.
    ///
    /// # Errors
    ///
    /// [`FramesError`]; the frames before the problem have been handed out by earlier calls
    /// or are in `out`.
    pub fn next_chunk(&mut self, out: &mut Vec<Datagram>) -> Result<bool, FramesError> {
        out.clear();
        self.base += self.buf.len() as u64;
        self.buf.clear();
        if self.eof {
            return Ok(false);
        }
        while self.buf.len() < self.chunk {
            let at = self.base + self.buf.len() as u64;
            let mut len = [0u8; 4];
            let got = read_full(&mut self.reader, &mut len).map_err(FramesError::Read)?;
            if got == 0 {
                self.eof = true;
                break;
            }
            if got < 4 {
                self.eof = true;
                return Err(FramesError::Truncated {
                    at,
                    announced: 4,
                    present: got as u64,
                });
            }
            let announced = u32::from_le_bytes(len) as usize;
            if announced > MAX_FRAME_BYTES {
                self.eof = true;
                return Err(FramesError::TooLong {
                    at,
                    announced: announced as u64,
                });
            }
            self.buf.extend_from_slice(&len);
            let start = self.buf.len();
            let present = (&mut self.reader)
                .take(announced as u64)
                .read_to_end(&mut self.buf)
                .map_err(FramesError::Read)?;
            if present < announced {
                self.eof = true;
                return Err(FramesError::Truncated {
                    at,
                    announced: announced as u64,
                    present: present as u64,
                });
            }
            out.push(Datagram {
                range: start..start + announced,
                index: self.next_index,
                offset: self.base + start as u64,
            });
            self.next_index += 1;
        }
        Ok(!self.eof)
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(buf.get_mut(n..).unwrap_or(&mut [])) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(d: &[u8]) -> Vec<u8> {
        let mut v = (d.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(d);
        v
    }

    type Collected = (Vec<(Vec<u8>, u64, u64)>, Option<String>);

    fn read_all(input: &[u8], chunk: usize) -> Collected {
        let mut f = Frames::new(input, chunk);
        let mut all = Vec::new();
        let mut out = Vec::new();
        loop {
            let r = f.next_chunk(&mut out);
            for d in &out {
                all.push((f.buffer()[d.range.clone()].to_vec(), d.index, d.offset));
            }
            match r {
                Ok(true) => {}
                Ok(false) => return (all, None),
                Err(e) => return (all, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn frames_in_any_chunk() {
        let mut input = frame(b"a\nb");
        input.extend(frame(b""));
        input.extend(frame(b"{}"));
        for chunk in [1, 5, 100] {
            let (all, err) = read_all(&input, chunk);
            assert_eq!(err, None);
            assert_eq!(
                all,
                [
                    (b"a\nb".to_vec(), 1, 4),
                    (Vec::new(), 2, 11),
                    (b"{}".to_vec(), 3, 15)
                ]
            );
        }
    }

    #[test]
    fn cut_and_corrupt_frames() {
        let mut input = frame(b"abc");
        input.extend([9, 0, 0, 0, b'x']);
        let (all, err) = read_all(&input, 100);
        assert_eq!(all.len(), 1);
        assert_eq!(
            err.unwrap(),
            "the frame at byte 7 is cut short: it announces 9 bytes, the input ends after 1"
        );
        let (_, err) = read_all(&[1, 0], 100);
        assert!(err.unwrap().contains("announces 4 bytes"));
        let (_, err) = read_all(&[0xff, 0xff, 0xff, 0xff], 100);
        assert!(err.unwrap().contains("more than any datagram"));
    }
}
