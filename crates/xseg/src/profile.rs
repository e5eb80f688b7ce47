//! Rule profiles and options.

use core::fmt;
use core::str::FromStr;

use crate::limits;

/// Which rule set applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Profile {
    /// What the X-Ray service accepts today (the default). Findings the service tolerates are
    /// warnings.
    #[default]
    Service,
    /// Every warning of RULES.md §6 is a rejection.
    Strict,
}

impl Profile {
    /// The profile's name: `service` or `strict`.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Service => "service",
            Profile::Strict => "strict",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A profile name other than `service` or `strict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseProfileError(String);

impl fmt::Display for ParseProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown profile `{}` (expected `service` or `strict`)",
            self.0
        )
    }
}

impl std::error::Error for ParseProfileError {}

impl FromStr for Profile {
    type Err = ParseProfileError;

    /// Parses `service` or `strict`.
    ///
    /// ```
    /// use xseg::Profile;
    /// assert_eq!("strict".parse::<Profile>(), Ok(Profile::Strict));
    /// assert!("lenient".parse::<Profile>().is_err());
    /// ```
    fn from_str(name: &str) -> Result<Profile, ParseProfileError> {
        match name {
            "service" => Ok(Profile::Service),
            "strict" => Ok(Profile::Strict),
            _ => Err(ParseProfileError(name.to_owned())),
        }
    }
}

/// Opt-in trace-id time window (RULES.md §5 `trace_id`): a trace id whose epoch is more than
/// `max_age` seconds before `now`, or more than `max_future_skew` seconds after it, is
/// `InvalidTraceId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeWindow {
    /// The caller's idea of the current time, in Unix seconds.
    pub now: u64,
    /// Oldest accepted epoch, as seconds before `now`.
    pub max_age: u64,
    /// Newest accepted epoch, as seconds after `now`.
    pub max_future_skew: u64,
}

/// Validation options: the profile and the configurable limits.
///
/// ```
/// use xseg::{Options, Profile};
/// let opts = Options::new(Profile::Strict)
///     .with_max_depth(64)
///     .with_max_document_bytes(32 * 1024);
/// assert_eq!(opts.profile(), Profile::Strict);
/// assert_eq!(opts.max_depth(), 64);
/// assert_eq!(opts.max_document_bytes(), 32 * 1024);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    profile: Profile,
    max_document_bytes: usize,
    max_depth: usize,
    time_window: Option<TimeWindow>,
}

impl Default for Options {
    fn default() -> Self {
        Options::new(Profile::Service)
    }
}

impl Options {
    /// Default limits for `profile`.
    pub const fn new(profile: Profile) -> Self {
        Options {
            profile,
            max_document_bytes: limits::MAX_DOCUMENT_BYTES,
            max_depth: limits::MAX_DEPTH,
            time_window: None,
        }
    }

    /// Sets the profile.
    pub const fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Sets the document size limit in bytes, clamped to [`limits::MAX_OFFSET`] so that every
    /// offset in a document fits the 32-bit offsets of [`Error`](crate::Error) (`usize::MAX`
    /// therefore means "as large as offsets allow").
    ///
    /// ```
    /// let opts = xseg::Options::default().with_max_document_bytes(usize::MAX);
    /// assert_eq!(opts.max_document_bytes(), xseg::limits::MAX_OFFSET);
    /// ```
    pub const fn with_max_document_bytes(mut self, bytes: usize) -> Self {
        self.max_document_bytes = if bytes > limits::MAX_OFFSET {
            limits::MAX_OFFSET
        } else {
            bytes
        };
        self
    }

    /// Sets the nesting limit, clamped to `1..=MAX_DEPTH_CEILING`.
    pub const fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = if depth == 0 {
            1
        } else if depth > limits::MAX_DEPTH_CEILING {
            limits::MAX_DEPTH_CEILING
        } else {
            depth
        };
        self
    }

    /// Turns on (or, with `None`, off) the trace-id time window.
    pub const fn with_time_window(mut self, window: Option<TimeWindow>) -> Self {
        self.time_window = window;
        self
    }

    /// The profile.
    pub const fn profile(&self) -> Profile {
        self.profile
    }

    /// The document size limit in bytes (at most [`limits::MAX_OFFSET`]).
    pub const fn max_document_bytes(&self) -> usize {
        self.max_document_bytes
    }

    /// The nesting limit.
    pub const fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// The trace-id time window, if any.
    pub const fn time_window(&self) -> Option<TimeWindow> {
        self.time_window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_round_trip() {
        for p in [Profile::Service, Profile::Strict] {
            assert_eq!(p.name().parse::<Profile>(), Ok(p));
            assert_eq!(p.to_string(), p.name());
        }
        let err = "Strict".parse::<Profile>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown profile `Strict` (expected `service` or `strict`)"
        );
    }

    #[test]
    fn limits_are_clamped() {
        let o = Options::default()
            .with_max_document_bytes(usize::MAX)
            .with_max_depth(0);
        assert_eq!(o.max_document_bytes(), limits::MAX_OFFSET);
        assert_eq!(o.max_depth(), 1);
        let o = o.with_max_depth(usize::MAX).with_max_document_bytes(10);
        assert_eq!(o.max_depth(), limits::MAX_DEPTH_CEILING);
        assert_eq!(o.max_document_bytes(), 10);
    }
}
