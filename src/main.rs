use clap::Parser;

/// Issue 12 part B: glibc gives each thread that allocates under contention an
/// arena of its own (up to eight per core) and seldom returns their memory, so the
/// resident size grew with every load test. Two arenas serve two workers and the
/// blocking pool with no measurable cost. `MALLOC_ARENA_MAX`, when set, wins.
fn bound_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a tunable of the allocator; it is called before
        // any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

fn main() -> std::process::ExitCode {
    bound_malloc_arenas();
    run()
}

#[actix_web::main]
async fn run() -> std::process::ExitCode {
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
