/* directcrm forms: search pickers and rows that can be added and removed.
 * Served from the package (no CDN, no library). Without JavaScript the fields still
 * work as plain text inputs. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var self = this, args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  /* A text input with data-picker="<url>" and list="<datalist id>": as one types, the
   * datalist is filled with the endpoint's suggestions ({results: [{value, label,
   * detail}]}); picking one puts its value (a ref or sku) in the field. */
  function picker(input) {
    if (input.dataset.pickerReady) { return; }
    input.dataset.pickerReady = "1";
    var last = null;
    var load = debounce(function () {
      var list = document.getElementById(input.getAttribute("list"));
      var q = input.value.trim();
      if (!list || q === last) { return; }
      last = q;
      fetch(input.dataset.picker + "?q=" + encodeURIComponent(q),
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {results: []}; })
        .then(function (data) {
          list.textContent = "";
          (data.results || []).forEach(function (s) {
            var option = document.createElement("option");
            option.value = s.value;
            option.label = s.label + (s.detail ? " · " + s.detail : "");
            option.textContent = option.label;
            list.appendChild(option);
          });
        })
        .catch(function () { last = null; });
    }, 180);
    input.addEventListener("input", load);
    input.addEventListener("focus", load);
  }

  /* A table with data-rows="<group>": inputs named <group>-<i>-<key>. "+" copies the last
   * row empty; "✕" removes a row (the last one is emptied instead). Rows are renumbered
   * so the server reads them in order. */
  function rows(table) {
    var group = table.dataset.rows;
    var body = table.tBodies[0];
    function renumber() {
      Array.prototype.forEach.call(body.rows, function (row, i) {
        row.querySelectorAll("[name]").forEach(function (el) {
          el.name = el.name.replace(new RegExp("^" + group + "-\\d+-"), group + "-" + i + "-");
        });
      });
    }
    function wire(row) {
      var remove = row.querySelector("[data-remove-row]");
      if (remove) {
        remove.addEventListener("click", function () {
          if (body.rows.length > 1) {
            row.remove();
            renumber();
          } else {
            row.querySelectorAll("input, select").forEach(function (el) { el.value = ""; });
          }
        });
      }
      row.querySelectorAll("[data-picker]").forEach(picker);
    }
    Array.prototype.forEach.call(body.rows, wire);
    var add = document.querySelector("[data-add-row='" + group + "']");
    if (add) {
      add.addEventListener("click", function () {
        var copy = body.rows[body.rows.length - 1].cloneNode(true);
        copy.querySelectorAll("input, select").forEach(function (el) {
          el.value = "";
          delete el.dataset.pickerReady;
        });
        copy.querySelectorAll(".error").forEach(function (el) { el.remove(); });
        body.appendChild(copy);
        renumber();
        wire(copy);
        var first = copy.querySelector("input, select");
        if (first) { first.focus(); }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-picker]").forEach(picker);
    document.querySelectorAll("table[data-rows]").forEach(rows);
  });
}());
