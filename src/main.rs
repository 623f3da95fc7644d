use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    protectcert::telemetry::init();
    let cli = protectcert::cli::Cli::parse();
    match protectcert::cli::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
