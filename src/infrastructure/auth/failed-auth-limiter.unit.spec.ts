import { describe, expect, it } from '@jest/globals';
import { msUntilAllowed } from './failed-auth-limiter.js';

const W = 60_000;

/** The sliding count a failure made `ms` from now would see (itself included). */
function countAt(current: number, previous: number, elapsedMs: number, ms: number): number {
  const t = elapsedMs + ms;
  if (t < W) return current + previous * (1 - t / W) + 1;
  return 0 + current * Math.max(0, 1 - (t - W) / W) + 1;
}

describe('when a blocked client may fail again', () => {
  const cases: [number, number, number, number][] = [
    // current, previous, elapsed, limit
    [31, 0, 10_000, 30],
    [31, 0, 59_000, 30],
    [5, 100, 1_000, 30],
    [30, 30, 30_000, 30],
    [2, 1_000_000, 0, 3],
    [4, 0, 0, 1],
  ];

  it.each(cases)('current %d, previous %d, %d ms into the window, limit %d: not before, and right then', (current, previous, elapsed, limit) => {
    const wait = msUntilAllowed(current, previous, elapsed, W, limit);
    expect(countAt(current, previous, elapsed, wait + 1)).toBeLessThanOrEqual(limit + 1e-6);
    if (wait > 1) expect(countAt(current, previous, elapsed, wait - 1)).toBeGreaterThan(limit);
  });

  it('is not the end of the window when the previous window still weighs: a client told to wait is not refused again at once', () => {
    // 59 s into the window, 31 failures in it: the next window still counts them nearly whole.
    expect(msUntilAllowed(31, 0, 59_000, W, 30)).toBeGreaterThan(1_000);
  });

  it('is nothing when the count is under the limit', () => {
    expect(msUntilAllowed(3, 0, 0, W, 30)).toBe(0);
  });
});
