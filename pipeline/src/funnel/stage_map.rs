//! The funnel's two tables of counts, laid out for counting on the hot path: [`StageMap`]
//! (a fixed slot per stage) and [`SymbolStages`] (a `StageMap` per symbol, sorted by name).
//! Both serialise exactly as the ordered maps they replace (`BTreeMap<Stage, _>` and
//! `BTreeMap<String, _>`), so `summary.json` and `funnel.json` read the same.
//! Must never live here: what is counted or when (the funnel and the stages decide that).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Counts, PerEval};
use crate::stages::Stage;

const STAGES: usize = Stage::ALL.len();

/// Counts per stage: one slot per stage in pipeline order (the order of `Stage`'s `Ord`), empty
/// until the stage is first counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageMap {
    slots: [Option<PerEval<Counts>>; STAGES],
}

impl StageMap {
    /// Every stage present with zero counts (a run's totals list all stages).
    pub fn all_stages() -> Self {
        StageMap {
            slots: std::array::from_fn(|_| Some(PerEval::default())),
        }
    }

    pub fn get(&self, stage: &Stage) -> Option<&PerEval<Counts>> {
        self.slots[*stage as usize].as_ref()
    }

    /// The counts of `stage`, made present (zero) if they were not.
    pub fn entry(&mut self, stage: Stage) -> &mut PerEval<Counts> {
        self.slots[stage as usize].get_or_insert_with(PerEval::default)
    }

    /// The stages present, in pipeline order.
    pub fn iter(&self) -> impl Iterator<Item = (&Stage, &PerEval<Counts>)> {
        Stage::ALL
            .iter()
            .zip(&self.slots)
            .filter_map(|(s, slot)| slot.as_ref().map(|p| (s, p)))
    }

    pub fn values(&self) -> impl Iterator<Item = &PerEval<Counts>> {
        self.slots.iter().flatten()
    }
}

impl<'a> IntoIterator for &'a StageMap {
    type Item = (&'a Stage, &'a PerEval<Counts>);
    type IntoIter = Box<dyn Iterator<Item = Self::Item> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl FromIterator<(Stage, PerEval<Counts>)> for StageMap {
    fn from_iter<I: IntoIterator<Item = (Stage, PerEval<Counts>)>>(iter: I) -> Self {
        let mut m = StageMap::default();
        for (s, p) in iter {
            m.slots[s as usize] = Some(p);
        }
        m
    }
}

impl Serialize for StageMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for StageMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<Stage, PerEval<Counts>>::deserialize(d)?
            .into_iter()
            .collect())
    }
}

/// A [`StageMap`] per symbol, sorted by symbol name (a run has a few dozen at most, so a sorted
/// vector searches faster than a tree and reads the same).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolStages {
    sorted: Vec<(String, StageMap)>,
}

impl SymbolStages {
    fn find(&self, symbol: &str) -> Result<usize, usize> {
        self.sorted
            .binary_search_by(|(s, _)| s.as_str().cmp(symbol))
    }

    pub fn get(&self, symbol: &str) -> Option<&StageMap> {
        self.find(symbol).ok().map(|i| &self.sorted[i].1)
    }

    /// `symbol`'s counts, made present (empty) if they were not.
    pub fn entry(&mut self, symbol: &str) -> &mut StageMap {
        let i = match self.find(symbol) {
            Ok(i) => i,
            Err(i) => {
                self.sorted
                    .insert(i, (symbol.to_string(), StageMap::default()));
                i
            }
        };
        &mut self.sorted[i].1
    }

    /// By symbol name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &StageMap)> {
        self.sorted.iter().map(|(s, m)| (s, m))
    }

    pub fn values(&self) -> impl Iterator<Item = &StageMap> {
        self.sorted.iter().map(|(_, m)| m)
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }
}

impl<'a> IntoIterator for &'a SymbolStages {
    type Item = (&'a String, &'a StageMap);
    type IntoIter = Box<dyn Iterator<Item = Self::Item> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl Serialize for SymbolStages {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for SymbolStages {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, StageMap>::deserialize(d)?;
        Ok(SymbolStages {
            sorted: map.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same counts in the maps these tables replace.
    fn as_btree(m: &SymbolStages) -> BTreeMap<String, BTreeMap<Stage, PerEval<Counts>>> {
        m.iter()
            .map(|(s, st)| (s.clone(), st.iter().map(|(k, v)| (*k, v.clone())).collect()))
            .collect()
    }

    #[test]
    fn both_tables_serialise_as_the_ordered_maps_and_read_back() {
        let mut m = SymbolStages::default();
        for (sym, stage) in [
            ("SOLUSDT", Stage::Executor),
            ("BTCUSDT", Stage::Permit),
            ("BTCUSDT", Stage::Trader),
            ("ETHUSDT", Stage::Bridge),
            ("BTCUSDT", Stage::Permit),
        ] {
            m.entry(sym).entry(stage).entry.input += 1;
        }
        let names: Vec<_> = m.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(names, ["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
        let btc = m.get("BTCUSDT").expect("btc");
        let stages: Vec<_> = btc.iter().map(|(s, _)| *s).collect();
        assert_eq!(stages, [Stage::Trader, Stage::Permit]);
        assert_eq!(btc.get(&Stage::Permit).map(|p| p.entry.input), Some(2));
        assert!(btc.get(&Stage::Bridge).is_none());

        let json = serde_json::to_string(&m).expect("ser");
        assert_eq!(json, serde_json::to_string(&as_btree(&m)).expect("ser"));
        let back: SymbolStages = serde_json::from_str(&json).expect("de");
        assert_eq!(back, m);

        let all = StageMap::all_stages();
        let reference: BTreeMap<Stage, PerEval<Counts>> = Stage::ALL
            .iter()
            .map(|s| (*s, PerEval::default()))
            .collect();
        assert_eq!(
            serde_json::to_string(&all).expect("ser"),
            serde_json::to_string(&reference).expect("ser")
        );
    }
}
