// Preselect the browser's own time zone on the sign-up form; the server default stays
// in place without JavaScript, and a choice the user already made is never overwritten.
(function () {
  var select = document.querySelector("select[data-detect-time-zone]");
  if (!select || select.dataset.userChosen === "true" || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && select.querySelector('option[value="' + zone + '"]')) select.value = zone;
})();
