// terms.js: each link to a glossary term shows the term's definition
// while it is hovered or focused, from the glossary itself, so there is
// one text per term.
import { el } from './dom.js';

const tip = el('div', { class: 'term-tip', role: 'tooltip', id: 'term-tip', hidden: true });
document.body.append(tip);
let owner = null;

function show(a) {
  const dt = document.getElementById(a.hash.slice(1));
  const dd = dt && dt.nextElementSibling;
  if (!dd || a.closest('.glossary')) return;
  owner = a;
  tip.replaceChildren(el('strong', { text: dt.textContent + ': ' }), ...[...dd.childNodes].map((n) => n.cloneNode(true)));
  tip.hidden = false;
  const r = a.getBoundingClientRect();
  tip.style.left = Math.max(8, Math.min(r.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8)) + 'px';
  tip.style.top = (r.bottom + window.scrollY + 6) + 'px';
  a.setAttribute('aria-describedby', 'term-tip');
}

function hide() {
  if (owner) owner.removeAttribute('aria-describedby');
  owner = null;
  tip.hidden = true;
}

for (const a of document.querySelectorAll('a[href^="#term-"]')) {
  a.classList.add('term');
  a.addEventListener('mouseenter', () => show(a));
  a.addEventListener('mouseleave', hide);
  a.addEventListener('focus', () => show(a));
  a.addEventListener('blur', hide);
}
document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && owner) hide(); });
