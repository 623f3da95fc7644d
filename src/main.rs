use clap::Parser;

/// Issue 12 part B: glibc gives each thread that allocates under contention an
/// arena of its own (up to eight per core) and seldom returns their memory, so the
/// resident size grew with every load test. Two arenas serve two workers and the
/// blocking pool with no measurable cost. `MALLOC_ARENA_MAX`, when set, wins.
///
/// And a fixed threshold for mapping big blocks: each password check's Argon2
/// working memory (19 MiB) is mapped and given back when freed. glibc's own
/// threshold rises to the size of the first big block freed, so from then on that
/// memory came from an arena and stayed resident (20 MB of the service's 65 MB at
/// start, after the dummy hash that answers unknown users). `MALLOC_MMAP_THRESHOLD_`,
/// when set, wins.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets a tunable of the allocator; it is called before
        // any other thread exists.
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, 2);
            }
        }
        if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
            }
        }
    }
}

fn main() -> std::process::ExitCode {
    tune_malloc();
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
