// Accessible suggestions (the WAI-ARIA "combobox with list autocomplete" pattern) for
//  - text inputs marked data-autocomplete="skill" or "occupation": ESCO suggestions from
//    /taxonomy/search, the same resolver the matching engine uses;
//  - selects marked data-combobox: the select's own options, searched as you type.
// Progressive enhancement: without JavaScript the input takes free text and the select stays a
// select. Keys: Down/Up move through the suggestions, Enter picks one, Escape closes the list
// (or clears the text when it is closed). Touch: tap a suggestion.
// Strings come translated on the script element itself (templates/_scripts.html): data-hint,
// data-count, data-none, data-pick, data-list, "{n}" standing for a number.
(function () {
  "use strict";
  var script = document.currentScript;
  var counter = 0;
  var MAX_SHOWN = 12;

  function strings() {
    var node = script;
    var read = function (name, fallback) {
      return (node && node.getAttribute("data-" + name)) || fallback;
    };
    return {
      hint: read("hint", "Suggestions appear as you type. Use the up and down arrows to choose."),
      count: read("count", "Suggestions: {n}. Use the up and down arrows to choose."),
      none: read("none", "No suggestions."),
      pick: read("pick", "Pick one of the suggestions."),
      list: read("list", "Suggestions")
    };
  }

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  // One combobox. ``source(query, done)`` calls done([{value, label}]) with suggestions;
  // ``onPick(item)`` runs when one is chosen.
  function Combobox(input, source, onPick) {
    var id = "combobox-" + (++counter);
    var text = strings();
    var wrapper = document.createElement("div");
    wrapper.className = "combobox";
    // Out of a wrapping <label> (its for= still names the input): the suggestions and the hint
    // must not become part of the field's name.
    var around = input.parentNode.closest ? input.parentNode.closest("label") : null;
    if (around && input.id && around.getAttribute("for") === input.id) {
      around.parentNode.insertBefore(wrapper, around.nextSibling);
    } else {
      input.parentNode.insertBefore(wrapper, input);
    }
    wrapper.appendChild(input);
    var list = document.createElement("ul");
    list.id = id + "-listbox";
    list.className = "combobox-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    wrapper.appendChild(list);
    var hint = document.createElement("small");
    hint.id = id + "-hint";
    hint.className = "combobox-hint";
    hint.textContent = text.hint;
    wrapper.parentNode.insertBefore(hint, wrapper.nextSibling);
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    wrapper.appendChild(status);
    // Its own name ("Suggestions"), not the field's label: one label, one field.
    list.setAttribute("aria-label", text.list);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(hint.id);
    input.setAttribute("aria-describedby", described.join(" "));

    var items = [];
    var active = -1;
    var asked = 0;
    var timer = null;
    var firstWanted = false;  // Down on a closed list opens it on its first suggestion

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.children;
      if (active >= 0 && options[active]) { options[active].setAttribute("aria-selected", "false"); }
      active = index;
      if (index < 0 || !options[index]) { input.removeAttribute("aria-activedescendant"); return; }
      options[index].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[index].id);
      if (options[index].scrollIntoView) { options[index].scrollIntoView({ block: "nearest" }); }
    }

    function pick(index) {
      var item = items[index];
      if (!item) { return; }
      input.value = item.label;
      close();
      onPick(item);
    }

    function show(found) {
      items = found.slice(0, MAX_SHOWN);
      while (list.firstChild) { list.removeChild(list.firstChild); }
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = id + "-option-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        // Keep the focus in the input while a pointer or finger picks a suggestion.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { pick(index); input.focus(); });
        list.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var wanted = firstWanted;
      firstWanted = false;
      if (items.length && document.activeElement === input) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = text.count.replace("{n}", String(items.length));
        if (wanted) { highlight(0); }
      } else {
        close();
        status.textContent = input.value.trim().length >= 2 ? text.none : "";
      }
    }

    // Suggestions for the text now; ``delay`` 0 asks at once (the Down key), so a local list is
    // open before the next key arrives.
    function ask(delay) {
      clearTimeout(timer);
      var query = input.value;
      var ticket = ++asked;
      var run = function () {
        source(query, function (found) { if (ticket === asked) { show(found); } });
      };
      if (delay) { timer = setTimeout(run, delay); } else { run(); }
    }

    input.addEventListener("input", function () { firstWanted = false; ask(180); });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "Down") {
        event.preventDefault();
        if (!open) { firstWanted = true; ask(0); return; }
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp" || event.key === "Up") {
        event.preventDefault();
        if (open) { highlight(active <= 0 ? items.length - 1 : active - 1); }
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); pick(active); }
      } else if (event.key === "Escape" || event.key === "Esc") {
        if (open) { event.preventDefault(); close(); } else if (input.value) { input.value = ""; onPick(null); }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    return { status: status, text: text };
  }

  function remote(input) {
    var kind = input.getAttribute("data-autocomplete");
    Combobox(input, function (query, done) {
      query = query.trim();
      if (query.length < 2) { done([]); return; }
      var url = "/taxonomy/search?kind=" + encodeURIComponent(kind) + "&q=" + encodeURIComponent(query);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          done(data.results.map(function (hit) { return { value: hit.label, label: hit.label }; }));
        })
        .catch(function () { done([]); });  // suggestions are optional: free text still works
    }, function () {});
  }

  // A select becomes a text input searching its options; the select stays in the form
  // (hidden) and carries the chosen value, so the server sees exactly what it did before.
  function local(select) {
    var options = Array.prototype.filter.call(select.options, function (o) { return o.value; });
    var input = document.createElement("input");
    input.type = "text";
    input.className = "combobox-input";
    input.id = select.id;
    select.id = select.id + "-select";
    input.value = select.value ? select.options[select.selectedIndex].text : "";
    ["aria-invalid", "aria-describedby"].forEach(function (name) {
      if (select.hasAttribute(name)) { input.setAttribute(name, select.getAttribute(name)); }
    });
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.parentNode.insertBefore(input, select);
    var box = Combobox(input, function (query, done) {
      var needle = fold(query);
      if (!needle) { done(options.slice(0, MAX_SHOWN).map(toItem)); return; }
      var starts = [], words = [];
      options.forEach(function (o) {
        var name = fold(o.text);
        if (name.indexOf(needle) === 0 || o.value === needle) { starts.push(o); }
        else if ((" " + name).indexOf(" " + needle) >= 0 || name.indexOf("(" + needle) >= 0) { words.push(o); }
      });
      done(starts.concat(words).map(toItem));
    }, function (item) {
      select.value = item ? item.value : "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    function toItem(o) { return { value: o.value, label: o.text }; }
    // Typed text that is exactly a name counts as choosing it; other text is not a choice.
    input.addEventListener("change", function () {
      var typed = fold(input.value);
      var found = options.filter(function (o) { return fold(o.text) === typed; })[0];
      select.value = found ? found.value : "";
      if (typed && !found) { box.status.textContent = box.text.pick; input.setAttribute("aria-invalid", "true"); }
      else { input.removeAttribute("aria-invalid"); }
    });
  }

  function enhance(root) {
    Array.prototype.forEach.call(root.querySelectorAll("input[data-autocomplete]"), remote);
    Array.prototype.forEach.call(root.querySelectorAll("select[data-combobox]"), local);
  }

  window.homewardCombobox = { enhance: enhance };
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
})();
