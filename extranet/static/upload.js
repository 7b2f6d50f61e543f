/* Document uploads: drag and drop, and a progress bar per file.
   Enhances <form data-upload> (a plain multipart form that works without JavaScript): the
   files are sent with XMLHttpRequest so that each file's progress shows in a <progress>
   element, placed in data-upload-status; the server answers an HTMX-style fragment that
   replaces the form's target (data-upload-target) and lists each file's outcome once, next to
   the file input ([data-upload-outcomes], one [data-outcome] per file, in the order sent).
   Each bar then ends full (saved) or empty and marked failed (refused, or the upload failed),
   and a live region announces the outcomes once. Loaded only on pages that hold such forms;
   no inline script (CSP). */
(function () {
  "use strict";
  if (window.extranetUploadLoaded) return; // the request page may include it twice
  window.extranetUploadLoaded = true;
  if (!window.FormData || !window.XMLHttpRequest) return;

  function fill(template, key, value) {
    return (template || "").replace("{" + key + "}", value);
  }

  // The status area of a form: the bars of its last upload and a live region. The live region
  // is kept across uploads (screen readers only announce changes to a region already there)
  // and visually hidden: what it says is shown once, next to the file input or in the area.
  function statusArea(form) {
    const region = document.querySelector(form.getAttribute("data-upload-status")) || form.parentNode;
    let live = region.querySelector("[data-upload-live]");
    if (!live) {
      live = document.createElement("p");
      live.setAttribute("data-upload-live", "");
      live.setAttribute("role", "status");
      live.className = "visually-hidden";
      region.appendChild(live);
    }
    Array.prototype.forEach.call(region.querySelectorAll("[data-upload-made]"), function (old) {
      old.remove();
    });
    return { region: region, live: live };
  }

  let counter = 0;
  function progressRow(region, file) {
    counter += 1;
    const id = "upload-progress-" + counter;
    const row = document.createElement("div");
    row.className = "upload-progress";
    row.setAttribute("data-upload-made", "");
    const label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = file.name;
    const bar = document.createElement("progress");
    bar.id = id;
    bar.max = 100;
    bar.value = 0;
    row.appendChild(label);
    row.appendChild(bar);
    region.insertBefore(row, region.querySelector("[data-upload-live]"));
    return { row: row, bar: bar, size: file.size };
  }

  function finish(row, saved) {
    row.bar.value = saved ? 100 : 0;
    row.row.classList.add(saved ? "upload-progress--done" : "upload-progress--failed");
  }

  function csrfToken(form) {
    const field = form.querySelector("input[name=csrf_token]");
    if (field) return field.value;
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function parse(html) {
    const holder = document.createElement("div");
    holder.innerHTML = html; // inert: scripts in innerHTML never run
    return holder;
  }

  function swap(form, holder) {
    const target = document.querySelector(form.getAttribute("data-upload-target"));
    if (!target) return;
    target.replaceChildren.apply(target, Array.prototype.slice.call(holder.childNodes));
    if (window.htmx) window.htmx.process(target);
  }

  function send(form) {
    const input = form.querySelector("input[type=file]");
    const files = input ? Array.prototype.slice.call(input.files) : [];
    if (!files.length) return false;
    const status = statusArea(form);
    const rows = files.map(function (file) { return progressRow(status.region, file); });
    const total = rows.reduce(function (sum, row) { return sum + row.size; }, 0) || 1;
    status.live.textContent = fill(form.getAttribute("data-msg-uploading"), "names",
      files.map(function (f) { return f.name; }).join(", "));
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;

    function failed(reason) {
      if (button) button.disabled = false;
      rows.forEach(function (row) { finish(row, false); });
      const text = fill(form.getAttribute("data-msg-failed"), "reason", reason);
      const shown = document.createElement("p");
      shown.className = "error";
      shown.setAttribute("data-upload-made", "");
      shown.textContent = text;
      status.region.insertBefore(shown, status.live);
      status.live.textContent = text;
    }

    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
    // One request carries the files one after the other: each bar follows its own bytes.
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) return;
      let sent = (event.loaded / event.total) * total;
      rows.forEach(function (row) {
        row.bar.value = Math.round(Math.max(0, Math.min(1, row.size ? sent / row.size : 1)) * 100);
        sent -= row.size;
      });
    });
    xhr.addEventListener("load", function () {
      const answered = xhr.status < 300 || xhr.status === 422;
      if (!answered) {
        failed(document.body.getAttribute("data-error-message") || "");
        return;
      }
      if (button) button.disabled = false;
      const holder = parse(xhr.responseText);
      const outcomes = holder.querySelectorAll("[data-upload-outcomes] [data-outcome]");
      const error = holder.querySelector(".error");
      swap(form, holder);
      if (outcomes.length === rows.length) {
        rows.forEach(function (row, i) { finish(row, outcomes[i].getAttribute("data-outcome") === "saved"); });
        status.live.textContent = Array.prototype.map.call(outcomes, function (o) {
          return o.textContent.trim();
        }).join(" ");
      } else {
        // The form itself was refused (no file saved); its error shows next to the input.
        rows.forEach(function (row) { finish(row, xhr.status < 300); });
        status.live.textContent = error ? error.textContent.trim() : "";
      }
    });
    xhr.addEventListener("error", function () { failed(form.getAttribute("data-msg-network")); });
    xhr.addEventListener("abort", function () { failed(form.getAttribute("data-msg-network")); });
    xhr.send(new FormData(form));
    return true;
  }

  document.addEventListener("submit", function (event) {
    const form = event.target.closest && event.target.closest("form[data-upload]");
    if (!form || event.defaultPrevented) return;
    const input = form.querySelector("input[type=file]");
    if (!input || !input.files || !input.files.length) return; // let the browser say it is required
    event.preventDefault();
    send(form);
  });

  // --- Drag and drop onto [data-dropzone] (inside a data-upload form). ---
  function zoneOf(event) {
    return event.target.closest && event.target.closest("form[data-upload] [data-dropzone]");
  }
  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      const zone = zoneOf(event);
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("dropzone--over");
    });
  });
  document.addEventListener("dragleave", function (event) {
    const zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("dropzone--over");
  });
  document.addEventListener("drop", function (event) {
    const zone = zoneOf(event);
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("dropzone--over");
    const input = zone.querySelector("input[type=file]");
    const files = event.dataTransfer && event.dataTransfer.files;
    if (!input || !files || !files.length) return;
    if (!input.multiple && files.length > 1) return;
    input.files = files;
    const form = zone.closest("form[data-upload]");
    if (form.requestSubmit) form.requestSubmit();
    else send(form);
  });
})();
