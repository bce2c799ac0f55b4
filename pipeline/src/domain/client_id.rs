//! `ClientOrderId`: an order's client id (`newClientOrderId`), shared rather than copied.
//! Every order update and fill a venue reports carries its order's client id, so a backtest
//! hands the same id around a dozen times per order: cloning it bumps a counter instead of
//! allocating. It reads like a `&str` (deref, comparisons with text, serde as a plain string).
//! Must never live here: validation (Binance's rules are in the order check).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientOrderId(Arc<str>);

impl ClientOrderId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ClientOrderId {
    fn default() -> Self {
        ClientOrderId(Arc::from(""))
    }
}

impl Deref for ClientOrderId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ClientOrderId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for ClientOrderId {
    fn from(s: &str) -> Self {
        ClientOrderId(Arc::from(s))
    }
}

impl From<String> for ClientOrderId {
    fn from(s: String) -> Self {
        ClientOrderId(Arc::from(s))
    }
}

impl PartialEq<str> for ClientOrderId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for ClientOrderId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for ClientOrderId {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl Serialize for ClientOrderId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ClientOrderId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(ClientOrderId::from)
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
