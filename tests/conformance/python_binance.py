"""Conformance: python-binance (PyPI `python-binance`, pinned in requirements.txt) against
`sim serve`. One scripted session: exchange info, tickers, klines, leverage and margin type, a
LIMIT order placed and canceled, a MARKET round trip (open, then close reduce-only), positions,
balance, trades, income and the user-data stream's events, checking the answers' shapes and
values: the fill is the quantity ordered, the position is the fill, the wallet moved by exactly
the realised PnL minus the commissions (plus funding), each commission is price x qty x the
taker rate. Exits non-zero on the first mismatch.

Usage: python_binance.py BASE_URL API_KEY API_SECRET   (the server must run with --step)
"""

import asyncio
import json
import time
import urllib.request
import sys

# From the modules, not `binance`: binance-futures-connector installs into the same `binance`
# package and either project's `binance/__init__.py` may be the one on disk.
from binance.async_client import AsyncClient
from binance.client import Client
from binance.exceptions import BinanceAPIException
from binance.ws.streams import BinanceSocketManager

from sim_serve import check, close, local_url, step

SYMBOL = "BTCUSDT"
QTY = 0.01


def local_client(key, secret, base_url, cls=Client):
    """A python-binance client whose every Binance URL points at `base_url` (no ping at start:
    python-binance's default pings the spot API)."""
    client = cls(key, secret, ping=False) if cls is Client else cls(key, secret)
    for name in dir(client):
        value = getattr(client, name)
        if name.endswith("_URL") and isinstance(value, str) and "://" in value:
            setattr(client, name, local_url(value, base_url))
    # sim serve speaks the dataset's clock: sync once, as python-binance's own
    # `timestamp_offset` is meant to be used (its start-up sync pings the spot API instead).
    with urllib.request.urlopen(f"{base_url}/fapi/v1/time", timeout=30) as res:
        server_ms = json.load(res)["serverTime"]
    client.timestamp_offset = server_ms - int(time.time() * 1000)
    return client


def market_data(client):
    check(client.futures_ping() == {}, "ping answers {}")
    check(isinstance(client.futures_time()["serverTime"], int), "serverTime is an int")
    info = client.futures_exchange_info()
    spec = next(s for s in info["symbols"] if s["symbol"] == SYMBOL)
    filters = {f["filterType"]: f for f in spec["filters"]}
    check(spec["contractType"] == "PERPETUAL" and spec["quoteAsset"] == "USDT", f"spec {spec}")
    check(float(filters["LOT_SIZE"]["stepSize"]) > 0, f"LOT_SIZE {filters}")
    klines = client.futures_klines(symbol=SYMBOL, interval="1m", limit=5)
    check(len(klines) == 5 and all(len(k) == 12 for k in klines), f"klines {klines}")
    check(all(b[0] - a[0] == 60_000 for a, b in zip(klines, klines[1:])), "1m apart")
    last_close = float(klines[-1][4])
    price = float(client.futures_symbol_ticker(symbol=SYMBOL)["price"])
    check(price == last_close, f"ticker price {price} = last close {last_close}")
    day = client.futures_ticker(symbol=SYMBOL)
    check(float(day["lastPrice"]) == last_close, f"24hr lastPrice {day}")
    mark = client.futures_mark_price(symbol=SYMBOL)
    check(float(mark["markPrice"]) == last_close, f"mark {mark}")
    book = client.futures_order_book(symbol=SYMBOL, limit=5)
    check(float(book["bids"][0][0]) < float(book["asks"][0][0]), f"book {book}")
    return spec, last_close


def usdt_balance(client):
    rows = [b for b in client.futures_account_balance() if b["asset"] == "USDT"]
    check(len(rows) == 1, f"one USDT balance row: {rows}")
    return float(rows[0]["balance"])


def filled_market(client, base_url, side, **extra):
    """A MARKET order of QTY, then the order as the server reports it once filled."""
    order = client.futures_create_order(symbol=SYMBOL, side=side, type="MARKET", quantity=QTY,
                                        **extra)
    check(order["status"] in ("NEW", "FILLED"), f"market order {order}")
    if order["status"] == "NEW":
        step(base_url, 1)
    filled = client.futures_get_order(symbol=SYMBOL, orderId=order["orderId"])
    check(filled["status"] == "FILLED", f"market order filled: {filled}")
    check(float(filled["executedQty"]) == QTY, f"executed the quantity ordered: {filled}")
    check(float(filled["avgPrice"]) > 0, f"avgPrice {filled}")
    return filled


async def user_stream_events(key, secret, base_url, act):
    """Runs `act()` (in a thread) while listening on the futures user-data stream; returns the
    events received until the ORDER_TRADE_UPDATE of a FILLED order and the ACCOUNT_UPDATE."""
    # Not AsyncClient.create: it pings the spot API.
    client = local_client(key, secret, base_url, AsyncClient)
    try:
        bsm = BinanceSocketManager(client)
        for name in ("FSTREAM_URL", "STREAM_URL", "FSTREAM_TESTNET_URL"):
            if hasattr(bsm, name):
                setattr(bsm, name, local_url(getattr(bsm, name), base_url))
        events = []
        async with bsm.futures_user_socket() as socket:
            await asyncio.sleep(0.3)
            done = asyncio.get_running_loop().run_in_executor(None, act)
            async def collect():
                while True:
                    msg = await socket.recv()
                    events.append(msg)
                    kinds = {e.get("e") for e in events}
                    filled = any(e.get("e") == "ORDER_TRADE_UPDATE" and e["o"]["X"] == "FILLED"
                                 for e in events)
                    if filled and "ACCOUNT_UPDATE" in kinds:
                        return
            await asyncio.wait_for(collect(), timeout=20)
            result = await done
        return events, result
    finally:
        await client.close_connection()


def main(base_url, key, secret):
    client = local_client(key, secret, base_url)
    spec, last_close = market_data(client)

    lev = client.futures_change_leverage(symbol=SYMBOL, leverage=3)
    check(lev["leverage"] == 3 and lev["symbol"] == SYMBOL, f"leverage {lev}")
    margin = client.futures_change_margin_type(symbol=SYMBOL, marginType="ISOLATED")
    check(margin["code"] == 200, f"marginType {margin}")
    check(client.futures_get_position_mode()["dualSidePosition"] is False, "one-way mode")
    taker = float(client.futures_commission_rate(symbol=SYMBOL)["takerCommissionRate"])
    check(taker > 0, f"taker rate {taker}")
    wallet_before = usdt_balance(client)

    limit_price = round(last_close * 0.9, 1)
    limit = client.futures_create_order(symbol=SYMBOL, side="BUY", type="LIMIT", quantity=QTY,
                                        price=limit_price, timeInForce="GTC",
                                        newClientOrderId="pb-limit-1")
    check(limit["status"] == "NEW" and limit["clientOrderId"] == "pb-limit-1", f"limit {limit}")
    check(float(limit["price"]) == limit_price and float(limit["origQty"]) == QTY, f"{limit}")
    opened = client.futures_get_open_orders(symbol=SYMBOL)
    check([o["orderId"] for o in opened] == [limit["orderId"]], f"open orders {opened}")
    canceled = client.futures_cancel_order(symbol=SYMBOL, orderId=limit["orderId"])
    check(canceled["status"] == "CANCELED", f"cancel {canceled}")
    check(client.futures_get_open_orders(symbol=SYMBOL) == [], "nothing open after cancel")
    try:
        client.futures_cancel_order(symbol=SYMBOL, orderId=limit["orderId"])
        raise AssertionError("a second cancel must fail")
    except BinanceAPIException as e:
        check(e.code == -2011, f"second cancel: {e}")

    # Open with the user-data stream listening: the fill arrives as ORDER_TRADE_UPDATE.
    events, entry = asyncio.run(user_stream_events(
        key, secret, base_url, lambda: filled_market(client, base_url, "BUY")))
    trade_events = [e for e in events if e.get("e") == "ORDER_TRADE_UPDATE"
                    and e["o"]["i"] == entry["orderId"] and e["o"]["X"] == "FILLED"]
    check(len(trade_events) == 1, f"one FILLED ORDER_TRADE_UPDATE for the entry: {events}")
    o = trade_events[0]["o"]
    check(o["x"] == "TRADE" and float(o["z"]) == QTY and float(o["ap"]) == float(entry["avgPrice"]),
          f"the event carries the fill: {o}")
    account_events = [e for e in events if e.get("e") == "ACCOUNT_UPDATE"]
    pos_events = [p for e in account_events for p in e["a"]["P"] if p["s"] == SYMBOL]
    check(pos_events and float(pos_events[-1]["pa"]) == QTY, f"ACCOUNT_UPDATE position {events}")

    entry_price = float(entry["avgPrice"])
    pos = client.futures_position_information(symbol=SYMBOL)
    check(len(pos) == 1, f"one position row: {pos}")
    pos = pos[0]
    check(float(pos["positionAmt"]) == QTY, f"position = the fill: {pos}")
    check(float(pos["entryPrice"]) == entry_price, f"entry price = avgPrice: {pos}")
    check(float(pos["isolatedWallet"]) > 0, f"isolated margin: {pos}")
    config = client.futures_symbol_config(symbol=SYMBOL)
    check(config[0]["marginType"] == "ISOLATED" and config[0]["leverage"] == 3, f"{config}")

    exit_ = filled_market(client, base_url, "SELL", reduceOnly="true")
    flat = client.futures_position_information(symbol=SYMBOL)
    check(all(float(p["positionAmt"]) == 0 for p in flat), f"flat after the exit: {flat}")

    trades = client.futures_account_trades(symbol=SYMBOL)
    check([t["orderId"] for t in trades] == [entry["orderId"], exit_["orderId"]],
          f"two trades, entry then exit: {trades}")
    for t in trades:
        check(float(t["qty"]) == QTY, f"trade qty: {t}")
        check(close(float(t["commission"]), float(t["price"]) * QTY * taker, 1e-6),
              f"commission = price x qty x taker rate {taker}: {t}")
    check(float(trades[0]["price"]) == entry_price, f"entry trade price {trades[0]}")
    check(float(trades[1]["price"]) == float(exit_["avgPrice"]), f"exit trade price {trades[1]}")
    pnl = (float(trades[1]["price"]) - entry_price) * QTY
    check(close(float(trades[1]["realizedPnl"]), pnl, 1e-6), f"realised PnL {pnl}: {trades[1]}")

    funding = client.futures_income_history(symbol=SYMBOL, incomeType="FUNDING_FEE")
    check(all(r["incomeType"] == "FUNDING_FEE" and r["asset"] == "USDT" for r in funding),
          f"income rows {funding}")
    fees = sum(float(t["commission"]) for t in trades)
    realized = sum(float(t["realizedPnl"]) for t in trades)
    funded = sum(float(r["income"]) for r in funding)
    wallet_after = usdt_balance(client)
    expected = wallet_before + realized - fees + funded
    check(close(wallet_after, expected, 1e-8),
          f"wallet {wallet_before} -> {wallet_after}, expected {expected} "
          f"(PnL {realized}, fees {fees}, funding {funded})")
    account = client.futures_account()
    check(close(float(account["totalWalletBalance"]), wallet_after), f"account {account}")

    try:
        client.futures_create_order(symbol="NOSUCHUSDT", side="BUY", type="MARKET", quantity=1)
        raise AssertionError("an unknown symbol must be refused")
    except BinanceAPIException as e:
        check(e.code == -1121, f"unknown symbol: {e}")
    print(f"python-binance conformance ok: entry {entry_price}, exit {exit_['avgPrice']}, "
          f"fees {fees:.8f}, wallet {wallet_before} -> {wallet_after}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
