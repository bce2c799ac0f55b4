//! Request signatures: hex HMAC-SHA256 of the signed payload, keyed by the API secret
//! (binance-facts.md section 4). The client signs with [`sign`]; the server checks with
//! [`verify`] (constant time, hex case-insensitive, as Binance accepts either case).
//! Must never live here: logging of the secret, the payload or the signature.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str) -> HmacSha256 {
    // HMAC takes keys of any length (longer ones are hashed first), so this cannot fail.
    match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

/// The lowercase hex HMAC-SHA256 of `payload` under `secret`.
pub fn sign(secret: &str, payload: &str) -> String {
    let mut m = mac(secret);
    m.update(payload.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// True when `signature` (hex, either case) is the HMAC-SHA256 of `payload` under `secret`.
pub fn verify(secret: &str, payload: &str, signature: &str) -> bool {
    let Ok(bytes) = hex::decode(signature.trim().to_ascii_lowercase()) else {
        return false;
    };
    let mut m = mac(secret);
    m.update(payload.as_bytes());
    m.verify_slice(&bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
    const PAYLOAD: &str = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
    const EXPECTED: &str = "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9";

    #[test]
    fn binance_documented_vector() {
        assert_eq!(sign(SECRET, PAYLOAD), EXPECTED);
    }

    #[test]
    fn verify_accepts_either_case_and_refuses_changes() {
        assert!(verify(SECRET, PAYLOAD, EXPECTED));
        assert!(verify(SECRET, PAYLOAD, &EXPECTED.to_uppercase()));
        assert!(!verify(SECRET, &PAYLOAD.replace("9000", "9001"), EXPECTED));
        assert!(!verify("other", PAYLOAD, EXPECTED));
        assert!(!verify(SECRET, PAYLOAD, "not hex"));
    }
}
