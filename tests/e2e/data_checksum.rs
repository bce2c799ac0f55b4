//! Issue 24, item 6: a `.CHECKSUM` beside a kline file downloaded by hand is checked by
//! `sim data verify` and `sim data import` as `sim data fetch` checks its downloads: a file
//! that does not match is refused with both file names and nothing is registered.

use crate::support::Sandbox;

const NAME: &str = "BTCUSDT-1m-2026-01.csv";

/// Two hours of 1m klines in Binance's published layout (no header).
fn klines() -> String {
    let t0: i64 = 1_767_225_600_000;
    (0..120)
        .map(|i| {
            let t = t0 + i * 60_000;
            let p = 70_000.0 + (i % 7) as f64;
            format!(
                "{t},{p},{},{},{p},1.5,{},105000.0,42,0.7,49000.0,0\n",
                p + 3.0,
                p - 3.0,
                t + 59_999
            )
        })
        .collect()
}

#[test]
fn verify_and_import_refuse_a_file_that_differs_from_its_checksum() {
    let sb = Sandbox::new();
    let text = klines();
    std::fs::write(sb.path(NAME), &text).expect("klines");
    let sidecar = sb.path(&format!("{NAME}.CHECKSUM"));
    // The checksum of other bytes: a file cut short or changed since it was published.
    let wrong = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    std::fs::write(&sidecar, format!("{wrong}  {NAME}\n")).expect("checksum");

    let verify = sb.sim(&["data", "verify", NAME]);
    assert_ne!(verify.code, 0, "{}", verify.stdout);
    let said = format!("{}{}", verify.stdout, verify.stderr);
    assert!(
        said.contains(&format!("{NAME}.CHECKSUM")) && said.contains(wrong),
        "names the sidecar and the expected hash:\n{said}"
    );

    let import = sb.sim(&[
        "data", "import", NAME, "--name", "by_hand", "--symbol", "BTCUSDT",
    ]);
    assert_ne!(import.code, 0, "{}", import.stdout);
    let said = format!("{}{}", import.stdout, import.stderr);
    assert!(said.contains(&format!("{NAME}.CHECKSUM")), "{said}");
    let list = sb.sim(&["data", "list"]).ok();
    assert!(
        !list.stdout.contains("by_hand"),
        "nothing registered:\n{}",
        list.stdout
    );

    // The right checksum: both go through.
    std::fs::write(
        &sidecar,
        format!(
            "{}  {NAME}\n",
            datasets::sha256_file(&sb.path(NAME)).expect("sha256")
        ),
    )
    .expect("checksum");
    sb.sim(&["data", "verify", NAME]).ok();
    sb.sim(&[
        "data", "import", NAME, "--name", "by_hand", "--symbol", "BTCUSDT",
    ])
    .ok();
    let list = sb.sim(&["data", "list"]).ok();
    assert!(list.stdout.contains("by_hand"), "{}", list.stdout);
}
