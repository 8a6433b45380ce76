// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter};

fn main() {
    // Before anything else: it changes the environment, which is only safe
    // while this is the process's one thread.
    chatlio_setup_lib::webview::prepare_environment();
    // Logs go to stderr and, once the data folder is known, to the log file
    // (`logfile`); `CHATLIO_AEP_LOG=debug` shows more. Nothing secret is ever
    // a field of a log line (secrets are wrapped and redact themselves).
    let filter = EnvFilter::try_from_env("CHATLIO_AEP_LOG")
        .unwrap_or_else(|_| EnvFilter::new("warn,chatlio_setup_lib=info,app=info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr))
        .with(
            fmt::layer()
                .with_ansi(false)
                .with_writer(chatlio_setup_lib::logfile::writer),
        )
        .init();
    if let Err(error) = chatlio_setup_lib::run() {
        eprintln!("chatlio-setup: the app could not start: {error}");
        std::process::exit(1);
    }
}
