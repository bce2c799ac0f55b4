//! `Symbol`: a venue instrument name such as `BTCUSDT`.
//!
//! Validation is deliberately loose about the alphabet (Binance lists symbols with Chinese
//! characters since 2025-10) but strict about shape: non-empty, at most 32 characters, no
//! whitespace, no lowercase ASCII (Binance symbols are upper case; `btcusdt` is a typo we name).
//!
//! Symbols are interned: every `Symbol::new` of one text shares one allocation, so comparing
//! two symbols (every bar, every map lookup on the hot path) is a pointer comparison. The table
//! keeps each distinct name for the life of the process (a few dozen in a run), so a symbol is
//! a plain reference to it: cloning one copies two words, with no shared counter to update
//! (an atomic instruction per clone and per drop, a dozen times per order on the hot path).

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a symbol: {why} (write it as Binance does, e.g. BTCUSDT)")]
pub struct SymbolError {
    pub text: String,
    pub why: &'static str,
}

/// A cheaply clonable, validated symbol name.
#[derive(Clone, Eq)]
pub struct Symbol(&'static str);

/// The one allocation of `text`, kept for the life of the process.
fn interned(text: &str) -> &'static str {
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(kept) = table.get(text) {
        return kept;
    }
    let kept: &'static str = Box::leak(text.into());
    table.insert(kept);
    kept
}

/// One interned name: the same address.
fn same(a: &'static str, b: &'static str) -> bool {
    std::ptr::eq(a.as_ptr(), b.as_ptr())
}

/// By text; one symbol against itself (the usual case) without reading it.
impl Ord for Symbol {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if same(self.0, other.0) {
            return std::cmp::Ordering::Equal;
        }
        self.0.cmp(other.0)
    }
}

impl PartialOrd for Symbol {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Hashes the text, consistent with the equality below.
impl std::hash::Hash for Symbol {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// Equal text; clones of one symbol (the usual case) are equal without reading the text.
impl PartialEq for Symbol {
    fn eq(&self, other: &Self) -> bool {
        same(self.0, other.0) || self.0 == other.0
    }
}

impl Symbol {
    pub fn new(text: &str) -> Result<Self, SymbolError> {
        let err = |why| SymbolError {
            text: text.to_string(),
            why,
        };
        if text.is_empty() {
            return Err(err("it is empty"));
        }
        if text.chars().count() > 32 {
            return Err(err("it is longer than 32 characters"));
        }
        if text.chars().any(char::is_whitespace) {
            return Err(err("it contains whitespace"));
        }
        if text.chars().any(|c| c.is_ascii_lowercase()) {
            return Err(err("it contains lower-case letters"));
        }
        Ok(Self(interned(text)))
    }

    pub fn as_str(&self) -> &str {
        self.0
    }

    /// A number that names this symbol for the life of the process: interned names are never
    /// freed, so equal symbols have equal identities and different ones different identities.
    /// For caches keyed by symbol on the hot path.
    pub fn identity(&self) -> usize {
        self.0.as_ptr() as usize
    }
}

impl FromStr for Symbol {
    type Err = SymbolError;
    fn from_str(s: &str) -> Result<Self, SymbolError> {
        Self::new(s)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Symbol({})", self.0)
    }
}

impl AsRef<str> for Symbol {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl Serialize for Symbol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Symbol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Symbol::new(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_is_one_allocation() {
        let (a, b) = (
            Symbol::new("ETHUSDT").ok(),
            "ETHUSDT".parse::<Symbol>().ok(),
        );
        let (a, b) = (a.expect("valid"), b.expect("valid"));
        assert!(same(a.0, b.0));
        assert_eq!(a.identity(), b.identity());
        let c = Symbol::new("BTCUSDT").expect("valid");
        assert_eq!(a.cmp(&c), std::cmp::Ordering::Greater);
        assert_eq!(c.cmp(&a), std::cmp::Ordering::Less);
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Equal);
        assert_ne!(a, c);
        assert_ne!(a.identity(), c.identity());
    }

    #[test]
    fn accepts_binance_names_and_refuses_typos() {
        assert_eq!(
            Symbol::new("BTCUSDT").map(|s| s.to_string()),
            Ok("BTCUSDT".into())
        );
        assert!(Symbol::new("测试USDT").is_ok());
        assert!(Symbol::new("BTCUSDT_260925").is_ok());
        let e = Symbol::new("btcusdt").expect_err("lower");
        assert!(e.to_string().contains("lower-case"));
        assert!(Symbol::new("").is_err());
        assert!(Symbol::new("BTC USDT").is_err());
    }
}
