/* Coop Extranet: the little behaviour the server-rendered pages need.
   Loaded with `defer` after htmx; no inline scripts (strict CSP), no dependencies. */
(function () {
  "use strict";

  // Lets CSS hide no-JS fallbacks (.js-hidden), e.g. the org switcher's submit button.
  document.documentElement.classList.add("js");

  // --- A page rendered in answer to a form post (a conflict, a refused form) names the address
  // of the page it shows: the browser shows that one, so that Reload does not post again. ---
  const replaceUrl = document.querySelector("[data-replace-url]");
  if (replaceUrl && window.history.replaceState) {
    window.history.replaceState(null, "", replaceUrl.getAttribute("data-replace-url"));
  }

  // --- A table wider than its box scrolls sideways: it must then be reachable by keyboard to
  // be scrolled (WCAG 2.1.1), and only then, or every table would be one more tab stop. ---
  function reachScrollingTables() {
    document.querySelectorAll(".table-wrap, .table").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    });
  }
  reachScrollingTables();
  document.addEventListener("htmx:afterSettle", reachScrollingTables);
  let resizing = null;
  window.addEventListener("resize", function () {
    window.cancelAnimationFrame(resizing);
    resizing = window.requestAnimationFrame(reachScrollingTables);
  });

  // --- Auto-submit: <select data-autosubmit> submits its form on change. ---
  document.addEventListener("change", function (event) {
    const select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (!select || !select.form) return;
    // requestSubmit fires a real submit event, so htmx and data-confirm still apply.
    if (select.form.requestSubmit) select.form.requestSubmit();
    else select.form.submit();
  });

  // --- Confirmation of destructive actions: data-confirm on the submitter or the form. ---
  function confirmText(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) return submitter.getAttribute("data-confirm");
    if (form && form.hasAttribute && form.hasAttribute("data-confirm")) return form.getAttribute("data-confirm");
    return null;
  }

  // Plain forms. Bubble phase: htmx's own listener on an htmx-driven form has already run
  // and called preventDefault, in which case the htmx:confirm handler below does the asking.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    const text = confirmText(event.target, event.submitter);
    if (text && !window.confirm(text)) event.preventDefault();
  });

  // HTMX requests (hx-post forms and buttons, boosted forms).
  document.addEventListener("htmx:confirm", function (event) {
    const d = event.detail;
    const trigger = d.triggeringEvent;
    const text = confirmText(d.elt, trigger && trigger.submitter);
    if (!text) return;
    event.preventDefault(); // hold the request until the user answers
    if (window.confirm(text)) d.issueRequest(true);
  });

  // --- Focus after HTMX swaps. ---
  // Remember whether focus was inside the region about to be replaced.
  let focusWasInside = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    focusWasInside = !!(target && target.contains(document.activeElement));
  });

  const USER_EVENTS = /^(submit|click|change|input|keyup|keydown)$/;
  const handled = new WeakSet(); // afterSwap fires once per swapped element; act once per swap
  document.addEventListener("htmx:afterSwap", function (event) {
    const d = event.detail;
    if (handled.has(d)) return;
    handled.add(d);
    const region = event.target;
    const trigger = d.requestConfig && d.requestConfig.triggeringEvent;
    // Only move focus after a user action (not when dashboard widgets load by themselves).
    const userDriven = focusWasInside || (trigger && USER_EVENTS.test(trigger.type));
    if (!userDriven) return;
    // A form's error summary first; else a field in error that has none (files refused by the
    // server, which are not the form's own errors); else the new content's autofocus.
    const error = region.querySelector(".form-field--error, .error");
    const errorField = error && (error.closest(".form-field") || error).querySelector("input:not([type=hidden]), select, textarea");
    const summary = region.querySelector("[data-error-summary]");
    const next = summary || errorField || region.querySelector("[autofocus]");
    if (summary) {
      focusSummary(summary);
    } else if (next) {
      next.focus();
    } else if (!document.activeElement || document.activeElement === document.body) {
      // The focused element was swapped away: put focus on the new content, not back at the top.
      if (!region.hasAttribute("tabindex")) region.setAttribute("tabindex", "-1");
      region.focus({ preventScroll: true });
    }
  });

  // --- Error summaries (the `error_summary` macro) above a form that failed. ---
  // Focus on the summary is what a screen reader announces; its alert role is for a page
  // without script. Both would read it twice, so the role goes before the focus comes (in the
  // task that inserted a swapped summary, before the browser announces an alert).
  function focusSummary(summary) {
    const alert = summary.querySelector("[role=alert]");
    if (alert) alert.removeAttribute("role");
    summary.focus();
  }

  // After a full page load, focus goes to the first one: it scrolls into view and a screen
  // reader reads what is wrong, instead of the page opening at the top with focus on <body>.
  const firstSummary = document.querySelector("[data-error-summary]");
  if (firstSummary && (!document.activeElement || document.activeElement === document.body)) focusSummary(firstSummary);

  // A summary's link puts focus in its field and shows the field's label or legend above it
  // (the browser alone would only scroll the control itself to the top edge).
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    const control = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!control) return;
    event.preventDefault();
    const group = control.closest("fieldset");
    const caption = (group && group.querySelector("legend")) || document.querySelector("label[for='" + CSS.escape(control.id) + "']");
    (caption || control).scrollIntoView({ block: "start" });
    control.focus({ preventScroll: true });
  });

  // --- Network/server errors on HTMX requests: show the server-translated message. ---
  function showRequestError(event) {
    // A live page's poll that could not reach the server says nothing: the next one catches up.
    const elt = event && event.detail && event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-live")) return;
    const flashes = document.getElementById("flashes");
    const text = document.body.getAttribute("data-error-message");
    if (!flashes || !text) return;
    const old = flashes.querySelector("[data-request-error]");
    if (old) old.remove(); // re-adding makes the live region announce it again
    const p = document.createElement("p");
    p.className = "flash flash--error";
    p.setAttribute("data-request-error", "");
    p.textContent = text;
    flashes.appendChild(p);
  }
  document.addEventListener("htmx:responseError", showRequestError);
  document.addEventListener("htmx:sendError", showRequestError);
  // A later successful request clears the stale error.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) return;
    const old = document.querySelector("#flashes [data-request-error]");
    if (old) old.remove();
  });

  // --- Reordering by drag and drop (<ol data-sortable>, each <li data-move-url>): the same
  // "move up/down" posts as its buttons, one step at a time, then the page again. ---
  let dragged = null;
  document.addEventListener("dragstart", function (event) {
    dragged = event.target.closest && event.target.closest("[data-sortable] > li[data-move-url]");
    if (dragged) event.dataTransfer.setData("text/plain", dragged.id);
  });
  document.addEventListener("dragover", function (event) {
    if (dragged && event.target.closest && event.target.closest("[data-sortable] > li")) event.preventDefault();
  });
  document.addEventListener("drop", async function (event) {
    const target = dragged && event.target.closest && event.target.closest("[data-sortable] > li");
    if (!target || target === dragged || target.parentElement !== dragged.parentElement) return;
    event.preventDefault();
    const items = Array.from(dragged.parentElement.children);
    const steps = items.indexOf(target) - items.indexOf(dragged);
    const token = dragged.querySelector("input[name=csrf_token]").value;
    for (let i = 0; i < Math.abs(steps); i++) {
      const body = new FormData();
      body.append("csrf_token", token);
      body.append("direction", steps < 0 ? "up" : "down");
      await fetch(dragged.getAttribute("data-move-url"), { method: "POST", body: body, credentials: "same-origin" });
    }
    dragged = null;
    window.location.reload();
  });

  // --- Live request pages (requests/_live_poller.html): no asking while the tab is hidden
  // (the poller asks again as soon as it shows), and a badge on a form someone is typing in
  // when the request changed under it. Nothing they typed is ever replaced. ---
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.hasAttribute("data-live") && document.visibilityState !== "visible") event.preventDefault();
  });
  // A poll refused (signed out, access withdrawn, module off) stops asking and leaves the page
  // as it is, with what is typed in it: no redirect to the login page, no error every 5 s.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    const d = event.detail;
    if (!d.elt.hasAttribute("data-live") || d.xhr.status < 400) return;
    event.preventDefault();
    d.elt.remove();
  });
  function typedIn(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      if (el.type === "file") return el.files && el.files.length > 0;
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.tagName === "SELECT" || el.type === "hidden" || el.type === "submit") return false;
      return "value" in el && el.value !== el.defaultValue;
    });
  }
  // A badge marked data-when="moved" is for a change of state or assignment only (a step's
  // form is then out of date); the others for any new entry in the history.
  document.addEventListener("request-changed", function (event) {
    const moved = !!(event.detail && event.detail.moved);
    document.querySelectorAll("form .live-badge").forEach(function (badge) {
      if (badge.getAttribute("data-when") === "moved" && !moved) return;
      if (typedIn(badge.closest("form"))) badge.hidden = false;
    });
  });

  // --- Menus (<details>): the user menu, « Services » and the list's field picker close on Escape and on
  // outside click; the whole nav (.nav-menu) is one « Menu » button on a phone, open elsewhere. ---
  const MENUS = "details.user-menu[open], details.services-menu[open], details.field-picker[open]";
  const phone = window.matchMedia("(max-width: 48rem)");
  function fitNavMenu() {
    document.querySelectorAll("details.nav-menu").forEach(function (menu) {
      if (menu.hasAttribute("data-fitted") && phone.matches) return; // the person's choice stands
      menu.open = !phone.matches;
      menu.setAttribute("data-fitted", "");
    });
  }
  fitNavMenu();
  phone.addEventListener("change", function () {
    document.querySelectorAll("details.nav-menu").forEach(function (m) { m.removeAttribute("data-fitted"); });
    fitNavMenu();
  });
  // The search page sends the nav again out of band (its aria-current): fit the new one.
  document.addEventListener("htmx:oobAfterSwap", fitNavMenu);
  document.addEventListener("htmx:afterSettle", fitNavMenu);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(MENUS).forEach(function (menu) {
      const hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
