//! Where and how the client talks to Binance: the environment, the keys and the knobs.
//! Keys are read from the environment only, and never printed: `Credentials`' Debug redacts.

use std::fmt;
use std::time::Duration;

/// The environment variable holding the API key.
pub const API_KEY_VAR: &str = "BINANCE_API_KEY";
/// The environment variable holding the API secret.
pub const API_SECRET_VAR: &str = "BINANCE_API_SECRET";

/// A Binance USD-M Futures environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// `https://testnet.binancefuture.com`: play money, the default.
    Testnet,
    /// `https://demo-fapi.binance.com`: Binance's demo trading.
    Demo,
    /// `https://fapi.binance.com`: real money.
    Mainnet,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Testnet => "testnet",
            Environment::Demo => "demo",
            Environment::Mainnet => "mainnet",
        }
    }

    /// The REST base URL (scheme and host; paths start with `/fapi`).
    pub fn rest_url(self) -> &'static str {
        match self {
            Environment::Testnet => "https://testnet.binancefuture.com",
            Environment::Demo => "https://demo-fapi.binance.com",
            Environment::Mainnet => "https://fapi.binance.com",
        }
    }

    /// The market-stream base a `/<stream>` is appended to (binance-facts.md sections 0 and 5).
    pub fn ws_url(self) -> &'static str {
        match self {
            Environment::Testnet | Environment::Demo => "wss://fstream.binancefuture.com/ws",
            Environment::Mainnet => "wss://fstream.binance.com/market/ws",
        }
    }
}

/// An API key and secret. Debug prints neither.
#[derive(Clone)]
pub struct Credentials {
    pub(crate) api_key: String,
    pub(crate) api_secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials { api_key: <redacted>, api_secret: <redacted> }")
    }
}

/// The keys were not in the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "set the environment variables BINANCE_API_KEY and BINANCE_API_SECRET to your Binance Futures API key and secret (or use --paper to run without keys)"
)]
pub struct MissingKeys;

impl Credentials {
    pub fn new(api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        Credentials {
            api_key: api_key.into(),
            api_secret: api_secret.into(),
        }
    }

    /// Reads `BINANCE_API_KEY` and `BINANCE_API_SECRET`; both must be set and non-empty.
    pub fn from_env() -> Result<Self, MissingKeys> {
        let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        match (read(API_KEY_VAR), read(API_SECRET_VAR)) {
            (Some(k), Some(s)) => Ok(Credentials::new(k.trim(), s.trim())),
            _ => Err(MissingKeys),
        }
    }
}

/// Everything a [`Client`](super::Client) needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub environment: Environment,
    /// Replaces the environment's REST URL (e.g. `http://127.0.0.1:8080`, a `sim serve`).
    pub base_url: Option<String>,
    /// `None`: only unsigned market data can be read.
    pub credentials: Option<Credentials>,
    /// Sent with every signed request (ms). Binance's default is 5000.
    pub recv_window_ms: u64,
    /// A request without an answer after this is an "unknown" outcome.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// The longest 429 Retry-After the client waits out before retrying once; longer waits
    /// fail the call as unavailable.
    pub max_backoff: Duration,
}

impl ClientConfig {
    pub fn new(environment: Environment) -> Self {
        ClientConfig {
            environment,
            base_url: None,
            credentials: None,
            recv_window_ms: 5000,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_backoff: Duration::from_secs(30),
        }
    }

    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The REST base URL in use, without a trailing slash.
    pub fn rest_url(&self) -> String {
        let url = self
            .base_url
            .as_deref()
            .unwrap_or(self.environment.rest_url());
        url.trim_end_matches('/').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_keys() {
        let c = Credentials::new("my-key-123", "my-secret-456");
        let cfg = ClientConfig::new(Environment::Testnet).with_credentials(c.clone());
        for text in [format!("{c:?}"), format!("{cfg:?}")] {
            assert!(!text.contains("my-key-123"), "{text}");
            assert!(!text.contains("my-secret-456"), "{text}");
            assert!(text.contains("redacted"), "{text}");
        }
    }

    #[test]
    fn missing_keys_is_one_sentence_naming_both_variables() {
        let msg = MissingKeys.to_string();
        assert!(msg.contains(API_KEY_VAR) && msg.contains(API_SECRET_VAR));
        assert_eq!(msg.matches(". ").count(), 0, "{msg}");
        assert!(!msg.contains('\n'));
    }

    #[test]
    fn base_url_override_wins_and_loses_trailing_slash() {
        let cfg = ClientConfig::new(Environment::Demo);
        assert_eq!(cfg.rest_url(), "https://demo-fapi.binance.com");
        let cfg = cfg.with_base_url("http://127.0.0.1:9000/");
        assert_eq!(cfg.rest_url(), "http://127.0.0.1:9000");
        assert_eq!(
            Environment::Testnet.rest_url(),
            "https://testnet.binancefuture.com"
        );
    }
}
