use super::*;

/// A machine with nothing: no server, no packages, not root, not Debian.
fn bare() -> Observed {
    Observed::default()
}

#[test]
fn each_state_gets_its_action() {
    let cases = [
        (
            "a given URL is used whatever else the machine has",
            Observed {
                url_given: true,
                root: true,
                debian_like: true,
                ..bare()
            },
            Action::UseGivenUrl,
        ),
        (
            "a running server is used as it is",
            Observed {
                answering: true,
                cluster_tools: true,
                clusters: vec!["15".to_owned()],
                ..bare()
            },
            Action::UseRunning,
        ),
        (
            "stopped clusters are started, even without root",
            Observed {
                cluster_tools: true,
                clusters: vec!["15".to_owned(), "16".to_owned()],
                ..bare()
            },
            Action::StartClusters(vec!["15".to_owned(), "16".to_owned()]),
        ),
        (
            "root on Debian without PostgreSQL installs it",
            Observed {
                root: true,
                debian_like: true,
                ..bare()
            },
            Action::Provide { install: true },
        ),
        (
            "root on Debian with the packages but no cluster creates one",
            Observed {
                root: true,
                debian_like: true,
                cluster_tools: true,
                ..bare()
            },
            Action::Provide { install: false },
        ),
    ];
    for (case, observed, action) in cases {
        assert_eq!(decide(&observed), action, "{case}");
    }
}

#[test]
fn otherwise_xtask_stops_naming_what_to_run_and_the_variable() {
    // Not root on Debian: run xtask as root. Root elsewhere: no package
    // manager is guessed.
    let cases = [
        (false, true, "run `cargo xtask test` once as root"),
        (true, false, "install PostgreSQL and start it"),
        (false, false, "install PostgreSQL and start it"),
    ];
    for (root, debian_like, what_to_run) in cases {
        let observed = Observed {
            root,
            debian_like,
            ..bare()
        };
        let Action::Stop(message) = decide(&observed) else {
            panic!("expected a stop for {observed:?}");
        };
        assert!(message.contains(what_to_run), "{message}");
        assert!(message.contains("SCIM_TEST_POSTGRES_URL="), "{message}");
    }
}

#[test]
fn test_access_goes_first_and_only_once() {
    let fresh = "local all postgres peer\nhost all all 127.0.0.1/32 scram-sha-256\n";
    let opened = with_test_access(fresh);
    let trust = opened
        .find("host all postgres 127.0.0.1/32 trust")
        .expect("trust line");
    let scram = opened.find("scram-sha-256").expect("original line kept");
    assert!(trust < scram, "{opened}");
    assert!(opened.ends_with(fresh), "{opened}");
    assert_eq!(with_test_access(&opened), opened);
}
