/* Console tools: the searchable category list, the grid picker and the typed-address field
   (both fill the dispatch form), and the address field of phone entry (it places the map
   pin through a "wangge:place" event that reportform.js listens to). */
(function () {
  "use strict";

  // Narrow a long <select> with optgroups to the options whose text contains what is typed.
  document.addEventListener("input", function (ev) {
    var box = ev.target.closest("[data-filter-select]");
    if (!box) return;
    var select = document.getElementById(box.getAttribute("data-filter-select"));
    var needle = box.value.trim().toLowerCase();
    var firstMatch = null;
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
      var any = false;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (opt) {
        var hit = !needle || opt.textContent.toLowerCase().indexOf(needle) >= 0 ||
          group.label.toLowerCase().indexOf(needle) >= 0;
        opt.hidden = !hit;
        if (hit) { any = true; if (!firstMatch) firstMatch = opt; }
      });
      group.hidden = !any;
    });
    if (needle && firstMatch) select.value = firstMatch.value;
  });

  // 答复模板: the chosen template's filled text goes into the reply, still editable there.
  document.addEventListener("change", function (ev) {
    var select = ev.target.closest("[data-reply-template]");
    if (!select) return;
    var option = select.options[select.selectedIndex];
    var box = document.getElementById(select.getAttribute("data-reply-template"));
    if (box && option && option.value) {
      box.value = option.getAttribute("data-text");
      box.focus();
    }
  });

  document.addEventListener("click", function (ev) {
    var item = ev.target.closest("[data-pick-grid]");
    if (!item) return;
    var target = document.getElementById(item.getAttribute("data-target"));
    if (target) {
      target.value = item.getAttribute("data-pick-grid");
      target.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var list = item.closest(".grid-pick");
    if (list) list.textContent = "";
  });

  document.addEventListener("htmx:afterSwap", function (ev) {
    var match = ev.detail.target.querySelector("[data-address-match]");
    if (!match) return;
    var gridTarget = ev.detail.target.getAttribute("data-grid-target");
    if (gridTarget) {
      var input = document.getElementById(gridTarget);
      if (input) input.value = match.getAttribute("data-grid");
      return;
    }
    var address = document.getElementById("id_address");
    if (address && !address.value) address.value = match.getAttribute("data-label");
    document.dispatchEvent(new CustomEvent("wangge:place", { detail: {
      lat: parseFloat(match.getAttribute("data-lat")),
      lng: parseFloat(match.getAttribute("data-lng")),
      message: match.textContent.trim()
    } }));
  });
})();
