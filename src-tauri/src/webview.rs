//! WebKitGTK settings for an app that never navigates, plays nothing and
//! animates little: no accelerated compositing, no page or memory cache
//! sized for browsing, no media, and a garbage collector that never lets
//! replaced dashboards pile up. Each setting's measured effect is in
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
    /// Every collection of the page's JavaScript objects is a whole one
    /// (JavaScriptCore's `JSC_useGenerationalGC=false`, read by the web
    /// process when it starts). With generations, each dashboard a refresh
    /// replaced (about 1 MB of objects for 50 dataflows) had lived long
    /// enough to be counted old, and old objects were not collected while
    /// the page kept working: the web process grew by about 1 MB per
    /// refresh, 154 MB over 150, and never came back. The page's live
    /// objects are a few tens of MB, so a whole collection stays short.
    FullCollections,
}

impl Setting {
    pub const ALL: [Setting; 5] = [
        Setting::Acceleration,
        Setting::Cache,
        Setting::PageCache,
        Setting::Media,
        Setting::FullCollections,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Setting::Acceleration => "acceleration",
            Setting::Cache => "cache",
            Setting::PageCache => "page-cache",
            Setting::Media => "media",
            Setting::FullCollections => "full-collections",
        }
    }

    /// The environment variable (and value) that asks the web process for
    /// this setting, for settings WebKit takes only that way.
    fn environment(self) -> Option<(&'static str, &'static str)> {
        match self {
            Setting::Acceleration => Some((DISABLE_COMPOSITING, "1")),
            Setting::FullCollections => Some((GENERATIONAL_COLLECTOR, "false")),
            Setting::Cache | Setting::PageCache | Setting::Media => None,
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

/// JavaScriptCore's option for collecting by generations, read from the
/// environment by the web process when it starts.
pub const GENERATIONAL_COLLECTOR: &str = "JSC_useGenerationalGC";

/// The environment variables `prepare_environment` sets, for
/// `CHATLIO_AEP_WEBVIEW_TUNING`'s value `tuning`: those of the chosen
/// settings that WebKit takes only from its environment, except any the user
/// set (to any value: `WEBKIT_DISABLE_COMPOSITING_MODE=0` is a choice too).
pub fn environment_to_set(
    tuning: Option<&str>,
    is_set: impl Fn(&str) -> bool,
) -> Vec<(&'static str, &'static str)> {
    chosen(tuning)
        .0
        .into_iter()
        .filter_map(Setting::environment)
        .filter(|(name, _)| !is_set(name))
        .collect()
}

/// Asks WebKitGTK for no accelerated compositing, and JavaScriptCore for
/// whole collections, through their environment variables, before any web
/// view exists. Changing the web view's compositing policy once it exists
/// (as `tune` did) has the same effect on memory but makes WebKit rebuild
/// how the page is drawn while the page loads: the document arrived 28 to 33
/// ms after the navigation's start instead of 13 to 22 (bench/README.md,
/// "Web view settings"); the collector has no other switch. The variables
/// pass on to programs the app starts; only WebKitGTK and JavaScriptCore
/// ones read them, and they still work, without GPU compositing and
/// collecting whole.
///
/// Call first thing in `main`, while the process has one thread: changing the
/// environment is not safe once other threads may read it.
#[cfg(target_os = "linux")]
pub fn prepare_environment() {
    let tuning = std::env::var(TUNING_VARIABLE).ok();
    for (name, value) in
        environment_to_set(tuning.as_deref(), |name| std::env::var_os(name).is_some())
    {
        std::env::set_var(name, value);
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
                Setting::Acceleration | Setting::FullCollections => {}
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
        assert_eq!(
            applied,
            vec![Setting::Cache, Setting::PageCache, Setting::FullCollections]
        );
        assert_eq!(unknown, vec!["gpu".to_owned()]);
    }

    #[test]
    fn the_environment_is_set_before_the_window_unless_the_user_decided() {
        let nothing_set = |_: &str| false;
        assert_eq!(
            environment_to_set(None, nothing_set),
            vec![
                (DISABLE_COMPOSITING, "1"),
                (GENERATIONAL_COLLECTOR, "false")
            ]
        );
        assert_eq!(
            environment_to_set(Some("media"), nothing_set),
            environment_to_set(None, nothing_set)
        );
        // WEBKIT_DISABLE_COMPOSITING_MODE=0 is a user's choice too.
        assert_eq!(
            environment_to_set(None, |name| name == DISABLE_COMPOSITING),
            vec![(GENERATIONAL_COLLECTOR, "false")]
        );
        assert_eq!(
            environment_to_set(Some("acceleration"), nothing_set),
            vec![(GENERATIONAL_COLLECTOR, "false")]
        );
        assert_eq!(
            environment_to_set(Some("full-collections"), nothing_set),
            vec![(DISABLE_COMPOSITING, "1")]
        );
        assert!(environment_to_set(Some("off"), nothing_set).is_empty());
    }
}
