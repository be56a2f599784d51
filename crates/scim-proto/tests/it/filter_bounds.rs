//! Filters at the parser's bounds are safe to handle: a chain of `or`s is as
//! deep a tree as it is long, so every walk over it (compiling, evaluating,
//! printing, dropping) must fit in a modest stack. The server runs these
//! walks on actix's blocking threads (2 MiB of stack each); a stack overflow
//! there aborts the whole process. Here they run on a 512 KiB thread, in the
//! unoptimised build whose frames are the largest.

use scim_proto::filter::{Filter, MAX_DEPTH, MAX_TERMS, compile};
use scim_proto::schema::USER_RESOURCE;
use serde_json::json;

const STACK: usize = 512 * 1024;

/// Parses, compiles, evaluates, prints and re-parses `text` on a small stack.
fn walk_on_a_small_stack(text: String) -> bool {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let filter = Filter::parse(&text).expect("within the bounds");
            let compiled = compile(&filter, &USER_RESOURCE).expect("compiles");
            let user = json!({"userName": "u7", "emails": [{"value": "u7@example.com"}]});
            let matched = compiled.matches(&user);
            let printed = filter.to_string();
            assert_eq!(Filter::parse(&printed).expect("reparses"), filter);
            matched
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow, no panic")
}

#[test]
fn the_longest_chains_fit_a_small_stack() {
    let terms = |op: &str| {
        (0..MAX_TERMS)
            .map(|n| format!("userName eq \"u{n}\""))
            .collect::<Vec<_>>()
            .join(op)
    };
    assert!(walk_on_a_small_stack(terms(" or ")));
    assert!(!walk_on_a_small_stack(terms(" and ")));
    // The value filter counts as a term of its own.
    let elements = (0..MAX_TERMS - 1)
        .map(|n| format!("value eq \"u{n}@example.com\""))
        .collect::<Vec<_>>()
        .join(" or ");
    assert!(walk_on_a_small_stack(format!("emails[{elements}]")));
}

#[test]
fn the_deepest_nesting_fits_a_small_stack() {
    let nested = |open: &str| {
        format!(
            "{}userName eq \"u7\"{}",
            open.repeat(MAX_DEPTH),
            ")".repeat(MAX_DEPTH)
        )
    };
    assert!(walk_on_a_small_stack(nested("(")));
    // An even number of negations.
    assert!(walk_on_a_small_stack(nested("not (")));
}
