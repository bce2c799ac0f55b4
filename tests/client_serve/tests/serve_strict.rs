//! `serve` refuses what Binance refuses, over raw HTTP, each rule with Binance's code: a
//! recvWindow above 60000 (-1131), a parameter sent twice (-1101), a start after the end
//! (-1023), a depth limit outside Binance's set (-4021), a client order id with characters
//! Binance's rule does not allow (-4015), a wrong method (405) and an
//! oversized request (431) with a `{code,msg}` body; and unknown paths answer 404 -5000
//! with a message that names what is served (`GET /sim/endpoints`).

mod serve_common;

use serde_json::Value;
use serve::Faults;
use serve_common::{Caller, Got, KEY, SECRET, now_ms, start};

fn open_orders(c: &Caller) -> usize {
    let got = c.signed("GET", "/fapi/v1/openOrders", "symbol=BTCUSDT");
    assert_eq!(got.status, 200, "{:?}", got.body);
    got.body.as_array().map_or(usize::MAX, Vec::len)
}

fn msg(got: &Got) -> &str {
    got.body["msg"].as_str().unwrap_or("")
}

#[test]
fn a_recv_window_above_60000_is_refused_and_places_nothing() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let an_hour_ago = now_ms() - 3_600_000;
    let order = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=60000";
    let huge = c
        .signed_with(
            "POST",
            "/fapi/v1/order",
            &format!("{order}&recvWindow=999999999"),
            (KEY, SECRET),
            an_hour_ago,
            false,
        )
        .expect("answer");
    assert_eq!((huge.status, huge.code()), (400, -1131), "{:?}", huge.body);
    assert_eq!(msg(&huge), "recvWindow must be less than 60000.");
    assert_eq!(open_orders(&c), 0);
    // 60000 itself is Binance's largest window, and a 30 s old request is inside it.
    let widest = c
        .signed_with(
            "POST",
            "/fapi/v1/order",
            &format!("{order}&recvWindow=60000"),
            (KEY, SECRET),
            now_ms() - 30_000,
            true,
        )
        .expect("answer");
    assert_eq!(widest.status, 200, "{:?}", widest.body);
    assert_eq!(open_orders(&c), 1);
}

#[test]
fn a_parameter_sent_twice_is_refused_in_the_query_or_the_body() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let twice = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&quantity=0.02&price=60000";
    for in_body in [false, true] {
        let got = c
            .signed_with(
                "POST",
                "/fapi/v1/order",
                twice,
                (KEY, SECRET),
                now_ms(),
                in_body,
            )
            .expect("answer");
        assert_eq!((got.status, got.code()), (400, -1101), "{:?}", got.body);
        assert!(msg(&got).starts_with("Duplicate values for a parameter detected."));
        assert!(msg(&got).contains("'quantity'"), "{}", msg(&got));
    }
    assert_eq!(open_orders(&c), 0);
    let public = c.public(
        "GET",
        "/fapi/v1/klines",
        "symbol=BTCUSDT&interval=1m&limit=5&limit=6",
    );
    assert_eq!((public.status, public.code()), (400, -1101));
}

#[test]
fn a_client_order_id_outside_binances_characters_is_refused() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let order = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=60000";
    let spaced = c.signed(
        "POST",
        "/fapi/v1/order",
        &format!("{order}&newClientOrderId=my%20order"),
    );
    assert_eq!(
        (spaced.status, spaced.code()),
        (400, -4015),
        "{:?}",
        spaced.body
    );
    assert!(msg(&spaced).starts_with("Client order id is not valid."));
    assert_eq!(open_orders(&c), 0);
    let fine = c.signed(
        "POST",
        "/fapi/v1/order",
        &format!("{order}&newClientOrderId=plan-7.a%3Ab%2Fc_d"),
    );
    assert_eq!(fine.status, 200, "{:?}", fine.body);
    assert_eq!(fine.body["clientOrderId"], "plan-7.a:b/c_d");
}

#[test]
fn a_start_after_the_end_is_refused() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let (t0, t1) = (1_767_225_600_000_i64, 1_767_225_660_000_i64);
    let backwards = c.public(
        "GET",
        "/fapi/v1/klines",
        &format!("symbol=BTCUSDT&interval=1m&startTime={t1}&endTime={t0}"),
    );
    assert_eq!((backwards.status, backwards.code()), (400, -1023));
    assert_eq!(msg(&backwards), "Start time is greater than end time.");
    let one_instant = c.public(
        "GET",
        "/fapi/v1/klines",
        &format!("symbol=BTCUSDT&interval=1m&startTime={t0}&endTime={t0}"),
    );
    assert_eq!(one_instant.status, 200, "{:?}", one_instant.body);
    assert_eq!(one_instant.body.as_array().map(Vec::len), Some(1));
    for path in ["/fapi/v1/userTrades", "/fapi/v1/income"] {
        let got = c.signed(
            "GET",
            path,
            &format!("symbol=BTCUSDT&startTime={t1}&endTime={t0}"),
        );
        assert_eq!((got.status, got.code()), (400, -1023), "{path}");
    }
}

#[test]
fn depth_takes_binance_limits_only_and_its_bid_is_below_its_ask() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let seven = c.public("GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=7");
    assert_eq!(
        (seven.status, seven.code()),
        (400, -4021),
        "{:?}",
        seven.body
    );
    assert!(msg(&seven).starts_with("'7' is not valid depth limit."));
    let five = c.public("GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=5");
    assert_eq!(five.status, 200, "{:?}", five.body);
    let side = |name: &str| -> Vec<f64> {
        five.body[name]
            .as_array()
            .expect("levels")
            .iter()
            .map(|l| l[0].as_str().and_then(|p| p.parse().ok()).expect("a price"))
            .collect()
    };
    let (bids, asks) = (side("bids"), side("asks"));
    assert_eq!((bids.len(), asks.len()), (5, 5));
    assert!(
        bids[0] < asks[0],
        "best bid {} < best ask {}",
        bids[0],
        asks[0]
    );
    assert!(bids.windows(2).all(|w| w[0] > w[1]));
    assert!(asks.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_wrong_method_answers_405_with_binance_json() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let put = c.public("PUT", "/fapi/v1/ping", "");
    assert_eq!(put.status, 405);
    assert_eq!(put.content_type, "application/json");
    assert_eq!(put.code(), -1000);
    assert!(msg(&put).starts_with("Request method 'PUT' not supported."));
    assert!(msg(&put).contains("GET /fapi/v1/ping"), "{}", msg(&put));
    let delete_balance = c.public("DELETE", "/fapi/v2/balance", "");
    assert_eq!((delete_balance.status, delete_balance.code()), (405, -1000));
}

/// Sends `GET <target>` with `header_pad` bytes of one extra header over a raw socket (HTTP
/// clients refuse to build such requests) and returns the status and the body of the answer.
fn raw_get(addr: std::net::SocketAddr, target: &str, header_pad: usize) -> (u16, Value) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let timeout = Some(std::time::Duration::from_secs(10));
    stream.set_read_timeout(timeout).expect("timeout");
    stream.set_write_timeout(timeout).expect("timeout");
    let request = format!(
        "GET {target} HTTP/1.1\r\nhost: {addr}\r\nx-pad: {}\r\n\r\n",
        "p".repeat(header_pad)
    );
    // The server may answer and close before it has read everything: a failed write is fine.
    let _ = stream.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    let first_line = text.lines().next().unwrap_or("").to_string();
    let json = serde_json::from_str(body).unwrap_or(Value::String(first_line));
    (status, json)
}

#[test]
fn an_oversized_request_answers_431_with_binance_json_and_serving_goes_on() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let one_mb_query = format!("/fapi/v1/ping?symbol=BTCUSDT&pad={}", "x".repeat(1 << 20));
    let (status, body) = raw_get(server.addr(), &one_mb_query, 0);
    assert_eq!(status, 431, "{body}");
    assert_eq!(body["code"], -1101, "{body}");
    let (status, body) = raw_get(server.addr(), "/fapi/v1/ping", 1 << 20);
    assert_eq!(
        (status, body["code"].as_i64()),
        (431, Some(-1101)),
        "{body}"
    );
    let long_uri = format!("/fapi/v1/ping?pad={}", "x".repeat(70_000));
    let (status, body) = raw_get(server.addr(), &long_uri, 0);
    assert_eq!(
        (status, body["code"].as_i64()),
        (414, Some(-1101)),
        "{body}"
    );
    assert_eq!(c.public("GET", "/fapi/v1/ping", "").status, 200);
}

#[test]
fn an_unknown_path_names_what_is_served_and_no_document_of_ours() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let got = c.public("GET", "/fapi/v1/ticker/24hrx", "symbol=BTCUSDT");
    assert_eq!((got.status, got.code()), (404, -5000));
    assert_eq!(got.content_type, "application/json");
    let text = msg(&got);
    assert!(text.contains("GET /sim/endpoints"), "{text}");
    assert!(text.contains("GET /fapi/v1/ticker/price"), "{text}");
    assert!(
        !text.contains(".md") && !text.contains("binance-facts"),
        "{text}"
    );
    let v1 = c.public("GET", "/fapi/v1/positionRisk", "");
    assert!(
        msg(&v1).contains("GET /fapi/v2/positionRisk"),
        "{}",
        msg(&v1)
    );
}

/// The REST endpoints issue 27 item 1 lists (python-binance, ccxt `binanceusdm`, Binance's
/// connectors and freqtrade call them in normal trading).
const CLIENT_ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/fapi/v1/ping"),
    ("GET", "/fapi/v1/time"),
    ("GET", "/fapi/v1/exchangeInfo"),
    ("GET", "/fapi/v1/ticker/24hr"),
    ("GET", "/fapi/v1/ticker/price"),
    ("GET", "/fapi/v2/ticker/price"),
    ("GET", "/fapi/v1/ticker/bookTicker"),
    ("GET", "/fapi/v1/depth"),
    ("GET", "/fapi/v1/klines"),
    ("GET", "/fapi/v1/continuousKlines"),
    ("GET", "/fapi/v1/markPriceKlines"),
    ("GET", "/fapi/v1/premiumIndex"),
    ("GET", "/fapi/v1/fundingRate"),
    ("POST", "/fapi/v1/order"),
    ("GET", "/fapi/v1/order"),
    ("DELETE", "/fapi/v1/order"),
    ("POST", "/fapi/v1/batchOrders"),
    ("DELETE", "/fapi/v1/batchOrders"),
    ("GET", "/fapi/v1/allOrders"),
    ("GET", "/fapi/v1/openOrders"),
    ("DELETE", "/fapi/v1/allOpenOrders"),
    ("GET", "/fapi/v1/userTrades"),
    ("GET", "/fapi/v1/income"),
    ("GET", "/fapi/v2/account"),
    ("GET", "/fapi/v3/account"),
    ("GET", "/fapi/v2/balance"),
    ("GET", "/fapi/v3/balance"),
    ("GET", "/fapi/v2/positionRisk"),
    ("GET", "/fapi/v3/positionRisk"),
    ("POST", "/fapi/v1/leverage"),
    ("POST", "/fapi/v1/marginType"),
    ("GET", "/fapi/v1/positionSide/dual"),
    ("POST", "/fapi/v1/positionSide/dual"),
    ("GET", "/fapi/v1/leverageBracket"),
    ("GET", "/fapi/v1/commissionRate"),
    ("POST", "/fapi/v1/listenKey"),
    ("PUT", "/fapi/v1/listenKey"),
    ("DELETE", "/fapi/v1/listenKey"),
    ("POST", "/fapi/v1/algoOrder"),
    ("GET", "/fapi/v1/algoOrder"),
    ("DELETE", "/fapi/v1/algoOrder"),
    ("GET", "/fapi/v1/openAlgoOrders"),
    ("DELETE", "/fapi/v1/algoOpenOrders"),
    ("GET", "/fapi/v1/allAlgoOrders"),
];

#[test]
fn every_client_endpoint_is_served_or_answers_the_helpful_unknown_path_error() {
    let server = start(Faults::default());
    let c = Caller::new(&server);
    let listed = c.public("GET", "/sim/endpoints", "");
    assert_eq!(listed.status, 200);
    let listed: Vec<(String, String, bool)> = listed.body["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (s("method"), s("path"), e["signed"] == Value::Bool(true))
        })
        .collect();
    assert!(listed.contains(&("POST".into(), "/fapi/v1/order".into(), true)));
    assert!(listed.contains(&("GET".into(), "/fapi/v1/ping".into(), false)));
    let (mut served, mut missing) = (0, Vec::new());
    for (method, path) in CLIENT_ENDPOINTS {
        // Unsigned and keyless: a served signed endpoint answers 401, nothing changes.
        let got = c.public(method, path, "");
        let is_listed = listed.iter().any(|(m, p, _)| m == method && p == path);
        if is_listed {
            served += 1;
            assert!(
                ![404, 405].contains(&got.status),
                "{method} {path} is listed but answers {} {:?}",
                got.status,
                got.body
            );
        } else {
            missing.push(format!("{method} {path}"));
            assert_eq!((got.status, got.code()), (404, -5000), "{method} {path}");
            assert!(msg(&got).contains("GET /sim/endpoints"), "{}", msg(&got));
        }
    }
    assert!(
        missing.is_empty(),
        "every endpoint the clients call is served; missing {missing:?}"
    );
    assert_eq!(served, CLIENT_ENDPOINTS.len());
}
