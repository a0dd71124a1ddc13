"use strict";
// The annotation page: one text at a time, spans as {start, end, label, state} where state is
// "suggested" (the model's, kept unless rejected), "drawn" (the user's) or "rejected". Offsets count
// code points, as the server's do: the text is kept as an array of them (`chars`), never sliced as a
// JS string, whose indices count UTF-16 units (an emoji is two).
const COLOURS = ["#ffd166", "#8ecae6", "#b8e0a8", "#f4a6a6", "#cdb4db", "#ffc6a5", "#a0e7e5", "#e2e2a0", "#d0d0ff"];
let labels = [];
let current = 0;
let item = null;
let spans = [];
let selected = -1;
let chars = [];
let busy = false;

const $ = (id) => document.getElementById(id);

async function call(method, path, body) {
  const response = await fetch(path, {
    method, headers: body ? {"Content-Type": "application/json"} : {}, body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json();
  if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
  return data;
}

function drawLabels() {
  const bar = $("labels");
  bar.textContent = "";
  labels.forEach((label, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `${index + 1} ${label}`;
    button.style.background = COLOURS[index % COLOURS.length];
    button.dataset.label = label;
    button.setAttribute("aria-pressed", String(index === current));
    button.addEventListener("click", () => choose(index));
    bar.appendChild(button);
  });
}

function choose(index) {
  if (index >= labels.length) return;
  current = index;
  if (selected >= 0) spans[selected] = {...spans[selected], label: labels[index], state: "drawn"};
  drawLabels();
  drawText();
}

function piece(text, start) {
  const span = document.createElement("span");
  span.dataset.start = String(start);
  span.textContent = text;
  return span;
}

function drawText() {
  const doc = $("doc");
  doc.textContent = "";
  if (!item) { doc.textContent = "Every text is annotated."; return; }
  const text = (start, end) => chars.slice(start, end).join("");
  let at = 0;
  spans.map((span, index) => ({...span, index})).sort((a, b) => a.start - b.start).forEach((span) => {
    if (span.start > at) doc.appendChild(piece(text(at, span.start), at));
    const mark = document.createElement("mark");
    mark.dataset.start = String(span.start);
    mark.dataset.label = span.label;
    mark.dataset.index = String(span.index);
    mark.className = [span.state, span.index === selected ? "selected" : ""].join(" ").trim();
    mark.style.background = COLOURS[Math.max(labels.indexOf(span.label), 0) % COLOURS.length];
    mark.textContent = text(span.start, span.end);
    const tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = span.label;
    mark.appendChild(tag);
    mark.addEventListener("click", (event) => { event.stopPropagation(); selected = span.index; drawText(); });
    doc.appendChild(mark);
    at = span.end;
  });
  if (at < chars.length) doc.appendChild(piece(text(at, chars.length), at));
}

function offset(node, within) {
  // `within` counts UTF-16 units of the node's text; the result counts code points of the whole text.
  const holder = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  if (!holder || holder.dataset.start === undefined) return null;
  return Number(holder.dataset.start) + Array.from(node.textContent.slice(0, within)).length;
}

function drawSelection() {
  const selection = window.getSelection();
  if (!item || selection.isCollapsed || selection.rangeCount === 0) return;
  const range = selection.getRangeAt(0);
  let start = offset(range.startContainer, range.startOffset);
  let end = offset(range.endContainer, range.endOffset);
  selection.removeAllRanges();
  if (start === null || end === null) return;
  while (start < end && /\s/.test(chars[start])) start += 1;
  while (end > start && /\s/.test(chars[end - 1])) end -= 1;
  if (end <= start) return;
  spans = spans.filter((span) => span.end <= start || span.start >= end);
  spans.push({start, end, label: labels[current], state: "drawn"});
  selected = -1;
  drawText();
}

async function next() {
  item = await call("GET", "/api/next");
  if (item.id === null) item = null;
  chars = item ? Array.from(item.text) : [];
  spans = item ? item.suggestions.map((s) => ({start: s.start, end: s.end, label: s.label, state: "suggested"})) : [];
  selected = -1;
  $("progress").textContent = item ? `${item.done} done, ${item.remaining} to go` : "";
  drawText();
}

async function save() {
  if (!item || busy) return;
  busy = true;
  const kept = spans.filter((span) => span.state !== "rejected").map((span) => [span.start, span.end, span.label]);
  try {
    await call("POST", "/api/decision", {id: item.id, spans: kept});
    await next();
  } catch (error) {
    $("progress").textContent = `not saved: ${error.message}`;
  } finally {
    busy = false;
  }
}

async function train() {
  try {
    const status = await call("POST", "/api/train");
    watch(status);
  } catch (error) {
    $("training").textContent = error.message;
  }
}

function watch(status) {
  const line = $("training");
  if (status.state === "training") {
    line.textContent = `training on ${status.examples} texts: step ${status.step} of about ${status.steps}`;
    setTimeout(async () => {
      try { watch(await call("GET", "/api/train")); } catch (error) { line.textContent = error.message; }
    }, 1000);
  } else if (status.state === "done") {
    line.textContent = `trained on ${status.examples} texts in ${Math.round(status.seconds)} s: suggestions now come from the new model`;
  } else if (status.state === "failed") {
    line.textContent = `training failed: ${status.error}`;
  }
}

document.addEventListener("keydown", (event) => {
  if (event.target.tagName === "INPUT" || event.target.tagName === "TEXTAREA") return;
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (/^[1-9]$/.test(event.key)) { choose(Number(event.key) - 1); event.preventDefault(); }
  else if (event.key === "Enter") { save(); event.preventDefault(); }
  else if ((event.key === "x" || event.key === "Delete") && selected >= 0) {
    const span = spans[selected];
    spans[selected] = {...span, state: span.state === "rejected" ? "drawn" : "rejected"};
    drawText();
  } else if (event.key === "Escape") { selected = -1; drawText(); }
  else if (event.key === "t") { train(); }
});

$("doc").addEventListener("mouseup", drawSelection);
$("save").addEventListener("click", save);
$("train").addEventListener("click", train);

(async () => {
  const state = await call("GET", "/api/state");
  labels = state.labels;
  drawLabels();
  if (state.training && state.training.state === "training") watch(state.training);
  await next();
})();
