/* Forgiving unit pickers: a search box above a <select data-pick> keeps the units whose
 * names hold every typed word, diacritics and case aside ("loc thai" finds "Lộc Thái"),
 * as phongtrao/vn/text.py folds text on the server. The first match is selected; without
 * this script the select works as before. No framework.
 */
(function () {
  "use strict";

  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d")
      .toLowerCase();
  }

  function words(text) {
    return fold(text).split(/[^0-9a-z]+/).filter(Boolean);
  }

  function matches(name, wanted) {
    var have = words(name);
    return wanted.every(function (w) {
      return have.some(function (h) {
        return h.indexOf(w) === 0;
      });
    });
  }

  function attach(select) {
    var box = document.createElement("input");
    var status = document.createElement("span");
    box.type = "search";
    box.id = select.id + "_tim";
    box.className = "pick-search";
    box.placeholder = "Gõ tên để tìm, không cần dấu (ví dụ: loc thai)";
    box.setAttribute("aria-label", "Tìm đơn vị theo tên");
    box.setAttribute("aria-controls", select.id);
    status.id = select.id + "_ket_qua";
    status.className = "pick-status";
    status.setAttribute("role", "status");
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(status, select.nextSibling);
    box.addEventListener("input", function () {
      var wanted = words(box.value);
      var first = null;
      var count = 0;
      Array.prototype.forEach.call(select.options, function (option) {
        var shown = matches(option.text, wanted);
        option.hidden = !shown;
        option.disabled = !shown;
        if (shown) {
          count += 1;
          first = first || option;
        }
      });
      if (first && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
        first.selected = true;
      }
      status.textContent = wanted.length
        ? count
          ? "Tìm thấy " + count + " đơn vị."
          : "Không có đơn vị nào khớp “" + box.value.trim() + "”."
        : "";
    });
  }

  document.querySelectorAll("select[data-pick]").forEach(attach);
})();
