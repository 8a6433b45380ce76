//! The installable package: the `.deb` that `make dist` builds is unpacked
//! into a scratch root with `dpkg -x`, its control fields, desktop entry and
//! icons are checked, and the installed binary is launched to the welcome
//! screen. Without a `.deb` (no `make dist` yet) the test says so and skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::{cargo_target_dir, App, TestResult};

/// The package `make dist` built: `E2E_DEB` if set, else the newest `.deb`
/// under `<target>/release/bundle/deb/`.
fn built_package() -> TestResult<Option<PathBuf>> {
    if let Some(path) = std::env::var_os("E2E_DEB") {
        return Ok(Some(PathBuf::from(path)));
    }
    newest_bundle("deb")
}

/// The newest `*.<format>` under `<target>/release/bundle/<format>/`.
fn newest_bundle(format: &str) -> TestResult<Option<PathBuf>> {
    let directory = cargo_target_dir().join("release/bundle").join(format);
    if !directory.is_dir() {
        return Ok(None);
    }
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(&directory)? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|extension| extension == format)
        {
            let modified = std::fs::metadata(&path)?.modified()?;
            if newest.as_ref().is_none_or(|(time, _)| modified > *time) {
                newest = Some((modified, path));
            }
        }
    }
    Ok(newest.map(|(_, path)| path))
}

fn run(command: &mut Command) -> TestResult<String> {
    let output = command
        .output()
        .map_err(|error| format!("cannot run {command:?}: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn control_field(deb: &Path, field: &str) -> TestResult<String> {
    Ok(
        run(Command::new("dpkg-deb").arg("--field").arg(deb).arg(field))?
            .trim()
            .to_owned(),
    )
}

/// The package names in a Depends-style list, without versions; every
/// alternative of `a | b` counts.
fn package_names(relations: &str) -> Vec<String> {
    relations
        .split([',', '|'])
        .filter_map(|relation| relation.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The packages whose shared libraries `binary` links, as `dpkg-shlibdeps`
/// (from dpkg-dev) works them out; it wants a `debian/control` to run in.
fn shared_library_packages(binary: &Path, scratch: &Path) -> TestResult<Vec<String>> {
    let directory = scratch.join("shlibdeps");
    std::fs::create_dir_all(directory.join("debian"))?;
    std::fs::write(
        directory.join("debian/control"),
        "Source: check\n\nPackage: check\nArchitecture: any\n",
    )?;
    let output = run(Command::new("dpkg-shlibdeps")
        .args(["-O", "-e"])
        .arg(binary)
        .current_dir(&directory))?;
    std::fs::remove_dir_all(&directory)?;
    let relations = output
        .lines()
        .find_map(|line| line.strip_prefix("shlibs:Depends="))
        .ok_or_else(|| format!("dpkg-shlibdeps printed no dependencies: {output}"))?;
    Ok(package_names(relations))
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and the .deb from `make dist`: run by `make test`"]
async fn installed_package_opens_the_welcome_screen() -> TestResult {
    let Some(deb) = built_package()? else {
        // `make test` builds the package first and sets this: there, a
        // missing .deb is a failure, not a skip.
        if std::env::var_os("E2E_REQUIRE_PACKAGE").is_some() {
            return Err("no .deb was built (scripts/dist.sh failed?)".into());
        }
        eprintln!(
            "SKIPPED installed_package_opens_the_welcome_screen: no .deb under {}; run `make dist` first",
            cargo_target_dir().join("release/bundle/deb").display()
        );
        return Ok(());
    };
    let version = env!("CARGO_PKG_VERSION");

    // What apt reads: the name, version, and the libraries the binary needs.
    assert_eq!(control_field(&deb, "Package")?, "chatlio-setup-for-aep");
    assert_eq!(control_field(&deb, "Version")?, version);
    let depends = control_field(&deb, "Depends")?;
    for needed in ["libwebkit2gtk-4.1-0", "libgtk-3-0"] {
        assert!(
            depends.contains(needed),
            "Depends lacks {needed}: {depends}"
        );
    }
    assert!(!control_field(&deb, "Description")?.is_empty());

    let root = cargo_target_dir().join("e2e-data/package-root");
    if root.exists() {
        std::fs::remove_dir_all(&root)?;
    }
    std::fs::create_dir_all(&root)?;
    run(Command::new("dpkg").arg("-x").arg(&deb).arg(&root))?;

    let binary = root.join("usr/bin/chatlio-setup");
    assert!(binary.is_file(), "{} is missing", binary.display());
    // Every shared library the installed binary links must resolve here, and
    // the package must depend on each package those libraries come from.
    let libraries = run(Command::new("ldd").arg(&binary))?;
    assert!(
        !libraries.contains("not found"),
        "unresolved libraries:\n{libraries}"
    );
    let declared = package_names(&depends);
    for needed in shared_library_packages(&binary, &root)? {
        assert!(
            declared.contains(&needed),
            "the binary links a library of {needed}, which Depends lacks: {depends}"
        );
    }

    let desktop =
        std::fs::read_to_string(root.join("usr/share/applications/Chatlio Setup for AEP.desktop"))?;
    for line in [
        "Name=Chatlio Setup for AEP",
        // `%u`: a sign-in redirect to the app's URL scheme arrives as an argument.
        "Exec=chatlio-setup %u",
        "Icon=chatlio-setup",
        "Type=Application",
        "Categories=Development;",
    ] {
        assert!(
            desktop.lines().any(|present| present == line),
            "desktop entry lacks {line:?}:\n{desktop}"
        );
    }
    for size in ["32x32", "128x128", "256x256@2"] {
        let icon = root.join(format!(
            "usr/share/icons/hicolor/{size}/apps/chatlio-setup.png"
        ));
        assert!(icon.is_file(), "{} is missing", icon.display());
    }

    let app = App::launch_binary("package", &binary, &[("LANG", "en_US.UTF-8")]).await?;
    app.find("screen-welcome").await?;
    app.wait_for_text("app-version", |text| text.contains(version))
        .await?;
    app.screenshot("package-welcome").await?;
    app.close().await?;
    std::fs::remove_dir_all(&root)?;
    Ok(())
}

#[test]
fn package_names_drop_versions_and_keep_alternatives() {
    assert_eq!(
        package_names("libc6 (>= 2.34), gnome-keyring | keepassxc, libgtk-3-0"),
        ["libc6", "gnome-keyring", "keepassxc", "libgtk-3-0"]
    );
    assert!(package_names("").is_empty());
}

/// One value of an RPM header: the string and string-array types, and
/// 32-bit integer arrays; the test needs no other.
#[derive(Debug)]
enum HeaderValue {
    Strings(Vec<String>),
    Integers(Vec<u32>),
}

/// Reads an RPM header (magic, index entries, data store) at `start`;
/// returns its tags and where it ends. Layout as in the RPM file format
/// (lead, signature header padded to 8 bytes, then the main header).
fn rpm_header(
    bytes: &[u8],
    start: usize,
) -> TestResult<(std::collections::BTreeMap<u32, HeaderValue>, usize)> {
    let word = |at: usize| -> TestResult<u32> {
        let slice = bytes
            .get(at..at + 4)
            .ok_or_else(|| format!("RPM header cut short at byte {at}"))?;
        Ok(u32::from_be_bytes([slice[0], slice[1], slice[2], slice[3]]))
    };
    if bytes.get(start..start + 3) != Some(&[0x8e, 0xad, 0xe8][..]) {
        return Err(format!("no RPM header magic at byte {start}").into());
    }
    let entries = word(start + 8)? as usize;
    let data_size = word(start + 12)? as usize;
    let store = start + 16 + entries * 16;
    let mut tags = std::collections::BTreeMap::new();
    for index in 0..entries {
        let entry = start + 16 + index * 16;
        let (tag, kind, offset, count) = (
            word(entry)?,
            word(entry + 4)?,
            word(entry + 8)? as usize,
            word(entry + 12)? as usize,
        );
        let at = store + offset;
        let value = match kind {
            // STRING, STRING_ARRAY, I18NSTRING: NUL-terminated strings.
            6 | 8 | 9 => {
                let mut strings = Vec::new();
                let mut cursor = at;
                for _ in 0..count.max(1) {
                    let end = bytes[cursor..]
                        .iter()
                        .position(|byte| *byte == 0)
                        .ok_or("unterminated RPM string")?;
                    strings
                        .push(String::from_utf8_lossy(&bytes[cursor..cursor + end]).into_owned());
                    cursor += end + 1;
                }
                HeaderValue::Strings(strings)
            }
            4 => HeaderValue::Integers(
                (0..count)
                    .map(|number| word(at + number * 4))
                    .collect::<TestResult<_>>()?,
            ),
            _ => continue,
        };
        tags.insert(tag, value);
    }
    Ok((tags, store + data_size))
}

fn strings(tags: &std::collections::BTreeMap<u32, HeaderValue>, tag: u32) -> Vec<String> {
    match tags.get(&tag) {
        Some(HeaderValue::Strings(values)) => values.clone(),
        _ => Vec::new(),
    }
}

#[test]
#[ignore = "needs the .rpm from `make dist`: run by `make test`"]
fn rpm_package_names_its_requirements_and_installs_the_app() -> TestResult {
    // The `.rpm` `make dist` builds next to the `.deb`.
    let Some(rpm) = newest_bundle("rpm")? else {
        if std::env::var_os("E2E_REQUIRE_PACKAGE").is_some() {
            return Err("no .rpm was built (scripts/dist.sh failed?)".into());
        }
        eprintln!("SKIPPED rpm_package_names_its_requirements_and_installs_the_app: run `make dist` first");
        return Ok(());
    };
    let bytes = std::fs::read(&rpm)?;
    // The lead: magic, then format version 3.
    assert_eq!(&bytes[..4], &[0xed, 0xab, 0xee, 0xdb], "not an RPM file");
    let (_, signature_end) = rpm_header(&bytes, 96)?;
    let (tags, _) = rpm_header(&bytes, signature_end.div_ceil(8) * 8)?;
    // NAME, VERSION, RELEASE, ARCH.
    assert_eq!(strings(&tags, 1000), ["chatlio-setup-for-aep"]);
    assert_eq!(strings(&tags, 1001), [env!("CARGO_PKG_VERSION")]);
    assert_eq!(strings(&tags, 1002), ["1"]);
    assert_eq!(strings(&tags, 1022), ["x86_64"]);
    // REQUIRENAME: Fedora's names for the web view, GTK, the tray library
    // and D-Bus.
    let requires = strings(&tags, 1049);
    for needed in [
        "webkit2gtk4.1",
        "gtk3",
        "libayatana-appindicator-gtk3",
        "dbus-libs",
    ] {
        assert!(
            requires.iter().any(|name| name == needed),
            "Requires lacks {needed}: {requires:?}"
        );
    }
    // The files, as DIRNAMES[DIRINDEXES[i]] + BASENAMES[i].
    let directories = strings(&tags, 1118);
    let names = strings(&tags, 1117);
    let Some(HeaderValue::Integers(indexes)) = tags.get(&1116) else {
        return Err("the RPM lists no file directories".into());
    };
    let files: Vec<String> = names
        .iter()
        .zip(indexes)
        .map(|(name, index)| format!("{}{name}", directories[*index as usize]))
        .collect();
    for expected in [
        "/usr/bin/chatlio-setup",
        "/usr/share/applications/Chatlio Setup for AEP.desktop",
        "/usr/share/icons/hicolor/128x128/apps/chatlio-setup.png",
    ] {
        assert!(
            files.iter().any(|file| file == expected),
            "{expected} is not in the package: {files:?}"
        );
    }
    Ok(())
}
