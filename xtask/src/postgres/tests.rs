use super::*;

/// A machine with nothing: no server, no packages, not root, not Debian.
fn bare() -> Observed {
    Observed::default()
}

#[test]
fn a_given_url_is_used_whatever_else_the_machine_has() {
    let observed = Observed {
        url_given: true,
        root: true,
        debian_like: true,
        ..bare()
    };
    assert_eq!(decide(&observed), Action::UseGivenUrl);
}

#[test]
fn a_running_server_is_used_as_it_is() {
    let observed = Observed {
        answering: true,
        cluster_tools: true,
        clusters: vec!["15".into()],
        ..bare()
    };
    assert_eq!(decide(&observed), Action::UseRunning);
}

#[test]
fn stopped_clusters_are_started() {
    let observed = Observed {
        cluster_tools: true,
        clusters: vec!["15".into(), "16".into()],
        ..bare()
    };
    assert_eq!(
        decide(&observed),
        Action::StartClusters(vec!["15".into(), "16".into()])
    );
}

#[test]
fn root_on_debian_without_postgres_installs_it() {
    let observed = Observed {
        root: true,
        debian_like: true,
        ..bare()
    };
    assert_eq!(decide(&observed), Action::Provide { install: true });
}

#[test]
fn root_on_debian_with_the_packages_but_no_cluster_creates_one() {
    let observed = Observed {
        root: true,
        debian_like: true,
        cluster_tools: true,
        ..bare()
    };
    assert_eq!(decide(&observed), Action::Provide { install: false });
}

#[test]
fn without_root_xtask_stops_naming_the_command_and_the_variable() {
    let observed = Observed {
        debian_like: true,
        ..bare()
    };
    let Action::Stop(message) = decide(&observed) else {
        panic!("expected a stop");
    };
    assert!(message.contains("as root"), "{message}");
    assert!(message.contains("SCIM_TEST_POSTGRES_URL="), "{message}");
}

#[test]
fn off_debian_even_root_stops_rather_than_guess_a_package_manager() {
    let observed = Observed {
        root: true,
        ..bare()
    };
    let Action::Stop(message) = decide(&observed) else {
        panic!("expected a stop");
    };
    assert!(message.contains("install PostgreSQL"), "{message}");
    assert!(message.contains("SCIM_TEST_POSTGRES_URL="), "{message}");
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
