/* Logging without a signal: the page's half (templates/readings/sw.js is the worker's).
 *
 * - Registers the service worker, and gives it this page's form token and account key, so that
 *   what waits can be sent once the signal is back (or now, if it is), for that account only.
 * - Quick add ("Log a count", "Log a bleed"): an entry the worker had to keep is said to be
 *   kept, with the time it was entered, and the box is ready for the next one (now on the
 *   record's clock, a new one-time token). A bleed that is an emergency says so at once, from
 *   the server's own rule and advice (readings.pwa.emergency_rule), which the offline page
 *   holds and the worker keeps: read from there, without waiting for the server.
 * - "Waiting to send": what the worker holds for this account, each with what became of it.
 *   An entry the server questioned is answered in its box, on its record's dashboard; any
 *   entry held back can be thrown away.
 * - Logging out throws away what waits, so it asks first; without a signal it cannot log out,
 *   and says so.
 * - The offline page (readings/offline.html) takes entries for the record in its address (or
 *   the last one opened) if this device has opened that record's dashboard to log, with that
 *   record's clock and unit.
 */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !document.body) {
    return;
  }
  const RECORD = /^\/p\/([0-9a-f-]{36})\//;
  const RECORDS = "itp-records"; // {id: {zone, unit}} of the records this device logs for
  const LAST_RECORD = "itp-last-record";
  const list = document.getElementById("waiting-entries");
  const account = document.body.dataset.account || "";
  let waiting = [];
  let keptSaid = null; // the words that said an entry was kept, while they stand

  // The words shown, in the page's language: templates/includes/js_messages.html, by key, with
  // %(name)s filled in from `values`; the English here where a page lacks them.
  const MESSAGES = (function () {
    const element = document.getElementById("js-messages");
    try {
      return element ? JSON.parse(element.textContent) : {};
    } catch (notJson) {
      return {};
    }
  })();

  function t(key, english, values) {
    const text = MESSAGES[key] || english;
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
    });
  }

  navigator.serviceWorker.register("/sw.js").catch(function () {});
  // A page that loaded while the worker was still starting: the worker takes it over.
  navigator.serviceWorker.ready.then(function (registration) {
    if (!navigator.serviceWorker.controller && registration.active) {
      registration.active.postMessage({ type: "claim" });
    }
  });

  // The offline page (kept by the worker, so there without a signal): the emergency rule and
  // its advice. Read once, when a kept bleed needs it.
  let offlinePage = null;

  function offlineParts() {
    offlinePage = offlinePage || fetch("/offline/")
      .then(function (response) { return response.text(); })
      .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); })
      .catch(function () { offlinePage = null; return null; });
    return offlinePage;
  }

  function readStored(key, fallback) {
    try {
      return JSON.parse(localStorage.getItem(key) || "null") || fallback;
    } catch (notJson) {
      return fallback;
    }
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

  // "2026-11-30" and "14:05", now, on a record's clock.
  function nowIn(zone) {
    const parts = {};
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date()).forEach(function (part) { parts[part.type] = part.value; });
    return { date: parts.year + "-" + parts.month + "-" + parts.day, time: parts.hour + ":" + parts.minute };
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
      return t("count_summary", "Count %(count)s %(unit)s on %(day)s", {
        count: chosenText(form, "count_text"), unit: unit, day: chosenText(form, "drawn_on"),
      });
    }
    return t("bleed_summary", "Bleed: %(kind)s on %(day)s %(time)s", {
      kind: chosenText(form, "kind"), day: chosenText(form, "started_on"),
      time: chosenText(form, "started_time"),
    });
  }

  function fields(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  // A bleed's answers that the emergency rule reads, or null for a count.
  function bleedAnswers(form) {
    if (!form.elements.kind) {
      return null;
    }
    return {
      signs: form.querySelectorAll("input[name=warning_signs]:checked").length,
      firstAid: form.elements.first_aid ? form.elements.first_aid.value : "",
      kind: form.elements.kind.value,
    };
  }

  // The emergency advice the answers call for, said at once (focus on it), if any.
  function sayIfEmergency(answers) {
    if (!answers) {
      return;
    }
    offlineParts().then(function (page) {
      const data = page && page.getElementById("offline-emergency-rule");
      const place = document.getElementById("offline-advice");
      if (!data || !place) {
        return;
      }
      const rule = JSON.parse(data.textContent);
      const title = (answers.signs && rule.warning_signs) || rule.first_aid[answers.firstAid]
        || rule.kinds[answers.kind] || "";
      const advice = title && page.querySelector('template[data-advice="' + CSS.escape(title) + '"]');
      if (advice) {
        place.replaceChildren(document.importNode(advice.content, true));
        place.hidden = false;
        place.focus();
      }
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    const form = quickForm(event.detail);
    if (form) {
      form.dataset.sent = fields(form);
      event.detail.headers["X-ITP-Summary"] = encodeURIComponent(summary(form));
      event.detail.headers["X-ITP-Account"] = account;
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    const form = quickForm(event.detail);
    if (!form || !event.detail.xhr.getResponseHeader("X-ITP-Kept")) {
      return;
    }
    event.detail.shouldSwap = false;
    const answers = bleedAnswers(form);
    const what = summary(form);
    if (fields(form) === form.dataset.sent) {
      readyForNext(form);
    } else {
      // The next entry is being typed already: keep it, but never the kept one's token.
      form.elements.form_token.value = newToken();
    }
    keptSaid = t("kept", "Kept on this device: %(entry)s. It will be sent when there is a signal.",
      { entry: what });
    say(keptSaid);
    sayIfEmergency(answers);
    refresh();
    countOnDevice();
  });

  // Without the worker (a first visit, or a browser without one) nothing can be kept.
  document.addEventListener("htmx:sendError", function (event) {
    if (quickForm(event.detail)) {
      say(t("no_connection", "Not saved: there is no connection. Try again when there is a signal."));
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

  // The box, blank again as the server would send it: now on the record's clock, a new token.
  function readyForNext(form, record) {
    const known = record || recordOf(RECORD.exec(location.pathname));
    const now = known && known.zone ? nowIn(known.zone) : null;
    form.reset();
    if (now) {
      ["drawn_on", "started_on"].forEach(function (name) {
        if (form.elements[name]) { form.elements[name].value = now.date; }
      });
      if (form.elements.started_time) { form.elements.started_time.value = now.time; }
    }
    if (known && known.unit && form.elements.unit) {
      form.elements.unit.value = known.unit;
    }
    form.elements.form_token.value = newToken();
  }

  // --- The list of what waits --------------------------------------------------------------------

  function say(text) {
    const status = document.getElementById("waiting-status");
    if (status) {
      status.textContent = text;
      if (list && text) {
        list.hidden = false;
      }
    }
  }

  const PROBLEMS = {
    "signed-out": t("signed_out", "Not sent yet: sign in again, and it will be sent."),
    "not-allowed": t("not_allowed", "Not sent: this account may not log for this record now. It is tried again when you open a page, 3 times at most."),
    server: t("server", "Not sent yet: the site did not answer. It will be tried again on the next page you open."),
    "other-account": t("other_account", "Not sent yet: it will be sent on the next page you open."),
    "no-record": t("no_record", "Not sent: this account does not have this record."),
    question: t("question", "Not saved yet: there is a question about it."),
  };

  // Answers can cross (the worker answers two questions at once): only the last asked is shown.
  let asked = 0;

  function refresh() {
    if (!list) {
      return Promise.resolve();
    }
    const mine = ++asked;
    return ask({ type: "list", account: account }).then(function (entries) {
      if (mine !== asked) {
        return;
      }
      waiting = entries || [];
      const items = document.getElementById("waiting-list");
      items.replaceChildren.apply(items, waiting.map(row));
      const status = document.getElementById("waiting-status");
      list.hidden = waiting.length === 0 && !(status && status.textContent);
    });
  }

  function row(entry) {
    const item = document.createElement("li");
    // In the page's language ("30 nov, 14:05"), on this device's clock.
    const when = new Date(entry.enteredAt).toLocaleString(document.documentElement.lang || [], {
      day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
    const what = document.createElement("p");
    what.textContent = t("entered", "%(entry)s (entered %(when)s, this device's time)",
      { entry: entry.summary, when: when });
    const state = document.createElement("p");
    state.textContent = PROBLEMS[entry.problem] || t("waiting", "Waiting to send.");
    item.append(what, state);
    const recordPath = new URL(entry.url).pathname.replace(/(counts|bleeds)\/new\/$/, "");
    const here = location.pathname.indexOf(recordPath) === 0;
    if (!here) {
      const link = document.createElement("a");
      link.href = recordPath + "#waiting-entries";
      link.textContent = t("other_record", "For another record: open its dashboard");
      item.append(link);
    } else if (entry.problem === "question") {
      item.append(answerButton(entry));
    } else if (entry.problem === "signed-out") {
      const link = document.createElement("a");
      link.href = "/login/?next=" + encodeURIComponent(location.pathname);
      link.textContent = t("sign_in", "Sign in");
      item.append(link);
    }
    if (entry.problem) {
      item.append(throwAwayButton(entry));
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
    return button(t("answer", "Answer the question"), function () {
      const kind = new URL(entry.url).pathname.split("/")[3];
      const box = document.getElementById(kind === "counts" ? "quick-count" : "quick-bleed");
      const holder = document.createElement("div");
      holder.innerHTML = entry.html;
      const answer = holder.querySelector("section");
      if (!box || !answer || !window.htmx) {
        return;
      }
      // The token of this page's login, which may be newer than the one it was sent with.
      const token = answer.querySelector("input[name=csrfmiddlewaretoken]");
      if (token && pageToken()) {
        token.value = pageToken();
      }
      box.replaceWith(answer);
      window.htmx.process(answer);
      const focus = answer.querySelector("[id$=-focus]");
      if (focus) {
        focus.focus();
      }
    });
  }

  function throwAwayButton(entry) {
    return button(t("throw_away", "Throw it away"), function () {
      const question = t("confirm_throw_away", "Throw away %(entry)s? It has not been saved.",
        { entry: entry.summary });
      if (window.confirm(question)) {
        ask({ type: "forget", token: entry.token }).then(refresh);
      }
    });
  }

  // --- Logging out ---------------------------------------------------------------------------------

  // How many entries wait on the device, whoever logged them (null: not known yet).
  let onDevice = null;

  function countOnDevice() {
    return ask({ type: "count" }).then(function (count) { onDevice = count; return count; });
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-log-out]")) {
      return;
    }
    if (!navigator.onLine) {
      event.preventDefault();
      window.alert(t("offline_log_out", "There is no connection, so you are still logged in. Log out once there is a signal."));
      return;
    }
    // Nothing can wait without a worker, and nothing waits: the form goes as it is, at once.
    if (!navigator.serviceWorker.controller || onDevice === 0) {
      return;
    }
    event.preventDefault();
    countOnDevice().then(function (count) {
      const text = count === 1
        ? t("log_out_one", "%(count)s entry on this device has not been sent. Logging out throws it away. Log out anyway?", { count: count })
        : t("log_out_many", "%(count)s entries on this device have not been sent. Logging out throws them away. Log out anyway?", { count: count });
      if (count === 0 || window.confirm(text)) {
        form.submit();
      }
    });
  });

  // --- The records this device logs for, for the offline page ----------------------------------

  function recordOf(match) {
    return match ? readStored(RECORDS, {})[match[1]] : null;
  }

  // A dashboard says which record it is, and, with the log boxes, its clock and unit: the
  // offline page offers a record only to the account that last opened it to log. A record
  // one may only view (now) is forgotten.
  function rememberRecord() {
    const record = document.querySelector("[data-record-zone]") || document.querySelector("[data-record-id]");
    if (!record) {
      return;
    }
    const records = readStored(RECORDS, {});
    const id = record.dataset.recordId;
    if (record.dataset.recordZone) {
      records[id] = { zone: record.dataset.recordZone, unit: record.dataset.recordUnit, account: account };
      localStorage.setItem(LAST_RECORD, id);
    } else {
      delete records[id];
    }
    localStorage.setItem(RECORDS, JSON.stringify(records));
  }

  function setUpOfflinePage() {
    const boxes = document.getElementById("offline-boxes");
    if (!boxes) {
      return;
    }
    const inAddress = RECORD.exec(location.pathname);
    const id = inAddress ? inAddress[1] : localStorage.getItem(LAST_RECORD);
    const record = id && readStored(RECORDS, {})[id];
    // The account of the last page signed in (the worker knows it): another account's record
    // is not offered.
    ask({ type: "account" }).then(function (current) {
      if (!record || !current || record.account !== current) {
        document.getElementById("offline-unknown").hidden = false;
        return;
      }
      offerBoxes(boxes, id, record);
    });
  }

  function offerBoxes(boxes, id, record) {
    boxes.querySelectorAll("form").forEach(function (form) {
      const kind = form.elements.count_text ? "counts" : "bleeds";
      const action = "/p/" + id + "/" + kind + "/new/";
      form.setAttribute("action", action);
      form.setAttribute("data-hx-post", action);
      readyForNext(form, record);
      if (window.htmx) {
        window.htmx.process(form); // htmx read the address when the page loaded
      }
    });
    document.getElementById("offline-zone").textContent = record.zone.replace(/_/g, " ");
    boxes.hidden = false;
  }

  // --- On every page ---------------------------------------------------------------------------------

  // The offline page has no token or account of its own: the worker then uses the newest.
  function sendWhatWaits() {
    return navigator.onLine
      ? ask({ type: "send", token: pageToken(), account: account }).then(refresh)
      : Promise.resolve();
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    const message = event.data || {};
    countOnDevice();
    if (message.type === "kept") {
      return; // another page kept one: this page's words still hold
    }
    // "Kept …, sent when there is a signal" no longer holds once sending has been tried: the
    // list below says how each entry stands.
    const status = document.getElementById("waiting-status");
    if (message.type === "sent") {
      keptSaid = null;
      say(t("sent", "Sent: %(entry)s.", { entry: message.summary }));
    } else if (status && keptSaid !== null && status.textContent === keptSaid) {
      keptSaid = null;
      say("");
    }
    if (message.type === "sent" && window.htmx) {
      window.htmx.trigger(document.body, "entrySaved");
    }
    refresh();
  });

  // The offline page gives way to the page it stood in for, once what waits is sent and the
  // server answers. The first try after the signal returns can still fail (the connection is
  // not up yet: the worker would show this page again, and no second "online" comes), so it
  // asks again, 1, 2, 4 … up to 30 seconds apart, while online. It asks for the manifest: a
  // page could be a form's address, and reading a record's page is a line in its access log.
  let returning = false;
  function returnWhenAnswered(delay) {
    const manifest = document.querySelector('link[rel="manifest"]');
    if (!navigator.onLine || !manifest) {
      returning = false; // the next "online" starts again
      return;
    }
    fetch(manifest.href, { cache: "no-store", credentials: "same-origin" })
      .then(function () {
        // A GET, never the form's POST again (the offline page may stand in for a form sent).
        location.replace(location.href);
      })
      .catch(function () {
        setTimeout(function () { returnWhenAnswered(Math.min(delay * 2, 30000)); }, delay);
      });
  }
  window.addEventListener("online", function () {
    const sent = sendWhatWaits();
    if (document.getElementById("offline-boxes") && !returning) {
      returning = true;
      sent.then(function () { returnWhenAnswered(1000); });
    }
  });
  rememberRecord();
  setUpOfflinePage();
  sendWhatWaits();
  refresh();
  countOnDevice();
})();
