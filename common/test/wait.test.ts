import { describe, expect, it } from 'vitest';
import { waitUntil } from '@microflack/common';
import { waitFor } from '@microflack/common/testing';

describe('waitUntil', () => {
  it('when the check first fails, throws or says false, then it polls until a value comes', async () => {
    const answers: (() => number | false)[] = [
      () => false,
      () => {
        throw new Error('not yet');
      },
      () => 42,
    ];
    let calls = 0;

    const value = await waitUntil(() => answers[calls++]?.() ?? false, { intervalMs: 1 });

    expect(value).toBe(42);
    expect(calls).toBe(3);
  });

  it('when the check never holds, then it rejects naming what it waited for, with the last failure', async () => {
    const failure = new Error('still down');

    const waited = waitUntil(
      () => {
        throw failure;
      },
      { what: 'the thing', timeoutMs: 50, intervalMs: 5 },
    );

    await expect(waited).rejects.toThrow('timed out after 50 ms waiting for the thing');
    await expect(waited).rejects.toMatchObject({ cause: failure });
  });

  it('when waitFor is given a check that holds, then it returns its value', async () => {
    await expect(waitFor(() => 'ready')).resolves.toBe('ready');
  });
});
