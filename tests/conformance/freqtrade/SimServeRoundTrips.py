"""A freqtrade strategy for the end-to-end test against `sim serve` (tests/e2e/freqtrade.rs):
it trades as often as freqtrade lets it, so a short replay yields several complete trades.

- Entry: long on every new 1m candle while no trade is open (max_open_trades is 1).
- Exit: by minimal_roi: after 2 minutes any result is taken ("2": -1), so each trade closes
  at market two or three candles after it opened; the stoploss is far away (-50 %).
- No entry once SIM_FREQTRADE_TRADES trades exist (when set): the session stops the bot after
  that many closed trades, and with no entry in flight then, every order serve filled is in
  freqtrade's database (a SIGINT during an entry could leave a fill freqtrade never stored).
Market orders both ways, so every order fills at once on serve and its fill can be matched
with serve's journal. Not a trading idea: a deterministic generator of round trips.
"""

import os

from pandas import DataFrame

from freqtrade.persistence import Trade
from freqtrade.strategy import IStrategy


class SimServeRoundTrips(IStrategy):
    INTERFACE_VERSION = 3
    timeframe = "1m"
    can_short = False
    minimal_roi = {"0": 10.0, "2": -1.0}
    stoploss = -0.5
    process_only_new_candles = True
    startup_candle_count = 5
    order_types = {
        "entry": "market",
        "exit": "market",
        "stoploss": "market",
        "stoploss_on_exchange": False,
    }

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["enter_long"] = (dataframe["volume"] > 0).astype(int)
        return dataframe

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["exit_long"] = 0
        return dataframe

    def confirm_trade_entry(self, pair, order_type, amount, rate, time_in_force, current_time,
                            entry_tag, side, **kwargs) -> bool:
        limit = int(os.environ.get("SIM_FREQTRADE_TRADES", "0"))
        return limit <= 0 or len(Trade.get_trades_proxy()) < limit
