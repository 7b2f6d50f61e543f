/* Document uploads: drag and drop, and a progress bar per upload.
   Enhances <form data-upload> (a plain multipart form that works without JavaScript): the
   files are sent with XMLHttpRequest so that upload progress can be shown in a <progress>
   element; the server answers an HTMX-style fragment that replaces the form's target
   (data-upload-target). Completion and errors are announced in a live region placed in
   data-upload-status. Loaded only on pages that hold such forms; no inline script (CSP). */
(function () {
  "use strict";
  if (window.extranetUploadLoaded) return; // the request page may include it twice
  window.extranetUploadLoaded = true;
  if (!window.FormData || !window.XMLHttpRequest) return;

  function names(files) {
    return Array.prototype.map.call(files, function (f) { return f.name; }).join(", ");
  }

  function fill(template, key, value) {
    return (template || "").replace("{" + key + "}", value);
  }

  function statusRegion(form) {
    const region = document.querySelector(form.getAttribute("data-upload-status")) || form.parentNode;
    let live = region.querySelector("[data-upload-live]");
    if (!live) {
      live = document.createElement("p");
      live.setAttribute("data-upload-live", "");
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      live.className = "upload-live";
      region.appendChild(live);
    }
    return { region: region, live: live };
  }

  let counter = 0;
  function progressRow(region, label) {
    counter += 1;
    const id = "upload-progress-" + counter;
    const row = document.createElement("div");
    row.className = "upload-progress";
    const text = document.createElement("label");
    text.setAttribute("for", id);
    text.textContent = label;
    const bar = document.createElement("progress");
    bar.id = id;
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("data-upload-progress", "");
    row.appendChild(text);
    row.appendChild(bar);
    region.insertBefore(row, region.firstChild);
    return { row: row, label: text, bar: bar };
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

  function errorText(html) {
    const holder = document.createElement("div");
    holder.innerHTML = html; // inert: scripts in innerHTML never run
    const error = holder.querySelector(".error");
    return error ? error.textContent.trim() : "";
  }

  function swap(form, html) {
    const target = document.querySelector(form.getAttribute("data-upload-target"));
    if (!target) return;
    target.innerHTML = html;
    if (window.htmx) window.htmx.process(target);
  }

  function send(form) {
    const input = form.querySelector("input[type=file]");
    const files = input ? input.files : [];
    if (!files || !files.length) return false;
    const status = statusRegion(form);
    const chosen = names(files);
    const progress = progressRow(status.region, fill(form.getAttribute("data-msg-uploading"), "names", chosen));
    status.live.textContent = progress.label.textContent;
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;

    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) progress.bar.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.addEventListener("load", function () {
      if (button) button.disabled = false;
      if (xhr.status >= 200 && xhr.status < 300) {
        progress.bar.value = 100;
        const done = fill(form.getAttribute("data-msg-done"), "names", chosen);
        progress.label.textContent = done;
        progress.row.classList.add("upload-progress--done");
        swap(form, xhr.responseText);
        status.live.textContent = done;
      } else {
        const reason = (xhr.status === 422 && errorText(xhr.responseText)) || document.body.getAttribute("data-error-message") || "";
        progress.row.classList.add("upload-progress--failed");
        progress.label.textContent = fill(form.getAttribute("data-msg-failed"), "reason", reason);
        if (xhr.status === 422) swap(form, xhr.responseText);
        status.live.textContent = progress.label.textContent;
      }
    });
    function lost() {
      if (button) button.disabled = false;
      progress.row.classList.add("upload-progress--failed");
      progress.label.textContent = form.getAttribute("data-msg-network");
      status.live.textContent = progress.label.textContent;
    }
    xhr.addEventListener("error", lost);
    xhr.addEventListener("abort", lost);
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
