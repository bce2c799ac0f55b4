//! `SharedSpec`: one symbol's trading rules, made once and handed to every order.
//!
//! The executor asks the venue for the rules of every plan, checks each order against them,
//! and stamps the order with them so the venue need not check it again; the venue reads them
//! on every order too. Rules are interned like symbols: one `SymbolSpec` per distinct content,
//! kept for the life of the process (a venue lists a few hundred symbols, and exchange-info
//! history changes a rule a few times a year), so a handle is a plain reference: copying one
//! updates no shared counter, and two handles to the same rules compare by address.
//! Must never live here: the check itself (`check`) or parsing (`spec`).

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::{Mutex, OnceLock};

use serde::{Serialize, Serializer};

use super::spec::SymbolSpec;
use crate::domain::Symbol;

/// A handle to interned trading rules; reads as a `&SymbolSpec`.
#[derive(Clone, Copy)]
pub struct SharedSpec(&'static SymbolSpec);

impl SharedSpec {
    /// The interned rules equal to `spec` (made on first sight).
    pub fn new(spec: &SymbolSpec) -> SharedSpec {
        type Table = HashMap<Symbol, Vec<&'static SymbolSpec>>;
        static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
        let mut table = TABLE
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let versions = table.entry(spec.symbol.clone()).or_default();
        if let Some(kept) = versions.iter().find(|kept| **kept == spec) {
            return SharedSpec(kept);
        }
        let kept: &'static SymbolSpec = Box::leak(Box::new(spec.clone()));
        versions.push(kept);
        SharedSpec(kept)
    }

    /// The rules, borrowed for as long as the process lives.
    pub fn rules(self) -> &'static SymbolSpec {
        self.0
    }

    /// The very same rules (one address per distinct content, so also: equal rules).
    pub fn same(a: SharedSpec, b: SharedSpec) -> bool {
        std::ptr::eq(a.0, b.0)
    }
}

impl Deref for SharedSpec {
    type Target = SymbolSpec;
    fn deref(&self) -> &SymbolSpec {
        self.0
    }
}

impl AsRef<SymbolSpec> for SharedSpec {
    fn as_ref(&self) -> &SymbolSpec {
        self.0
    }
}

/// Equal rules; interned, so equal rules have one address.
impl PartialEq for SharedSpec {
    fn eq(&self, other: &Self) -> bool {
        SharedSpec::same(*self, *other)
    }
}

impl Eq for SharedSpec {}

impl fmt::Debug for SharedSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl Serialize for SharedSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange_info::snapshots::{Environment, snapshot};

    #[test]
    fn equal_rules_are_one_address_and_changed_rules_another() {
        let info = snapshot(Environment::Testnet).expect("snapshot");
        let spec = info.get("BTCUSDT").expect("BTCUSDT").clone();
        let (a, b) = (SharedSpec::new(&spec), SharedSpec::new(&spec.clone()));
        assert!(SharedSpec::same(a, b));
        assert_eq!(*a, spec);
        let mut changed = spec.clone();
        changed.min_notional += rust_decimal::Decimal::ONE;
        let c = SharedSpec::new(&changed);
        assert!(!SharedSpec::same(a, c));
        assert_ne!(a, c);
        assert_eq!(c.min_notional, changed.min_notional);
        assert!(SharedSpec::same(c, SharedSpec::new(&changed)));
    }
}
