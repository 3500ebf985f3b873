// diagram.js: the visual model, a sequence diagram of one real round trip
// drawn in SVG by this code: lanes for the client, the network and the
// server's router and handler, an arrow or a box for each step, and the
// response travelling back. "To scale" places each step at its measured
// time; "equal steps" gives every step the same room, so a 0.03 ms
// handler is as visible as a 0.3 ms connect.

import { visible } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 720;
const lanes = { client: 70, network: 250, server: 430, router: 550, handler: 660 };
const laneNames = [['client', 'Client'], ['network', 'Network (DNS)'], ['server', 'Server'], ['router', 'Router'], ['handler', 'Handler']];

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = visible(text); // request text may hide characters
  return e;
}

const fmt = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1)) + ' ms';

// events lays one exchange out as timed events, in ms from the client's
// start. Client times are the browser's (Resource Timing); the server's
// phases sit inside the client's wait, centred, since the two clocks are
// not the same and what is left of the wait is the network both ways.
export function events(t) {
  const out = [];
  const p = t.p; // the browser's phases, or null for another client's exchange
  const ph = (n) => t.phase(n) || 0;
  const f = (v) => (t.sketch ? '' : ' ' + fmt(v)); // a sketch has no figures
  const server = ph('read') + ph('route') + ph('handler') + ph('write');
  let at = p ? p.queued : 0;
  out.push({ step: 'client', kind: 'note', lane: 'client', t0: 0, t1: 0, label: p ? 'fetch() builds the request' : 'another client built it' });
  if (p) {
    if (p.dns) {
      out.push({ step: 'dns', kind: 'arrow', from: 'client', to: 'network', t0: at, t1: at + p.dns / 2, label: 'DNS query' });
      out.push({ step: 'dns', kind: 'arrow', from: 'network', to: 'client', t0: at + p.dns / 2, t1: at + p.dns, label: 'answer: an address' });
    } else {
      out.push({ step: 'dns', kind: 'note', lane: 'network', t0: at, t1: at, label: 'no DNS lookup' });
    }
    at += p.dns;
    if (!p.reused) {
      const rtt = p.connect;
      out.push({ step: 'connect', kind: 'arrow', from: 'client', to: 'server', t0: at, t1: at + rtt / 2, label: 'SYN' });
      out.push({ step: 'connect', kind: 'arrow', from: 'server', to: 'client', t0: at + rtt / 2, t1: at + rtt, label: 'SYN-ACK' });
      out.push({ step: 'connect', kind: 'arrow', from: 'client', to: 'server', t0: at + rtt, t1: at + rtt * 1.5, label: 'ACK' });
    } else {
      out.push({ step: 'connect', kind: 'note', lane: 'client', t0: at, t1: at, label: 'connection reused: no handshake' });
    }
    at += p.connect;
    if (p.tls) {
      out.push({ step: 'tls', kind: 'arrow', from: 'client', to: 'server', t0: at, t1: at + p.tls / 2, label: 'ClientHello' });
      out.push({ step: 'tls', kind: 'arrow', from: 'server', to: 'client', t0: at + p.tls / 2, t1: at + p.tls, label: 'ServerHello, certificate, Finished' });
    } else {
      out.push({ step: 'tls', kind: 'note', lane: 'client', t0: at, t1: at, label: 'no TLS: plain http://' });
    }
    at += p.tls + p.request;
  }
  const oneWay = p ? Math.max(0, (p.waiting - server) / 2) : 0;
  const arrive = at + oneWay;
  out.push({ step: 'send', kind: 'arrow', from: 'client', to: 'server', t0: at, t1: arrive, label: t.method + ' ' + t.path, seen: !!p });
  let s = arrive;
  out.push({ step: 'read', kind: 'box', lane: 'server', t0: s, t1: s + ph('read'), label: 'read' + f(ph('read')) });
  s += ph('read');
  out.push({ step: 'route', kind: 'box', lane: 'router', t0: s, t1: s + ph('route'), label: 'route' + f(ph('route')) });
  s += ph('route');
  out.push({ step: 'handler', kind: 'box', lane: 'handler', t0: s, t1: s + ph('handler'), label: 'handler' + f(ph('handler')) });
  s += ph('handler') + ph('write');
  const back = p ? at + p.waiting : s;
  const done = p ? back + p.download : s;
  out.push({ step: 'response', kind: 'arrow', from: 'server', to: 'client', t0: s, t1: Math.max(done, s), label: t.status + ' ' + t.reason + ', back', back: true, seen: !!p });
  if (p) out.push({ step: 'render', kind: 'note', lane: 'client', t0: done, t1: done, label: 'the page shows it' });
  return out;
}

// draw renders t into svg, to scale or in equal steps, and returns the
// elements by step, for the tour to light.
export function draw(svg, t, scaled) {
  svg.replaceChildren();
  const evs = events(t);
  const top = 40;
  const rowH = 34;
  const span = Math.max(...evs.map((e) => e.t1), 0.001);
  const height = scaled ? 420 : rowH * evs.length;
  // y of an instant: by its time, or by its event's order.
  // To scale, each instant sits below the one before by its time, but
  // at least minGap, so that labels of near-simultaneous steps stay
  // readable; the same instant is the same height, so an arrow that
  // answers another starts where that one ended.
  const minGap = 18;
  const instants = [...new Set(evs.flatMap((e) => [e.t0, e.t1]))].sort((a, b) => a - b);
  const yAt = new Map();
  instants.forEach((v, i) => {
    yAt.set(v, i === 0 ? top : yAt.get(instants[i - 1]) + Math.max(minGap, ((v - instants[i - 1]) / span) * height));
  });
  const ys = new Map();
  let bottom = top;
  evs.forEach((e, i) => {
    const y = scaled ? [yAt.get(e.t0), yAt.get(e.t1)] : [top + i * rowH, top + i * rowH + rowH * 0.8];
    bottom = Math.max(bottom, y[1]);
    ys.set(e, y);
  });
  const h = bottom + 40;
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + h);
  const title = svgEl('title', {}, 'A sequence diagram of ' + t.method + ' ' + t.path + ': ' + (t.p ? 'the client\'s phases from the browser, the server\'s from Server-Timing' : 'the server\'s phases only; the client\'s are unknown to the server'));
  svg.append(title);
  const defs = svgEl('defs');
  const marker = svgEl('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svgEl('path', { d: 'M0,0 L10,5 L0,10 z', class: 'head' }));
  defs.append(marker);
  svg.append(defs);
  for (const [key, name] of laneNames) {
    const x = lanes[key];
    svg.append(svgEl('text', { x, y: 18, class: 'lane-name', 'text-anchor': 'middle' }, name));
    svg.append(svgEl('line', { x1: x, y1: 26, x2: x, y2: h - 10, class: 'lane' }));
  }
  const byStep = new Map();
  const add = (step, node) => {
    node.dataset.step = step;
    if (!byStep.has(step)) byStep.set(step, []);
    byStep.get(step).push(node);
    svg.append(node);
  };
  for (const e of evs) {
    const [y0, y1] = ys.get(e);
    if (e.kind === 'arrow') {
      const x0 = lanes[e.from];
      const x1 = lanes[e.to];
      const g = svgEl('g', { class: 'arrow' + (e.back ? ' back' : '') + (e.seen === false ? ' unseen' : '') });
      g.append(svgEl('line', { x1: x0, y1: y0, x2: x1, y2: Math.max(y1, y0 + 2), 'marker-end': 'url(#arrowhead)' }));
      if (e.label) {
        // Along the arrow, alternately nearer either end, so that labels of
        // arrows that cross do not sit on each other.
        const f = evs.indexOf(e) % 2 ? 0.35 : 0.65;
        g.append(svgEl('text', { x: x0 + (x1 - x0) * f, y: y0 + (Math.max(y1, y0 + 2) - y0) * f - 5, 'text-anchor': 'middle' }, e.label));
      }
      add(e.step, g);
    } else if (e.kind === 'box') {
      const x = lanes[e.lane];
      const g = svgEl('g', { class: 'box' });
      g.append(svgEl('rect', { x: x - 40, y: y0, width: 80, height: Math.max(3, y1 - y0), rx: 3 }));
      g.append(svgEl('text', { x, y: y0 - 4, 'text-anchor': 'middle' }, e.label));
      add(e.step, g);
    } else {
      const g = svgEl('g', { class: 'note' });
      g.append(svgEl('circle', { cx: lanes[e.lane], cy: y0, r: 4 }));
      g.append(svgEl('text', { x: lanes[e.lane] + 10, y: y0 + 4 }, e.label));
      add(e.step, g);
    }
  }
  if (scaled) {
    svg.append(svgEl('text', { x: 4, y: bottom + 20, class: 'scale' }, '0 to ' + fmt(span) + ', top to bottom (steps closer than a line apart are spaced out)'));
  }
  if (!t.p) {
    svg.append(svgEl('text', { x: 4, y: bottom + 34, class: 'scale' }, 'Dashed: what the server cannot see of another client.'));
  }
  return byStep;
}

// light marks step's elements as the tour's current step.
export function light(svg, step) {
  for (const n of svg.querySelectorAll('[data-step]')) n.classList.toggle('on', n.dataset.step === step);
}
