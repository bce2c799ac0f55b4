//! `client_serve_tests`: no code of its own. The package holds the tests that reach `serve`
//! over HTTP (in `tests/`): `live`'s client, kline stream and `LiveVenue` against a server on
//! 127.0.0.1 (`against_serve`, `stream_against_serve`), and the server's endpoints, limits,
//! websockets and faults through a raw signing caller (`serve_api`, `serve_account`,
//! `serve_faults`, `serve_streams`); the order round-trip benchmark (`benches/`) and the
//! throughput load generator (`examples/serve_load`, run briefly by the `serve_load` test).
//!
//! They are a package of their own because `cargo tree` counts dev-dependencies: as tests of
//! `live` they would put the server in the client's tree, and as tests of `serve` an HTTP client
//! in the server's.
//! Must never live here: code the crates under test need.
