//! The error model: a small `Copy` error (kind + byte offset), the service's `ErrorCode`s and
//! message forms, and a lazily computed [`Location`].

use core::fmt;

/// The `ErrorCode` the X-Ray service answers in `UnprocessedTraceSegments`.
///
/// `InvalidSegment` is also what the engine reports for type and shape errors of documented
/// fields, the size limit, and repeated keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    /// The document is not one well-formed JSON text.
    ParseError,
    /// `id` is missing, or the document is not a JSON object.
    MissingId,
    /// `id` is not a string of 16 hex digits.
    InvalidId,
    /// `name` is missing.
    MissingName,
    /// `name` is not a valid segment name.
    InvalidName,
    /// `trace_id` is missing on a top-level document.
    MissingTraceId,
    /// `trace_id` is not `1-` + 8 hex + `-` + 24 hex.
    InvalidTraceId,
    /// `start_time` is missing.
    MissingStartTime,
    /// `start_time` is not a finite positive number.
    InvalidStartTime,
    /// Neither `end_time` nor `in_progress: true`.
    MissingEndTime,
    /// `end_time` is not a finite positive number.
    InvalidEndTime,
    /// A standalone subsegment has no `parent_id`.
    MissingParentId,
    /// `parent_id` is not a string of 16 hex digits.
    InvalidParentId,
    /// Any other rule: types and shapes of documented fields, size, repeated keys.
    InvalidSegment,
}

impl ErrorCode {
    /// Every code, in the order of RULES.md section 4.
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::ParseError,
        ErrorCode::MissingId,
        ErrorCode::InvalidId,
        ErrorCode::MissingName,
        ErrorCode::InvalidName,
        ErrorCode::MissingTraceId,
        ErrorCode::InvalidTraceId,
        ErrorCode::MissingStartTime,
        ErrorCode::InvalidStartTime,
        ErrorCode::MissingEndTime,
        ErrorCode::InvalidEndTime,
        ErrorCode::MissingParentId,
        ErrorCode::InvalidParentId,
        ErrorCode::InvalidSegment,
    ];

    /// The code as the service spells it, e.g. `"MissingName"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ParseError => "ParseError",
            ErrorCode::MissingId => "MissingId",
            ErrorCode::InvalidId => "InvalidId",
            ErrorCode::MissingName => "MissingName",
            ErrorCode::InvalidName => "InvalidName",
            ErrorCode::MissingTraceId => "MissingTraceId",
            ErrorCode::InvalidTraceId => "InvalidTraceId",
            ErrorCode::MissingStartTime => "MissingStartTime",
            ErrorCode::InvalidStartTime => "InvalidStartTime",
            ErrorCode::MissingEndTime => "MissingEndTime",
            ErrorCode::InvalidEndTime => "InvalidEndTime",
            ErrorCode::MissingParentId => "MissingParentId",
            ErrorCode::InvalidParentId => "InvalidParentId",
            ErrorCode::InvalidSegment => "InvalidSegment",
        }
    }

    /// Position of the code in [`ErrorCode::ALL`], for counters indexed by code.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The service's `Message` for this code and entity form, byte-exact.
    pub const fn message(self, entity: Entity) -> &'static str {
        macro_rules! msg {
            ($($code:ident),*) => {
                match (self, entity) {
                    $(
                        (ErrorCode::$code, Entity::Segment) =>
                            concat!("Invalid segment. ErrorCode: ", stringify!($code)),
                        (ErrorCode::$code, Entity::Subsegment) =>
                            concat!("Invalid subsegment. ErrorCode: ", stringify!($code), ", Cause: null"),
                    )*
                }
            };
        }
        msg!(
            ParseError,
            MissingId,
            InvalidId,
            MissingName,
            InvalidName,
            MissingTraceId,
            InvalidTraceId,
            MissingStartTime,
            InvalidStartTime,
            MissingEndTime,
            InvalidEndTime,
            MissingParentId,
            InvalidParentId,
            InvalidSegment
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which message form a rejection takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    /// A top-level segment: `Invalid segment. ErrorCode: X`.
    Segment,
    /// A standalone or embedded subsegment: `Invalid subsegment. ErrorCode: X, Cause: null`.
    Subsegment,
}

/// Broad class of an [`ErrorKind`], after serde_json's `classify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// Not well-formed JSON (or not valid base64 for a `T1S` document).
    Syntax,
    /// A configured limit (size, nesting depth).
    Limit,
    /// Well-formed JSON that breaks a segment rule.
    Schema,
    /// A finding the service tolerates; a rejection only under `Profile::Strict`.
    Lint,
}

macro_rules! kinds {
    ($( $(#[$doc:meta])* $name:ident => $code:ident, $cat:ident, $desc:literal; )*) => {
        /// The precise reason for a rejection or warning. Each kind maps to one [`ErrorCode`].
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $( $(#[$doc])* $name, )*
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$name,)*];

            /// The service `ErrorCode` this kind is answered with.
            pub const fn code(self) -> ErrorCode {
                match self { $( ErrorKind::$name => ErrorCode::$code, )* }
            }
            /// The broad class of this kind.
            pub const fn category(self) -> Category {
                match self { $( ErrorKind::$name => Category::$cat, )* }
            }
            /// A lower-case sentence describing the problem (no offset, no trailing period).
            pub const fn description(self) -> &'static str {
                match self { $( ErrorKind::$name => $desc, )* }
            }
            /// The kind's name, e.g. `"InvalidNameChar"`.
            pub const fn name(self) -> &'static str {
                match self { $( ErrorKind::$name => stringify!($name), )* }
            }
        }
    };
}

kinds! {
    /// More bytes than `Options::max_document_bytes` (65,536 by default).
    DocumentTooLarge => InvalidSegment, Limit, "document is larger than the size limit";
    /// The input is empty or only white space.
    EmptyDocument => ParseError, Syntax, "document is empty";
    /// The input starts with a UTF-8 byte order mark.
    ByteOrderMark => ParseError, Syntax, "document starts with a byte order mark";
    /// Bytes that are not UTF-8.
    InvalidUtf8 => ParseError, Syntax, "invalid UTF-8";
    /// A character that cannot start a JSON value (includes `NaN`, `Infinity`, `'`).
    ExpectedValue => ParseError, Syntax, "expected a JSON value";
    /// `true`, `false` or `null` misspelt.
    InvalidLiteral => ParseError, Syntax, "invalid literal";
    /// A number that breaks the JSON grammar (leading zeros, `1.`, `-`, `.5`).
    InvalidNumber => ParseError, Syntax, "invalid number";
    /// A raw control character (below U+0020) inside a string.
    ControlCharacterInString => ParseError, Syntax, "control character inside a string";
    /// A backslash escape JSON does not define, or `\u` without 4 hex digits.
    InvalidEscape => ParseError, Syntax, "invalid escape in a string";
    /// `\ud800`-style escape not followed by a low surrogate, or a lone low surrogate.
    LoneSurrogate => ParseError, Syntax, "lone surrogate escape in a string";
    /// The input ends inside a value.
    UnexpectedEof => ParseError, Syntax, "unexpected end of document";
    /// An object key that is not a string.
    KeyMustBeString => ParseError, Syntax, "object key must be a string";
    /// A missing `:` after an object key.
    ExpectedColon => ParseError, Syntax, "expected `:` after an object key";
    /// A missing `,` or closing bracket.
    ExpectedCommaOrEnd => ParseError, Syntax, "expected `,` or a closing bracket";
    /// Non-white-space after the top-level value.
    TrailingCharacters => ParseError, Syntax, "trailing characters after the document";
    /// Objects and arrays nested deeper than `Options::max_depth` (128 by default).
    NestingTooDeep => ParseError, Limit, "nesting deeper than the depth limit";
    /// A `T1S` document whose payload is not base64.
    InvalidOtlpPayload => ParseError, Syntax, "`T1S` payload is not valid base64";
    /// The top-level value is not an object.
    NotAnObject => MissingId, Schema, "document is not a JSON object";
    /// A key repeated in one object.
    DuplicateKey => InvalidSegment, Schema, "repeated key in an object";
    /// No `id`.
    MissingId => MissingId, Schema, "missing required field `id`";
    /// `id` is not a string of 16 hex digits.
    InvalidId => InvalidId, Schema, "`id` is not 16 hex digits";
    /// `id` has upper-case hex digits.
    UppercaseId => InvalidId, Lint, "`id` has upper-case hex digits";
    /// `id` is all zeros.
    ZeroId => InvalidId, Lint, "`id` is all zeros";
    /// No `name`.
    MissingName => MissingName, Schema, "missing required field `name`";
    /// `name` is not a string.
    NameNotString => InvalidName, Schema, "`name` is not a string";
    /// `name` is the empty string.
    EmptyName => InvalidName, Schema, "`name` is empty";
    /// `name` is longer than 200 characters.
    NameTooLong => InvalidName, Schema, "`name` is longer than 200 characters";
    /// `name` holds a character outside the allowed set.
    InvalidNameChar => InvalidName, Schema, "`name` contains a character outside the allowed set";
    /// `name` is only white space.
    BlankName => InvalidName, Lint, "`name` is only white space";
    /// No `trace_id` on a top-level document.
    MissingTraceId => MissingTraceId, Schema, "missing required field `trace_id`";
    /// `trace_id` does not have the form `1-` + 8 hex + `-` + 24 hex.
    InvalidTraceId => InvalidTraceId, Schema, "`trace_id` is not `1-` + 8 hex + `-` + 24 hex";
    /// `trace_id` has upper-case hex digits.
    UppercaseTraceId => InvalidTraceId, Lint, "`trace_id` has upper-case hex digits";
    /// `trace_id` is all zeros.
    ZeroTraceId => InvalidTraceId, Lint, "`trace_id` is all zeros";
    /// `trace_id` epoch outside the configured time window.
    TraceIdOutsideWindow => InvalidTraceId, Schema, "`trace_id` epoch is outside the time window";
    /// No `start_time`.
    MissingStartTime => MissingStartTime, Schema, "missing required field `start_time`";
    /// `start_time` is not a finite number greater than 0.
    InvalidStartTime => InvalidStartTime, Schema, "`start_time` is not a finite number greater than 0";
    /// Neither `end_time` nor `in_progress: true`.
    MissingEndTime => MissingEndTime, Schema, "missing `end_time` and `in_progress` is not true";
    /// `end_time` is not a finite number greater than 0.
    InvalidEndTime => InvalidEndTime, Schema, "`end_time` is not a finite number greater than 0";
    /// `end_time` is earlier than `start_time`.
    EndBeforeStart => InvalidEndTime, Lint, "`end_time` is earlier than `start_time`";
    /// A standalone subsegment has no `parent_id`.
    MissingParentId => MissingParentId, Schema, "missing required field `parent_id`";
    /// `parent_id` is not a string of 16 hex digits.
    InvalidParentId => InvalidParentId, Schema, "`parent_id` is not 16 hex digits";
    /// `parent_id` has upper-case hex digits.
    UppercaseParentId => InvalidParentId, Lint, "`parent_id` has upper-case hex digits";
    /// `parent_id` is all zeros.
    ZeroParentId => InvalidParentId, Lint, "`parent_id` is all zeros";
    /// A documented field that must be a string is not.
    ExpectedString => InvalidSegment, Schema, "expected a string";
    /// A documented field that must be a boolean is not.
    ExpectedBoolean => InvalidSegment, Schema, "expected a boolean";
    /// A documented field that must be a number is not.
    ExpectedNumber => InvalidSegment, Schema, "expected a number";
    /// A documented field that must be an integer-valued number is not.
    ExpectedInteger => InvalidSegment, Schema, "expected an integer";
    /// A documented field that must be an object is not.
    ExpectedObject => InvalidSegment, Schema, "expected an object";
    /// A documented field that must be an array is not.
    ExpectedArray => InvalidSegment, Schema, "expected an array";
    /// `cause` given as a string that is not an exception id of 16 hex digits.
    InvalidCauseId => InvalidSegment, Schema, "`cause` string is not 16 hex digits";
    /// An exception `id` that is not 16 hex digits.
    InvalidExceptionId => InvalidSegment, Schema, "exception `id` is not 16 hex digits";
    /// `content_length` is a string that is not only digits.
    InvalidContentLength => InvalidSegment, Schema, "`content_length` is neither a number nor a string of digits";
    /// `user` longer than 250 characters.
    LongUser => InvalidSegment, Lint, "`user` is longer than 250 characters";
    /// An `http.request` string longer than 250 characters.
    LongHttpField => InvalidSegment, Lint, "`http.request` field is longer than 250 characters";
    /// An annotation key outside `[A-Za-z0-9_.]{1,500}`; the service drops the annotation.
    InvalidAnnotationKey => InvalidSegment, Lint, "annotation key is not `[A-Za-z0-9_.]{1,500}`";
    /// An annotation value that is not a string, number or boolean; the service drops it.
    InvalidAnnotationValue => InvalidSegment, Lint, "annotation value is not a string, number or boolean";
    /// An annotation string longer than 1,000 characters; the service drops it.
    LongAnnotationValue => InvalidSegment, Lint, "annotation value is longer than 1,000 characters";
    /// More than 50 annotations in one document.
    TooManyAnnotations => InvalidSegment, Lint, "more than 50 annotations";
    /// A metadata namespace whose value is not an object.
    MetadataNotObject => InvalidSegment, Lint, "metadata namespace value is not an object";
    /// A metadata namespace starting with `AWS.`, reserved for AWS.
    ReservedMetadataNamespace => InvalidSegment, Lint, "metadata namespace starts with `AWS.`";
    /// `namespace` other than `aws`, `remote` or `local`.
    UnknownNamespace => InvalidSegment, Lint, "`namespace` is not `aws`, `remote` or `local`";
    /// `type` other than `subsegment`.
    UnknownType => InvalidSegment, Lint, "`type` is not `subsegment`";
    /// An exception without `id`.
    ExceptionWithoutId => InvalidSegment, Lint, "exception has no `id`";
    /// `content_length` given as a string of digits.
    ContentLengthString => InvalidSegment, Lint, "`content_length` is a string";
    /// A `precursor_ids` entry that is not 16 hex digits.
    InvalidPrecursorId => InvalidSegment, Lint, "`precursor_ids` entry is not 16 hex digits";
    /// A key repeated in an object that is not an entity object.
    RepeatedKey => InvalidSegment, Lint, "repeated key in an object";
}

/// A rejection reason: what went wrong, where, and which message form applies.
///
/// Eight bytes, `Copy`, no allocation. Line, column and JSON pointer are computed only on
/// request with [`Error::locate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    entity: Entity,
    offset: u32,
}

impl Error {
    #[cold]
    #[inline(never)]
    pub(crate) fn new(kind: ErrorKind, offset: usize, entity: Entity) -> Self {
        Error {
            kind,
            entity,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
        }
    }

    /// The precise kind.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The service `ErrorCode`.
    pub const fn code(&self) -> ErrorCode {
        self.kind.code()
    }

    /// The message form: top-level segment or subsegment.
    pub const fn entity(&self) -> Entity {
        self.entity
    }

    /// The service `Message`, byte-exact.
    pub const fn message(&self) -> &'static str {
        self.kind.code().message(self.entity)
    }

    /// Absolute byte offset of the problem in the buffer given to the validator.
    pub const fn offset(&self) -> usize {
        self.offset as usize
    }

    /// Line, column and JSON pointer of the problem. `input` is the buffer the offset refers to
    /// (the document, or the datagram/request buffer it came from), `base` the offset of the
    /// document in that buffer. Computed by re-scanning; call it only when you need it.
    pub fn locate(&self, input: &[u8], base: usize) -> Location {
        crate::locate::locate(input, base, self.offset(), pointer_wanted(self.kind))
    }
}

pub(crate) fn pointer_wanted(kind: ErrorKind) -> bool {
    !matches!(kind.category(), Category::Syntax | Category::Limit)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind.description(), self.offset)
    }
}

impl std::error::Error for Error {}

/// Where a problem is: 1-based line and column (in bytes) and an RFC 6901 JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in bytes.
    pub column: usize,
    /// JSON pointer of the offending value, `""` for the document itself.
    pub pointer: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_byte_exact() {
        assert_eq!(
            ErrorCode::MissingName.message(Entity::Segment),
            "Invalid segment. ErrorCode: MissingName"
        );
        assert_eq!(
            ErrorCode::MissingEndTime.message(Entity::Subsegment),
            "Invalid subsegment. ErrorCode: MissingEndTime, Cause: null"
        );
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(code.index(), i);
            assert!(code.message(Entity::Segment).ends_with(code.as_str()));
        }
    }

    #[test]
    fn error_is_small() {
        assert!(core::mem::size_of::<Error>() <= 8);
    }

    #[test]
    fn display_names_offset() {
        let e = Error::new(ErrorKind::MissingName, 17, Entity::Segment);
        assert_eq!(e.to_string(), "missing required field `name` at byte 17");
    }
}
