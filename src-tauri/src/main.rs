// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    if let Err(error) = chatlio_setup_lib::run() {
        eprintln!("chatlio-setup: the app could not start: {error}");
        std::process::exit(1);
    }
}
