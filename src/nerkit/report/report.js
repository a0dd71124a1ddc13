const DATA = JSON.parse(document.getElementById('report-data').textContent);
const PAGE = 100;
function mark(words, spans, other, showScore) {
  const line = document.createElement('span');
  const starts = new Map(spans.map(s => [s.start, s]));
  for (let i = 0; i < words.length; ) {
    const span = starts.get(i);
    if (span) {
      const m = document.createElement('mark');
      const same = other && other.some(o => o.start === span.start && o.end === span.end && o.type === span.type);
      m.dataset.kind = other === null ? 'gold' : (same ? 'right' : 'wrong');
      m.textContent = words.slice(span.start, span.end).join(' ');
      const sub = document.createElement('sub');
      sub.textContent = span.type + (showScore && span.score !== undefined ? ' ' + span.score.toFixed(2) : '');
      m.appendChild(sub);
      line.appendChild(m); line.appendChild(document.createTextNode(' '));
      i = span.end;
    } else {
      line.appendChild(document.createTextNode(words[i] + ' ')); i += 1;
    }
  }
  return line;
}
function row(label, content) {
  const div = document.createElement('div'); div.className = 'line';
  const b = document.createElement('b'); b.textContent = label; div.appendChild(b); div.appendChild(content);
  return div;
}
function browser(id, records, matches, render) {
  const box = document.getElementById(id);
  const list = box.querySelector('.list'), count = box.querySelector('.count'), more = box.querySelector('.more');
  let shown = 0, chosen = [];
  function page() {
    for (const record of chosen.slice(shown, shown + PAGE)) list.appendChild(render(record));
    shown = Math.min(shown + PAGE, chosen.length);
    more.hidden = shown >= chosen.length;
  }
  function update() {
    chosen = records.filter(matches);
    const order = box.querySelector('select[name=order]');
    if (order) {
      const sign = order.value === 'low' ? 1 : -1;
      chosen.sort((a, b) => sign * (a.confidence - b.confidence) || a.index - b.index);
    }
    list.replaceChildren(); shown = 0;
    count.textContent = chosen.length + ' of ' + records.length + ' sentences';
    page();
  }
  box.querySelectorAll('select').forEach(s => s.addEventListener('change', update));
  more.addEventListener('click', page);
  update();
}
function value(box, name) { return document.querySelector('#' + box + ' select[name=' + name + ']').value; }
DATA.models.forEach((model, m) => {
  const id = 'errors-' + m;
  browser(id, model.errors, r => {
    const kind = value(id, 'kind'), type = value(id, 'type');
    return (kind === 'all' || r.kinds.includes(kind)) && (type === 'all' || r.types.includes(type));
  }, r => {
    const div = document.createElement('div'); div.className = 'error';
    const head = document.createElement('div'); head.className = 'head';
    head.textContent = r.id + '  ·  confidence ' + r.confidence.toFixed(3) + '  ·  ' + r.kinds.join(', ');
    div.appendChild(head);
    div.appendChild(row('gold', mark(r.words, r.gold, null, false)));
    div.appendChild(row('predicted', mark(r.words, r.predicted, r.gold, true)));
    return div;
  });
});
if (DATA.disagreements) {
  browser('disagreements', DATA.disagreements, r => {
    const right = value('disagreements', 'right'), type = value('disagreements', 'type');
    return (right === 'all' || r.right === right) && (type === 'all' || r.types.includes(type));
  }, r => {
    const div = document.createElement('div'); div.className = 'error';
    const head = document.createElement('div'); head.className = 'head';
    head.textContent = r.id + '  ·  exactly right: ' + (r.right === 'neither' ? 'neither' : DATA.names[r.right === 'first' ? 0 : 1]);
    div.appendChild(head);
    div.appendChild(row('gold', mark(r.words, r.gold, null, false)));
    div.appendChild(row(DATA.names[0], mark(r.words, r.first, r.gold, false)));
    div.appendChild(row(DATA.names[1], mark(r.words, r.second, r.gold, false)));
    return div;
  });
}
