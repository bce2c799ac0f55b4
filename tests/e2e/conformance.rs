//! Conformance with Binance's official Python connector (`binance-futures-connector` from
//! PyPI, installed by scripts/test-all): tests/conformance/binance_connector.py places, queries
//! and cancels orders and reads positions and balance against a `sim serve` it is pointed at.

use std::process::Command;

use crate::serve::{KEY, SECRET, start};
use crate::support::{Sandbox, repo};

#[test]
fn the_official_python_connector_trades_against_sim_serve() {
    let has_connector = Command::new("python3")
        .args(["-c", "import binance.um_futures"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_connector,
        "python3 cannot import binance.um_futures; run scripts/test-all (it installs \
         binance-futures-connector) or `python3 -m pip install binance-futures-connector`"
    );
    let sb = Sandbox::new();
    let served = start(&sb, "btc_2026q1");
    let out = Command::new("python3")
        .arg(repo().join("tests/conformance/binance_connector.py"))
        .args([format!("http://{}", served.addr).as_str(), KEY, SECRET])
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "conformance failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("conformance ok"), "{stdout}");
}
