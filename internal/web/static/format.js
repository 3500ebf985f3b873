// format.js: how the page writes a duration, a status's colour class, a
// byte count and a count of things, the same in every part of it.

// ms is a duration in milliseconds, to two places below 10 ms.
export const ms = (v) => (v === null || v === undefined || Number.isNaN(v)) ? 'n/a' : (v < 10 ? v.toFixed(2) : v.toFixed(1)) + ' ms';

// statusClass is the class that colours a status by its class: s2, s4 …
export const statusClass = (code) => 's' + Math.floor((code || 0) / 100);

// byteSize is a byte count in binary units (1.5 KiB), for the store and
// what crossed a tunnel; the list's Size column has humanSize (network.js).
export function byteSize(n) {
  if (!(n >= 1024)) return (n || 0) + ' bytes';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (v < 10 ? v.toFixed(1) : String(Math.round(v))) + ' ' + units[i];
}

export const plural = (n, one) => n + ' ' + (n === 1 ? one : one + 's');
