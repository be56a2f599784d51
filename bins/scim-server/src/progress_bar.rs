//! A progress bar on standard error for CLI commands that run long use cases:
//! redrawn in place on a terminal, a single final line otherwise (logs stay
//! readable).

use std::io::{IsTerminal, Write};
use std::thread;
use std::time::Duration;

use provisioning::Progress;

const WIDTH: u64 = 30;

/// One line of the bar: `label [#####.....]  50% 5000/10000 users`.
fn line(label: &str, unit: &str, done: u64, total: u64) -> String {
    let total_shown = total.max(done);
    let filled = (done * WIDTH).checked_div(total_shown).unwrap_or(WIDTH);
    let percent = (done * 100).checked_div(total_shown).unwrap_or(100);
    format!(
        "{label} [{}{}] {percent:>3}% {done}/{total_shown} {unit}",
        "#".repeat(usize::try_from(filled).unwrap_or(0)),
        ".".repeat(usize::try_from(WIDTH - filled).unwrap_or(0)),
    )
}

/// Runs `work` on another thread, drawing `progress` (counted in `unit`s)
/// until it returns.
pub(crate) fn with_progress_bar<T: Send>(
    label: &str,
    unit: &str,
    progress: &Progress,
    work: impl FnOnce() -> T + Send,
) -> T {
    let mut stderr = std::io::stderr();
    let terminal = stderr.is_terminal();
    thread::scope(|scope| {
        let worker = scope.spawn(work);
        while !worker.is_finished() {
            if terminal {
                let (done, total) = progress.get();
                let _ = write!(stderr, "\r{}", line(label, unit, done, total));
                let _ = stderr.flush();
            }
            thread::sleep(Duration::from_millis(100));
        }
        let (done, total) = progress.get();
        let end = if terminal { "\r" } else { "" };
        let _ = writeln!(stderr, "{end}{}", line(label, unit, done, total));
        match worker.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn the_bar_fills_with_the_work_done() {
        assert_eq!(
            line("saving", "users", 5, 10),
            "saving [###############...............]  50% 5/10 users"
        );
        assert_eq!(
            line("saving", "users", 0, 0),
            "saving [##############################] 100% 0/0 users"
        );
        // Users added while saving: never more than full.
        assert_eq!(
            line("saving", "users", 12, 10),
            "saving [##############################] 100% 12/12 users"
        );
    }
}
