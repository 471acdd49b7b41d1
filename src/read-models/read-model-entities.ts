import { MemberVersion } from './membership/member-version.entity.js';
import { OrgUnitVersion } from './org-structure/org-unit-version.entity.js';

/** The TypeORM entities of the read models; their tables come from migrations. */
export const READ_MODEL_ENTITIES = [OrgUnitVersion, MemberVersion];
