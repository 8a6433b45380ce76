//! `chatlio-aep`: the headless front end over the setup engine (its own issue).

fn main() {
    eprintln!("chatlio-aep: not built yet; see the setup engine issue");
    std::process::exit(2);
}
