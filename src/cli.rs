//! The command line: `serve` (the default), `migrate`, `demo`, `admin create`,
//! `users create`, `advisors accredit`, `audit verify`, `verify-pdf`, `keys rotate`,
//! `reminders run`, `bench seed`. Only `serve`, `migrate`, `demo` and `bench seed`
//! may create a new register;
//! the others refuse to run against one that is not there.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db::Db;

const ENVIRONMENT: &str = "\
Settings come from config/default.toml, then --config FILE, then environment
variables PROTECTCERT_<KEY>, for example:
  PROTECTCERT_DATA_DIR       where the SQLite register, .eml emails and keys live (./data)
  PROTECTCERT_DATABASE_URL   a postgres:// URL instead of SQLite in the data dir
  PROTECTCERT_LISTEN         the address serve binds (127.0.0.1:8080)
  PROTECTCERT_PUBLIC_URL     the base URL printed on certificates and in emails
  PROTECTCERT_SMTP_URL       an SMTP server for emails (empty: .eml files)
  PROTECTCERT_TIME_ZONE      the zone dates are shown in (Europe/London)
  PROTECTCERT_CONFIG         the same as --config
Paths are relative to the working folder (data_dir, checklists_dir,
certificate_templates_dir): run protectcert from the folder that holds config/.";

#[derive(Parser)]
#[command(
    name = "protectcert",
    version,
    about = "Protective-security compliance certification service",
    after_help = ENVIRONMENT
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
    Serve {
        /// Seed the demo scheme first when the register is empty (see `demo`).
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Seed a demo scheme on an empty register and print its logins: an admin,
    /// two advisors, a police officer, two operators and their premises.
    Demo,
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Make police (or admin) accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Accredit advisors.
    Advisors {
        #[command(subcommand)]
        command: AdvisorsCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check a certificate PDF: its signature, its QR token and its live status.
    /// Exits 0 only when the certificate is genuine and valid now.
    VerifyPdf {
        /// The PDF file.
        file: PathBuf,
        /// A running service to ask for the scheme CA, keys and live status
        /// (e.g. https://certs.example.org); without it, this installation's own.
        #[arg(long)]
        url: Option<String>,
        /// A scheme CA certificate (PEM) to trust instead of the scheme's own.
        #[arg(long)]
        ca: Option<PathBuf>,
    },
    /// Manage the keys that sign QR tokens and the status list.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Reminder emails.
    Reminders {
        #[command(subcommand)]
        command: RemindersCommand,
    },
    // Issue 12 part A: the register generator for load tests.
    /// Benchmark tools.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Fill an EMPTY database (refused otherwise) with a made-up national-scale
    /// register for load tests, print its logins, and write sample files
    /// (numbers, tokens, postcodes, districts, name words) to pick requests from.
    Seed {
        /// How many certificates.
        #[arg(long)]
        certificates: usize,
        /// The password of every seeded login.
        #[arg(long, default_value = crate::service::bench_seed::DEFAULT_PASSWORD)]
        password: String,
        /// How many certificates get a real signed PDF (default min(certificates, 2000)).
        #[arg(long)]
        pdfs: Option<usize>,
        /// Where the sample files go (default: the data dir).
        #[arg(long)]
        sample_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Add a new token signing key. Every instance signs with it from now on (the
    /// newest key is read at signing time); earlier keys stay published so that
    /// issued certificates still verify.
    Rotate,
}

#[derive(Subcommand)]
pub enum RemindersCommand {
    /// Queue the reminders that are due and send the outbox once, then exit (for cron).
    Run {
        /// Act as if it were this instant (RFC 3339, e.g. 2027-06-01T09:00:00Z), to see
        /// what a given day sends.
        #[arg(long)]
        now: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an admin; the password is read from standard input.
    Create {
        /// The admin's email address, their login.
        #[arg(long)]
        email: String,
        /// Their name as shown in the audit log.
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create a police or admin account; the password is read from standard input.
    Create {
        /// `police` or `admin`.
        #[arg(long)]
        role: String,
        /// Their email address, their login.
        #[arg(long)]
        email: String,
        /// Their name.
        #[arg(long)]
        name: String,
    },
    /// Deactivate an account: it can no longer log in, and every login token and
    /// page session it holds is refused from its next request.
    Deactivate {
        /// The account's email address.
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum AdvisorsCommand {
    /// Accredit an advisor; the password is read from standard input.
    Accredit {
        /// Their email address, their login.
        #[arg(long)]
        email: String,
        /// Their name, as printed on certificates they issue.
        #[arg(long)]
        name: String,
        /// The accreditation number, unique on the register.
        #[arg(long)]
        number: String,
        /// The last day of the accreditation, YYYY-MM-DD.
        #[arg(long)]
        until: String,
        /// Premises kinds in scope, comma-separated: building, event.
        #[arg(long, value_delimiter = ',', default_value = "building")]
        scopes: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the keyed hash chain; exits non-zero naming the first broken entry.
    Verify {
        /// A head printed earlier by `audit head`: also prove that the log only grew
        /// from it (its entry still has the same link).
        #[arg(long)]
        head: Option<PathBuf>,
    },
    /// Print the newest entry's sequence number and link as JSON, to keep somewhere
    /// the database's writers cannot reach and check later with `verify --head`.
    Head,
}

pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => serve(settings, demo).await,
        Command::Demo => {
            let state = crate::startup::prepare(settings).await?;
            print_demo(&crate::demo::seed(&state).await?);
            println!(
                "\nStart the service with `protectcert serve` and open {}",
                state.settings.public_url()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let db = Db::connect(&settings.database_url(), settings.database_pool_size)?;
            let n = actix_web::web::block(move || db.migrate()).await??;
            println!("{n} migration(s) applied");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => {
            let password = password_from_stdin()?;
            let id = actix_web::web::block(move || {
                let db = open_to_write(&settings)?;
                crate::service::accounts::create_admin_cli(&db, &name, &email, &password)
            })
            .await??;
            println!("admin created: {id}");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Users {
            command: UsersCommand::Create { role, email, name },
        } => {
            let role = crate::auth::Role::parse(role.trim())
                .filter(|r| matches!(r, crate::auth::Role::Police | crate::auth::Role::Admin))
                .ok_or_else(|| anyhow::anyhow!("--role must be `police` or `admin`"))?;
            let password = password_from_stdin()?;
            let id = actix_web::web::block(move || {
                let db = open_to_write(&settings)?;
                crate::service::accounts::create_account_cli(&db, role, &name, &email, &password)
            })
            .await??;
            println!("{} account created: {id}", role.as_str());
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Users {
            command: UsersCommand::Deactivate { email },
        } => {
            let db = open(&settings)?;
            let id = actix_web::web::block(move || {
                db.migrate()?;
                crate::service::accounts::deactivate_cli(&db, &email)
            })
            .await??;
            println!("account deactivated: {id}");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Advisors {
            command:
                AdvisorsCommand::Accredit {
                    email,
                    name,
                    number,
                    until,
                    scopes,
                },
        } => {
            let password = password_from_stdin()?;
            let db = actix_web::web::block(move || open_to_write(&settings)).await??;
            let input = crate::service::advisors::CreateAdvisorRequest {
                name,
                email,
                password,
                accreditation_number: number,
                accredited_until: until,
                scopes,
                tied_organisation_id: None,
            };
            let advisor = crate::service::advisors::accredit_as(&db, None, input)
                .await
                .map_err(crate::service::accounts::described)?;
            println!(
                "advisor accredited: {} ({}, until {})",
                advisor.id, advisor.accreditation_number, advisor.accredited_until
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::VerifyPdf { file, url, ca } => verify_pdf(&settings, &file, url, ca).await,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let db = open(&settings)?;
            let kid = actix_web::web::block(move || -> anyhow::Result<String> {
                db.migrate()?;
                crate::certificates::token::insert_new_key(&mut *db.get()?)
            })
            .await??;
            println!(
                "new token signing key {kid}: it signs from now on; earlier keys stay published"
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Reminders {
            command: RemindersCommand::Run { now },
        } => reminders_run(settings, now).await,
        Command::Audit {
            command: AuditCommand::Verify { head },
        } => audit_verify(&settings, head.as_deref()).await,
        Command::Bench {
            command:
                BenchCommand::Seed {
                    certificates,
                    password,
                    pdfs,
                    sample_dir,
                },
        } => {
            let sample_dir = sample_dir.unwrap_or_else(|| settings.data_dir.clone());
            let state = crate::startup::prepare(settings).await?;
            let options = crate::service::bench_seed::SeedOptions {
                certificates,
                password: password.clone(),
                pdfs,
                sample_dir,
            };
            let report = crate::service::bench_seed::seed(&state, options).await?;
            print_seed(&report, &password);
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Head,
        } => {
            let db = open(&settings)?;
            let head = actix_web::web::block(move || {
                crate::db::sequences::audit_head(&mut *db.get()?).map_err(anyhow::Error::from)
            })
            .await??
            .unwrap_or(crate::domain::audit::Head {
                seq: 0,
                hash: String::new(),
            });
            println!("{}", serde_json::to_string(&head)?);
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

async fn audit_verify(
    settings: &Settings,
    head: Option<&Path>,
) -> anyhow::Result<std::process::ExitCode> {
    let head: Option<crate::domain::audit::Head> = match head {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read the head {}: {e}", path.display()))?;
            Some(serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{} is not a head printed by `audit head` ({{\"seq\":…,\"hash\":…}}): {e}",
                    path.display()
                )
            })?)
        }
    };
    let db = open(settings)?;
    let key = crate::audit_key::load(settings)?;
    let checked = head.clone();
    let result = actix_web::web::block(move || {
        let mut conn = db.get()?;
        crate::db::sequences::verify_audit(&mut conn, &key, checked.as_ref())
    })
    .await??;
    match result {
        Ok(n) => {
            match head {
                Some(h) => println!(
                    "audit log intact: {n} entries, grown from the head at entry {}",
                    h.seq
                ),
                None => println!("audit log intact: {n} entries"),
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(broken) => {
            eprintln!("audit log BROKEN: {broken}");
            Ok(std::process::ExitCode::from(1))
        }
    }
}

async fn verify_pdf(
    settings: &Settings,
    file: &std::path::Path,
    url: Option<String>,
    ca: Option<PathBuf>,
) -> anyhow::Result<std::process::ExitCode> {
    use crate::service::certificates::verify_pdf::{Scheme, check};
    let pdf =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let ca = ca
        .map(|p| crate::certificates::pki::load_ca(&p))
        .transpose()?;
    let scheme = match url {
        Some(url) => Scheme::Remote(url.trim_end_matches('/').to_string()),
        None => {
            let db = open(settings)?;
            let (key, cert) = (
                settings.pdf_signing_key.clone(),
                settings.pdf_signing_cert.clone(),
            );
            let local_db = db.clone();
            let identity = actix_web::web::block(move || {
                crate::certificates::pki::load(&local_db, &key, &cert, None)
            })
            .await??;
            Scheme::Local {
                db,
                ca: Box::new(identity.ca().clone()),
            }
        }
    };
    let report = check(&pdf, &scheme, ca).await?;
    print!("{}", report.text);
    Ok(if report.valid {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}

async fn reminders_run(
    settings: Settings,
    now: Option<String>,
) -> anyhow::Result<std::process::ExitCode> {
    let now = match now {
        Some(t) => time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
            .map_err(|e| anyhow::anyhow!("--now `{t}` is not an RFC 3339 time: {e}"))?,
        None => time::OffsetDateTime::now_utc(),
    };
    let db = {
        let settings = settings.clone();
        actix_web::web::block(move || open_to_write(&settings)).await??
    };
    let reminders = crate::notify::Reminders::new(&settings)?;
    let report = reminders.sweep(&db, now).await?;
    println!("{report}");
    println!("mail: {}", reminders.mailer().describe());
    Ok(std::process::ExitCode::SUCCESS)
}

/// The register as it is: never a new, empty one.
fn open(settings: &Settings) -> anyhow::Result<Db> {
    Db::open_existing(&settings.database_url(), settings.database_pool_size)
}

/// The register, migrated, holding the audit key (for commands that write).
fn open_to_write(settings: &Settings) -> anyhow::Result<Db> {
    let db = open(settings)?;
    db.migrate()?;
    crate::audit_key::keyed(db, settings)
}

fn password_from_stdin() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

fn print_seed(report: &crate::service::bench_seed::SeedReport, password: &str) {
    use crate::service::bench_seed as seed;
    println!(
        "Register seeded in {:.1} s: {} certificates ({} with signed PDFs, {} conditions) for {} premises of {} organisations, {} advisors.",
        report.seconds,
        report.certificates,
        report.pdfs,
        report.conditions,
        report.premises,
        report.organisations,
        report.advisors
    );
    let statuses: Vec<String> = report
        .by_status
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    println!("Status now: {}", statuses.join(", "));
    println!("Every login's password: {password}");
    println!("  admin     {}", seed::ADMIN_EMAIL);
    println!("  police    {}", seed::POLICE_EMAIL);
    println!(
        "  operator  {} (operatorN@orgN.bench.test for each organisation)",
        seed::OPERATOR_EMAIL
    );
    println!(
        "  advisor   {} (advisorN@advisors.bench.test)",
        seed::ADVISOR_EMAIL
    );
    println!("Sample files in {}", report.sample_dir.display());
}

fn print_demo(logins: &[crate::demo::Login]) {
    println!(
        "Demo scheme seeded. Every account's password: {}",
        crate::demo::PASSWORD
    );
    for l in logins {
        println!("  {:<9} {:<32} {} — {}", l.role, l.email, l.name, l.what);
    }
}

async fn serve(settings: Settings, demo: bool) -> anyhow::Result<std::process::ExitCode> {
    let listen = settings.listen.clone();
    let reminders = crate::notify::Reminders::new(&settings)?;
    let interval = settings.reminders_interval_secs;
    let state = crate::startup::prepare(settings).await?;
    if demo {
        match crate::demo::seed(&state).await {
            Ok(logins) => print_demo(&logins),
            Err(e) => tracing::warn!("demo not seeded: {e}"),
        }
    }
    if state.settings.reminders_in_serve {
        tracing::info!(
            "reminders: a sweep every {interval} s, mail to {}",
            reminders.mailer().describe()
        );
        actix_web::rt::spawn(reminders.run_every(state.db.clone(), interval, state.outbox.clone()));
    } else {
        tracing::info!(
            "reminders: no background sweep (reminders_in_serve = false); run `protectcert reminders run`"
        );
    }
    let listener = TcpListener::bind(&listen)
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    tracing::info!("protectcert listening on http://{}", listener.local_addr()?);
    crate::startup::serve(state, listener)?.await?;
    Ok(std::process::ExitCode::SUCCESS)
}
