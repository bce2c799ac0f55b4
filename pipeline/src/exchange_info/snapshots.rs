//! The exchange-info snapshots shipped with `sim` (see `pipeline/snapshots/README.md` for
//! which values are confirmed and which are estimates), embedded so a fresh machine needs no
//! network. A real file saved from Binance replaces them through `sim exchange-info import`.

use super::spec::{ExchangeInfo, ExchangeInfoError};

/// The Binance environments `sim` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Mainnet,
    Testnet,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Mainnet => "mainnet",
            Environment::Testnet => "testnet",
        }
    }
}

const MAINNET: &str = include_str!("../../snapshots/binance-usdm-mainnet.json");
const TESTNET: &str = include_str!("../../snapshots/binance-usdm-testnet.json");

/// The embedded snapshot's JSON text.
pub fn snapshot_json(env: Environment) -> &'static str {
    match env {
        Environment::Mainnet => MAINNET,
        Environment::Testnet => TESTNET,
    }
}

/// The embedded snapshot, parsed.
pub fn snapshot(env: Environment) -> Result<ExchangeInfo, ExchangeInfoError> {
    let name = match env {
        Environment::Mainnet => "snapshots/binance-usdm-mainnet.json",
        Environment::Testnet => "snapshots/binance-usdm-testnet.json",
    };
    ExchangeInfo::from_json(snapshot_json(env), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_snapshots_parse_and_testnet_is_smaller() {
        let main = snapshot(Environment::Mainnet).expect("mainnet");
        let test = snapshot(Environment::Testnet).expect("testnet");
        assert!(test.len() < main.len(), "{} vs {}", test.len(), main.len());
        for s in [
            "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BNBUSDT", "ADAUSDT", "SUIUSDT",
            "LINKUSDT", "AVAXUSDT", "LTCUSDT", "DOTUSDT", "NEARUSDT", "ZECUSDT", "GALAUSDT",
        ] {
            assert!(main.get(s).is_some(), "{s} missing on mainnet");
        }
        assert!(main.get("WAVESUSDT").is_none());
        assert!(test.get("WAVESUSDT").is_none());
        for t in test.symbols() {
            assert!(
                main.get(t.symbol.as_str()).is_some(),
                "{} only on testnet",
                t.symbol
            );
        }
        let btc = main.get("BTCUSDT").expect("btc");
        assert_eq!(btc.min_notional.to_string(), "100");
        assert_eq!(btc.market_lot_size.max_qty.to_string(), "120");
    }

    #[test]
    fn raw_document_round_trips() {
        let main = snapshot(Environment::Mainnet).expect("mainnet");
        let again = ExchangeInfo::from_json(&main.to_json_pretty(), "again").expect("again");
        assert_eq!(again, main);
    }
}
