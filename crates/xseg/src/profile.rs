//! Rule profiles and options.

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
    /// Parses `service` or `strict`.
    pub fn from_name(name: &str) -> Option<Profile> {
        match name {
            "service" => Some(Profile::Service),
            "strict" => Some(Profile::Strict),
            _ => None,
        }
    }

    /// The profile's name.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Service => "service",
            Profile::Strict => "strict",
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
/// let opts = Options::new(Profile::Strict).max_depth(64).max_document_bytes(32 * 1024);
/// assert_eq!(opts.profile(), Profile::Strict);
/// assert_eq!(opts.get_max_depth(), 64);
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
    pub const fn profile_set(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Sets the document size limit in bytes (`usize::MAX` turns it off).
    pub const fn max_document_bytes(mut self, bytes: usize) -> Self {
        self.max_document_bytes = bytes;
        self
    }

    /// Sets the nesting limit, clamped to `1..=MAX_DEPTH_CEILING`.
    pub const fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = if depth == 0 {
            1
        } else if depth > limits::MAX_DEPTH_CEILING {
            limits::MAX_DEPTH_CEILING
        } else {
            depth
        };
        self
    }

    /// Turns on the trace-id time window.
    pub const fn time_window(mut self, window: Option<TimeWindow>) -> Self {
        self.time_window = window;
        self
    }

    /// The profile.
    pub const fn profile(&self) -> Profile {
        self.profile
    }

    /// The document size limit in bytes.
    pub const fn get_max_document_bytes(&self) -> usize {
        self.max_document_bytes
    }

    /// The nesting limit.
    pub const fn get_max_depth(&self) -> usize {
        self.max_depth
    }

    /// The trace-id time window, if any.
    pub const fn get_time_window(&self) -> Option<TimeWindow> {
        self.time_window
    }
}
