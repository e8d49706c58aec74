// The signed-in session notice: WARNING seconds before the session ends, a bar counts down;
// clicking it extends the session on the server; at zero the user is signed out on the server.
// Tabs of one browser share their deadline (localStorage), so an active tab keeps the others.
(function () {
  "use strict";
  const bar = document.getElementById("session-notice");
  if (!bar) return;
  const keep = bar.querySelector(".session-notice-keep");
  const seconds = bar.querySelector(".session-notice-seconds");
  const ended = bar.querySelector(".session-notice-ended");
  const warning = Number(bar.dataset.warning) * 1000;
  const STORE = "phongtrao.session.deadline";
  let deadline = Date.now() + Number(bar.dataset.expiresIn) * 1000;
  let timer = null;
  let finished = false;

  function share() {
    try { localStorage.setItem(STORE, String(deadline)); } catch (e) { /* private mode */ }
  }

  function shared() {
    try { return Number(localStorage.getItem(STORE)) || 0; } catch (e) { return 0; }
  }

  function schedule() {
    clearTimeout(timer);
    if (finished) return;
    const left = deadline - Date.now();
    if (left <= 0) {
      end();
    } else if (left > warning) {
      bar.hidden = true;
      timer = setTimeout(schedule, left - warning);
    } else {
      seconds.textContent = String(Math.ceil(left / 1000));
      bar.hidden = false;
      timer = setTimeout(schedule, (left % 1000) || 1000);
    }
  }

  function showEnded() {
    finished = true;
    clearTimeout(timer);
    keep.hidden = true;
    ended.hidden = false;
    bar.hidden = false;
  }

  function post(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": bar.dataset.csrf, "X-Requested-With": "fetch" },
    });
  }

  async function extend() {
    keep.disabled = true;
    try {
      const response = await post(bar.dataset.extendUrl);
      if (response.ok) {
        const data = await response.json();
        deadline = Date.now() + data.expires_in * 1000;
        share();
        schedule();
      } else {
        showEnded();
      }
    } catch (e) {
      // The network failed: leave the bar so that the user can try again.
    } finally {
      keep.disabled = false;
    }
  }

  async function end() {
    if (shared() > deadline) {  // another tab kept the session alive meanwhile
      deadline = shared();
      schedule();
      return;
    }
    finished = true;
    try { await post(bar.dataset.endUrl); } catch (e) { /* the server ends it anyway */ }
    showEnded();
  }

  keep.addEventListener("click", extend);
  window.addEventListener("storage", function (event) {
    if (event.key === STORE && Number(event.newValue) > deadline) {
      deadline = Number(event.newValue);
      schedule();
    }
  });
  share();  // loading this page renewed the session for every tab
  schedule();
})();
