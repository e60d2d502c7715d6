/* OneStop public pages: small enhancements only. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  /* The stations list follows the chosen industry (stations for every industry always stay). */
  function stationFilter() {
    var industry = $("#id_industry");
    var select = $("[data-station-select]");
    if (!industry || !select) return;
    var groups = $$("optgroup", select).map(function (group) {
      return { label: group.label, options: $$("option", group).map(function (o) { return o.cloneNode(true); }) };
    });
    function apply() {
      var chosen = industry.value;
      var current = select.value;
      $$("optgroup", select).forEach(function (g) { g.remove(); });
      groups.forEach(function (group) {
        var keep = group.options.filter(function (o) {
          var own = o.getAttribute("data-industry");
          return !chosen || !own || own === chosen || o.value === current;
        });
        if (!keep.length) return;
        var node = document.createElement("optgroup");
        node.label = group.label;
        keep.forEach(function (o) {
          var copy = o.cloneNode(true);
          copy.selected = o.value === current;
          node.appendChild(copy);
        });
        select.appendChild(node);
      });
    }
    industry.addEventListener("change", apply);
    apply();
  }

  /* A category's amount shows once the category is ticked. */
  function categories() {
    $$("[data-category]").forEach(function (box) {
      var input = $("input[type=checkbox]", box);
      function sync() { box.classList.toggle("on", input.checked); }
      input.addEventListener("change", sync);
      sync();
    });
  }

  /* "Still employed" hides the end date. */
  function stillEmployed() {
    var still = $("#id_still_employed");
    var ended = $("[data-ended]");
    if (!still || !ended) return;
    function sync() { ended.classList.toggle("hidden", still.checked && !$(".has-error", ended)); }
    still.addEventListener("change", function () {
      if (still.checked) $$("input", ended).forEach(function (input) { input.value = ""; });
      sync();
    });
    sync();
  }

  /* Formset rows: add from the <template>, "remove" empties and hides a row (an empty row is ignored). */
  function formsets() {
    $$("[data-add-row]").forEach(function (button) {
      var prefix = button.getAttribute("data-add-row");
      var total = $("#id_" + prefix + "-TOTAL_FORMS");
      var max = $("#id_" + prefix + "-MAX_NUM_FORMS");
      var rows = $("[data-rows='" + prefix + "']");
      var template = $("#" + prefix + "-template");
      if (!total || !rows || !template) return;
      function limit() { button.disabled = max && +total.value >= +max.value; }
      button.addEventListener("click", function () {
        var index = +total.value;
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var row = holder.firstElementChild;
        rows.appendChild(row);
        total.value = index + 1;
        limit();
        var first = $("select, input", row);
        if (first) first.focus();
        document.dispatchEvent(new CustomEvent("onestop:rows"));
      });
      limit();
    });
    document.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-row]");
      if (!remove) return;
      var row = remove.closest("[data-row]");
      $$("input, select, textarea", row).forEach(function (el) {
        if (el.type === "checkbox") el.checked = false; else el.value = "";
      });
      row.hidden = true;
      row.setAttribute("data-removed", "");
      document.dispatchEvent(new CustomEvent("onestop:rows"));
    });
  }

  /* Collective filing: count the people, ask for representatives at ten. */
  function collective() {
    var box = $("[data-collective]");
    if (!box) return;
    var out = $("[data-people-count]", box);
    var reps = $("[data-representatives]", box);
    function sync() {
      var people = 1 + $$("[data-rows='cw'] [data-row]:not([data-removed])").length;
      if (out) {
        out.textContent = (out.getAttribute(people >= 10 ? "data-many" : "data-one") || "")
          .replace("%n", String(people));
      }
      if (reps) reps.classList.toggle("needed", people >= 10);
    }
    document.addEventListener("onestop:rows", sync);
    sync();
  }

  /* Files: show what was chosen, warn before sending too many, let an already uploaded file be removed. */
  function files() {
    $$("[data-chosen-files]").forEach(function (list) {
      var form = list.closest("form");
      var inputs = $$("input[type=file]", form);
      var max = +(form.getAttribute("data-max-files") || 0);
      function sync() {
        list.innerHTML = "";
        var count = $$("[data-upload]", form).length;
        inputs.forEach(function (input) {
          Array.prototype.forEach.call(input.files || [], function (file) {
            count += 1;
            var li = document.createElement("li");
            var size = file.size > 1048576 ? (file.size / 1048576).toFixed(1) + " MB" : Math.ceil(file.size / 1024) + " KB";
            li.textContent = (list.getAttribute("data-pending") || "") + file.name + " (" + size + ")";
            list.appendChild(li);
          });
        });
        if (max && count > max) {
          var warn = document.createElement("li");
          warn.className = "error";
          warn.textContent = (list.getAttribute("data-too-many") || "")
            .replace("%max", String(max)).replace("%n", String(count));
          list.appendChild(warn);
        }
      }
      inputs.forEach(function (input) { input.addEventListener("change", sync); });
    });
    document.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-upload]");
      if (remove) remove.closest("[data-upload]").remove();
    });
  }

  /* One tap sends once; the server's idempotency token covers the rest. */
  function submitOnce() {
    $$("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = $("[data-submit]", form);
        if (!button) return;
        setTimeout(function () {
          button.disabled = true;
          button.textContent = button.getAttribute("data-busy") || button.textContent;
        }, 0);
      });
    });
  }

  function focusErrors() {
    var summary = $("#error-summary") || $("#notices") || $("#track-error");
    if (summary) { summary.scrollIntoView(); if (summary.focus) summary.focus({ preventScroll: true }); }
  }

  /* The confirmation page: draw the codes onto an image the worker can keep in their photos. */
  function saveImage() {
    var button = $("[data-save-image]");
    if (button) {
      button.addEventListener("click", function () {
        var receipts = $$("[data-receipt]");
        var scale = 2, width = 360, rowHeight = 190, head = 70, foot = 60;
        var canvas = document.createElement("canvas");
        canvas.width = width * scale;
        canvas.height = (head + rowHeight * receipts.length + foot) * scale;
        var ctx = canvas.getContext("2d");
        ctx.scale(scale, scale);
        ctx.fillStyle = "#fff";
        ctx.fillRect(0, 0, width, canvas.height);
        ctx.fillStyle = "#b3261e";
        ctx.fillRect(0, 0, width, 8);
        ctx.textAlign = "center";
        ctx.fillStyle = "#1d2733";
        var font = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
        ctx.font = "bold 20px " + font;
        ctx.fillText(button.getAttribute("data-title"), width / 2, 44);
        receipts.forEach(function (r, i) {
          var y = head + i * rowHeight;
          ctx.strokeStyle = "#1d2733";
          ctx.strokeRect(16, y, width - 32, rowHeight - 16);
          ctx.fillStyle = "#5b6775";
          ctx.font = "15px " + font;
          ctx.fillText(r.getAttribute("data-name"), width / 2, y + 26);
          ctx.fillText(button.getAttribute("data-code-label"), width / 2, y + 52);
          ctx.fillText(button.getAttribute("data-pin-label"), width / 2, y + 118);
          ctx.fillStyle = "#1d2733";
          ctx.font = "bold 32px ui-monospace, monospace";
          ctx.fillText(r.getAttribute("data-code"), width / 2, y + 88);
          ctx.fillStyle = "#b3261e";
          ctx.fillText(r.getAttribute("data-pin"), width / 2, y + 154);
        });
        ctx.fillStyle = "#5b6775";
        ctx.font = "12px " + font;
        ctx.fillText(button.getAttribute("data-site"), width / 2, canvas.height / scale - 28);
        var link = document.createElement("a");
        link.download = button.getAttribute("data-filename") || "onestop.png";
        link.href = canvas.toDataURL("image/png");
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    }
    var print = $("[data-print]");
    if (print) print.addEventListener("click", function () { window.print(); });
  }

  function start() {
    stationFilter();
    categories();
    stillEmployed();
    formsets();
    collective();
    files();
    submitOnce();
    saveImage();
    focusErrors();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
