import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { UnitLocks } from '../../infrastructure/commands/unit-locks.js';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { EnrolMemberController } from './enrol-member/enrol-member.controller.js';
import { EnrolMemberHandler } from './enrol-member/enrol-member.handler.js';
import { EstablishOrgUnitController } from './establish-org-unit/establish-org-unit.controller.js';
import { EstablishOrgUnitHandler } from './establish-org-unit/establish-org-unit.handler.js';
import { ImportMembersController } from './import-members/import-members.controller.js';
import { ImportMembersHandler } from './import-members/import-members.handler.js';
import { MergeOrgUnitController } from './merge-org-unit/merge-org-unit.controller.js';
import { MergeOrgUnitHandler } from './merge-org-unit/merge-org-unit.handler.js';
import { RemoveMemberController } from './remove-member/remove-member.controller.js';
import { RemoveMemberHandler } from './remove-member/remove-member.handler.js';
import { RenameOrgUnitController } from './rename-org-unit/rename-org-unit.controller.js';
import { RenameOrgUnitHandler } from './rename-org-unit/rename-org-unit.handler.js';
import { OrgAccess } from './shared/org-access.js';
import { OrgStateLoader } from './shared/org-unit-loader.js';
import { TerminateOrgUnitController } from './terminate-org-unit/terminate-org-unit.controller.js';
import { TerminateOrgUnitHandler } from './terminate-org-unit/terminate-org-unit.handler.js';
import { TransferMemberController } from './transfer-member/transfer-member.controller.js';
import { TransferMemberHandler } from './transfer-member/transfer-member.handler.js';
import { TransferOrgUnitController } from './transfer-org-unit/transfer-org-unit.controller.js';
import { TransferOrgUnitHandler } from './transfer-org-unit/transfer-org-unit.handler.js';

/** The organisation registry: units and their members, with effective dates. */
@Module({
  imports: [CqrsModule],
  controllers: [
    EstablishOrgUnitController,
    RenameOrgUnitController,
    TransferOrgUnitController,
    MergeOrgUnitController,
    TerminateOrgUnitController,
    ImportMembersController,
    EnrolMemberController,
    TransferMemberController,
    RemoveMemberController,
  ],
  providers: [
    { provide: OrgStateLoader, useFactory: (store: EventStore) => new OrgStateLoader(store), inject: [EventStore] },
    { provide: OrgAccess, useFactory: (loader: OrgStateLoader, locks: UnitLocks) => new OrgAccess(loader, locks), inject: [OrgStateLoader, UnitLocks] },
    EstablishOrgUnitHandler,
    RenameOrgUnitHandler,
    TransferOrgUnitHandler,
    MergeOrgUnitHandler,
    TerminateOrgUnitHandler,
    EnrolMemberHandler,
    ImportMembersHandler,
    TransferMemberHandler,
    RemoveMemberHandler,
  ],
})
export class OrgModule {}
