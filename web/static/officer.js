// Small enhancements of the complaint pages; everything works without them.
// Loaded as a file: the Content-Security-Policy allows no inline script.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Choosing another definition on the intake form reloads it with that definition's
  // fields, without pressing the button next to the select.
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  for (const button of document.querySelectorAll("[data-autosubmit-button]")) {
    button.hidden = true;
  }

  // The receipt's print button (hidden until a script can act on it).
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }

  // An anonymous complainant leaves no identity: grey out the identity fields.
  const anonymous = document.querySelector("input[name=anonymous]");
  if (anonymous) {
    const identity = ["name", "phone", "email", "address"]
      .map((name) => anonymous.form.elements.namedItem(name))
      .filter(Boolean);
    const sync = () => {
      for (const input of identity) input.disabled = anonymous.checked;
    };
    anonymous.addEventListener("change", sync);
    sync();
  }
});
