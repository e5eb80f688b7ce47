//! AWS Signature Version 4 verification of the `Authorization` header.
//!
//! The canonical request is built as the AWS SDKs build it (botocore's `SigV4Auth`):
//!
//! ```text
//! METHOD\nCANONICAL_URI\nCANONICAL_QUERY\nCANONICAL_HEADERS\n\nSIGNED_HEADERS\nPAYLOAD_HASH
//! ```
//!
//! - the URI path is percent-decoded, then encoded again with `/` and the unreserved characters
//!   left as they are (an empty path is `/`);
//! - the query's `key=value` pairs are sorted;
//! - each signed header is `name:value`, its values trimmed, inner runs of white space made one
//!   space, repeated values joined by `,`;
//! - the payload hash is the `x-amz-content-sha256` header when present (it must then match the
//!   body, unless it is `UNSIGNED-PAYLOAD`), otherwise the SHA-256 of the body.
//!
//! The string to sign is `AWS4-HMAC-SHA256\n{x-amz-date}\n{scope}\n{sha256(canonical request)}`
//! and the key is derived from the secret through the scope's date, region and service. The
//! signatures are compared in constant time. The request time is not compared with the clock:
//! this is a local stand-in, and a test may sign with a fixed date.

use hmac::{Hmac, Mac};
use http::{HeaderMap, Method, Uri};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The only algorithm SigV4 headers name.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The payload hash a client sends when it does not sign the body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The access key and secret that requests must be signed with.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<hidden>")
            .finish()
    }
}

impl Credentials {
    /// Credentials from an access key id and its secret.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
        }
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }
}

/// Why a request's signature was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization` header.
    Missing,
    /// The header is not a SigV4 header with `Credential`, `SignedHeaders` and `Signature`, or
    /// `x-amz-date` is missing or disagrees with the credential scope.
    Incomplete(String),
    /// The access key id is not the configured one.
    UnknownAccessKey,
    /// The signature does not match the one computed from the request and the secret.
    Mismatch,
}

impl AuthError {
    /// The HTTP status the service answers with.
    pub const fn status(&self) -> u16 {
        match self {
            AuthError::Incomplete(_) => 400,
            _ => 403,
        }
    }

    /// The error type (`x-amzn-ErrorType`).
    pub const fn error_type(&self) -> &'static str {
        match self {
            AuthError::Missing => "MissingAuthenticationTokenException",
            AuthError::Incomplete(_) => "IncompleteSignatureException",
            AuthError::UnknownAccessKey => "UnrecognizedClientException",
            AuthError::Mismatch => "InvalidSignatureException",
        }
    }

    /// The message, in the service's words where it has any.
    pub fn message(&self) -> String {
        match self {
            AuthError::Missing => "Missing Authentication Token".to_owned(),
            AuthError::Incomplete(why) => why.clone(),
            AuthError::UnknownAccessKey => {
                "The security token included in the request is invalid.".to_owned()
            }
            AuthError::Mismatch => "The request signature we calculated does not match the \
                signature you provided. Check your AWS Secret Access Key and signing method. \
                Consult the service documentation for details."
                .to_owned(),
        }
    }
}

/// The parts of an `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// The access key id of the credential.
    pub access_key_id: &'a str,
    /// `date/region/service/aws4_request`.
    pub scope: &'a str,
    /// Lower-case header names, `;`-separated, sorted.
    pub signed_headers: &'a str,
    /// Hex signature.
    pub signature: &'a str,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/xray/aws4_request,
/// SignedHeaders=host;x-amz-date, Signature=hex`.
///
/// # Errors
///
/// [`AuthError::Incomplete`] naming what is missing.
pub fn parse_authorization(header: &str) -> Result<Authorization<'_>, AuthError> {
    let rest = header
        .trim()
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| {
            AuthError::Incomplete(format!(
                "Authorization header must start with {ALGORITHM} followed by a space"
            ))
        })?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=').unwrap_or((part.trim(), ""));
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    let missing = |what: &str| {
        AuthError::Incomplete(format!(
            "Authorization header requires '{what}' parameter. Authorization={header}"
        ))
    };
    let credential = credential.ok_or_else(|| missing("Credential"))?;
    let signed_headers = signed_headers.ok_or_else(|| missing("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| missing("Signature"))?;
    let (access_key_id, scope) = credential.split_once('/').ok_or_else(|| {
        AuthError::Incomplete(format!(
            "Credential should be scoped to a valid date, region and service: {credential}"
        ))
    })?;
    if scope.split('/').count() != 4 || !scope.ends_with("/aws4_request") {
        return Err(AuthError::Incomplete(format!(
            "Credential should be scoped with a date, region, service and aws4_request: \
             {credential}"
        )));
    }
    Ok(Authorization {
        access_key_id,
        scope,
        signed_headers,
        signature,
    })
}

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail; an empty tag would only
    // make the signature mismatch.
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The signing key for `secret` and `scope` (`date/region/service/aws4_request`).
pub fn signing_key(secret: &str, scope: &str) -> Vec<u8> {
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in scope.split('/') {
        key = hmac(&key, part.as_bytes());
    }
    key
}

/// Whether `b` is left as it is in a canonical URI path.
const fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// The canonical URI: the path percent-decoded, then encoded with `/` and the unreserved
/// characters kept; `/` for an empty path.
pub fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out = String::with_capacity(path.len());
    for b in percent_decode(path) {
        if unreserved(b) || b == b'/' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical query: the `key=value` pairs sorted, as they were sent.
pub fn canonical_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(&str, &str)> = query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect();
    pairs.sort_unstable();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `name:value` lines for the signed headers, or `None` when one of them is absent or not
/// visible ASCII.
fn canonical_headers(headers: &HeaderMap, signed: &str) -> Option<String> {
    let mut out = String::new();
    for name in signed.split(';') {
        let mut values = Vec::new();
        for value in headers.get_all(name) {
            let value = value.to_str().ok()?;
            values.push(value.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        if values.is_empty() {
            return None;
        }
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    Some(out)
}

/// The canonical request for `signed_headers` (lower-case names, `;`-separated) with
/// `payload_hash`; `None` when a signed header is absent.
pub fn canonical_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    signed_headers: &str,
    payload_hash: &str,
) -> Option<String> {
    Some(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        method.as_str(),
        canonical_uri(uri.path()),
        canonical_query(uri.query().unwrap_or("")),
        canonical_headers(headers, signed_headers)?,
        signed_headers,
        payload_hash
    ))
}

/// Verifies the request's `Authorization` header against `credentials`.
///
/// # Errors
///
/// [`AuthError`] saying why the request is refused.
pub fn verify(
    credentials: &Credentials,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), AuthError> {
    let header = headers
        .get(http::header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?
        .to_str()
        .map_err(|_| AuthError::Incomplete("Authorization header is not ASCII".to_owned()))?;
    let auth = parse_authorization(header)?;
    if auth.access_key_id != credentials.access_key_id {
        return Err(AuthError::UnknownAccessKey);
    }
    let date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            AuthError::Incomplete(
                "Authorization header requires existence of a 'X-Amz-Date' header.".to_owned(),
            )
        })?;
    let scope_date = auth.scope.split('/').next().unwrap_or("");
    if date.get(..8) != Some(scope_date) {
        return Err(AuthError::Incomplete(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '{scope_date}' != '{}', from '{date}'.",
            date.get(..8).unwrap_or(date)
        )));
    }
    let body_hash = sha256_hex(body);
    let payload_hash = match headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
    {
        Some(UNSIGNED_PAYLOAD) => UNSIGNED_PAYLOAD.to_owned(),
        Some(claimed) if claimed.eq_ignore_ascii_case(&body_hash) => claimed.to_owned(),
        Some(_) => return Err(AuthError::Mismatch),
        None => body_hash,
    };
    let canonical = canonical_request(method, uri, headers, auth.signed_headers, &payload_hash)
        .ok_or(AuthError::Mismatch)?;
    let string_to_sign = format!(
        "{ALGORITHM}\n{date}\n{}\n{}",
        auth.scope,
        sha256_hex(canonical.as_bytes())
    );
    let key = signing_key(&credentials.secret_access_key, auth.scope);
    let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(())
    } else {
        Err(AuthError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn authorization_header_parts() {
        let a = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/xray/aws4_request, \
             SignedHeaders=host;x-amz-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(a.access_key_id, "AKID");
        assert_eq!(a.scope, "20260101/us-east-1/xray/aws4_request");
        assert_eq!(a.signed_headers, "host;x-amz-date");
        assert_eq!(a.signature, "abc");
        assert!(matches!(
            parse_authorization("Basic dXNlcjpwYXNz"),
            Err(AuthError::Incomplete(_))
        ));
        let e =
            parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/x/y/z/aws4_request").unwrap_err();
        assert!(e.message().contains("'SignedHeaders'"), "{e:?}");
        assert!(parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKID, SignedHeaders=host, Signature=1"
        )
        .is_err());
    }

    #[test]
    fn canonical_parts() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/TraceSegments"), "/TraceSegments");
        assert_eq!(canonical_uri("/a b/%41%2f~"), "/a%20b/A/~");
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        let h = headers(&[("host", "  example.com "), ("x-a", "a   b"), ("x-a", "c")]);
        assert_eq!(
            canonical_headers(&h, "host;x-a").unwrap(),
            "host:example.com\nx-a:a b,c\n"
        );
        assert_eq!(canonical_headers(&h, "host;x-missing"), None);
    }

    /// The `get-vanilla` case of the AWS SigV4 test suite, as botocore 1.44.8 signs it:
    /// `SigV4Auth(Credentials("AKIDEXAMPLE", SECRET), "service", "us-east-1")` on
    /// `GET https://example.amazonaws.com/` at 20150830T123600Z.
    #[test]
    fn botocore_signature_of_the_vanilla_request() {
        let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let h = headers(&[
            ("host", "example.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, \
                 Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
        ]);
        let uri: Uri = "/".parse().unwrap();
        assert_eq!(verify(&creds, &Method::GET, &uri, &h, b""), Ok(()));
        // any change to what was signed breaks it
        assert_eq!(
            verify(&creds, &Method::POST, &uri, &h, b""),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify(&creds, &Method::GET, &uri, &h, b"x"),
            Err(AuthError::Mismatch)
        );
        let wrong = Credentials::new("AKIDEXAMPLE", "wrong");
        assert_eq!(
            verify(&wrong, &Method::GET, &uri, &h, b""),
            Err(AuthError::Mismatch)
        );
        let other = Credentials::new("OTHER", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        assert_eq!(
            verify(&other, &Method::GET, &uri, &h, b""),
            Err(AuthError::UnknownAccessKey)
        );
    }

    /// A PutTraceSegments request as botocore 1.44.8 signs it for
    /// `endpoint_url="http://127.0.0.1:2001"`, key `test`/`test`, at 20260101T000000Z.
    #[test]
    fn botocore_signature_of_a_put_trace_segments_request() {
        let body = br#"{"TraceSegmentDocuments": ["{}"]}"#;
        let creds = Credentials::new("test", "test");
        let h = headers(&[
            ("host", "127.0.0.1:2001"),
            ("content-type", "application/json"),
            ("x-amz-date", "20260101T000000Z"),
            ("authorization", BOTOCORE_PUT_AUTHORIZATION),
        ]);
        let uri: Uri = "/TraceSegments".parse().unwrap();
        assert_eq!(verify(&creds, &Method::POST, &uri, &h, body), Ok(()));
        let mut tampered = h.clone();
        tampered.insert("host", "127.0.0.1:2002".parse().unwrap());
        assert_eq!(
            verify(&creds, &Method::POST, &uri, &tampered, body),
            Err(AuthError::Mismatch)
        );
        let mut no_date = h.clone();
        no_date.remove("x-amz-date");
        assert!(matches!(
            verify(&creds, &Method::POST, &uri, &no_date, body),
            Err(AuthError::Incomplete(_))
        ));
        let mut claimed = h.clone();
        claimed.insert(
            "x-amz-content-sha256",
            sha256_hex(b"other").parse().unwrap(),
        );
        assert_eq!(
            verify(&creds, &Method::POST, &uri, &claimed, body),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            verify(&creds, &Method::POST, &uri, &HeaderMap::new(), body),
            Err(AuthError::Missing)
        );
    }

    const BOTOCORE_PUT_AUTHORIZATION: &str =
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/xray/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, \
         Signature=090fde13c73218ebb044ae644b404052b9864371890744157ba1f29903790ad0";
}
