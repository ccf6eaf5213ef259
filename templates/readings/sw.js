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
 * An entry the server does not take (a question, such as "Did you mean 45 ×10⁹/L?") moves to
 * a second queue that is never sent by itself, and waits there for the person: the page shows
 * it with the server's question, and tells the worker once it is saved or thrown away.
 */
importScripts({% for url in workbox %}"{{ url }}"{% if not forloop.last %}, {% endif %}{% endfor %});

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
  onSync: ({ queue }) => sendWaiting(queue),
});
const questioned = new workbox.backgroundSync.Queue("itp-questioned", {
  maxRetentionTime: KEEP_FOR,
  forceSyncFallback: true,
  onSync: async () => {},
});

// The newest form token a page of the app gave (offline.js), kept in IndexedDB beside the
// queues (the caches hold static files only): an entry logged on the offline page has none,
// and one logged before signing in again has one that no longer counts.
function tokenStore(mode, use) {
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

const rememberToken = (token) => tokenStore("readwrite", (values) => values.put(token, "csrf"));
const latestToken = () => tokenStore("readonly", (values) => values.get("csrf")).then((token) => token || "");

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
        enteredAt: Date.now(),
        summary: decodeURIComponent(request.headers.get("X-ITP-Summary") || ""),
        emergency: decodeURIComponent(request.headers.get("X-ITP-Emergency") || ""),
        token: new URLSearchParams(await kept.clone().text()).get("form_token"),
      };
      await waiting.pushRequest({ request: kept, metadata });
      await tellPages({ type: "changed" });
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

let sending = null;

// One run at a time: Background Sync and a page's request can come together.
function sendWaiting(queue) {
  sending = sending || sendAll(queue).finally(() => { sending = null; });
  return sending;
}

async function sendAll(queue) {
  const token = await latestToken();
  let entry;
  let sent = 0;
  while ((entry = await queue.shiftRequest())) {
    let response;
    try {
      response = await fetch(await withToken(entry.request, token));
    } catch (noSignal) {
      await queue.unshiftRequest(entry);
      await tellPages({ type: "changed" });
      throw noSignal; // Background Sync tries again later
    }
    const outcome = await judge(response);
    if (outcome.saved) {
      sent += 1;
      await tellPages({ type: "sent", summary: entry.metadata.summary });
    } else if (outcome.retry) {
      // Signed out, or a token from an ended session: it waits for the next page of the app.
      entry.metadata.problem = outcome.problem;
      await queue.unshiftRequest(entry);
      break;
    } else {
      entry.metadata.problem = outcome.problem;
      entry.metadata.html = outcome.html || "";
      await questioned.pushRequest(entry);
    }
  }
  await tellPages({ type: "changed", sent });
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
    return { retry: true, problem: "signed-out" };
  }
  if (response.headers.get("HX-Redirect") || /entrySaved/.test(response.headers.get("HX-Trigger") || "")) {
    return { saved: true };
  }
  if (response.status === 403) {
    return { retry: true, problem: "not-allowed" };
  }
  if (response.status === 404) {
    return { problem: "no-record" };
  }
  if (response.status >= 500 || response.status === 429) {
    return { retry: true, problem: "server" };
  }
  return { problem: "question", html: await response.text() };
}

// --- What pages ask -----------------------------------------------------------------------------

async function describe() {
  const shown = (queue, state) => queue.getAll().then((entries) => entries.map((entry) => ({
    state,
    url: entry.request.url,
    token: entry.metadata.token,
    enteredAt: entry.metadata.enteredAt,
    summary: entry.metadata.summary,
    emergency: entry.metadata.emergency,
    problem: entry.metadata.problem || "",
    html: entry.metadata.html || "",
  })));
  return [...(await shown(waiting, "waiting")), ...(await shown(questioned, "questioned"))];
}

async function forget(token) {
  for (const queue of [waiting, questioned]) {
    const keep = [];
    let entry;
    while ((entry = await queue.shiftRequest())) {
      if (entry.metadata.token !== token) {
        keep.push(entry);
      }
    }
    for (const entry of keep) {
      await queue.pushRequest(entry);
    }
  }
}

async function tellPages(message) {
  const pages = await self.clients.matchAll({ type: "window" });
  pages.forEach((page) => page.postMessage(message));
}

self.addEventListener("message", (event) => {
  const message = event.data || {};
  const reply = (value) => event.ports[0] && event.ports[0].postMessage(value);
  const work = {
    // A page of the app has loaded, or the signal is back: the newest token, then send.
    send: async () => {
      if (message.token) {
        await rememberToken(message.token);
      }
      await sendWaiting(waiting).catch(() => {});
    },
    list: describe,
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
  const title = data.title || "A reminder from ITP Tracker";
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
