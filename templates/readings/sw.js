/* ITP Tracker's service worker (readings/pwa.py serves it at /sw.js, for the whole site).
 *
 * It keeps two things, and nothing else:
 * - the app's static files and the offline page (Workbox precaching), so that a page that
 *   cannot load says so in the app's own look, and can still take a count or a bleed;
 * - a count or a bleed logged without a signal (Workbox's background-sync queue, in
 *   IndexedDB), sent when the signal returns: by Background Sync where the browser has it,
 *   else when a page of the app next loads (offline.js asks). Each entry carries its form's
 *   one-time token, so sending it twice saves it once.
 * Pages and answers with health data are never stored (the server marks them no-store and
 * the worker only passes them through). Logging out clears it all (Clear-Site-Data).
 *
 * Each entry belongs to the account that logged it (an opaque key the page gives): it is sent,
 * and listed, only for that account, so that someone else logging in on the device neither
 * sends it as theirs nor sees it.
 *
 * An entry that cannot be sent as it is goes to a second queue ("held"), never sent by itself
 * (no sync, so no loop against a server that refuses): one the server questions ("Did you
 * mean 45 ×10⁹/L?") waits for the person, who answers it in its box or throws it away; one
 * sent while signed out, not allowed, or while the server failed, is tried once more when a
 * page of its account next loads.
 */
{% load i18n %}importScripts({% for url in workbox %}"{{ url }}"{% if not forloop.last %}, {% endif %}{% endfor %});

const OFFLINE_URL = "{{ offline_url }}";
const LOGIN_PATH = "{{ login_path }}";
// Where quick add posts: /p/<record>/counts/new/ and /p/<record>/bleeds/new/.
const ENTRY_PATH = /^\/p\/[0-9a-f-]{36}\/(counts|bleeds)\/new\/$/;
// Kept until sent or thrown away by the person: never dropped for age (minutes).
const KEEP_FOR = 60 * 24 * 365 * 10;

workbox.core.setCacheNameDetails({ prefix: "itp" });
workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute({{ precache|safe }});

const waiting = new workbox.backgroundSync.Queue("itp-entries", {
  maxRetentionTime: KEEP_FOR,
  onSync: () => sendWaiting(),
});
const held = new workbox.backgroundSync.Queue("itp-held", {
  maxRetentionTime: KEEP_FOR,
  forceSyncFallback: true,
  onSync: async () => {},
});

// The newest form token and account key a signed-in page of the app gave (offline.js), kept
// in IndexedDB beside the queues (the caches hold static files only): an entry logged on the
// offline page has neither, and one logged before signing in again has a token that no longer
// counts.
function sessionStore(mode, use) {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open("itp-session", 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore("values");
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      const request = use(db.transaction("values", mode).objectStore("values"));
      request.onsuccess = () => { db.close(); resolve(request.result); };
      request.onerror = () => { db.close(); reject(request.error); };
    };
  });
}

const remember = (session) => sessionStore("readwrite", (values) => values.put(session, "session"));
const session = () => sessionStore("readonly", (values) => values.get("session"))
  .then((kept) => kept || { token: "", account: "" });

// --- Logging: send now, or keep ---------------------------------------------------------------

// Quick add only (htmx sends it, and reads the answer): the full forms' fields (time, lab,
// note) need a signal, and a form sent without one gets the offline page and its boxes.
workbox.routing.registerRoute(
  ({ url, request }) => url.origin === self.location.origin && ENTRY_PATH.test(url.pathname)
    && request.headers.get("HX-Request") === "true",
  async ({ request }) => {
    const kept = request.clone();
    try {
      return await fetch(request);
    } catch (noSignal) {
      const metadata = {
        account: request.headers.get("X-ITP-Account") || (await session()).account,
        enteredAt: Date.now(),
        summary: decodeURIComponent(request.headers.get("X-ITP-Summary") || ""),
        token: new URLSearchParams(await kept.clone().text()).get("form_token"),
      };
      await waiting.pushRequest({ request: kept, metadata });
      await tellPages({ type: "kept" });
      return new Response(JSON.stringify({ kept: true }), {
        status: 202,
        headers: { "Content-Type": "application/json", "X-ITP-Kept": "1" },
      });
    }
  },
  "POST",
);

// A page that cannot load, or a form that cannot be sent: the offline page, which finds the
// record in the address.
async function pageOrOffline({ request }) {
  try {
    return await fetch(request);
  } catch (noSignal) {
    return (await workbox.precaching.matchPrecache(OFFLINE_URL)) || Response.error();
  }
}
const navigation = ({ request }) => request.mode === "navigate";
workbox.routing.registerRoute(navigation, pageOrOffline, "GET");
workbox.routing.registerRoute(navigation, pageOrOffline, "POST");

// --- Sending what waits -----------------------------------------------------------------------

// Problems that may clear by themselves: tried again when a page of the account loads, up
// to TRIES times for one that is the server's answer (a login, by contrast, may come any day).
const TRY_AGAIN = new Set(["signed-out", "not-allowed", "server", "other-account"]);
const TRIES = 3;

let sending = Promise.resolve();

// One run at a time, each after the one before: Background Sync and a page's request can come
// together, and a page that saw the signal come back must not join a run that started just
// before it and found none. A page asks for the held entries that may go now to be tried too.
function sendWaiting({ alsoHeld = false } = {}) {
  const run = sending.catch(() => {}).then(() => sendAll(alsoHeld));
  sending = run.catch(() => {});
  return run;
}

async function sendAll(alsoHeld) {
  const { token, account } = await session();
  let entry;
  while ((entry = await waiting.shiftRequest())) {
    if (entry.metadata.account !== account) {
      await hold(entry, { problem: "other-account" });
    } else if (!(await sendOne(entry, token))) {
      await waiting.unshiftRequest(entry);
      await tellPages({ type: "changed" });
      throw new Error("No signal"); // Background Sync tries again later
    }
  }
  if (alsoHeld) {
    for (const entry of await takeAll(held)) {
      const { problem, tries = 0 } = entry.metadata;
      const mayGo = entry.metadata.account === account && TRY_AGAIN.has(problem)
        && (problem === "signed-out" || problem === "other-account" || tries < TRIES);
      if (!mayGo || !(await sendOne(entry, token))) {
        await hold(entry, {});
      }
    }
  }
  await tellPages({ type: "changed" });
}

// Send an entry and settle it: saved, or held with what the server said. False when there was
// no answer at all (no signal): the caller keeps it.
async function sendOne(entry, token) {
  let response;
  try {
    response = await fetch(await withToken(entry.request, token));
  } catch (noSignal) {
    return false;
  }
  const outcome = await judge(response);
  if (outcome.saved) {
    // A copy held with the same token (a question answered on the offline page) is done too.
    await forgetIn(held, entry.metadata.token);
    await tellPages({ type: "sent", summary: entry.metadata.summary });
  } else {
    await hold(entry, outcome);
  }
  return true;
}

function hold(entry, { problem, html }) {
  const metadata = { ...entry.metadata };
  if (problem !== undefined) {
    metadata.tries = problem === metadata.problem ? (metadata.tries || 0) + 1 : 1;
    metadata.problem = problem;
    metadata.html = html || "";
  }
  return held.pushRequest({ request: entry.request, timestamp: entry.timestamp, metadata });
}

async function takeAll(queue) {
  const entries = [];
  let entry;
  while ((entry = await queue.shiftRequest())) {
    entries.push(entry);
  }
  return entries;
}

async function withToken(request, token) {
  if (!token) {
    return request;
  }
  const fields = new URLSearchParams(await request.clone().text());
  fields.set("csrfmiddlewaretoken", token);
  const headers = new Headers(request.headers);
  headers.set("X-CSRFToken", token);
  return new Request(request.url, {
    method: "POST", headers, body: fields, credentials: "same-origin", redirect: "follow",
  });
}

// What the server made of an entry, from quick add's answers (readings/views.py): saved
// (the box comes back with "entrySaved", or an emergency leads to the dashboard), signed out
// (the login page, or htmx told to go there: accounts.sessions), a question (the box comes
// back with it), not allowed, or no such record.
async function judge(response) {
  const redirect = new URL(response.headers.get("HX-Redirect") || response.url, response.url);
  if ((response.redirected || response.headers.get("HX-Redirect"))
      && redirect.pathname.startsWith(LOGIN_PATH)) {
    return { problem: "signed-out" };
  }
  if (response.headers.get("HX-Redirect") || /entrySaved/.test(response.headers.get("HX-Trigger") || "")) {
    return { saved: true };
  }
  if (response.status === 403) {
    // A form token from a login that ended or changed: it waits for a login, as signed out.
    const token = response.headers.get("X-ITP-Refused") === "form-token";
    return { problem: token ? "signed-out" : "not-allowed" };
  }
  if (response.status === 404) {
    return { problem: "no-record" };
  }
  if (response.status >= 500 || response.status === 429) {
    return { problem: "server" };
  }
  return { problem: "question", html: await response.text() };
}

// --- What pages ask -----------------------------------------------------------------------------

// What waits for an account (the page's, or the last signed in for the offline page).
async function describe(account) {
  const mine = account || (await session()).account;
  const shown = (queue, state) => queue.getAll().then((entries) => entries
    .filter((entry) => mine && entry.metadata.account === mine)
    .map((entry) => ({
      state,
      url: entry.request.url,
      token: entry.metadata.token,
      enteredAt: entry.metadata.enteredAt,
      summary: entry.metadata.summary,
      problem: entry.metadata.problem || "",
      html: entry.metadata.html || "",
    })));
  return [...(await shown(waiting, "waiting")), ...(await shown(held, "held"))];
}

async function forgetIn(queue, token) {
  const entries = await takeAll(queue);
  for (const entry of entries.filter((kept) => kept.metadata.token !== token)) {
    await queue.pushRequest(entry);
  }
}

async function forget(token) {
  await forgetIn(waiting, token);
  await forgetIn(held, token);
}

async function tellPages(message) {
  const pages = await self.clients.matchAll({ type: "window" });
  pages.forEach((page) => page.postMessage(message));
}

self.addEventListener("message", (event) => {
  const message = event.data || {};
  const reply = (value) => event.ports[0] && event.ports[0].postMessage(value);
  const work = {
    // A page of the app has loaded, or the signal is back: its token and account, then send.
    send: async () => {
      if (message.account) {
        await remember({ token: message.token, account: message.account });
      }
      await sendWaiting({ alsoHeld: true }).catch(() => {});
    },
    // A page that was not there when the worker started: the worker takes it over.
    claim: () => self.clients.claim(),
    list: () => describe(message.account),
    account: async () => (await session()).account,
    // Logging out clears the device, so it counts every account's entries (never shows them).
    count: async () => (await waiting.size()) + (await held.size()),
    forget: () => forget(message.token),
  }[message.type];
  if (work) {
    event.waitUntil(work().then(reply));
  }
});

// --- Reminders (Web Push: readings/reminders.py sends {title, body, url}) --------------------

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (notJson) {
    data = {};
  }
  {% translate "A reminder from ITP Tracker" as fallback_title %}const title = data.title || "{{ fallback_title|escapejs }}";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    icon: "{{ icon }}",
    data: { url: data.url || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data.url || "/", self.location.origin);
  if (target.origin !== self.location.origin) {
    return;
  }
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((pages) => {
    const open = pages.find((page) => new URL(page.url).pathname === target.pathname);
    return open ? open.focus() : self.clients.openWindow(target.href);
  }));
});

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
