//! What keeps the public report form (no login) usable by citizens and costly to abuse:
//!
//! - a rate limit in memory, per client address over an hour and per reporter phone over a day
//!   (the public API and the form share it);
//! - a signed form token carrying when the form was served: a form sent back sooner than a
//!   person could fill it, later than a working day, or with a token not made here is refused
//!   (and shown again with what was typed). Its random part also names the submission, so a
//!   form sent twice makes one report.
//!
//! The signing key is made at start-up: a restart only asks citizens holding an open form to
//! send it again. The honeypot field lives in the form itself (`views::hotline`).

use crate::auth::constant_time_eq;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// Reports accepted from one address within [`ADDRESS_WINDOW_MINUTES`]. Generous: mobile
/// carriers put many subscribers behind one address (CGNAT).
pub const MAX_PER_ADDRESS: usize = 10;
pub const ADDRESS_WINDOW_MINUTES: i64 = 60;
/// Reports accepted from one reporter phone number within 24 hours.
pub const MAX_PER_PHONE: usize = 3;
pub const PHONE_WINDOW_HOURS: i64 = 24;
/// No person reads, fills and sends the form faster than this.
pub const MIN_FILL_SECONDS: i64 = 3;
/// A form older than this is served again.
pub const MAX_FORM_AGE_HOURS: i64 = 8;

/// Why a submission is refused for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// Too many reports from this address; seconds to wait.
    Address(i64),
    /// Too many reports from this phone number; seconds to wait.
    Phone(i64),
}

impl Limited {
    pub fn wait_seconds(self) -> i64 {
        match self {
            Limited::Address(s) | Limited::Phone(s) => s,
        }
    }

    /// For a person, in Vietnamese.
    pub fn message(self) -> String {
        let minutes = (self.wait_seconds() + 59) / 60;
        let wait = if minutes >= 120 {
            format!("{} giờ", (minutes + 59) / 60)
        } else {
            format!("{minutes} phút")
        };
        match self {
            Limited::Address(_) => format!(
                "Đã nhận quá nhiều phản ánh từ mạng của bạn. Hãy thử lại sau {wait}, \
                 hoặc gọi đường dây nóng."
            ),
            Limited::Phone(_) => format!(
                "Số điện thoại này đã gửi {MAX_PER_PHONE} phản ánh trong 24 giờ. Hãy thử lại sau \
                 {wait}, hoặc gọi đường dây nóng."
            ),
        }
    }
}

/// What is wrong with a form token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Sent back sooner than [`MIN_FILL_SECONDS`].
    TooFast,
    /// Older than [`MAX_FORM_AGE_HOURS`].
    Expired,
    /// Missing, malformed or not signed here (or signed before a restart).
    Invalid,
}

impl TokenProblem {
    pub fn message(self) -> &'static str {
        match self {
            TokenProblem::TooFast => {
                "Biểu mẫu được gửi quá nhanh. Hãy kiểm tra lại thông tin rồi bấm Gửi lần nữa."
            }
            TokenProblem::Expired | TokenProblem::Invalid => {
                "Biểu mẫu đã hết hạn. Thông tin bạn nhập vẫn còn dưới đây: hãy bấm Gửi lần nữa."
            }
        }
    }
}

#[derive(Debug)]
pub struct HotlineGuard {
    hits: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
    key: [u8; 32],
}

impl Default for HotlineGuard {
    fn default() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill(&mut key);
        Self {
            hits: Mutex::default(),
            key,
        }
    }
}

/// HMAC-SHA-256 (RFC 2104) with a 32-byte key.
fn hmac(key: &[u8; 32], msg: &[u8]) -> [u8; 32] {
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize()
        .into()
}

impl HotlineGuard {
    /// Counts one report against the address and the phone, or refuses it (counting nothing)
    /// when either is over its limit.
    pub fn acquire(
        &self,
        now: DateTime<Utc>,
        ip: Option<&str>,
        phone: Option<&str>,
    ) -> Result<(), Limited> {
        let Ok(mut map) = self.hits.lock() else {
            return Ok(());
        };
        if map.len() > 10_000 {
            let since = now - Duration::hours(PHONE_WINDOW_HOURS);
            map.retain(|_, list| list.iter().any(|t| *t > since));
        }
        let address_window = Duration::minutes(ADDRESS_WINDOW_MINUTES);
        let phone_window = Duration::hours(PHONE_WINDOW_HOURS);
        let mut keys = vec![(
            format!("ip:{}", ip.unwrap_or("-")),
            MAX_PER_ADDRESS,
            address_window,
            Limited::Address as fn(i64) -> Limited,
        )];
        if let Some(p) = phone.filter(|p| !p.is_empty()) {
            keys.push((
                format!("phone:{p}"),
                MAX_PER_PHONE,
                phone_window,
                Limited::Phone as fn(i64) -> Limited,
            ));
        }
        for (key, max, window, limited) in &keys {
            if let Some(list) = map.get_mut(key) {
                list.retain(|t| *t > now - *window);
                if list.len() >= *max {
                    let oldest = list.iter().min().copied().unwrap_or(now);
                    return Err(limited((oldest + *window - now).num_seconds().max(1)));
                }
            }
        }
        for (key, ..) in keys {
            map.entry(key).or_default().push(now);
        }
        Ok(())
    }

    /// A token for a form served now: `seconds.nonce.signature`.
    pub fn form_token(&self, now: DateTime<Utc>) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill(&mut nonce);
        let body = format!("{}.{}", now.timestamp(), hex::encode(nonce));
        let mac = hmac(&self.key, body.as_bytes());
        format!("{body}.{}", hex::encode(&mac[..16]))
    }

    /// Checks a form token sent back now; returns its random part (which names the submission).
    pub fn check_token(&self, token: &str, now: DateTime<Utc>) -> Result<String, TokenProblem> {
        let mut parts = token.trim().split('.');
        let (Some(secs), Some(nonce), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenProblem::Invalid);
        };
        let mac = hmac(&self.key, format!("{secs}.{nonce}").as_bytes());
        if !constant_time_eq(hex::encode(&mac[..16]).as_bytes(), sig.as_bytes()) {
            return Err(TokenProblem::Invalid);
        }
        let issued = secs
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
            .ok_or(TokenProblem::Invalid)?;
        let age = now - issued;
        if age < Duration::seconds(MIN_FILL_SECONDS) {
            return Err(TokenProblem::TooFast);
        }
        if age > Duration::hours(MAX_FORM_AGE_HOURS) {
            return Err(TokenProblem::Expired);
        }
        Ok(nonce.to_owned())
    }
}

/// The key under which a citizen's submission is stored: the same key and the same content
/// give the same report (a retry); an edited form sent with the old key is a new report.
pub fn client_key(source: &str, key: &str, content: &impl serde::Serialize) -> String {
    let body = serde_json::to_vec(content).unwrap_or_default();
    let digest = Sha256::new()
        .chain_update(source.as_bytes())
        .chain_update([0])
        .chain_update(key.as_bytes())
        .chain_update([0])
        .chain_update(&body)
        .finalize();
    format!("{source}:{}", hex::encode(&digest[..20]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2021, 6, 24, 8, 0, 0).unwrap()
    }

    #[test]
    fn hmac_agrees_with_rfc_4231() {
        // Test case 1: a 20-byte key, which HMAC pads with zeros as ours is.
        let mut key = [0u8; 32];
        key[..20].fill(0x0b);
        assert_eq!(
            hex::encode(hmac(&key, b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn an_address_is_limited_per_hour_and_a_phone_per_day() {
        let g = HotlineGuard::default();
        for i in 0..MAX_PER_ADDRESS {
            assert!(
                g.acquire(t0(), Some("1.2.3.4"), Some(&format!("09{i:08}")))
                    .is_ok()
            );
        }
        let e = g
            .acquire(t0(), Some("1.2.3.4"), Some("0987654321"))
            .unwrap_err();
        assert_eq!(e, Limited::Address(3600));
        assert!(g.acquire(t0(), Some("5.6.7.8"), None).is_ok());
        assert!(
            g.acquire(t0() + Duration::minutes(61), Some("1.2.3.4"), None)
                .is_ok()
        );
        for _ in 0..MAX_PER_PHONE {
            assert!(g.acquire(t0(), Some("9.9.9.9"), Some("0911111111")).is_ok());
        }
        let e = g
            .acquire(t0(), Some("8.8.8.8"), Some("0911111111"))
            .unwrap_err();
        assert!(matches!(e, Limited::Phone(_)));
        assert!(e.message().contains("24 giờ"));
        // Refused attempts count for nothing.
        assert!(g.acquire(t0(), Some("8.8.8.8"), None).is_ok());
    }

    #[test]
    fn form_tokens_need_time_expire_and_cannot_be_forged() {
        let g = HotlineGuard::default();
        let t = g.form_token(t0());
        assert_eq!(g.check_token(&t, t0()), Err(TokenProblem::TooFast));
        let nonce = g.check_token(&t, t0() + Duration::seconds(5)).unwrap();
        assert_eq!(nonce.len(), 24);
        assert_eq!(
            g.check_token(&t, t0() + Duration::hours(9)),
            Err(TokenProblem::Expired)
        );
        let forged = t.replacen(&t0().timestamp().to_string(), "1000", 1);
        assert_eq!(
            g.check_token(&forged, t0() + Duration::seconds(5)),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            HotlineGuard::default().check_token(&t, t0() + Duration::seconds(5)),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(g.check_token("", t0()), Err(TokenProblem::Invalid));
    }

    #[test]
    fn client_keys_follow_key_and_content() {
        let a = client_key("form", "n1", &("x", 1));
        assert_eq!(a, client_key("form", "n1", &("x", 1)));
        assert_ne!(a, client_key("form", "n1", &("x", 2)));
        assert_ne!(a, client_key("api", "n1", &("x", 1)));
    }
}
