// On a phone the page links scroll sideways beside the language switch: the current page's link is brought into view.
"use strict";
(function () {
  const nav = document.querySelector(".topbar nav");
  const current = nav && nav.querySelector('[aria-current="page"]');
  if (!current || nav.scrollWidth <= nav.clientWidth) return;
  const left = current.getBoundingClientRect().left - nav.getBoundingClientRect().left + nav.scrollLeft;
  nav.scrollLeft = left - (nav.clientWidth - current.offsetWidth) / 2;
})();
