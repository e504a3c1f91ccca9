// "Add a language" / "Remove this language" (and the same for skills and qualifications) without
// a round trip. Both are submit buttons that the server handles on its own (see
// placement/experts/forms.py RowsForm), so without JavaScript they still work.
// Runs as a deferred script, before the combobox enhances the rows, so the copy it keeps of a
// row is the plain server markup.
(function () {
  "use strict";
  var templates = {};
  var next = {};

  function indexOf(row) {
    var named = row.querySelector("[name]");
    var match = named && /-(\d+)-/.exec(named.getAttribute("name"));
    return match ? parseInt(match[1], 10) : -1;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-rows]"), function (box) {
    var name = box.getAttribute("data-rows");
    var rows = box.querySelectorAll("[data-row]");
    if (!rows.length) { return; }
    var last = rows[rows.length - 1];
    templates[name] = { html: last.outerHTML, index: indexOf(last) };
    next[name] = Math.max.apply(null, Array.prototype.map.call(rows, indexOf)) + 1;
  });

  function fresh(name) {
    var template = templates[name];
    var from = name + "-" + template.index + "-";
    var to = name + "-" + next[name] + "-";
    var holder = document.createElement("div");
    holder.innerHTML = template.html.split(from).join(to)
      .split('value="' + name + "-" + template.index + '"').join('value="' + name + "-" + next[name] + '"');
    var row = holder.firstElementChild;
    next[name] += 1;
    Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (e) { e.remove(); });
    Array.prototype.forEach.call(row.querySelectorAll("[aria-invalid]"), function (e) {
      e.removeAttribute("aria-invalid");
      var help = row.querySelector("#" + CSS.escape(e.id + "-help"));
      if (help) { e.setAttribute("aria-describedby", help.id); } else { e.removeAttribute("aria-describedby"); }
    });
    Array.prototype.forEach.call(row.querySelectorAll("input"), function (e) {
      if (e.type === "checkbox" || e.type === "radio") { e.checked = false; } else { e.value = ""; e.removeAttribute("value"); }
    });
    Array.prototype.forEach.call(row.querySelectorAll("select"), function (e) {
      Array.prototype.forEach.call(e.options, function (o) { o.removeAttribute("selected"); });
      e.selectedIndex = 0;
    });
    return row;
  }

  function renumber(box) {
    Array.prototype.forEach.call(box.querySelectorAll("[data-row] > legend"), function (legend, i) {
      legend.textContent = legend.textContent.replace(/\d+/, String(i + 1));
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest && event.target.closest("[data-add-row]");
    if (add) {
      var name = add.getAttribute("data-add-row");
      var box = document.querySelector('[data-rows="' + name + '"]');
      if (!box || !templates[name]) { return; }  // no row to copy: let the server add one
      event.preventDefault();
      var row = fresh(name);
      box.appendChild(row);
      renumber(box);
      if (window.homewardCombobox) { window.homewardCombobox.enhance(row); }
      var first = row.querySelector("input:not([type=hidden]), select:not([hidden]), textarea");
      if (first) { first.focus(); }
      return;
    }
    var remove = event.target.closest && event.target.closest("[data-remove-row]");
    if (remove) {
      var doomed = remove.closest("[data-row]");
      var container = doomed && doomed.parentNode;
      if (!doomed) { return; }
      event.preventDefault();
      var name2 = container.getAttribute("data-rows");
      doomed.remove();
      renumber(container);
      var adder = document.querySelector('[data-add-row="' + name2 + '"]');
      if (adder) { adder.focus(); }
    }
  });
})();
