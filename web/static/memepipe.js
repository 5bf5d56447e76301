// memepipe web UI: the little JavaScript it needs. Everything works
// without it; it only asks before state-changing clicks and keeps pages of
// runs in progress up to date.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    var q = f.getAttribute("data-confirm");
    if (q && !window.confirm(q)) {
      ev.preventDefault();
    }
  });
  // Pages showing something in progress carry data-refresh="seconds".
  var r = document.body.getAttribute("data-refresh");
  if (r) {
    window.setTimeout(function () { window.location.reload(); }, parseFloat(r) * 1000);
  }
})();
