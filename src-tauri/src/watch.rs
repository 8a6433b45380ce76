//! Watching while the window is closed: the tray icon (worst health, and a
//! menu), the background check on its timer, and desktop notifications
//! whose click opens the dataflow concerned. What is checked and what is
//! notified is decided in `app::alerts`; this only shows it.

use std::sync::Arc;

use app::alerts::{AlertCheckView, NoticeText};
use setup::alerts::Severity;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager};

/// The event each background check sends the UI (payload: [`AlertCheckView`]).
pub const ALERTS_CHECKED: &str = "alerts-checked";
/// The event that asks the UI to show a dataflow (payload: its id).
pub const OPEN_FLOW: &str = "open-flow";

const TRAY_ID: &str = "main";
const MENU_OPEN: &str = "open";
const MENU_REFRESH: &str = "refresh";
const MENU_PAUSE: &str = "pause";
const MENU_QUIT: &str = "quit";

/// The tray's menu, to word again after each check.
struct TrayMenu(Menu<tauri::Wry>);

/// Makes the tray icon and starts the background checks.
pub fn start(app: &AppHandle) -> tauri::Result<()> {
    // Notifications name the app they come from; by default macOS would
    // show them as Finder's.
    #[cfg(target_os = "macos")]
    if let Err(error) = notify_rust::set_application(storage::APP_IDENTIFIER) {
        tracing::warn!(%error, "notifications will not carry the app's name");
    }
    let language = app::alerts::notice_language(&state(app));
    let word = |key: &str| app::alerts::tray_text(&language, key);
    let menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, MENU_OPEN, word("open"), true, None::<&str>)?,
            &MenuItem::with_id(app, MENU_REFRESH, word("refresh"), true, None::<&str>)?,
            &MenuItem::with_id(app, MENU_PAUSE, word("pause"), true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, MENU_QUIT, word("quit"), true, None::<&str>)?,
        ],
    )?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip(word("idle"))
        .on_menu_event(|app, event| match event.id().as_ref() {
            MENU_OPEN => show_window(app),
            MENU_REFRESH => state(app).alert_refresh.notify_one(),
            MENU_PAUSE => toggle_pause(app),
            MENU_QUIT => app.exit(0),
            _ => {}
        });
    if let Some(icon) = icon_for(app, None) {
        tray = tray.icon(icon);
    }
    // A desktop without a tray (no StatusNotifier host) still gets the
    // checks and the notifications; launching the app again shows the window.
    if let Err(error) = tray.build(app) {
        tracing::warn!(%error, "no tray icon; checks go on without it");
    }
    app.manage(TrayMenu(menu));
    let handle = app.clone();
    tauri::async_runtime::spawn(async move { run_checks(handle).await });
    Ok(())
}

fn state(app: &AppHandle) -> app::Shared {
    Arc::clone(app.state::<app::Shared>().inner())
}

/// The timer: a check, then the wait the watcher asks for (longer while
/// Adobe does not answer), cut short by "Refresh now".
async fn run_checks(app: AppHandle) {
    let shared = state(&app);
    let mut watcher = app::alerts::Watcher::new();
    loop {
        let view = watcher.tick(&shared, chrono::Utc::now()).await;
        app::alerts::remember_check(&shared, &view);
        show(&app, &shared, &view);
        // The check read every dataflow's runs: hand back what it freed.
        crate::memory::release_freed_memory();
        let practice = shared
            .session
            .read()
            .await
            .as_ref()
            .is_some_and(|session| session.practice);
        tokio::select! {
            () = tokio::time::sleep(watcher.next_delay(practice)) => {}
            () = shared.alert_refresh.notified() => {}
        }
    }
}

/// The tray's icon, tooltip and pause item, the notifications due, and the
/// event that refreshes an open dashboard.
fn show(app: &AppHandle, shared: &app::Shared, view: &AlertCheckView) {
    let language = app::alerts::notice_language(shared);
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        if let Err(error) = tray.set_icon(icon_for(app, view.watching.then_some(view.worst))) {
            tracing::warn!(%error, "tray icon not updated");
        }
        let tooltip = app::alerts::tray_tooltip(view, &language);
        if let Err(error) = tray.set_tooltip(Some(tooltip)) {
            tracing::debug!(%error, "tray tooltip not updated");
        }
    }
    if let Some(menu) = app.try_state::<TrayMenu>() {
        update_menu(&menu.0, view.paused_until.is_some(), &language);
    }
    for notice in &view.notices {
        notify(app, &app::alerts::notice_text(notice, &language), &language);
    }
    if let Err(error) = app.emit(ALERTS_CHECKED, view) {
        tracing::debug!(%error, "check not sent to the window");
    }
}

/// Words the menu again (the UI's language may have changed) and names the
/// pause item after what it will do.
fn update_menu(menu: &Menu<tauri::Wry>, paused: bool, language: &str) {
    let pause = if paused { "resume" } else { "pause" };
    for (id, key) in [
        (MENU_OPEN, "open"),
        (MENU_REFRESH, "refresh"),
        (MENU_PAUSE, pause),
        (MENU_QUIT, "quit"),
    ] {
        if let Some(item) = menu.get(id).and_then(|item| item.as_menuitem().cloned()) {
            if let Err(error) = item.set_text(app::alerts::tray_text(language, key)) {
                tracing::debug!(%error, id, "tray menu item not updated");
            }
        }
    }
}

/// Pauses notifications for an hour, or resumes them when paused.
fn toggle_pause(app: &AppHandle) {
    let shared = state(app);
    tauri::async_runtime::spawn(async move {
        let paused = shared
            .last_alert_check
            .lock()
            .ok()
            .and_then(|last| last.as_ref().map(|view| view.paused_until.is_some()))
            .unwrap_or(false);
        let hours = if paused { None } else { Some(1) };
        match app::alerts::pause_alerts(&shared, hours).await {
            Ok(_) => shared.alert_refresh.notify_one(),
            Err(error) => tracing::warn!(code = ?error.code, "alerts not paused"),
        }
    });
}

/// Brings the window back (from the tray, or hidden behind others).
pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(crate::MAIN_WINDOW) {
        for (step, result) in [
            ("show", window.show()),
            ("unminimize", window.unminimize()),
            ("focus", window.set_focus()),
        ] {
            if let Err(error) = result {
                tracing::warn!(%error, step, "window not brought back");
            }
        }
    }
}

/// Shows the window at the dataflow's details.
fn open_flow(app: &AppHandle, flow_id: &str) {
    show_window(app);
    if let Err(error) = app.emit(OPEN_FLOW, flow_id) {
        tracing::warn!(%error, "dataflow not opened in the window");
    }
}

/// A desktop notification; on Linux and the BSDs its click opens the
/// dataflow (the notification server reports the click over D-Bus).
fn notify(app: &AppHandle, text: &NoticeText, language: &str) {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname("Chatlio Setup")
        .summary(&text.title)
        .body(&text.body);
    if text.flow_id.is_some() {
        notification.action("default", &app::alerts::tray_text(language, "open"));
    }
    // Toasts are shown under the app's AppUserModelID, which the installers
    // give its Start menu entry (the app's identifier); without it Windows
    // attributes them to PowerShell.
    #[cfg(target_os = "windows")]
    notification.app_id(storage::APP_IDENTIFIER);
    match notification.show() {
        Ok(handle) => on_click(app, handle, text.flow_id.clone()),
        Err(error) => tracing::warn!(%error, "notification not shown"),
    }
}

/// Waits on D-Bus for the click or the close, off the async runtime; a
/// click opens the dataflow.
#[cfg(all(unix, not(target_os = "macos")))]
fn on_click(app: &AppHandle, handle: notify_rust::NotificationHandle, flow_id: Option<String>) {
    let app = app.clone();
    std::thread::spawn(move || {
        handle.wait_for_action(|action| {
            if let (Some(flow_id), "default") = (&flow_id, action) {
                open_flow(&app, flow_id);
            }
        });
    });
}

/// macOS and Windows report no click to the app through this library: the
/// notification only tells; the tray opens the app.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn on_click<Handle>(_app: &AppHandle, _handle: Handle, _flow_id: Option<String>) {}

/// The app's icon with a dot in the corner: green all well, amber a
/// warning, red an alert; the plain icon while nothing is watched.
fn icon_for(app: &AppHandle, worst: Option<Option<Severity>>) -> Option<Image<'static>> {
    let base = app.default_window_icon()?;
    let (width, height) = (base.width(), base.height());
    let mut pixels = base.rgba().to_vec();
    let color: [u8; 3] = match worst {
        None => return Some(Image::new_owned(pixels, width, height)),
        Some(None) => [0x2e, 0xa0, 0x43],
        Some(Some(Severity::Warning)) => [0xe0, 0x9b, 0x00],
        Some(Some(Severity::Alert)) => [0xd0, 0x21, 0x21],
    };
    let radius = f64::from(width.min(height)) * 0.22;
    let center_x = f64::from(width) - radius - 1.0;
    let center_y = f64::from(height) - radius - 1.0;
    for y in 0..height {
        for x in 0..width {
            let distance = (f64::from(x) - center_x).hypot(f64::from(y) - center_y);
            if distance <= radius {
                let offset = usize::try_from((y * width + x) * 4).unwrap_or(usize::MAX);
                if let Some(pixel) = pixels.get_mut(offset..offset + 4) {
                    pixel[..3].copy_from_slice(&color);
                    pixel[3] = 0xff;
                }
            }
        }
    }
    Some(Image::new_owned(pixels, width, height))
}
