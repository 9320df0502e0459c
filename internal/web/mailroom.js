// mailroom.js keeps the status page of an upload batch current without a
// full reload: it asks GET /api/uploads/status every few seconds, updates
// each document's row and the summary (a polite live region), and stops
// once nothing will change any more, after a quarter of an hour, or when
// the person pauses it. Without it the page's refresh link does the same.
(function () {
  'use strict';
  var table = document.getElementById('stapel');
  var url = table && table.getAttribute('data-status-url');
  if (!url || !window.fetch) {
    return;
  }
  var summary = document.getElementById('stapel-stand');
  var pause = document.getElementById('stapel-pause');
  var interval = 3000;
  var deadline = Date.now() + 15 * 60 * 1000;
  var timer = null;
  var paused = false;

  function setText(el, text) {
    if (el && el.textContent !== text) {
      el.textContent = text;
    }
  }

  // summarise builds the sentence the server writes (batchSummary).
  function summarise(items) {
    var counts = { stream: 0, registered: 0, quarantined: 0 };
    items.forEach(function (it) { counts[it.state] = (counts[it.state] || 0) + 1; });
    var parts = [];
    if (counts.stream) { parts.push(counts.stream + ' im Eingang'); }
    if (counts.registered) { parts.push(counts.registered + ' im Posteingangsbuch'); }
    if (counts.quarantined) { parts.push(counts.quarantined + ' in Quarantäne'); }
    return items.length + (items.length === 1 ? ' Dokument: ' : ' Dokumente: ') + parts.join(', ') + '.';
  }

  function render(items) {
    var done = true;
    items.forEach(function (it) {
      var row = table.querySelector('tr[data-sha256="' + it.sha256 + '"]');
      if (!row) {
        return;
      }
      row.setAttribute('data-final', String(it.final));
      setText(row.querySelector('[data-field="name"]'), it.name || '–');
      setText(row.querySelector('[data-field="label"] strong'), it.label);
      setText(row.querySelector('[data-field="number"]'), it.number || '–');
      var detail = row.querySelector('[data-field="detail"]');
      if (it.reason && detail && !detail.querySelector('a')) {
        detail.textContent = (it.reason_label || it.reason) + ': ' + (it.message || '') + ' (';
        var link = document.createElement('a');
        link.href = '/quarantine';
        link.textContent = 'Quarantäne-Eintrag ' + it.quarantine_id;
        detail.appendChild(link);
        detail.appendChild(document.createTextNode(')'));
      }
      done = done && it.final;
    });
    setText(summary, summarise(items));
    return done;
  }

  function stop(note) {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (pause) {
      pause.hidden = true;
    }
    if (note) {
      var p = document.getElementById('stapel-aktualisierung');
      if (p) {
        var span = document.createElement('span');
        span.textContent = ' ' + note;
        p.appendChild(span);
      }
    }
  }

  function schedule() {
    if (!paused && Date.now() < deadline) {
      timer = setTimeout(poll, interval);
    } else if (!paused) {
      stop('Die automatische Aktualisierung ist beendet.');
    }
  }

  function poll() {
    timer = null;
    fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' })
      .then(function (resp) {
        if (!resp.ok) {
          throw new Error('status ' + resp.status);
        }
        return resp.json();
      })
      .then(function (body) {
        if (render(body.items || [])) {
          stop('Alle Dokumente sind verarbeitet oder warten auf eine Entscheidung.');
        } else {
          schedule();
        }
      })
      .catch(function () {
        stop('Der Stand kann gerade nicht abgefragt werden; bitte den Link „Stand aktualisieren“ benutzen.');
      });
  }

  if (pause) {
    pause.hidden = false;
    pause.addEventListener('click', function () {
      paused = !paused;
      pause.setAttribute('aria-pressed', String(paused));
      if (paused && timer !== null) {
        clearTimeout(timer);
        timer = null;
      } else if (!paused && timer === null) {
        poll();
      }
    });
  }
  schedule();
}());
