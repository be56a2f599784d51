//! The console's browser tests check each page with axe-core, an npm package
//! pinned by `bins/scim-server/tests/axe/package-lock.json`. This installs it
//! there with `npm ci` when it is missing or not the locked version. Like
//! Chromium, npm itself is installed with apt-get when missing and we may
//! (root on a Debian-like machine); otherwise xtask says what to install.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::machine::{is_root, on_path, run, say};

/// The folder of `package.json` and `package-lock.json`, under the workspace.
const FOLDER: &str = "bins/scim-server/tests/axe";

/// The installed version of axe-core in `folder`, if any.
fn installed(folder: &Path) -> Option<String> {
    let text = std::fs::read_to_string(folder.join("node_modules/axe-core/package.json")).ok()?;
    let manifest: Value = serde_json::from_str(&text).ok()?;
    manifest["version"].as_str().map(str::to_owned)
}

/// The version of axe-core `package-lock.json` pins.
fn locked(folder: &Path) -> Result<String, String> {
    let path = folder.join("package-lock.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lock: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    lock["packages"]["node_modules/axe-core"]["version"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{} pins no axe-core", path.display()))
}

/// Whether `npm ci` is needed: axe-core missing or not the locked version.
fn needs_install(folder: &Path) -> Result<bool, String> {
    Ok(installed(folder) != Some(locked(folder)?))
}

/// Makes sure the locked axe-core is installed for the browser tests.
pub(crate) fn ensure(workspace: &Path) -> Result<(), String> {
    let folder: PathBuf = workspace.join(FOLDER);
    if !needs_install(&folder)? {
        return Ok(());
    }
    if !on_path("npm") {
        let debian_like = Path::new("/etc/debian_version").exists() && on_path("apt-get");
        if !(debian_like && is_root()) {
            return Err(format!(
                "the console's accessibility checks need axe-core: install node and npm \
                 (Debian: apt-get install npm) and run `npm ci --prefix {FOLDER}`, or run \
                 `cargo xtask test` once as root, which does both"
            ));
        }
        say("installing npm with apt-get (axe-core, for the console's accessibility checks)");
        run("apt-get", &["update", "-qq"])?;
        run(
            "apt-get",
            &["install", "-y", "-qq", "--no-install-recommends", "npm"],
        )?;
    }
    say(&format!(
        "installing axe-core with npm ci in {FOLDER} (the console's accessibility checks)"
    ));
    let prefix = folder.to_string_lossy();
    run(
        "npm",
        &["ci", "--prefix", &prefix, "--no-audit", "--no-fund"],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_pins_what_the_manifest_asks_for() {
        let folder = crate::tidy::workspace_root().join(FOLDER);
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(folder.join("package.json")).unwrap())
                .unwrap();
        assert_eq!(
            manifest["dependencies"]["axe-core"].as_str(),
            Some(locked(&folder).unwrap().as_str()),
            "package.json pins an exact version, the one package-lock.json holds"
        );
    }

    #[test]
    fn a_missing_or_other_version_needs_an_install() {
        let dir = std::env::temp_dir().join(format!("xtask-axe-{}", std::process::id()));
        let module = dir.join("node_modules/axe-core");
        std::fs::create_dir_all(&module).unwrap();
        std::fs::write(
            dir.join("package-lock.json"),
            r#"{"packages": {"node_modules/axe-core": {"version": "4.14.1"}}}"#,
        )
        .unwrap();
        assert!(needs_install(&dir).unwrap(), "nothing installed");
        std::fs::write(module.join("package.json"), r#"{"version": "4.10.0"}"#).unwrap();
        assert!(needs_install(&dir).unwrap(), "another version");
        std::fs::write(module.join("package.json"), r#"{"version": "4.14.1"}"#).unwrap();
        assert!(!needs_install(&dir).unwrap(), "the locked version");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
