// The print station: one input a barcode scanner types into (it types the
// code and presses Enter), a queue of what will print, a preview, and
// printing as one PDF for the browser's print dialog or as ZPL for a raw
// thermal printer. A waybill printed before goes out again only with a
// reason (a jam, a torn label), and the station shows which copy it was.
// Driven from the keyboard: the scan box keeps the focus.

import { get, post, path, page, requestId, retrying } from '../api.js';
import { h, replace, action, select, table, when, fromBase64, download, short, toast } from '../dom.js';
import { errorBox } from '../errors.js';
import { t, enumLabel } from '../i18n.js';
import { pagedList } from '../pager.js';

// A render takes at most this many labels (the API's limit).
const MAX_BATCH = 200;

// What the station holds for this tab's session, kept across re-renders
// (a language switch) and dropped on sign-out.
let state = fresh();

function fresh() {
  return { queue: [], selected: -1, done: [], size: 'LABEL_SIZE_76X130', dpi: '203', reason: '', previews: new Map() };
}

export function reset() {
  for (const url of state.previews.values()) URL.revokeObjectURL(url);
  state = fresh();
}

// render draws the station for merchant into root.
export function render(root, { merchant }) {
  const scan = h('input#scan', {
    type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', enterkeyhint: 'go',
    placeholder: t('station.scanPlaceholder'), 'aria-describedby': 'scan-hint',
  });
  const message = h('div#scan-msg.scan-msg', { 'aria-live': 'polite' });
  const queueBox = h('div#queue');
  const progress = h('div#progress.progress', { hidden: true });
  const reason = h('input#reprint-reason', { type: 'text', maxlength: '200', value: state.reason, placeholder: t('station.reasonPlaceholder') });
  const reasonBox = h('div.reprint', { hidden: true },
    h('label', { for: 'reprint-reason' }, t('station.reason')), reason,
    h('span.chips', ['jam', 'torn', 'smudged'].map((k) => h('button.chip', {
      type: 'button', onclick: () => { reason.value = t('station.reason.' + k); state.reason = reason.value; scan.focus(); },
    }, t('station.reason.' + k)))));
  const doneBox = h('div#done');
  const preview = h('img#preview.preview', { alt: t('station.previewAlt'), hidden: true });
  const previewNote = h('p.empty', t('station.previewNone'));
  const frame = h('iframe#print-frame.print-frame', { title: t('station.pdfTitle'), hidden: true });
  const size = select([['LABEL_SIZE_76X130', '76 × 130 mm'], ['LABEL_SIZE_100X180', '100 × 180 mm']], state.size, { id: 'label-size' });
  const dpi = select([['203', '203 dpi'], ['300', '300 dpi']], state.dpi, { id: 'zpl-dpi' });
  size.addEventListener('change', () => { state.size = size.value; showPreview(); });
  dpi.addEventListener('change', () => { state.dpi = dpi.value; });
  reason.addEventListener('input', () => { state.reason = reason.value; });

  const printPdf = action(t('station.printPdf'), () => print('LABEL_FORMAT_PDF'), { kind: 'primary', dataset: { act: 'print-pdf' }, onError: showError });
  const printZpl = action(t('station.printZpl'), () => print('LABEL_FORMAT_ZPL'), { dataset: { act: 'print-zpl' }, onError: showError });
  const clear = h('button', { type: 'button', onclick: () => { state.queue = []; state.selected = -1; drawQueue(); scan.focus(); } }, t('station.clear'));
  const jobs = pagedList((token, size) => page(path(merchant, '/printJobs'), 'printJobs', { pageSize: size, pageToken: token }),
    (list) => table([
      [t('col.time'), (j) => when(j.createTime)],
      [t('col.labels'), (j) => (j.labels || []).map((l) => h('span.tag', l.number, ' ', t('station.copy', { n: l.copy }))).slice(0, 6)],
      [t('col.format'), (j) => enumLabel('LabelFormat', j.format)],
      [t('col.reprintReason'), (j) => j.reprintReason || '—'],
      [t('col.actor'), (j) => short(j.actor)],
    ], list, { empty: t('station.noJobs') }), { size: 10, sizes: [10, 20, 50], label: t('station.jobs') });

  replace(root, h('section.station',
    h('div.station-main',
      h('form.scan', { onsubmit: (ev) => ev.preventDefault() },
        h('label', { for: 'scan' }, t('station.scan')), scan),
      h('p#scan-hint.hint', t('station.keys')),
      message,
      h('div.queue-head', h('h2', t('station.queue'), ' ', h('span#queue-count.badge', '0')),
        h('span.options', h('label', t('station.size'), ' ', size), h('label', t('station.dpi'), ' ', dpi))),
      queueBox, reasonBox,
      h('div.actions', printPdf, printZpl, clear),
      progress,
      h('h2', t('station.done')), doneBox),
    h('aside.station-side',
      h('h2', t('station.preview')), previewNote, preview, frame,
      h('h2', t('station.jobs')), jobs.el)));

  scan.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      (ev.shiftKey ? printZpl : printPdf).click();
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      const codes = scan.value.split(/[\s,;，；]+/).filter(Boolean);
      scan.value = '';
      if (codes.length) addCodes(codes);
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (state.queue.length) {
        state.selected = (state.selected + (ev.key === 'ArrowDown' ? 1 : -1) + state.queue.length) % state.queue.length;
        drawQueue();
      }
    } else if (ev.key === 'Delete' && scan.value === '' && state.selected >= 0) {
      // Delete only: a Backspace too many while clearing the box must
      // not drop a label from the queue.
      ev.preventDefault();
      remove(state.selected);
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      if (scan.value) scan.value = '';
      else if (ev.shiftKey) clear.click();
    }
  });
  reason.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      (ev.shiftKey && (ev.ctrlKey || ev.metaKey) ? printZpl : printPdf).click();
    } else if (ev.key === 'Escape') {
      scan.focus();
    }
  });
  // A scanner types wherever the focus is: keys typed outside any field
  // go to the scan box, so a stray click does not lose a scan.
  root.ownerDocument.addEventListener('keydown', redirect);
  function redirect(ev) {
    if (!root.isConnected || !scan.isConnected) {
      root.ownerDocument.removeEventListener('keydown', redirect);
      return;
    }
    const tag = ev.target && ev.target.tagName;
    if (ev.key.length === 1 && !ev.ctrlKey && !ev.altKey && !ev.metaKey && !['INPUT', 'TEXTAREA', 'SELECT'].includes(tag) &&
        !ev.target.closest('dialog')) {
      scan.focus();
    }
  }

  drawQueue();
  drawDone();
  scan.focus();

  function showError(err) {
    replace(message, errorBox(err));
  }

  function note(kind, text) {
    replace(message, h('p.note.' + kind, text));
  }

  // addCodes looks each code up and queues what it names.
  async function addCodes(codes) {
    let added = 0;
    const problems = [];
    if (codes.length > 1) setProgress(0, codes.length, t('station.looking'));
    for (const [i, code] of codes.entries()) {
      try {
        const { candidates = [] } = await get(path(merchant, '/labels:lookup'), { code });
        for (const c of candidates) {
          if (c.state === 'WAYBILL_STATE_CANCELLED') {
            problems.push(h('p.note.error', { dataset: { number: c.number } }, t('station.cancelled', { number: c.number })));
          } else if (state.queue.some((q) => q.number === c.number)) {
            state.selected = state.queue.findIndex((q) => q.number === c.number);
            problems.push(h('p.note.info', t('station.already', { number: c.number })));
          } else if (state.queue.length >= MAX_BATCH) {
            problems.push(h('p.note.error', t('station.full', { n: MAX_BATCH })));
          } else {
            state.queue.push({ ...c, code });
            state.selected = state.queue.length - 1;
            added++;
          }
        }
      } catch (err) {
        problems.push(h('div', h('p.note.error', t('station.lookupFailed', { code })), errorBox(err)));
      }
      if (codes.length > 1) setProgress(i + 1, codes.length, t('station.looking'));
    }
    setProgress();
    if (problems.length) replace(message, problems);
    else note('ok', t('station.added', { n: added }));
    drawQueue();
  }

  function remove(i) {
    state.queue.splice(i, 1);
    state.selected = Math.min(state.selected, state.queue.length - 1);
    drawQueue();
  }

  function drawQueue() {
    replace(document.getElementById('queue-count') || h('span'), String(state.queue.length));
    const reprints = state.queue.filter((q) => Number(q.printCount || 0) > 0).length;
    reasonBox.hidden = reprints === 0;
    replace(queueBox, table([
      ['#', (q, i) => String(i + 1)],
      [t('col.number'), (q) => h('span.mono', q.number)],
      [t('col.carrier'), (q) => q.carrier.replace('carriers/', '')],
      [t('col.order'), (q) => [q.orderCode, q.packageId && q.packageId !== '1' ? ' #' + q.packageId : '']],
      [t('col.prints'), (q) => Number(q.printCount || 0) > 0
        ? h('span.badge.warn', { dataset: { prints: q.printCount || 0 } }, t('station.reprintOf', { n: q.printCount }))
        : h('span.badge', { dataset: { prints: 0 } }, t('station.new'))],
      ['', (q, i) => h('button.link', { type: 'button', title: t('station.remove'), onclick: (ev) => { ev.stopPropagation(); remove(i); } }, '✕')],
    ], state.queue, {
      empty: t('station.queueEmpty'),
      onRow: (q) => { state.selected = state.queue.indexOf(q); drawQueue(); },
      rowProps: (q, i) => ({ class: i === state.selected ? 'selected' : '', dataset: { number: q.number } }),
    }));
    showPreview();
  }

  function drawDone() {
    replace(doneBox, table([
      [t('col.number'), (d) => h('span.mono', d.number)],
      [t('col.copy'), (d) => h('span.badge' + (d.copy > 1 ? '.warn' : ''), { dataset: { copy: d.copy } }, t('station.copy', { n: d.copy }))],
      [t('col.format'), (d) => d.format],
      [t('col.reprintReason'), (d) => d.reason || '—'],
      [t('col.time'), (d) => when(d.time)],
    ], state.done, { empty: t('station.noneDone'), rowProps: (d) => ({ dataset: { number: d.number, copy: d.copy } }) }));
  }

  // showPreview renders the selected label as a PNG preview (nothing is
  // recorded), once per number and stock.
  async function showPreview() {
    const q = state.queue[state.selected];
    if (!q) {
      preview.hidden = true;
      previewNote.hidden = false;
      return;
    }
    const key = q.number + '|' + state.size;
    try {
      if (!state.previews.has(key)) {
        const out = await post(path(merchant, '/labels:render'), {
          numbers: [q.number], format: 'LABEL_FORMAT_PNG', purpose: 'LABEL_PURPOSE_PREVIEW', size: state.size,
        });
        const png = new Blob([fromBase64(out.documents[0].content)], { type: 'image/png' });
        state.previews.set(key, URL.createObjectURL(png));
      }
      if (state.queue[state.selected] !== q) return; // moved on meanwhile
      preview.src = state.previews.get(key);
      preview.alt = t('station.previewOf', { number: q.number });
      preview.hidden = false;
      previewNote.hidden = true;
    } catch (err) {
      replace(message, errorBox(err));
    }
  }

  // print prints the whole queue as one job in format. A network failure
  // is retried with the same request id: the server answers a retry of a
  // recorded print with the same job and counts nothing again.
  async function print(format) {
    if (!state.queue.length) {
      note('error', t('station.nothing'));
      scan.focus();
      return;
    }
    const reprints = state.queue.filter((q) => Number(q.printCount || 0) > 0);
    const why = reason.value.trim();
    if (reprints.length && !why) {
      note('error', t('station.needReason', { numbers: reprints.map((q) => q.number).join(', ') }));
      reason.focus();
      return;
    }
    const body = {
      numbers: state.queue.map((q) => q.number), format, purpose: 'LABEL_PURPOSE_PRINT', size: state.size,
      requestId: requestId('console'), reprintReason: reprints.length ? why : '',
    };
    if (format === 'LABEL_FORMAT_ZPL') body.dpi = Number(state.dpi);
    setProgress(-1, 0, t('station.rendering', { n: body.numbers.length }));
    let out;
    try {
      out = await retrying(() => post(path(merchant, '/labels:render'), body),
        (n) => setProgress(-1, 0, t('station.retrying', { n })));
    } finally {
      setProgress();
    }
    const doc = out.documents[0];
    const bytes = fromBase64(doc.content);
    const time = out.printJob && out.printJob.createTime;
    for (const l of out.labels) {
      state.done.unshift({ number: l.number, copy: l.copy, format: format.replace('LABEL_FORMAT_', ''), reason: body.reprintReason, time });
    }
    state.queue = [];
    state.selected = -1;
    reason.value = state.reason = '';
    drawQueue();
    drawDone();
    jobs.first();
    note('ok', t('station.printed', { n: out.labels.length, job: (out.printJob && out.printJob.name || '').split('/').pop() }));
    if (format === 'LABEL_FORMAT_PDF') {
      openForPrinting(bytes);
    } else {
      download(bytes, 'application/zpl', 'labels-' + new Date().toISOString().replace(/[:.]/g, '-') + '.zpl');
      toast(t('station.zplSaved'));
    }
    scan.focus();
  }

  // openForPrinting shows the PDF in the side frame and opens the
  // browser's print dialog for it; the frame stays, to print again from
  // the browser's viewer or save the file.
  function openForPrinting(bytes) {
    if (frame.src) URL.revokeObjectURL(frame.src);
    frame.hidden = false;
    frame.onload = () => {
      frame.onload = null;
      setTimeout(() => {
        try {
          frame.contentWindow.focus();
          frame.contentWindow.print();
        } catch (err) {
          note('info', t('station.printManually'));
        }
      }, 100);
    };
    frame.src = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
  }

  // setProgress shows done of total (-1: no count known) with text; no
  // arguments hides it.
  function setProgress(done, total, text) {
    if (text === undefined) {
      progress.hidden = true;
      return;
    }
    progress.hidden = false;
    const bar = done < 0 ? h('progress') : h('progress', { max: String(total), value: String(done) });
    replace(progress, bar, h('span', done < 0 ? text : text + ' ' + done + '/' + total));
  }
}
