import { describe, expect, it } from 'vitest';
import { authErrors, waitText } from '../../web/src/format/auth-errors.js';
import { dayKey, dayLabel, relativeTime } from '../../web/src/format/time.js';

// Local times, so the tests mean the same in every time zone.
const at = (day: number, hour: number, minute = 0) =>
  new Date(2026, 2, day, hour, minute).getTime();

describe('times', () => {
  it.each([
    [at(14, 12, 0), at(14, 12, 0), 'just now'],
    [at(14, 11, 55), at(14, 12, 0), '5 min ago'],
    [at(14, 9, 0), at(14, 12, 0), '3 h ago'],
  ])('when a message of %i is seen at %i, then it reads %s', (time, now, text) => {
    expect(relativeTime(time, now, 'en-GB')).toBe(text);
  });

  it('when a message is from an earlier day, then it shows its clock time', () => {
    expect(relativeTime(at(13, 23, 30), at(14, 0, 30), 'en-GB')).toBe('23:30');
  });

  it('when days are labelled, then today and yesterday are named, other days dated', () => {
    const now = at(14, 12);

    expect(dayLabel(at(14, 1), now)).toBe('Today');
    expect(dayLabel(at(13, 23), now)).toBe('Yesterday');
    // ICU versions differ on the comma after the weekday.
    expect(dayLabel(at(2, 9), now, 'en-GB')).toMatch(/^Monday,? 2 March$/);
    expect(dayLabel(new Date(2025, 11, 31).getTime(), now, 'en-GB')).toMatch(
      /^Wednesday,? 31 December 2025$/,
    );
    expect(dayKey(at(14, 0, 1))).toBe(dayKey(at(14, 23, 59)));
    expect(dayKey(at(14, 23, 59))).not.toBe(dayKey(at(15, 0, 0)));
  });
});

describe('sign-in errors', () => {
  const failure = (status: number, message = '', retryAfter?: number) => ({
    status,
    code: 'x',
    message,
    retryAfter,
  });

  it('when users names the bad fields (400), then each message goes next to its field', () => {
    const errors = authErrors(
      failure(400, 'Invalid input: nickname: must be 1–32 letters; password: must be 8–72 bytes.'),
    );

    expect(errors).toEqual({
      fields: {
        nickname: 'The nickname must be 1–32 letters.',
        password: 'The password must be 8–72 bytes.',
      },
    });
  });

  it.each([
    [failure(401), { fields: {}, form: 'Wrong nickname or password.' }],
    [failure(409), { fields: { nickname: 'That nickname is taken. Pick another, or sign in.' } }],
    [failure(429, '', 42), { fields: {}, form: 'Too many attempts. Try again in 42 seconds.' }],
    [failure(429), { fields: {}, form: 'Too many attempts. Try again in 60 seconds.' }],
    [
      failure(503),
      { fields: {}, form: 'The chat is unavailable right now. Try again in a moment.' },
    ],
    [failure(0), { fields: {}, form: 'The chat is unavailable right now. Try again in a moment.' }],
    [
      failure(400, 'Invalid input: something else.'),
      { fields: {}, form: 'Invalid input: something else.' },
    ],
  ])('when the answer is %j, then the form shows %j', (given, shown) => {
    expect(authErrors(given)).toEqual(shown);
  });

  it('when the wait is long, then it is said in minutes', () => {
    expect(waitText(1)).toBe('in 1 second');
    expect(waitText(600)).toBe('in 10 minutes');
  });
});
