//! The smallest Tauri window: one static page, no plugins, no commands. The
//! cold-start and memory figures of the app are compared with this one's.

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bench-baseline: the window could not start: {error}");
        std::process::exit(1);
    }
}
