"use strict";
// Talks to POST /v1/extract and draws the answer; every piece of user text goes in through textContent.
const COLOURS = ["#ffd166", "#a0e7a0", "#9ad0f5", "#f7a8b8", "#c9b6f2", "#f9c784", "#b5ead7", "#e2c2a0"];
const colourOf = new Map();
const $ = (id) => document.getElementById(id);

function colour(label) {
  if (!colourOf.has(label)) colourOf.set(label, COLOURS[colourOf.size % COLOURS.length]);
  return colourOf.get(label);
}

function draw(text, result) {
  const doc = $("doc");
  doc.replaceChildren();
  let position = 0;
  for (const entity of result.entities) {
    doc.append(document.createTextNode(text.slice(position, entity.start)));
    const mark = document.createElement("mark");
    mark.dataset.label = entity.label;
    mark.style.background = colour(entity.label);
    mark.append(document.createTextNode(entity.text));
    const tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = entity.label;
    mark.append(tag);
    doc.append(mark);
    position = entity.end;
  }
  doc.append(document.createTextNode(text.slice(position)));
  $("redacted").textContent = result.redacted || "";
  const groups = $("groups");
  groups.replaceChildren();
  for (const group of result.summary || []) {
    const item = document.createElement("li");
    item.dataset.label = group.label;
    item.style.borderLeft = "4px solid " + colour(group.label);
    item.textContent = `${group.name} (${group.label}) ×${group.count}`;
    groups.append(item);
  }

  const body = $("table").tBodies[0];
  body.replaceChildren();
  for (const entity of result.entities) {
    const row = body.insertRow();
    const shown = entity.value ? JSON.stringify(entity.value) : "";
    for (const value of [entity.text, entity.label, entity.start, entity.end, entity.score.toFixed(3), shown]) {
      row.insertCell().textContent = String(value);
    }
    row.dataset.label = entity.label;
  }

  const toggles = $("toggles");
  toggles.querySelectorAll("label").forEach((node) => node.remove());
  for (const label of [...new Set(result.entities.map((entity) => entity.label))].sort()) {
    const wrapper = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.label = label;
    box.addEventListener("change", () => {
      doc.querySelectorAll("mark").forEach((mark) => {
        if (mark.dataset.label === label) mark.classList.toggle("off", !box.checked);
      });
      body.querySelectorAll("tr").forEach((row) => { if (row.dataset.label === label) row.hidden = !box.checked; });
    });
    wrapper.append(box, document.createTextNode(" " + label));
    wrapper.style.borderBottom = "3px solid " + colour(label);
    toggles.append(wrapper);
  }
  $("output").hidden = false;
}

async function extract(event) {
  event.preventDefault();
  const text = $("text").value;
  $("status").textContent = "Extracting…";
  $("extract").disabled = true;
  try {
    const request = {
      text,
      patterns: $("patterns").checked,
      redact: $("style").value,
      keep_titles: $("keep-titles").checked,
      summary: true,
    };
    const operators = $("operators").value.trim();
    if (operators) {
      try {
        request.operators = JSON.parse(operators);
      } catch (error) {
        throw new Error("operators are not valid JSON: " + error.message);
      }
      const style = $("style").value;
      if (!("DEFAULT" in request.operators)) request.operators.DEFAULT = { type: style === "label" ? "replace" : style };
    }
    const response = await fetch("/v1/extract", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error ? answer.error.message : response.statusText);
    draw(text, answer.results[0]);
    $("status").textContent = answer.results[0].entities.length + " entities";
  } catch (error) {
    $("status").textContent = "Error: " + error.message;
  } finally {
    $("extract").disabled = false;
  }
}

$("form").addEventListener("submit", extract);
$("file").addEventListener("change", async () => {
  const file = $("file").files[0];
  if (file) $("text").value = await file.text();
});
$("show-labels").addEventListener("change", (event) => $("doc").classList.toggle("hide-tags", !event.target.checked));
$("redact-view").addEventListener("change", (event) => {
  $("doc").hidden = event.target.checked;
  $("redacted").hidden = !event.target.checked;
});
