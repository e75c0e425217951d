//! Slack request signatures: `v0=` + hex(HMAC-SHA256(secret, "v0:{ts}:{raw body}")),
//! compared in constant time, timestamp within ±300 s of an injectable "now".

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const MAX_SKEW_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing signature or timestamp header")]
    Missing,
    #[error("timestamp is not an integer")]
    BadTimestamp,
    #[error("timestamp outside the 300 s window")]
    Stale,
    #[error("signature version is not v0")]
    BadVersion,
    #[error("signature mismatch")]
    Mismatch,
}

impl SignatureError {
    /// Label used in metrics ("bad signature" vs "stale").
    pub fn outcome(&self) -> &'static str {
        match self {
            SignatureError::Stale | SignatureError::BadTimestamp => "stale",
            _ => "bad_signature",
        }
    }
}

/// Computes the `v0=` signature for a body (used by tests, the simulator and load scripts).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// Verifies a Slack request. `now_secs` is the injectable clock.
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_secs: i64,
) -> Result<(), SignatureError> {
    Verifier::new(secret).verify(timestamp, signature, body, now_secs)
}

/// The signing secret's HMAC key, prepared once per process (the key schedule costs as much
/// as hashing a short body) and cloned per request.
#[derive(Clone)]
pub struct Verifier {
    /// `None` for an empty secret: every request is refused.
    mac: Option<Hmac<Sha256>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(..)")
    }
}

impl Verifier {
    pub fn new(secret: &str) -> Verifier {
        let mac = (!secret.is_empty()).then(|| {
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key")
        });
        Verifier { mac }
    }

    /// Checks the headers and the raw body: ±300 s window, then `v0=` + 64 lowercase hex
    /// digits compared in constant time.
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now_secs: i64,
    ) -> Result<(), SignatureError> {
        let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
            return Err(SignatureError::Missing);
        };
        let Some(key) = &self.mac else {
            return Err(SignatureError::Mismatch);
        };
        let ts: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        if (now_secs - ts).abs() > MAX_SKEW_SECS {
            return Err(SignatureError::Stale);
        }
        let hex_sig = signature
            .strip_prefix("v0=")
            .ok_or(SignatureError::BadVersion)?;
        // Exactly what Slack sends: 64 lowercase hex digits (found by the fuzz target: hex
        // decoding alone also took uppercase digits).
        let lowercase_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if hex_sig.len() != 64 || !hex_sig.bytes().all(lowercase_hex) {
            return Err(SignatureError::Mismatch);
        }
        let mut expected = [0u8; 32];
        hex::decode_to_slice(hex_sig, &mut expected).map_err(|_| SignatureError::Mismatch)?;
        let mut mac = key.clone();
        mac.update(b"v0:");
        mac.update(timestamp.as_bytes());
        mac.update(b":");
        mac.update(body);
        // verify_slice compares in constant time.
        mac.verify_slice(&expected)
            .map_err(|_| SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slack's published worked example (api.slack.com/authentication/verifying-requests-from-slack),
    // byte for byte.
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn slack_worked_example_verifies() {
        assert_eq!(sign(SECRET, TS, BODY.as_bytes()), SIG);
        assert_eq!(
            verify(SECRET, Some(TS), Some(SIG), BODY.as_bytes(), 1531420618),
            Ok(())
        );
    }

    #[test]
    fn slack_worked_example_negative_cases() {
        let now = 1531420618;
        assert_eq!(
            verify(SECRET, Some("1531420628"), Some(SIG), BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        let mut longer = BODY.as_bytes().to_vec();
        longer.extend_from_slice(b"&x=1");
        assert_eq!(
            verify(SECRET, Some(TS), Some(SIG), &longer, now),
            Err(SignatureError::Mismatch)
        );
        let wall = chrono::Utc::now().timestamp();
        assert_eq!(
            verify(SECRET, Some(TS), Some(SIG), BODY.as_bytes(), wall),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(
                SECRET,
                Some("Hello there!"),
                Some(SIG),
                BODY.as_bytes(),
                now
            ),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            verify(SECRET, None, Some(SIG), BODY.as_bytes(), now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(SECRET, Some(TS), None, BODY.as_bytes(), now),
            Err(SignatureError::Missing)
        );
        let v1 = SIG.replacen("v0=", "v1=", 1);
        assert_eq!(
            verify(SECRET, Some(TS), Some(&v1), BODY.as_bytes(), now),
            Err(SignatureError::BadVersion)
        );
    }

    #[test]
    fn window_is_300_seconds_both_ways() {
        let body = b"";
        let sig = "v0=55f41ec73231010289b54e669149ea021fccab11b5524355523533ce930cb739";
        assert_eq!(sign(SECRET, TS, body), sig);
        for now in [1531420618 + 300, 1531420618 - 300] {
            assert_eq!(verify(SECRET, Some(TS), Some(sig), body, now), Ok(()));
        }
        for now in [1531420618 + 301, 1531420618 - 301] {
            assert_eq!(
                verify(SECRET, Some(TS), Some(sig), body, now),
                Err(SignatureError::Stale)
            );
        }
    }

    #[test]
    fn extra_vectors_from_the_contract() {
        let cases = [
            (SECRET, TS, r#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#, "v0=f9bd80929259f3f6d5fe3a3186c453c89cd1ad4862815a15837584f31c993652"),
            (SECRET, TS, "payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22ack%22%2C%22value%22%3A%22INC-1%22%7D%5D%7D", "v0=e7e3dad810edb24cd983ba434609378634a8469a6647993a55100a3c8eb21562"),
            (SECRET, "1531420628", BODY, "v0=5fd1e1e990877107bffb80069d2dac53d06738538da51c5c8afc66e89882a93b"),
            ("secret", TS, r#"{"foo":"bar"}"#, "v0=bb5bc143e1afa37151ea6887f794287bcfad6113bb7596ffca6ec599ecbdc216"),
        ];
        for (secret, ts, body, sig) in cases {
            assert_eq!(sign(secret, ts, body.as_bytes()), sig);
            let now: i64 = ts.parse().unwrap();
            assert_eq!(
                verify(secret, Some(ts), Some(sig), body.as_bytes(), now),
                Ok(())
            );
        }
    }

    #[test]
    fn only_lowercase_hex_is_accepted() {
        let now = 1531420618;
        let upper = SIG.replacen("a2114d57", "a2114D57", 1);
        assert_eq!(
            verify(SECRET, Some(TS), Some(&upper), BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
        let longer = format!("{SIG}00");
        assert_eq!(
            verify(SECRET, Some(TS), Some(&longer), BODY.as_bytes(), now),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn garbage_signatures_are_mismatches_not_panics() {
        for sig in ["v0=", "v0=zz", "v0=abc", "", "v0"] {
            assert!(verify(SECRET, Some(TS), Some(sig), b"x", 1531420618).is_err());
        }
        assert!(verify("", Some(TS), Some(SIG), BODY.as_bytes(), 1531420618).is_err());
    }
}
