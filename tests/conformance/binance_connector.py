"""Conformance: Binance's official Python connector (`binance-futures-connector`, PyPI) against
`sim serve`. Places a LIMIT and a MARKET order, queries, cancels, reads positions and balance,
and checks the fields a Binance client relies on. Exits non-zero on the first mismatch.

Usage: binance_connector.py BASE_URL API_KEY API_SECRET   (the server must run with --step)
"""

import json
import sys
import urllib.request

from binance.error import ClientError
from binance.um_futures import UMFutures


def step(base_url, bars):
    req = urllib.request.Request(f"{base_url}/sim/step?bars={bars}", method="POST")
    with urllib.request.urlopen(req) as res:
        return json.load(res)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def main(base_url, key, secret):
    client = UMFutures(key=key, secret=secret, base_url=base_url)
    check(client.ping() == {}, "ping answers {}")
    server_time = client.time()["serverTime"]
    check(isinstance(server_time, int), "serverTime is an int")
    info = client.exchange_info()
    check(any(s["symbol"] == "BTCUSDT" for s in info["symbols"]), "exchangeInfo lists BTCUSDT")
    klines = client.klines("BTCUSDT", "1m", limit=10)
    check(len(klines) == 10 and len(klines[0]) == 12, "klines are 12-element rows")
    last_close = float(klines[-1][4])
    mark = float(client.mark_price("BTCUSDT")["markPrice"])
    check(mark == last_close, f"mark {mark} is the last close {last_close}")

    leverage = client.change_leverage(symbol="BTCUSDT", leverage=5)
    check(leverage["leverage"] == 5, f"leverage answer {leverage}")

    limit_price = round(last_close * 0.9, 1)
    limit = client.new_order(
        symbol="BTCUSDT", side="BUY", type="LIMIT", quantity=0.01,
        price=limit_price, timeInForce="GTC", newClientOrderId="conf-limit-1",
    )
    check(limit["status"] == "NEW", f"limit order {limit}")
    check(limit["clientOrderId"] == "conf-limit-1", "client order id kept")
    check(float(limit["price"]) == limit_price, "limit price kept")
    queried = client.query_order(symbol="BTCUSDT", orderId=limit["orderId"])
    check(queried["status"] == "NEW" and queried["type"] == "LIMIT", f"query {queried}")
    opened = client.get_orders(symbol="BTCUSDT")
    check([o["orderId"] for o in opened] == [limit["orderId"]], f"open orders {opened}")
    canceled = client.cancel_order(symbol="BTCUSDT", orderId=limit["orderId"])
    check(canceled["status"] == "CANCELED", f"cancel {canceled}")
    check(client.get_orders(symbol="BTCUSDT") == [], "no open orders after cancel")
    try:
        client.cancel_order(symbol="BTCUSDT", orderId=limit["orderId"])
        raise AssertionError("a second cancel must fail")
    except ClientError as e:
        check(e.status_code == 400 and e.error_code == -2011, f"second cancel: {e}")

    market = client.new_order(symbol="BTCUSDT", side="SELL", type="MARKET", quantity=0.01)
    check(market["status"] in ("NEW", "FILLED"), f"market order {market}")
    step(base_url, 1)
    filled = client.query_order(symbol="BTCUSDT", orderId=market["orderId"])
    check(filled["status"] == "FILLED", f"market order after one bar {filled}")
    check(float(filled["executedQty"]) == 0.01, "fully executed")
    check(float(filled["avgPrice"]) > 0, "avgPrice set")

    positions = client.get_position_risk(symbol="BTCUSDT")
    check(len(positions) == 1, f"one position row {positions}")
    pos = positions[0]
    check(float(pos["positionAmt"]) == -0.01, f"short 0.01: {pos}")
    check(float(pos["entryPrice"]) == float(filled["avgPrice"]), "entry = fill price")
    check(float(pos["markPrice"]) > 0 and float(pos["notional"]) < 0, f"mark and notional {pos}")
    config = client.symbol_configuration(symbol="BTCUSDT")
    check(config[0]["leverage"] == 5 and config[0]["marginType"] == "CROSSED", f"config {config}")

    balances = client.balance()
    usdt = [b for b in balances if b["asset"] == "USDT"]
    check(len(usdt) == 1, f"a USDT balance {balances}")
    check(0 < float(usdt[0]["balance"]) < 10000, f"wallet paid the fee {usdt[0]}")
    account = client.account()
    check(float(account["totalWalletBalance"]) == float(usdt[0]["balance"]), "account = balance")

    trades = client.get_account_trades(symbol="BTCUSDT")
    check(len(trades) == 1 and trades[0]["orderId"] == market["orderId"], f"trades {trades}")
    check(float(trades[0]["commission"]) > 0, "the fill paid a commission")
    check(client.get_position_mode()["dualSidePosition"] is False, "one-way mode")
    check(float(client.commission_rate(symbol="BTCUSDT")["takerCommissionRate"]) > 0, "fees")
    check(client.leverage_brackets(symbol="BTCUSDT")["brackets"][0]["bracket"] == 1, "brackets")
    check(float(client.ticker_price("BTCUSDT")["price"]) > 0, "ticker")
    book = client.depth("BTCUSDT", limit=5)
    check(len(book["bids"]) == 5 and len(book["asks"]) == 5, f"depth {book}")
    check(float(book["bids"][0][0]) < float(book["asks"][0][0]), f"bid below ask {book}")

    # Conditional orders: the connector has no algo methods; its generic signed call works.
    stop_price = round(float(pos["markPrice"]) * 1.05, 1)
    algo = client.sign_request("POST", "/fapi/v1/algoOrder", {
        "algoType": "CONDITIONAL", "symbol": "BTCUSDT", "side": "BUY", "type": "STOP_MARKET",
        "triggerPrice": stop_price, "quantity": 0.01, "reduceOnly": "true",
        "clientAlgoId": "conf-stop-1",
    })
    check(algo["algoStatus"] == "NEW" and algo["clientAlgoId"] == "conf-stop-1", f"algo {algo}")
    gone = client.sign_request("DELETE", "/fapi/v1/algoOrder", {"algoId": algo["algoId"]})
    check(gone["code"] == "200", f"algo cancel {gone}")

    listen_key = client.new_listen_key()["listenKey"]
    check(len(listen_key) > 0, "a listen key")
    client.renew_listen_key(listen_key)
    client.close_listen_key(listen_key)

    try:
        client.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=0.001)
        raise AssertionError("an order under min notional must fail")
    except ClientError as e:
        check(e.status_code == 400 and e.error_code == -4164, f"min notional: {e}")

    try:
        UMFutures(key=key, secret="wrong", base_url=base_url).balance()
        raise AssertionError("a wrong secret must be refused")
    except ClientError as e:
        check(e.status_code == 400 and e.error_code == -1022, f"bad signature: {e}")
    print("conformance ok")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
