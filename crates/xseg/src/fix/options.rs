//! What the fixer may repair: [`Repair`] and [`FixOptions`].

use core::fmt;

use crate::{ErrorKind, Options, Profile};

/// A family of repairs, each one switchable in [`FixOptions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Repair {
    /// `name`: drop the characters outside the allowed set, cut to 200 characters, write
    /// [`NAME_PLACEHOLDER`](super::NAME_PLACEHOLDER) when nothing is left.
    Name,
    /// Annotation keys: `_` for each character outside `[A-Za-z0-9_.]`, cut to 500
    /// characters; a repaired key that collides with another is dropped, and so is an empty
    /// key.
    AnnotationKey,
    /// Annotation string values: cut to 1,000 characters.
    AnnotationValue,
    /// `id`, `parent_id`, `trace_id` in upper-case hex: written in lower case.
    Id,
    /// Under [`Profile::Strict`] only: a name of white space becomes the placeholder, `user` and
    /// `http.request` strings are cut to 250 characters, a `content_length` string of digits
    /// becomes a number.
    Strict,
}

impl Repair {
    /// Every repair.
    pub const ALL: [Repair; 5] = [
        Repair::Name,
        Repair::AnnotationKey,
        Repair::AnnotationValue,
        Repair::Id,
        Repair::Strict,
    ];

    /// The repair's name: `name`, `annotation-key`, `annotation-value`, `id`, `strict`.
    pub const fn name(self) -> &'static str {
        match self {
            Repair::Name => "name",
            Repair::AnnotationKey => "annotation-key",
            Repair::AnnotationValue => "annotation-value",
            Repair::Id => "id",
            Repair::Strict => "strict",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The repair for a finding, if it has one: a finding of such a kind is always repaired
    /// (when its repair is on). [`Repair::Strict`] findings are warnings under `service`; the
    /// fixer repairs them only under `strict`.
    pub const fn for_kind(kind: ErrorKind) -> Option<Repair> {
        match kind {
            ErrorKind::InvalidNameChar | ErrorKind::NameTooLong | ErrorKind::EmptyName => {
                Some(Repair::Name)
            }
            ErrorKind::InvalidAnnotationKey => Some(Repair::AnnotationKey),
            ErrorKind::LongAnnotationValue => Some(Repair::AnnotationValue),
            ErrorKind::UppercaseId | ErrorKind::UppercaseParentId | ErrorKind::UppercaseTraceId => {
                Some(Repair::Id)
            }
            ErrorKind::BlankName
            | ErrorKind::LongUser
            | ErrorKind::LongHttpField
            | ErrorKind::ContentLengthString => Some(Repair::Strict),
            _ => None,
        }
    }
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a repair's name (see [`Repair::name`]).
///
/// ```
/// use xseg::fix::Repair;
/// assert_eq!("annotation-key".parse(), Ok(Repair::AnnotationKey));
/// assert!("names".parse::<Repair>().is_err());
/// ```
impl core::str::FromStr for Repair {
    type Err = ParseRepairError;

    fn from_str(name: &str) -> Result<Repair, ParseRepairError> {
        Repair::ALL
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| ParseRepairError {
                name: name.to_owned(),
            })
    }
}

/// A name that is not one of [`Repair::name`]'s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseRepairError {
    name: String,
}

impl fmt::Display for ParseRepairError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown repair `{}` (expected one of", self.name)?;
        for (i, r) in Repair::ALL.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{r}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for ParseRepairError {}

/// What the fixer checks against (the validation [`Options`], whose profile decides the
/// verdict) and which repairs it may make (all by default).
///
/// ```
/// use xseg::fix::{FixOptions, Repair};
/// use xseg::{Options, Profile};
/// let opts = FixOptions::new(Options::new(Profile::Strict)).with_repair(Repair::Id, false);
/// assert!(!opts.repair(Repair::Id) && opts.repair(Repair::Name));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FixOptions {
    validation: Options,
    repairs: u8,
}

impl Default for FixOptions {
    fn default() -> Self {
        FixOptions::new(Options::default())
    }
}

impl FixOptions {
    /// Every repair on, validating with `validation`.
    pub const fn new(validation: Options) -> Self {
        FixOptions {
            validation,
            repairs: 0b1_1111,
        }
    }

    /// Switches one repair on or off.
    pub const fn with_repair(mut self, repair: Repair, on: bool) -> Self {
        if on {
            self.repairs |= repair.bit();
        } else {
            self.repairs &= !repair.bit();
        }
        self
    }

    /// Whether a repair is on.
    pub const fn repair(&self, repair: Repair) -> bool {
        self.repairs & repair.bit() != 0
    }

    /// The validation options.
    pub const fn validation(&self) -> &Options {
        &self.validation
    }

    /// Whether the fixer would repair a finding of this kind with these options.
    pub const fn repairs_kind(&self, kind: ErrorKind) -> bool {
        match Repair::for_kind(kind) {
            Some(Repair::Strict) => {
                matches!(self.validation.profile(), Profile::Strict) && self.repair(Repair::Strict)
            }
            Some(r) => self.repair(r),
            None => false,
        }
    }
}
