// The portal's behaviour on every page: toasts for messages sent with an HTMX answer,
// navigation counts, a confirmation before destructive actions, a loading indicator and
// focus that stays where a keyboard user can find it after a swap.
(function () {
  "use strict";

  const TOAST_SECONDS = 6;

  // -- messages delivered in HX-Trigger (portal.middleware.HtmxMessagesMiddleware) --------

  function toast(level, text) {
    const region = document.getElementById("toasts");
    if (!region) return;
    const item = document.createElement("div");
    item.className = "toast " + (level || "info");
    item.setAttribute("data-testid", "toast");
    const words = document.createElement("span");
    words.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss message");
    close.textContent = "×";
    close.addEventListener("click", function () { item.remove(); });
    item.append(words, close);
    region.append(item);
    // Errors stay until dismissed; the rest fade out on their own.
    if (level !== "error") {
      setTimeout(function () { item.remove(); }, TOAST_SECONDS * 1000);
    }
  }

  document.body.addEventListener("portal:messages", function (event) {
    (event.detail.items || []).forEach(function (m) { toast(m.level, m.text); });
  });

  document.body.addEventListener("portal:counts", function (event) {
    Object.entries(event.detail).forEach(function ([name, count]) {
      if (typeof count !== "number") return;
      document.querySelectorAll('[data-count="' + name + '"]').forEach(function (badge) {
        badge.textContent = String(count);
        badge.hidden = count === 0;
      });
    });
  });

  // -- confirmation before destructive actions -----------------------------------------
  // A form (or its submit button) with data-confirm asks first; cancelling sends nothing.
  // Listening on the document in the capture phase runs before htmx's own handlers.

  document.addEventListener("submit", function (event) {
    const form = event.target;
    const button = event.submitter;
    const question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // -- loading indicator ---------------------------------------------------------------

  let inFlight = 0;
  function busy(delta) {
    inFlight = Math.max(0, inFlight + delta);
    document.documentElement.classList.toggle("is-loading", inFlight > 0);
  }
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    busy(1);
    const target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "true");
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    busy(-1);
    const target = event.detail.target;
    if (target) target.removeAttribute("aria-busy");
  });

  // -- focus after a swap --------------------------------------------------------------
  // A refused form puts focus on its first field in error. Otherwise, when the element
  // that had focus was swapped away, focus goes to the new content instead of the top
  // of the page. An outerHTML swap removes its target, so the new content is what the
  // settle events fire on; one request may settle several elements (out-of-band ones
  // too), and they are looked at together once all have settled.

  const INVALID = ".has-error input, .has-error select, .has-error textarea, [aria-invalid=true]";
  const settling = new WeakMap();

  function focusable(root) {
    if (root.matches("a[href], button:not([disabled]), input:not([type=hidden]), select, textarea")) {
      return root;
    }
    return root.querySelector(
      "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea"
    );
  }

  function placeFocus(roots, failed) {
    roots = roots.filter(function (root) { return document.contains(root); });
    if (!roots.length) return;
    if (failed) {
      for (const root of roots) {
        const invalid = root.matches(INVALID) ? root : root.querySelector(INVALID);
        if (invalid) { invalid.focus(); return; }
      }
    }
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    let into = null;
    for (const root of roots) {
      into = (failed && root.querySelector("[role=alert], .errors, .error")) || focusable(root);
      if (into) break;
    }
    into = into || roots[0];
    if (!into.matches("a[href], button, input, select, textarea")) {
      into.setAttribute("tabindex", "-1");
    }
    into.focus();
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    const xhr = event.detail.xhr;
    const target = event.detail.target;
    const root = target && document.contains(target) ? target : event.target;
    if (!xhr || !root || root === document.body) return;
    if (settling.has(xhr)) {
      settling.get(xhr).push(root);
      return;
    }
    settling.set(xhr, [root]);
    setTimeout(function () { placeFocus(settling.get(xhr), xhr.status >= 400); }, 0);
  });
})();
