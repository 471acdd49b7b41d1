import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext } from '../../../infrastructure/commands/command-context.js';
import { Access } from '../../../infrastructure/auth/access-policy.js';
import { CommandResponseInterceptor } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { newId } from '../shared/new-id.js';
import { ImportMembersCommand, type ImportMembersResult } from './import-members.command.js';
import { ImportMembersRequest } from './import-members.request.dto.js';

@Controller('members')
export class ImportMembersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access.write()
  @Post('import')
  @HttpCode(201)
  @UseInterceptors(CommandResponseInterceptor)
  import(@Body() body: ImportMembersRequest, @CommandCtx() context: CommandContext): Promise<ImportMembersResult> {
    const members = body.members.map((m, index) => ({
      memberId: newId(m.memberId, 'member', context, index),
      unitId: m.unitId.toLowerCase(),
      fullName: m.fullName.trim(),
      memberCode: m.memberCode.trim(),
      joinedOn: m.joinedOn,
    }));
    return this.commandBus.execute(new ImportMembersCommand(members, context));
  }
}
