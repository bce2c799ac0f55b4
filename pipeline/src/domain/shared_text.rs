//! `SharedText`: text made once and handed around many times: an order's client id
//! (`ClientOrderId`, `newClientOrderId`), a plan id, a signal's source. Every order update and
//! fill a venue reports carries its order's client id, and every stage passes the plan id and
//! the source on, so a backtest hands the same text around a dozen times per signal.
//! Text of up to 23 bytes (every id `sim` makes: a plan id is 16, a client id at most 23) is
//! kept in place, so making one allocates nothing and cloning one copies 24 bytes; longer text
//! is shared behind a counter. It reads like a `&str` (deref, comparisons with text, serde as a
//! plain string).
//! Must never live here: validation (Binance's rules are in the order check).

use std::fmt;
use std::num::NonZeroU8;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest text kept in place.
const INLINE: usize = 23;

#[derive(Clone)]
pub struct SharedText(Repr);

/// Text of at most [`INLINE`] bytes is always `Inline` and longer text always `Shared`, so
/// one text has one representation.
#[derive(Clone)]
enum Repr {
    /// The length plus one (never zero, which leaves `Shared` its tag: 24 bytes in all), then
    /// the bytes, zero after the text.
    Inline(NonZeroU8, [u8; INLINE]),
    Shared(Arc<str>),
}

/// An order's client id (`newClientOrderId`).
pub type ClientOrderId = SharedText;

impl SharedText {
    /// The text. Text kept in place is checked to be UTF-8 on every call (it always is, but
    /// the check walks the bytes), so hot paths use [`SharedText::as_bytes`] and the
    /// comparisons, which read the bytes.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Always whole UTF-8 (copied from text or checked ASCII), so never the fallback.
            Repr::Inline(n, bytes) => {
                std::str::from_utf8(&bytes[..usize::from(n.get() - 1)]).unwrap_or_default()
            }
            Repr::Shared(text) => text,
        }
    }

    /// The text's bytes, without the UTF-8 check of [`SharedText::as_str`].
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline(n, bytes) => &bytes[..usize::from(n.get() - 1)],
            Repr::Shared(text) => text.as_bytes(),
        }
    }

    /// The length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the text is kept in place (at most 23 bytes).
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline(..))
    }

    /// Text from ASCII bytes without a UTF-8 check (`None` if a byte is not ASCII).
    pub fn from_ascii(bytes: &[u8]) -> Option<SharedText> {
        if !bytes.is_ascii() {
            return None;
        }
        Some(match Self::inline_len(bytes.len()) {
            Some(n) => SharedText(Repr::Inline(n, Self::padded(&[bytes]))),
            None => SharedText(Repr::Shared(Arc::from(
                std::str::from_utf8(bytes).unwrap_or_default(),
            ))),
        })
    }

    /// `prefix`, then `text`, then `suffix` (e.g. a client id from a plan id), without a UTF-8
    /// check: whole texts joined are whole UTF-8.
    pub fn surrounded(prefix: &str, text: &SharedText, suffix: &str) -> SharedText {
        let parts = [prefix.as_bytes(), text.as_bytes(), suffix.as_bytes()];
        match Self::inline_len(parts.iter().map(|p| p.len()).sum()) {
            Some(n) => SharedText(Repr::Inline(n, Self::padded(&parts))),
            None => SharedText::from(format!("{prefix}{text}{suffix}")),
        }
    }

    /// The tag of text of `len` bytes kept in place (`None`: too long for it).
    fn inline_len(len: usize) -> Option<NonZeroU8> {
        if len > INLINE {
            return None;
        }
        u8::try_from(len + 1).ok().and_then(NonZeroU8::new)
    }

    /// `parts` one after the other, zero after them (their total is at most `INLINE`).
    fn padded(parts: &[&[u8]]) -> [u8; INLINE] {
        let mut bytes = [0u8; INLINE];
        let mut at = 0;
        for p in parts {
            bytes[at..at + p.len()].copy_from_slice(p);
            at += p.len();
        }
        bytes
    }
}

impl Default for SharedText {
    fn default() -> Self {
        SharedText::from("")
    }
}

impl Deref for SharedText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedText {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Equal text. Two texts in place compare their 24 bytes; one text never has both forms.
impl PartialEq for SharedText {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Repr::Inline(a, x), Repr::Inline(b, y)) => a == b && x == y,
            (Repr::Shared(x), Repr::Shared(y)) => x == y,
            _ => false,
        }
    }
}

impl Eq for SharedText {}

/// By text (UTF-8 orders as its bytes do).
impl Ord for SharedText {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialOrd for SharedText {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Hashes the text's bytes (one text has one form, so equal texts hash alike).
impl std::hash::Hash for SharedText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Display for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for SharedText {
    fn from(s: &str) -> Self {
        match Self::inline_len(s.len()) {
            Some(n) => SharedText(Repr::Inline(n, Self::padded(&[s.as_bytes()]))),
            None => SharedText(Repr::Shared(Arc::from(s))),
        }
    }
}

impl From<&super::Symbol> for SharedText {
    fn from(s: &super::Symbol) -> Self {
        SharedText::from(s.as_str())
    }
}

impl From<String> for SharedText {
    fn from(s: String) -> Self {
        if s.len() <= INLINE {
            SharedText::from(s.as_str())
        } else {
            SharedText(Repr::Shared(Arc::from(s)))
        }
    }
}

impl PartialEq<str> for SharedText {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for SharedText {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for SharedText {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Serialize for SharedText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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
        assert_eq!(id, copy);
        assert_eq!(id, "sim-00ff-tp");
        assert!(id.ends_with("-tp"));
        assert_eq!(format!("{id} {id:?}"), "sim-00ff-tp \"sim-00ff-tp\"");
        let json = serde_json::to_string(&id).expect("json");
        assert_eq!(json, "\"sim-00ff-tp\"");
        let back: ClientOrderId = serde_json::from_str(&json).expect("back");
        assert_eq!(back, id);
    }

    #[test]
    fn short_text_in_place_long_text_shared() {
        assert_eq!(std::mem::size_of::<SharedText>(), 24);
        let longest = "sim-0123456789abcdef-sl";
        assert_eq!(longest.len(), 23);
        for text in ["", "a", "测试", longest] {
            let t = SharedText::from(text);
            assert!(t.is_inline(), "{text}");
            assert_eq!(t.as_str(), text);
            assert_eq!(SharedText::from(text.to_string()), t);
        }
        let long = format!("{longest}x");
        let t = SharedText::from(long.as_str());
        assert!(!t.is_inline());
        assert_eq!(t, SharedText::from(long.clone()));
        assert_eq!(t.as_str(), long);
        assert_ne!(t, SharedText::from(longest));
        // 22 bytes and a 3-byte character: 25 bytes, shared whole.
        let wide = format!("{}测", &longest[..22]);
        assert_eq!(SharedText::from(wide.as_str()).as_str(), wide);
        assert_eq!(SharedText::default(), "");
    }

    proptest::proptest! {
        /// Order, equality and hashing are the text's, whichever form each side has.
        #[test]
        fn compares_as_its_text(a in "[a-z0-9测-]{0,30}", b in "[a-z0-9测-]{0,30}") {
            use std::hash::{BuildHasher, RandomState};
            let (x, y) = (SharedText::from(a.as_str()), SharedText::from(b.clone()));
            proptest::prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            proptest::prop_assert_eq!(x == y, a == b);
            proptest::prop_assert_eq!(x.as_str(), a.as_str());
            let h = RandomState::new();
            let again = SharedText::from(a.clone());
            proptest::prop_assert_eq!(h.hash_one(&x), h.hash_one(&again));
            proptest::prop_assert_eq!(x.as_bytes(), a.as_bytes());
            proptest::prop_assert_eq!(x.len(), a.len());
            let joined = SharedText::surrounded("sim-", &x, &b);
            proptest::prop_assert_eq!(joined.as_str(), format!("sim-{a}{b}"));
            proptest::prop_assert_eq!(joined, SharedText::from(format!("sim-{a}{b}")));
            if a.is_ascii() {
                proptest::prop_assert_eq!(SharedText::from_ascii(a.as_bytes()), Some(x));
            } else {
                proptest::prop_assert_eq!(SharedText::from_ascii(a.as_bytes()), None);
            }
        }
    }
}
