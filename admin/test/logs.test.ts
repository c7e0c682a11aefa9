import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { filterLines, mergeLogs, parseDuration, parseLog } from '../src/logs/log-lines.js';

const run = promisify(execFile);
const mflogs = fileURLToPath(new URL('../mflogs', import.meta.url));
const line = (time: number, msg: string, extra: object = {}) =>
  JSON.stringify({ level: 30, time, msg, ...extra });

describe('log lines', () => {
  it('when a log holds JSON and raw lines, then raw lines take the time of the line before', () => {
    const lines = parseLog(
      [line(5, 'a', { req: { id: 'r1' } }), 'Error: boom', '  at x'].join('\n'),
    );

    expect(lines.map((l) => [l.time, l.json, l.requestId])).toEqual([
      [5, true, 'r1'],
      [5, false, undefined],
      [5, false, undefined],
    ]);
  });

  it('when logs are merged, then lines come in time order and filters keep one request', () => {
    const merged = mergeLogs([
      parseLog([line(1, 'a1'), line(4, 'a4', { req: { id: 'r' } })].join('\n')),
      parseLog([line(2, 'b2', { req: { id: 'r' } }), line(3, 'b3')].join('\n')),
    ]);

    expect(merged.map((l) => JSON.parse(l.text) as unknown)).toMatchObject([
      { msg: 'a1' },
      { msg: 'b2' },
      { msg: 'b3' },
      { msg: 'a4' },
    ]);
    expect(filterLines(merged, { requestId: 'r', since: 3 }).map((l) => l.time)).toEqual([4]);
  });

  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('when --since is %s, then it means %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('when --since is not a duration, then it is refused', () => {
    expect(() => parseDuration('soon')).toThrow(/bad duration "soon"/);
  });
});

describe('mflogs', () => {
  const state = mkdtempSync(join(tmpdir(), 'mf-logs-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));
  mkdirSync(join(state, 'logs'));
  const now = Date.now();
  writeFileSync(
    join(state, 'logs', 'users-1-aaaaaaaa.log'),
    [line(now - 3000, 'users first'), line(now - 1000, 'users req', { req: { id: 'q7' } })].join(
      '\n',
    ) + '\n',
  );
  writeFileSync(
    join(state, 'logs', 'messages-1-bbbbbbbb.log'),
    [line(now - 2000, 'messages req', { req: { id: 'q7' } }), line(now - 600_000, 'old')].join(
      '\n',
    ) + '\n',
  );
  writeFileSync(join(state, 'logs', 'haproxy.log'), 'not an instance\n');
  const env = { ...process.env, MF_STATE_DIR: state };
  const messages = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .map((text) => (JSON.parse(text) as { msg: string }).msg);

  it('when piped, then every instance log is merged in time order as JSON lines', async () => {
    const { stdout } = await run(mflogs, [], { env });

    expect(messages(stdout)).toEqual(['old', 'users first', 'messages req', 'users req']);
  });

  it('when a request id and --since are given, then only that request, across services, is shown', async () => {
    const { stdout } = await run(mflogs, ['--request', 'q7', '--since', '1m', '--json'], { env });

    expect(messages(stdout)).toEqual(['messages req', 'users req']);
  });

  it('when a service is named, then only its instances are shown', async () => {
    const { stdout } = await run(mflogs, ['users'], { env });

    expect(messages(stdout)).toEqual(['users first', 'users req']);
  });

  it('when nothing matches, then one error line and exit 1', async () => {
    await expect(run(mflogs, ['tokens'], { env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: no instance logs match "tokens"/) as unknown,
    });
  });
});
