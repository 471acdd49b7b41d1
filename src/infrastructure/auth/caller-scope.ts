import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './authenticated-request.js';

/** The subtree a caller may read: everything under `unitId`, or everything when it is null. */
export interface AccessScope {
  readonly unitId: string | null;
}

/** The authenticated caller's scope, for a controller parameter (never on a public route). */
export const CallerScope = createParamDecorator((_: unknown, ctx: ExecutionContext): AccessScope => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CallerScope used on a route without an authenticated caller');
  return { unitId: principal.unitId };
});
