//! Public verification while log-ins flood the service: the median and p90 of
//! `GET /api/v1/verify/{number}` with no other traffic (the yardstick), then while
//! 64 clients, each from its own loopback address, send wrong passwords as fast
//! as they are answered. Argon2 runs on a bounded pool outside any database
//! connection, and the log-in throttle holds each address back after 20 failures,
//! so the flood should cost verification little; before that, the same flood
//! raised the median from 2 ms to over a second.
//!
//!     cargo bench --bench login_flood
//!
//! Prints the figures recorded in BENCHMARKS.md. Does nothing under `cargo test`
//! (which runs bench targets without `--bench`).

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use protectcert::config::Settings;

const FLOODERS: u8 = 64;
const YARDSTICK_REQUESTS: usize = 1_000;
const FLOOD_SECONDS: u64 = 20;
/// A number of the right shape and check symbol that no certificate has: the
/// lookup still reads the register, as every public check does.
const NUMBER: &str = protectcert::domain::certificate_number::EXAMPLE;

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("login flood benchmark: skipped (run it with `cargo bench --bench login_flood`)");
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model()
    );
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::defaults()?;
    settings.data_dir = dir.path().to_path_buf();
    settings.database_url = dir.path().join("bench.db").to_string_lossy().into_owned();
    settings.checklists_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/checklists").into();
    settings.certificate_templates_dir =
        concat!(env!("CARGO_MANIFEST_DIR"), "/certificate-templates").into();
    // What is measured is the cost of the flood, not the public limit.
    settings.public_rate_per_minute = 0;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    settings.public_url = base.clone();
    let state = protectcert::startup::prepare(settings).await?;
    tokio::spawn(protectcert::startup::serve(state, listener)?);

    let verifier = reqwest::Client::new();
    let url = format!("{base}/api/v1/verify/{NUMBER}");
    for _ in 0..50 {
        verifier.get(&url).send().await?.bytes().await?;
    }
    let quiet = sample(&verifier, &url, Until::Count(YARDSTICK_REQUESTS)).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicU64::new(0));
    let throttled = Arc::new(AtomicU64::new(0));
    let mut flood = Vec::new();
    for n in 0..FLOODERS {
        let client = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 1, n + 1)))
            .build()?;
        let (login, stop) = (format!("{base}/api/v1/auth/login"), stop.clone());
        let (refused, throttled) = (refused.clone(), throttled.clone());
        flood.push(tokio::spawn(async move {
            let mut attempt = 0u64;
            while !stop.load(Ordering::Relaxed) {
                attempt += 1;
                let body = serde_json::json!({
                    "email": format!("flood{n}-{attempt}@venue.test"),
                    "password": "not the password at all",
                });
                match client.post(&login).json(&body).send().await {
                    Ok(res) if res.status() == 429 => {
                        throttled.fetch_add(1, Ordering::Relaxed);
                        // A client that is told to wait comes back at once anyway.
                        let _ = res.bytes().await;
                    }
                    Ok(res) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        let _ = res.bytes().await;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let flooded = sample(
        &verifier,
        &url,
        Until::Elapsed(Duration::from_secs(FLOOD_SECONDS)),
    )
    .await?;
    stop.store(true, Ordering::Relaxed);
    for f in flood {
        let _ = f.await;
    }

    let (q50, q90) = (percentile(&quiet, 50), percentile(&quiet, 90));
    let (f50, f90) = (percentile(&flooded, 50), percentile(&flooded, 90));
    println!(
        "public verify, quiet (yardstick): {} requests, median {:.2} ms, p90 {:.2} ms",
        quiet.len(),
        q50,
        q90
    );
    println!(
        "public verify, during the flood: {} requests in {FLOOD_SECONDS} s, median {:.2} ms, p90 {:.2} ms",
        flooded.len(),
        f50,
        f90
    );
    println!(
        "flood: {FLOODERS} addresses, {} log-ins answered 401 (password checked), {} answered 429 (throttled)",
        refused.load(Ordering::Relaxed),
        throttled.load(Ordering::Relaxed)
    );
    println!(
        "ratio, flooded to quiet: median {:.2}x, p90 {:.2}x",
        f50 / q50,
        f90 / q90
    );
    Ok(())
}

enum Until {
    Count(usize),
    Elapsed(Duration),
}

/// Latencies in milliseconds of one verification after another.
async fn sample(client: &reqwest::Client, url: &str, until: Until) -> anyhow::Result<Vec<f64>> {
    let started = Instant::now();
    let mut times = Vec::new();
    loop {
        match until {
            Until::Count(n) if times.len() >= n => break,
            Until::Elapsed(d) if started.elapsed() >= d => break,
            _ => {}
        }
        let t = Instant::now();
        let res = client.get(url).send().await?;
        anyhow::ensure!(res.status() == 404, "verify answered {}", res.status());
        res.bytes().await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}

fn percentile(times: &[f64], p: usize) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[(sorted.len() - 1) * p / 100]
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}
