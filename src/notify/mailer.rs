//! Where mail goes: an SMTP server through a pooled async lettre transport, or, when no
//! SMTP server is configured (the embedded default), `.eml` files in `<data_dir>/outbox/`.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

/// Why a message was not accepted. `permanent` is the server's 5xx answer: the same
/// message will not go through later either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    pub permanent: bool,
    pub message: String,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Mailer> {
        let url = settings.smtp_url.trim();
        if url.is_empty() {
            let dir = settings.data_dir.join("outbox");
            crate::private_fs::create_dir(&dir).map_err(|e| {
                anyhow::anyhow!("cannot create the mail folder {}: {e}", dir.display())
            })?;
            return Ok(Mailer::Files {
                transport: AsyncFileTransport::<Tokio1Executor>::new(&dir),
                dir,
            });
        }
        let url = with_default_tls(url);
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .map_err(|e| anyhow::anyhow!("smtp_url {}: {e}", crate::db::redact(&url)))?
            .timeout(Some(Duration::from_secs(settings.smtp_timeout_secs.max(1))))
            .pool_config(PoolConfig::new().max_size(4))
            .build();
        Ok(Mailer::Smtp(transport))
    }

    /// Sends one message; Ok only once the server (or the file system) accepted it.
    pub async fn send(&self, message: Message) -> Result<(), SendFailure> {
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendFailure {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Mailer::Files { transport, dir } => {
                let id = transport.send(message).await.map_err(|e| SendFailure {
                    permanent: false,
                    message: e.to_string(),
                })?;
                // lettre creates the file with the default mode; the folder is
                // already the owner's only, and so is the file from here on.
                crate::private_fs::restrict_file(&dir.join(format!("{id}.eml"))).map_err(|e| {
                    SendFailure {
                        permanent: false,
                        message: format!("cannot restrict the mail file: {e}"),
                    }
                })
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp(_) => "SMTP".to_string(),
            Mailer::Files { dir, .. } => format!(".eml files in {}", dir.display()),
        }
    }
}

/// A URL with a password but no `tls=` setting gets `tls=required` (STARTTLS): a
/// password is never meant to cross the network in the clear. `smtps://` (TLS from
/// the start) and an explicit `tls=` are left as given; `smtp://host:25` with no
/// credentials stays plain, for a local relay.
fn with_default_tls(url: &str) -> String {
    let Some(rest) = url.strip_prefix("smtp://") else {
        return url.to_string();
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let has_password = authority
        .rsplit_once('@')
        .is_some_and(|(creds, _)| creds.contains(':'));
    if !has_password || url.contains("tls=") {
        return url.to_string();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}tls=required")
}

#[cfg(test)]
mod tests {
    use super::with_default_tls;

    #[test]
    fn credentials_imply_starttls_unless_told_otherwise() {
        assert_eq!(
            with_default_tls("smtp://user:pass@mail.example.org:587"),
            "smtp://user:pass@mail.example.org:587?tls=required"
        );
        assert_eq!(
            with_default_tls("smtp://user:pass@mail.example.org:587?tls=opportunistic"),
            "smtp://user:pass@mail.example.org:587?tls=opportunistic"
        );
        assert_eq!(
            with_default_tls("smtp://127.0.0.1:2525"),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            with_default_tls("smtps://user:pass@mail.example.org"),
            "smtps://user:pass@mail.example.org"
        );
    }
}
