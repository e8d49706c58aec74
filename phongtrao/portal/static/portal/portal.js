// The article page without reloads: rating and comments by fetch(); plain forms work without JS.
(function () {
  "use strict";

  function post(form, body) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    return fetch(form.action, {
      method: "POST",
      body: body,
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" },
      credentials: "same-origin",
    }).then(function (response) { return response.json(); });
  }

  function paintStars(stars, percent) {
    stars.style.setProperty("--rating", percent + "%");
    var buttons = stars.querySelectorAll(".star");
    var lit = Math.round(percent / 20);
    buttons.forEach(function (b, i) { b.classList.toggle("on", i < lit); });
  }

  var rating = document.querySelector(".rating-form");
  if (rating) {
    var stars = rating.querySelector(".stars");
    var text = document.querySelector(".rating-text");
    var status = document.querySelector(".rating-status");
    var initial = parseFloat((stars.style.getPropertyValue("--rating") || "0").replace("%", ""));
    paintStars(stars, initial || 0);
    rating.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      if (!button) { return; }
      var body = new FormData(rating);
      body.set("score", button.value);
      post(rating, body).then(function (data) {
        text.textContent = data.text;
        status.textContent = data.message;
        status.classList.toggle("error", !data.ok);
        paintStars(stars, data.percent);
      }).catch(function () {
        status.textContent = "Không gửi được đánh giá, vui lòng thử lại.";
        status.classList.add("error");
      });
    });
  }

  var comment = document.querySelector(".comment-form");
  if (comment) {
    var commentStatus = comment.querySelector(".comment-status");
    comment.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = comment.querySelector("button[type=submit]");
      button.disabled = true;
      post(comment, new FormData(comment)).then(function (data) {
        commentStatus.textContent = data.message;
        commentStatus.classList.toggle("error", !data.ok);
        if (data.ok) { comment.querySelector("textarea").value = ""; }
        if (data.ok && !data.held) { window.location.reload(); }
      }).catch(function () {
        commentStatus.textContent = "Không gửi được bình luận, vui lòng thử lại.";
        commentStatus.classList.add("error");
      }).finally(function () { button.disabled = false; });
    });
  }

  var toggle = document.querySelector(".nav-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var list = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = list.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  var copy = document.querySelector(".tool-copy");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.dataset.url).then(function () {
        copy.textContent = "Đã sao chép liên kết";
      });
    });
  }
})();
