// Measures what rendering one 4,000-character message costs the event loop, per input shape:
// "unbounded" is marked + sanitize-html on the main thread (as before the shape limits and the
// render thread), "limited" is renderMarkdown (shape limits) on the main thread, "thread" is how
// long the event loop was busy while the render thread rendered it. Best of 5, milliseconds.
// Run after `pnpm build`: node services/messages/scripts/render-cost.mjs
import console from 'node:console';
import { performance } from 'node:perf_hooks';
import { Marked } from 'marked';
import { renderMarkdown, sanitize } from '../dist/render.js';
import { RenderThread } from '../dist/render-thread.js';

const SIZE = 4000;
const fill = (unit) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
const SHAPES = {
  'plain text': fill('hello world, this is a normal chat line. '),
  'dense ordinary Markdown': fill(
    '**bold** _it_ `code` [link](http://a.example) http://b.example\n- item\n> quote\n',
  ),
  'nested quotes': fill('>'),
  'nested bullets': fill('- '),
  'nested numbers': fill('1. '),
  'quotes in lists': fill('> - '),
  'lists nested by indentation': Array.from({ length: 60 }, (_, i) => `${' '.repeat(2 * i)}- x`)
    .join('\n')
    .slice(0, SIZE),
  'shallow nested lists': fill('- - - - x\n'),
  'a run of emphasis': `${'*'.repeat(2000)}a${'*'.repeat(1999)}`,
  'unmatched emphasis openers': fill('*a ').slice(0, SIZE / 2) + fill('a* ').slice(0, SIZE / 2),
  'emphasis pairs': fill('**a'),
  'a run of spaces': `a${' '.repeat(3998)}b`,
  'chains of brackets': fill('[a]('),
  'many lines': fill('a\n'),
};

const markdown = new Marked({ gfm: true, breaks: true, async: false });
function unbounded(source) {
  try {
    return sanitize(markdown.parse(source, { async: false }));
  } catch {
    return ''; // the stack overflowed: the old code then fell back to plain text
  }
}

function best(render, source) {
  let fastest = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    render(source);
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

/** How long the event loop was busy (not idle, whatever the scheduler did) while `work` ran. */
async function loopBusy(work) {
  const before = performance.eventLoopUtilization();
  await work();
  return performance.eventLoopUtilization(before).active;
}

const thread = new RenderThread({ deadlineMs: 60_000, maxPending: 64 });
await thread.render('warm up');
console.log('| shape | unbounded | limited | thread (loop busy) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, source] of Object.entries(SHAPES)) {
  const busy = [];
  for (let i = 0; i < 5; i++) busy.push(await loopBusy(() => thread.render(source)));
  const row = [best(unbounded, source), best(renderMarkdown, source), Math.min(...busy)];
  console.log(`| ${name} | ${row.map((ms) => ms.toFixed(1)).join(' | ')} |`);
}
await thread.close();
