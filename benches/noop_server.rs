//! The load test's yardstick: a do-nothing actix-web route answering 200 "ok", so
//! that `benches/load.sh` can give every figure as a ratio to what this machine
//! serves with no work at all (ratios from the same run hold on any machine).
//!
//!     cargo bench --bench noop_server -- --serve 127.0.0.1:18081
//!
//! Without `--serve ADDR` it prints "skipped" and exits (`cargo test --all-targets`
//! runs bench binaries with no arguments).

use actix_web::{App, HttpResponse, HttpServer, web};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let Some(addr) = args
        .iter()
        .position(|a| a == "--serve")
        .and_then(|i| args.get(i + 1))
        .cloned()
    else {
        println!("noop_server: skipped (serve with `--serve ADDR`)");
        return Ok(());
    };
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(|| {
            App::new().default_service(web::to(|| async {
                HttpResponse::Ok().content_type("text/plain").body("ok")
            }))
        })
        .bind(&addr)?;
        println!("noop_server listening on http://{addr}");
        server.run().await
    })
}
