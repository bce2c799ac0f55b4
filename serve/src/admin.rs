//! Admin endpoints for tests and users, under `/sim/` only (no key; the server listens on
//! loopback): `POST /sim/step?bars=N` advances the market N steps (any clock mode),
//! `GET /sim/state` reports the clocks and counters, `GET`/`POST /sim/faults` read or
//! replace the armed faults (JSON of [`super::Faults`]).
//! Must never live here: Binance endpoints.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::Response;
use axum::routing::{get, post};
use binance::Params;
use serde_json::json;

use super::catalog::Routes;
use super::http::{error, json};
use super::{App, Faults};
use pipeline::exchange_info::Reject;

pub(crate) fn routes(r: Routes) -> Routes {
    r.other("POST", "/sim/step", "SIM", post(step))
        .other("GET", "/sim/state", "SIM", get(state))
        .other("GET", "/sim/faults", "SIM", get(get_faults))
        .other("POST", "/sim/faults", "SIM", post(set_faults))
}

fn bad(msg: String) -> Response<Body> {
    error(&Reject { code: -1102, msg }, &[])
}

fn state_json(app: &App) -> serde_json::Value {
    let server_time = app.tell_time();
    let m = app.market();
    let (step, steps) = m.progress();
    json!({
        "simTime": m.sim_now().as_ms(),
        "serverTime": server_time,
        "clock": match app.time_base {
            super::TimeBase::Dataset => "dataset",
            super::TimeBase::Wall => "wall",
        },
        "step": step,
        "steps": steps,
        "finished": step >= steps,
        "interval": m.interval.as_str(),
        "symbols": m.series.keys().collect::<Vec<_>>(),
        "usedWeight1m": app.limits().used_weight(),
        // Market websocket connections now open (a driver of the step clock can wait for them).
        "klineSubscribers": app.streams.receiver_count(),
    })
}

async fn step(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response<Body> {
    let p = Params::parse(q.as_deref().unwrap_or(""), "");
    let n = match p.parsed::<usize>("bars") {
        Ok(n) => n.unwrap_or(1),
        Err(_) => return bad("bars must be a whole number of steps, e.g. /sim/step?bars=5".into()),
    };
    match app.step(n) {
        Ok(done) => {
            let mut v = state_json(&app);
            v["advanced"] = json!(done);
            json(200, &v, &[])
        }
        Err(e) => error(&Reject::unknown_error(&e.to_string()), &[]),
    }
}

async fn state(State(app): State<Arc<App>>) -> Response<Body> {
    json(200, &state_json(&app), &[])
}

async fn get_faults(State(app): State<Arc<App>>) -> Response<Body> {
    json(200, &*app.faults(), &[])
}

async fn set_faults(State(app): State<Arc<App>>, body: String) -> Response<Body> {
    let faults: Faults = match serde_json::from_str(&body) {
        Ok(f) => f,
        Err(e) => return bad(format!("the faults JSON does not parse: {e}")),
    };
    if let Err(e) = faults.validate() {
        return bad(e);
    }
    *app.faults() = faults.clone();
    json(200, &faults, &[])
}
