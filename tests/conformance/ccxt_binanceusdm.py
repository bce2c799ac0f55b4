"""Conformance: ccxt's `binanceusdm` (PyPI `ccxt`, pinned in requirements.txt) against `sim serve`.
One scripted session through ccxt's unified API: markets, time, ticker, OHLCV, order book,
leverage and margin mode, a LIMIT order placed and canceled, a MARKET round trip, positions,
balance, trades, funding history and (ccxt.pro) the user-data stream's order events, checking
shapes and values: the fill is the amount ordered, the position is the fill, the balance moved
by exactly the realised PnL minus the fees (plus funding), each fee is cost x the taker rate.

ccxt never reaches Binance: every URL in `urls.api` (REST and websocket) is rewritten to the
local server, `fetchCurrencies` is off (it would call the spot `sapi`), and the markets come
from the local `/fapi/v1/exchangeInfo` (binanceusdm loads linear markets only).
Exits non-zero on the first mismatch.

Usage: ccxt_binanceusdm.py BASE_URL API_KEY API_SECRET   (the server must run with --step)
"""

import asyncio
import sys

import ccxt
import ccxt.pro

from sim_serve import check, close, local_urls, step

SYMBOL = "BTC/USDT:USDT"
AMOUNT = 0.01


def config(cls, key, secret, base_url):
    return {
        "apiKey": key,
        "secret": secret,
        "urls": {"api": local_urls(cls().urls["api"], base_url)},
        # adjustForTimeDifference: sync with the server's (dataset) clock at load_markets.
        "options": {"fetchCurrencies": False, "fetchMarkets": {"types": ["linear"]},
                    "adjustForTimeDifference": True},
    }


def filled_market(ex, base_url, side, params=None):
    order = ex.create_order(SYMBOL, "market", side, AMOUNT, None, params or {})
    if order["status"] == "open":
        step(base_url, 1)
    order = ex.fetch_order(order["id"], SYMBOL)
    check(order["status"] == "closed", f"market order closed: {order}")
    check(order["filled"] == AMOUNT and order["remaining"] == 0, f"filled the amount: {order}")
    check(order["average"] > 0, f"average price: {order}")
    return order


async def watch_fill(key, secret, base_url, act):
    """Runs `act()` in a thread while ccxt.pro's watch_orders listens; returns the watched
    orders (until one is closed) and act's result."""
    ex = ccxt.pro.binanceusdm(config(ccxt.pro.binanceusdm, key, secret, base_url))
    try:
        await ex.load_markets()
        watching = asyncio.ensure_future(ex.watch_orders(SYMBOL))
        await asyncio.sleep(0.5)
        done = asyncio.get_running_loop().run_in_executor(None, act)
        seen = []
        async def collect():
            nonlocal watching
            while True:
                seen.extend(await watching)
                if any(o["status"] == "closed" for o in seen):
                    return
                watching = asyncio.ensure_future(ex.watch_orders(SYMBOL))
        await asyncio.wait_for(collect(), timeout=20)
        return seen, await done
    finally:
        await ex.close()


def main(base_url, key, secret):
    ex = ccxt.binanceusdm(config(ccxt.binanceusdm, key, secret, base_url))
    markets = ex.load_markets()
    market = markets[SYMBOL]
    check(market["linear"] and market["swap"] and market["settle"] == "USDT", f"{market}")
    check(market["precision"]["amount"] > 0 and market["limits"]["cost"]["min"] > 0, f"{market}")
    check(isinstance(ex.fetch_time(), int), "fetch_time")
    ohlcv = ex.fetch_ohlcv(SYMBOL, "1m", limit=5)
    check(len(ohlcv) == 5 and all(len(c) == 6 for c in ohlcv), f"ohlcv {ohlcv}")
    last_close = ohlcv[-1][4]
    ticker = ex.fetch_ticker(SYMBOL)
    check(ticker["last"] == last_close, f"ticker last {ticker['last']} = close {last_close}")
    book = ex.fetch_order_book(SYMBOL, 5)
    check(len(book["bids"]) == 5 and book["bids"][0][0] < book["asks"][0][0], f"book {book}")

    ex.set_leverage(3, SYMBOL)
    ex.set_margin_mode("isolated", SYMBOL)
    fees = ex.fetch_trading_fee(SYMBOL)
    taker = fees["taker"]
    check(taker > 0, f"taker fee {fees}")
    before = ex.fetch_balance()["USDT"]["total"]

    price = ex.price_to_precision(SYMBOL, last_close * 0.9)
    limit = ex.create_order(SYMBOL, "limit", "buy", AMOUNT, float(price),
                            {"clientOrderId": "ccxt-limit-1"})
    check(limit["status"] == "open" and limit["clientOrderId"] == "ccxt-limit-1", f"{limit}")
    check(limit["price"] == float(price) and limit["amount"] == AMOUNT, f"limit {limit}")
    opened = ex.fetch_open_orders(SYMBOL)
    check([o["id"] for o in opened] == [limit["id"]], f"open orders {opened}")
    canceled = ex.cancel_order(limit["id"], SYMBOL)
    check(canceled["status"] == "canceled", f"cancel {canceled}")
    check(ex.fetch_open_orders(SYMBOL) == [], "nothing open after cancel")
    try:
        ex.cancel_order(limit["id"], SYMBOL)
        raise AssertionError("a second cancel must fail")
    except ccxt.OrderNotFound:
        pass

    watched, entry = asyncio.run(
        watch_fill(key, secret, base_url, lambda: filled_market(ex, base_url, "buy")))
    mine = [o for o in watched if o["id"] == entry["id"] and o["status"] == "closed"]
    check(mine and mine[-1]["filled"] == AMOUNT, f"watch_orders saw the fill: {watched}")

    positions = [p for p in ex.fetch_positions([SYMBOL]) if p["contracts"]]
    check(len(positions) == 1, f"one position: {positions}")
    pos = positions[0]
    check(pos["side"] == "long" and pos["contracts"] == AMOUNT, f"position = the fill: {pos}")
    check(pos["entryPrice"] == entry["average"], f"entry price = average: {pos}")
    check(pos["marginMode"] == "isolated", f"isolated: {pos}")

    exit_ = filled_market(ex, base_url, "sell", {"reduceOnly": True})
    left = [p for p in ex.fetch_positions([SYMBOL]) if p["contracts"]]
    check(left == [], f"flat after the reduce-only exit: {left}")

    trades = ex.fetch_my_trades(SYMBOL)
    check([t["order"] for t in trades] == [entry["id"], exit_["id"]], f"trades {trades}")
    for t in trades:
        check(t["amount"] == AMOUNT and t["fee"]["currency"] == "USDT", f"trade {t}")
        check(close(t["fee"]["cost"], t["cost"] * taker, 1e-6), f"fee = cost x {taker}: {t}")
    check(trades[0]["price"] == entry["average"] and trades[1]["price"] == exit_["average"],
          f"trade prices are the orders' averages: {trades}")
    realized = sum(float(t["info"]["realizedPnl"]) for t in trades)
    pnl = (trades[1]["price"] - trades[0]["price"]) * AMOUNT
    check(close(realized, pnl, 1e-6), f"realised PnL {realized} = {pnl}")
    paid = sum(t["fee"]["cost"] for t in trades)
    funding = sum(f["amount"] for f in ex.fetch_funding_history(SYMBOL))
    after = ex.fetch_balance()["USDT"]["total"]
    expected = before + realized - paid + funding
    check(close(after, expected, 1e-8),
          f"balance {before} -> {after}, expected {expected} (PnL {realized}, fees {paid})")

    all_orders = ex.fetch_orders(SYMBOL)
    check([o["status"] for o in all_orders] == ["canceled", "closed", "closed"],
          f"fetch_orders: {[(o['id'], o['status']) for o in all_orders]}")
    try:
        ex.create_order(SYMBOL, "market", "buy", 0.001)
        raise AssertionError("an order under the minimum notional must be refused")
    except ccxt.ExchangeError as e:
        check("-4164" in str(e), f"min notional: {e}")
    print(f"ccxt conformance ok: entry {entry['average']}, exit {exit_['average']}, "
          f"fees {paid:.8f}, balance {before} -> {after}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
