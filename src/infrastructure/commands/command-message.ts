import type { CommandContext } from './command-context.js';

/**
 * What a controller puts on the CommandBus: one aggregate's command (the decider's own type,
 * not a copy of it) and the request's context. Each aggregate names its subclass, which its
 * one handler is registered for.
 */
export abstract class CommandMessage<C> {
  constructor(
    readonly command: C,
    readonly context: CommandContext,
  ) {}
}
