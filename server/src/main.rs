#![recursion_limit = "256"]
//! Reads the configuration, prepares the database, optionally seeds demo data, and serves.

use std::os::unix::fs::OpenOptionsExt;
use std::process::ExitCode;

use app::platform::config::Config;

const USAGE: &str = "usage: server [--seed-demo] [--demo-size N]

  --seed-demo     seed a demo practice (about 50 clients) when the database is empty
  --demo-size N   seed a demo practice with N clients (implies --seed-demo)

Configuration comes from the environment; see .env.example.";

/// Where the demo's sign-in is kept: beside a SQLite database (so each database has its
/// own), else in `data/`.
fn credentials_file(database_url: &str) -> std::path::PathBuf {
    let sqlite_dir = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|path| path.split('?').next().unwrap_or(path))
        .and_then(|path| std::path::Path::new(path).parent().map(|p| p.to_path_buf()))
        .filter(|dir| !dir.as_os_str().is_empty());
    sqlite_dir.unwrap_or_else(|| "data".into()).join("demo-credentials.txt")
}

/// Large blocks (a password hash's 19 MiB among them) go straight to the system and back
/// when freed. glibc otherwise raises this threshold after the first such block is freed
/// and then keeps later ones in the freeing thread's arena: every thread that has ever
/// hashed a password would hold 19 MiB for good (the browser bench saw the server grow from
/// 81 to 142 MB after four sign-ins). Setting it once turns that adjustment off.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
        .block_on(serve())
}

async fn serve() -> ExitCode {
    let mut seed: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed-demo" => seed = Some(seed.unwrap_or(50)),
            "--demo-size" => match args
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=100_000).contains(n))
            {
                Some(n) => seed = Some(n),
                None => {
                    eprintln!("error: --demo-size takes a number of clients from 1 to 100000\n\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("error: unknown argument {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| "info".into()))
        .init();
    tracing::info!(?config, "starting");

    let addr = config.site_addr;
    let base_url = config.app_base_url.clone();
    let credentials = credentials_file(&config.database_url);
    let state = match server::prepare_state(config).await {
        Ok(state) => state,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };

    if let Some(clients) = seed {
        match app::demo::seed_if_empty(&state.db, clients).await {
            Ok(Some(login)) => {
                let note = format!("email:    {}\npassword: {}\n", login.email, login.password);
                if let Some(dir) = credentials.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                // Readable by the server's user only: it holds every demo user's password.
                let written = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&credentials)
                    .and_then(|mut f| std::io::Write::write_all(&mut f, note.as_bytes()));
                if let Err(error) = written {
                    eprintln!("warning: cannot write {}: {error}", credentials.display());
                }
                println!(
                    "\nDemo practice seeded ({} clients, {} staff). Sign in at {base_url}/login\n{note}(also saved in {}; every demo user shares this password)\n",
                    login.clients,
                    login.staff,
                    credentials.display()
                );
            }
            Ok(None) => match std::fs::read_to_string(&credentials) {
                Ok(note) => {
                    println!("\nDatabase already has data. Sign in at {base_url}/login\n{note}")
                }
                Err(_) => println!("\nDatabase already has data; no demo seeded. Sign in at {base_url}/login"),
            },
            Err(error) => {
                eprintln!("error: seeding demo data failed: {error}");
                return ExitCode::FAILURE;
            }
        }
    }

    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(error) => {
            eprintln!("error: cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("Practice Access is listening on http://{addr}");
    match server::run(state, listener).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
