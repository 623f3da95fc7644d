//! The command line: `serve` (the default), `migrate`, `admin create`, `audit verify`.

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::Db;

#[derive(Parser)]
#[command(
    name = "protectcert",
    version,
    about = "Protective-security compliance certification service"
)]
pub struct Cli {
    /// A settings file layered over the defaults (environment variables still win).
    #[arg(long, global = true, env = "PROTECTCERT_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an admin; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain; exits non-zero naming the first broken entry.
    Verify,
}

pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let db = open(&settings)?;
            let n = actix_web::web::block(move || db.migrate()).await??;
            println!("{n} migration(s) applied");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let db = open(&settings)?;
            let id = actix_web::web::block(move || {
                db.migrate()?;
                crate::api::users::create_admin_cli(&db, &name, &email, &password)
            })
            .await??;
            println!("admin created: {id}");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = open(&settings)?;
            let result = actix_web::web::block(move || {
                let mut conn = db.get()?;
                crate::db::sequences::verify_audit(&mut conn)
            })
            .await??;
            match result {
                Ok(n) => {
                    println!("audit log intact: {n} entries");
                    Ok(std::process::ExitCode::SUCCESS)
                }
                Err(broken) => {
                    eprintln!("audit log BROKEN: {broken}");
                    Ok(std::process::ExitCode::from(1))
                }
            }
        }
    }
}

fn open(settings: &Settings) -> anyhow::Result<Db> {
    Db::connect(&settings.database_url(), settings.database_pool_size)
}

async fn serve(settings: Settings) -> anyhow::Result<std::process::ExitCode> {
    let listen = settings.listen.clone();
    let state = crate::startup::prepare(settings).await?;
    let listener = TcpListener::bind(&listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    tracing::info!("protectcert listening on http://{}", listener.local_addr()?);
    crate::startup::serve(state, listener)?.await?;
    Ok(std::process::ExitCode::SUCCESS)
}
