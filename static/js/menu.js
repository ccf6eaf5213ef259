// The header's menu (a <details>) closes when focus leaves it, or on Escape (focus back on its
// button), so that on a phone it never covers what the keyboard reaches next. Without
// JavaScript it stays open until its button is pressed again.
document.querySelectorAll("details.site-menu").forEach((menu) => {
  menu.addEventListener("focusout", (event) => {
    if (menu.open && !menu.contains(event.relatedTarget)) menu.open = false;
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
});
