//! Point-in-time exchange info: an [`InfoSchedule`] of `ExchangeInfo` versions, each valid
//! from a timestamp until the next one, and the small integer [`SymId`] every symbol of any
//! version gets (ids follow symbol names, so they are the same for the same schedule).
//!
//! A symbol is listed at time t when the version valid at t has it and, unless disabled in the
//! config, t >= its `onboardDate`. A tick-size change is a new version from its date.
//! Must never live here: trading state, or any lookup by string on the bar path.

use std::collections::BTreeMap;

use pipeline::exchange_info::{ExchangeInfo, SharedSpec, SymbolSpec};
use pipeline::{Symbol, TimestampMs};

use crate::error::SimError;

/// A symbol's index in the simulated exchange (0, 1, 2 ... in name order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SymId(pub(crate) u32);

impl SymId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug, Clone)]
struct Version {
    valid_from: TimestampMs,
    info: ExchangeInfo,
    /// By `SymId`; `None` where this version does not list the symbol.
    specs: Vec<Option<SharedSpec>>,
}

/// Exchange-info versions in time order.
#[derive(Debug, Clone)]
pub struct InfoSchedule {
    versions: Vec<Version>,
    names: Vec<Symbol>,
    ids: BTreeMap<String, SymId>,
}

impl InfoSchedule {
    /// One exchange info valid for all time.
    pub fn single(info: ExchangeInfo) -> InfoSchedule {
        Self::build(vec![(TimestampMs(i64::MIN), info)])
    }

    /// Versions as (valid from, info); valid-from times must strictly increase. Before the
    /// first version's time nothing is listed.
    pub fn new(versions: Vec<(TimestampMs, ExchangeInfo)>) -> Result<InfoSchedule, SimError> {
        if versions.is_empty() {
            return Err(SimError::Schedule(
                "needs at least one exchange-info version".into(),
            ));
        }
        for w in versions.windows(2) {
            if w[1].0 <= w[0].0 {
                return Err(SimError::Schedule(format!(
                    "version valid from {} must come after the one valid from {}; give versions in time order",
                    w[1].0, w[0].0
                )));
            }
        }
        Ok(Self::build(versions))
    }

    fn build(versions: Vec<(TimestampMs, ExchangeInfo)>) -> InfoSchedule {
        let mut names: Vec<Symbol> = versions
            .iter()
            .flat_map(|(_, info)| info.symbols().map(|s| s.symbol.clone()))
            .collect();
        names.sort();
        names.dedup();
        let ids: BTreeMap<String, SymId> = names
            .iter()
            .enumerate()
            .map(|(i, s)| (s.to_string(), SymId(u32::try_from(i).unwrap_or(u32::MAX))))
            .collect();
        let versions = versions
            .into_iter()
            .map(|(valid_from, info)| {
                let specs = names
                    .iter()
                    .map(|n| info.get(n.as_str()).map(SharedSpec::new))
                    .collect();
                Version {
                    valid_from,
                    info,
                    specs,
                }
            })
            .collect();
        InfoSchedule {
            versions,
            names,
            ids,
        }
    }

    /// The id of `symbol`, if any version lists it.
    pub fn symbol_id(&self, symbol: &str) -> Option<SymId> {
        self.ids.get(symbol).copied()
    }

    /// Every symbol of any version, by id.
    pub fn symbols(&self) -> &[Symbol] {
        &self.names
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The index of the version valid at `t`.
    pub(crate) fn version_at(&self, t: TimestampMs) -> Option<usize> {
        let n = self.versions.partition_point(|v| v.valid_from <= t);
        n.checked_sub(1)
    }

    /// When the version after `index` starts (`i64::MAX` if none).
    pub(crate) fn next_change_after(&self, index: Option<usize>) -> i64 {
        let next = index.map_or(0, |i| i + 1);
        self.versions.get(next).map_or(i64::MAX, |v| v.valid_from.0)
    }

    pub(crate) fn spec_in(&self, version: Option<usize>, id: SymId) -> Option<SharedSpec> {
        version
            .and_then(|v| self.versions.get(v))
            .and_then(|v| v.specs.get(id.index()))
            .and_then(|s| *s)
    }

    /// Every version as (valid from, info), oldest first: what a run's fingerprint hashes and
    /// what a check walks to see listings and filter changes within the data's time span.
    pub fn versions(&self) -> impl ExactSizeIterator<Item = (TimestampMs, &ExchangeInfo)> {
        self.versions.iter().map(|v| (v.valid_from, &v.info))
    }

    /// The exchange info valid at `t` (what `GET /fapi/v1/exchangeInfo` would answer then).
    pub fn info_at(&self, t: TimestampMs) -> Option<&ExchangeInfo> {
        self.version_at(t)
            .and_then(|i| self.versions.get(i))
            .map(|v| &v.info)
    }

    /// The spec of `symbol` at `t`, honouring `onboardDate` when `respect_onboard` is set.
    pub fn spec_at(
        &self,
        symbol: &str,
        t: TimestampMs,
        respect_onboard: bool,
    ) -> Option<&SymbolSpec> {
        let id = self.symbol_id(symbol)?;
        let spec = self.spec_in(self.version_at(t), id)?;
        (!respect_onboard || t >= spec.onboard_date).then_some(spec.rules())
    }
}

impl From<ExchangeInfo> for InfoSchedule {
    fn from(info: ExchangeInfo) -> Self {
        InfoSchedule::single(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::exchange_info::{Environment, snapshot};

    #[test]
    fn ids_follow_names_and_versions_switch_at_their_time() {
        let main = snapshot(Environment::Mainnet).expect("mainnet");
        let test = snapshot(Environment::Testnet).expect("testnet");
        let t1 = TimestampMs::from_utc(2025, 1, 1, 0, 0, 0);
        let s = InfoSchedule::new(vec![(TimestampMs(0), test), (t1, main)]).expect("schedule");
        assert_eq!(s.symbol_id("ADAUSDT"), Some(SymId(0)));
        assert!(s.symbol_id("WAVESUSDT").is_none());
        let before = TimestampMs::from_utc(2024, 6, 1, 0, 0, 0);
        assert!(
            s.spec_at("SUIUSDT", before, true).is_none(),
            "testnet lacks SUI"
        );
        assert!(s.spec_at("SUIUSDT", t1, true).is_some());
        assert!(s.spec_at("BTCUSDT", TimestampMs(-1), false).is_none());
        // onboardDate: SUIUSDT is listed from 2023-05-03.
        let early = TimestampMs::from_utc(2023, 1, 1, 0, 0, 0);
        let main_only = InfoSchedule::single(snapshot(Environment::Mainnet).expect("m"));
        assert!(main_only.spec_at("SUIUSDT", early, true).is_none());
        assert!(main_only.spec_at("SUIUSDT", early, false).is_some());
        assert_eq!(s.next_change_after(Some(0)), t1.0);
        assert_eq!(s.next_change_after(Some(1)), i64::MAX);
        let froms: Vec<TimestampMs> = s.versions().map(|(t, _)| t).collect();
        assert_eq!(froms, [TimestampMs(0), t1]);
    }

    #[test]
    fn versions_must_increase() {
        let main = snapshot(Environment::Mainnet).expect("mainnet");
        let e = InfoSchedule::new(vec![(TimestampMs(5), main.clone()), (TimestampMs(5), main)]);
        assert!(e.is_err());
        assert!(InfoSchedule::new(vec![]).is_err());
    }
}
