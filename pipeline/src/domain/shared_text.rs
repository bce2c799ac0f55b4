//! `SharedText`: text made once and handed around many times, shared rather than copied:
//! an order's client id (`ClientOrderId`, `newClientOrderId`), a plan id, a signal's source.
//! Every order update and fill a venue reports carries its order's client id, and every stage
//! passes the plan id and the source on, so a backtest hands the same text around a dozen
//! times per signal: cloning it bumps a counter instead of allocating. It reads like a `&str`
//! (deref, comparisons with text, serde as a plain string).
//! Must never live here: validation (Binance's rules are in the order check).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedText(Arc<str>);

/// An order's client id (`newClientOrderId`).
pub type ClientOrderId = SharedText;

impl SharedText {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SharedText {
    fn default() -> Self {
        SharedText(Arc::from(""))
    }
}

impl Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for SharedText {
    fn from(s: &str) -> Self {
        SharedText(Arc::from(s))
    }
}

/// The symbol's own allocation, shared.
impl From<&super::Symbol> for SharedText {
    fn from(s: &super::Symbol) -> Self {
        SharedText(Arc::clone(s.shared()))
    }
}

impl From<String> for SharedText {
    fn from(s: String) -> Self {
        SharedText(Arc::from(s))
    }
}

impl PartialEq<str> for SharedText {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedText {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SharedText {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl Serialize for SharedText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SharedText::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_like_text() {
        let id = ClientOrderId::from("sim-00ff-tp");
        let copy = id.clone();
        assert!(Arc::ptr_eq(&id.0, &copy.0), "shared, not copied");
        assert_eq!(id, "sim-00ff-tp");
        assert!(id.ends_with("-tp"));
        assert_eq!(format!("{id} {id:?}"), "sim-00ff-tp \"sim-00ff-tp\"");
        let json = serde_json::to_string(&id).expect("json");
        assert_eq!(json, "\"sim-00ff-tp\"");
        let back: ClientOrderId = serde_json::from_str(&json).expect("back");
        assert_eq!(back, id);
    }
}
