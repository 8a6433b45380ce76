//! WebKitGTK settings for an app that never navigates, plays nothing and
//! animates little: no accelerated compositing, no page or memory cache
//! sized for browsing, no media. Each setting's measured effect is in
//! bench/README.md ("Web view settings").
//!
//! `CHATLIO_AEP_WEBVIEW_TUNING` leaves settings at WebKit's defaults, for
//! the bench to compare (and for a user whose system draws badly without
//! GPU compositing): `off` for all of them, or a comma-separated list of the
//! names below.

/// One setting, by the name `CHATLIO_AEP_WEBVIEW_TUNING` knows it by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// Software rendering, no accelerated compositing: WebKit's compositing
    /// path keeps layer buffers the app's forms and tables do not need
    /// (-69 MB Pss under Xvfb) and, without a GPU, renders them through
    /// software OpenGL. Asked for with `WEBKIT_DISABLE_COMPOSITING_MODE=1`
    /// (`prepare_environment`), which Tauri apps on Linux are often told to
    /// set for blank windows.
    Acceleration,
    /// The smallest memory and disk cache model ("document viewer"): there is
    /// nothing to cache between pages of an app that never navigates.
    Cache,
    /// No back/forward page cache: the app never navigates.
    PageCache,
    /// No media, Web Audio or WebGL: the UI uses none.
    Media,
}

impl Setting {
    pub const ALL: [Setting; 4] = [
        Setting::Acceleration,
        Setting::Cache,
        Setting::PageCache,
        Setting::Media,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Setting::Acceleration => "acceleration",
            Setting::Cache => "cache",
            Setting::PageCache => "page-cache",
            Setting::Media => "media",
        }
    }
}

/// The settings to apply, given `CHATLIO_AEP_WEBVIEW_TUNING`'s value; unknown
/// names are reported, not fatal.
pub fn chosen(variable: Option<&str>) -> (Vec<Setting>, Vec<String>) {
    let Some(value) = variable else {
        return (Setting::ALL.to_vec(), Vec::new());
    };
    if value.trim() == "off" {
        return (Vec::new(), Vec::new());
    }
    let skipped: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    let unknown = skipped
        .iter()
        .filter(|name| !Setting::ALL.iter().any(|setting| setting.name() == **name))
        .map(|name| (*name).to_owned())
        .collect();
    let applied = Setting::ALL
        .into_iter()
        .filter(|setting| !skipped.contains(&setting.name()))
        .collect();
    (applied, unknown)
}

/// Names the settings to leave at WebKit's defaults (see the module's comment).
pub const TUNING_VARIABLE: &str = "CHATLIO_AEP_WEBVIEW_TUNING";

/// WebKitGTK's own switch for no accelerated compositing, read when the first
/// web view is made.
pub const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Whether `prepare_environment` sets `WEBKIT_DISABLE_COMPOSITING_MODE`, for
/// `CHATLIO_AEP_WEBVIEW_TUNING`'s value `tuning`: unless the tuning leaves
/// compositing at WebKit's default, or the user set the variable (to any
/// value: `0` is a choice too).
pub fn sets_compositing_variable(tuning: Option<&str>, variable_set: bool) -> bool {
    !variable_set && chosen(tuning).0.contains(&Setting::Acceleration)
}

/// Asks WebKitGTK for no accelerated compositing through its environment
/// variable, before any web view exists. Changing the web view's policy once
/// it exists (as `tune` did) has the same effect on memory but makes WebKit
/// rebuild how the page is drawn while the page loads: the document arrived
/// 28 to 33 ms after the navigation's start instead of 13 to 22
/// (bench/README.md, "Web view settings"). The variable passes on to programs
/// the app starts; only WebKitGTK ones read it, and they still draw their
/// pages, without GPU compositing.
///
/// Call first thing in `main`, while the process has one thread: changing the
/// environment is not safe once other threads may read it.
#[cfg(target_os = "linux")]
pub fn prepare_environment() {
    let tuning = std::env::var(TUNING_VARIABLE).ok();
    let variable_set = std::env::var_os(DISABLE_COMPOSITING).is_some();
    if sets_compositing_variable(tuning.as_deref(), variable_set) {
        std::env::set_var(DISABLE_COMPOSITING, "1");
    }
}

/// Other systems' web views (WKWebView, WebView2) manage this themselves.
#[cfg(not(target_os = "linux"))]
pub fn prepare_environment() {}

/// Applies the chosen settings to the window's web view. No accelerated
/// compositing is asked for earlier, by `prepare_environment`.
#[cfg(target_os = "linux")]
pub fn tune(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};

    let variable = std::env::var(TUNING_VARIABLE).ok();
    let (settings, unknown) = chosen(variable.as_deref());
    if !unknown.is_empty() {
        tracing::warn!(
            ?unknown,
            "CHATLIO_AEP_WEBVIEW_TUNING names settings that do not exist"
        );
    }
    tracing::debug!(applied = ?settings, "web view settings");
    window.with_webview(move |platform| {
        let view = platform.inner();
        let Some(options) = view.settings() else {
            tracing::warn!("the web view has no settings to tune");
            return;
        };
        for setting in &settings {
            match setting {
                // Asked for by `prepare_environment` before the window existed.
                Setting::Acceleration => {}
                Setting::Cache => match view.context() {
                    Some(context) => context.set_cache_model(CacheModel::DocumentViewer),
                    None => tracing::warn!("the web view has no context to tune"),
                },
                Setting::PageCache => options.set_enable_page_cache(false),
                Setting::Media => {
                    options.set_enable_media(false);
                    options.set_enable_webaudio(false);
                    options.set_enable_webgl(false);
                }
            }
        }
    })
}

/// Other systems' web views (WKWebView, WebView2) manage this themselves.
#[cfg(not(target_os = "linux"))]
pub fn tune(_window: &tauri::WebviewWindow) -> tauri::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_applies_unless_named_or_turned_off() {
        assert_eq!(chosen(None).0, Setting::ALL.to_vec());
        assert!(chosen(Some("off")).0.is_empty());
        let (applied, unknown) = chosen(Some("acceleration, media,gpu"));
        assert_eq!(applied, vec![Setting::Cache, Setting::PageCache]);
        assert_eq!(unknown, vec!["gpu".to_owned()]);
    }

    #[test]
    fn compositing_is_turned_off_before_the_window_unless_the_user_decided() {
        assert!(sets_compositing_variable(None, false));
        assert!(sets_compositing_variable(Some("media"), false));
        // WEBKIT_DISABLE_COMPOSITING_MODE=0 is a user's choice too.
        assert!(!sets_compositing_variable(None, true));
        assert!(!sets_compositing_variable(Some("acceleration"), false));
        assert!(!sets_compositing_variable(Some("off"), true));
    }
}
