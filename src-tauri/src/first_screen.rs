//! Serves the page's document with its first screen already in it, on the
//! window's first load: the welcome screen the UI's build drew (one per
//! language), so a new user's window shows it as soon as the document is
//! parsed instead of after the page's script has run and drawn it. What is
//! offered, and how it goes into the document, is decided in `app::info`
//! (`first_screen_offer`, `document_with_first_screen`); the page checks the
//! offer and takes it over (ui/src/main.ts).

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use tauri::utils::assets::{AssetKey, AssetsIter, CspHash};
use tauri::{Assets, Runtime};

/// The document the first screen goes into.
const DOCUMENT: &str = "/index.html";

/// The first screens offered to the window's next load of the document;
/// emptied by that load, so a reload (Ctrl+R) gets the document as built
/// and the page draws what it reads then.
#[derive(Clone, Default)]
pub struct Offer(Arc<Mutex<Vec<app::info::FirstScreen>>>);

impl Offer {
    pub fn set(&self, screens: Vec<app::info::FirstScreen>) {
        match self.0.lock() {
            Ok(mut offered) => *offered = screens,
            Err(error) => tracing::warn!(%error, "no first screen offered"),
        }
    }

    fn take(&self) -> Vec<app::info::FirstScreen> {
        match self.0.lock() {
            Ok(mut offered) => std::mem::take(&mut *offered),
            Err(error) => {
                tracing::warn!(%error, "first screen not served");
                Vec::new()
            }
        }
    }
}

/// The built assets, with the document served once with the offered first
/// screen in it.
struct FirstScreenAssets<R: Runtime> {
    built: Box<dyn Assets<R>>,
    offer: Offer,
}

impl<R: Runtime> FirstScreenAssets<R> {
    fn document_with_offer(&self) -> Option<Vec<u8>> {
        let offered = self.offer.take();
        if offered.is_empty() {
            return None;
        }
        let document = self.built.get(&AssetKey::from(DOCUMENT))?;
        let document = std::str::from_utf8(&document).ok()?;
        // The first the build drew: the system's language, else English.
        let (screen, drawn) = offered.iter().find_map(|screen| {
            let drawn = self.built.get(&AssetKey::from(screen.asset.as_str()))?;
            Some((screen, String::from_utf8(drawn.into_owned()).ok()?))
        })?;
        let served = app::info::document_with_first_screen(document, screen, &drawn);
        if served.is_none() {
            tracing::warn!("the document has no empty app element; served as built");
        }
        served.map(String::into_bytes)
    }
}

impl<R: Runtime> Assets<R> for FirstScreenAssets<R> {
    fn setup(&self, app: &tauri::App<R>) {
        self.built.setup(app);
    }

    fn get(&self, key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        if key.as_ref() == DOCUMENT {
            if let Some(document) = self.document_with_offer() {
                return Some(Cow::Owned(document));
            }
        }
        self.built.get(key)
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        self.built.iter()
    }

    fn csp_hashes(&self, html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        self.built.csp_hashes(html_path)
    }
}

/// Puts `offer` between the window and the built assets of `context`.
pub fn install<R: Runtime>(context: &mut tauri::Context<R>, offer: Offer) {
    // A placeholder while the built assets are moved into the wrapper.
    let built = context.set_assets(Box::new(NoAssets));
    // What comes back is that placeholder.
    context.set_assets(Box::new(FirstScreenAssets { built, offer }));
}

/// Serves nothing; only ever held for the moment `install` swaps.
struct NoAssets;

impl<R: Runtime> Assets<R> for NoAssets {
    fn get(&self, _key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        None
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        Box::new(std::iter::empty())
    }

    fn csp_hashes(&self, _html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        Box::new(std::iter::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Built assets: a document and the first screens drawn in `languages`.
    struct Built(Vec<(String, String)>);

    impl Built {
        fn with(languages: &[&str]) -> Self {
            let mut files = vec![(
                DOCUMENT.to_owned(),
                r#"<body><div id="app"></div><script type="module" src="/a.js"></script></body>"#
                    .to_owned(),
            )];
            for language in languages {
                files.push((
                    format!("/first-screen/{language}.fragment"),
                    format!(
                        "<h1>{language}</h1><p>{}</p>",
                        app::info::VERSION_PLACEHOLDER
                    ),
                ));
            }
            Self(files)
        }
    }

    impl<R: Runtime> Assets<R> for Built {
        fn get(&self, key: &AssetKey) -> Option<Cow<'_, [u8]>> {
            self.0
                .iter()
                .find(|(path, _)| path == key.as_ref())
                .map(|(_, text)| Cow::Borrowed(text.as_bytes()))
        }

        fn iter(&self) -> Box<AssetsIter<'_>> {
            Box::new(std::iter::empty())
        }

        fn csp_hashes(&self, _html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
            Box::new(std::iter::empty())
        }
    }

    fn served(assets: &FirstScreenAssets<tauri::Wry>, path: &str) -> String {
        let bytes = Assets::<tauri::Wry>::get(assets, &AssetKey::from(path)).unwrap();
        String::from_utf8(bytes.into_owned()).unwrap()
    }

    fn first_start(os_locale: &str) -> Vec<app::info::FirstScreen> {
        let boot = app::info::Boot {
            info: app::info::AppInfo {
                os_locale: Some(os_locale.to_owned()),
                ..app::info::app_info_now()
            },
            wizard: None,
        };
        app::info::first_screen_offer(&boot)
    }

    #[test]
    fn the_first_load_gets_the_drawn_screen_and_a_reload_the_document_as_built() {
        let offer = Offer::default();
        let assets = FirstScreenAssets::<tauri::Wry> {
            built: Box::new(Built::with(&["en", "sv"])),
            offer: offer.clone(),
        };
        // Before the window's page asks, nothing is offered yet.
        assert!(served(&assets, "/index.html").contains(r#"<div id="app"></div>"#));

        offer.set(first_start("sv-SE"));
        let first = served(&assets, "/index.html");
        assert!(
            first.contains(&format!(
                r#"<div id="app" data-first-screen="sv"><h1>sv</h1><p>{}</p></div>"#,
                env!("CARGO_PKG_VERSION")
            )),
            "{first}"
        );
        // Other assets are served as built, and a second load of the
        // document (a reload) gets it as built.
        assert_eq!(
            served(&assets, "/first-screen/en.fragment"),
            "<h1>en</h1><p>@@chatlio-aep-version@@</p>"
        );
        assert!(served(&assets, "/index.html").contains(r#"<div id="app"></div>"#));
    }

    #[test]
    fn a_language_the_build_did_not_draw_gets_english_and_none_drawn_gets_the_document() {
        let offer = Offer::default();
        let assets = FirstScreenAssets::<tauri::Wry> {
            built: Box::new(Built::with(&["en"])),
            offer: offer.clone(),
        };
        offer.set(first_start("de-DE"));
        assert!(served(&assets, "/index.html").contains(r#"data-first-screen="en"><h1>en</h1>"#));

        let none_drawn = FirstScreenAssets::<tauri::Wry> {
            built: Box::new(Built::with(&[])),
            offer: offer.clone(),
        };
        offer.set(first_start("sv-SE"));
        assert!(served(&none_drawn, "/index.html").contains(r#"<div id="app"></div>"#));
    }
}
