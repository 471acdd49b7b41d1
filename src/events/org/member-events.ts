import { z } from 'zod';
import { businessDate, defineEvent, type EventOf, id, text } from '../event-definition.js';

export const MEMBER_CATEGORY = 'member';
export const memberStream = (memberId: string): string => `${MEMBER_CATEGORY}-${memberId}`;

export const MemberEnrolled = defineEvent({
  type: 'MemberEnrolled',
  schemaVersion: 1,
  schema: z.strictObject({ memberId: id(), unitId: id(), fullName: text(200), memberCode: text(64), joinedOn: businessDate() }),
  occurredOn: (d) => d.joinedOn,
  upcasters: [],
});
export type MemberEnrolled = EventOf<typeof MemberEnrolled>;

export const MemberTransferred = defineEvent({
  type: 'MemberTransferred',
  schemaVersion: 1,
  schema: z.strictObject({ memberId: id(), fromUnitId: id(), toUnitId: id(), effectiveOn: businessDate() }),
  occurredOn: (d) => d.effectiveOn,
  upcasters: [],
});
export type MemberTransferred = EventOf<typeof MemberTransferred>;

export const MemberLeft = defineEvent({
  type: 'MemberLeft',
  schemaVersion: 1,
  schema: z.strictObject({ memberId: id(), unitId: id(), effectiveOn: businessDate(), reason: text(2000) }),
  occurredOn: (d) => d.effectiveOn,
  upcasters: [],
});
export type MemberLeft = EventOf<typeof MemberLeft>;

export const MEMBER_EVENTS = [MemberEnrolled, MemberTransferred, MemberLeft] as const;
export type MemberEvent = EventOf<(typeof MEMBER_EVENTS)[number]>;
