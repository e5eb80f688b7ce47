//! Inputs: a file, or standard input for `-` (or no argument).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

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

    /// Opens the source for reading.
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

    /// Reads the whole source.
    ///
    /// # Errors
    ///
    /// When it cannot be opened or read.
    pub fn read_all(&self) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.open()?.read_to_end(&mut buf)?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
