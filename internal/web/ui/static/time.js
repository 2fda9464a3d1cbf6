// Optional: show each time also in the reader's own zone, as a tooltip.
// The page shows times in their original zone and works without this.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  } catch (e) {
    return;
  }
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var d = new Date(el.getAttribute("datetime"));
    if (!isNaN(d)) {
      el.title = "Your time: " + fmt.format(d);
    }
  });
});
