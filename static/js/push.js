// "Get reminders on this device" (templates/readings/reminders.html): subscribes this browser
// to Web Push with the site's public VAPID key and sends the subscription to the server, for
// the person signed in; "Stop reminders on this device" undoes both. The buttons stay hidden
// where the browser cannot do it (or without JavaScript): e-mail works everywhere.
// The service worker (/sw.js) shows the reminders and opens their page on a tap.
(function () {
  "use strict";
  var box = document.querySelector("[data-push-key]");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window)) return;
  var on = box.querySelector("[data-push-on]");
  var off = box.querySelector("[data-push-off]");
  var status = box.querySelector("[data-push-status]");

  function say(text) { status.textContent = text; }

  // The words shown, in the page's language (templates/includes/js_messages.html, by key); the
  // English here where a page lacks them.
  var MESSAGES = {};
  try {
    MESSAGES = JSON.parse(document.getElementById("js-messages").textContent);
  } catch (missing) { /* English */ }

  function t(key, english) { return MESSAGES[key] || english; }

  function csrfToken() {
    try { return JSON.parse(document.body.dataset.hxHeaders)["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  // The key as the Push API takes it: bytes from base64url.
  function keyBytes(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  // The service worker, or an error after 10 s: `ready` never settles where none registers.
  function registration() {
    return Promise.race([
      navigator.serviceWorker.ready,
      new Promise(function (resolve, reject) {
        window.setTimeout(function () { reject(new Error("no service worker")); }, 10000);
      })
    ]);
  }

  function post(url, body, type) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "Content-Type": type, "Accept": "application/json"},
      body: body
    }).then(function (response) {
      if (!response.ok) throw new Error("server said " + response.status);
      return response;
    });
  }

  function show(subscribed) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
  }

  on.addEventListener("click", function () {
    on.disabled = true;
    say(t("push_asking", "Asking this browser…"));
    Notification.requestPermission().then(function (answer) {
      if (answer !== "granted") throw new Error("permission " + answer);
      return registration();
    }).then(function (reg) {
      return reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(box.dataset.pushKey)
      });
    }).then(function (subscription) {
      return post(box.dataset.pushUrl, JSON.stringify(subscription.toJSON()), "application/json");
    }).then(function () {
      show(true);
      say(t("push_on", "Reminders you chose to get on your devices will show here."));
    }).catch(function (error) {
      say(String(error.message).indexOf("permission") === 0
        ? t("push_not_allowed", "This browser is not allowed to show notifications from ITP Tracker. Allow them in its settings, then try again.")
        : t("push_failed", "This device could not be set up for reminders. You can still get them by e-mail."));
    }).then(function () { on.disabled = false; });
  });

  off.addEventListener("click", function () {
    off.disabled = true;
    registration().then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      var body = "endpoint=" + encodeURIComponent(subscription.endpoint);
      return post(box.dataset.pushRemoveUrl, body, "application/x-www-form-urlencoded")
        .then(function () { return subscription.unsubscribe(); });
    }).then(function () {
      show(false);
      say(t("push_off", "Reminders will no longer show on this device."));
    }).catch(function () {
      say(t("push_wrong", "Something went wrong. Try again."));
    }).then(function () { off.disabled = false; });
  });

  box.hidden = false;
  registration().then(function (reg) {
    return reg.pushManager.getSubscription();
  }).then(function (subscription) {
    show(Boolean(subscription));
  }).catch(function () { /* no service worker yet: the button says what happens */ });
})();
