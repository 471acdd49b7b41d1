import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import type { CommandResult } from '../commands/command-context.js';
import { CommandIds } from '../commands/command-ids.js';
import { HEARTBEAT_MS, IdempotencyStore, type StoredResponse } from '../commands/idempotency.js';
import { actorOf, type ContextualRequest, idempotencyKeyOf, requestHashOf } from './request-context.js';

export type CommandResponseBody =
  | ({ readonly id: string; readonly streamRevision: number; readonly position: string } & Readonly<Record<string, unknown>>)
  | { readonly count: number; readonly ids: readonly string[]; readonly position: string };

/**
 * A command may answer more than `{ id, streamRevision, position }`: a result with `answer`
 * has its fields added (and, where they share a name, preferred).
 */
/** What a command touching many streams answers (an import). */
export interface BatchCommandResult {
  readonly ids: readonly string[];
  readonly position: bigint;
}

/**
 * For command routes: answers `{ id, streamRevision, position }` with an ETag of the stream
 * revision, and makes `Idempotency-Key` replay the first answer instead of running again (to a
 * caller whose scope still covers the command).
 */
@Injectable()
export class CommandResponseInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyStore,
    private readonly ids: CommandIds,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<ContextualRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    return from(this.handle(req, res, next));
  }

  private async handle(req: ContextualRequest, res: Response, next: CallHandler): Promise<unknown> {
    const key = idempotencyKeyOf(req);
    req.requestHash = requestHashOf(req);
    if (!key) return this.respond(res, await lastValueFrom(next.handle()));

    const scope = actorOf(req).id;
    req.idempotencySeed = this.ids.seed(scope, key);
    const start = await this.idempotency.begin(scope, key, req.requestHash);
    if (start.kind === 'replay') {
      // Given only to a caller who may still run the command: it goes through the scope check
      // (and decides nothing) before the first answer is sent again.
      req.idempotentReplay = true;
      await lastValueFrom(next.handle());
      res.status(start.response.status);
      for (const [name, value] of Object.entries(start.response.headers)) res.setHeader(name, value);
      res.setHeader('Idempotent-Replayed', 'true');
      return start.response.body;
    }
    const heartbeat = setInterval(() => void this.idempotency.touch(scope, key).catch(() => undefined), HEARTBEAT_MS);
    try {
      const body = this.respond(res, await lastValueFrom(next.handle()));
      const etag = res.getHeader('ETag');
      const stored: StoredResponse = { status: res.statusCode, body, headers: etag ? { ETag: String(etag) } : {} };
      await this.idempotency.complete(scope, key, stored);
      return body;
    } catch (error) {
      await this.idempotency.release(scope, key).catch(() => undefined);
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  private respond(res: Response, result: unknown): CommandResponseBody {
    if (typeof result === 'object' && result !== null && 'ids' in result) {
      const batch = result as BatchCommandResult;
      return { count: batch.ids.length, ids: batch.ids, position: batch.position.toString() };
    }
    const r = result as CommandResult & { readonly answer?: Readonly<Record<string, unknown>> };
    res.setHeader('ETag', `"${r.streamRevision}"`);
    return { id: r.id, streamRevision: Number(r.streamRevision), position: r.position.toString(), ...r.answer };
  }
}
