//! The console's browser tests need Chromium and chromedriver. Like
//! PostgreSQL, `cargo xtask test` installs them with apt-get when they are
//! missing and it may (root on a Debian-like machine); otherwise it says what
//! to install.

use std::path::Path;

use crate::machine::{is_root, on_path, run, say};

const PROGRAMS: [&str; 2] = ["chromium", "chromedriver"];

/// Makes sure both programs are on the PATH.
pub(crate) fn ensure() -> Result<(), String> {
    if PROGRAMS.iter().all(|p| on_path(p)) {
        return Ok(());
    }
    let debian_like = Path::new("/etc/debian_version").exists() && on_path("apt-get");
    if !(debian_like && is_root()) {
        return Err(
            "the console's browser tests need chromium and chromedriver on the PATH: \
             install them (Debian: apt-get install chromium chromium-driver) or run \
             `cargo xtask test` once as root, which installs them"
                .to_owned(),
        );
    }
    say("installing chromium and chromium-driver with apt-get (the console's browser tests)");
    run("apt-get", &["update", "-qq"])?;
    run(
        "apt-get",
        &[
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ],
    )
}
