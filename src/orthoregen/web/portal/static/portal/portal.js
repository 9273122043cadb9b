// Move focus to the error summary after a refused submission, so a screen reader announces
// what to fix and a keyboard user starts from the list of links to the questions.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});
