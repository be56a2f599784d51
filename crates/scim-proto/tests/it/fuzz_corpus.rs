//! Replays the corpus the coverage-guided fuzzers found (`fuzz/corpus/<target>/`,
//! minimised with `afl-cmin`; `docs/reliability.md`, *Fuzzing*) through the
//! same targets: every file keeps every property of `scim_proto::fuzzing`
//! (well-formed errors, canonical results, round trips) and none panics. A
//! crash the fuzzers find is fixed and its input added here.

use std::path::{Path, PathBuf};

use scim_proto::fuzzing::Target;

fn corpus_dir(target: Target) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target.name())
}

#[test]
fn every_corpus_file_keeps_the_properties() {
    for target in Target::ALL {
        let dir = corpus_dir(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        files.sort();
        let (mut parsed, mut applied) = (0, 0);
        for file in &files {
            let data = std::fs::read(file).unwrap();
            let reach = target
                .run(&data)
                .unwrap_or_else(|v| panic!("{}: {v}", file.display()));
            parsed += usize::from(reach.parsed);
            applied += usize::from(reach.applied > 0);
        }
        eprintln!(
            "{}: {} files, {parsed} parsed, {applied} applied",
            target.name(),
            files.len()
        );
        // A corpus that lost its valid inputs would test the error paths only.
        assert!(
            files.len() >= 10,
            "{}: {} files",
            target.name(),
            files.len()
        );
        assert!(parsed > 0, "{}: no file parses", target.name());
    }
}
