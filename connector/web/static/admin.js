// Small enhancements only: every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Keep the newest text in view on the try-it phone and conversation timelines.
    var screen = document.getElementById("phone-screen");
    if (screen) { screen.scrollTop = screen.scrollHeight; }

    // Picking a record fills the form straight away.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (!select.value) { return; }
        var button = select.form.querySelector('button[value="' + select.dataset.autosubmit + '"]');
        if (button) { button.click(); }
      });
    });

    // Ask before irreversible actions (marked with data-confirm).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });

    // Live segment counter under a manual reply box.
    document.querySelectorAll("textarea[data-segments]").forEach(function (area) {
      var out = document.getElementById(area.dataset.segments);
      var gsm = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\f^{}\\\[~\]|€]*$/;
      var update = function () {
        var text = area.value, units, single, multi, encoding;
        if (gsm.test(text)) {
          encoding = "GSM-7"; single = 160; multi = 153;
          units = text.length + (text.match(/[\f^{}\\\[~\]|€]/g) || []).length;
        } else {
          encoding = "UCS-2"; single = 70; multi = 67;
          units = 0; for (var i = 0; i < text.length; i++) { units += 1; }
        }
        var segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
        out.textContent = text.length + " chars · about " + segments + " segment" + (segments === 1 ? "" : "s") + " · " + encoding;
      };
      area.addEventListener("input", update);
      update();
    });
  });
})();
