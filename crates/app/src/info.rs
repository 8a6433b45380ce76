//! Facts about the app itself: version, the OS language, what a first screen
//! needs, and the first screen the shell can serve before the page's script runs.

use serde::Serialize;
use ts_rs::TS;

use crate::error::{AppErrorCode, CommandError, CommandResult};
use crate::wizard::{self, WizardState};
use crate::{Desktop, Shared};

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The app's version, from Cargo.
    pub version: String,
    /// The operating system's preferred language as a BCP 47 tag, when known.
    /// The UI picks its default language from it.
    pub os_locale: Option<String>,
    /// Operating system family, e.g. "linux", for platform-specific wording.
    pub os: String,
}

pub fn app_info_now() -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        os_locale: sys_locale::get_locale(),
        os: std::env::consts::OS.to_owned(),
    }
}

pub async fn app_info() -> CommandResult<AppInfo> {
    Ok(app_info_now())
}

/// The global the shell's initialization script sets to a [`Boot`] before
/// the page's own script runs (`boot_script`).
pub const BOOT_GLOBAL: &str = "__chatlioAepBoot";

/// What the first screen waits for, handed to the page before its script
/// runs: the answers `app_info` and `load_wizard` give, read when the window
/// is made. Without it the first screen waits for both commands to come
/// back before it is even known which screen to draw: a relaunch onto the
/// dashboard showed it about 200 ms later (bench/README.md, "Handing the
/// first screen its answers").
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Boot {
    pub info: AppInfo,
    /// The saved wizard state; `null` for a first start.
    pub wizard: Option<WizardState>,
}

/// Reads [`Boot`] from the data folder `layout` describes. An unreadable
/// wizard state is the same error `load_wizard` gives.
pub fn boot(layout: &storage::DataLayout) -> CommandResult<Boot> {
    Ok(Boot {
        info: app_info_now(),
        wizard: wizard::saved(layout)?,
    })
}

/// The initialization script that hands `boot` to the page as
/// `window[BOOT_GLOBAL]`. JSON is a JavaScript expression (every JSON text
/// is one since ES2019), so the value needs no other escaping.
pub fn boot_script(boot: &Boot) -> CommandResult<String> {
    let json = serde_json::to_string(boot).map_err(|error| {
        CommandError::new(
            AppErrorCode::Internal,
            format!("writing the first screen's data: {error}"),
        )
    })?;
    Ok(format!("window.{BOOT_GLOBAL} = {json};"))
}

/// Stands for the app's version in the first screen the UI's build draws
/// (`VERSION_PLACEHOLDER` in `ui/src/prerender.ts`): the shell knows the
/// version, the build does not.
pub const VERSION_PLACEHOLDER: &str = "@@chatlio-aep-version@@";

/// The page's empty app element, which the page's script draws into.
const APP_ELEMENT: &str = r#"<div id="app"></div>"#;

/// A first screen the UI's build drew (the welcome screen around the shell,
/// one per language) that a start can show before the page's script runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstScreen {
    /// The language it is drawn in, as the UI names it ("en", "sv").
    pub language: String,
    /// Where it is among the page's assets.
    pub asset: String,
}

/// The first screens to offer a start that `boot` describes, best first: a
/// first start (or one saved on the welcome screen) is offered the welcome
/// screen in the system's language, then in English, the UI's fallback; the
/// shell serves the first of them the build drew. Any other screen needs the
/// page's script (its data, a connection), so nothing is offered. The page
/// still decides: it takes the offer over only when it shows that screen in
/// that language (a language the user chose over the system's is drawn
/// afresh).
pub fn first_screen_offer(boot: &Boot) -> Vec<FirstScreen> {
    let on_welcome = boot
        .wizard
        .as_ref()
        .is_none_or(|state| state.screen == wizard::Screen::Welcome);
    if !on_welcome {
        return Vec::new();
    }
    // "sv" of "sv-SE" or "sv_FI.UTF-8"; letters only, as it names a file.
    let system = boot.info.os_locale.as_deref().map(|tag| {
        tag.split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    });
    let mut languages: Vec<String> = system
        .into_iter()
        .filter(|language| {
            !language.is_empty() && language.bytes().all(|byte| byte.is_ascii_lowercase())
        })
        .collect();
    if !languages.iter().any(|language| language == "en") {
        languages.push("en".to_owned());
    }
    languages
        .into_iter()
        .map(|language| FirstScreen {
            asset: format!("first-screen/{language}.fragment"),
            language,
        })
        .collect()
}

/// The page's document with `screen` drawn into its app element (`drawn` is
/// that asset's content): marked with the language (`data-first-screen`,
/// which the page checks before taking it over) and with the app's version
/// filled in. `None` when the document has no empty app element: it is then
/// served as built and the page draws everything.
pub fn document_with_first_screen(
    document: &str,
    screen: &FirstScreen,
    drawn: &str,
) -> Option<String> {
    if !document.contains(APP_ELEMENT) {
        return None;
    }
    let drawn = drawn.replace(VERSION_PLACEHOLDER, &escape_html(env!("CARGO_PKG_VERSION")));
    let element = format!(
        r#"<div id="app" data-first-screen="{}">{drawn}</div>"#,
        escape_html(&screen.language)
    );
    Some(document.replacen(APP_ELEMENT, &element, 1))
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Opens the folder holding the app's log (`storage::DataLayout::logs`) in
/// the file manager: what support asks for when something went wrong.
pub async fn open_log_folder(state: &Shared, desktop: &dyn Desktop) -> CommandResult<()> {
    let folder = state.layout().logs();
    let where_it_is = || format!("The log is in {}.", folder.display());
    // The shell writes the log once the data folder is ready; the folder may
    // still be missing if that failed, and an empty one says so plainly.
    storage::create_folder(&folder, storage::Permissions::Private).map_err(|error| {
        CommandError::new(AppErrorCode::FolderOpenFailed, error.to_string())
            .with_hint(where_it_is())
    })?;
    desktop.open_path(&folder).map_err(|error| {
        CommandError::new(AppErrorCode::FolderOpenFailed, error).with_hint(where_it_is())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn reports_the_crate_version_and_os() {
        let info = app_info_now();
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.os, std::env::consts::OS);
        let json = serde_json::to_value(&info).unwrap();
        assert!(
            json.get("osLocale").is_some(),
            "camelCase field names: {json}"
        );
    }

    #[test]
    fn boot_holds_what_the_two_commands_answer() {
        let directory = tempfile::tempdir().unwrap();
        let layout = storage::DataLayout::new(directory.path());
        let first = boot(&layout).unwrap();
        assert_eq!(first.wizard, None);
        assert_eq!(first.info.version, app_info_now().version);

        let state = WizardState {
            screen: wizard::Screen::Dashboard,
            setup_name: Some("Chatlio".into()),
            ..WizardState::default()
        };
        wizard::save(&layout.wizard_state(), &state).unwrap();
        assert_eq!(boot(&layout).unwrap().wizard, Some(state));

        // A folder where the file should be cannot be read: the error
        // load_wizard reports, not a first start.
        std::fs::remove_file(layout.wizard_state()).unwrap();
        std::fs::create_dir(layout.wizard_state()).unwrap();
        assert_eq!(
            boot(&layout).unwrap_err().code,
            ErrorCode::App(AppErrorCode::Internal)
        );
    }

    #[test]
    fn the_script_sets_the_global_to_the_boot_as_json() {
        let boot = Boot {
            info: app_info_now(),
            wizard: Some(WizardState {
                // Quotes, a line separator and a closing tag stay inside
                // the string.
                setup_name: Some("\"a\" \u{2028} </script>".into()),
                ..WizardState::default()
            }),
        };
        let script = boot_script(&boot).unwrap();
        let json = script
            .strip_prefix(&format!("window.{BOOT_GLOBAL} = "))
            .and_then(|rest| rest.strip_suffix(';'))
            .unwrap();
        let parsed: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(parsed, serde_json::to_value(&boot).unwrap());
        assert_eq!(parsed["wizard"]["setupName"], "\"a\" \u{2028} </script>");
    }

    fn boot_on(screen: Option<wizard::Screen>, os_locale: Option<&str>) -> Boot {
        Boot {
            info: AppInfo {
                os_locale: os_locale.map(str::to_owned),
                ..app_info_now()
            },
            wizard: screen.map(|screen| WizardState {
                screen,
                ..WizardState::default()
            }),
        }
    }

    fn languages(offer: &[FirstScreen]) -> Vec<&str> {
        offer
            .iter()
            .map(|screen| screen.language.as_str())
            .collect()
    }

    #[test]
    fn a_first_start_is_offered_the_welcome_screen_in_the_system_language_then_english() {
        let offer = first_screen_offer(&boot_on(None, Some("sv_FI.UTF-8")));
        assert_eq!(languages(&offer), ["sv", "en"]);
        assert_eq!(offer[0].asset, "first-screen/sv.fragment");
        assert_eq!(
            languages(&first_screen_offer(&boot_on(None, Some("en-GB")))),
            ["en"]
        );
        assert_eq!(languages(&first_screen_offer(&boot_on(None, None))), ["en"]);
        // POSIX's "C" names no language the build drew: "c" is tried, then English.
        assert_eq!(
            languages(&first_screen_offer(&boot_on(None, Some("C")))),
            ["c", "en"]
        );
        // Saved on the welcome screen: the same.
        let saved = boot_on(Some(wizard::Screen::Welcome), Some("sv-SE"));
        assert_eq!(languages(&first_screen_offer(&saved)), ["sv", "en"]);
    }

    #[test]
    fn other_screens_and_odd_locales_are_offered_nothing_they_cannot_use() {
        for screen in [wizard::Screen::Prerequisites, wizard::Screen::Dashboard] {
            assert!(first_screen_offer(&boot_on(Some(screen), Some("sv-SE"))).is_empty());
        }
        // A locale is never a path: only letters name an asset.
        for tag in ["../../etc/passwd", "", "x/y"] {
            assert_eq!(
                languages(&first_screen_offer(&boot_on(None, Some(tag)))),
                ["en"],
                "{tag:?}"
            );
        }
    }

    #[test]
    fn the_document_gets_the_drawn_screen_its_language_and_the_version() {
        let document = "<body>\n<div id=\"app\"></div>\n<script type=\"module\" src=\"/a.js\"></script></body>";
        let screen = FirstScreen {
            language: "sv".into(),
            asset: "first-screen/sv.fragment".into(),
        };
        let drawn = format!("<!--[--><span>Version {VERSION_PLACEHOLDER}</span><!--]-->");
        let served = document_with_first_screen(document, &screen, &drawn).unwrap();
        assert_eq!(
            served,
            format!(
                "<body>\n<div id=\"app\" data-first-screen=\"sv\"><!--[--><span>Version {}</span><!--]--></div>\n<script type=\"module\" src=\"/a.js\"></script></body>",
                env!("CARGO_PKG_VERSION")
            )
        );
        // A document whose app element is not the empty one the build
        // writes is left to the page.
        assert_eq!(
            document_with_first_screen("<div id=\"app\">x</div>", &screen, &drawn),
            None
        );
    }
}
