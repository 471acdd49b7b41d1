import 'reflect-metadata';
import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import {
  Body,
  type CanActivate,
  Controller,
  type DynamicModule,
  type ExecutionContext,
  HttpCode,
  Injectable,
  Module,
  NotFoundException,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import { JwtModule, JwtService } from '@nestjs/jwt';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import type { Request } from 'express';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

/**
 * "The framework's ceiling": the least a NestJS command endpoint of this shape can cost on
 * this machine — HS256 bearer token verified in a guard, a whitelisted class-validator DTO
 * of 5 fields, a CommandBus dispatch, and a handler doing one SELECT and one INSERT on
 * PostgreSQL. The service's own commands are compared with it.
 */

/** The tables of the ceiling's handler (created by `prepareCeilingTables`). */
export async function prepareCeilingTables(pool: pg.Pool, unitIds: readonly string[]): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_ceiling_units (id uuid PRIMARY KEY, name text NOT NULL)`);
  await pool.query(
    `CREATE TABLE IF NOT EXISTS bench_ceiling_members (
       id uuid PRIMARY KEY, unit_id uuid NOT NULL REFERENCES bench_ceiling_units (id), full_name text NOT NULL,
       member_code text NOT NULL, joined_on date NOT NULL, enrolled_by text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`,
  );
  await pool.query(`INSERT INTO bench_ceiling_units (id, name) SELECT id, 'Unit ' || id FROM unnest($1::uuid[]) AS t(id) ON CONFLICT DO NOTHING`, [unitIds]);
}

export class CeilingEnrolRequest {
  @IsOptional()
  @IsUUID()
  memberId?: string;

  @IsUUID()
  unitId!: string;

  @IsString()
  @Length(1, 200)
  fullName!: string;

  @IsString()
  @Length(1, 64)
  memberCode!: string;

  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  joinedOn!: string;
}

class CeilingEnrolCommand {
  constructor(
    readonly request: CeilingEnrolRequest,
    readonly actor: string,
  ) {}
}

/** The PostgreSQL pool of the ceiling's handler (a class, so that Nest injects it by type). */
export class CeilingDatabase {
  constructor(readonly pool: pg.Pool) {}
}

interface Claims {
  readonly sub: string;
}

/** The HS256 key, made once (a class, so that Nest injects it by type). */
export class CeilingKey {
  readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }
}

@Injectable()
class BearerGuard implements CanActivate {
  constructor(
    private readonly jwt: JwtService,
    private readonly secret: CeilingKey,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & { claims?: Claims }>();
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) throw new UnauthorizedException('a bearer token is required');
    try {
      // A KeyObject, as the service's TokenVerifier has: given the secret as a string,
      // jsonwebtoken first tries to parse it as a public key on every call (a third of the
      // ceiling's CPU time when measured), which would put the ceiling below the service.
      req.claims = this.jwt.verify<Claims>(header.slice(7), { algorithms: ['HS256'], secret: this.secret.key as unknown as Buffer });
    } catch {
      throw new UnauthorizedException('the token is not valid');
    }
    return true;
  }
}

@CommandHandler(CeilingEnrolCommand)
class CeilingEnrolHandler implements ICommandHandler<CeilingEnrolCommand, { id: string }> {
  constructor(private readonly db: CeilingDatabase) {}

  async execute({ request: r, actor }: CeilingEnrolCommand): Promise<{ id: string }> {
    const unit = await this.db.pool.query(`SELECT id FROM bench_ceiling_units WHERE id = $1`, [r.unitId]);
    if (unit.rowCount === 0) throw new NotFoundException(`no unit ${r.unitId}`);
    const id = r.memberId ?? randomUUID();
    await this.db.pool.query(
      `INSERT INTO bench_ceiling_members (id, unit_id, full_name, member_code, joined_on, enrolled_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, r.unitId, r.fullName, r.memberCode, r.joinedOn, actor],
    );
    return { id };
  }
}

@Controller('ceiling')
@UseGuards(BearerGuard)
class CeilingController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('members')
  @HttpCode(201)
  enrol(@Body() body: CeilingEnrolRequest, @Req() req: Request & { claims?: Claims }): Promise<{ id: string }> {
    return this.commandBus.execute(new CeilingEnrolCommand(body, req.claims!.sub));
  }
}

@Module({})
class CeilingModule {
  static forRoot(secret: string, db: CeilingDatabase): DynamicModule {
    return {
      module: CeilingModule,
      imports: [CqrsModule, JwtModule.register({})],
      controllers: [CeilingController],
      providers: [{ provide: CeilingDatabase, useValue: db }, { provide: CeilingKey, useValue: new CeilingKey(secret) }, BearerGuard, CeilingEnrolHandler],
    };
  }
}

export interface CeilingApp {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the ceiling application on 127.0.0.1 (a free port), platform-express, default body parser. */
export async function startCeiling(secret: string, db: CeilingDatabase): Promise<CeilingApp> {
  const app = await NestFactory.create<NestExpressApplication>(CeilingModule.forRoot(secret, db), { logger: ['error', 'warn'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { port, close: () => app.close() };
}
