// Load an XForm with its media in ODK Web Forms' engine, fill it and print the instance XML,
// or with --relevance whether each field is relevant once filled, as {name: true|false}.
// Usage: node fill.mjs FORM.xml MEDIA_DIR VALUES.json [--relevance]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
for (const name of ['DOMParser', 'XMLSerializer', 'document', 'Node', 'Element', 'Document']) {
  globalThis[name] = dom.window[name];
}
// The engine's bundled tree-sitter reads its wasm next to the script under Node, through a
// CommonJS __dirname that an ES module lacks.
globalThis.__dirname = new URL('.', import.meta.url).pathname;
const { loadForm } = await import('@getodk/xforms-engine');

const [formPath, mediaDir, valuesPath, mode] = process.argv.slice(2);
const values = JSON.parse(readFileSync(valuesPath, 'utf8'));
const result = await loadForm(readFileSync(formPath, 'utf8'), {
  fetchFormAttachment: async (url) => {
    const name = String(url).split('/').pop();
    return new Response(readFileSync(join(mediaDir, name)), {
      headers: { 'Content-Type': 'text/csv' },
    });
  },
  missingResourceBehavior: 'ERROR',
});
if (result.status === 'failure') {
  console.error(`load failed: ${result.error?.message}`);
  process.exit(2);
}
const instance = result.createInstance();

const nameOf = (node) => node.definition.nodeset.split('/').pop();

function fill(node, given) {
  for (const child of node.currentState.children ?? []) {
    const name = nameOf(child);
    if (child.nodeType === 'group') {
      fill(child, given); // the server flattens groups too
    } else if (child.nodeType === 'repeat-range:uncontrolled') {
      const entries = given[name] ?? [];
      const have = child.currentState.children.length;
      if (entries.length > have) child.addInstances(have - 1, entries.length - have);
      if (entries.length < have) child.removeInstances(entries.length, have - entries.length);
      child.currentState.children.forEach((entry, i) => fill(entry, entries[i]));
    } else if (!(name in given)) {
      continue;
    } else if (child.nodeType === 'select') {
      const text = String(given[name]);
      if (child.selectType === 'select') child.selectValues(text.split(' ').filter(Boolean));
      else child.selectValue(text);
      // A choice missing from the list is silently dropped by the engine: say so.
      if (!child.currentState.value.length) throw new Error(`${name}: no choice ${text}`);
    } else if (child.nodeType === 'input') {
      child.setValue(String(given[name]));
    }
  }
}
fill(instance.root, values);
if (mode === '--relevance') {
  const relevance = {};
  const walk = (node) => {
    relevance[nameOf(node)] = node.currentState.relevant;
    for (const child of node.currentState.children ?? []) walk(child);
  };
  walk(instance.root);
  process.stdout.write(JSON.stringify(relevance));
  process.exit(0);
}
const payload = await instance.root.prepareInstancePayload();
if (payload.status !== 'ready') {
  console.error(`not ready: ${JSON.stringify(payload.violations)}`);
  process.exit(3);
}
process.stdout.write(await payload.data[0].get('xml_submission_file').text());
