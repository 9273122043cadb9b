// "Add another row" without a page load. Without this script the button posts the page
// back with one more blank row (consultation.rows); with it, the last blank row of the
// table is copied in place, its index renumbered, and the new row's first field focused.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.add-row[name='more']");
    if (!button) { return; }
    var prefix = button.value;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var rows = button.parentNode.querySelectorAll("fieldset.row:not(.recorded)");
    if (!total || rows.length === 0) { return; }
    event.preventDefault();
    var index = parseInt(total.value, 10);
    var copy = rows[rows.length - 1].cloneNode(true);
    var pattern = new RegExp(prefix + "-\\d+-", "g");
    copy.id = prefix + "-row-" + (index + 1);
    copy.classList.remove("has-error");
    copy.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
    copy.querySelectorAll("[name], [id], [for]").forEach(function (node) {
      ["name", "id", "for"].forEach(function (attribute) {
        var value = node.getAttribute(attribute);
        if (value) { node.setAttribute(attribute, value.replace(pattern, prefix + "-" + index + "-")); }
      });
      if (node.tagName === "SELECT") { node.selectedIndex = 0; }
      else if (node.type === "checkbox") { node.checked = node.defaultChecked; }
      else if (node.tagName === "INPUT" || node.tagName === "TEXTAREA") { node.value = ""; }
    });
    button.parentNode.insertBefore(copy, button);
    total.value = String(index + 1);
    var first = copy.querySelector("select, input:not([type=hidden]), textarea");
    if (first) { first.focus(); }
  });
}());
