/* Forgiving unit pickers: a search box above a <select data-pick> keeps the units whose
 * names hold every typed word, diacritics and case aside ("loc thai" finds "Lộc Thái"),
 * as phongtrao/vn/text.py folds text on the server. The first match is selected; without
 * this script the select works as before.
 *
 * When the user sees more units than the page lists (the select has data-pick-url), the
 * words are searched on the server instead (/nhap-lieu/don-vi/, JSON, 20 a page, best
 * first), and "Xem thêm" adds the next page. No framework.
 */
(function () {
  "use strict";

  var DELAY = 250;

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

  function filterHere(select, box, status) {
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
  }

  function serverSearch(select, box, status) {
    var listed = Array.prototype.map.call(select.options, function (o) {
      return o.cloneNode(true);
    });
    var more = document.createElement("button");
    more.type = "button";
    more.className = "link pick-more";
    more.textContent = "Xem thêm";
    more.hidden = true;
    status.parentNode.insertBefore(more, status.nextSibling);
    var timer = null;
    var asked = 0;
    var shown = { query: "", page: 0, pages: 0, count: 0 };

    function say() {
      var n = select.options.length;
      if (!shown.count) {
        status.textContent = "Không có đơn vị nào khớp “" + shown.query + "”.";
      } else {
        status.textContent =
          "Tìm thấy " + shown.count + " đơn vị" + (n < shown.count ? ", đang hiện " + n : "") + ".";
      }
      more.hidden = shown.page >= shown.pages;
    }

    function ask(query, page) {
      var ticket = ++asked;
      var url =
        select.getAttribute("data-pick-url") +
        "?q=" + encodeURIComponent(query) +
        "&cap=" + encodeURIComponent(select.getAttribute("data-pick-level") || "") +
        "&trang=" + page;
      status.textContent = "Đang tìm…";
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          if (ticket !== asked) return; // a newer query is on its way
          if (page === 1) select.innerHTML = "";
          data.results.forEach(function (unit) {
            var option = document.createElement("option");
            option.value = unit.uid;
            option.textContent = unit.detail ? unit.name + " (" + unit.detail + ")" : unit.name;
            select.appendChild(option);
          });
          if (page === 1 && select.options.length) select.options[0].selected = true;
          shown = { query: query, page: data.page, pages: data.pages, count: data.count };
          say();
        })
        .catch(function () {
          if (ticket === asked) status.textContent = "Không tìm được lúc này; hãy thử lại.";
        });
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      var query = box.value.trim();
      if (!words(query).length) {
        asked += 1;
        select.innerHTML = "";
        listed.forEach(function (o) {
          select.appendChild(o.cloneNode(true));
        });
        status.textContent = "";
        more.hidden = true;
        return;
      }
      timer = window.setTimeout(function () {
        ask(query, 1);
      }, DELAY);
    });
    more.addEventListener("click", function () {
      ask(shown.query, shown.page + 1);
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
    if (select.hasAttribute("data-pick-url")) {
      serverSearch(select, box, status);
    } else {
      box.addEventListener("input", function () {
        filterHere(select, box, status);
      });
    }
  }

  document.querySelectorAll("select[data-pick]").forEach(attach);
})();
