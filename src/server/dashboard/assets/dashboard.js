// Progressive enhancement only: every page works without this script (links, forms, a manual
// reload). With it, pages that show job results follow running work: the progress of running
// jobs is written into the live region, and the page reloads when work it was waiting for ends.
// Work that starts by itself (a scheduled poll) only offers a reload button, so the page never
// changes under someone who is reading it or typing in a form.
(function () {
  'use strict';
  var body = document.body;
  var base = body.getAttribute('data-base') || '';
  var signature = body.getAttribute('data-signature');
  var live = document.getElementById('live');
  if (!signature) return;

  var busy = body.hasAttribute('data-busy');
  // A page reached by pressing a button ("Replay queued") waits for that work even when, at the
  // moment it was drawn, a worker had taken the job but not yet started its run.
  // The same for a page that shows the outcome of such work once it is done (data-awaiting).
  var watching = busy || body.hasAttribute('data-awaiting') || new URL(window.location.href).searchParams.has('notice');
  var failures = 0;

  function typing() {
    var el = document.activeElement;
    return el && (el.tagName === 'INPUT' || el.tagName === 'SELECT' || el.tagName === 'TEXTAREA');
  }

  // The notice in the URL ("Replay queued") described the moment of the press, not the result.
  function reload() {
    var url = new URL(window.location.href);
    url.searchParams.delete('notice');
    window.location.replace(url.toString());
  }

  function offerReload() {
    if (!live || live.querySelector('button')) return;
    live.textContent = 'New results are available. ';
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Reload';
    button.addEventListener('click', reload);
    live.appendChild(button);
  }

  function describe(state) {
    var parts = state.running.map(function (r) { return r.link + ': ' + r.kind + ' — ' + r.progress + (r.eta ? ' — ' + r.eta : ''); });
    state.waiting.forEach(function (w) { parts.push(w.link + ': ' + w.detail + ' (queued' + (w.eta ? ', ' + w.eta : '') + ')'); });
    return parts.join(' · ');
  }

  function poll() {
    fetch(base + '/activity.json', { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) {
        if (res.status === 401) { window.location.reload(); return null; }
        if (!res.ok) throw new Error('activity ' + res.status);
        return res.json();
      })
      .then(function (state) {
        if (!state) return;
        failures = 0;
        if (state.signature !== signature) {
          if (watching && !typing()) { reload(); return; }
          offerReload();
          return;
        }
        busy = state.running.length + state.waiting.length > 0;
        if (live) live.textContent = busy ? 'Working… ' + describe(state) : '';
        schedule();
      })
      .catch(function () { failures += 1; schedule(); });
  }

  // Often while work runs, rarely when idle, and slower still after errors (server restarting).
  function schedule() {
    var wait = busy || watching ? 1500 : 10000;
    window.setTimeout(poll, wait * Math.min(1 + failures, 6));
  }

  schedule();
})();
