// The console's only script: "Copy" buttons. Loaded from the console itself
// (the Content-Security-Policy allows no inline script).
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (!source || !navigator.clipboard) return;
  navigator.clipboard.writeText(source.textContent).then(function () {
    button.textContent = "Copied";
  });
});

// Attribute-rule filters checked as they are typed: a field with
// data-check-url asks the console what is wrong with its value (an HTML
// fragment, empty when nothing is) and shows it in the element its
// aria-describedby names. Without the script the same words appear after
// submitting.
var filterCheck = { timer: 0, asked: 0 };
document.addEventListener("input", function (event) {
  var field = event.target.closest("input[data-check-url]");
  if (!field) return;
  clearTimeout(filterCheck.timer);
  filterCheck.timer = setTimeout(function () {
    var asked = ++filterCheck.asked;
    var url = field.getAttribute("data-check-url") + "?filter=" + encodeURIComponent(field.value);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (fragment) {
        // A slower answer to an earlier keystroke must not overwrite a newer one.
        if (asked !== filterCheck.asked) return;
        var target = document.getElementById(field.getAttribute("aria-describedby"));
        if (!target) return;
        target.innerHTML = fragment;
        field.setAttribute("aria-invalid", fragment.trim() === "" ? "false" : "true");
      })
      .catch(function () {});
  }, 250);
});

// A page that follows work still running (a rule save) names itself with
// data-reload-after (milliseconds) and is loaded again until the work ends;
// without the script its "Check again" link does the same by hand.
(function () {
  var page = document.querySelector("[data-reload-after]");
  if (!page) return;
  setTimeout(function () { window.location.reload(); },
    parseInt(page.getAttribute("data-reload-after"), 10) || 1000);
})();
