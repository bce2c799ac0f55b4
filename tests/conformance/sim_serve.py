"""Helpers the conformance scripts share: the `/sim/*` admin calls of `sim serve`, a check that
names what failed, and the rewrite that points a client's Binance URLs at the local server.

Not a test by itself; imported by python_binance.py, ccxt_binanceusdm.py and freqtrade_session.py.
"""

import json
import urllib.parse
import urllib.request


def check(cond, what):
    """Fails the session with `what` (which should show the values compared)."""
    if not cond:
        raise AssertionError(what)


def admin(base_url, method, path):
    """An unauthenticated `/sim/*` call; returns the decoded JSON answer."""
    req = urllib.request.Request(f"{base_url}{path}", method=method)
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.load(res)


def step(base_url, bars):
    """Closes `bars` bars (the server must run with --step)."""
    return admin(base_url, "POST", f"/sim/step?bars={bars}")


def state(base_url):
    return admin(base_url, "GET", "/sim/state")


def local_url(url, base_url):
    """`url` (https://fapi.binance.com/fapi/v1, wss://fstream.binance.com/ws, ...) with its
    scheme and host replaced by the local server's, keeping the path; wss becomes ws."""
    parts = urllib.parse.urlsplit(url)
    local = urllib.parse.urlsplit(base_url)
    scheme = "ws" if parts.scheme in ("ws", "wss") else "http"
    return urllib.parse.urlunsplit((scheme, local.netloc, parts.path, parts.query, ""))


def local_urls(api, base_url):
    """ccxt's `urls.api` tree with every URL pointed at `base_url`."""
    if isinstance(api, dict):
        return {k: local_urls(v, base_url) for k, v in api.items()}
    if isinstance(api, str) and "://" in api:
        return local_url(api, base_url)
    return api


def close(a, b, tol=1e-9):
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(a)), abs(float(b)))
