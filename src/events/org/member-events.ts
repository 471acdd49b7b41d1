export const MEMBER_CATEGORY = 'member';
export const memberStream = (memberId: string): string => `${MEMBER_CATEGORY}-${memberId}`;

export interface MemberEnrolled {
  readonly type: 'MemberEnrolled';
  readonly data: {
    readonly memberId: string;
    readonly unitId: string;
    readonly fullName: string;
    readonly memberCode: string;
    readonly joinedOn: string;
  };
}

export interface MemberTransferred {
  readonly type: 'MemberTransferred';
  readonly data: { readonly memberId: string; readonly fromUnitId: string; readonly toUnitId: string; readonly effectiveOn: string };
}

export interface MemberLeft {
  readonly type: 'MemberLeft';
  readonly data: { readonly memberId: string; readonly unitId: string; readonly effectiveOn: string; readonly reason: string };
}

export type MemberEvent = MemberEnrolled | MemberTransferred | MemberLeft;

export const MEMBER_EVENT_TYPES = ['MemberEnrolled', 'MemberTransferred', 'MemberLeft'] as const satisfies readonly MemberEvent['type'][];

export function memberEventDate(event: MemberEvent): string {
  switch (event.type) {
    case 'MemberEnrolled':
      return event.data.joinedOn;
    case 'MemberTransferred':
    case 'MemberLeft':
      return event.data.effectiveOn;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
