import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AppConfig } from '../../config/app-config.js';
import { CommandAccess } from '../../infrastructure/commands/command-access.js';
import { CommandRunner } from '../../infrastructure/commands/command-runner.js';
import { UnitLocks } from '../../infrastructure/commands/unit-locks.js';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { OrgAccess } from './hierarchy/org-access.js';
import { MemberController } from './member/member.controller.js';
import { ImportMembersHandler, MemberCommandHandler } from './member/member.handler.js';
import { OrgUnitController } from './org-unit/org-unit.controller.js';
import { OrgUnitCommandHandler } from './org-unit/org-unit.handler.js';

/**
 * The organisation registry: units and their members, with effective dates. Terminating a
 * unit asks the organisation view for its children (`OrgUnitDependents`): the module that
 * provides it is named where the application is composed.
 */
/** The command runner, checking scope with the hierarchy: every module that gives commands provides it so. */
export const commandRunnerProviders = (): Provider[] => [
  { provide: CommandAccess, useClass: OrgAccess },
  {
    provide: CommandRunner,
    useFactory: (store: EventStore, access: CommandAccess, locks: UnitLocks, config: AppConfig) =>
      new CommandRunner(store, access, locks, config.COMMAND_RETRIES),
    inject: [EventStore, CommandAccess, UnitLocks, AppConfig],
  },
];

@Module({})
export class OrgModule {
  static register(childUnits: { readonly from: Type }): DynamicModule {
    return {
      module: OrgModule,
      imports: [CqrsModule, childUnits.from],
      controllers: [OrgUnitController, MemberController],
      providers: [
        ...commandRunnerProviders(),
        OrgUnitCommandHandler,
        MemberCommandHandler,
        ImportMembersHandler,
      ],
    };
  }
}
