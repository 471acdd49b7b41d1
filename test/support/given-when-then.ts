import { expect } from '@jest/globals';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Given past events (folded with the decider's evolve), when a command with its context,
 * then these events — or this error class with its stable code, field and a message.
 */
export function deciderSpec<S, E, C, X>(fold: (events: readonly E[]) => S, decide: (command: C, state: S, context: X) => E[]) {
  return function given(events: readonly E[]) {
    return {
      when(command: C, context: X) {
        const act = (): E[] => decide(command, fold(events), context);
        return {
          then(expected: readonly E[]): void {
            expect(act()).toEqual(expected);
          },
          thenThrows(errorClass: ErrorClass, code: string, field?: string): void {
            let caught: unknown;
            try {
              act();
            } catch (error) {
              caught = error;
            }
            expect(caught).toBeInstanceOf(errorClass);
            const error = caught as { code?: unknown; field?: unknown; message: string };
            expect(error.code).toBe(code);
            expect(error.field).toBe(field);
            // The answer's detail: it says what is wrong, never nothing.
            expect(error.message).not.toBe('');
          },
        };
      },
    };
  };
}
