import { createHmac } from 'node:crypto';
import type { DataSource } from 'typeorm';

/**
 * Keys what is derived from an Idempotency-Key (the ids of created things, of events, of the
 * command): a keyed hash of the caller and the key under the service's own secret, so that
 * another caller cannot compute them (and take an id first). The secret is the database's
 * (`service_secrets`), the same for every instance.
 */
export class CommandIds {
  private constructor(private readonly secret: Buffer) {}

  static async load(dataSource: DataSource): Promise<CommandIds> {
    const rows: { secret: Buffer }[] = await dataSource.query(`SELECT secret FROM service_secrets WHERE name = 'command-ids'`);
    if (!rows[0]) throw new Error('the database holds no command-ids secret (service_secrets): are its migrations applied?');
    return new CommandIds(rows[0].secret);
  }

  static fromSecret(secret: Buffer): CommandIds {
    if (secret.length < 32) throw new Error('a command-ids secret has at least 32 bytes');
    return new CommandIds(secret);
  }

  /** The seed every id of this caller's request with this key derives from. */
  seed(actorId: string, idempotencyKey: string): string {
    return createHmac('sha256', this.secret).update(`${actorId}\u001f${idempotencyKey}`).digest('hex');
  }
}
