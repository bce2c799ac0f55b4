//! What `sim serve` serves, as one list: [`Routes`] builds the axum router and records every
//! route it adds ([`Served`]: method, path, security), so `GET /sim/endpoints`, the unknown-path
//! answer (404, -5000, naming the served endpoints nearest the one asked for) and the
//! wrong-method answer (405, -1000 "Request method 'PUT' not supported.", naming the methods
//! the path takes) all read the routes the router really has.
//! Must never live here: endpoint logic, the request pipeline (`http`).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Response, Uri};
use axum::routing::{MethodFilter, MethodRouter, on};
use binance::ErrorBody;
use serde::Serialize;

use super::App;
use super::auth::Security;
use super::http::{Endpoint, ep, json};

/// One served route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Served {
    pub method: &'static str,
    pub path: &'static str,
    /// Binance's security type (`NONE`, `USER_STREAM`, `SIGNED`), or `SIM` for `/sim/*` and
    /// `WEBSOCKET` for streams.
    pub security: &'static str,
    /// Whether a request needs `timestamp` and `signature`.
    pub signed: bool,
}

/// The router under construction and the list of what it serves.
pub(crate) struct Routes {
    router: Router<Arc<App>>,
    served: Vec<Served>,
}

fn filter(method: &str) -> MethodFilter {
    match method {
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "DELETE" => MethodFilter::DELETE,
        _ => MethodFilter::GET,
    }
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            served: Vec::new(),
        }
    }

    pub fn get(self, path: &'static str, e: Endpoint) -> Routes {
        self.endpoint("GET", path, e)
    }
    pub fn post(self, path: &'static str, e: Endpoint) -> Routes {
        self.endpoint("POST", path, e)
    }
    pub fn put(self, path: &'static str, e: Endpoint) -> Routes {
        self.endpoint("PUT", path, e)
    }
    pub fn delete(self, path: &'static str, e: Endpoint) -> Routes {
        self.endpoint("DELETE", path, e)
    }

    /// A Binance endpoint through the request pipeline.
    fn endpoint(mut self, method: &'static str, path: &'static str, e: Endpoint) -> Routes {
        let (security, signed) = match e.security {
            Security::None => ("NONE", false),
            Security::ApiKey => ("USER_STREAM", false),
            Security::Signed => ("SIGNED", true),
        };
        self.served.push(Served {
            method,
            path,
            security,
            signed,
        });
        self.router = self.router.route(path, on(filter(method), ep(e)));
        self
    }

    /// A route outside the pipeline (`/sim/*`, websockets), listed as `security`.
    pub fn other(
        mut self,
        method: &'static str,
        path: &'static str,
        security: &'static str,
        handler: MethodRouter<Arc<App>>,
    ) -> Routes {
        self.served.push(Served {
            method,
            path,
            security,
            signed: false,
        });
        self.router = self.router.route(path, handler);
        self
    }

    /// The router with `GET /sim/endpoints`, the unknown-path and the wrong-method answers.
    pub fn finish(self) -> Router<Arc<App>> {
        let mut served = self.served;
        served.push(Served {
            method: "GET",
            path: "/sim/endpoints",
            security: "SIM",
            signed: false,
        });
        let served: Arc<[Served]> = served.into();
        let (list, unknown, wrong) = (served.clone(), served.clone(), served);
        self.router
            .route(
                "/sim/endpoints",
                axum::routing::get(move || {
                    let list = list.clone();
                    async move { json(200, &serde_json::json!({ "endpoints": &*list }), &[]) }
                }),
            )
            .method_not_allowed_fallback(move |method: Method, uri: Uri| {
                let wrong = wrong.clone();
                async move { wrong_method(&wrong, method.as_str(), uri.path()) }
            })
            .fallback(move |method: Method, uri: Uri| {
                let unknown = unknown.clone();
                async move { unknown_path(&unknown, method.as_str(), uri.path()) }
            })
    }
}

/// `/fapi/v2/account` -> `["fapi", "v2", "account"]`.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// A version segment such as `v1`.
fn is_version(segment: &str) -> bool {
    segment.len() >= 2
        && segment.starts_with('v')
        && segment[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The served routes nearest `path`: the same path under another API version
/// (`/fapi/v1/positionRisk` -> `/fapi/v2/positionRisk`), else those sharing its first three
/// segments (`/fapi/v1/ticker/24hr` -> `/fapi/v1/ticker/price`); at most six.
pub(crate) fn nearest<'a>(served: &'a [Served], path: &str) -> Vec<&'a Served> {
    let asked = segments(path);
    let unversioned = |p: &[&str]| -> Vec<String> {
        p.iter()
            .filter(|s| !is_version(s))
            .map(|s| s.to_ascii_lowercase())
            .collect()
    };
    let same_tail: Vec<&Served> = served
        .iter()
        .filter(|s| unversioned(&segments(s.path)) == unversioned(&asked))
        .collect();
    if !same_tail.is_empty() {
        return same_tail.into_iter().take(6).collect();
    }
    let shared = |s: &Served| {
        segments(s.path)
            .iter()
            .zip(&asked)
            .take_while(|(a, b)| a == b)
            .count()
    };
    served
        .iter()
        .filter(|s| asked.len() >= 3 && shared(s) >= 3)
        .take(6)
        .collect()
}

fn named(routes: &[&Served]) -> String {
    routes
        .iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect::<Vec<_>>()
        .join(", ")
}

/// 404 with Binance's unknown-path code (-5000), naming what is served instead.
fn unknown_path(served: &[Served], method: &str, path: &str) -> Response<Body> {
    let near = nearest(served, path);
    let hint = if near.is_empty() {
        String::new()
    } else {
        format!(" Served near it: {}.", named(&near))
    };
    let msg = format!(
        "Path not found: sim serve has no {method} {path}.{hint} GET /sim/endpoints lists all {} \
         endpoints it serves, with their methods and whether they are signed.",
        served.len()
    );
    json(404, &ErrorBody { code: -5000, msg }, &[])
}

/// 405 with the answer Binance gives a method a path does not take, naming those it does.
fn wrong_method(served: &[Served], method: &str, path: &str) -> Response<Body> {
    let here: Vec<&Served> = served.iter().filter(|s| s.path == path).collect();
    let msg = format!(
        "Request method '{method}' not supported. (sim serve takes {} here; GET /sim/endpoints lists every endpoint)",
        named(&here)
    );
    json(405, &ErrorBody { code: -1000, msg }, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &'static str, path: &'static str) -> Served {
        Served {
            method,
            path,
            security: "NONE",
            signed: false,
        }
    }

    #[test]
    fn the_nearest_routes_are_other_versions_or_siblings() {
        let served = [
            route("GET", "/fapi/v1/ticker/price"),
            route("GET", "/fapi/v2/ticker/price"),
            route("GET", "/fapi/v2/positionRisk"),
            route("GET", "/fapi/v3/positionRisk"),
            route("GET", "/fapi/v1/ping"),
        ];
        let paths = |p: &str| {
            nearest(&served, p)
                .iter()
                .map(|s| s.path)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            paths("/fapi/v1/positionRisk"),
            ["/fapi/v2/positionRisk", "/fapi/v3/positionRisk"]
        );
        assert_eq!(paths("/fapi/v1/ticker/24hr"), ["/fapi/v1/ticker/price"]);
        assert!(paths("/fapi/v1/nothing").is_empty());
        assert!(paths("/").is_empty());
    }
}
