// The public site's small behaviours, without inline scripts (the CSP allows none).
(function () {
  "use strict";

  // The complaint form: one submission per click. The server also recognises a repeat by the
  // form's idempotency key; this only spares the resident a second upload of the photos.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-portal-complaint]")) { return; }
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    // The form is `novalidate` (the server's Chinese messages are the ones shown), so photo
    // problems found on choosing them must stop the submission here.
    var badPhotos = form.querySelector("input[type=file].is-invalid");
    if (badPhotos && badPhotos.validationMessage) { event.preventDefault(); badPhotos.focus(); return; }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.dataset.idleText = button.textContent;
      button.disabled = true;
      if (button.dataset.submittingText) { button.textContent = button.dataset.submittingText; }
    });
  });

  // If the page comes back from the browser's cache (the back button), the button works again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-portal-complaint]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = false;
        if (button.dataset.idleText) { button.textContent = button.dataset.idleText; }
      });
    });
  });

  // Project search: Enter and the search button run the search instead of submitting the form.
  function search() {
    var input = document.getElementById("id_q");
    if (input && window.htmx) { window.htmx.trigger(input, "search"); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.id === "id_q") { event.preventDefault(); search(); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("#project-search-button")) { search(); }
  });

  // Photos: say at once when too many or too large ones are chosen, before anything is uploaded.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches("input[type=file][data-max-files]")) { return; }
    var max = parseInt(input.dataset.maxFiles, 10), maxBytes = parseInt(input.dataset.maxBytes, 10);
    var message = "";
    if (input.files.length > max) {
      message = "最多上传 " + max + " 张照片（您选择了 " + input.files.length + " 张）";
    } else {
      for (var i = 0; i < input.files.length; i++) {
        var file = input.files[i];
        if (file.type && file.type.indexOf("image/") !== 0) {
          message = "文件“" + file.name + "”不是图片，只能上传照片";
          break;
        }
        if (file.size > maxBytes) {
          message = "照片“" + file.name + "”超过 10 MB，请压缩后再上传";
          break;
        }
      }
    }
    input.setCustomValidity(message);
    input.classList.toggle("is-invalid", message !== "");
    var feedback = document.getElementById("photos-client-error");
    if (feedback) { feedback.textContent = message; feedback.classList.toggle("d-block", message !== ""); }
    var chosen = document.getElementById("photos-chosen");
    if (chosen) {
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      chosen.textContent = names.length ? "已选择 " + names.length + " 张：" + names.join("、") : "未选择照片";
    }
  });
})();
