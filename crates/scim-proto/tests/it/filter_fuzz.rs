//! Deterministic fuzzing of the filter and path parsers, the compiler and the
//! evaluator, on the stable toolchain and inside the normal test run.
//!
//! Inputs are the seed corpus below (the examples of RFC 7644 and what Entra ID,
//! Microsoft's validator and Okta send) mutated by a small pseudo-random
//! generator, plus random token soup. Every input goes through the `filter`
//! and `patch_path` targets of `scim_proto::fuzzing` (the properties the
//! coverage-guided fuzzers in `fuzz/` check too): nothing panics, every error
//! carries the `scimType` of its parser, whatever parses prints to text that
//! parses back to the same tree, and a compiled `not (f)` matches exactly when
//! `f` does not.
//!
//! The default run (`SCIM_FUZZ_ITERATIONS`, default 150,000) takes 2-3 seconds
//! in a debug build. A longer run, from another seed:
//!
//! ```sh
//! SCIM_FUZZ_ITERATIONS=5000000 SCIM_FUZZ_SEED=7 \
//!     cargo test -p scim-proto --release --test it -- filter_fuzz --nocapture
//! ```
//!
//! A failure names the seed, the iteration and the input, so it can be replayed.

use std::panic::{self, AssertUnwindSafe};

use scim_proto::fuzzing::Target;

const DEFAULT_ITERATIONS: u64 = 150_000;
const DEFAULT_SEED: u64 = 0x5C1A_F117_E2F0_0D5E;

const SEEDS: &[&str] = &[
    // RFC 7644 section 3.4.2.2.
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    "title pr",
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    // RFC 7644 section 3.5.2 paths.
    "members",
    "name.familyName",
    r#"addresses[type eq "work"]"#,
    r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
    r#"emails[type eq "work" and value ew "example.com"]"#,
    // Entra ID.
    r#"userName eq "7f3a9c1e-55b0-4d2b-9e2f-0c1d2e3f4a5b""#,
    r#"externalId eq "alice@contoso.com""#,
    "externalId eq jyoung",
    r#"emails[type eq "work"].value eq "alice@contoso.com""#,
    r#"displayName eq "Sales Reps""#,
    "id eq 2819c223-7f76-453a-919d-413861904646 and manager eq 26118915-6090-4610-87e4-49d8ca9f808d",
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
    r#"phoneNumbers[type eq "mobile"].value"#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"#,
    r#"active eq "False""#,
    // Microsoft's SCIM validator.
    r#"DisplayName eq "Group A""#,
    "userName sw O",
    r#"meta.Created gt "2024-01-01T00:00:00Z""#,
    "name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)",
    // Okta.
    r#"userName eq "isabella.jones@example.com""#,
    r#"members[value eq "00u1dhhb1fkIGP7RL1d8"]"#,
    // Odd corners of the grammar.
    r#"emails[not (type eq "work") or (value ew ".org" and primary eq false)].display pr"#,
    r#"x eq "\ud83d\ude00 \u00e9 \n \"q\" \\ \/""#,
    "level gt -9223372036854775808 and score le 2.5e-3 or n eq 1E+300",
    "groups.$ref pr and x eq null and y ne true",
    r#"urn:example:params:scim:schemas:extension:acme:1.0:User:tags[kind eq "a"].year gt 2019"#,
];

/// Fragments inserted by mutation: delimiters, keywords, literals at the edges of
/// their ranges, escapes (valid and not), non-ASCII and control characters.
const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "\"",
    "\\",
    " ",
    ".",
    ":",
    "  ",
    "\t",
    "\n",
    " and ",
    " or ",
    "not ",
    "not (",
    " AND ",
    " eq ",
    " ne ",
    " co ",
    " sw ",
    " ew ",
    " gt ",
    " ge ",
    " lt ",
    " le ",
    " pr",
    " Eq ",
    "true",
    "False",
    "null",
    "0",
    "-0",
    "-1",
    "01",
    "1.",
    "1e309",
    "1e-400",
    "9223372036854775808",
    "-9223372036854775809",
    "2.5e-3",
    "\\u",
    "\\ud83d",
    "\\ude00",
    "\\u00e9",
    "\\uZZZZ",
    "\\n",
    "\\x",
    "é",
    "Σ",
    "😀",
    "\u{0}",
    "\u{1f}",
    "\u{7f}",
    "\u{feff}",
    "urn:",
    "urn:ietf:params:scim:schemas:core:2.0:User:",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:",
    "urn:x:",
    r#"emails[type eq "work"]"#,
    ".value",
    ".",
    "$ref",
    r#""2011-05-13T04:42:34Z""#,
    r#""2011-05-13T04:42:34+02:00""#,
    r#""yesterday""#,
    "userName",
    "members",
    "schemas",
    "active",
    "meta.created",
    "name",
    "manager",
    "department",
];

/// SplitMix64: small, fast, and good enough to steer mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

fn mutate(rng: &mut Rng, text: &mut Vec<char>) {
    let len = text.len();
    let at = rng.below(len + 1);
    match rng.below(9) {
        0 | 1 => {
            let fragment = rng.pick(FRAGMENTS);
            text.splice(at..at, fragment.chars());
        }
        2 if len > 0 => {
            let end = (at + 1 + rng.below(8)).min(len);
            text.drain(at.min(len - 1)..end);
        }
        3 if len > 0 => {
            let i = rng.below(len);
            text[i] = *rng.pick(&['(', ')', '[', ']', '"', '\\', ' ', '.', ':', 'x', '0', 'é']);
        }
        4 if len > 0 => {
            // Duplicate a run, e.g. to nest parentheses or repeat a term.
            let start = rng.below(len);
            let end = (start + 1 + rng.below(24)).min(len);
            let run: Vec<char> = text[start..end].to_vec();
            for _ in 0..=rng.below(3) {
                text.splice(at..at, run.iter().copied());
            }
        }
        5 => {
            // Splice in a piece of another seed.
            let other: Vec<char> = rng.pick(SEEDS).chars().collect();
            let start = rng.below(other.len());
            let end = (start + 1 + rng.below(32)).min(other.len());
            text.splice(at..at, other[start..end].iter().copied());
        }
        6 if len > 0 => {
            let end = (at + 1 + rng.below(12)).min(len);
            for c in &mut text[at.min(len - 1)..end] {
                *c = if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                };
            }
        }
        7 => text.truncate(at),
        _ if len > 1 => {
            let (i, j) = (rng.below(len), rng.below(len));
            text.swap(i, j);
        }
        _ => text.push(' '),
    }
}

/// Random tokens with random spacing: reaches shapes no seed is close to.
fn token_soup(rng: &mut Rng) -> String {
    const TOKENS: &[&str] = &[
        "(",
        ")",
        "[",
        "]",
        "not",
        "and",
        "or",
        "pr",
        "eq",
        "gt",
        "co",
        "userName",
        "emails",
        "type",
        "value",
        ".value",
        "name.givenName",
        "meta.lastModified",
        "active",
        "true",
        "null",
        "42",
        "-1.5e3",
        r#""work""#,
        r#""2011-05-13T04:42:34Z""#,
        "x",
        "$ref",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ];
    let mut out = String::new();
    for _ in 0..=rng.below(24) {
        let token: &&str = rng.pick(TOKENS);
        out.push_str(token);
        match rng.below(4) {
            0 => {}
            1 => out.push_str("  "),
            _ => out.push(' '),
        }
    }
    out
}

fn next_input(rng: &mut Rng) -> String {
    if rng.percent(10) {
        return token_soup(rng);
    }
    let mut text: Vec<char> = rng.pick(SEEDS).chars().collect();
    for _ in 0..=rng.below(4) {
        mutate(rng, &mut text);
    }
    text.into_iter().collect()
}

/// How far inputs got, to show that mutation keeps reaching the later stages.
#[derive(Debug, Default)]
struct Reached {
    filters: u64,
    compiled: u64,
    matched: u64,
    paths: u64,
}

/// Runs one input through the filter and path targets (their properties are
/// `scim_proto::fuzzing`'s); panics with the property an input broke.
fn exercise(input: &str, reached: &mut Reached) {
    let filter = Target::Filter
        .run(input.as_bytes())
        .unwrap_or_else(|v| panic!("{v}"));
    reached.filters += u64::from(filter.parsed);
    reached.compiled += u64::from(filter.applied);
    reached.matched += u64::from(filter.matched);
    let path = Target::PatchPath
        .run(input.as_bytes())
        .unwrap_or_else(|v| panic!("{v}"));
    reached.paths += u64::from(path.parsed);
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| {
        v.trim().parse().unwrap_or_else(|_| panic!("{name}={v:?}"))
    })
}

#[test]
fn parsers_compiler_and_evaluator_survive_mutated_real_world_filters() {
    let iterations = env_u64("SCIM_FUZZ_ITERATIONS", DEFAULT_ITERATIONS);
    let seed = env_u64("SCIM_FUZZ_SEED", DEFAULT_SEED);
    let mut rng = Rng(seed);
    let mut reached = Reached::default();
    // The seeds themselves, unmutated, first.
    for seed_input in SEEDS {
        exercise(seed_input, &mut reached);
    }
    for iteration in 0..iterations {
        let input = next_input(&mut rng);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            exercise(&input, &mut reached);
        }));
        if outcome.is_err() {
            panic!("SCIM_FUZZ_SEED={seed} iteration {iteration}: input {input:?} broke a property");
        }
    }
    let total = iterations + SEEDS.len() as u64;
    eprintln!("filter_fuzz: {total} inputs, {reached:?}");
    // Mutation must keep a fair share of inputs valid, or the later stages go untested.
    assert!(reached.filters * 10 >= total, "{reached:?} of {total}");
    assert!(reached.compiled * 20 >= total, "{reached:?} of {total}");
    assert!(reached.matched * 1000 >= total, "{reached:?} of {total}");
}
