use super::check_slug;

#[test]
fn tenant_slugs_are_url_segments() {
    for ok in ["acme", "a", "acme-eu-2", "0day"] {
        assert!(check_slug(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "Acme",
        "acme_eu",
        "-acme",
        "acme-",
        "a/b",
        "ac me",
        &"a".repeat(64),
    ] {
        assert!(check_slug(bad).is_err(), "{bad}");
    }
}
