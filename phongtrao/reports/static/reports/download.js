// Download a report without leaving the page, showing progress while the server writes it.
// Without JavaScript the links still download the file.
document.querySelectorAll("a.report-download").forEach((link) => {
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    const status = document.getElementById("report-status");
    const text = status.querySelector("span");
    status.hidden = false;
    text.textContent = "Đang lập báo cáo, xin chờ…";
    try {
      const response = await fetch(link.href, { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      const blob = await response.blob();
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = disposition.match(/filename="([^"]+)"/);
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement("a");
      anchor.href = url;
      anchor.download = match ? match[1] : "bao-cao";
      document.body.appendChild(anchor);
      anchor.click();
      anchor.remove();
      URL.revokeObjectURL(url);
      status.hidden = true;
    } catch (error) {
      text.textContent = "Không lập được báo cáo (" + error.message + "). Hãy thử lại.";
    }
  });
});
