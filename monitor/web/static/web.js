// monitor web: progressive enhancement only (every action works without this script).
(function () {
  "use strict";
  function init() {
    var all = document.getElementById("select-all");
    var form = document.getElementById("triage");
    if (!form) { return; }
    var boxes = function () { return form.querySelectorAll('input[type="checkbox"][name="id"]'); };
    var counter = document.getElementById("selected-count");
    var buttons = form.querySelectorAll('.bulk button');
    function update() {
      var n = 0;
      boxes().forEach(function (b) { if (b.checked) { n += 1; } });
      if (counter) { counter.textContent = n ? n + " selected" : "Select alerts to triage them"; }
      buttons.forEach(function (b) { b.disabled = n === 0; });
      if (all) { all.checked = n > 0 && n === boxes().length; all.indeterminate = n > 0 && n < boxes().length; }
    }
    if (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (b) { b.checked = all.checked; });
        update();
      });
    }
    form.addEventListener("change", function (e) { if (e.target.name === "id") { update(); } });
    update();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
