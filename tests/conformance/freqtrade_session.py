"""freqtrade (PyPI `freqtrade`, pinned in requirements.txt) trading live against `sim serve`:
the end-to-end test of issue 27 item 7, run by tests/e2e/freqtrade.rs.

It writes a freqtrade config (futures, isolated margin, dry_run false, the strategy of
freqtrade/SimServeRoundTrips.py, ccxt's Binance URLs all pointed at the local server), starts
`freqtrade trade` under libfaketime, waits until freqtrade has closed TRADES trades (bounded; the strategy
enters no more than TRADES, so nothing is in flight then), stops it with SIGINT, and prints freqtrade's trade list from its sqlite database as one JSON line
after "FREQTRADE_TRADES ", for the Rust test to hold against serve's journal and userTrades.

The clock: freqtrade ignores candles older than two intervals by its own clock, and the replayed
market is months old and runs SPEED bars a second. So freqtrade runs under libfaketime
(`faketime -m -f "@<server time> x<60*SPEED>"`): its clock starts at the server's
`/fapi/v1/time` and runs as fast as the replay, so candles look fresh and its signed timestamps
lie on the market's clock (serve's dataset clock accepts those within the bar being replayed).

Usage: freqtrade_session.py BASE_URL API_KEY API_SECRET WORKDIR SPEED TRADES TIMEOUT_SECS
"""

import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import ccxt

from sim_serve import check, local_urls

HERE = os.path.dirname(os.path.abspath(__file__))
PAIR = "BTC/USDT:USDT"


def ccxt_config(base_url, speed):
    return {
        "urls": {"api": local_urls(ccxt.binance().urls["api"], base_url)},
        # Only the USD-M markets (no spot or coin-M exchangeInfo), no spot `sapi` currencies.
        "options": {"fetchMarkets": {"types": ["linear"]}, "fetchCurrencies": False,
                    # Binance's largest: the faked clock may be up to a bar off the market's.
                    "recvWindow": 60_000},
        # ccxt's timeout is read on the faked clock: 20 s of wall time.
        "timeout": int(20_000 * 60 * speed),
    }


def config(base_url, key, secret, workdir, speed):
    ccxt_cfg = ccxt_config(base_url, speed)
    return {
        "bot_name": "sim-serve-e2e",
        "trading_mode": "futures",
        "margin_mode": "isolated",
        "dry_run": False,
        "max_open_trades": 1,
        "stake_currency": "USDT",
        "stake_amount": 200,
        "tradable_balance_ratio": 0.99,
        "timeframe": "1m",
        "initial_state": "running",
        # freqtrade refuses ticker pricing for Binance futures: the top of serve's book.
        "entry_pricing": {"price_side": "other", "use_order_book": True, "order_book_top": 1,
                          "price_last_balance": 0.0},
        "exit_pricing": {"price_side": "other", "use_order_book": True, "order_book_top": 1},
        "exchange": {
            "name": "binance",
            "key": key,
            "secret": secret,
            "enable_ws": False,
            "ccxt_config": ccxt_cfg,
            "ccxt_async_config": ccxt_cfg,
            "pair_whitelist": [PAIR],
            "pair_blacklist": [],
        },
        "pairlists": [{"method": "StaticPairList"}],
        "strategy": "SimServeRoundTrips",
        "strategy_path": os.path.join(HERE, "freqtrade"),
        "user_data_dir": os.path.join(workdir, "user_data"),
        "db_url": f"sqlite:///{os.path.join(workdir, 'trades.sqlite')}",
        "internals": {"process_throttle_secs": 5, "heartbeat_interval": 0},
    }


def server_time(base_url):
    with urllib.request.urlopen(f"{base_url}/fapi/v1/time", timeout=30) as res:
        return json.load(res)["serverTime"]


def serve_account(base_url, key, secret):
    """serve's own account after the session, read with ccxt (synced to the dataset clock):
    its trades (userTrades) and the position left."""
    ex = ccxt.binanceusdm({
        "apiKey": key, "secret": secret,
        "urls": {"api": local_urls(ccxt.binanceusdm().urls["api"], base_url)},
        "options": {"fetchMarkets": {"types": ["linear"]}, "fetchCurrencies": False,
                    "adjustForTimeDifference": True},
    })
    ex.load_markets()
    fills = ex.fetch_my_trades(PAIR, limit=1000)
    positions = ex.fetch_positions([PAIR])
    return {
        "trades": [{"order": t["order"], "side": t["side"], "amount": t["amount"],
                    "price": t["price"], "fee": t["fee"]["cost"],
                    "realized_pnl": float(t["info"]["realizedPnl"])} for t in fills],
        "position": sum(float(p["contracts"] or 0) * (1 if p["side"] == "long" else -1)
                        for p in positions),
    }


def trades(db):
    """freqtrade's trades with their orders, as plain dicts (empty before the db exists)."""
    if not os.path.exists(db):
        return []
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute(
            "SELECT id, pair, is_open, amount, open_rate, close_rate, fee_open, fee_close, "
            "close_profit_abs, realized_profit, open_date, close_date, exit_reason "
            "FROM trades ORDER BY id")]
        for t in rows:
            t["orders"] = [dict(o) for o in con.execute(
                "SELECT ft_order_side, order_id, status, side, order_type, amount, filled, "
                "average, cost FROM orders WHERE ft_trade_id = ? ORDER BY id", (t["id"],))]
        return rows
    except sqlite3.OperationalError:
        return []  # freqtrade is still creating its tables
    finally:
        con.close()


def main(base_url, key, secret, workdir, speed, want, timeout):
    os.makedirs(os.path.join(workdir, "user_data"), exist_ok=True)
    path = os.path.join(workdir, "config.json")
    with open(path, "w") as f:
        json.dump(config(base_url, key, secret, workdir, speed), f, indent=2)
    start = datetime.datetime.fromtimestamp(server_time(base_url) / 1000, datetime.timezone.utc)
    fake = f"@{start:%Y-%m-%d %H:%M:%S} x{60 * speed:g}"
    freqtrade = os.path.join(os.path.dirname(sys.executable), "freqtrade")
    log = open(os.path.join(workdir, "freqtrade.log"), "w")
    proc = subprocess.Popen(
        ["faketime", "-m", "-f", fake, freqtrade, "trade", "--config", path],
        stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "TZ": "UTC", "SIM_FREQTRADE_TRADES": str(want)})
    db = os.path.join(workdir, "trades.sqlite")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            closed = [t for t in trades(db) if not t["is_open"]]
            if len(closed) >= want:
                break
            time.sleep(0.5)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
    result = trades(db)
    closed = [t for t in result if not t["is_open"]]
    with open(os.path.join(workdir, "freqtrade.log")) as f:
        tail = f.read()[-6000:]
    check(len(closed) >= want,
          f"freqtrade closed {len(closed)} of {want} trades in {timeout} s "
          f"(faketime {fake!r}); its log ends:\n{tail}")
    print("FREQTRADE_TRADES " + json.dumps(result))
    print("SERVE_ACCOUNT " + json.dumps(serve_account(base_url, key, secret)))
    print(f"freqtrade session ok: {len(closed)} closed trades")


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    base, key, secret, workdir, speed, want, timeout = sys.argv[1:]
    main(base, key, secret, workdir, float(speed), int(want), float(timeout))
