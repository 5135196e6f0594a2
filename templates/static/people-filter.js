// The name filter of a list of people in checkboxes (the kudos form): as one types, the
// names that do not match are hidden, and a team with no name left is hidden with them.
// Chosen people stay in sight. The form works without it (the filter box stays hidden and
// every name shows, grouped by team); it is a file so that the Content-Security-Policy
// (script-src 'self') needs no exception.
document.querySelectorAll("[data-people-filter]").forEach(function (box) {
  var picker = box.parentElement;
  var input = box.querySelector("input");
  var status = box.querySelector("[role=status]");
  var names = picker.querySelectorAll("[data-name]");
  var teams = picker.querySelectorAll("[data-team]");
  box.hidden = false;
  function filter() {
    var wanted = input.value.trim().toLowerCase();
    var shown = 0;
    names.forEach(function (label) {
      var match = wanted === "" || label.getAttribute("data-name").indexOf(wanted) !== -1 ||
        label.querySelector("input").checked;
      label.hidden = !match;
      if (match) { shown += 1; }
    });
    teams.forEach(function (team) {
      team.hidden = team.querySelector("[data-name]:not([hidden])") === null;
    });
    status.textContent = wanted === "" ? "" :
      (shown === 0 ? "Nobody matches." : shown + (shown === 1 ? " colleague shown." : " colleagues shown."));
  }
  input.addEventListener("input", filter);
  // Enter in the filter would send the form half written.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }
  });
});
