// Offline reporting.  On a report form (triage:new, triage:intake) that carries a hidden
// `client_key` input and a [data-offline-drafts] region:
//   - the key is a UUID made here; the server makes one request per key and person, so a
//     draft sent twice (two tabs, a retry after a lost answer) is still one request;
//   - submitted while the browser is offline, the filled form and its photos (Blobs) are
//     kept on the device in IndexedDB and listed as waiting; photos larger than the
//     server takes, or too many, are refused here before anything is kept;
//   - when the connection returns (the `online` event, or the next time this form is
//     opened) each waiting draft of the signed-in person is posted with this page's CSRF
//     token and answered in JSON: sent drafts leave the device; refused ones (400, 413)
//     stay, marked with the server's reason, until the person sends them again, puts them
//     back in the form or deletes them.  Nothing is dropped without the person's say.
// On the offline page, [data-offline-summary] only counts the drafts on the device.
(function () {
  "use strict";
  var DB_NAME = "portal-offline";
  var STORE = "drafts";

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) return reject(new Error("no IndexedDB"));
      var open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore(STORE, { keyPath: "key" });
      };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  var drafts = {
    all: function () { return withStore("readonly", function (s) { return s.getAll(); }); },
    put: function (d) { return withStore("readwrite", function (s) { s.put(d); }); },
    remove: function (key) { return withStore("readwrite", function (s) { s.delete(key); }); },
  };

  function fill(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (all, name) {
      return name in values ? values[name] : all;
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); });
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") +
      "-" + h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  // --- the offline page: a count, nothing personal -----------------------------------
  var summary = document.querySelector("[data-offline-summary]");
  if (summary) {
    drafts.all().then(function (list) {
      if (!list.length) return;
      summary.textContent = fill(summary.getAttribute("data-t-count"), { n: list.length });
      summary.hidden = false;
    }, function () {});
  }

  // --- the report form ----------------------------------------------------------------
  var region = document.querySelector("[data-offline-drafts]");
  var keyInput = document.querySelector("input[data-client-key]");
  var form = keyInput && keyInput.form;
  if (!region || !form) return;
  var t = function (name) { return region.getAttribute("data-t-" + name) || ""; };
  var owner = region.getAttribute("data-owner");
  var action = new URL(form.getAttribute("action") || location.pathname, location.href).pathname;
  var maxBytes = parseInt(region.getAttribute("data-max-bytes"), 10) || 0;
  var maxPhotos = parseInt(region.getAttribute("data-max-photos"), 10) || 0;
  var list = region.querySelector("[data-draft-list]");
  var status = region.querySelector("[data-offline-status]");
  if (!keyInput.value) keyInput.value = newKey();

  function say(text, kind, link) {
    status.textContent = "";
    if (!text) return;
    var ul = document.createElement("ul");
    ul.className = "messages";
    var li = document.createElement("li");
    li.className = kind || "info";
    li.textContent = text;
    if (link) {
      li.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link;
      a.textContent = t("open");
      li.appendChild(a);
    }
    ul.appendChild(li);
    status.appendChild(ul);
    region.hidden = false;
  }

  function mine(d) { return d.owner === owner && d.action === action; }

  function photosOf() {
    var input = form.querySelector("input[type=file][name=photos]");
    return input ? Array.prototype.slice.call(input.files || []) : [];
  }

  // Refused on the device, before anything is kept: too many, or one too large.
  function photoProblem(photos) {
    if (maxPhotos && photos.length > maxPhotos) return fill(t("too-many"), { n: maxPhotos });
    for (var i = 0; i < photos.length; i++) {
      if (maxBytes && photos[i].size > maxBytes) {
        return fill(t("too-big"), { name: photos[i].name, mb: Math.floor(maxBytes / 1048576) });
      }
    }
    return "";
  }

  function snapshot() {
    var fields = [];
    var photos = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      if (typeof value === "string") fields.push([name, value]);
      else if (value && value.size) photos.push(value);
    });
    var text = form.querySelector("[name=text]");
    return {
      key: keyInput.value || newKey(),
      owner: owner,
      action: action,
      fields: fields,
      photos: photos,
      summary: text ? text.value.slice(0, 40) : "",
      savedAt: new Date().toISOString(),
      state: "waiting",
      reasons: [],
    };
  }

  function render() {
    return drafts.all().then(function (all) {
      var own = all.filter(mine).sort(function (a, b) { return a.savedAt < b.savedAt ? -1 : 1; });
      list.textContent = "";
      own.forEach(function (d) { list.appendChild(item(d)); });
      region.hidden = !own.length && !status.textContent;
    }, function () {});
  }

  function button(label, handler, testid) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = label;
    b.setAttribute("data-testid", testid);
    b.addEventListener("click", handler);
    return b;
  }

  function item(d) {
    var li = document.createElement("li");
    li.setAttribute("data-testid", "draft");
    li.setAttribute("data-draft-key", d.key);
    var badge = document.createElement("span");
    var label = { waiting: t("waiting"), sending: t("sending"), refused: t("refused") }[d.state];
    badge.className = "badge " + (d.state === "refused" ? "red" : "warn");
    badge.setAttribute("data-testid", "draft-state");
    badge.textContent = label || t("waiting");
    li.appendChild(badge);
    li.appendChild(document.createTextNode(" " + d.summary));
    var meta = document.createElement("div");
    meta.className = "muted";
    var when = new Date(d.savedAt).toLocaleString(document.documentElement.lang || undefined);
    meta.textContent = fill(t("saved-at"), { time: when }) +
      (d.photos.length ? " · " + fill(t("photos"), { n: d.photos.length }) : "");
    li.appendChild(meta);
    if (d.reasons && d.reasons.length) {
      var why = document.createElement("div");
      why.setAttribute("data-testid", "draft-reasons");
      d.reasons.forEach(function (r) {
        var w = document.createElement("p");
        w.className = "errorlist";
        w.textContent = r;
        why.appendChild(w);
      });
      li.appendChild(why);
    }
    if (d.state === "refused") {
      li.appendChild(button(t("retry"), function () {
        d.state = "waiting";
        drafts.put(d).then(sendWaiting);
      }, "draft-retry"));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(button(t("edit"), function () { putBack(d); }, "draft-edit"));
      li.appendChild(document.createTextNode(" "));
    }
    li.appendChild(button(t("delete"), function () {
      if (window.confirm(t("confirm-delete"))) drafts.remove(d.key).then(render);
    }, "draft-delete"));
    return li;
  }

  // Back in the form with its key: corrected and submitted again (online or not), it
  // replaces this draft or makes the one request this key stands for.
  function putBack(d) {
    d.fields.forEach(function (pair) {
      var el = form.elements[pair[0]];
      if (el && el.type !== "file" && el.type !== "hidden") el.value = pair[1];
    });
    keyInput.value = d.key;
    var input = form.querySelector("input[type=file][name=photos]");
    if (input && d.photos.length && window.DataTransfer) {
      var dt = new DataTransfer();
      d.photos.forEach(function (p) {
        dt.items.add(p instanceof File ? p : new File([p], p.name || "photo.jpg", { type: p.type }));
      });
      input.files = dt.files;
    }
    say(t("edited"), "info");
    var first = form.querySelector("textarea, input:not([type=hidden]), select");
    if (first) first.focus();
  }

  function mark(d, state, reasons) {
    d.state = state;
    d.reasons = reasons || [];
    return drafts.put(d);
  }

  function sendOne(d) {
    var body = new FormData();
    d.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    var token = form.querySelector("[name=csrfmiddlewaretoken]");
    if (token) body.append("csrfmiddlewaretoken", token.value);
    d.photos.forEach(function (p) { body.append("photos", p, p.name || "photo.jpg"); });
    return fetch(d.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        if (response.status === 413) return mark(d, "refused", [t("too-large")]);
        // A login page (signed out) or a CSRF refusal: kept, sent from a fresh page.
        if (response.status === 403 || response.redirected) return mark(d, "waiting", [t("sign-in")]);
        return mark(d, "waiting", [t("server")]);
      }
      return response.json().then(function (answer) {
        if (response.ok && answer.ok) {
          return drafts.remove(d.key).then(function () {
            say(fill(t("sent"), { message: answer.message || answer.number }), "success", answer.url);
          });
        }
        if (response.status === 400 || response.status === 413) {
          return mark(d, "refused", answer.reasons && answer.reasons.length ? answer.reasons : [t("too-large")]);
        }
        return mark(d, "waiting", [t("server")]);
      });
    }, function () {
      return mark(d, "waiting", []); // still no connection: tried again when it returns
    });
  }

  var busy = false;
  function sendAll() {
    return drafts.all().then(function (all) {
      var waiting = all.filter(function (d) { return mine(d) && d.state !== "refused"; });
      return waiting.reduce(function (chain, d) {
        return chain.then(function () {
          if (!navigator.onLine) return null;
          return mark(d, "sending", d.reasons).then(render).then(function () { return sendOne(d); });
        });
      }, Promise.resolve());
    });
  }

  // One sender at a time, across this page's events and (where the browser has Web
  // Locks) across tabs; the server's key makes a second sending harmless anyway.
  function sendWaiting() {
    if (busy || !navigator.onLine) return Promise.resolve();
    busy = true;
    say("");  // "kept on this device" no longer holds; each draft now says how it went
    var run = navigator.locks
      ? navigator.locks.request("portal-offline-send", sendAll)
      : sendAll();
    return run.then(null, function () {}).then(function () {
      busy = false;
      return render();
    });
  }

  form.addEventListener("submit", function (event) {
    var problem = photoProblem(photosOf());
    if (problem) {
      event.preventDefault();
      say(problem, "error");
      status.scrollIntoView({ block: "nearest" });
      return;
    }
    if (navigator.onLine) return; // sent the ordinary way, with its key
    event.preventDefault();
    var d = snapshot();
    drafts.put(d).then(function () {
      form.reset();
      keyInput.value = newKey();
      say(t("saved"), "warning");
      return render().then(function () { region.scrollIntoView({ block: "start" }); });
    }, function () {
      say(t("no-storage"), "error");
    });
  });

  window.addEventListener("online", sendWaiting);
  render().then(sendWaiting);
})();
