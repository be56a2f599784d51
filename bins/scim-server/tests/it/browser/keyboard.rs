//! The keyboard check of a console page: Tab moves through the page's links,
//! buttons and fields, and wherever it lands the focus shows (a ring of at
//! least 2px, the stylesheet's `:focus-visible`). axe-core does not test
//! this: it needs real key presses.

use fantoccini::Client;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;

/// The most Tab presses per page: enough for the first screens of the
/// longest page, and a bound when focus never leaves the page.
const PRESSES: usize = 40;

/// No focus, no marks, scrolled to the top.
const BACK_TO_THE_START: &str =
    "for (const el of document.querySelectorAll('[data-keyboard-check]')) {
  el.removeAttribute('data-keyboard-check');
}
if (document.activeElement) document.activeElement.blur();
window.scrollTo(0, 0);";

/// The focused element: a name for messages, whether its focus shows, and
/// whether Tab was here before (marked on the element: focus went round).
const FOCUSED: &str = "const el = document.activeElement;
if (!el || el === document.body) return null;
const again = el.hasAttribute('data-keyboard-check');
el.setAttribute('data-keyboard-check', '');
const style = getComputedStyle(el);
const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
return { name: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
           (el.textContent.trim() ? ' \"' + el.textContent.trim().slice(0, 30) + '\"' : ''),
         visible: ring, again: again };";

/// Presses Tab through the page from its start: panics if Tab reaches
/// nothing, or reaches an element whose focus does not show.
pub(crate) async fn assert_keyboard_usable(client: &Client, page_name: &str) {
    client
        .execute(BACK_TO_THE_START, Vec::new())
        .await
        .expect("focus back to the page's start");
    let mut reached = 0;
    for _ in 0..PRESSES {
        let tab = char::from(Key::Tab);
        client
            .perform_actions(
                KeyActions::new("keyboard".to_owned())
                    .then(KeyAction::Down { value: tab })
                    .then(KeyAction::Up { value: tab }),
            )
            .await
            .expect("press Tab");
        let focused = client
            .execute(FOCUSED, Vec::new())
            .await
            .expect("the focused element's style");
        let Value::Object(focused) = focused else {
            break; // focus left the page: every stop was visited
        };
        if focused["again"] == Value::Bool(true) {
            break;
        }
        let name = focused["name"].as_str().unwrap_or("?").to_owned();
        assert_eq!(
            focused["visible"],
            Value::Bool(true),
            "on {page_name}, keyboard focus on {name} does not show"
        );
        reached += 1;
    }
    assert!(reached > 0, "on {page_name}, Tab reaches nothing");
    // The page as it was, for whatever the test does next (a screenshot).
    client
        .execute(BACK_TO_THE_START, Vec::new())
        .await
        .expect("focus back to the page's start");
}
