// Reads a HAR document on stdin and validates it with har-validator: exit 0
// when valid, else 1 with each error on stderr, one per line.
const { har } = require('har-validator');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  let doc;
  try {
    doc = JSON.parse(input);
  } catch (err) {
    console.error('not JSON: ' + err.message);
    process.exit(1);
  }
  har(doc).then(() => process.exit(0), (err) => {
    for (const e of err.errors || [err]) {
      console.error((e.dataPath || e.instancePath || '') + ' ' + (e.message || String(e)));
    }
    process.exit(1);
  });
});
