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
///
/// And every few seconds the free memory inside the arenas is given back
/// (`malloc_trim`): glibc returns only the free top of an arena by itself, so the
/// pages freed between live blocks after a burst of searches or pages stayed
/// resident (8 MB of the 78 after the load test on 1,000,000 certificates). One
/// trim walks the free lists, well under a millisecond here.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets a tunable of the allocator; it is called before
        // any other thread exists (the trimmer below is started after it).
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
        let trimmer = std::thread::Builder::new().name("malloc-trim".into());
        let _ = trimmer.spawn(|| {
            loop {
                std::thread::sleep(MALLOC_TRIM_EVERY);
                // SAFETY: malloc_trim takes the allocator's own locks.
                unsafe {
                    libc::malloc_trim(0);
                }
            }
        });
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MALLOC_TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

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
