//! The rules a `SimConfig` puts in force, in words: what a run's "execution model" section
//! (summary, console, report) says about fills, the order inside a bar, the mark price, fees,
//! slippage, latency and the constant funding rule. One sentence per rule, written here next
//! to the config so that a new rule or option is described where it is defined.
//! Must never live here: recorded funding (the run knows which dataset has it) or behaviour.

use rust_decimal::Decimal;

use crate::config::{FeeConfig, IntrabarPath, LimitFill, MarketFill, SimConfig, SlippageModel};

/// Each rule of a config in one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTexts {
    pub fill_price: String,
    pub intrabar: String,
    pub mark_price: String,
    pub fees: String,
    pub slippage: String,
    pub latency: String,
    /// The funding of a symbol without recorded rates.
    pub constant_funding: String,
}

/// `fraction` as a percentage without trailing zeros (0.0005 -> "0.05 %").
fn percent(fraction: Decimal) -> String {
    format!("{} %", (fraction * Decimal::from(100)).normalize())
}

impl SimConfig {
    /// The rules in force, in words.
    pub fn rule_texts(&self) -> RuleTexts {
        RuleTexts {
            fill_price: self.fill_price_text(),
            intrabar: match self.intrabar {
                IntrabarPath::Pessimistic => "pessimistic: a long sees the bar's low before its high and a short the high before the low, so a bar that reaches both a stop-loss and a take-profit fills the stop-loss; flat accounts follow the bar's direction".into(),
                IntrabarPath::BarDirection => "bar_direction: open -> low -> high -> close for an up bar (close >= open), open -> high -> low -> close for a down bar".into(),
                IntrabarPath::Optimistic => "optimistic: a long sees the bar's high before its low and a short the low before the high, so a bar that reaches both a stop-loss and a take-profit fills the take-profit (the bound opposite to pessimistic); flat accounts follow the bar's direction".into(),
                IntrabarPath::OpenNearest => "open_nearest: the extreme nearer the bar's open comes first (a tie follows the bar's direction)".into(),
            },
            mark_price: "the trade klines' close (no mark-price klines): margin, unrealised PnL, liquidation and triggers use the last close, funding the close of the bar that ends at the settlement".into(),
            fees: fees_text(&self.fees),
            slippage: match self.slippage {
                SlippageModel::None => "none".into(),
                SlippageModel::FixedBps { bps } => {
                    format!("{} bps against the trader on taker fills", bps.normalize())
                }
                SlippageModel::BarRange { fraction } => format!(
                    "a seeded uniform draw up to {} of the fill bar's range against the trader on taker fills",
                    fraction.normalize()
                ),
            },
            latency: self.latency_text(),
            constant_funding: if self.funding.enabled {
                format!(
                    "constant {} every {} h (00:00 UTC grid)",
                    self.funding.constant_rate.normalize(),
                    self.funding.interval_hours
                )
            } else {
                "none (exchange.funding.enabled = false)".into()
            },
        }
    }

    fn fill_price_text(&self) -> String {
        let market = match self.market_fill {
            MarketFill::NextOpen => "MARKET at the next bar's open",
            MarketFill::CurrentClose => "MARKET at the last close",
        };
        let limit = match self.limit_fill {
            LimitFill::TradeThrough => {
                "resting LIMIT at its price once a bar trades through it (trade_through)"
            }
            LimitFill::Touch => "resting LIMIT at its price once a bar touches it (touch)",
        };
        let volume = match self.max_participation {
            Some(f) => format!(
                "resting LIMIT fills take at most {} of a bar's volume",
                f.normalize()
            ),
            None => "volume never limits a fill".into(),
        };
        format!(
            "{market}; {limit}; STOP/TAKE_PROFIT at the stop price, or the open when a bar gaps past it; {volume}"
        )
    }

    fn latency_text(&self) -> String {
        let l = &self.latency;
        if l.is_none() {
            return "none: an order reaches the exchange when it is sent".into();
        }
        if l.samples_ms.is_empty() {
            return format!("{} ms per order", l.order_ms);
        }
        let mut v = l.samples_ms.clone();
        v.sort_unstable();
        let source = if l.source.is_empty() {
            String::new()
        } else {
            format!(" from {}", l.source)
        };
        format!(
            "drawn per order from {} measured delays (median {} ms, max {} ms){source}",
            v.len(),
            v[(v.len() - 1) / 2],
            v[v.len() - 1]
        )
    }
}

fn fees_text(f: &FeeConfig) -> String {
    let source = match f.tier {
        Some(t) => format!("Binance's {} USD-M rates", t.label()),
        None if f.maker == FeeConfig::default().maker && f.taker == FeeConfig::default().taker => {
            "Binance's regular (VIP 0) USD-M rates".into()
        }
        None => "configured".into(),
    };
    let bnb = if f.bnb_discount {
        "10 % BNB discount taken"
    } else {
        "no BNB discount"
    };
    let any = f.rates("");
    let mut text = format!(
        "maker {}, taker {} of the fill notional ({source}, {bnb})",
        percent(any.maker),
        percent(any.taker)
    );
    for symbol in f.symbols.keys() {
        let r = f.rates(symbol);
        text.push_str(&format!(
            "; {symbol}: maker {}, taker {}",
            percent(r.maker),
            percent(r.taker)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_options_in_words() {
        let mut c = SimConfig::default();
        let r = c.rule_texts();
        assert!(
            r.fill_price.starts_with("MARKET at the next bar's open;"),
            "{}",
            r.fill_price
        );
        assert!(r.intrabar.starts_with("pessimistic"), "{}", r.intrabar);
        assert_eq!(
            r.fees,
            "maker 0.02 %, taker 0.05 % of the fill notional (Binance's regular (VIP 0) USD-M rates, no BNB discount)"
        );
        assert_eq!(r.slippage, "none");
        assert_eq!(
            r.constant_funding,
            "constant 0.0001 every 8 h (00:00 UTC grid)"
        );
        c.latency.samples_ms = vec![300, 100, 200];
        c.slippage = SlippageModel::FixedBps {
            bps: Decimal::new(20, 1),
        };
        c.fees.taker = Decimal::new(4, 4);
        c.funding.enabled = false;
        let r = c.rule_texts();
        assert_eq!(
            r.latency,
            "drawn per order from 3 measured delays (median 200 ms, max 300 ms)"
        );
        assert_eq!(r.slippage, "2 bps against the trader on taker fills");
        assert!(
            r.fees.contains("taker 0.04 %") && r.fees.ends_with("(configured, no BNB discount)"),
            "{}",
            r.fees
        );
        c.fees = FeeConfig {
            tier: Some(crate::fees::FeeTier::Vip3),
            bnb_discount: true,
            ..FeeConfig::default()
        };
        c.fees.symbols.insert(
            "ETHUSDT".into(),
            crate::fees::FeeRates {
                maker: Decimal::ZERO,
                taker: Decimal::new(4, 4),
            },
        );
        assert_eq!(
            c.rule_texts().fees,
            "maker 0.0108 %, taker 0.0288 % of the fill notional (Binance's VIP 3 USD-M rates, \
             10 % BNB discount taken); ETHUSDT: maker 0 %, taker 0.036 %"
        );
        assert!(
            r.constant_funding.starts_with("none"),
            "{}",
            r.constant_funding
        );
    }
}
