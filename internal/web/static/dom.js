// dom.js: the page's one way of putting text on it. Text that came from a
// request, a response or the server is only ever placed as text nodes
// through reveal, never parsed as HTML.

export const $ = (id) => document.getElementById(id);

// hiddenChar matches what would make text read as other text: a bidi
// control reorders what follows (/files/\u202Eexe.txt reads /files/txt.exe),
// zero-width and other format characters hide inside a word, and controls
// (C0, DEL, C1) are not text at all. Tab, newline and CR stay, as bodies
// and raw messages are laid out with them.
export const hiddenChar = /(?![\t\n\r])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const hiddenNames = {
  0x1b: 'ESCAPE', 0x7f: 'DELETE', 0xad: 'SOFT HYPHEN', 0x61c: 'ARABIC LETTER MARK',
  0x200b: 'ZERO WIDTH SPACE', 0x200c: 'ZERO WIDTH NON-JOINER', 0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK', 0x200f: 'RIGHT-TO-LEFT MARK', 0x2028: 'LINE SEPARATOR', 0x2029: 'PARAGRAPH SEPARATOR',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING', 0x202b: 'RIGHT-TO-LEFT EMBEDDING', 0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE', 0x202e: 'RIGHT-TO-LEFT OVERRIDE', 0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE', 0x2067: 'RIGHT-TO-LEFT ISOLATE', 0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE', 0xfeff: 'ZERO WIDTH NO-BREAK SPACE (byte order mark)',
};

// reveal makes text into nodes, each hidden character a marked ⟨U+202E⟩
// that can neither reorder nor hide its neighbours. All text goes on the
// page through it (el and put call it); attributes, which hold no
// markup, take reveal(s).textContent.
export function reveal(text) {
  const s = String(text);
  const out = document.createDocumentFragment();
  let at = 0;
  for (const m of s.matchAll(hiddenChar)) {
    const cp = m[0].codePointAt(0);
    const code = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
    const mark = document.createElement('span');
    mark.className = 'revealed';
    mark.textContent = '⟨' + code + '⟩';
    mark.title = code + (hiddenNames[cp] ? ' ' + hiddenNames[cp] : '') +
      ': an invisible or control character in the text, shown as its code so that it cannot hide or reorder what is around it';
    out.append(s.slice(at, m.index), mark);
    at = m.index + m[0].length;
  }
  out.append(s.slice(at));
  return out;
}

// visible is text with each hidden character written as its code, ⟨U+202E⟩,
// for places that hold plain text only, such as an SVG label.
export function visible(text) {
  return String(text).replace(hiddenChar, (c) => '⟨U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0') + '⟩');
}

// put replaces node's content with text, through reveal.
export function put(node, text) { node.replaceChildren(reveal(text)); }

// el builds an element; string children become text nodes.
export function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') put(e, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : reveal(c));
  }
  return e;
}

export function clear(node) { while (node.firstChild) node.firstChild.remove(); }
