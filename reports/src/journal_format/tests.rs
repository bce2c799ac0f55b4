use std::io::Read;

use super::*;

const PLAN: &str =
    r#"{"kind":"plan","plan_id":"p1","seq":1,"qty":{"qty":"0.006"},"decision":"EXECUTE"}"#;
const GOVERNED: &str = r#"{"kind":"governed","plan_id":"p1","seq":1,"qty":{"qty":"0.006"},"decision":"EXECUTE","kill":{"kill_score":0.5,"z":null}}"#;
const PERMIT: &str = r#"{"kind":"permit","plan_id":"p1","seq":1,"qty":{"qty":"0.006"},"decision":"EXECUTE","kill":{"kill_score":0.5,"z":null},"permit":{"allow":true,"qty":"0.006"}}"#;

fn stored(lines: &[&str]) -> String {
    let mut s = JournalFile::Orders.header();
    for l in lines {
        s.push('\n');
        s.push_str(l);
    }
    s + "\n"
}

fn decode(text: &str) -> std::io::Result<String> {
    let mut r = DecodingReader::from_lines(
        Path::new("run/orders.journal.zst"),
        JournalFile::Orders,
        text.as_bytes(),
    )?;
    let mut out = String::new();
    r.read_to_string(&mut out)?;
    Ok(out)
}

#[test]
fn follow_ups_expand_to_the_records_they_follow() {
    let text = stored(&[
        r#"{"kind":"signal","time":1}"#,
        PLAN,
        r#"{"kind":"governed","follows":"p1","kill":{"kill_score":0.5,"z":null}}"#,
        r#"{"kind":"permit","follows":"p1","permit":{"allow":true,"qty":"0.006"}}"#,
    ]);
    let want = format!(
        "{}\n{PLAN}\n{GOVERNED}\n{PERMIT}\n",
        r#"{"kind":"signal","time":1}"#
    );
    assert_eq!(decode(&text).expect("decodes"), want);
}

#[test]
fn whole_records_pass_through_and_are_followed_up_too() {
    let text = stored(&[
        PLAN,
        GOVERNED,
        r#"{"kind":"permit","follows":"p1","permit":{"allow":true,"qty":"0.006"}}"#,
    ]);
    assert_eq!(
        decode(&text).expect("decodes"),
        format!("{PLAN}\n{GOVERNED}\n{PERMIT}\n")
    );
}

#[test]
fn a_follow_up_of_another_plan_is_refused_with_its_line() {
    let text = stored(&[PLAN, r#"{"kind":"governed","follows":"p2","kill":null}"#]);
    let e = decode(&text).expect_err("another plan").to_string();
    assert!(e.starts_with("run/orders.journal.zst:3: "), "{e}");
    assert!(e.contains("follows plan p2"), "{e}");
    let orphan = stored(&[r#"{"kind":"permit","follows":"p1","permit":{}}"#]);
    let e = decode(&orphan).expect_err("nothing to follow").to_string();
    assert!(e.contains("no governed record came before it"), "{e}");
}

#[test]
fn the_header_is_checked() {
    let newer = "{\"format\":\"sim-journal\",\"version\":2,\"file\":\"orders\"}\n";
    let e = decode(newer).expect_err("newer").to_string();
    assert!(e.contains("version 2; this sim reads version 1"), "{e}");
    let results = format!("{}\n", JournalFile::Results.header());
    let e = decode(&results).expect_err("other file").to_string();
    assert!(e.contains("expected orders"), "{e}");
    let e = decode("").expect_err("empty").to_string();
    assert!(e.contains("no header line"), "{e}");
}

#[test]
fn a_folder_reads_in_either_form_and_prefers_the_plain_lines() {
    let dir = tempfile::tempdir().expect("tmp");
    assert!(
        open(dir.path(), JournalFile::Orders)
            .expect("none")
            .is_none()
    );
    let compressed = zstd::encode_all(
        stored(&[
            PLAN,
            r#"{"kind":"governed","follows":"p1","kill":{"kill_score":0.5,"z":null}}"#,
        ])
        .as_bytes(),
        1,
    )
    .expect("zstd");
    std::fs::write(dir.path().join("orders.journal.zst"), compressed).expect("write");
    let (path, text) = read_to_string(dir.path(), JournalFile::Orders)
        .expect("reads")
        .expect("some");
    assert!(path.ends_with("orders.journal.zst"));
    assert_eq!(text, format!("{PLAN}\n{GOVERNED}\n"));
    std::fs::write(dir.path().join("orders.jsonl"), "{\"kind\":\"signal\"}\n").expect("write");
    let (path, text) = read_to_string(dir.path(), JournalFile::Orders)
        .expect("reads")
        .expect("some");
    assert!(path.ends_with("orders.jsonl"));
    assert_eq!(text, "{\"kind\":\"signal\"}\n");
}
