import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emphasisCount,
  MAX_EMPHASIS,
  MAX_NESTING,
  nestingDepth,
  plainText,
  renderMarkdown,
  withinShapeLimits,
} from '../src/render.js';
import { RenderThread } from '../src/render-thread.js';
import { MessagesWorld, messageShape } from './helpers.js';

const fill = (unit: string) => unit.repeat(Math.ceil(4000 / unit.length)).slice(0, 4000);

/** 4,000-character sources that cost marked tens of milliseconds each (or overflow its stack). */
const PATHOLOGICAL: [string, string][] = [
  ['nested quotes', fill('>')],
  ['nested bullets', fill('- ')],
  ['nested numbers', fill('1. ')],
  ['quotes in lists', fill('> - ')],
  [
    'lists nested by indentation',
    Array.from({ length: 60 }, (_, i) => `${' '.repeat(2 * i)}- x`)
      .join('\n')
      .slice(0, 4000),
  ],
  ['a run of emphasis', `${'*'.repeat(2000)}a${'*'.repeat(1999)}`],
  ['unmatched emphasis openers', `${'*a '.repeat(666)}${'a* '.repeat(666)}`],
];

/** 4,000-character sources within the nesting limit that still cost marked milliseconds. */
const COSTLY: [string, string][] = [
  ['shallow nested lists, many times', fill('- - - - x\n')],
  ['a long run of spaces', `a${' '.repeat(3998)}b`],
  ['chains of brackets', fill('[a](')],
  ['many lines', fill('a\n')],
];

describe('the nesting depth', () => {
  it.each([
    ['plain text', 'hello', 0],
    ['a list', '- a\n- b', 1],
    ['a quote holding a list', '> - a', 2],
    ['markers on one line', '> > - 1. x', 4],
    ['a list indented under another', '- a\n    - b', 3],
    ['an indented code line', '    code', 0],
    ['a dash without a space', '-5 degrees', 0],
  ])('when the source is %s, then it counts its nesting', (_what, source, depth) => {
    expect(nestingDepth(source)).toBe(depth);
  });
});

describe('the emphasis count', () => {
  it.each([
    ['bold and italics', '**a** _b_ ~c~', 8],
    ['snake_case words', 'my_long_name and _this_', 2],
    ['no emphasis', 'a - b = c', 0],
  ])('when the source has %s, then it counts their delimiters', (_what, source, count) => {
    expect(emphasisCount(source)).toBe(count);
  });

  it('when the emphasis is at the limit, then the source is still rendered as Markdown', () => {
    const source = '*a* '.repeat(MAX_EMPHASIS / 2);

    expect(renderMarkdown(source)).toContain('<em>a</em>');
  });
});

describe('rendering on the main thread', () => {
  it.each(PATHOLOGICAL)('when the source is %s, then it is kept as plain text', (_what, source) => {
    expect(withinShapeLimits(source)).toBe(false);

    expect(renderMarkdown(source)).toBe(plainText(source));
  });

  it('when the nesting is at the limit, then the source is still rendered as Markdown', () => {
    const source = `${'> '.repeat(MAX_NESTING)}deep`;

    expect(renderMarkdown(source)).toMatch(/^(<blockquote>\n){16}<p>deep<\/p>/);
  });
});

describe('the render thread', () => {
  it('when a render misses its deadline, then it and the renders behind it answer plain text and a fresh thread takes the next', async () => {
    const spawned: Worker[] = [];
    // A thread that says it is ready, then never answers: the deadline alone ends each render.
    const silent = () => {
      const code = `require('node:worker_threads').parentPort.postMessage('ready');
        setInterval(() => undefined, 60_000);`;
      const worker = new Worker(code, { eval: true });
      spawned.push(worker);
      return worker;
    };
    const thread = new RenderThread({ deadlineMs: 50, maxPending: 8 }, silent);

    const answers = await Promise.all([thread.render('**a**'), thread.render('_b_')]);

    expect(answers).toEqual([plainText('**a**'), plainText('_b_')]);
    expect(spawned).toHaveLength(1);
    await expect(thread.render('c')).resolves.toBe(plainText('c'));
    expect(spawned).toHaveLength(2);
    await thread.close();
  });

  it('when more renders wait than the limit, then the next is plain text at once', async () => {
    const thread = new RenderThread({ deadlineMs: 60_000, maxPending: 2 });

    const answers = await Promise.all(['*a*', '*b*', '*c*'].map((source) => thread.render(source)));

    expect(answers).toEqual(['<p><em>a</em></p>', '<p><em>b</em></p>', plainText('*c*')]);
    await thread.close();
  });

  it('when a process has nothing left to do but an idle render thread, then it exits', async () => {
    const entry = new URL('../dist/render-thread.js', import.meta.url).href;
    const script = `const { renderMessage } = await import(${JSON.stringify(entry)});
      console.log(await renderMessage('*a*'));`;

    // A thread that kept the process alive would hang this until the test's timeout.
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      script,
    ]);

    // Rendered, or plain text should a starved machine miss the deadline: either way, it exited.
    expect(stdout).toMatch(/^<p>(<em>a<\/em>|\*a\*)<\/p>\n$/);
  });

  it.each(COSTLY)(
    'when the source is %s, then the thread renders it as Markdown',
    async (_what, source) => {
      // A deadline no render here comes near, even on a loaded machine: this is about the answer.
      const thread = new RenderThread({ deadlineMs: 60_000, maxPending: 8 });

      await expect(thread.render(source)).resolves.toBe(renderMarkdown(source));
      await thread.close();
    },
  );
});

describe('posting pathological Markdown', () => {
  let world: MessagesWorld;
  beforeAll(async () => {
    world = await MessagesWorld.create();
  });
  afterAll(async () => {
    await world.close();
  });

  it.each(PATHOLOGICAL)(
    'when a message is %s, then it is stored and shown as plain text',
    async (_what, source) => {
      const message = await world.post(world.user().token, source);

      expect(message.source).toBe(source);
      expect(message.html).toBe(plainText(source));
    },
  );

  it('when an edit nests too deeply, then the edited message is plain text', async () => {
    const author = world.user();
    const message = await world.post(author.token, '- fine');

    const edited = await request(world.app)
      .put(`/api/messages/${message.id}`)
      .auth(author.token, { type: 'bearer' })
      .send({ source: fill('> 1. ') });

    expect(edited.status).toBe(200);
    expect(messageShape.parse(edited.body).html).toBe(plainText(fill('> 1. ')));
  });
});
