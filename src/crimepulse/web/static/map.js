// The map's readout: a focused or hovered borough's figures, in words, under the map
// (the same text as its <title> tooltip and aria-label). The page works without it.
document.querySelectorAll("#map a.borough").forEach(function (link) {
  var show = function () {
    document.getElementById("readout").textContent = link.getAttribute("aria-label");
  };
  link.addEventListener("focus", show);
  link.addEventListener("mouseenter", show);
});
