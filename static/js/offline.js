/* Logging without a signal: the page's half (templates/readings/sw.js is the worker's).
 *
 * - Registers the service worker, and gives it this page's form token, so that what waits
 *   can be sent once the signal is back (or now, if it is).
 * - Quick add ("Log a count", "Log a bleed"): an entry the worker had to keep is said to be
 *   kept, with the time it was entered, and the box is ready for the next one (a new one-time
 *   token). A bleed that is an emergency says so at once, from the server's own rule
 *   (readings.pwa.emergency_rule), without waiting for the server.
 * - "Waiting to send": what the worker holds, each with what became of it. An entry the server
 *   questioned is shown with its question, in its box, for the person to answer; it leaves the
 *   list once saved, or once thrown away by the person.
 * - Logging out throws away what waits, so it asks first.
 * - The offline page (readings/offline.html) takes entries for the record in its address, or
 *   the record last opened on this device, with that record's clock and unit.
 */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !document.body) {
    return;
  }
  const RECORD = /^\/p\/([0-9a-f-]{36})\//;
  const LAST_RECORD = "itp-last-record";
  const list = document.getElementById("waiting-entries");
  const rule = readJson("offline-emergency-rule");
  let waiting = [];

  navigator.serviceWorker.register("/sw.js").catch(function () {});

  function readJson(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function pageToken() {
    try {
      return JSON.parse(document.body.dataset.hxHeaders || "{}")["X-CSRFToken"] || "";
    } catch (notJson) {
      return "";
    }
  }

  // A message to the worker; resolves with its answer.
  function ask(message) {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        const channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        (navigator.serviceWorker.controller || registration.active)
          .postMessage(message, [channel.port2]);
      });
    });
  }

  function newToken() {
    if (crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // --- Quick add ---------------------------------------------------------------------------------

  // The quick-add form an htmx event is about (its element is the form, or the box it swaps).
  function quickForm(detail) {
    const element = (detail.requestConfig && detail.requestConfig.elt) || detail.elt;
    const form = element && (element.closest("form") || element.querySelector("form"));
    return form && form.querySelector("input[name=quick]") ? form : null;
  }

  // What a field holds, as its box words it: a choice by its label's words.
  function chosenText(form, name) {
    const checked = form.querySelector('input[name="' + name + '"]:checked');
    if (checked) {
      const label = checked.closest("label");
      return label ? label.textContent.replace(/\s+/g, " ").trim() : checked.value;
    }
    const field = form.elements[name];
    return field && field.value ? field.value.trim() : "";
  }

  // What the list says of an entry, in the words of its box.
  function summary(form) {
    if (form.elements.count_text) {
      // "×10⁹/L, K/µL or G/L (like 45)" is "×10⁹/L" here.
      const unit = chosenText(form, "unit").split(/,| or | \(/)[0];
      return ["Count", chosenText(form, "count_text"), unit, "on",
        chosenText(form, "drawn_on")].join(" ");
    }
    return ["Bleed:", chosenText(form, "kind"), "on", chosenText(form, "started_on"),
      chosenText(form, "started_time")].join(" ");
  }

  // The emergency advice a bleed's answers call for (its title), or "".
  function emergencyFor(form) {
    if (!rule || !form.elements.kind) {
      return "";
    }
    const signs = form.querySelectorAll("input[name=warning_signs]:checked").length;
    const firstAid = form.elements.first_aid ? form.elements.first_aid.value : "";
    return (signs && rule.warning_signs) || rule.first_aid[firstAid] || rule.kinds[form.elements.kind.value] || "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    const form = quickForm(event.detail);
    if (form) {
      event.detail.headers["X-ITP-Summary"] = encodeURIComponent(summary(form));
      event.detail.headers["X-ITP-Emergency"] = encodeURIComponent(emergencyFor(form));
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    const form = quickForm(event.detail);
    if (!form || !event.detail.xhr.getResponseHeader("X-ITP-Kept")) {
      return;
    }
    event.detail.shouldSwap = false;
    const emergency = emergencyFor(form);
    const what = summary(form);
    readyForNext(form);
    say("Kept on this device: " + what + ". It will be sent when there is a signal.");
    if (emergency) {
      showEmergency(emergency);
    }
    refresh();
  });

  // Without the worker (a first visit, or a browser without one) nothing can be kept.
  document.addEventListener("htmx:sendError", function (event) {
    if (quickForm(event.detail)) {
      say("Not saved: there is no connection. Try again when there is a signal.");
    }
  });

  // A questioned entry answered in its box and saved: it leaves the list.
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = quickForm(event.detail);
    const xhr = event.detail.xhr;
    if (form && xhr && /entrySaved/.test(xhr.getResponseHeader("HX-Trigger") || "")) {
      const token = form.elements.form_token && form.elements.form_token.value;
      if (waiting.some(function (entry) { return entry.token === token; })) {
        ask({ type: "forget", token: token }).then(refresh);
      }
    }
  });

  function readyForNext(form) {
    form.reset();
    const token = form.elements.form_token;
    token.defaultValue = token.value = newToken();
  }

  function showEmergency(title) {
    const advice = document.querySelector('template[data-advice="' + CSS.escape(title) + '"]');
    const place = document.getElementById("offline-advice");
    if (advice && place) {
      place.replaceChildren(advice.content.cloneNode(true));
      place.hidden = false;
      place.focus();
    }
  }

  // --- The list of what waits --------------------------------------------------------------------

  function say(text) {
    const status = document.getElementById("waiting-status");
    if (status) {
      status.textContent = text;
      if (list) {
        list.hidden = false;
      }
    }
  }

  const PROBLEMS = {
    "signed-out": "Not sent yet: sign in again, and it will be sent.",
    "not-allowed": "Not sent yet: this account may not log for this record, or the page had expired. It will be tried again on the next page you open.",
    server: "Not sent yet: the site did not answer. It will be tried again.",
    "no-record": "Not sent: this account no longer has this record.",
    question: "Not saved yet: there is a question about it.",
  };

  function refresh() {
    if (!list) {
      return Promise.resolve();
    }
    return ask({ type: "list" }).then(function (entries) {
      waiting = entries || [];
      const items = document.getElementById("waiting-list");
      items.replaceChildren.apply(items, waiting.map(row));
      const status = document.getElementById("waiting-status");
      list.hidden = waiting.length === 0 && !(status && status.textContent);
    });
  }

  function row(entry) {
    const item = document.createElement("li");
    const when = new Date(entry.enteredAt).toLocaleString([], {
      day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
    const what = document.createElement("p");
    what.textContent = entry.summary + " (entered " + when + ", this device's time)";
    const state = document.createElement("p");
    state.textContent = PROBLEMS[entry.problem] || "Waiting to send.";
    item.append(what, state);
    if (entry.state === "questioned") {
      item.append(answerButton(entry), throwAwayButton(entry));
    } else if (entry.problem === "signed-out") {
      const link = document.createElement("a");
      link.href = "/login/?next=" + encodeURIComponent(location.pathname);
      link.textContent = "Sign in";
      item.append(link);
    }
    return item;
  }

  function button(text, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "button secondary";
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  // The server's own box, with its question, in place of this page's box for that kind.
  function answerButton(entry) {
    return button("Answer the question", function () {
      const kind = new URL(entry.url).pathname.split("/")[3];
      const box = document.getElementById(kind === "counts" ? "quick-count" : "quick-bleed");
      const sameRecord = RECORD.exec(location.pathname);
      if (!box || !window.htmx || !sameRecord || entry.url.indexOf(sameRecord[0]) < 0) {
        location.href = entry.url.replace(/(counts|bleeds)\/new\/$/, "");
        return;
      }
      const holder = document.createElement("div");
      holder.innerHTML = entry.html;
      const answer = holder.querySelector("section");
      if (answer) {
        box.replaceWith(answer);
        window.htmx.process(answer);
        const focus = answer.querySelector("[id$=-focus]");
        if (focus) {
          focus.focus();
        }
      }
    });
  }

  function throwAwayButton(entry) {
    return button("Throw it away", function () {
      if (window.confirm("Throw away " + entry.summary + "? It has not been saved.")) {
        ask({ type: "forget", token: entry.token }).then(refresh);
      }
    });
  }

  // --- Logging out ---------------------------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-log-out]")) {
      return;
    }
    event.preventDefault();
    ask({ type: "list" }).then(function (entries) {
      const count = (entries || []).length;
      const text = count === 1
        ? "1 entry on this device has not been sent. Logging out throws it away. Log out anyway?"
        : count + " entries on this device have not been sent. Logging out throws them away. Log out anyway?";
      if (count === 0 || window.confirm(text)) {
        form.submit();
      }
    });
  });

  // --- The record this page is about, for the offline page -------------------------------------

  function rememberRecord() {
    const record = document.querySelector("[data-record-zone]");
    if (record) {
      localStorage.setItem(LAST_RECORD, JSON.stringify({
        id: record.dataset.recordId, zone: record.dataset.recordZone, unit: record.dataset.recordUnit,
      }));
    }
  }

  // "2026-11-30" and "14:05", now, on the record's clock.
  function nowIn(zone) {
    const parts = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date()).forEach(function (part) { parts[part.type] = part.value; });
    return { date: parts.year + "-" + parts.month + "-" + parts.day, time: parts.hour + ":" + parts.minute };
  }

  function setUpOfflinePage() {
    const boxes = document.getElementById("offline-boxes");
    if (!boxes) {
      return;
    }
    let known = null;
    try {
      known = JSON.parse(localStorage.getItem(LAST_RECORD) || "null");
    } catch (notJson) {
      known = null;
    }
    const inAddress = RECORD.exec(location.pathname);
    const id = inAddress ? inAddress[1] : known && known.id;
    if (!id) {
      return;
    }
    const record = known && known.id === id ? known : { zone: Intl.DateTimeFormat().resolvedOptions().timeZone };
    const now = nowIn(record.zone);
    boxes.querySelectorAll("form").forEach(function (form) {
      const kind = form.elements.count_text ? "counts" : "bleeds";
      const action = "/p/" + id + "/" + kind + "/new/";
      form.setAttribute("action", action);
      form.setAttribute("data-hx-post", action);
      ["drawn_on", "started_on"].forEach(function (name) {
        if (form.elements[name]) { form.elements[name].defaultValue = now.date; }
      });
      if (form.elements.started_time) { form.elements.started_time.defaultValue = now.time; }
      if (form.elements.unit && record.unit) { form.elements.unit.value = record.unit; }
      form.elements.form_token.defaultValue = newToken();
      form.reset();
    });
    const zone = document.getElementById("offline-zone");
    if (zone && record.zone) {
      zone.textContent = record.zone.replace(/_/g, " ");
    }
    boxes.hidden = false;
  }

  // --- On every page ---------------------------------------------------------------------------------

  // The offline page has no token of its own: the worker then uses the newest it was given.
  function sendWhatWaits() {
    return navigator.onLine ? ask({ type: "send", token: pageToken() }).then(refresh) : Promise.resolve();
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    const message = event.data || {};
    if (message.type === "sent") {
      say("Sent: " + message.summary + ".");
      if (window.htmx) {
        window.htmx.trigger(document.body, "entrySaved");
      }
    }
    refresh();
  });

  // The offline page gives way to the page it stood in for, once what waits is sent.
  window.addEventListener("online", function () {
    const sent = sendWhatWaits();
    if (document.getElementById("offline-boxes")) {
      // A GET, never the form's POST again (the offline page may stand in for a form sent).
      sent.then(function () { location.replace(location.href); });
    }
  });
  rememberRecord();
  setUpOfflinePage();
  sendWhatWaits();
  refresh();
})();
