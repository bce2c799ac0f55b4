//! Request parameters both ways. Written by the client: [`percent_encode`] and [`query_text`]
//! (the text that is signed and sent). Read by the server: [`Params`], from the raw query
//! string and/or an `application/x-www-form-urlencoded` body (the query wins when a name is in
//! both), with the raw text kept so the signature is checked over exactly what the client
//! signed: the raw query plus the raw body, minus the `signature` pair (binance-facts.md
//! section 4). Typed getters answer a missing or malformed parameter with Binance's -1102
//! naming it; a name sent twice in the query (or twice in the body) is kept for the server to
//! refuse with -1101 ([`Params::duplicated`]), as Binance does.
//! Must never live here: authentication decisions or any endpoint's logic.

use std::collections::BTreeMap;
use std::str::FromStr;

use pipeline::domain::money::parse_decimal;
use pipeline::exchange_info::Reject;
use rust_decimal::Decimal;

/// Percent-encodes everything but RFC 3986's unreserved characters (a space is `%20`).
pub fn percent_encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `name=value` pairs joined by `&`, values percent-encoded (names are Binance's, plain ASCII).
pub fn query_text<V: AsRef<str>>(pairs: &[(&str, V)]) -> String {
    let mut q = String::new();
    for (k, v) in pairs {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(k);
        q.push('=');
        q.push_str(&percent_encode(v.as_ref()));
    }
    q
}

/// The parameters of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: BTreeMap<String, String>,
    /// The first name sent more than once within the query or within the body.
    duplicated: Option<String>,
    raw_query: String,
    raw_body: String,
}

fn decode(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `raw` without its `signature=...` pair(s), other pairs unchanged and in order.
fn without_signature(raw: &str) -> String {
    raw.split('&')
        .filter(|pair| !pair.starts_with("signature="))
        .collect::<Vec<_>>()
        .join("&")
}

/// The first name that appears twice in `pairs`.
fn first_repeated(pairs: &[(String, String)]) -> Option<String> {
    let mut seen = std::collections::BTreeSet::new();
    pairs
        .iter()
        .find(|(k, _)| !seen.insert(k.as_str()))
        .map(|(k, _)| k.clone())
}

/// -1101 TOO_MANY_PARAMETERS, Binance's answer to a parameter sent twice.
pub fn duplicate_param(name: &str) -> Reject {
    Reject {
        code: -1101,
        msg: format!(
            "Duplicate values for a parameter detected. ('{name}' was sent more than once)"
        ),
    }
}

impl Params {
    /// Parameters of a request with query string `query` (without `?`) and form body `body`.
    /// A name in both the query and the body is not a duplicate: the query's value wins.
    pub fn parse(query: &str, body: &str) -> Params {
        let from_body = decode(body);
        let from_query = decode(query);
        let duplicated = first_repeated(&from_query).or_else(|| first_repeated(&from_body));
        let mut values = BTreeMap::new();
        for (k, v) in from_body.into_iter().chain(from_query) {
            values.insert(k, v);
        }
        Params {
            values,
            duplicated,
            raw_query: query.to_string(),
            raw_body: body.to_string(),
        }
    }

    /// The text the client signed: raw query + raw body, without the `signature` pair.
    pub fn signed_payload(&self) -> String {
        let query = without_signature(&self.raw_query);
        let body = without_signature(&self.raw_body);
        format!("{query}{body}")
    }

    /// -1101 naming the first parameter sent twice (in the query, or in the body).
    pub fn refuse_duplicates(&self) -> Result<(), Reject> {
        match &self.duplicated {
            Some(name) => Err(duplicate_param(name)),
            None => Ok(()),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A parameter that must be present (-1102 naming it otherwise).
    pub fn required(&self, name: &str) -> Result<&str, Reject> {
        self.get(name).ok_or_else(|| Reject::mandatory_param(name))
    }

    /// An optional parameter parsed as `T` (-1102 naming it when it does not parse).
    pub fn parsed<T: FromStr>(&self, name: &str) -> Result<Option<T>, Reject> {
        self.get(name)
            .map(|v| v.parse::<T>().map_err(|_| Reject::mandatory_param(name)))
            .transpose()
    }

    /// An optional decimal parameter ("0.010", "1e-3").
    pub fn decimal(&self, name: &str) -> Result<Option<Decimal>, Reject> {
        self.get(name)
            .map(|v| parse_decimal(v).ok_or_else(|| Reject::mandatory_param(name)))
            .transpose()
    }

    /// An optional boolean parameter: "true"/"false" in any case (-1102 otherwise).
    pub fn flag(&self, name: &str) -> Result<Option<bool>, Reject> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(Reject::mandatory_param(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_unreserved_only() {
        assert_eq!(percent_encode("BTCUSDT"), "BTCUSDT");
        assert_eq!(percent_encode("sim-ab12_x.y~"), "sim-ab12_x.y~");
        assert_eq!(percent_encode("a:b/c d"), "a%3Ab%2Fc%20d");
        assert_eq!(percent_encode("测"), "%E6%B5%8B");
    }

    #[test]
    fn written_queries_read_back() {
        let q = query_text(&[("symbol", "BTCUSDT"), ("newClientOrderId", "a/b c+d")]);
        assert_eq!(q, "symbol=BTCUSDT&newClientOrderId=a%2Fb%20c%2Bd");
        assert_eq!(
            Params::parse(&q, "").get("newClientOrderId"),
            Some("a/b c+d")
        );
    }

    #[test]
    fn query_wins_over_body_and_values_are_decoded() {
        let p = Params::parse("symbol=BTCUSDT&price=1", "price=2&newClientOrderId=a%2Fb+c");
        assert_eq!(p.get("price"), Some("1"));
        assert_eq!(p.get("newClientOrderId"), Some("a/b c"));
        assert_eq!(p.required("side"), Err(Reject::mandatory_param("side")));
        assert_eq!(p.decimal("price"), Ok(Some(Decimal::ONE)));
    }

    #[test]
    fn a_name_sent_twice_is_refused_but_query_and_body_may_share_one() {
        let twice = Params::parse("symbol=BTCUSDT&quantity=1&quantity=2", "");
        let r = twice.refuse_duplicates().expect_err("quantity twice");
        assert_eq!(r.code, -1101);
        assert!(r.msg.contains("'quantity'"), "{}", r.msg);
        let in_body = Params::parse("", "side=BUY&side=SELL");
        assert_eq!(in_body.refuse_duplicates().map_err(|r| r.code), Err(-1101));
        let shared = Params::parse("price=1", "price=2");
        assert_eq!(shared.refuse_duplicates(), Ok(()));
        assert_eq!(shared.get("price"), Some("1"));
    }

    #[test]
    fn signed_payload_keeps_raw_text_and_drops_the_signature() {
        let p = Params::parse("symbol=%E6%B5%8BUSDT&timestamp=5&signature=ab", "");
        assert_eq!(p.signed_payload(), "symbol=%E6%B5%8BUSDT&timestamp=5");
        let p = Params::parse("symbol=X", "side=BUY&timestamp=5&signature=ab");
        assert_eq!(p.signed_payload(), "symbol=Xside=BUY&timestamp=5");
    }

    #[test]
    fn malformed_values_name_the_parameter() {
        let p = Params::parse("limit=abc&reduceOnly=maybe&reduce=TRUE", "");
        assert_eq!(
            p.parsed::<u32>("limit").expect_err("not a number").code,
            -1102
        );
        assert!(
            p.flag("reduceOnly")
                .expect_err("not a flag")
                .msg
                .contains("reduceOnly")
        );
        assert_eq!(p.flag("reduce"), Ok(Some(true)));
    }
}
